"""The Word document's plan table: one real Word table, a row per plan item.

A shaded header row that repeats on every page, rows grouped by focus (groups shaded in turn,
the focus bold in a group's first row and grey after it), no row split across pages, and
columns as wide as their content asks (see columns.fit_widths), so no word breaks.
"""

from __future__ import annotations

from collections.abc import Sequence

from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from dialogues.documents.document import PlanDocument, PlanRow
from dialogues.documents.formats import COLUMNS, grouped_rows, label, row_cells
from dialogues.documents.formats.columns import arial_width, fit_widths
from dialogues.documents.formats.wordapi import (
    GREY,
    Cell,
    RowXml,
    Table,
    WordDocument,
    element,
    write_run,
)

__all__ = ["plan_table"]

TEXT_WIDTH_MM = 267  # landscape A4 less the side margins
CELL_PADDING_MM = 2 * 1.9 + 1.2  # Word's default cell margins, and a little slack
TABLE_POINTS = 9.0
TABLE_SIZE = Pt(TABLE_POINTS)
HEAD_FILL = "D2E1F0"
GROUP_FILL = "F1F5F9"


def plan_table(word: WordDocument, doc: PlanDocument) -> None:
    """Add the plan's rows as a Word table with a header row (the plan has rows)."""
    table = word.add_table(rows=1, cols=len(COLUMNS), style="Table Grid")
    table.autofit = False
    _cell_margins(table)
    widths = _widths(doc)
    _header(table, doc, widths)
    for index, (_, rows) in enumerate(grouped_rows(doc)):
        fill = GROUP_FILL if index % 2 else None
        for position, row in enumerate(rows):
            _add_row(table, doc, row, fill, widths, first=position == 0)


def _cell_margins(table: Table) -> None:
    """Give cells a little room above and below the text (Word's default is none)."""
    margins = element("w:tblCellMar")
    for side, twips in (("top", 40), ("left", 108), ("bottom", 40), ("right", 108)):
        margin = element(f"w:{side}")
        margin.set(qn("w:w"), str(twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    table._tbl.tblPr.insert_element_before(
        margins, "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange"
    )


def _widths(doc: PlanDocument) -> list[float]:
    """Return the columns' widths in mm from their content (see columns.fit_widths)."""
    columns: list[list[tuple[str, bool]]] = [[(label(doc, key), True)] for key in COLUMNS]
    for _, rows in grouped_rows(doc):
        for row in rows:
            for index, text in enumerate(row_cells(doc, row)):
                columns[index].append((text, index == 0))

    def measure(text: str, bold: bool) -> float:
        return arial_width(text, bold, TABLE_POINTS)

    return fit_widths(
        columns, TEXT_WIDTH_MM, measure, CELL_PADDING_MM, floor=10.0, short_width=40.0
    )


def _header(table: Table, doc: PlanDocument, widths: list[float]) -> None:
    """Fill the header row, shade it, and repeat it at the top of every page."""
    header = table.rows[0]
    for cell, key in zip(header.cells, COLUMNS, strict=True):
        _fill(cell, label(doc, key), bold=True)
        _shade(cell, HEAD_FILL)
    properties = header._tr.get_or_add_trPr()
    repeat = element("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    properties.append(repeat)
    _keep_whole(header._tr)
    _set_widths(header.cells, widths)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)  # the grid, which LibreOffice reads


def _add_row(
    table: Table,
    doc: PlanDocument,
    row: PlanRow,
    fill: str | None,
    widths: list[float],
    *,
    first: bool,
) -> None:
    """Add one plan row: the focus bold in a group's first row, grey after it."""
    texts = row_cells(doc, row)
    added = table.add_row()
    _keep_whole(added._tr)
    cells = added.cells
    for index, (cell, text) in enumerate(zip(cells, texts, strict=True)):
        focus = index == 0
        _fill(cell, text, bold=focus and first, color=GREY if focus and not first else None)
        if fill:
            _shade(cell, fill)
    _set_widths(cells, widths)


def _keep_whole(tr: RowXml) -> None:
    """Keep a table row on one page (w:cantSplit) instead of letting it break across two."""
    properties = tr.get_or_add_trPr()
    keep = element("w:cantSplit")
    keep.set(qn("w:val"), "true")
    properties.insert(0, keep)


def _fill(cell: Cell, text: str, *, bold: bool = False, color: RGBColor | None = None) -> None:
    """Write text into a cell, one paragraph per line."""
    for number, line in enumerate(text.split("\n")):
        paragraph = cell.paragraphs[0] if number == 0 else cell.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        write_run(paragraph, line, bold=bold, size=TABLE_SIZE, color=color)


def _shade(cell: Cell, fill: str) -> None:
    """Give a cell a background colour (hex RGB)."""
    shading = element("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _set_widths(cells: Sequence[Cell], widths: list[float]) -> None:
    """Set the column widths on each cell of a row (Word reads them per cell)."""
    for cell, width in zip(cells, widths, strict=True):
        cell.width = Mm(width)
