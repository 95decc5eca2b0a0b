"""Render a PlanDocument as plain Markdown (CommonMark with a GitHub-style pipe table).

Title, the organisation and the date; the plan as a pipe table (rows grouped by focus, by
deadline); the follow-up meetings; the reflections; the credits. Inside table cells "|" is
escaped and line breaks become "<br>". Everywhere, a "<" that would open an HTML tag and an "&"
that would start an entity are backslash-escaped, so "<b>&amp;" shows literally when rendered.
"""

from __future__ import annotations

import re

from dialogues.documents.document import Answer, PlanDocument, PlanRow
from dialogues.documents.formats import (
    COLUMNS,
    byline,
    clean_text,
    grouped_rows,
    human_date,
    label,
    made_line,
    ordered_meetings,
    row_cells,
    subtitle,
)

__all__ = ["cell", "render", "text"]

# What a renderer would take for HTML: a tag's "<" and an entity's "&"; plain "a < b & c" stays.
_HTML_START = re.compile(r"<(?=[A-Za-z/!?])|&(?=#?[A-Za-z0-9]+;)")


def render(doc: PlanDocument) -> bytes:
    """Render the document as UTF-8 Markdown bytes."""
    blocks = [*_title(doc), *_plan(doc), *_meetings(doc), *_reflections(doc), *_credits(doc)]
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def text(value: str) -> str:
    """Escape free text so that backslashes, HTML tags and entities show literally."""
    value = clean_text(value).replace("\\", "\\\\")
    return _HTML_START.sub(_escaped, value)


def _escaped(match: re.Match[str]) -> str:
    return "\\" + match.group()


def cell(value: str) -> str:
    """Escape text for one table cell: "|" escaped, line breaks as <br>, no edge spaces."""
    lines = [line.strip() for line in text(value).strip().split("\n")]
    return "<br>".join(lines).replace("|", "\\|")


def _lines(value: str) -> str:
    """Return free text with hard line breaks (two trailing spaces) where it had newlines."""
    return "  \n".join(line.rstrip() for line in text(value).strip().split("\n"))


def _title(doc: PlanDocument) -> list[str]:
    """Return the title, the organisation and the guide's meeting, and the day it was made."""
    parts = (text(subtitle(doc)), text(made_line(doc)))
    return [f"# {text(doc.title or label(doc, 'plan'))}", "  \n".join(p for p in parts if p)]


def _plan(doc: PlanDocument) -> list[str]:
    """Return the heading and the plan table, or the note that the plan is empty."""
    heading = f"## {text(label(doc, 'plan'))}"
    if not doc.rows:
        return [heading, f"*{text(label(doc, 'empty_plan'))}*"]
    header = "| " + " | ".join(cell(label(doc, key)) for key in COLUMNS) + " |"
    rule = "|" + "|".join("---" for _ in COLUMNS) + "|"
    body = [_row(doc, row) for _, rows in grouped_rows(doc) for row in rows]
    return [heading, "\n".join([header, rule, *body])]


def _row(doc: PlanDocument, row: PlanRow) -> str:
    """Return one plan row as a pipe-table line."""
    values = row_cells(doc, row)
    return "| " + " | ".join(cell(value) for value in values) + " |"


def _meetings(doc: PlanDocument) -> list[str]:
    """Return the meetings, by day, as a list; nothing when there are none."""
    meetings = ordered_meetings(doc)
    if not meetings:
        return []
    items = [f"- {human_date(m.day, doc)}: {text(m.title.strip())}" for m in meetings]
    return [f"## {text(label(doc, 'meetings'))}", "\n".join(items)]


def _reflections(doc: PlanDocument) -> list[str]:
    """Return the reflections per section; nothing when there are no answers."""
    sections = [section for section in doc.sections if section.answers]
    if not sections:
        return []
    blocks = [f"## {text(label(doc, 'reflections'))}"]
    for section in sections:
        if section.title.strip():
            blocks.append(f"### {text(section.title.strip())}")
        blocks.extend(_answer(answer, doc) for answer in section.answers)
    return blocks


def _answer(answer: Answer, doc: PlanDocument) -> str:
    """Return one reflection: the question in bold, the answer, and "by, date" in italics."""
    question = " ".join(text(answer.question).split())
    lines = [f"**{question}**", _lines(answer.answer) or "–"]
    by = byline(answer, doc)
    if by:
        lines.append(f"*{text(by)}*")
    return "  \n".join(lines)


def _credits(doc: PlanDocument) -> list[str]:
    """Return the credits after a rule; nothing when there are none."""
    credits = [text(line.strip()) for line in doc.credits if line.strip()]
    if not credits:
        return []
    return ["---", f"**{text(label(doc, 'credits'))}**  \n" + "  \n".join(credits)]
