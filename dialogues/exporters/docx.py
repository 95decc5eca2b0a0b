"""Render a PlanDocument as an editable Word document (docx) with python-docx.

The same content as the PDF: a title with the organisation and the date, the plan as a real Word
table (a shaded header row that repeats on every page, rows grouped by focus), the follow-up
meetings, and the reflections under headings. The plan sits on landscape A4 pages, the
reflections on portrait ones; each page footer shows the credits and "page n of m".

Every text passes through `clean_text`, which strips the control characters XML cannot hold
(python-docx would otherwise raise ValueError).
"""

from __future__ import annotations

import io
from datetime import datetime, time

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section as DocxSection
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from dialogues.document import Answer, PlanDocument, PlanRow
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

__all__ = ["render"]

COL_WIDTHS_MM = (38, 45, 47, 57, 24, 32, 24)  # adds up to the landscape text width, 267 mm
MARGIN = Mm(15)
TABLE_SIZE = Pt(9)
GREY = RGBColor(0x6C, 0x75, 0x7D)
HEAD_FILL = "D2E1F0"
GROUP_FILL = "F1F5F9"


def render(doc: PlanDocument) -> bytes:
    """Render the document as docx bytes."""
    word = Document()
    _set_properties(word, doc)
    _layout(word.sections[0], landscape=True)
    _footer(word.sections[0], doc)
    _title(word, doc)
    _plan(word, doc)
    _meetings(word, doc)
    _reflections(word, doc)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _set_properties(word: DocxDocument, doc: PlanDocument) -> None:
    """Fill in the file's properties, with fixed dates so repeated exports agree."""
    props = word.core_properties
    props.title = clean_text(doc.title or label(doc, "plan"))
    props.author = props.last_modified_by = "Inklusionsguiden"
    props.language = doc.lang
    props.created = props.modified = datetime.combine(doc.created, time())
    props.revision = 1
    word.styles["Normal"].font.size = Pt(10)


def _layout(section: DocxSection, *, landscape: bool) -> None:
    """Set A4 in the given orientation and the margins of a section."""
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (
        (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    )
    section.left_margin = section.right_margin = MARGIN
    section.top_margin = section.bottom_margin = MARGIN


def _footer(section: DocxSection, doc: PlanDocument) -> None:
    """Write the credits and "page n of m" in the footer (later sections inherit it)."""
    paragraph = section.footer.paragraphs[0]
    credits = " · ".join(c.strip() for c in doc.credits if c.strip())
    if credits:
        _run(paragraph, clean_text(credits) + "    ", size=Pt(7), color=GREY)
    _run(paragraph, f"{label(doc, 'page')} ", size=Pt(7), color=GREY)
    _field(paragraph, "PAGE")
    _run(paragraph, f" {label(doc, 'of')} ", size=Pt(7), color=GREY)
    _field(paragraph, "NUMPAGES")


def _field(paragraph: Paragraph, instruction: str) -> None:
    """Append a simple field (PAGE, NUMPAGES) that Word fills in when it shows the page."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    paragraph._p.append(field)
    _run(paragraph, "1", size=Pt(7), color=GREY)  # the placeholder, in the footer's style
    field.append(paragraph.runs[-1]._r)  # moves the run into the field


def _run(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    size: Pt | None = None,
    color: RGBColor | None = None,
) -> None:
    """Append a run of cleaned text with the given formatting to a paragraph."""
    run = paragraph.add_run(clean_text(text))
    run.bold = bold or None
    if size is not None:
        run.font.size = size
    if color is not None:
        run.font.color.rgb = color


def _title(word: DocxDocument, doc: PlanDocument) -> None:
    """Write the title, then the organisation and the date."""
    word.add_heading(clean_text(doc.title or label(doc, "plan")), level=0)
    parts = (doc.organisation.strip(), human_date(doc.created, doc.lang))
    _run(word.add_paragraph(), " · ".join(p for p in parts if p), size=Pt(12), color=GREY)


def _plan(word: DocxDocument, doc: PlanDocument) -> None:
    """Write the plan as a Word table with a header row; a note when there are no rows."""
    word.add_heading(clean_text(label(doc, "plan")), level=1)
    if not doc.rows:
        _run(word.add_paragraph(), label(doc, "empty_plan"), color=GREY)
        return
    table = word.add_table(rows=1, cols=len(COLUMNS))
    table.style = word.styles["Table Grid"]
    table.autofit = False
    _header(table, doc)
    for index, (_, rows) in enumerate(grouped_rows(doc)):
        fill = GROUP_FILL if index % 2 else None
        for position, row in enumerate(rows):
            _add_row(table, doc, row, fill, first=position == 0)


def _header(table: Table, doc: PlanDocument) -> None:
    """Fill the header row, shade it, and repeat it at the top of every page."""
    header = table.rows[0]
    for cell, key in zip(header.cells, COLUMNS, strict=True):
        _fill(cell, label(doc, key), bold=True)
        _shade(cell, HEAD_FILL)
    properties = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    properties.append(repeat)
    _set_widths(header.cells)
    for column, width in zip(table.columns, COL_WIDTHS_MM, strict=True):
        column.width = Mm(width)  # the grid, which LibreOffice reads


def _add_row(
    table: Table, doc: PlanDocument, row: PlanRow, fill: str | None, *, first: bool
) -> None:
    """Add one plan row: the focus bold in a group's first row, grey after it."""
    texts = row_cells(doc, row)
    cells = table.add_row().cells  # type: ignore[no-untyped-call]
    for index, (cell, text) in enumerate(zip(cells, texts, strict=True)):
        focus = index == 0
        _fill(cell, text, bold=focus and first, color=GREY if focus and not first else None)
        if fill:
            _shade(cell, fill)
    _set_widths(cells)


def _fill(cell: _Cell, text: str, *, bold: bool = False, color: RGBColor | None = None) -> None:
    """Write text into a cell, one paragraph per line."""
    for number, line in enumerate(text.split("\n")):
        paragraph = cell.paragraphs[0] if number == 0 else cell.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        _run(paragraph, line, bold=bold, size=TABLE_SIZE, color=color)


def _shade(cell: _Cell, fill: str) -> None:
    """Give a cell a background colour (hex RGB)."""
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _set_widths(cells: tuple[_Cell, ...] | list[_Cell]) -> None:
    """Set the column widths on each cell of a row (Word reads them per cell)."""
    for cell, width in zip(cells, COL_WIDTHS_MM, strict=True):
        cell.width = Mm(width)


def _meetings(word: DocxDocument, doc: PlanDocument) -> None:
    """Write the planned follow-up meetings, by day, as a bulleted list."""
    meetings = ordered_meetings(doc)
    if not meetings:
        return
    word.add_heading(clean_text(label(doc, "meetings")), level=1)
    for meeting in meetings:
        paragraph = word.add_paragraph(style="List Bullet")
        _run(paragraph, f"{human_date(meeting.day, doc.lang)}: ", bold=True)
        _run(paragraph, meeting.title)


def _reflections(word: DocxDocument, doc: PlanDocument) -> None:
    """Write the reflections per section, on portrait pages."""
    sections = [section for section in doc.sections if section.answers]
    if not sections:
        return
    _layout(word.add_section(WD_SECTION.NEW_PAGE), landscape=False)
    word.add_heading(clean_text(label(doc, "reflections")), level=1)
    for section in sections:
        if section.title.strip():
            word.add_heading(clean_text(section.title), level=2)
        for answer in section.answers:
            _answer(word, answer, doc.lang)


def _answer(word: DocxDocument, answer: Answer, lang: str) -> None:
    """Write one reflection: the question in bold, the answer, a small grey "by, date" line."""
    question = word.add_paragraph()
    question.paragraph_format.keep_with_next = True
    question.paragraph_format.space_after = Pt(2)
    _run(question, answer.question, bold=True)
    for line in (answer.answer.strip() or "–").split("\n"):
        paragraph = word.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        _run(paragraph, line)
    by = byline(answer, lang)
    if by:
        _run(word.add_paragraph(), by, size=Pt(8), color=GREY)
