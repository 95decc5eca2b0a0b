"""Read content/<lang>/*.yaml with yaml.safe_load into the typed content model."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import yaml

from dialogues.library.errors import ContentError, Problem
from dialogues.library.model import (
    ChecklistItem,
    Content,
    Flow,
    Library,
    Node,
    Option,
    PlanTemplate,
)
from dialogues.library.validate import validate_content, validate_library

if TYPE_CHECKING:
    from dialogues.registry import Registry

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"

# What yaml.safe_load builds (a date or datetime from an unquoted date, bytes from !!binary).
YamlScalar: TypeAlias = "bool | int | float | str | bytes | date | None"
Yaml: TypeAlias = "YamlScalar | list[Yaml] | dict[YamlScalar, Yaml] | set[YamlScalar]"
YamlMap: TypeAlias = "dict[YamlScalar, Yaml]"


def read_library(root: Path, registry: Registry, default: str, fallback: str) -> Library:
    """Load every language folder under `root` and validate it against the registry's kinds,
    screens and texts; raise ContentError on problems. (`dialogues.load_library` passes the
    engine's registry.)"""
    problems: list[Problem] = []
    languages: dict[str, Content] = {}
    for lang_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        if not any(lang_dir.glob("*.yaml")):
            continue
        content = _load_language(lang_dir, problems)
        languages[content.lang] = content
        problems += validate_content(content, lang_dir, registry)
    if default not in languages:
        problems.append(Problem(str(root / default), "", "the default language has no content"))
        raise ContentError(problems)
    # The translations are compared even when a language has problems of its own: a missing
    # flow is named as such, not only by what misses it (a menu's about action, say).
    library = Library(languages=languages, default=default, fallback=fallback)
    problems += validate_library(library, root, registry)
    if problems:
        raise ContentError(problems)
    return library


def _load_language(lang_dir: Path, problems: list[Problem]) -> Content:
    ui: dict[str, str] = {}
    flows: dict[str, Flow] = {}
    for path in sorted(lang_dir.glob("*.yaml")):
        data = _read_yaml(path, problems)
        if data is None:
            continue
        if path.stem == "ui":
            ui = _parse_ui(data, path, problems)
        else:
            flow = _parse_flow(data, path, problems)
            if flow is not None:
                flows[flow.id] = flow
    return Content(lang=lang_dir.name, flows=flows, ui=ui)


def _read_yaml(path: Path, problems: list[Problem]) -> YamlMap | None:
    try:
        # safe_load builds only YAML's own types (see Yaml): the annotation says which
        data: Yaml = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        problems.append(Problem(str(path), "", f"not valid YAML: {exc}"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(str(path), "", "the file must hold a mapping"))
        return None
    return data


def _parse_ui(data: YamlMap, path: Path, problems: list[Problem]) -> dict[str, str]:
    ui: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(value, str):
            problems.append(Problem(str(path), str(key), "must be a quoted string"))
        else:
            ui[str(key)] = value
    return ui


def _parse_flow(data: YamlMap, path: Path, problems: list[Problem]) -> Flow | None:
    where = str(path)
    for key in ("flow", "title", "start", "nodes"):
        if key not in data:
            problems.append(Problem(where, key, "is missing"))
            return None
    raw_nodes = data["nodes"]
    if not isinstance(raw_nodes, list):
        problems.append(Problem(where, "nodes", "must be a list"))
        return None
    nodes: dict[str, Node] = {}
    for index, raw in enumerate(raw_nodes):
        node = _parse_node(raw, f"nodes[{index}]", where, problems)
        if node is None:
            continue
        if node.id in nodes:
            problems.append(Problem(where, f"nodes[{index}].id", f"duplicate id {node.id!r}"))
        nodes[node.id] = node
    questions = tuple(n.id for n in nodes.values() if n.kind == "question")
    links = data.get("links") or []
    if not isinstance(links, list):
        problems.append(Problem(where, "links", "must be a list of deep-link names"))
        links = []
    return Flow(
        id=str(data["flow"]),
        title=str(data["title"]),
        start=str(data["start"]),
        nodes=nodes,
        questions=questions,
        role=_opt_str(data.get("role")),
        links=tuple(str(link) for link in links),
    )


def _parse_node(raw: Yaml, at: str, where: str, problems: list[Problem]) -> Node | None:
    if not isinstance(raw, dict) or "id" not in raw or "kind" not in raw:
        problems.append(Problem(where, at, "a node needs at least id and kind"))
        return None
    try:
        return Node(
            id=str(raw["id"]),
            kind=str(raw["kind"]),
            text=_str(raw.get("text")),
            next=_opt_str(raw.get("next")),
            style=_opt_str(raw.get("style")),
            teaser=_opt_str(raw.get("teaser")),
            group=_opt_str(raw.get("group")),
            hint=_opt_str(raw.get("hint")),
            input=str(raw.get("input", "text")),
            options=tuple(_option(o) for o in _list(raw, "options")),
            items=tuple(_item(i) for i in _list(raw, "items")),
            suggested=bool(raw.get("suggested", False)),
            focus_options=tuple(_option(o) for o in _list(raw, "focus_options")),
            templates=tuple(_template(t) for t in _list(raw, "templates")),
            role=_opt_str(raw.get("role")),
        )
    except (KeyError, TypeError) as exc:
        problems.append(Problem(where, at, f"malformed node: {exc!r}"))
        return None


def _list(raw: YamlMap, key: str) -> list[Yaml]:
    """Return the list under `key` (none when absent or empty); TypeError for anything else."""
    value = raw.get(key)
    if not value:
        return []
    if not isinstance(value, list):
        raise TypeError(f"{key} must be a list")
    return value


def _mapping(raw: Yaml, what: str) -> YamlMap:
    """Return raw as a mapping; TypeError when it is none."""
    if not isinstance(raw, dict):
        raise TypeError(f"{what} must be a mapping")
    return raw


def _option(raw: Yaml) -> Option:
    option = _mapping(raw, "an option")
    return Option(
        id=str(option["id"]),
        label=_str(option.get("label")),
        next=_opt_str(option.get("next")),
        action=_opt_str(option.get("action")),
    )


def _item(raw: Yaml) -> ChecklistItem:
    item = _mapping(raw, "an item")
    return ChecklistItem(str(item["id"]), _str(item.get("text")))


def _template(raw: Yaml) -> PlanTemplate:
    template = _mapping(raw, "a template")
    return PlanTemplate(
        fokus=str(template["fokus"]),
        maal=_str(template.get("maal")),
        delmaal=tuple(str(x) for x in _list(template, "delmaal")),
        handlinger=tuple(str(x) for x in _list(template, "handlinger")),
        tid=_str(template.get("tid")),
        roller=_str(template.get("roller")),
    )


def _str(value: Yaml) -> str:
    return "" if value is None else str(value).strip()


def _opt_str(value: Yaml) -> str | None:
    return None if value is None else str(value).strip()
