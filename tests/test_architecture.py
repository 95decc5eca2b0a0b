"""The layering holds: the engine and storage never import telegram; state is never pickled."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", ["dialogues", "storage"])
def test_pure_packages_do_not_import_telegram(package: str) -> None:
    for path in (ROOT / package).rglob("*.py"):
        assert "telegram" not in _imports(path), path


def test_storage_does_not_reach_into_the_engine() -> None:
    for path in (ROOT / "storage").rglob("*.py"):
        assert "dialogues" not in _imports(path), path


def test_nothing_uses_pickle() -> None:
    for package in ("bot", "dialogues", "storage"):
        for path in (ROOT / package).rglob("*.py"):
            assert "pickle" not in _imports(path), path
