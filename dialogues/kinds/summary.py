"""The summary at the end of a flow: every answer and every marked first step."""

from __future__ import annotations

from dialogues.events import Button
from dialogues.kinds import checklist
from dialogues.library.model import Flow, Node
from dialogues.markup import escape
from dialogues.parts import Kind, NodeKind, nav_row, rows
from dialogues.records import answers
from dialogues.records.answers import answered_nodes, authors, own_questions, shown_value
from dialogues.records.chat import marks
from dialogues.turn import Turn

ANSWER_SCREEN = "@svar"


def answer_lines(turn: Turn, flow: Flow, numbered: bool = False) -> list[str]:
    """Return one block per question: the question in bold and every answer, escaped."""
    show_names = len(authors(turn.state)) > 1
    blocks = []
    for number, node in enumerate(answered_nodes(flow), 1):
        title = f"{number}. {node.text}" if numbered else node.text
        found = answers.read(turn.state, flow.id, node.id)
        if not found:
            blocks.append(f"<b>{title}</b>\n<i>{turn.t('summary_skipped')}</i>")
            continue
        lines = [f"<b>{title}</b>"]
        for _, record in found:
            name = record.author.name
            by = f"\n<i>– {escape(name)}</i>" if show_names and name else ""
            lines.append(f"{escape(shown_value(node, record))}{by}")
        blocks.append("\n".join(lines))
    first = len(answered_nodes(flow)) + 1  # own questions are numbered on
    for number, (_, own) in enumerate(own_questions(turn.state, flow.id), first):
        title = f"{number}. {escape(own.question)}" if numbered else escape(own.question)
        blocks.append(f"<b>{title}</b>\n{escape(own.text)}")
    return blocks


def _checklists(flow: Flow) -> list[Node]:
    return [n for n in flow.nodes.values() if n.kind == "checklist"]


def step_lines(turn: Turn, flow: Flow) -> list[str]:
    """Return the first steps that were marked (numbered as in their list), with who and
    when for planned ones."""
    lines = []
    for node in _checklists(flow):
        marked = dict(marks(turn.state, flow.id, node))
        for number, item in enumerate(node.items, 1):
            if item in marked:
                lines.append(f"{number}. {item.text}\n{checklist.describe(turn, marked[item])}")
    return lines


def _step_buttons(turn: Turn, flow: Flow) -> list[tuple[Button, ...]]:
    """A button per first step, showing its mark (▫️ none yet): a press changes that step."""
    found = []
    for node in _checklists(flow):
        marked = dict(marks(turn.state, flow.id, node))
        icons = [checklist.ICONS[m.status] if (m := marked.get(i)) else "▫️" for i in node.items]
        found.append(tuple(turn.button(f"{icon} {n}", f"k:{node.id}:{n - 1}")
                           for n, icon in enumerate(icons, 1)))  # fmt: skip
    return found


def flow_summary(turn: Turn, flow: Flow, numbered: bool = False) -> str:
    """Return the whole summary text of one flow (the adapter splits it if long)."""
    parts = answer_lines(turn, flow, numbered)
    steps = step_lines(turn, flow)
    if steps:
        parts.append(f"<b>{turn.t('summary_steps')}</b>\n" + "\n\n".join(steps))
    if _checklists(flow):
        parts.append(f"<i>{turn.t('summary_steps_hint')}</i>")
    for node in flow.nodes.values():
        kind = turn.registry.kind(node.kind)
        if kind is not None and kind.summary is not None:
            parts.append(kind.summary(turn, node))
    parts = [p for p in parts if p]
    return "\n\n".join(parts) if parts else turn.t("summary_empty")


def render(turn: Turn, node: Node) -> None:
    """Show the summary with buttons to edit answers, go on, or go to the menu."""
    flow = turn.flow
    assert flow is not None
    text = f"<b>{node.text}</b>\n\n{flow_summary(turn, flow)}"
    edit = (turn.button(turn.t("btn_edit_answers"), "edit"),) if answered_nodes(flow) else ()
    export = (turn.button(turn.t("btn_export"), "export"),)
    plan = _plan_buttons(turn, flow)
    go_on = (turn.button(turn.t("btn_next"), "_next"),) if node.next else ()
    steps = _step_buttons(turn, flow)
    turn.say(text, rows(*steps, edit + export, plan, go_on, nav_row(turn)))


def _plan_node(flow: Flow) -> Node | None:
    """Return the flow's action-plan builder, if it has one."""
    return next((n for n in flow.nodes.values() if n.kind == "plan"), None)


def _plan_buttons(turn: Turn, flow: Flow) -> tuple[Button, ...]:
    """A part that builds the plan offers to edit it; once there is a plan, to see it whole."""
    edit = (turn.button(turn.t("btn_edit_plan"), "edit_plan"),) if _plan_node(flow) else ()
    whole = (turn.button(turn.t("btn_whole_plan"), "plan"),) if turn.state.plan else ()
    return edit + whole


def press(turn: Turn, node: Node, option: str) -> bool:
    """Open 'Mine svar' for this flow, or the export choices."""
    if option in ("export", "plan"):
        turn.registry.act(turn, option)
        return True
    kind, node_id, index = [*option.split(":"), "", ""][:3]
    step = turn.flow.nodes.get(node_id) if turn.flow is not None and kind == "k" else None
    if turn.flow is not None and step is not None and step.kind == "checklist" and index.isdigit():
        checklist.open_one(turn, turn.flow.id, step, int(index))
        return True
    plan = _plan_node(turn.flow) if turn.flow is not None else None
    if option == "edit_plan" and turn.flow is not None and plan is not None:
        turn.detour(turn.flow.id, plan.id)  # back to this overview when done
        turn.show()
        return True
    if option != "edit" or turn.flow is None:
        return False
    turn.open(ANSWER_SCREEN, "list", flow=turn.flow.id)
    turn.show()
    return True


SUMMARY = Kind(render, press)

_UI = (
    *("summary_empty", "summary_skipped", "summary_by", "summary_steps", "summary_steps_hint"),
    *("plan_steps_hint", "btn_edit_answers", "btn_edit_plan", "btn_whole_plan"),
)
DECLARES = (NodeKind("summary", SUMMARY, _UI),)
