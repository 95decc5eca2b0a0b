"""The part of python-docx the Word exporter uses, typed.

python-docx types only some of its objects (properties without annotations, and everything
below them in lxml, come out as Any), so the exporter sees a document through the small
Protocols here, and every use after `open_document` is typed. Where python-docx annotates a
member (Document.add_paragraph, Paragraph.add_run, Run.font, Section's margins, ...) mypy
checks that the real object matches the Protocol; where it does not (Document.add_table and
core_properties, lxml's elements and the methods python-docx generates per tag, such as
`get_or_add_trPr`), the Protocol states what the object is and the export tests hold it to it.

Two helpers every part of the document writes with live here as well: a new XML element, and a
run of cleaned text with its formatting.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping, Sequence
from datetime import datetime
from typing import IO, Protocol

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.oxml import OxmlElement
from docx.shared import Length, RGBColor

from dialogues.documents.formats import clean_text

__all__ = ["GREY", "WordDocument", "element", "open_document", "write_run"]

GREY = RGBColor(0x6C, 0x75, 0x7D)  # the colour of notes, bylines and the footer


class XmlElement(Protocol):
    """An lxml element of the document's XML."""

    @property
    def attrib(self) -> MutableMapping[str, str]: ...
    def find(self, tag: str) -> XmlElement | None: ...
    def iter(self, tag: str) -> Iterator[XmlElement]: ...
    def set(self, key: str, value: str) -> None: ...
    def append(self, child: XmlElement) -> None: ...
    def insert(self, index: int, child: XmlElement) -> None: ...


class StyleXml(XmlElement, Protocol):
    """A style's w:style element."""

    def get_or_add_rPr(self) -> XmlElement: ...


class RowXml(XmlElement, Protocol):
    """A table row's w:tr element."""

    def get_or_add_trPr(self) -> XmlElement: ...


class CellXml(XmlElement, Protocol):
    """A table cell's w:tc element."""

    def get_or_add_tcPr(self) -> XmlElement: ...


class TablePropertiesXml(XmlElement, Protocol):
    """A table's w:tblPr element."""

    def insert_element_before(self, child: XmlElement, *tags: str) -> XmlElement: ...


class TableXml(XmlElement, Protocol):
    """A table's w:tbl element."""

    @property
    def tblPr(self) -> TablePropertiesXml: ...


class ColorFormat(Protocol):
    rgb: RGBColor | None


class Font(Protocol):
    name: str | None
    size: Length | None

    @property
    def color(self) -> ColorFormat: ...


class Style(Protocol):
    @property
    def font(self) -> Font: ...
    @property
    def element(self) -> StyleXml: ...


class Styles(Protocol):
    def __getitem__(self, name: str) -> Style: ...
    @property
    def element(self) -> XmlElement: ...


class Run(Protocol):
    bold: bool | None

    @property
    def font(self) -> Font: ...
    @property
    def _r(self) -> XmlElement: ...


class ParagraphFormat(Protocol):
    space_after: Length | None
    keep_with_next: bool | None


class Paragraph(Protocol):
    def add_run(self, text: str | None = None) -> Run: ...
    @property
    def runs(self) -> Sequence[Run]: ...
    @property
    def paragraph_format(self) -> ParagraphFormat: ...
    @property
    def _p(self) -> XmlElement: ...


class Cell(Protocol):
    width: Length | None

    @property
    def paragraphs(self) -> Sequence[Paragraph]: ...
    def add_paragraph(self) -> Paragraph: ...
    @property
    def _tc(self) -> CellXml: ...


class Row(Protocol):
    @property
    def cells(self) -> Sequence[Cell]: ...
    @property
    def _tr(self) -> RowXml: ...


class Column(Protocol):
    width: Length | None


class Table(Protocol):
    autofit: bool

    @property
    def rows(self) -> Sequence[Row]: ...
    @property
    def columns(self) -> Sequence[Column]: ...
    def add_row(self) -> Row: ...
    @property
    def _tbl(self) -> TableXml: ...


class Footer(Protocol):
    @property
    def paragraphs(self) -> Sequence[Paragraph]: ...


class Section(Protocol):
    orientation: WD_ORIENT
    page_width: Length | None
    page_height: Length | None
    left_margin: Length | None
    right_margin: Length | None
    top_margin: Length | None
    bottom_margin: Length | None
    footer_distance: Length | None

    @property
    def footer(self) -> Footer: ...


class CoreProperties(Protocol):
    title: str
    author: str
    last_modified_by: str
    language: str
    created: datetime
    modified: datetime
    revision: int


class WordDocument(Protocol):
    """A python-docx Document, as far as the exporter uses it."""

    @property
    def core_properties(self) -> CoreProperties: ...
    @property
    def styles(self) -> Styles: ...
    @property
    def sections(self) -> Sequence[Section]: ...
    def add_heading(self, text: str = "", level: int = 1) -> Paragraph: ...
    def add_paragraph(self, text: str = "", style: str | None = None) -> Paragraph: ...
    def add_table(self, rows: int, cols: int, style: str | None = None) -> Table: ...
    def add_section(self, start_type: WD_SECTION = WD_SECTION.NEW_PAGE) -> Section: ...
    def save(self, path_or_stream: IO[bytes]) -> None: ...


def open_document() -> WordDocument:
    """Return a new document from python-docx's default template."""
    return Document()


def element(tag: str) -> XmlElement:
    """Return a new XML element, `tag` with its namespace prefix ("w:shd")."""
    made: XmlElement = OxmlElement(tag)
    return made


def write_run(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    size: Length | None = None,
    color: RGBColor | None = None,
) -> None:
    """Append a run of cleaned text with the given formatting to a paragraph."""
    run = paragraph.add_run(clean_text(text))
    run.bold = bold or None
    if size is not None:
        run.font.size = size
    if color is not None:
        run.font.color.rgb = color
