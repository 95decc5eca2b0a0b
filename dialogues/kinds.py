"""The registry of node kinds, and showing whatever node the chat is at."""

from __future__ import annotations

from dialogues import (
    checklist,
    custom,
    exportscreen,  # noqa: F401  (registers the export screen)
    langscreen,  # noqa: F401  (registers the language screen)
    nodes,
    plan_input,
    planscreen,  # noqa: F401  (registers the 'Hele planen' screen)
    privacy,  # noqa: F401  (registers /privatliv, /mine_data and /slet)
    reminderscreen,  # noqa: F401  (registers the reminders screen)
    schedule,
    screens,
    summary,
)
from dialogues.kind import Kind
from dialogues.turn import MENU_FLOW, Turn

KINDS: dict[str, Kind] = {
    "info": nodes.INFO,
    "question": nodes.QUESTION,
    "choice": nodes.CHOICE,
    "menu": nodes.CHOICE,
    "checklist": checklist.CHECKLIST,
    "summary": summary.SUMMARY,
    "plan": plan_input.PLAN,
    "schedule": schedule.SCHEDULE,
    "custom": custom.CUSTOM,
}


def render(turn: Turn) -> None:
    """Show the current node or screen; a position that no longer exists shows the menu."""
    if turn.state.flow in screens.SCREENS:
        screens.SCREENS[turn.state.flow].render(turn)
        return
    node = turn.node
    if node is None:
        turn.goto(f"flow:{MENU_FLOW}")
        node = turn.node
        assert node is not None
    KINDS[node.kind].render(turn, node)
