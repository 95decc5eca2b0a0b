"""The plan document as plain values: the plan's rows, the reflections, the meetings, labels.

`documents.build.build_document` builds it from a chat's state, texts already in the chat's
language; the /plan screen and every exporter (`dialogues/documents/formats/`) render it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from dialogues.dates import DateWords


@dataclass(frozen=True)
class PlanRow:
    """One row of the action plan (Fokus, Mål, Delmål, Handlinger, Tid, Roller, status)."""

    uid: str  # stable across exports, e.g. "trin3-r2" or "anbefaling1-s3"
    fokus: str
    maal: str
    delmaal: tuple[str, ...]
    handlinger: tuple[str, ...]
    tid: str  # as shown to people: "uge 39", "15. marts 2027"
    due: date | None  # the deadline, when the time names one
    roller: str
    status: str  # a label in the document's language; "" when none yet
    source: str  # where it came from: "Trin 3", "Anbefaling 1"
    progress: str = ""  # the status as a key: "", "progress", "done" or "stuck"


@dataclass(frozen=True)
class Answer:
    """One reflection: the question, the answer, who gave it and when (ISO date)."""

    question: str
    answer: str
    by: str
    at: str


@dataclass(frozen=True)
class Section:
    """The reflections of one step or one recommendation."""

    title: str
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class Meeting:
    """A planned follow-up meeting."""

    uid: str
    title: str
    day: date


@dataclass(frozen=True)
class PlanDocument:
    """Everything an export needs; texts already in the chat's language."""

    lang: str  # the language's code, "da" or "en" say: the files' language property
    title: str  # e.g. "Handleplan for inklusion"
    organisation: str  # "" when unknown
    created: date
    rows: tuple[PlanRow, ...]
    sections: tuple[Section, ...]
    meetings: tuple[Meeting, ...] = ()
    credits: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    # labels keys: see dialogues.documents.build.labels (a missing one shows as its key)
    meeting_day: date | None = None  # the meeting typed in the meeting guide, when any
    # the language's words for dates (month names, the week's word): Content.words
    words: DateWords = field(default_factory=DateWords.none)

    def groups(self) -> list[tuple[str, list[PlanRow]]]:
        """Group rows by Fokus (in order of first appearance), each by deadline, undated last."""
        found: dict[str, list[PlanRow]] = {}
        for row in self.rows:
            found.setdefault(row.fokus.strip(), []).append(row)
        return [(fokus, sorted(rows, key=_due_key)) for fokus, rows in found.items()]

    @property
    def is_empty(self) -> bool:
        """Tell whether there is nothing to export (no rows and no answers)."""
        return not self.rows and not any(s.answers for s in self.sections)


def _due_key(row: PlanRow) -> tuple[bool, date]:
    """Dated rows first, by date; the sort is stable, so ties keep their order."""
    return (row.due is None, row.due or date.min)
