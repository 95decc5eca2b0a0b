"""What a kind of node can do: show itself, take its own buttons, take typed text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dialogues.events import Button
from dialogues.model import Node
from dialogues.turn import MENU_FLOW, Turn

Rows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Kind:
    """The behaviour of one node kind; `press` and `text` return False when they do not apply."""

    render: Callable[[Turn, Node], None]
    press: Callable[[Turn, Node, str], bool] | None = None
    text: Callable[[Turn, Node, str], bool] | None = None


def nav_row(turn: Turn, back: bool = True) -> tuple[Button, ...]:
    """The row every node ends with: back (when there is somewhere to go) and menu."""
    row = []
    if turn.state.flow == MENU_FLOW:
        return ()  # the main menu is home: nowhere further back
    if back and turn.state.history:
        row.append(turn.button(turn.t("btn_back"), "_back"))
    row.append(turn.button(turn.t("btn_menu"), "_menu"))
    return tuple(row)


def shorten(text: str, limit: int = 40) -> str:
    """Shorten a label to `limit` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" :,-") + "…"


def rows(*candidates: tuple[Button, ...]) -> Rows:
    """Drop empty rows."""
    return tuple(r for r in candidates if r)
