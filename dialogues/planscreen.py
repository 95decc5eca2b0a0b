"""'Hele planen': the whole action plan in the chat, grouped by Fokus and sorted by time."""

from __future__ import annotations

from dialogues import schedule
from dialogues.exporters import dated
from dialogues.kind import Screen, app_row, nav_row, rows
from dialogues.planhtml import plan_html
from dialogues.screens import open_answers
from dialogues.turn import Turn
from dialogues.wholeplan import build_document, plan_node

PLAN_SCREEN = "@plan"


def open_plan(turn: Turn) -> None:
    """Show the whole plan."""
    turn.open(PLAN_SCREEN, "view")
    turn.show()


def render(turn: Turn) -> None:
    """Show the plan with buttons to the reflections and to the plan builder."""
    doc = build_document(turn.content, turn.state, turn.event.at)
    cadence = schedule.cadence(turn.state)
    text = plan_html(doc)
    if cadence:
        text += "\n\n" + turn.t("schedule_cadence", cadence=turn.t(f"cad_{cadence}"))
    buttons = [(turn.button(turn.t("btn_reflections"), "refl"),)] if doc.sections else []
    if plan_node(turn.content):
        buttons.append((turn.button(turn.t("btn_edit_plan"), "edit"),))
    buttons.append((turn.button(turn.t("btn_export"), "export"),))
    buttons.append((turn.button(turn.t("btn_timeline"), "timeline"),))
    app = app_row(turn.library.operator, turn.t("btn_open_plan"))  # the Mini App, if set
    turn.say(text, rows(*buttons, app, nav_row(turn)))


def press(turn: Turn, option: str) -> bool:
    """Open the reflections, the exports or the plan builder, or send the time line."""
    found = plan_node(turn.content)
    if option == "refl":
        open_answers(turn)
    elif option == "export":
        turn.registry.act(turn, "export")
    elif option == "timeline":
        send_timeline(turn)
    elif option == "edit" and found:
        turn.detour(found[0].id, found[1].id)  # back to the plan when the editing is done
        turn.show()
    else:
        return False
    return True


def send_timeline(turn: Turn) -> None:
    """Send the time line as a picture, with its counts in words for those who cannot see it,
    or say why there is nothing to draw yet."""
    doc = build_document(turn.content, turn.state, turn.event.at)
    if not dated(doc):
        turn.say(turn.t("timeline_empty"))
        return
    days = [row.due for row in doc.rows if row.due and row.progress != "done"]
    counts = turn.t(
        "timeline_counts",
        items=len(days),
        late=sum(1 for day in days if day < doc.created),
        meetings=sum(1 for m in doc.meetings if m.day >= doc.created),
    )
    turn.send_file("png", f"{turn.t('timeline_caption')}\n{counts}")


SCREEN = Screen(render, press)
