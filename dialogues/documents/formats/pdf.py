"""Render a PlanDocument as a printable PDF with fpdf2, for the board to pin on the wall.

Layout, on landscape A4 pages: the title with the organisation and the meeting-guide meeting;
the plan table (rows grouped by focus, groups shaded in turn, the heading row repeated on every
page, a row never split unless it is taller than a page, columns as wide as their content
asks); the one-page follow-up section (the standing agenda item, the four-point routine, the
next meetings, the items' status); then the reflections in two columns. A section starts on a
new page only when it does not fit on the current one. Every page has a footer with the credits
and "page n of m". Text is laid out by pdflayout, which is many times faster than fpdf2's
multi_cell on long texts.

Every text passes through pdffont's `sanitise` (the font draws what is left of it) and is
printed literally: "<b>&amp;" stays "<b>&amp;".
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from fpdf import FPDF
from fpdf.enums import MethodReturnValue

from dialogues.documents.document import Answer, PlanDocument
from dialogues.documents.formats import (
    COLUMNS,
    byline,
    grouped_rows,
    human_date,
    label,
    made_line,
    ordered_meetings,
    row_cells,
    status_text,
    subtitle,
)
from dialogues.documents.formats.columns import fit_widths
from dialogues.documents.formats.pdffont import add_fonts, sanitise
from dialogues.documents.formats.pdflayout import FAMILY, Flow, Style, TableRow, draw_table

__all__ = ["render"]

MARGIN = 12.0  # mm on every side
TABLE_SIZE = 9.5  # pt
LINE = 4.5  # mm per line in the table
PADDING = (1.3, 1.6)  # mm: top and bottom, left and right
MAX_MEETINGS = 6  # the follow-up section lists at most this many coming meetings
FOOTER_SIZE = 7.0  # pt
FOOTER_LINE = 3.2  # mm
NUMBER_WIDTH = 32.0  # mm for "page n of m"
MAX_CREDITS = 600  # characters: the footer stays a footer
INK = (33, 37, 41)
GREY = (108, 117, 125)
HEAD_FILL = (210, 225, 240)
GROUP_FILL = (241, 245, 249)


BODY = Style(10)
SMALL = Style(8, color=GREY, height=4.2)
CELL = Style(TABLE_SIZE, height=LINE)
CELL_BOLD = Style(TABLE_SIZE, bold=True, height=LINE)
CELL_GREY = Style(TABLE_SIZE, color=GREY, height=LINE)


class _PlanPDF(FPDF):
    """An FPDF whose footer shows the credits on the left and "page n of m" on the right."""

    def __init__(self, doc: PlanDocument) -> None:
        super().__init__(orientation="landscape", unit="mm", format="A4")
        add_fonts(self)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)  # the Flow decides where pages break
        credits = " · ".join(c.strip() for c in doc.credits if c.strip())
        self.credits = sanitise(credits[:MAX_CREDITS])
        self.page_text = f"{label(doc, 'page')} {{page}} {label(doc, 'of')} {{nb}}"
        self.footer_height = FOOTER_LINE

    def reserve_footer(self) -> float:
        """Measure the credits, keep room for them, and return the lowest y text may reach."""
        self.set_font(FAMILY, "", FOOTER_SIZE)
        width = self.epw - NUMBER_WIDTH - 2
        lines = self.multi_cell(
            width, FOOTER_LINE, self.credits, dry_run=True, output=MethodReturnValue.LINES
        )
        assert isinstance(lines, list)  # what output=LINES returns
        self.footer_height = FOOTER_LINE * max(1, len(lines))
        return self.h - MARGIN - self.footer_height - 3

    def footer(self) -> None:
        """Draw a thin rule, the credits and the page number at the foot of the page."""
        top = self.h - MARGIN - self.footer_height
        self.set_draw_color(*GREY)
        self.set_line_width(0.2)
        self.line(self.l_margin, top - 1.5, self.w - self.r_margin, top - 1.5)
        self.set_font(FAMILY, "", FOOTER_SIZE)
        self.set_text_color(*GREY)
        self.set_xy(self.w - self.r_margin - NUMBER_WIDTH, top)
        number = self.page_text.replace("{page}", str(self.page_no()))
        self.cell(NUMBER_WIDTH, FOOTER_LINE, number, align="R")
        self.set_xy(self.l_margin, top)
        self.multi_cell(self.epw - NUMBER_WIDTH - 2, FOOTER_LINE, self.credits, align="L")


def render(doc: PlanDocument) -> bytes:
    """Render the document as PDF bytes."""
    pdf = _PlanPDF(doc)
    pdf.set_title(sanitise(doc.title or label(doc, "plan")))
    pdf.set_author("Inklusionsguiden")
    pdf.set_lang(doc.lang)
    pdf.set_creation_date(datetime.combine(doc.created, time(), tzinfo=UTC))
    pdf.add_page()
    flow = Flow(pdf, pdf.reserve_footer())
    _title(flow, doc)
    _plan(flow, doc)
    _followup(flow, doc)
    _reflections(flow, doc)
    return bytes(pdf.output())


def _heading(flow: Flow, text: str, size: float, keep: float = 25.0) -> None:
    """Write a bold heading, in the next column or page when less than `keep` mm would follow."""
    if not text.strip():
        return
    flow.space(2)
    flow.ensure(keep)
    flow.paragraph(sanitise(text), Style(size, bold=True, height=size * 0.5))
    flow.space(1.5)


def _title(flow: Flow, doc: PlanDocument) -> None:
    """Write the title, the organisation and the meeting-guide meeting, and the day it was made."""
    flow.paragraph(sanitise(doc.title or label(doc, "plan")), Style(20, bold=True, height=9))
    heading = subtitle(doc)
    if heading:
        flow.paragraph(sanitise(heading), Style(13, height=6.5))
    flow.paragraph(sanitise(made_line(doc)), Style(9, color=GREY, height=5))
    flow.space(4)


def _plan(flow: Flow, doc: PlanDocument) -> None:
    """Write the plan table, grouped by focus; a short note instead when there are no rows."""
    if not doc.rows:
        flow.paragraph(sanitise(label(doc, "empty_plan")), Style(11, color=GREY, height=6))
        return
    head = [sanitise(label(doc, key)) for key in COLUMNS]
    rows: list[TableRow] = []
    for index, (_, group) in enumerate(grouped_rows(doc)):
        fill = GROUP_FILL if index % 2 else None
        for position, row in enumerate(group):
            cells = [sanitise(text) for text in row_cells(doc, row)]
            focus = CELL_BOLD if position == 0 else CELL_GREY
            rows.append(TableRow(cells, (focus, *[CELL] * (len(cells) - 1)), fill))
    widths = _widths(flow, head, rows)
    heading = TableRow(head, [CELL_BOLD] * len(head), HEAD_FILL)
    draw_table(flow, widths, heading, rows, PADDING)


def _widths(flow: Flow, head: list[str], rows: list[TableRow]) -> list[float]:
    """Return column widths from the content (see columns.fit_widths)."""
    columns = [
        [(name, True), *((row.cells[i], row.styles[i].bold or i == 0) for row in rows)]
        for i, name in enumerate(head)
    ]

    def measure(text: str, bold: bool) -> float:
        return flow.measure(text, CELL_BOLD if bold else CELL)

    return fit_widths(
        columns, flow.pdf.epw, measure, 2 * PADDING[1] + 0.5, floor=12.0, short_width=40.0
    )


def _followup(flow: Flow, doc: PlanDocument) -> None:
    """Write the follow-up section: the agenda item and routine beside meetings and status."""
    pdf = flow.pdf
    left, right = _followup_left(doc), _followup_right(doc)
    flow.space(8)
    flow.set_columns(1)
    needed = 16 + max(_estimate(flow, left, 0), _estimate(flow, right, 1))
    flow.ensure(needed)
    _heading(flow, label(doc, "followup"), 15, keep=needed)
    flow.set_columns(2, gap=14)
    flow.columns = [(pdf.l_margin, pdf.epw * 0.55), (pdf.l_margin + pdf.epw * 0.6, pdf.epw * 0.4)]
    start = pdf.y
    _blocks(flow, left)
    end = pdf.y
    flow.column = 1
    pdf.set_y(start)
    _blocks(flow, right)
    pdf.set_y(max(end, pdf.y))
    flow.set_columns(1)


Block = tuple[str, Style, float]  # text, style, indent


def _followup_left(doc: PlanDocument) -> list[Block]:
    """Return the agenda item and the four-point routine."""
    blocks: list[Block] = [
        (label(doc, "agenda"), Style(11, bold=True, height=6), 0.0),
        (label(doc, "agenda_item"), Style(12, height=7), 0.0),
        ("", Style(4, height=3), 0.0),
        (label(doc, "routine"), Style(11, bold=True, height=6), 0.0),
    ]
    for number in range(1, 5):
        blocks.append((f"{number}.  {label(doc, f'routine_{number}')}", Style(10.5, height=5.5), 2))
    return blocks


def _followup_right(doc: PlanDocument) -> list[Block]:
    """Return the next meetings and how many items have each status."""
    blocks: list[Block] = [(label(doc, "next_meetings"), Style(11, bold=True, height=6), 0.0)]
    meetings = ordered_meetings(doc)[:MAX_MEETINGS]
    for meeting in meetings:
        line = f"•  {human_date(meeting.day, doc)}: {meeting.title}"
        blocks.append((line, Style(10.5, height=5.5), 2))
    if not meetings:
        blocks.append((label(doc, "no_meetings"), Style(10.5, color=GREY, height=5.5), 2))
    if doc.rows:
        counts: dict[str, int] = {}
        for row in doc.rows:
            counts[status_text(doc, row)] = counts.get(status_text(doc, row), 0) + 1
        blocks.append(("", Style(4, height=3), 0.0))
        blocks.append((label(doc, "status_count"), Style(11, bold=True, height=6), 0.0))
        for name, count in counts.items():
            blocks.append((f"•  {name}: {count}", Style(10.5, height=5.5), 2))
    return blocks


def _estimate(flow: Flow, blocks: list[Block], column: int) -> float:
    """Return the height blocks take in one of the section's two columns."""
    width = flow.pdf.epw * (0.55 if column == 0 else 0.4)
    return sum(
        len(flow.wrap(sanitise(t), width - i, s)) * s.height if t else s.height
        for t, s, i in blocks
    )


def _blocks(flow: Flow, blocks: list[Block]) -> None:
    """Write blocks in the current column."""
    for text, style, indent in blocks:
        if text:
            flow.paragraph(sanitise(text), style, indent=indent)
        else:
            flow.pdf.set_y(flow.pdf.y + style.height)


def _reflections(flow: Flow, doc: PlanDocument) -> None:
    """Write the reflections per section, in two columns."""
    sections = [section for section in doc.sections if section.answers]
    if not sections:
        return
    flow.space(8)
    if flow.room < 40:
        flow.new_page()
    _heading(flow, label(doc, "reflections"), 15)
    flow.set_columns(2)
    for section in sections:
        _heading(flow, section.title, 12, keep=30)
        for answer in section.answers:
            _answer(flow, answer, doc)


def _answer(flow: Flow, answer: Answer, doc: PlanDocument) -> None:
    """Write one reflection: the question in bold, the answer, a small grey "by, date" line."""
    flow.paragraph(sanitise(answer.question), Style(10, bold=True), keep=20)
    flow.paragraph(sanitise(answer.answer.strip() or "–"), BODY)
    by = byline(answer, doc)
    if by:
        flow.paragraph(sanitise(by), SMALL)
    flow.space(3)
