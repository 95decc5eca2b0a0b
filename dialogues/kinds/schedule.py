"""The schedule node of step 4: it asks for a cadence and the date of the next board meeting.

What it stores, and the meetings that follow from it, is read in `records/rhythm.py`."""

from __future__ import annotations

from dialogues import values
from dialogues.library.model import Node
from dialogues.markup import escape
from dialogues.parts import Kind, NodeKind, nav_row, rows
from dialogues.records.base import time_label
from dialogues.records.rhythm import CADENCES, cadence, followup, settings
from dialogues.rules import permitted
from dialogues.state import JsonValue
from dialogues.turn import Turn


def render(turn: Turn, node: Node) -> None:
    """Ask for the cadence, then the date of the next meeting."""
    if turn.state.widget.get("stage") == "meeting":
        skip = (turn.button(turn.t("btn_skip"), "_skip"),)
        turn.say(turn.t("ask_next_meeting"), rows(skip, nav_row(turn)))
        return
    chosen = cadence(turn.state)
    now = "\n\n" + summary_section(turn, node) if chosen else ""
    buttons = [
        (turn.button(("✓ " if c == chosen else "") + turn.t(f"cad_{c}"), c),) for c in CADENCES
    ]
    keep = (turn.button(turn.t("btn_keep"), "_next"),) if chosen else ()
    turn.say(node.text + now, rows(*buttons, keep, nav_row(turn)))


def press(turn: Turn, node: Node, option: str) -> bool:
    """Store a cadence and ask for the meeting date; skipping the date moves on."""
    stage = turn.state.widget.get("stage")
    if option in CADENCES and not permitted(turn, "rhythm"):
        return True
    if stage != "meeting" and option in CADENCES:
        _store(turn, cadence=option)
        turn.set_widget(stage="meeting", expects_text=True)
        turn.show()
        return True
    if stage == "meeting" and option == "_skip":
        turn.advance()
        return True
    return False


def text(turn: Turn, node: Node, typed: str) -> bool:
    """Take the date of the next board meeting."""
    if turn.state.widget.get("stage") != "meeting":
        return False
    if not permitted(turn, "next_meeting"):
        return True
    when = values.typed_when(
        typed, turn.event.at, turn.library.tz, turn.content.words, bad="bad_date"
    )
    if isinstance(when, values.Problem):
        turn.refuse(when)
        return True
    _store(turn, next_meeting=when.to_json())
    turn.note(turn.t("saved"))
    turn.advance()
    return True


def _store(turn: Turn, **values: JsonValue) -> None:
    stored = dict(followup(turn.state))
    stored.update(
        values,
        by={"id": turn.event.user_id, "name": turn.event.user_name},
        at=turn.event.at.isoformat(),
    )
    turn.state.settings["followup"] = stored


def summary_section(turn: Turn, node: Node) -> str:
    """Return the chosen rhythm and next meeting for the step's summary."""
    chosen = cadence(turn.state)
    if not chosen:
        return ""
    label = time_label(settings(turn.state).next_meeting, turn.content.words)
    return turn.t(
        "schedule_now",
        cadence=turn.t(f"cad_{chosen}"),
        meeting=escape(str(label)) if label else "–",
    )


SCHEDULE = Kind(render, press, text)

_UI = ("ask_next_meeting", "schedule_now", "schedule_cadence", *(f"cad_{c}" for c in CADENCES))
DECLARES = (NodeKind("schedule", SCHEDULE, _UI, needs_next=True, summary=summary_section),)
