"""How each kind of node is shown, and what its buttons and typed answers do."""

from __future__ import annotations

import re
from collections.abc import Callable

from dialogues import answers as store
from dialogues.events import Button
from dialogues.markup import escape
from dialogues.model import Node
from dialogues.turn import MENU_FLOW, Turn

Rows = tuple[tuple[Button, ...], ...]
_PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\}")


def nav_row(turn: Turn, back: bool = True) -> tuple[Button, ...]:
    """The row every node ends with: back (when there is somewhere to go) and menu."""
    row = []
    if back and turn.state.history:
        row.append(turn.button(turn.t("btn_back"), "_back"))
    if turn.state.flow != MENU_FLOW:
        row.append(turn.button(turn.t("btn_menu"), "_menu"))
    return tuple(row)


def _rows(*rows: tuple[Button, ...]) -> Rows:
    return tuple(r for r in rows if r)


def render(turn: Turn) -> None:
    """Show the current node."""
    node = turn.node
    if node is None:
        turn.goto(f"flow:{MENU_FLOW}")
        node = turn.node
        assert node is not None
    RENDERERS.get(node.kind, _render_info)(turn, node)


def _style(turn: Turn, node: Node) -> str:
    return f"<b>{turn.t('style_' + node.style)}</b>\n" if node.style else ""


def fill(turn: Turn, text: str) -> str:
    """Fill {question} placeholders with this flow's answers (escaped)."""
    flow_id = turn.state.flow or ""

    def answer(match: re.Match[str]) -> str:
        found = store.get(turn.state, flow_id, match.group(1))
        return escape(found["text"]) if found else "–"

    return _PLACEHOLDER.sub(answer, text)


def _render_info(turn: Turn, node: Node) -> None:
    if node.teaser and not turn.state.widget.get("open"):
        more = (turn.button(turn.t("btn_more"), "_more"), turn.button(turn.t("btn_skip"), "_next"))
        turn.say(_style(turn, node) + node.teaser, _rows(more, nav_row(turn)))
        return
    buttons = (turn.button(turn.t("btn_next"), "_next"),)
    turn.say(_style(turn, node) + fill(turn, node.text), _rows(buttons, nav_row(turn)))


def _render_question(turn: Turn, node: Node) -> None:
    flow = turn.flow
    assert flow is not None
    lines = []
    if node.id in flow.questions:
        n = flow.questions.index(node.id) + 1
        lines.append(f"<i>{turn.t('progress', n=n, total=len(flow.questions))}</i>")
    if node.group:
        lines.append(f"<b>{node.group}</b>")
    lines.append(fill(turn, node.text))
    if node.hint:
        lines.append(f"<i>{node.hint}</i>")
    previous = store.get(turn.state, flow.id, node.id)
    if previous:
        lines.append("\n" + turn.t("previous_answer", answer=escape(previous["text"])))
        first = turn.button(turn.t("btn_keep"), "_keep")
    else:
        first = turn.button(turn.t("btn_skip"), "_skip")
    turn.say("\n".join(lines), _rows((first,), nav_row(turn)))


def _render_choice(turn: Turn, node: Node) -> None:
    flow_id = turn.state.flow or ""
    chosen = store.get(turn.state, flow_id, node.id) if node.kind == "choice" else None
    rows = []
    for option in node.options:
        mark = "✓ " if chosen and chosen["text"] == option.id else ""
        rows.append((turn.button(mark + option.label, option.id),))
    skip = (turn.button(turn.t("btn_skip"), "_skip"),) if node.kind == "choice" else ()
    turn.say(fill(turn, node.text), _rows(*rows, skip, nav_row(turn)))


Renderer = Callable[[Turn, Node], None]
RENDERERS: dict[str, Renderer] = {
    "info": _render_info,
    "question": _render_question,
    "choice": _render_choice,
    "menu": _render_choice,
}
