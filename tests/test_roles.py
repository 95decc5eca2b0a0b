"""Content says what each flow is (`role:`); code finds flows by role, never by id."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from dialogues import CONTENT_DIR, ContentError, Library, load_library
from dialogues.library.model import FLOW_ROLES, NODE_ROLES

ROOT = Path(__file__).resolve().parent.parent


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR / "da", root / "da")
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def _refused(root: Path) -> str:
    with pytest.raises(ContentError) as caught:
        load_library(root)
    return str(caught.value)


def test_the_real_content_gives_every_role_exactly_once(library: Library) -> None:
    for content in library.languages.values():
        flows = [f.role for f in content.flows.values() if f.role]
        nodes = [n.role for f in content.flows.values() for n in f.nodes.values() if n.role]
        assert sorted(flows) == sorted(FLOW_ROLES)
        assert sorted(nodes) == sorted(NODE_ROLES)


def test_a_role_given_twice_is_refused_naming_both_files(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "da" / "trin2.yaml", "start: intro\n", "start: intro\nrole: repeat\n")
    message = _refused(root)
    assert "da/trin2.yaml: role: role 'repeat' is already given in trin1.yaml" in message


def test_a_node_role_given_twice_is_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "da" / "moede.yaml", "role: meeting_date", "role: organisation")
    message = _refused(root)
    assert "da/moede.yaml: nodes[" in message
    assert "(dato).role: role 'organisation' is already given in moede.yaml" in message


def test_a_missing_menu_role_is_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "da" / "menu.yaml", "role: menu", "")
    assert "da: no flow has role: menu" in _refused(root)


def test_a_missing_about_role_is_refused_where_the_menu_offers_it(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "da" / "om.yaml", "role: about", "")
    assert "da/menu.yaml: nodes[0](hoved).options[" in _refused(root)
    assert "no flow has role: about" in _refused(root)


def test_a_missing_followup_role_is_refused_beside_the_schedule_node(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "da" / "trin4.yaml", "role: followup", "")
    assert "da/trin4.yaml: role: the flow with the schedule node needs role: followup" in (
        _refused(root)
    )


def test_unknown_roles_and_clashing_links_are_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "da" / "trin2.yaml", "start: intro\n", "start: intro\nrole: wizard\n")
    _edit(root / "da" / "trin3.yaml", "links: [handleplan]", "links: [handleplan, trin1]")
    message = _refused(root)
    assert "da/trin2.yaml: role: unknown role 'wizard'" in message
    assert "da/trin3.yaml: links[1]: 'trin1'" in message


def test_a_translation_must_give_the_same_roles(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    shutil.copytree(CONTENT_DIR / "en", root / "en")
    _edit(root / "en" / "trin1.yaml", "role: repeat", "")
    assert "en/trin1.yaml: nodes: ids, kinds or targets differ" in _refused(root)


def _literals(package: str) -> list[tuple[Path, int, str]]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append((path, node.lineno, node.value))
    return found


def test_no_flow_id_of_the_content_is_written_in_code(library: Library) -> None:
    """'trin4', 'flow:om', 'anbefaling3/' or 'e:anbefaling3' in code would tie it to content.

    'menu' is also a role (and a node kind and a command), so code may say it.
    """
    words = set(FLOW_ROLES) | set(NODE_ROLES)
    ids = set()
    for content in library.languages.values():
        for flow in content.flows.values():
            ids |= {flow.id, *flow.links}
    ids -= words
    assert {"trin4", "anbefaling3", "om", "handleplan"} <= ids
    hits = [
        f"{path.relative_to(ROOT)}:{line}: {value!r}"
        for package in ("dialogues", "bot")
        for path, line, value in _literals(package)
        if ids & set(re.split(r"[/:]", value))
    ]
    assert hits == []


def test_no_node_id_of_the_content_is_written_in_code(library: Library) -> None:
    """A node the code needs has a role ('organisation', 'meeting_date') or is found by kind.

    'fokus' (a plan row's field), 'eksempel' (an info style) and 'menu' (a kind, a role and a
    command) are also node ids by chance.
    """
    ids = set()
    for content in library.languages.values():
        for flow in content.flows.values():
            ids |= set(flow.nodes)
    ids -= {"fokus", "eksempel", "menu"}
    assert {"org", "dato", "hoved", "handleplan", "skridt"} <= ids
    hits = [
        f"{path.relative_to(ROOT)}:{line}: {value!r}"
        for package in ("dialogues", "bot")
        for path, line, value in _literals(package)
        if ids & set(re.split(r"[/:]", value))
    ]
    assert hits == []
