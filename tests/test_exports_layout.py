"""What a board sees when it opens the exports: headings, follow-up, status, whole rows, fonts."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from icalendar import Calendar
from pypdf import PageObject, PdfReader

from dialogues import Library, dates
from dialogues.documents.build import build_document
from dialogues.documents.document import PlanDocument, PlanRow
from dialogues.documents.formats import filename, render
from tests.test_exports import make_doc
from tests.transcript import Transcript

LONG_WORDS = ("Samarbejdspartnere", "Aktivitetsudvalget", "fællesmøde")


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _text_heights(page: PageObject) -> list[tuple[float, str]]:
    """Return each text run on a PDF page with its height above the page's foot (points)."""
    found: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        found.append((tm[5] * cm[3] + cm[5], text))

    page.extract_text(visitor_text=visit)
    return found


def _with_guide_meeting(doc: PlanDocument) -> PlanDocument:
    return dataclasses.replace(doc, meeting_day=date(2027, 2, 3))


def _row(n: int, fokus: str = "Samarbejdspartnere") -> PlanRow:
    return PlanRow(
        uid=f"r{n}",
        fokus=fokus,
        maal=f"Mål {n}: Aktivitetsudvalget inviterer nye frivillige",
        delmaal=("Et møde med kommunen",),
        handlinger=tuple(f"Handling {n}.{i}: ring til kontaktpersonen" for i in range(4)),
        tid="",
        due=date(2027, 3, 1) + timedelta(days=n),
        roller="Johanne og Peter",
        status="",
        source="Trin 3",
    )


def test_pdf_heads_the_plan_with_the_organisation_and_the_guides_meeting() -> None:
    first = _pages(render(_with_guide_meeting(make_doc()), "pdf"))[0]
    assert "Frivillighuset Ærø & Co · Møde om inklusion 3. februar 2027" in first
    assert "Lavet 22. november 2026" in first


def test_pdf_has_a_follow_up_section_with_agenda_routine_and_meetings() -> None:
    text = "\n".join(_pages(render(make_doc(), "pdf")))
    assert "Opfølgning" in text and "»Opfølgning på handleplan«" in text
    for number in range(1, 5):
        assert f"{number}." in text
    assert "15. januar 2027: Opfølgningsmøde om handleplanen" in text


def test_every_item_shows_a_status_from_the_start() -> None:
    doc = make_doc()
    pdf = "\n".join(_pages(render(doc, "pdf")))
    assert "Ikke startet" in pdf  # the row without a status
    md = render(doc, "md").decode()
    assert "Ikke startet" in md
    english = render(make_doc("en"), "md").decode()
    assert "Not started" in english


def test_a_small_plan_is_one_pdf_page() -> None:
    doc = dataclasses.replace(make_doc(), sections=(), rows=make_doc().rows[:2])
    assert len(_pages(render(doc, "pdf"))) == 1


def test_pdf_table_never_breaks_a_word() -> None:
    doc = dataclasses.replace(make_doc(), rows=tuple(_row(n) for n in range(12)))
    text = "\n".join(_pages(render(doc, "pdf")))
    for word in LONG_WORDS[:2]:
        assert word in text


def test_docx_rows_stay_whole_with_widths_from_the_content() -> None:
    word = Document(io.BytesIO(render(make_doc(), "docx")))
    table = word.tables[0]
    for row in table.rows:
        assert row._tr.trPr.find(qn("w:cantSplit")) is not None
    widths = [column.width for column in table.columns]
    assert abs(sum(widths) - Mm(267)) < Mm(1)
    status, tid = widths[-1], widths[4]
    assert status < widths[3] and tid < widths[3]  # short columns stay narrow


def test_docx_names_a_real_font_everywhere_and_keeps_the_footer_clear() -> None:
    word = Document(io.BytesIO(render(make_doc(), "docx")))
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        fonts = word.styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:ascii")) == "Arial" and fonts.get(qn("w:hAnsi")) == "Arial"
        assert fonts.get(qn("w:asciiTheme")) is None
    for section in word.sections:
        assert section.bottom_margin - section.footer_distance >= Mm(12)


def test_calendar_names_events_by_item_with_alarms_and_the_guides_meeting() -> None:
    doc = _with_guide_meeting(make_doc())
    calendar = Calendar.from_ical(render(doc, "ics", calendar_id="c1"))
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    guide = events["guide-meeting.c1@inklusionsguiden"]
    assert guide.decoded("DTSTART") == date(2027, 2, 3)
    assert str(guide["SUMMARY"]) == "Møde om inklusion"
    item = events["anbefaling1-s3.c1@inklusionsguiden"]
    assert str(item["SUMMARY"]) == "Tal om, hvad en tidligere bruger kunne give os"
    alarms = item.walk("VALARM")
    assert len(alarms) == 1 and alarms[0].decoded("TRIGGER") == -timedelta(hours=15)
    assert not events["moede-1.c1@inklusionsguiden"].walk("VALARM")  # meetings: no alarm
    quiet = Calendar.from_ical(render(doc, "ics", calendar_id="c1", alarms=False))
    assert not quiet.walk("VALARM")


def test_a_long_item_gets_a_short_event_name_with_the_whole_text_in_the_description() -> None:
    goal = "At alle nye frivillige får en makker de første tre måneder, " * 4
    row = dataclasses.replace(make_doc().rows[0], maal=goal.strip())
    doc = dataclasses.replace(make_doc(), rows=(row,))
    event = Calendar.from_ical(render(doc, "ics")).walk("VEVENT")[0]
    summary = str(event["SUMMARY"])
    assert len(summary) <= 90 and summary.endswith("…")
    assert goal.strip() in str(event["DESCRIPTION"])


def test_file_names_follow_the_readers_language() -> None:
    assert filename(make_doc("en"), "docx").startswith("inclusion-plan-")
    assert filename(make_doc("da"), "docx").startswith("inklusionsplan-")


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice (soffice) is not installed; apt-get install libreoffice-writer-nogui",
)
def test_docx_rendered_by_libreoffice_keeps_words_rows_and_fonts(tmp_path: Path) -> None:
    rows = tuple(_row(n, fokus) for n in range(30) for fokus in ("Samarbejdspartnere",))
    doc = dataclasses.replace(make_doc(), rows=rows)
    source = tmp_path / "plan.docx"
    source.write_bytes(render(doc, "docx"))
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    reader = PdfReader(tmp_path / "plan.pdf")
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    for word in LONG_WORDS[:2]:
        assert text.count(word) >= 30  # never "Samarbejdspartne|re"
    for n in range(30):  # a row's goal and its last action on the same page
        assert any(f"Mål {n}:" in page and f"Handling {n}.3" in page for page in pages)
    for page in reader.pages:  # the body's last line stays well clear of the footer's
        lines = _text_heights(page)
        footer = min(y for y, text in lines if text.strip())
        body = [y for y, text in lines if text.strip() and y > footer + 1]
        assert not body or min(body) >= footer + 20  # points: about 7 mm
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert all("Liberation" in font or "Symbol" in font for font in fonts), fonts


def test_the_meeting_guides_answers_head_the_plan_and_are_not_reflections(
    user: Transcript, library: Library
) -> None:
    user.press_on("org", flow="moede")
    user.send("Velkommen her & co")
    user.send("3.2.2027")
    doc = build_document(library.get("da"), user.state, user.clock(), tz=dates.LOCAL)
    assert doc.organisation == "Velkommen her & co"
    assert doc.meeting_day == date(2027, 2, 3)
    questions = [answer.question for section in doc.sections for answer in section.answers]
    assert "Hvad hedder jeres organisation?" not in questions
    assert "Hvornår holder I mødet?" not in questions
    first = _pages(render(doc, "pdf"))[0]
    assert "Velkommen her & co · Møde om inklusion 3. februar 2027" in first
