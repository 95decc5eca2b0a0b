"""'Eksport': the plan as PDF, Word, calendar or Markdown, and all stored data as JSON."""

from __future__ import annotations

from dialogues.documents import formats
from dialogues.documents.build import build_document
from dialogues.documents.document import PlanDocument
from dialogues.documents.formats import dated
from dialogues.parts import Screen, nav_row, rows
from dialogues.screens.plan import send_timeline
from dialogues.turn import Turn

EXPORT_SCREEN = "@eksport"
FORMATS = (*formats.FORMATS, "json")  # the plan's formats, and all stored data


def open_export(turn: Turn) -> None:
    """Show the export choices."""
    turn.open(EXPORT_SCREEN, "pick")
    turn.show()


def render(turn: Turn) -> None:
    """Offer one button per format, and the time line as a picture."""
    buttons = [(turn.button(turn.t(f"btn_export_{f}"), f),) for f in FORMATS]
    picture = (turn.button(turn.t("btn_timeline"), "timeline"),)
    turn.say(turn.t("export_pick"), rows(*buttons, picture, nav_row(turn)))


def press(turn: Turn, option: str) -> bool:
    """Send the chosen file, or say that there is nothing to put in it yet."""
    if option == "timeline":
        send_timeline(turn)
        return True
    if option not in FORMATS:
        return False
    if option != "json":
        doc = build_document(turn.content, turn.state, turn.event.at, turn.library.tz)
        if doc.is_empty or (option == "ics" and not _has_dates(doc)):
            turn.say(turn.t("export_empty" if doc.is_empty else "export_no_dates"))
            return True
    turn.send_file(option, turn.t(f"export_caption_{option}"))
    return True


def _has_dates(doc: PlanDocument) -> bool:
    return dated(doc)  # a deadline, a meeting of the rhythm or the meeting guide's meeting


SCREEN = Screen(render, press)
