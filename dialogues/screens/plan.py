"""'Hele planen': the whole action plan in the chat, grouped by Fokus and sorted by time."""

from __future__ import annotations

from dialogues.documents.build import build_document, plan_node
from dialogues.documents.document import PlanDocument
from dialogues.documents.telegram_html import plan_html
from dialogues.events import Button
from dialogues.kinds import checklist
from dialogues.parts import Action, Command, Screen, ScreenKind, app_row, nav_row, rows
from dialogues.records import rhythm
from dialogues.records.chat import marks
from dialogues.screens.export import send_timeline
from dialogues.turn import Turn

PLAN_SCREEN = "@plan"


def open_plan(turn: Turn) -> None:
    """Show the whole plan."""
    turn.open(PLAN_SCREEN, "view")
    turn.show()


def render(turn: Turn) -> None:
    """Show the plan with buttons to the reflections and to the plan builder."""
    doc = build_document(turn.content, turn.state, turn.event.at, turn.library.tz)
    cadence = rhythm.cadence(turn.state)
    steps = _steps(turn, doc)
    text = plan_html(doc, {uid: n for n, (uid, _, _) in enumerate(steps, 1)})
    if steps:
        text += f"\n\n<i>{turn.t('plan_steps_hint')}</i>"
    if cadence:
        text += "\n\n" + turn.t("schedule_cadence", cadence=turn.t(f"cad_{cadence}"))
    buttons = _step_buttons(turn, steps)
    if doc.sections:
        buttons.append((turn.button(turn.t("btn_reflections"), "refl"),))
    if plan_node(turn.content):
        buttons.append((turn.button(turn.t("btn_edit_plan"), "edit"),))
    buttons.append((turn.button(turn.t("btn_export"), "export"),))
    buttons.append((turn.button(turn.t("btn_timeline"), "timeline"),))
    app = app_row(turn.library.operator, turn.t("btn_open_plan"))  # the Mini App, if set
    turn.say(text, rows(*buttons, app, nav_row(turn)))


def _steps(turn: Turn, doc: PlanDocument) -> list[tuple[str, str, str]]:
    """Return the first steps in the plan, in its order: (row uid, its mark, its option)."""
    places: dict[str, tuple[str, str]] = {}
    for flow_id, node in turn.content.nodes_of_kind("checklist"):
        for item, record in marks(turn.state, flow_id, node):
            at = node.items.index(item)
            places[f"{flow_id}-{item.id}"] = (
                checklist.ICONS[record.status],
                f"k:{flow_id}:{node.id}:{at}",
            )
    return [(row.uid, *places[row.uid]) for _, group in doc.groups() for row in group
            if row.uid in places]  # fmt: skip


def _step_buttons(turn: Turn, steps: list[tuple[str, str, str]]) -> list[tuple[Button, ...]]:
    """A button per first step in the plan, showing its mark: a press changes that step."""
    found = [turn.button(f"{mark} {n}", option) for n, (_, mark, option) in enumerate(steps, 1)]
    return [tuple(found[i : i + 5]) for i in range(0, len(found), 5)]


def _open_step(turn: Turn, option: str) -> bool:
    """Open one first step named by a button ('k:<flow>:<node>:<index>'), back here after."""
    _, flow_id, node_id, index = [*option.split(":"), "", "", ""][:4]
    flow = turn.content.flows.get(flow_id)
    node = flow.nodes.get(node_id) if flow is not None else None
    if node is None or node.kind != "checklist" or not index.isdigit():
        return False
    if int(index) >= len(node.items):
        return False
    checklist.open_one(turn, flow_id, node, int(index))
    return True


def press(turn: Turn, option: str) -> bool:
    """Open the reflections, the exports, the plan builder or one first step, or send the
    time line."""
    found = plan_node(turn.content)
    if option.startswith("k:"):
        return _open_step(turn, option)
    if option == "refl":
        turn.registry.act(turn, "answers")  # screens open one another by their actions
    elif option == "export":
        turn.registry.act(turn, "export")
    elif option == "timeline":
        send_timeline(turn)
    elif option == "edit" and found:
        turn.detour(found[0].id, found[1].id)  # back to the plan when the editing is done
        turn.show()
    else:
        return False
    return True


SCREEN = Screen(render, press)

_UI = ("btn_reflections", "btn_edit_plan", "btn_timeline")
DECLARES = (
    ScreenKind(
        PLAN_SCREEN,
        SCREEN,
        (Command("plan", "plan", open_plan, help=True),),
        Action("plan", open_plan),
        (*_UI, "timeline_caption", "timeline_counts", "timeline_empty"),
        place=1,
    ),
)
