"""Render a PlanDocument as an editable Word document (docx) with python-docx.

The same content as the PDF: a title with the organisation and the meeting-guide meeting, the
plan as a real Word table (docxtable), the follow-up section, and the reflections under
headings. The plan sits on landscape A4 pages, the reflections on portrait ones; each page
footer shows the credits and "page n of m".

Every style names Arial outright (Word's default template points at theme fonts, which
LibreOffice shows as a serif): Arial is on Windows and macOS, and LibreOffice draws it with the
metric-compatible Liberation Sans, so lines break in the same places everywhere. The bottom
margin leaves the footer its own band, so body text never runs into it.

Every text passes through `clean_text`, which strips the control characters XML cannot hold
(python-docx would otherwise raise ValueError). python-docx is reached through the typed
Protocols of wordapi.
"""

from __future__ import annotations

import io
from datetime import datetime, time

from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from dialogues.documents.document import Answer, PlanDocument
from dialogues.documents.formats import (
    byline,
    clean_text,
    human_date,
    label,
    made_line,
    ordered_meetings,
    subtitle,
)
from dialogues.documents.formats.docxtable import plan_table
from dialogues.documents.formats.wordapi import (
    GREY,
    Paragraph,
    Section,
    WordDocument,
    element,
    open_document,
    write_run,
)

__all__ = ["render"]

FONT = "Arial"
MARGIN = Mm(15)
BOTTOM = Mm(22)  # the body's bottom margin: the footer sits in this band
FOOTER_DISTANCE = Mm(8)  # from the page's edge to the footer's foot
STYLES = ("Normal", "Title", "Heading 1", "Heading 2", "List Bullet", "List Number", "Footer")


def render(doc: PlanDocument) -> bytes:
    """Render the document as docx bytes."""
    word = open_document()
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


def _set_properties(word: WordDocument, doc: PlanDocument) -> None:
    """Fill in the file's properties, with fixed dates so repeated exports agree."""
    props = word.core_properties
    props.title = clean_text(doc.title or label(doc, "plan"))
    props.author = props.last_modified_by = "Inklusionsguiden"
    props.language = doc.lang
    props.created = props.modified = datetime.combine(doc.created, time())
    props.revision = 1
    word.styles["Normal"].font.size = Pt(10)


def _fonts(word: WordDocument) -> None:
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
            fonts = element("w:rFonts")
            rpr.insert(0, fonts)
        for theme in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            fonts.attrib.pop(qn(f"w:{theme}"), None)
        for script in ("ascii", "hAnsi", "eastAsia", "cs"):
            fonts.set(qn(f"w:{script}"), FONT)


def _layout(section: Section, *, landscape: bool) -> None:
    """Set A4 in the given orientation and the margins of a section."""
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (
        (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    )
    section.left_margin = section.right_margin = section.top_margin = MARGIN
    section.bottom_margin = BOTTOM
    section.footer_distance = FOOTER_DISTANCE


def _footer(section: Section, doc: PlanDocument) -> None:
    """Write the credits and "page n of m" in the footer (later sections inherit it)."""
    paragraph = section.footer.paragraphs[0]
    credits = " · ".join(c.strip() for c in doc.credits if c.strip())
    if credits:
        write_run(paragraph, clean_text(credits) + "    ", size=Pt(7), color=GREY)
    write_run(paragraph, f"{label(doc, 'page')} ", size=Pt(7), color=GREY)
    _field(paragraph, "PAGE")
    write_run(paragraph, f" {label(doc, 'of')} ", size=Pt(7), color=GREY)
    _field(paragraph, "NUMPAGES")


def _field(paragraph: Paragraph, instruction: str) -> None:
    """Append a simple field (PAGE, NUMPAGES) that Word fills in when it shows the page."""
    field = element("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    paragraph._p.append(field)
    write_run(paragraph, "1", size=Pt(7), color=GREY)  # the placeholder, in the footer's style
    field.append(paragraph.runs[-1]._r)  # moves the run into the field


def _title(word: WordDocument, doc: PlanDocument) -> None:
    """Write the title, then the organisation and the date."""
    word.add_heading(clean_text(doc.title or label(doc, "plan")), level=0)
    if subtitle(doc):
        write_run(word.add_paragraph(), subtitle(doc), size=Pt(13))
    write_run(word.add_paragraph(), made_line(doc), size=Pt(9), color=GREY)


def _plan(word: WordDocument, doc: PlanDocument) -> None:
    """Write the plan as a Word table with a header row; a note when there are no rows."""
    word.add_heading(clean_text(label(doc, "plan")), level=1)
    if not doc.rows:
        write_run(word.add_paragraph(), label(doc, "empty_plan"), color=GREY)
        return
    plan_table(word, doc)


def _followup(word: WordDocument, doc: PlanDocument) -> None:
    """Write the follow-up section: the agenda item, the routine, the next meetings."""
    word.add_heading(clean_text(label(doc, "followup")), level=1)
    agenda = word.add_paragraph()
    write_run(agenda, f"{label(doc, 'agenda')}: ", bold=True)
    write_run(agenda, label(doc, "agenda_item"))
    routine = word.add_paragraph()
    routine.paragraph_format.keep_with_next = True
    write_run(routine, label(doc, "routine"), bold=True)
    for number in range(1, 5):
        write_run(word.add_paragraph(style="List Number"), label(doc, f"routine_{number}"))
    heading = word.add_paragraph()
    heading.paragraph_format.keep_with_next = True
    write_run(heading, label(doc, "next_meetings"), bold=True)
    meetings = ordered_meetings(doc)
    if not meetings:
        write_run(word.add_paragraph(), label(doc, "no_meetings"), color=GREY)
    for meeting in meetings:
        paragraph = word.add_paragraph(style="List Bullet")
        write_run(paragraph, f"{human_date(meeting.day, doc)}: ", bold=True)
        write_run(paragraph, meeting.title)


def _reflections(word: WordDocument, doc: PlanDocument) -> None:
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
            _answer(word, answer, doc)


def _answer(word: WordDocument, answer: Answer, doc: PlanDocument) -> None:
    """Write one reflection: the question in bold, the answer, a small grey "by, date" line."""
    question = word.add_paragraph()
    question.paragraph_format.keep_with_next = True
    question.paragraph_format.space_after = Pt(2)
    write_run(question, answer.question, bold=True)
    for line in (answer.answer.strip() or "–").split("\n"):
        paragraph = word.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        write_run(paragraph, line)
    by = byline(answer, doc)
    if by:
        write_run(word.add_paragraph(), by, size=Pt(8), color=GREY)
