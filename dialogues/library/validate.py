"""Validation of loaded content: targets, reachability, ids, lengths, markup, translations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from dialogues import callbacks
from dialogues.library.errors import Problem
from dialogues.library.model import (
    FLOW_ROLES,
    INFO_STYLES,
    INPUT_KINDS,
    NODE_ROLES,
    Content,
    Flow,
    Library,
    Node,
    Option,
)
from dialogues.markup import markup_problem
from dialogues.parts import COMMAND_NAMES

if TYPE_CHECKING:  # the registry is handed in: the library does not depend on the engine
    from dialogues.registry import Registry

MAX_TEXT = 700  # characters in one content message: about one phone screen
MAX_TEASER = 200
MAX_LABEL = 40
FLOW_ID = re.compile(r"^[a-z][a-z0-9_]{0,11}$")
NODE_ID = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
OPTION_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,11}$")
PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\}")
LINK = re.compile(r"^[a-z0-9_]{1,64}$")  # a deep link's payload, as /start lowercases it
LANG = re.compile(r"^[a-z]{2}$")  # ISO 639-1, as Telegram gives a user's language_code
COMMAND = re.compile(r"(?<!\S)/([a-z_]+)")  # a command named in a text: "/svar"


def validate_content(content: Content, lang_dir: Path, registry: Registry) -> list[Problem]:
    """Return every problem of one language's content, checked against the registry's kinds,
    actions and texts."""
    problems: list[Problem] = []
    ui_file = str(lang_dir / "ui.yaml")
    for key in registry.required_ui:
        if key not in content.ui:
            problems.append(Problem(ui_file, key, "missing interface text"))
    for key, message in content.words.problems():  # the date words make every label
        if key in content.ui:
            problems.append(Problem(ui_file, key, message))
    if content.ui.get("command_names", COMMAND_NAMES[0]) not in COMMAND_NAMES:
        message = f"the names of the commands: one of {', '.join(COMMAND_NAMES)}"
        problems.append(Problem(ui_file, "command_names", message))
    if not LANG.match(content.lang):  # Telegram's language codes (setMyCommands, users')
        problems.append(Problem(str(lang_dir), "", "a language's folder is its two-letter code"))
    if content.role("menu") is None:
        problems.append(Problem(str(lang_dir), "", "no flow has role: menu (the main menu)"))
    for flow in content.flows.values():
        where = str(lang_dir / f"{flow.id}.yaml")
        problems += [Problem(where, p, m) for p, m in _flow_problems(flow, content, registry)]
    needs = [*_twice(content), *_role_needs(content), *_link_problems(content)]
    return problems + [Problem(str(lang_dir / f"{f}.yaml"), p, m) for f, p, m in needs]


def _twice(content: Content) -> Iterator[tuple[str, str, str]]:
    """A role (of a flow or a node) given a second time, named where the second one is."""
    first: dict[str, str] = {}
    for flow in content.flows.values():
        given = [(flow.role, "role")] + [
            (n.role, f"nodes[{i}]({n.id}).role") for i, n in enumerate(flow.nodes.values())
        ]
        for role, path in given:
            if role is None:
                continue
            if role in first:
                message = f"role {role!r} is already given in {first[role]}.yaml; one place only"
                yield flow.id, path, message
            first.setdefault(role, flow.id)


def _role_needs(content: Content) -> Iterator[tuple[str, str, str]]:
    """What the code does with a role's flow needs the nodes it looks for there."""
    kinds = {n.kind: f.id for f in content.flows.values() for n in f.nodes.values()}
    if "schedule" in kinds and content.role("followup") is None:
        yield kinds["schedule"], "role", "the flow with the schedule node needs role: followup"
    for role, kind in (("followup", "schedule"), ("evaluation", "checklist")):
        flow = content.role(role)
        if flow is not None and all(n.kind != kind for n in flow.nodes.values()):
            yield flow.id, "role", f"a flow with role: {role} needs a {kind} node"


def _link_problems(content: Content) -> Iterator[tuple[str, str, str]]:
    """A deep-link name opens one flow: well formed, and no other flow's id or link."""
    names = {flow_id: flow_id for flow_id in content.flows}
    for flow in content.flows.values():
        for i, link in enumerate(flow.links):
            if not LINK.match(link) or names.setdefault(link, flow.id) != flow.id:
                message = f"{link!r}: lowercase letters, digits, _, and no other flow's name"
                yield flow.id, f"links[{i}]", message


def _help_problems(content: Content, registry: Registry) -> Iterator[str]:
    """/hjaelp names the commands the registry marks for it, in the language's own names."""
    named = [match.group(1) for match in COMMAND.finditer(content.ui.get("help", ""))]
    names = content.ui.get("command_names", "")
    wanted = [c.called(names) for c in registry.commands if c.help]
    for name in sorted(set(named) - set(wanted)):
        found = registry.command(name)
        better = f"; in this language it is /{found.called(names)}" if found else ""
        yield f"names /{name}, which is no command for the help{better}"
    for name in sorted(set(wanted) - set(named)):
        yield f"does not name /{name}"


def _flow_problems(flow: Flow, content: Content, registry: Registry) -> Iterator[tuple[str, str]]:
    if not FLOW_ID.match(flow.id):
        yield "flow", f"id {flow.id!r}: lowercase letters, digits, _; at most 12 characters"
    if flow.start not in flow.nodes:
        yield "start", f"unknown node {flow.start!r}"
    if flow.role is not None and flow.role not in FLOW_ROLES:
        yield "role", f"unknown role {flow.role!r}; one of {', '.join(FLOW_ROLES)}"
    for index, node in enumerate(flow.nodes.values()):
        for path, message in _node_problems(node, flow, content, registry):
            yield f"nodes[{index}]({node.id}).{path}", message
    if flow.start in flow.nodes:
        for node_id in sorted(set(flow.nodes) - reachable(flow)):
            yield f"nodes.{node_id}", "unreachable from start"


def _node_problems(
    node: Node, flow: Flow, content: Content, registry: Registry
) -> Iterator[tuple[str, str]]:
    if not NODE_ID.match(node.id):
        yield "id", "lowercase letters, digits, _; at most 16 characters"
    kind = registry.kind(node.kind)
    if kind is None:
        names = ", ".join(k.name for k in registry.kinds)
        yield "kind", f"unknown kind {node.kind!r}; one of {names}"
        return
    yield from _text_problems("text", node.text, MAX_TEXT, required=True)
    if node.teaser is not None:
        yield from _text_problems("teaser", node.teaser, MAX_TEASER, required=True)
    for key, value in (("hint", node.hint), ("group", node.group)):
        if value is not None:
            yield from _text_problems(key, value, MAX_TEASER, required=True)
    if node.style is not None and node.style not in INFO_STYLES:
        yield "style", f"unknown style {node.style!r}; one of {', '.join(INFO_STYLES)}"
    if node.input not in INPUT_KINDS:
        yield "input", f"unknown input {node.input!r}; one of {', '.join(INPUT_KINDS)}"
    if kind.needs_next and node.next is None:  # an info without next ends the flow
        yield "next", "is missing"
    if node.next is not None:
        yield from _target_problems("next", node.next, flow, content)
    yield from _option_problems(node, flow, content, registry.actions)
    yield from _kind_problems(node, flow)


def _text_problems(key: str, text: str, limit: int, required: bool) -> Iterator[tuple[str, str]]:
    if required and not text:
        yield key, "missing text"
    if len(text) > limit:
        yield key, f"{len(text)} characters; at most {limit} fit a phone screen"
    problem = markup_problem(text)
    if problem:
        yield key, problem


def _target_problems(
    path: str, target: str, flow: Flow, content: Content
) -> Iterator[tuple[str, str]]:
    if target.startswith("flow:"):
        if target[5:] not in content.flows:
            yield path, f"unknown flow {target[5:]!r}"
    elif target not in flow.nodes:
        yield path, f"unknown node {target!r}"


def _option_problems(
    node: Node, flow: Flow, content: Content, actions: tuple[str, ...]
) -> Iterator[tuple[str, str]]:
    if node.kind in ("choice", "menu") and not node.options:
        yield "options", "a choice or menu needs options"
    seen: set[str] = set()
    for i, option in enumerate(node.options + node.focus_options):
        at = f"options[{i}]"
        if not OPTION_ID.match(option.id) or option.id in seen:
            yield f"{at}.id", f"{option.id!r} is malformed or a duplicate"
        seen.add(option.id)
        if not option.label or len(option.label) > MAX_LABEL:
            yield f"{at}.label", f"needs a label of 1–{MAX_LABEL} characters"
        if not callbacks.fits(f"{flow.id}/{node.id}", option.id):
            yield f"{at}.id", "the button's callback data would exceed 64 bytes"
        if option in node.options:
            yield from _option_target(option, node, flow, content, at, actions)


def _option_target(
    option: Option, node: Node, flow: Flow, content: Content, at: str, actions: tuple[str, ...]
) -> Iterator[tuple[str, str]]:
    target, action = option.next, option.action
    if action is not None:
        if node.kind != "menu" or action not in actions:
            allowed = ", ".join(actions)
            yield f"{at}.action", f"unknown action {action!r}; menus allow {allowed}"
        elif action == "about" and content.role("about") is None:
            yield f"{at}.action", "no flow has role: about, which this action opens"
    elif target is None:
        yield f"{at}.next", "is missing"
    else:
        yield from _target_problems(f"{at}.next", target, flow, content)


def _kind_problems(node: Node, flow: Flow) -> Iterator[tuple[str, str]]:
    if node.role is not None and (node.role not in NODE_ROLES or node.kind != "question"):
        yield "role", f"unknown role {node.role!r}; a question may have {', '.join(NODE_ROLES)}"
    if node.kind == "checklist" and not node.items:
        yield "items", "a checklist needs items"
    for i, item in enumerate(node.items):
        if not re.match(r"^[a-z0-9]{1,8}$", item.id):
            yield f"items[{i}].id", "lowercase letters and digits; at most 8 characters"
        yield from _text_problems(f"items[{i}].text", item.text, MAX_TEASER, required=True)
    for name in (match.group(1) for match in PLACEHOLDER.finditer(node.text)):
        target = flow.nodes.get(name)
        if target is None or target.kind != "question":
            yield "text", f"placeholder {{{name}}} names no question of this flow"


def reachable(flow: Flow) -> set[str]:
    """Return the ids of the nodes reachable from the flow's start."""
    seen: set[str] = set()
    todo = [flow.start]
    while todo:
        node_id = todo.pop()
        if node_id in seen or node_id not in flow.nodes:
            continue
        seen.add(node_id)
        node = flow.nodes[node_id]
        targets = [node.next] + [o.next for o in node.options]
        todo += [t for t in targets if t and not t.startswith("flow:")]
    return seen


def validate_library(library: Library, root: Path, registry: Registry) -> list[Problem]:
    """Check that every language has the same texts and structure as the default language."""
    base = library.languages[library.default]
    problems: list[Problem] = []
    for lang, content in library.languages.items():
        ui_file = str(root / lang / "ui.yaml")
        problems += [Problem(ui_file, "help", m) for m in _help_problems(content, registry)]
    for lang, content in library.languages.items():
        if lang == library.default:
            continue
        where = root / lang
        for key in sorted(set(base.ui) ^ set(content.ui)):
            side = "missing" if key in base.ui else "extra (not in the default language)"
            problems.append(Problem(str(where / "ui.yaml"), key, f"{side} text"))
        for flow_id in sorted(set(base.flows) ^ set(content.flows)):
            side = "missing" if flow_id in base.flows else "extra"
            problems.append(Problem(str(where / f"{flow_id}.yaml"), "", f"{side} flow"))
        for flow_id in sorted(set(base.flows) & set(content.flows)):
            if _shape(base.flows[flow_id]) != _shape(content.flows[flow_id]):
                problems.append(
                    Problem(str(where / f"{flow_id}.yaml"), "nodes", "ids, kinds or targets differ")
                )
    return problems


def _shape(flow: Flow) -> list[tuple[object, ...]]:
    return [(flow.role, flow.links)] + [
        (n.id, n.kind, n.next, n.role, tuple((o.id, o.next, o.action) for o in n.options))
        for n in flow.nodes.values()
    ]
