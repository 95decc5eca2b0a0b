"""The exports: every format renders a realistic plan, and a parser reads back what it wrote."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from docx import Document
from icalendar import Calendar
from pypdf import PdfReader

from dialogues.documents.document import Answer, Meeting, PlanDocument, PlanRow, Section
from dialogues.documents.formats import FORMATS, filename, grouped_rows, render, slugify
from dialogues.documents.formats.markdown import cell
from dialogues.documents.formats.pdffont import font_coverage, sanitise
from tests.langwords import doc_labels, words

ORGANISATION = "Frivillighuset Ærø & Co"
LONG_PHRASE = "på kanten af arbejdsmarkedet"
LONG_LAST = "Sidste linje i det lange svar"


def _long_answer() -> str:
    """Return a 4,000-character answer: a long paragraph, then many short lines, then LONG_LAST."""
    paragraph = " ".join(["Vi vil gøre foreningen til et sted, hvor alle kan bidrage."] * 12)
    lines = [f"Linje {n}: frivillige {LONG_PHRASE}." for n in range(100)]
    text = "\n".join([paragraph, *lines])[: 4000 - len(LONG_LAST) - 1]
    return text + "\n" + LONG_LAST


def make_doc(lang: str = "da") -> PlanDocument:
    """Build a realistic plan: Danish letters, emoji, HTML-like text, a long answer, a meeting."""
    rows = (
        PlanRow(
            uid="trin3-r1",
            fokus="Rummelig kultur",
            maal="At de frivillige bliver en aktiv del af fællesskabet 🎉",
            delmaal=("At vi holder et fællesmøde med de frivillige", "Mentorordning ✅"),
            handlinger=("Planlæg mødet, og send en indkaldelse", "Hold fællesmødet"),
            tid="uge 39",
            due=date(2026, 9, 25),
            roller="Johanne | Peter",
            status="Planlagt",
            source="Trin 3",
        ),
        PlanRow(
            uid="trin3-r2",
            fokus="Samarbejdspartnere",
            maal="ÆØÅ: samarbejde med kommunen om <b>&amp; henvisninger",
            delmaal=("Møde med kontaktpersonen",),
            handlinger=("Ring til kontaktpersonen\nog aftal et møde",),
            tid="",
            due=None,
            roller="Abdul",
            status="",
            source="Trin 3",
        ),
        PlanRow(
            uid="anbefaling1-s3",
            fokus="Rummelig kultur",
            maal="Tal om, hvad en tidligere bruger kunne give os",
            delmaal=(),
            handlinger=("Inviter en tidligere bruger til bestyrelsesmødet",),
            tid="15. marts 2026",
            due=date(2026, 3, 15),
            roller="Bestyrelsen",
            status="I gang",
            source="Anbefaling 1",
        ),
    )
    sections = (
        Section(
            "Trin 1: Hvorfor inklusion?",
            (
                Answer(
                    "Hvad kan vi give hinanden?",
                    "Tryghed & <b>&amp; glæde 🎉\x07",
                    "Mette",
                    "2026-11-20",
                ),
                Answer("Hvad vil I opnå?", _long_answer(), "Ole Østergaard", "2026-11-21"),
            ),
        ),
        Section("Anbefaling 2", ()),
    )
    return PlanDocument(
        lang=lang,
        title="Handleplan for inklusion" if lang == "da" else "Action plan for inclusion",
        organisation=ORGANISATION,
        created=date(2026, 11, 22),
        rows=rows,
        sections=sections,
        meetings=(Meeting("moede-1", "Opfølgningsmøde om handleplanen", date(2027, 1, 15)),),
        credits=("Bygget på »Inklusion af frivillige«.", "Inklusionsguiden"),
        labels=doc_labels(lang)
        | ({"maal": "Mål", "handlinger": "Handlinger"} if lang == "da" else {}),
        words=words(lang),
    )


def empty_doc() -> PlanDocument:
    """Build a document with no rows and no answers."""
    return PlanDocument(
        "da",
        "Handleplan",
        "",
        date(2026, 1, 2),
        (),
        (Section("Trin 1", ()),),
        labels=doc_labels("da"),
        words=words("da"),
    )


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    """The realistic plan as PDF, rendered once for the PDF tests."""
    return render(make_doc(), "pdf")


def _pdf_text(data: bytes) -> str:
    """Return the text of all pages of a PDF."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_filenames_use_a_slug_of_the_organisation_and_the_date() -> None:
    assert filename(make_doc(), "pdf") == "inklusionsplan-frivillighuset-aeroe-co-2026-11-22.pdf"
    assert (
        filename(make_doc("en"), "ics") == "inclusion-plan-frivillighuset-aeroe-co-2026-11-22.ics"
    )
    assert filename(empty_doc(), "md") == "inklusionsplan-plan-2026-01-02.md"
    assert slugify("  Café Åens Venner 🎉 ") == "cafe-aaens-venner"
    assert slugify("🎉") == "plan"
    with pytest.raises(ValueError):
        filename(make_doc(), "xls")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        render(make_doc(), "odt")


def test_rows_are_grouped_by_focus_and_sorted_by_deadline_undated_last() -> None:
    groups = grouped_rows(make_doc())
    assert [fokus for fokus, _ in groups] == ["Rummelig kultur", "Samarbejdspartnere"]
    assert [row.uid for row in groups[0][1]] == ["anbefaling1-s3", "trin3-r1"]
    undated = PlanRow("u", "Rummelig kultur", "", (), (), "", None, "", "", "")
    doc = make_doc()
    doc = PlanDocument(
        doc.lang,
        doc.title,
        "",
        doc.created,
        (undated, *doc.rows),
        (),
        labels=doc_labels(doc.lang),
        words=words(doc.lang),
    )
    assert [row.uid for row in grouped_rows(doc)[0][1]] == ["anbefaling1-s3", "trin3-r1", "u"]


def test_sanitise_drops_emoji_and_replaces_other_missing_characters() -> None:
    assert sanitise("Tak 🎉 for i dag ✅👍🏽") == "Tak for i dag"
    assert sanitise("Familie: 👨‍👩‍👧 ok") == "Familie: ok"
    assert sanitise("🎉 Fest!\nTak 🎉.\nOK 👍🏽") == "Fest!\nTak.\nOK"
    assert sanitise("æøå ÆØÅ <b>&amp; ✓ é") == "æøå ÆØÅ <b>&amp; ✓ é"
    assert sanitise("漢字 ok") == "?? ok"
    assert sanitise("a\x00b\x07c\r\nd\te") == "abc\nd    e"
    assert sanitise("x", coverage=set()) == "?"
    assert ord("æ") in font_coverage()


def test_pdf_has_the_organisation_headings_danish_words_and_the_long_answer(
    pdf_bytes: bytes,
) -> None:
    assert pdf_bytes.startswith(b"%PDF-")
    text = _pdf_text(pdf_bytes)
    assert ORGANISATION in text
    for heading in ("Fokus", "Mål", "Delmål", "Handlinger", "Tid", "Roller", "Status"):
        assert heading in text
    assert "fællesmøde" in text and "ÆØÅ" in text
    assert "<b>&amp;" in text  # printed literally
    assert LONG_PHRASE in text and LONG_LAST in text
    assert "Opfølgningsmøde om handleplanen" in text
    assert "Inklusionsguiden" in text  # the credits in the footer
    assert len(PdfReader(io.BytesIO(pdf_bytes)).pages) >= 3  # the long answer flows on


def test_the_long_answer_has_4000_characters() -> None:
    answer = make_doc().sections[0].answers[1].answer
    assert len(answer) == 4000 and answer.count("\n") > 50


def test_pdf_first_page_is_not_blank(pdf_bytes: bytes, tmp_path: Path) -> None:
    document = pdfium.PdfDocument(pdf_bytes)
    image = document[0].render(scale=1).to_pil().convert("L")
    image.save(tmp_path / "page0.png")
    histogram = image.histogram()
    dark = sum(histogram[:200])  # pixels clearly darker than white
    assert dark / (image.width * image.height) > 0.01
    document.close()


def test_pdf_splits_a_row_taller_than_a_page() -> None:
    doc = make_doc()
    huge = PlanRow("big", "Kompetencer", "Mål", (), ("Ord " * 3000,), "", None, "", "", "")
    doc = PlanDocument(
        doc.lang,
        doc.title,
        "",
        doc.created,
        (huge, *doc.rows),
        (),
        labels=doc_labels(doc.lang),
        words=words(doc.lang),
    )
    assert "Kompetencer" in _pdf_text(render(doc, "pdf"))


def test_docx_has_a_table_with_the_header_row_and_the_rows() -> None:
    word = Document(io.BytesIO(render(make_doc(), "docx")))
    table = word.tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header == ["Fokus", "Mål", "Delmål", "Handlinger", "Tid", "Roller", "Status"]
    assert len(table.rows) == 4
    texts = ["\n".join(c.text for c in row.cells) for row in table.rows[1:]]
    assert "Inviter en tidligere bruger" in texts[0]  # dated 15 March: first
    assert "ÆØÅ: samarbejde med kommunen om <b>&amp; henvisninger" in texts[2]  # undated
    body = "\n".join(p.text for p in word.paragraphs)
    assert ORGANISATION in body and LONG_LAST in body
    assert "Tryghed & <b>&amp; glæde 🎉" in body  # the control character is gone
    assert "Opfølgningsmøde om handleplanen" in body


def test_ics_has_an_all_day_event_per_dated_row_and_per_meeting() -> None:
    calendar = Calendar.from_ical(render(make_doc(), "ics", calendar_id="chat42"))
    assert str(calendar["X-WR-CALNAME"]).endswith(ORGANISATION)
    assert calendar["VERSION"] == "2.0" and "PRODID" in calendar
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Copenhagen"
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {
        "trin3-r1.chat42@inklusionsguiden",
        "anbefaling1-s3.chat42@inklusionsguiden",
        "moede-1.chat42@inklusionsguiden",
    }
    row = events["trin3-r1.chat42@inklusionsguiden"]
    assert row.decoded("DTSTART") == date(2026, 9, 25)
    assert str(row["SUMMARY"]) == "At de frivillige bliver en aktiv del af fællesskabet 🎉"
    assert "Planlæg mødet, og send en indkaldelse" in str(row["DESCRIPTION"])
    assert "Johanne | Peter" in str(row["DESCRIPTION"]) and "fællesskabet" in str(
        row["DESCRIPTION"]
    )
    assert row["SEQUENCE"] == 0
    assert row.decoded("DTSTAMP").date() == date(2026, 11, 22)
    assert events["moede-1.chat42@inklusionsguiden"].decoded("DTSTART") == date(2027, 1, 15)


def test_ics_is_deterministic_and_uids_depend_on_the_calendar() -> None:
    first = render(make_doc(), "ics", calendar_id="chat42")
    assert first == render(make_doc(), "ics", calendar_id="chat42")
    other = Calendar.from_ical(render(make_doc(), "ics", calendar_id="chat7"))
    assert all(str(e["UID"]).endswith(".chat7@inklusionsguiden") for e in other.walk("VEVENT"))
    bare = Calendar.from_ical(render(make_doc(), "ics"))
    assert "moede-1@inklusionsguiden" in {str(e["UID"]) for e in bare.walk("VEVENT")}


def test_markdown_has_the_plan_table_with_escaped_cells() -> None:
    text = render(make_doc(), "md").decode("utf-8")
    assert text.startswith("# Handleplan for inklusion\n")
    assert "| Fokus | Mål | Delmål | Handlinger | Tid | Roller | Status |" in text
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(rows) == 4  # the header and three rows
    assert "Johanne \\| Peter" in rows[2]
    assert "• Ring til kontaktpersonen<br>og aftal et møde" in rows[3]
    assert "\\<b>\\&amp;" in text  # shows literally when rendered
    assert LONG_LAST in text and "Inklusionsguiden" in text
    assert cell("a|b\nc") == "a\\|b<br>c"


def test_english_documents_use_english_labels() -> None:
    text = render(make_doc("en"), "md").decode("utf-8")
    # the labels the English content gives every plan the bot builds (ui.yaml label_*)
    assert "| Focus | Goal | Milestones | Actions | Time | Roles | Status |" in text
    assert "22 November 2026" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_document_renders(fmt: str) -> None:
    doc = empty_doc()
    assert doc.is_empty
    assert render(doc, fmt)
