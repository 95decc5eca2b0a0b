"""The plan's file formats: PDF, Word (docx), iCalendar (ics) and Markdown (md), and its
time line as a picture (png, `timeline.py`), sent as a photo rather than as a file.

`render(doc, fmt, calendar_id, alarms=...)` returns a PlanDocument as the file's bytes and
`filename(doc, fmt)` the name to send it under. Each format lives in its own module (`pdf.py`
with `pdffont.py`, `pdflayout.py` and `columns.py`; `docx.py` with `docxtable.py` and
`wordapi.py`; `ics.py`; `markdown.py`), imported on first use so that importing this package
stays cheap (fpdf2 and python-docx load only when a chat asks for their format). All of a
chat's data as JSON is not a plan format and is not here.

What the format modules share lives here: the column labels with their defaults per language,
the row order (grouped by focus, then by deadline, undated last), the meetings in date order,
text cleaning (characters XML cannot hold), file names, dates, status texts and bylines.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from datetime import date

from dialogues.dates import date_label
from dialogues.documents.document import Answer, Meeting, PlanDocument, PlanRow

__all__ = [
    "COLUMNS",
    "FORMATS",
    "PICTURES",
    "bullets",
    "byline",
    "clean_text",
    "dated",
    "filename",
    "grouped_rows",
    "human_date",
    "label",
    "made_line",
    "ordered_meetings",
    "render",
    "row_cells",
    "slugify",
    "status_text",
    "subtitle",
    "time_text",
]

FORMATS: tuple[str, ...] = ("pdf", "docx", "ics", "md")
PICTURES: tuple[str, ...] = ("png",)  # the time line: a photo in the chat, not a plan file
# The plan's columns, as keys of PlanDocument.labels, in the source tool's order.
COLUMNS: tuple[str, ...] = ("fokus", "maal", "delmaal", "handlinger", "tid", "roller", "status")

_DEFAULT_LABELS: dict[str, dict[str, str]] = {
    "da": {
        "fokus": "Fokus",
        "maal": "Mål",
        "delmaal": "Delmål",
        "handlinger": "Handlinger",
        "tid": "Tid",
        "roller": "Roller",
        "status": "Status",
        "plan": "Handleplan",
        "reflections": "Refleksioner",
        "meetings": "Opfølgningsmøder",
        "organisation": "Organisation",
        "date": "Dato",
        "empty_plan": "Handleplanen har ingen rækker endnu.",
        "credits": "Kilder",
        "page": "Side",
        "of": "af",
        "status_none": "Ikke startet",
        "made": "Lavet",
        "guide_meeting": "Møde om inklusion",
        "followup": "Opfølgning",
        "agenda": "Fast punkt på hvert bestyrelsesmøde",
        "agenda_item": "»Opfølgning på handleplan«",
        "routine": "Sådan tager I punktet",
        "routine_1": "Hver ansvarlig fortæller kort, hvor langt deres del af planen er nået.",
        "routine_2": "Resten stiller spørgsmål og byder ind med det, de selv ved og kan.",
        "routine_3": "I bliver enige om, hvad der skal være nået til næste møde.",
        "routine_4": "Er en opgave gået i stå? Så aftal en særskilt snak om den, gerne før mødet.",
        "next_meetings": "De næste møder",
        "no_meetings": "Ingen møder i kalenderen endnu. Vælg en rytme og en dato i trin 4.",
        "status_count": "Status lige nu",
        "status_not_started": "Ikke startet",
        "status_progress": "I gang",
        "status_done": "Gjort",
        "status_stuck": "Kørt fast",
        "timeline": "Tidslinje",
        "week": "uge",
        "today": "i dag",
        "overdue": "for sent",
        "meeting": "Opfølgningsmøde",
        "undated": "Uden frist, ikke vist: {n}",
        "more_rows": "Flere punkter med frist, ikke vist: {n}",
    },
    "en": {
        "fokus": "Focus",
        "maal": "Goal",
        "delmaal": "Sub-goals",
        "handlinger": "Actions",
        "tid": "Time",
        "roller": "Roles",
        "status": "Status",
        "plan": "Action plan",
        "reflections": "Reflections",
        "meetings": "Follow-up meetings",
        "organisation": "Organisation",
        "date": "Date",
        "empty_plan": "The action plan has no rows yet.",
        "credits": "Credits",
        "page": "Page",
        "of": "of",
        "status_none": "Not started",
        "made": "Made",
        "guide_meeting": "Meeting on inclusion",
        "followup": "Follow-up",
        "agenda": "A standing item at every board meeting",
        "agenda_item": "“Follow-up on the action plan”",
        "routine": "How to take the item",
        "routine_1": "Each person in charge says briefly how far their part of the plan has come.",
        "routine_2": "The others ask questions and offer what they know and can do.",
        "routine_3": "Together you agree on what should be done by the next meeting.",
        "routine_4": "Has a task stalled? Agree on a separate talk about it, ideally before the "
        "meeting.",
        "next_meetings": "The next meetings",
        "no_meetings": "No meetings in the calendar yet. Choose a rhythm and a date in step 4.",
        "status_count": "Status right now",
        "status_not_started": "Not started",
        "status_progress": "Under way",
        "status_done": "Done",
        "status_stuck": "Stuck",
        "timeline": "Time line",
        "week": "week",
        "today": "today",
        "overdue": "overdue",
        "meeting": "Follow-up meeting",
        "undated": "Without a deadline, not shown: {n}",
        "more_rows": "More items with a deadline, not shown: {n}",
    },
}

# Characters XML 1.0 cannot hold (and that no format needs): C0 controls other than tab and
# newline, DEL and the C1 controls, lone surrogates, and the non-characters U+FFFE and U+FFFF.
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SLUG_LETTERS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss"})


def render(doc: PlanDocument, fmt: str, calendar_id: str = "", *, alarms: bool = True) -> bytes:
    """Render the document in one of FORMATS and return the file's bytes.

    `calendar_id` keeps the calendar's event UIDs apart per chat; `alarms` adds a reminder the
    day before each deadline to the calendar (ics) file."""
    if fmt == "pdf":
        from dialogues.documents.formats.pdf import render as render_pdf

        return render_pdf(doc)
    if fmt == "docx":
        from dialogues.documents.formats.docx import render as render_docx

        return render_docx(doc)
    if fmt == "ics":
        from dialogues.documents.formats.ics import render as render_ics

        return render_ics(doc, calendar_id, alarms=alarms)
    if fmt == "md":
        from dialogues.documents.formats.markdown import render as render_md

        return render_md(doc)
    if fmt == "png":
        from dialogues.documents.formats.timeline import render as render_png

        return render_png(doc)
    raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS + PICTURES}")


def filename(doc: PlanDocument, fmt: str) -> str:
    """Return the file name for an export, e.g. inklusionsplan-roede-kors-2026-11-22.pdf."""
    if fmt not in FORMATS + PICTURES:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS + PICTURES}")
    stem = "inclusion-plan" if doc.lang == "en" else "inklusionsplan"
    return f"{stem}-{slugify(doc.organisation)}-{doc.created.isoformat()}.{fmt}"


def slugify(text: str, fallback: str = "plan", max_length: int = 60) -> str:
    """Turn text into a lowercase ASCII slug (æ→ae, ø→oe, å→aa), or fallback when empty."""
    text = text.lower().translate(_SLUG_LETTERS)
    # Decompose accented letters (é → e + ´) and drop what is not ASCII.
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    slug = slug[:max_length].rstrip("-")
    return slug or fallback


def label(doc: PlanDocument, key: str) -> str:
    """Return the document's label for key, else the default text in the document's language."""
    given = doc.labels.get(key, "").strip()
    if given:
        return given
    defaults = _DEFAULT_LABELS["en" if doc.lang == "en" else "da"]
    return defaults.get(key, key)


def clean_text(text: str) -> str:
    """Return text in NFC with Unix newlines and without control characters XML cannot hold."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNWANTED.sub("", unicodedata.normalize("NFC", text))


def grouped_rows(doc: PlanDocument) -> list[tuple[str, list[PlanRow]]]:
    """Group rows by focus, each by deadline (the document's own order)."""
    return doc.groups()


def dated(doc: PlanDocument) -> bool:
    """Tell whether the plan has anything with a day: an item's deadline or a meeting."""
    return any(row.due for row in doc.rows) or bool(doc.meetings) or doc.meeting_day is not None


def ordered_meetings(doc: PlanDocument) -> list[Meeting]:
    """Return the meetings by day."""
    return sorted(doc.meetings, key=_day)


def _day(meeting: Meeting) -> date:
    return meeting.day


def human_date(day: date, lang: str) -> str:
    """Format a date for people: "15. marts 2027" in Danish, "15 March 2027" in English."""
    return date_label(day, lang)


def time_text(row: PlanRow, lang: str) -> str:
    """Return the row's time as written, or its deadline when no time text was given."""
    if row.tid.strip():
        return row.tid.strip()
    return human_date(row.due, lang) if row.due else ""


def subtitle(doc: PlanDocument) -> str:
    """Return the plan's heading line: the organisation and the meeting-guide meeting."""
    meeting = ""
    if doc.meeting_day is not None:
        meeting = f"{label(doc, 'guide_meeting')} {human_date(doc.meeting_day, doc.lang)}"
    return " · ".join(part for part in (doc.organisation.strip(), meeting) if part)


def made_line(doc: PlanDocument) -> str:
    """Return "Made 22 November 2026" in the document's language."""
    return f"{label(doc, 'made')} {human_date(doc.created, doc.lang)}"


def byline(answer: Answer, lang: str) -> str:
    """Return "by, date" for an answer, with an ISO date shown for people; "" when neither."""
    when = answer.at.strip()
    with contextlib.suppress(ValueError):  # not an ISO date: show it as given
        when = human_date(date.fromisoformat(when[:10]), lang)
    return ", ".join(part for part in (answer.by.strip(), when) if part)


def status_text(doc: PlanDocument, row: PlanRow) -> str:
    """Return the row's status, or "not started" in the document's language when none yet."""
    return row.status.strip() or label(doc, "status_none")


def row_cells(doc: PlanDocument, row: PlanRow) -> tuple[str, ...]:
    """Return the texts of a row's cells in COLUMNS order; sub-goals and actions as bullets."""
    texts = (
        row.fokus,
        row.maal,
        bullets(row.delmaal),
        bullets(row.handlinger),
        time_text(row, doc.lang),
        row.roller,
        status_text(doc, row),
    )
    return tuple(text.strip() for text in texts)


def bullets(items: tuple[str, ...], mark: str = "•") -> str:
    """Return the non-empty items as bullet lines, one per line."""
    return "\n".join(f"{mark} {item.strip()}" for item in items if item.strip())
