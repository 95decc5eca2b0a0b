"""'Eksport': the plan as PDF, Word, calendar or Markdown, and all stored data as JSON."""

from __future__ import annotations

from dialogues.documents import formats
from dialogues.documents.build import build_document
from dialogues.documents.document import PlanDocument
from dialogues.documents.formats import dated
from dialogues.documents.formats.timeline import meetings_of
from dialogues.parts import Action, Command, Screen, ScreenKind, nav_row, rows
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


def send_timeline(turn: Turn) -> None:
    """Send the time line as a picture, with its counts in words for those who cannot see it,
    or say why there is nothing to draw yet."""
    doc = build_document(turn.content, turn.state, turn.event.at, turn.library.tz)
    if not dated(doc):
        turn.say(turn.t("timeline_empty"))
        return
    days = [row.due for row in doc.rows if row.due and row.progress != "done"]
    counts = turn.t(
        "timeline_counts",
        items=len(days),
        late=sum(1 for day in days if day < doc.created),
        meetings=sum(1 for m in meetings_of(doc) if m.day >= doc.created),
    )
    turn.send_file("png", f"{turn.t('timeline_caption')}\n{counts}")


SCREEN = Screen(render, press)

_UI = (
    *("export_pick", "export_empty", "export_no_dates"),
    *(f"btn_export_{f}" for f in FORMATS),
    *(f"export_caption_{f}" for f in FORMATS),
)
DECLARES = (
    ScreenKind(
        EXPORT_SCREEN,
        SCREEN,
        (Command("eksport", "export", open_export, help=True),),
        Action("export", open_export),
        _UI,
        place=3,
    ),
)
