"""The plan's time line as a picture: the coming weeks, one lane per dated item, the meetings.

`render(doc)` returns a PNG, 1080 px wide for a phone, with text of 28 px or more; `layout(doc)`
returns what it shows as plain values (`timelinedraw.Picture`), which the tests read instead
of the pixels. The weeks run from this week to the last deadline or meeting, at least
MIN_WEEKS and at most MAX_WEEKS; earlier deadlines sit in a column before the weeks (marked
overdue unless done), later ones in a column after them. Each status has a colour and a shape
of its own, so the legend works in black and white too. The same document gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dialogues.dates import month_name, week_label
from dialogues.documents.document import Meeting, PlanDocument, PlanRow
from dialogues.documents.formats import label, made_line, ordered_meetings, time_text
from dialogues.documents.formats.pdffont import sanitise
from dialogues.documents.formats.timelinedraw import (
    Picture,
    Shape,
    Text,
    box,
    fit,
    paint,
    text_width,
)

__all__ = ["MAX_LANES", "MAX_WEEKS", "MIN_WEEKS", "WIDTH", "layout", "meetings_of", "render"]

WIDTH, MARGIN, EDGE = 1080, 40, 72  # EDGE: the columns for earlier and later deadlines
MIN_WEEKS, MAX_WEEKS, MAX_LANES = 8, 16, 16
LANE, ROW, STRIP = 104, 40, 52  # heights: an item's lane, a line; where a lane's weeks begin
MARK = 30  # a status mark's size (timelinedraw.box's default)
INK, GREY, LINE, SHADE = "#111827", "#4b5563", "#d1d5db", "#f1f3f6"
LATE, MEETING, TODAY = "#b91c1c", "#7e22ce", "#111827"
# status key → (shape, colour); "" is "not started"
STATUS = {
    "": ("open", "#4b5563"),
    "progress": ("half", "#1d4ed8"),
    "done": ("done", "#15803d"),
    "stuck": ("stuck", "#c2410c"),
}


@dataclass(frozen=True)
class Span:
    """The weeks shown: from the Monday of `first`, `weeks` weeks, and where they sit."""

    first: date
    weeks: int
    left: int = MARGIN + EDGE
    right: int = WIDTH - MARGIN - EDGE

    @property
    def end(self) -> date:
        """The day after the last shown day."""
        return self.first + timedelta(weeks=self.weeks)

    def x(self, day: date) -> int:
        """Return the x of the middle of a day: in the weeks, or in the edge columns."""
        if day < self.first:
            return MARGIN + EDGE // 2
        if day >= self.end:
            return WIDTH - MARGIN - EDGE // 2
        days = (day - self.first).days + 0.5
        return self.left + round(days * (self.right - self.left) / (self.weeks * 7))


def render(doc: PlanDocument) -> bytes:
    """Return the plan's time line as PNG bytes."""
    return paint(layout(doc))


def meetings_of(doc: PlanDocument) -> list[Meeting]:
    """Return the meetings by day: the rhythm's and the one typed in the meeting guide."""
    found = ordered_meetings(doc)
    guide = doc.meeting_day
    if guide is None or any(m.day == guide for m in found):
        return found
    typed = Meeting("guide-meeting", label(doc, "guide_meeting"), guide)
    return sorted([*found, typed], key=lambda m: m.day)


def span_of(doc: PlanDocument) -> Span:
    """Return the weeks to show: from this week to the last deadline or meeting, capped."""
    today = doc.created
    monday = today - timedelta(days=today.weekday())
    days = [row.due for row in doc.rows if row.due] + [m.day for m in meetings_of(doc)]
    last = max([d for d in days if d >= monday], default=monday)
    weeks = (last - monday).days // 7 + 1
    return Span(monday, min(max(weeks, MIN_WEEKS), MAX_WEEKS))


def layout(doc: PlanDocument) -> Picture:
    """Lay the time line out: heading, axis, meetings, one lane per dated item, legend."""
    span = span_of(doc)
    parts: list[Text | Shape] = []
    y = _heading(doc, span, parts)
    _axis(doc, span, y, parts)
    y = _today(doc, span, y + 2 * ROW, parts)
    y = _meetings(doc, span, y, parts)
    dated = sorted((row for row in doc.rows if row.due), key=lambda row: row.due or date.min)
    shown = dated[:MAX_LANES]
    for row in shown:
        y = _lane(doc, span, row, y, parts)
    y = _notes(doc, len(doc.rows) - len(dated), len(dated) - len(shown), y + 16, parts)
    y = _legend(doc, y + 8, parts)
    parts.append(Text(MARGIN, y + ROW // 2, sanitise(made_line(doc)), 28, GREY))
    return Picture(WIDTH, y + ROW + MARGIN, tuple(parts))


def _heading(doc: PlanDocument, span: Span, parts: list[Text | Shape]) -> int:
    """Add the title, the organisation and the weeks shown; return the y below them."""
    width = WIDTH - 2 * MARGIN
    y = MARGIN + 24
    parts.append(Text(MARGIN, y, fit(doc.title, width, 46, True), 46, INK, True))
    y += 58
    if doc.organisation.strip():
        parts.append(Text(MARGIN, y, fit(doc.organisation, width, 34), 34, INK))
        y += 48
    last = span.end - timedelta(days=1)
    weeks = f"{week_label(span.first, doc.words)} – {week_label(last, doc.words)}"
    parts.append(Text(MARGIN, y, f"{label(doc, 'timeline')} · {weeks}", 28, GREY))
    return y + 40


def _months(span: Span) -> list[tuple[date, date]]:
    """Return the shown days split by month: (first day, day after the last), in order."""
    found: list[tuple[date, date]] = []
    day = span.first
    while day < span.end:
        next_month = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        found.append((day, min(next_month, span.end)))
        day = next_month
    return found


def _month_name(start: date, first: bool, doc: PlanDocument, room: int) -> str:
    """Return the month's name that fits in `room` pixels: whole, short, or none."""
    name = month_name(start, doc.words)
    year = f" {start.year}" if first or start.month == 1 else ""
    for text in (name + year, name[:3] + "." + year, name[:3] + ".", ""):
        if text_width(text, 28, True) <= room - 16:
            return text
    return ""


def _strip(doc: PlanDocument, span: Span, top: int, bottom: int, parts: list[Text | Shape]) -> None:
    """Add a band of the weeks: every other month shaded, week lines, today, the meetings."""
    parts.append(Shape("rect", (MARGIN, top, span.left - 4, bottom), SHADE))
    parts.append(Shape("rect", (span.right + 4, top, WIDTH - MARGIN, bottom), SHADE))
    for index, (start, stop) in enumerate(_months(span)):
        if index % 2:
            parts.append(Shape("rect", (_edge(span, start), top, _edge(span, stop), bottom), SHADE))
    for week in range(1, span.weeks):
        x = _edge(span, span.first + timedelta(weeks=week))
        parts.append(Shape("line", (x, top, x, bottom), LINE, 1))
    for meeting in meetings_of(doc):
        if span.first <= meeting.day < span.end:
            x = span.x(meeting.day)
            parts.append(Shape("dashed", (x, top, x, bottom), MEETING, 2))
    x = span.x(doc.created)
    parts.append(Shape("line", (x, top, x, bottom), TODAY, 3))


def _edge(span: Span, day: date) -> int:
    """Return the x where a day begins inside the weeks."""
    days = (day - span.first).days
    return span.left + round(days * (span.right - span.left) / (span.weeks * 7))


def _axis(doc: PlanDocument, span: Span, top: int, parts: list[Text | Shape]) -> None:
    """Add the month names, the week numbers and the week lines."""
    named = False
    for index, (start, stop) in enumerate(_months(span)):
        left, right = _edge(span, start), _edge(span, stop)
        if index % 2:
            parts.append(Shape("rect", (left, top, right, top + 2 * ROW), SHADE))
        name = _month_name(start, not named, doc, right - left)
        if name:
            parts.append(Text(left + 6, top + ROW // 2, name, 28, INK, True))
            named = named or name[-4:].isdigit()  # the year once, then with each January
    parts.append(Text(span.left - 8, top + ROW * 3 // 2, doc.words.week, 28, GREY, False, "rm"))
    for week in range(span.weeks):
        monday = span.first + timedelta(weeks=week)
        left, right = _edge(span, monday), _edge(span, monday + timedelta(weeks=1))
        number = str(monday.isocalendar().week)
        parts.append(Text((left + right) // 2, top + ROW * 3 // 2, number, 28, INK, False, "mm"))
        parts.append(Shape("line", (left, top + ROW, left, top + 2 * ROW), LINE, 1))
    parts.append(Shape("line", (MARGIN, top + 2 * ROW, WIDTH - MARGIN, top + 2 * ROW), LINE, 2))


def _today(doc: PlanDocument, span: Span, top: int, parts: list[Text | Shape]) -> int:
    """Add today's name above the lanes, where its line runs through them; return the y below."""
    x = span.x(doc.created)
    name = label(doc, "today")
    half = text_width(name, 28, True) // 2
    centre = min(max(x, MARGIN + half), WIDTH - MARGIN - half)
    parts.append(Text(centre, top + ROW // 2, name, 28, TODAY, True, "mm"))
    parts.append(Shape("line", (x, top + ROW - 2, x, top + ROW + 4), TODAY, 3))
    return top + ROW + 4


def _meetings(doc: PlanDocument, span: Span, y: int, parts: list[Text | Shape]) -> int:
    """Add the meetings' lane, a diamond on each meeting's day, when a meeting falls in the
    weeks shown; return the y below."""
    meetings = [m for m in meetings_of(doc) if span.first <= m.day < span.end]
    if not meetings:
        return y
    parts.append(Shape("meeting", box(MARGIN + MARK // 2, y + 28), MEETING))
    parts.append(Text(MARGIN + MARK + 12, y + 28, fit(label(doc, "meetings"), 900, 30), 30, INK))
    _strip(doc, span, y + STRIP, y + LANE - 6, parts)
    free = MARGIN
    for meeting in meetings:
        x, mid = span.x(meeting.day), y + STRIP + (LANE - 6 - STRIP) // 2
        parts.append(Shape("meeting", box(x, mid), MEETING))
        day = f"{meeting.day.day}/{meeting.day.month}"
        width = text_width(day, 28) + 8
        if x - MARK // 2 >= free and x + 20 + width <= WIDTH - MARGIN:
            parts.append(Text(x + 20, mid, day, 28, MEETING, False, "lm", True))
            free = x + 20 + width
    return y + LANE


def _lane(doc: PlanDocument, span: Span, row: PlanRow, y: int, parts: list[Text | Shape]) -> int:
    """Add one item's lane: its mark and text, then its deadline (and who) on the weeks."""
    assert row.due is not None
    shape, colour = STATUS.get(row.progress, STATUS[""])
    late = row.due < doc.created and row.progress != "done"
    parts.append(Shape(shape, box(MARGIN + MARK // 2, y + 28), colour))
    what = (row.handlinger[0] if row.handlinger else "") or row.maal or row.fokus or "…"
    room = WIDTH - 2 * MARGIN - MARK - 12
    parts.append(Text(MARGIN + MARK + 12, y + 28, fit(what, room, 30), 30, INK))
    _strip(doc, span, y + STRIP, y + LANE - 6, parts)
    x, mid = span.x(row.due), y + STRIP + (LANE - 6 - STRIP) // 2
    start = span.x(doc.created)
    if row.due >= doc.created and x > start:
        parts.append(Shape("line", (start, mid, x, mid), colour, 6))
    if late:
        parts.append(Shape("late", box(x, mid, MARK + 14), LATE, 4))
    parts.append(Shape(shape, box(x, mid), colour))
    when = time_text(row, doc)
    when = f"{label(doc, 'overdue')}: {when}" if late else when
    who = " ".join(row.roller.split())
    when = f"{when} · {who}" if who else when
    _deadline(x, mid, when, LATE if late else GREY, late, parts)
    return y + LANE


def _deadline(
    x: int, y: int, text: str, colour: str, bold: bool, parts: list[Text | Shape]
) -> None:
    """Add a deadline's text beside its mark: after it when it fits, else before it."""
    after = WIDTH - MARGIN - (x + MARK)
    before = x - MARK - MARGIN
    room = max(after, before)
    text = fit(text, room, 28, bold)
    if text_width(text, 28, bold) <= after:
        parts.append(Text(x + MARK, y, text, 28, colour, bold, "lm", True))
    else:
        parts.append(Text(x - MARK, y, text, 28, colour, bold, "rm", True))


def _notes(doc: PlanDocument, undated: int, hidden: int, y: int, parts: list[Text | Shape]) -> int:
    """Add how many items are not shown (no deadline, or past the last lane)."""
    for key, count in (("more_rows", hidden), ("undated", undated)):
        if count:
            parts.append(Text(MARGIN, y + ROW // 2, label(doc, key).format(n=count), 28, GREY))
            y += ROW
    return y


def _legend(doc: PlanDocument, y: int, parts: list[Text | Shape]) -> int:
    """Add the legend: each status's shape and name, meetings, overdue, today; two columns."""
    entries: list[tuple[Shape, str]] = []
    for key, (kind, colour) in STATUS.items():
        name = label(doc, f"status_{key or 'not_started'}")
        entries.append((Shape(kind, box(0, 0), colour), name))
    entries.append((Shape("meeting", box(0, 0), MEETING), label(doc, "meeting")))
    entries.append((Shape("late", box(0, 0, MARK + 14), LATE, 4), label(doc, "overdue")))
    entries.append((Shape("line", (0, -MARK // 2, 0, MARK // 2), TODAY, 3), label(doc, "today")))
    column = (WIDTH - 2 * MARGIN) // 2
    for index, (shape, name) in enumerate(entries):
        x = MARGIN + MARK // 2 + 4 + column * (index % 2)
        mid = y + ROW // 2 + ROW * (index // 2)
        left, top, right, bottom = shape.box
        parts.append(
            Shape(
                shape.kind,
                (left + x, top + mid, right + x, bottom + mid),
                shape.colour,
                shape.width,
            )
        )
        text = fit(name[:1].upper() + name[1:], column - MARK - 24, 28)
        parts.append(Text(x + MARK // 2 + 16, mid, text, 28, INK))
    return y + ROW * ((len(entries) + 1) // 2) + 8
