"""The one table of what the engine can show and answer: node kinds, screens and commands.

Each node kind and each screen is declared once, in its own module, as that module's
`DECLARES`: its name, the commands that open it (in Danish and in English), the menu action
that opens it, the interface texts it needs, its place in the command menu and, for a kind,
the section it adds to a flow's summary. `REGISTRY` below reads the declarations of every
module in `kinds/` and `screens/` (a module without one is a helper of another) and adds the
engine's own commands and actions. The engine dispatches through it (`Turn.registry`), the
validator checks content against it, the Telegram adapter sets the command menus from it.
Nothing registers itself anywhere and no import is made for its side effects: to add a kind
or a screen, write its module with its `DECLARES` and add its texts to content/*/ui.yaml.
What a kind, a screen, a command and a menu action are is in `parts.py`.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from dialogues import kinds, screens
from dialogues.kinds.basic import open_about, show_help
from dialogues.library.loader import CONTENT_DIR, read_library
from dialogues.library.model import Library
from dialogues.library.ui_keys import CORE_UI
from dialogues.parts import Action, Command, NodeKind, ScreenKind

if TYPE_CHECKING:
    from dialogues.turn import Turn


@dataclass(frozen=True)
class Registry:
    """Node kinds, screens (in the order of their commands in the menu) and the engine's own
    commands and actions; lookups by name are built once."""

    kinds: tuple[NodeKind, ...]
    screens: tuple[ScreenKind, ...]
    first_commands: tuple[Command, ...] = ()  # in the menu before the screens' commands
    last_commands: tuple[Command, ...] = ()  # and after them
    own_actions: tuple[Action, ...] = ()
    ui: tuple[str, ...] = ()  # the texts the code outside kinds and screens needs
    _kinds: dict[str, NodeKind] = field(init=False, repr=False, compare=False)
    _screens: dict[str, ScreenKind] = field(init=False, repr=False, compare=False)
    _commands: dict[str, Command] = field(init=False, repr=False, compare=False)
    _actions: dict[str, Action] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # a command's names, the English one only when it differs
        names = [n for c in self.commands for n in {c.name: 0, c.english: 0}]
        actions = [*self.own_actions, *(s.action for s in self.screens if s.action)]
        for what, found in (
            ("kind", [k.name for k in self.kinds]),
            ("screen", [s.name for s in self.screens]),
            ("command", names),
            ("action", [a.name for a in actions]),
        ):
            twice = sorted({n for n in found if found.count(n) > 1})
            if twice:
                raise ValueError(f"{what} declared twice: {', '.join(twice)}")
        kinds: dict[str, NodeKind] = {k.name: k for k in self.kinds}
        screens: dict[str, ScreenKind] = {s.name: s for s in self.screens}
        commands: dict[str, Command] = {n: c for c in self.commands for n in (c.name, c.english)}
        by_name: dict[str, Action] = {a.name: a for a in actions}
        object.__setattr__(self, "_kinds", kinds)
        object.__setattr__(self, "_screens", screens)
        object.__setattr__(self, "_commands", commands)
        object.__setattr__(self, "_actions", by_name)

    @property
    def commands(self) -> tuple[Command, ...]:
        """Return every command in the order of Telegram's command menu."""
        own = tuple(c for s in self.screens for c in s.commands)
        return self.first_commands + own + self.last_commands

    @property
    def actions(self) -> tuple[str, ...]:
        """Return the names of the menu actions content may use."""
        return tuple(self._actions)

    @property
    def required_ui(self) -> tuple[str, ...]:
        """Return every interface text the code needs, each once."""
        keys = [*self.ui, *(f"cmd_{c.name}" for c in self.commands)]
        keys += [k for kind in self.kinds for k in kind.ui]
        keys += [k for screen in self.screens for k in screen.ui]
        return tuple({key: None for key in keys})

    def kind(self, name: str) -> NodeKind | None:
        """Return the node kind called `name`."""
        return self._kinds.get(name)

    def screen(self, name: str | None) -> ScreenKind | None:
        """Return the screen at position `name` ('@plan'), None for a flow."""
        return self._screens.get(name or "")

    def command(self, name: str) -> Command | None:
        """Return the command called `name` in either language."""
        return self._commands.get(name)

    def act(self, turn: Turn, action: str) -> None:
        """Run the menu action `action` (the validator has checked that it exists)."""
        self._actions[action].run(turn)

    def render(self, turn: Turn) -> None:
        """Show the current node or screen; a position that no longer exists shows the menu."""
        screen = self.screen(turn.state.flow)
        if screen is not None:
            screen.screen.render(turn)
            return
        node = turn.node
        if node is None:
            turn.goto(f"flow:{turn.content.menu.id}")
            node = turn.node
            assert node is not None
        self._kinds[node.kind].kind.render(turn, node)


def declared(package: ModuleType) -> tuple[NodeKind | ScreenKind, ...]:
    """Return what the modules of `package` declare, module by module in name order."""
    found: list[NodeKind | ScreenKind] = []
    names = sorted(info.name for info in pkgutil.iter_modules(package.__path__))
    for name in names:
        module = importlib.import_module(f"{package.__name__}.{name}")
        declares: object = getattr(module, "DECLARES", ())
        if not isinstance(declares, tuple):
            raise TypeError(f"{module.__name__}.DECLARES is not a tuple")
        for part in declares:
            if not isinstance(part, NodeKind | ScreenKind):
                raise TypeError(f"{module.__name__}.DECLARES holds {type(part).__name__}")
            found.append(part)
    return tuple(found)


def _kinds() -> tuple[NodeKind, ...]:
    return tuple(k for k in declared(kinds) if isinstance(k, NodeKind))


def _screens() -> tuple[ScreenKind, ...]:
    found = [s for s in declared(screens) if isinstance(s, ScreenKind)]
    return tuple(sorted(found, key=_place))


def _place(screen: ScreenKind) -> int:
    return screen.place


REGISTRY = Registry(
    kinds=_kinds(),
    screens=_screens(),
    first_commands=(Command("start", "start", help=True), Command("menu", "menu", help=True)),
    last_commands=(
        Command("hjaelp", "help", help=True),
        Command("annuller", "cancel", help=True),
    ),
    own_actions=(Action("help", show_help), Action("about", open_about)),
    ui=CORE_UI,
)


def load_library(root: Path = CONTENT_DIR, default: str = "da", fallback: str = "en") -> Library:
    """Load the content under `root`, checked against this registry; raise ContentError."""
    return read_library(root, REGISTRY, default, fallback)
