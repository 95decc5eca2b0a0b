"""Render a PlanDocument as a printable PDF with fpdf2, for the board to pin on the wall.

Layout: landscape A4 pages with the title, the plan table (rows grouped by focus, groups shaded
in turn, headings repeated on every page) and the follow-up meetings; then portrait pages with
the reflections. Every page has a footer with the credits and "page n of m".

The font is DejaVu Sans Condensed, shipped in ./fonts (wide Unicode coverage, narrow enough for
a seven-column table; see fonts/LICENSE). Characters the font lacks never reach fpdf2:
`sanitise` drops emoji and other missing pictographic symbols (with their joiners, variation
selectors and skin-tone modifiers, and one neighbouring space) and replaces any other missing
character with "?". Text is printed literally: "<b>&amp;" stays
"<b>&amp;", since neither markdown nor HTML parsing is switched on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Sequence
from datetime import UTC, datetime, time
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import MethodReturnValue
from fpdf.fonts import FontFace
from fpdf.table import Table

from dialogues.document import Answer, PlanDocument
from dialogues.exporters import (
    COLUMNS,
    byline,
    clean_text,
    grouped_rows,
    human_date,
    label,
    ordered_meetings,
    row_cells,
)

__all__ = ["FONT_FILES", "font_coverage", "render", "sanitise"]

FONT_DIR = Path(__file__).resolve().with_name("fonts")
FONT_FILES = {
    "": FONT_DIR / "DejaVuSansCondensed.ttf",
    "B": FONT_DIR / "DejaVuSansCondensed-Bold.ttf",
}
FAMILY = "DejaVu"
MARGIN = 12.0  # mm on every side
COL_WIDTHS = (14.0, 17.0, 18.0, 21.0, 9.0, 13.0, 8.0)  # shares of the page width
TABLE_SIZE = 9.5  # pt
LINE = 4.5  # mm per line in the table
PADDING = (1.3, 1.6)  # mm: top and bottom, left and right
FOOTER_SIZE = 7.0  # pt
FOOTER_LINE = 3.2  # mm
NUMBER_WIDTH = 32.0  # mm for "page n of m"
MAX_CREDITS = 600  # characters: the footer stays a footer
INK = (33, 37, 41)
GREY = (108, 117, 125)
HEAD_FILL = (210, 225, 240)
GROUP_FILL = (241, 245, 249)

# Parts of emoji sequences: zero-width joiner, keycap, variation selectors, skin tones, tags.
_EMOJI_PARTS = frozenset(
    {0x200D, 0x20E3, *range(0xFE00, 0xFE10), *range(0x1F3FB, 0x1F400), *range(0xE0020, 0xE0080)}
)
_DROPPED = "\x00"  # marks a dropped emoji; clean_text has removed every real NUL
# A dropped emoji takes one neighbouring space with it: "🎉 Tak 🎉 alle 🎉." → "Tak alle."
_DROPPED_GAP = re.compile(r"^\x00+ ?| ?\x00+(?=[ \n.,;:!?)]|$)|\x00+", re.MULTILINE)


@lru_cache(maxsize=1)
def font_coverage() -> frozenset[int]:
    """Return the code points that both the regular and the bold font can draw."""
    maps: list[set[int]] = []
    for path in FONT_FILES.values():
        with TTFont(str(path), lazy=True) as font:
            maps.append(set(font.getBestCmap()))
    return frozenset(set.intersection(*maps))


def _is_emoji(char: str) -> bool:
    """Tell whether char is (part of) an emoji: a pictograph, symbol, joiner or modifier."""
    code = ord(char)
    return code in _EMOJI_PARTS or 0x1F000 <= code <= 0x1FAFF or unicodedata.category(char) == "So"


def sanitise(text: str, coverage: Container[int] | None = None) -> str:
    """Return text the font can draw: drop missing emoji, turn other missing characters to "?"."""
    covered = font_coverage() if coverage is None else coverage
    kept: list[str] = []
    for char in clean_text(text).replace("\t", "    "):
        if ord(char) in _EMOJI_PARTS:  # the invisible glue of an emoji sequence
            kept.append(_DROPPED)
        elif char == "\n" or ord(char) in covered:
            kept.append(char)
        else:
            kept.append(_DROPPED if _is_emoji(char) else "?")
    result = "".join(kept)
    return _DROPPED_GAP.sub("", result) if _DROPPED in result else result


class _PlanPDF(FPDF):
    """An FPDF whose footer shows the credits on the left and "page n of m" on the right."""

    def __init__(self, doc: PlanDocument) -> None:
        super().__init__(orientation="landscape", unit="mm", format="A4")
        for style, path in FONT_FILES.items():
            self.add_font(FAMILY, style, str(path))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        credits = " · ".join(c.strip() for c in doc.credits if c.strip())
        self.credits = sanitise(credits[:MAX_CREDITS])
        self.page_text = f"{label(doc, 'page')} {{page}} {label(doc, 'of')} {{nb}}"
        self.footer_height = FOOTER_LINE

    def reserve_footer(self) -> None:
        """Measure the credits (on the narrower portrait width) and keep room for them."""
        self.set_font(FAMILY, "", FOOTER_SIZE)
        width = 210 - 2 * MARGIN - NUMBER_WIDTH - 2
        lines = _lines(self, self.credits, width, FOOTER_LINE)
        self.footer_height = FOOTER_LINE * max(1, len(lines))
        self.set_auto_page_break(True, margin=MARGIN + self.footer_height + 3)

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
    pdf.reserve_footer()
    _title(pdf, doc)
    _plan(pdf, doc)
    _meetings(pdf, doc)
    _reflections(pdf, doc)
    return bytes(pdf.output())


def _write(pdf: FPDF, text: str, size: float, style: str = "", height: float = 5.0) -> None:
    """Write a paragraph in the full width, wrapping and flowing across pages."""
    pdf.set_font(FAMILY, style, size)
    pdf.multi_cell(0, height, sanitise(text), align="L", new_x="LMARGIN", new_y="NEXT")


def _heading(pdf: FPDF, text: str, size: float, keep: float = 25.0) -> None:
    """Write a bold heading, on a new page when less than `keep` mm would follow it."""
    if not text.strip():
        return
    if pdf.will_page_break(keep):
        pdf.add_page(same=True)
    pdf.set_text_color(*INK)
    pdf.ln(2)
    _write(pdf, text, size, "B", height=size * 0.5)
    pdf.ln(1.5)


def _title(pdf: FPDF, doc: PlanDocument) -> None:
    """Write the title, then the organisation and the date."""
    pdf.set_text_color(*INK)
    _write(pdf, doc.title or label(doc, "plan"), 20, "B", height=9)
    pdf.set_text_color(*GREY)
    parts = (doc.organisation.strip(), human_date(doc.created, doc.lang))
    _write(pdf, " · ".join(part for part in parts if part), 12, height=6.5)
    pdf.ln(4)


def _plan(pdf: FPDF, doc: PlanDocument) -> None:
    """Write the plan table, grouped by focus; a short note instead when there are no rows."""
    if not doc.rows:
        pdf.set_text_color(*GREY)
        _write(pdf, label(doc, "empty_plan"), 11)
        return
    pdf.set_text_color(*INK)
    pdf.set_font(FAMILY, "", TABLE_SIZE)
    head = FontFace(emphasis="BOLD", color=INK, fill_color=HEAD_FILL)
    with pdf.table(
        col_widths=COL_WIDTHS,
        text_align="LEFT",
        v_align="TOP",
        line_height=LINE,
        padding=PADDING,
        headings_style=head,
    ) as table:
        table.row([sanitise(label(doc, key)) for key in COLUMNS])
        for index, (_, rows) in enumerate(grouped_rows(doc)):
            fill = GROUP_FILL if index % 2 else None
            for position, row in enumerate(rows):
                for part, cells in enumerate(
                    _fitted(pdf, [sanitise(t) for t in row_cells(row, doc.lang)])
                ):
                    _add_row(table, cells, fill, first=position == 0 and part == 0)


def _add_row(
    table: Table, cells: Sequence[str], fill: tuple[int, int, int] | None, *, first: bool
) -> None:
    """Add one table row: the focus bold in a group's first row, grey after it."""
    row = table.row()
    focus = FontFace(
        emphasis="BOLD" if first else "", color=INK if first else GREY, fill_color=fill
    )
    row.cell(cells[0], style=focus)
    plain = FontFace(fill_color=fill)
    for text in cells[1:]:
        row.cell(text, style=plain)


def _fitted(pdf: FPDF, cells: list[str]) -> list[list[str]]:
    """Split a row taller than a page into rows that each fit (fpdf2 cannot split a row)."""
    total = pdf.epw
    share = sum(COL_WIDTHS)
    # Wrap a little narrower than the table does, so that no wrapped line wraps again.
    widths = [total * width / share - 2 * PADDING[1] - 0.5 for width in COL_WIDTHS]
    limit = _lines_per_page(pdf)
    if all(_most_lines(pdf, t, w) <= limit for t, w in zip(cells, widths, strict=True)):
        return [cells]  # the usual case, without the cost of wrapping every cell twice
    wrapped = [_lines(pdf, text, width) for text, width in zip(cells, widths, strict=True)]
    starts = range(0, max(len(lines) for lines in wrapped), limit)
    parts = [["\n".join(lines[start : start + limit]) for lines in wrapped] for start in starts]
    for part in parts[1:]:  # the focus again on the continuation rows
        part[0] = cells[0] if len(wrapped[0]) <= limit else part[0]
    return parts


def _most_lines(pdf: FPDF, text: str, width: float) -> float:
    """Return a cheap upper bound on the lines text wraps to at width (see below)."""
    # Greedy wrapping makes two neighbouring lines wider together than one line (else the next
    # word would have fitted), so a paragraph of width w needs at most 2·w/width + 1 lines.
    return sum(2 * pdf.get_string_width(part) / width + 1 for part in text.split("\n"))


def _lines(pdf: FPDF, text: str, width: float, height: float = LINE) -> list[str]:
    """Return text wrapped to width in the current font, as fpdf2 would wrap it."""
    if not text:
        return []
    lines = pdf.multi_cell(width, height, text, dry_run=True, output=MethodReturnValue.LINES)
    assert isinstance(lines, list)  # what output=LINES returns
    return [str(line) for line in lines]


def _lines_per_page(pdf: FPDF) -> int:
    """Return how many table lines fit on one page below the repeated heading row."""
    body = pdf.h - pdf.t_margin - pdf.b_margin
    heading = LINE * 2 + 2 * PADDING[0]  # allow two-line column headings
    return max(1, int((body - heading - 2 * PADDING[0] - 3) // LINE))


def _meetings(pdf: FPDF, doc: PlanDocument) -> None:
    """Write the planned follow-up meetings, by day."""
    meetings = ordered_meetings(doc)
    if not meetings:
        return
    pdf.ln(4)
    _heading(pdf, label(doc, "meetings"), 13)
    pdf.set_text_color(*INK)
    for meeting in meetings:
        _write(pdf, f"•  {human_date(meeting.day, doc.lang)}: {meeting.title}", 10.5, height=5.5)


def _reflections(pdf: FPDF, doc: PlanDocument) -> None:
    """Write the reflections per section on portrait pages."""
    sections = [section for section in doc.sections if section.answers]
    if not sections:
        return
    pdf.add_page(orientation="portrait")
    _heading(pdf, label(doc, "reflections"), 16)
    for section in sections:
        _heading(pdf, section.title, 13, keep=35)
        for answer in section.answers:
            _answer(pdf, answer, doc.lang)


def _answer(pdf: FPDF, answer: Answer, lang: str) -> None:
    """Write one reflection: the question in bold, the answer, a small grey "by, date" line."""
    if pdf.will_page_break(20):
        pdf.add_page(same=True)
    pdf.set_text_color(*INK)
    _write(pdf, answer.question, 10, "B")
    _write(pdf, answer.answer.strip() or "–", 10)
    by = byline(answer, lang)
    if by:
        pdf.set_text_color(*GREY)
        _write(pdf, by, 8, height=4.5)
    pdf.ln(3)
