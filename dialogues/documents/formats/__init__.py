"""The plan's file formats: PDF, Word (docx), iCalendar (ics) and Markdown (md), and its
time line as a picture (png, `timeline.py`), sent as a photo rather than as a file.

`render(doc, fmt, calendar_id, alarms=...)` returns a PlanDocument as the file's bytes and
`filename(doc, fmt)` the name to send it under. Each format lives in its own module (`pdf.py`
with `pdffont.py`, `pdflayout.py` and `columns.py`; `docx.py` with `docxtable.py` and
`wordapi.py`; `ics.py`; `markdown.py`), imported on first use so that importing this package
stays cheap (fpdf2 and python-docx load only when a chat asks for their format). All of a
chat's data as JSON is not a plan format and is not here.

What the format modules share lives here: the labels (the document carries them, in its
language, from the content's ui.yaml; see documents/build.py), the row order (grouped by
focus, then by deadline, undated last), the meetings in date order, text cleaning
(characters XML cannot hold), file names, dates, status texts and bylines.
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
    stem = slugify(label(doc, "file_plan"), "plan")
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
    """Return the document's label for key (in its language), else the key itself."""
    return doc.labels.get(key, "").strip() or key


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


def human_date(day: date, doc: PlanDocument) -> str:
    """Format a date for people in the document's words: "15. marts 2027", "15 March 2027"."""
    return date_label(day, doc.words)


def time_text(row: PlanRow, doc: PlanDocument) -> str:
    """Return the row's time as written, or its deadline when no time text was given."""
    if row.tid.strip():
        return row.tid.strip()
    return human_date(row.due, doc) if row.due else ""


def subtitle(doc: PlanDocument) -> str:
    """Return the plan's heading line: the organisation and the meeting-guide meeting."""
    meeting = ""
    if doc.meeting_day is not None:
        meeting = f"{label(doc, 'guide_meeting')} {human_date(doc.meeting_day, doc)}"
    return " · ".join(part for part in (doc.organisation.strip(), meeting) if part)


def made_line(doc: PlanDocument) -> str:
    """Return "Made 22 November 2026" in the document's language."""
    return f"{label(doc, 'made')} {human_date(doc.created, doc)}"


def byline(answer: Answer, doc: PlanDocument) -> str:
    """Return "by, date" for an answer, with an ISO date shown for people; "" when neither."""
    when = answer.at.strip()
    with contextlib.suppress(ValueError):  # not an ISO date: show it as given
        when = human_date(date.fromisoformat(when[:10]), doc)
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
        time_text(row, doc),
        row.roller,
        status_text(doc, row),
    )
    return tuple(text.strip() for text in texts)


def bullets(items: tuple[str, ...], mark: str = "•") -> str:
    """Return the non-empty items as bullet lines, one per line."""
    return "\n".join(f"{mark} {item.strip()}" for item in items if item.strip())
