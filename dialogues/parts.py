"""What a node kind and a screen are (their behaviour, and what the registry says of each:
commands, menu action, texts, summary section), and the buttons every node ends with."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dialogues.events import Button
from dialogues.library.model import Node

if TYPE_CHECKING:  # a part is handed the turn; the turn does not need the parts
    from dialogues.turn import Turn

Rows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Kind:
    """The behaviour of one node kind; `press` and `text` return False when they do not apply."""

    render: Callable[[Turn, Node], None]
    press: Callable[[Turn, Node, str], bool] | None = None
    text: Callable[[Turn, Node, str], bool] | None = None


@dataclass(frozen=True)
class Screen:
    """A position that is not a content node: it renders itself and takes its own input."""

    render: Callable[[Turn], None]
    press: Callable[[Turn, str], bool]
    text: Callable[[Turn, str], bool] | None = None


Run = Callable[["Turn"], None]


COMMAND_NAMES = ("da", "en")  # the names a command has: Danish, English (Command.called)


@dataclass(frozen=True)
class Command:
    """A slash command: its Danish and English names and what it does.

    `run` None means the engine answers it itself (/start, /menu, /hjaelp, /annuller). The
    Danish name keys its menu description, `cmd_<name>`. With `help`, /hjaelp's text must name it.
    """

    name: str
    english: str
    run: Run | None = None
    help: bool = False

    def called(self, names: str) -> str:
        """Return the command's name in one of COMMAND_NAMES: 'da' its Danish name, 'en' its
        English one. A language's content says which its menu shows (`command_names` in
        ui.yaml); the bot answers to both."""
        return self.english if names == "en" else self.name


@dataclass(frozen=True)
class Action:
    """A menu action: a menu option with `action: <name>` runs `run`."""

    name: str
    run: Run


@dataclass(frozen=True)
class NodeKind:
    """A node kind (`kind: <name>` in content) and what the rest of the engine needs of it."""

    name: str
    kind: Kind
    ui: tuple[str, ...] = ()
    needs_next: bool = False  # a node of this kind must say where the flow goes on
    summary: Callable[[Turn, Node], str] | None = None  # its section in the flow's summary


@dataclass(frozen=True)
class ScreenKind:
    """A screen: a position ('@plan') outside the flows, opened by commands and menu actions."""

    name: str
    screen: Screen
    commands: tuple[Command, ...] = ()
    action: Action | None = None
    ui: tuple[str, ...] = ()
    place: int = 0  # where its commands stand in the command menu (and /hjaelp), lowest first


def nav_row(turn: Turn, back: bool = True) -> tuple[Button, ...]:
    """The row every node ends with: back (when there is somewhere to go) and menu."""
    row = []
    if turn.state.flow == turn.menu_flow:
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


def app_row(operator: Mapping[str, object], label: str) -> tuple[Button, ...]:
    """The Mini App's button ("Åbn planen") when the operator set its address; else none."""
    url = operator.get("webapp_url")
    return (Button(label, web_app=url),) if isinstance(url, str) and url else ()


def rows(*candidates: tuple[Button, ...]) -> Rows:
    """Drop empty rows."""
    return tuple(r for r in candidates if r)
