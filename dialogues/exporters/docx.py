"""Render a PlanDocument as an editable Word document (docx) with python-docx.

The same content as the PDF: a title with the organisation and the meeting-guide meeting, the
plan as a real Word table (a shaded header row that repeats on every page, rows grouped by
focus, no row split across pages, columns as wide as their content asks so no word breaks),
the follow-up section, and the reflections under headings. The plan sits on landscape A4
pages, the reflections on portrait ones; each page footer shows the credits and "page n of m".

Every style names Arial outright (Word's default template points at theme fonts, which
LibreOffice shows as a serif): Arial is on Windows and macOS, and LibreOffice draws it with the
metric-compatible Liberation Sans, so lines break in the same places everywhere. The bottom
margin leaves the footer its own band, so body text never runs into it.

Every text passes through `clean_text`, which strips the control characters XML cannot hold
(python-docx would otherwise raise ValueError).
"""

from __future__ import annotations

import io
from datetime import datetime, time
from typing import Any

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
    made_line,
    ordered_meetings,
    row_cells,
    subtitle,
)
from dialogues.exporters.columns import arial_width, fit_widths

__all__ = ["render"]

FONT = "Arial"
TEXT_WIDTH_MM = 267  # landscape A4 less the side margins
CELL_PADDING_MM = 2 * 1.9 + 1.2  # Word's default cell margins, and a little slack
MARGIN = Mm(15)
BOTTOM = Mm(22)  # the body's bottom margin: the footer sits in this band
FOOTER_DISTANCE = Mm(8)  # from the page's edge to the footer's foot
TABLE_SIZE = Pt(9)
STYLES = ("Normal", "Title", "Heading 1", "Heading 2", "List Bullet", "List Number", "Footer")
GREY = RGBColor(0x6C, 0x75, 0x7D)
HEAD_FILL = "D2E1F0"
GROUP_FILL = "F1F5F9"


def render(doc: PlanDocument) -> bytes:
    """Render the document as docx bytes."""
    word = Document()
    _set_properties(word, doc)
    _fonts(word)
    _layout(word.sections[0], landscape=True)
    _footer(word.sections[0], doc)
    _title(word, doc)
    _plan(word, doc)
    _followup(word, doc)
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


def _fonts(word: DocxDocument) -> None:
    """Name Arial in the document defaults and every style we use, replacing theme fonts."""
    defaults = word.styles.element.find(qn("w:docDefaults"))
    targets = [] if defaults is None else list(defaults.iter(qn("w:rPr")))
    for name in STYLES:
        style = word.styles[name]
        style.font.name = FONT
        targets.append(style.element.get_or_add_rPr())
    for rpr in targets:
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        for theme in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            fonts.attrib.pop(qn(f"w:{theme}"), None)
        for script in ("ascii", "hAnsi", "eastAsia", "cs"):
            fonts.set(qn(f"w:{script}"), FONT)


def _layout(section: DocxSection, *, landscape: bool) -> None:
    """Set A4 in the given orientation and the margins of a section."""
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (
        (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    )
    section.left_margin = section.right_margin = section.top_margin = MARGIN
    section.bottom_margin = BOTTOM
    section.footer_distance = FOOTER_DISTANCE


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
    if subtitle(doc):
        _run(word.add_paragraph(), subtitle(doc), size=Pt(13))
    _run(word.add_paragraph(), made_line(doc), size=Pt(9), color=GREY)


def _plan(word: DocxDocument, doc: PlanDocument) -> None:
    """Write the plan as a Word table with a header row; a note when there are no rows."""
    word.add_heading(clean_text(label(doc, "plan")), level=1)
    if not doc.rows:
        _run(word.add_paragraph(), label(doc, "empty_plan"), color=GREY)
        return
    table = word.add_table(rows=1, cols=len(COLUMNS))
    table.style = word.styles["Table Grid"]
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
    margins = OxmlElement("w:tblCellMar")
    for side, twips in (("top", 40), ("left", 108), ("bottom", 40), ("right", 108)):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    table._tbl.tblPr.insert_element_before(
        margins, "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange"
    )


def _widths(doc: PlanDocument) -> list[float]:
    """Return the columns' widths in mm from their content (see columns.fit_widths)."""
    size = TABLE_SIZE.pt
    columns: list[list[tuple[str, bool]]] = [[(label(doc, key), True)] for key in COLUMNS]
    for _, rows in grouped_rows(doc):
        for row in rows:
            for index, text in enumerate(row_cells(doc, row)):
                columns[index].append((text, index == 0))

    def measure(text: str, bold: bool) -> float:
        return arial_width(text, bold, size)

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
    repeat = OxmlElement("w:tblHeader")
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
    added = table.add_row()  # type: ignore[no-untyped-call]
    _keep_whole(added._tr)
    cells = added.cells
    for index, (cell, text) in enumerate(zip(cells, texts, strict=True)):
        focus = index == 0
        _fill(cell, text, bold=focus and first, color=GREY if focus and not first else None)
        if fill:
            _shade(cell, fill)
    _set_widths(cells, widths)


def _keep_whole(tr: Any) -> None:
    """Keep a table row on one page (w:cantSplit) instead of letting it break across two."""
    properties = tr.get_or_add_trPr()
    keep = OxmlElement("w:cantSplit")
    keep.set(qn("w:val"), "true")
    properties.insert(0, keep)


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


def _set_widths(cells: tuple[_Cell, ...] | list[_Cell], widths: list[float]) -> None:
    """Set the column widths on each cell of a row (Word reads them per cell)."""
    for cell, width in zip(cells, widths, strict=True):
        cell.width = Mm(width)


def _followup(word: DocxDocument, doc: PlanDocument) -> None:
    """Write the follow-up section: the agenda item, the routine, the next meetings."""
    word.add_heading(clean_text(label(doc, "followup")), level=1)
    agenda = word.add_paragraph()
    _run(agenda, f"{label(doc, 'agenda')}: ", bold=True)
    _run(agenda, label(doc, "agenda_item"))
    routine = word.add_paragraph()
    routine.paragraph_format.keep_with_next = True
    _run(routine, label(doc, "routine"), bold=True)
    for number in range(1, 5):
        _run(word.add_paragraph(style="List Number"), label(doc, f"routine_{number}"))
    heading = word.add_paragraph()
    heading.paragraph_format.keep_with_next = True
    _run(heading, label(doc, "next_meetings"), bold=True)
    meetings = ordered_meetings(doc)
    if not meetings:
        _run(word.add_paragraph(), label(doc, "no_meetings"), color=GREY)
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
