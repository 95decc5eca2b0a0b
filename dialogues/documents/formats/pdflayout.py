"""Text layout for the PDF: measured words, greedy line wrapping, columns, and a plan table.

fpdf2's own `multi_cell` and table measure a line again for every character added to it, which
made the PDF of a large plan take over a second. Here each word is measured once (from the
font's width table, cached per render), lines are wrapped greedily, and every line is drawn
with the plain `text()` call at a position we work out ourselves. A table row never splits
unless it is taller than a page; the heading row repeats on every page the table reaches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.fonts import TTFFont

__all__ = ["FAMILY", "Flow", "Style", "TableRow", "draw_table"]

FAMILY = "DejaVu"
RULE = (190, 197, 204)  # table lines


@dataclass(frozen=True)
class Style:
    """How a run of text looks: size (pt), bold or not, colour, line height (mm)."""

    size: float
    bold: bool = False
    color: tuple[int, int, int] = (33, 37, 41)
    height: float = 5.0


@dataclass(frozen=True)
class TableRow:
    """One table row: its cells, a background (or None), and the style of each cell."""

    cells: Sequence[str]
    styles: Sequence[Style]
    fill: tuple[int, int, int] | None = None


class Flow:
    """Writes wrapped lines down the page, in one or more columns, adding pages as needed."""

    def __init__(self, pdf: FPDF, bottom: float) -> None:
        self.pdf = pdf
        self.bottom = bottom  # the lowest y a line may reach
        self.columns: list[tuple[float, float]] = [(pdf.l_margin, pdf.epw)]
        self.column = 0
        self.top = pdf.t_margin  # where columns start on the current page
        self._widths: dict[tuple[bool, str], float] = {}

    @property
    def x(self) -> float:
        return self.columns[self.column][0]

    @property
    def width(self) -> float:
        return self.columns[self.column][1]

    @property
    def room(self) -> float:
        """Return the height left in the current column."""
        return self.bottom - self.pdf.y

    def set_columns(self, count: int, gap: float = 10.0) -> None:
        """Write in `count` columns from here on (1 for the full width)."""
        width = (self.pdf.epw - gap * (count - 1)) / count
        self.columns = [(self.pdf.l_margin + i * (width + gap), width) for i in range(count)]
        self.column = 0
        self.top = self.pdf.y

    def new_page(self) -> None:
        """Start a new page of the same size and orientation, in the first column."""
        self.pdf.add_page(same=True)
        self.column = 0
        self.top = self.pdf.t_margin
        self.pdf.set_y(self.top)

    def ensure(self, height: float) -> None:
        """Move to the next column or page unless `height` fits in the current column."""
        if height <= self.room:
            return
        if self.column + 1 < len(self.columns):
            self.column += 1
            self.pdf.set_y(self.top)
        else:
            self.new_page()

    def measure(self, text: str, style: Style) -> float:
        """Return the width of text in mm in the given style."""
        units = 0.0
        for word in text.split(" "):
            key = (style.bold, word)
            width = self._widths.get(key)
            if width is None:
                widths = self._font_widths(style.bold)
                width = self._widths[key] = float(sum(widths[ord(c)] for c in word))
            units += width
        if " " in text:
            units += (text.count(" ")) * self._space(style.bold)
        return units * style.size * 0.001 / self.pdf.k

    def _space(self, bold: bool) -> float:
        return float(self._font_widths(bold)[32])

    def _font_widths(self, bold: bool) -> dict[int, float]:
        """Return the font's advance widths (thousandths of the size) by code point."""
        font = self.pdf.fonts[FAMILY.lower() + ("B" if bold else "")]
        assert isinstance(font, TTFFont)  # the PDF uses only its own TrueType fonts
        return font.cw

    def wrap(self, text: str, width: float, style: Style) -> list[str]:
        """Return text wrapped to width: by words, a word wider than a line by characters."""
        lines: list[str] = []
        space = self.measure(" ", style)
        for paragraph in text.split("\n"):
            line, used = "", 0.0
            for word in paragraph.split(" "):
                size = self.measure(word, style)
                if line and used + space + size <= width:
                    line, used = f"{line} {word}", used + space + size
                    continue
                if line:
                    lines.append(line)
                line, used = word, size
                while used > width and len(line) > 1:
                    cut = self._cut(line, width, style)
                    lines.append(line[:cut])
                    line = line[cut:]
                    used = self.measure(line, style)
            lines.append(line)
        return lines

    def _cut(self, word: str, width: float, style: Style) -> int:
        """Return how many characters of a too-long word fit in width (at least one)."""
        used = 0.0
        for index, char in enumerate(word):
            used += self.measure(char, style)
            if used > width:
                return max(1, index)
        return len(word)

    def draw_lines(self, lines: Sequence[str], style: Style, x: float, top: float) -> None:
        """Draw lines from `top` down at x, without page breaks."""
        pdf = self.pdf
        pdf.set_font(FAMILY, "B" if style.bold else "", style.size)
        pdf.set_text_color(*style.color)
        baseline = top + 0.5 * style.height + 0.3 * pdf.font_size
        for number, line in enumerate(lines):
            if line.strip():
                pdf.text(x, baseline + number * style.height, line)

    def paragraph(self, text: str, style: Style, indent: float = 0.0, keep: float = 0.0) -> None:
        """Write a wrapped paragraph in the current column, flowing on when it fills."""
        lines = self.wrap(text, self.width - indent, style)
        self.ensure(max(keep, style.height * min(2, len(lines))))
        for line in lines:
            self.ensure(style.height)
            self.draw_lines([line], style, self.x + indent, self.pdf.y)
            self.pdf.set_y(self.pdf.y + style.height)

    def space(self, height: float) -> None:
        """Leave vertical space (none at the top of a column)."""
        column_top = self.top if self.column > 0 else self.pdf.t_margin
        if self.pdf.y > column_top + 0.1:
            self.pdf.set_y(min(self.bottom, self.pdf.y + height))


def draw_table(
    flow: Flow,
    widths: Sequence[float],
    head: TableRow,
    rows: Sequence[TableRow],
    padding: tuple[float, float],
) -> None:
    """Draw a table at the left margin: rows kept whole, the heading row on every page."""
    wrapped_head = _wrap_row(flow, head, widths, padding)
    _draw_row(flow, head, wrapped_head, widths, padding)
    for row in rows:
        wrapped = _wrap_row(flow, row, widths, padding)
        height = _height(row, wrapped, padding)
        full_page = flow.bottom - flow.top - _height(head, wrapped_head, padding)
        if height > flow.room and height <= full_page:
            flow.new_page()
            _draw_row(flow, head, wrapped_head, widths, padding)
        while _height(row, wrapped, padding) > flow.room:  # taller than a page: split it
            part, wrapped = _split(flow, row, wrapped, padding)
            if part:
                _draw_row(flow, row, part, widths, padding)
            flow.new_page()
            _draw_row(flow, head, wrapped_head, widths, padding)
        _draw_row(flow, row, wrapped, widths, padding)


def _wrap_row(
    flow: Flow, row: TableRow, widths: Sequence[float], padding: tuple[float, float]
) -> list[list[str]]:
    return [
        flow.wrap(text, width - 2 * padding[1], style) if text else []
        for text, width, style in zip(row.cells, widths, row.styles, strict=True)
    ]


def _height(row: TableRow, wrapped: Sequence[Sequence[str]], padding: tuple[float, float]) -> float:
    tallest = max(
        len(lines) * style.height for lines, style in zip(wrapped, row.styles, strict=True)
    )
    return tallest + 2 * padding[0]


def _split(
    flow: Flow, row: TableRow, wrapped: list[list[str]], padding: tuple[float, float]
) -> tuple[list[list[str]], list[list[str]]]:
    """Return the lines that fit in the room left, and the rest (the first cell repeated)."""
    fits = [int((flow.room - 2 * padding[0]) // style.height) for style in row.styles]
    if min(fits) < 3:  # too little room to be worth it: all of it on the next page
        return [], wrapped
    part = [lines[:n] for lines, n in zip(wrapped, fits, strict=True)]
    rest = [lines[n:] for lines, n in zip(wrapped, fits, strict=True)]
    if not rest[0]:
        rest[0] = wrapped[0]
    return part, rest


def _draw_row(
    flow: Flow,
    row: TableRow,
    wrapped: Sequence[Sequence[str]],
    widths: Sequence[float],
    padding: tuple[float, float],
) -> None:
    """Draw one row's cells (background, border, text) at the current y, then move below."""
    pdf = flow.pdf
    top, height = pdf.y, _height(row, wrapped, padding)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    x = pdf.l_margin
    for lines, width, style in zip(wrapped, widths, row.styles, strict=True):
        if row.fill is not None:
            pdf.set_fill_color(*row.fill)
            pdf.rect(x, top, width, height, style="DF")
        else:
            pdf.rect(x, top, width, height, style="D")
        flow.draw_lines(lines, style, x + padding[1], top + padding[0])
        x += width
    pdf.set_y(top + height)
