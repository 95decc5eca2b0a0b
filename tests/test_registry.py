"""The registry: one table of node kinds, screens and commands, and nothing registering itself."""

from __future__ import annotations

import ast
import dataclasses
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dialogues import ChatState, Event, load_library, step
from dialogues.engine import OWN_COMMANDS
from dialogues.library.validate import _help_problems
from dialogues.parts import Command, Kind, NodeKind
from dialogues.registry import REGISTRY, Registry, declared

LIBRARY = load_library()
DIALOGUES = Path(__file__).resolve().parents[1] / "dialogues"


def _imported_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom | ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


@pytest.mark.parametrize("path", sorted(DIALOGUES.rglob("*.py")), ids=lambda p: p.name)
def test_no_module_writes_into_another_modules_table(path: Path) -> None:
    """`SCREENS[...] = ...` or `mod.TABLE[...] = ...` at import time: the registry does that."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = _imported_names(tree)
    for statement in ast.walk(ast.Module(body=tree.body, type_ignores=[])):
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if not isinstance(statement, ast.Assign):
            continue
        for target in statement.targets:
            if isinstance(target, ast.Subscript):
                base = target.value
                while isinstance(base, ast.Attribute | ast.Subscript):
                    base = base.value
                assert not (isinstance(base, ast.Name) and base.id in imported), (
                    f"{path.name}:{statement.lineno} writes into {ast.unparse(target)}"
                )


def test_no_import_only_for_its_side_effects() -> None:
    for path in sorted(DIALOGUES.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "noqa: F401" not in text or path.name == "__init__.py", path.name


def test_every_text_the_code_asks_for_is_required() -> None:
    """A key the code names but the registry does not require would fail only when shown."""
    root = DIALOGUES.parent
    code = [*DIALOGUES.rglob("*.py"), *(root / "bot").rglob("*.py")]
    named = {
        key
        for path in code
        for key in re.findall(r"\.t(?:ext)?\(\s*[\"']([a-z0-9_]*[a-z0-9])[\"']", path.read_text())
    }
    assert sorted(named - set(REGISTRY.required_ui)) == []


def test_the_engine_answers_each_command_the_registry_leaves_to_it() -> None:
    own = {c.name for c in REGISTRY.commands if c.run is None}
    assert own == set(OWN_COMMANDS) | {"start"}


def test_every_kind_in_the_content_is_registered() -> None:
    for content in LIBRARY.languages.values():
        for flow in content.flows.values():
            for node in flow.nodes.values():
                assert REGISTRY.kind(node.kind) is not None, (flow.id, node.id, node.kind)


def _command(text: str, lang: str) -> list[str]:
    state = ChatState(lang=lang, started=True)
    event = Event(1, 1, "Ann", "command", datetime.now(UTC), text=text)
    return [r.text for r in step(LIBRARY, state, event)[1]]


@pytest.mark.parametrize("command", REGISTRY.commands, ids=lambda c: c.name)
def test_both_names_of_a_command_do_the_same(command: Command) -> None:
    """The Danish and the English name each reach the command, in either language."""
    unknown = LIBRARY.get("da").text("unknown_command")
    for lang in ("da", "en"):
        danish, english = _command(f"/{command.name}", lang), _command(f"/{command.english}", lang)
        assert danish == english
        assert unknown not in danish
    assert _command("/nosuchcommand", "da") == [unknown]


def test_the_help_names_the_commands_in_the_readers_language() -> None:
    for content in LIBRARY.languages.values():
        assert list(_help_problems(content, REGISTRY)) == []
    english = LIBRARY.get("en")
    wrong = dataclasses.replace(
        english, ui={**english.ui, "help": english.ui["help"].replace("/answers", "/svar")}
    )
    assert list(_help_problems(wrong, REGISTRY)) == [
        "names /svar, which is no command for the help; in this language it is /answers",
        "does not name /answers",
    ]


def test_the_command_menu_order_and_names_come_from_the_registry() -> None:
    assert [c.called("da") for c in REGISTRY.commands][:3] == ["start", "menu", "plan"]
    assert [c.called("en") for c in REGISTRY.commands][-2:] == ["help", "cancel"]


def test_a_name_declared_twice_is_refused() -> None:
    kind = Kind(lambda turn, node: None)
    with pytest.raises(ValueError, match="kind declared twice: info"):
        Registry(kinds=(NodeKind("info", kind), NodeKind("info", kind)), screens=())
    with pytest.raises(ValueError, match="command declared twice: help"):
        Registry(kinds=(), screens=(), first_commands=(Command("hjaelp", "help"),) * 2)


def test_a_kind_is_one_module_the_registry_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adding a kind is writing its module: the registry reads each module's DECLARES, skips a
    helper that declares nothing, and names a module whose declaration is not one."""
    package = tmp_path / "extra_kinds"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "poll.py").write_text(
        "from dialogues.parts import Kind, NodeKind\n"
        "DECLARES = (NodeKind('poll', Kind(lambda turn, node: None), ('poll_ask',)),)\n"
    )
    (package / "helper.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    found = declared(importlib.import_module("extra_kinds"))
    assert [(p.name, p.ui) for p in found] == [("poll", ("poll_ask",))]
    (package / "wrong.py").write_text("DECLARES = ('poll',)\n")
    with pytest.raises(TypeError, match=r"extra_kinds\.wrong\.DECLARES holds str"):
        declared(importlib.import_module("extra_kinds"))


def test_the_registry_holds_every_declared_kind_and_screen_in_menu_order() -> None:
    kinds = {k.name for k in REGISTRY.kinds}
    assert kinds == {"info", "question", "choice", "menu", "checklist", "summary", "plan"} | {
        "schedule",
        "custom",
    }
    assert [s.name for s in REGISTRY.screens] == [
        "@plan",
        "@svar",
        "@eksport",
        "@paamind",
        "@sprog",
        "@slet",
        "@groups",
    ]
