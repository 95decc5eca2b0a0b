"""The action-plan builder: rows of Fokus, Mål, Delmål, Handlinger, Tid and Roller.

The plan node shows an overview of the rows. Adding a row walks through the fields one at a
time; editing a row opens its field list; a row can also start as a copy of an example.
"""

from __future__ import annotations

from typing import Literal

from dialogues import dates, values
from dialogues.jsonread import member
from dialogues.library.model import Node, PlanTemplate
from dialogues.markup import escape
from dialogues.parts import nav_row, rows, shorten
from dialogues.records.base import time_label
from dialogues.records.plan import PlanItem, focus_label
from dialogues.state import JsonObject, JsonValue
from dialogues.turn import Turn

Field = Literal["fokus", "maal", "delmaal", "handlinger", "tid", "roller"]
FIELDS: tuple[Field, ...] = ("fokus", "maal", "delmaal", "handlinger", "tid", "roller")
LIST_FIELDS: tuple[Field, ...] = ("delmaal", "handlinger")
# Where the plan node is: its overview, the examples, one row's page, deleting a row, or one
# field of a row (a focus or time typed in words has its own stage).
Stage = Literal["overview", "templates", "row", "delete", "fokus_text", "tid_text", Field]
STAGES: tuple[Stage, ...] = ("overview", "templates", "row", "delete", "fokus_text", "tid_text")
STAGES += FIELDS


def stage_of(widget: JsonObject) -> Stage:
    """Return the stored stage; one that is not a stage (damaged, or from an old release) is
    the overview."""
    stored = widget.get("stage")
    return member(stored, STAGES) or "overview"


def field_of(name: str) -> Field | None:
    """Return `name` as a field of a row, or None."""
    return member(name, FIELDS)


def find_row(turn: Turn, row_id: object) -> JsonObject | None:
    """Return the plan row with this id."""
    return next((r for r in turn.state.plan if r.get("id") == row_id), None)


def _new_row(turn: Turn, **fields: JsonValue) -> JsonObject:
    number = 1 + max((values.row_number(r.get("id")) for r in turn.state.plan), default=0)
    row: JsonObject = {
        "id": f"r{number}",
        "fokus": "",
        "maal": "",
        "delmaal": [],
        "handlinger": [],
        "tid": None,
        "roller": "",
        "progress": "",
        "by": _who(turn),
        "at": turn.event.at.isoformat(),
    }
    row.update(fields)
    turn.state.plan.append(row)
    return row


def _who(turn: Turn) -> JsonObject:
    return {"id": turn.event.user_id, "name": turn.event.user_name}


def shown_item(row: JsonObject) -> PlanItem:
    """Read a row to show it; one of the wrong shape shows as an empty row, to fix or delete."""
    item = PlanItem.from_json(row)
    if isinstance(item, PlanItem):
        return item
    return PlanItem(str(row.get("id")) if isinstance(row, dict) else "")


def field_values(
    turn: Turn, node: Node | None, row: JsonObject
) -> dict[str, str | tuple[str, ...]]:
    """Return what each field of a row holds, as people read it (not escaped)."""
    item = shown_item(row)
    return {
        "fokus": focus_label(node, item.focus),
        "maal": item.goal,
        "delmaal": item.sub_goals,
        "handlinger": item.actions,
        "tid": time_label(item.time, turn.content.words),
        "roller": item.roles,
    }


def row_line(turn: Turn, node: Node | None, number: int, row: JsonObject) -> str:
    """Return one overview line: number, focus, goal and time."""
    item = shown_item(row)
    goal = escape(shorten(item.goal, 80)) if item.goal else "…"
    label = time_label(item.time, turn.content.words)
    when = f" · {escape(label)}" if label else ""
    return f"{number}. <b>{escape(focus_label(node, item.focus) or '…')}</b>: {goal}{when}"


def render(turn: Turn, node: Node) -> None:
    """Show the overview, or the field the user is filling in."""
    stage = stage_of(turn.state.widget)
    row = find_row(turn, turn.state.widget.get("row"))
    if stage == "templates":
        _render_templates(turn, node)
    elif stage == "overview" or row is None:
        _render_overview(turn, node)
    elif stage == "row":
        _render_row(turn, node, row)
    elif stage == "delete":
        yes = (turn.button(turn.t("btn_yes_delete"), "yes"), turn.button(turn.t("btn_no"), "no"))
        turn.say(turn.t("plan_confirm_delete", row=row_line(turn, node, 0, row)[3:]), rows(yes))
    else:
        _render_field(turn, node, stage)


def _render_overview(turn: Turn, node: Node) -> None:
    lines = [node.text, ""]
    if turn.state.plan:
        lines.append(f"<b>{turn.t('plan_rows', n=len(turn.state.plan))}</b>")
        lines += [row_line(turn, node, i, r) for i, r in enumerate(turn.state.plan, 1)]
    else:
        lines.append(turn.t("plan_empty"))
    add = (turn.button(turn.t("btn_add_row"), "add"),)
    examples = (turn.button(turn.t("btn_from_example"), "tpl"),) if node.templates else ()
    edits = [turn.button(f"✏️ {i}", f"e{i}") for i in range(1, len(turn.state.plan) + 1)]
    edit_rows = [tuple(edits[i : i + 4]) for i in range(0, len(edits), 4)]
    done = (turn.button(turn.t("btn_next"), "_next"),)
    turn.say("\n".join(lines), rows(add, examples, *edit_rows, done, nav_row(turn)))


def _render_row(turn: Turn, node: Node, row: JsonObject) -> None:
    text = "\n".join(row_details(turn, node, row))
    names = [turn.button(turn.t(f"plan_{f}"), f"f:{f}") for f in FIELDS]
    fields = (tuple(names[:3]), tuple(names[3:]))
    end = (turn.button(turn.t("btn_row_done"), "ok"), turn.button(turn.t("btn_delete_row"), "del"))
    turn.say(text + "\n\n" + turn.t("plan_pick_field"), rows(*fields, end))


def row_details(turn: Turn, node: Node | None, row: JsonObject) -> list[str]:
    """Return the row as labelled lines (used by the row page and the whole plan)."""

    def show(value: str | tuple[str, ...]) -> str:
        if isinstance(value, tuple):
            return "".join(f"\n  • {escape(v)}" for v in value) or "–"
        return escape(value) or "–"

    found = field_values(turn, node, row)
    return [f"<b>{turn.t('plan_' + f)}:</b> {show(found[f])}" for f in FIELDS]


def _render_templates(turn: Turn, node: Node) -> None:
    lines = [turn.t("plan_pick_example")]
    buttons = []
    for i, template in enumerate(node.templates, 1):
        lines.append(f"\n{i}. <b>{focus_label(node, template.fokus)}</b>: {escape(template.maal)}")
        buttons.append(
            (turn.button(f"{i}. {shorten(focus_label(node, template.fokus), 30)}", f"t{i}"),)
        )
    turn.say("\n".join(lines), rows(*buttons, (turn.button(turn.t("btn_cancel"), "no"),)))


def _render_field(turn: Turn, node: Node, stage: Stage) -> None:
    skip = (turn.button(turn.t("btn_skip"), "_skip"),)
    cancel = (turn.button(turn.t("btn_cancel"), "no"),)
    now = _current_value(turn, node, stage)
    if stage == "fokus":
        options = [(turn.button(o.label, f"o:{o.id}"),) for o in node.focus_options]
        own = (turn.button(turn.t("btn_own_focus"), "own"),)
        turn.say(turn.t("ask_fokus") + now, rows(*options, own, cancel))
    elif stage == "tid":
        quick = tuple(turn.button(turn.t(f"btn_{q}"), q) for q in dates.QUICK)
        pick = (turn.button(turn.t("btn_pick_time"), "wx"), *skip)
        turn.say(turn.t("ask_tid") + now, rows(quick, pick, cancel))
    else:
        turn.say(turn.t(f"ask_{stage}") + now, rows(skip, cancel))


def _current_value(turn: Turn, node: Node, stage: Stage) -> str:
    """When a field of a row is edited, show what it holds now (a list one line per item, to
    copy and change); '' for a new row or an empty field."""
    row = find_row(turn, turn.state.widget.get("row"))
    field = stage.removesuffix("_text")
    if row is None or turn.state.widget.get("wizard") or field not in FIELDS:
        return ""
    value = field_values(turn, node, row)[field]
    shown = "\n".join(value) if isinstance(value, tuple) else value
    return "\n\n" + turn.t("field_now", value=escape(shown)) if shown else ""


def from_template(turn: Turn, template: PlanTemplate) -> JsonObject:
    """Add a row copied from an example; its time is read like a typed one."""
    parsed = dates.parse(template.tid, turn.event.at, turn.library.tz, turn.content.words)
    tid = values.When(*parsed).to_json() if parsed else None
    return _new_row(
        turn,
        fokus=template.fokus,
        maal=template.maal,
        delmaal=list(template.delmaal),
        handlinger=list(template.handlinger),
        tid=tid,
        roller=template.roller,
    )


def add_row(turn: Turn) -> JsonObject:
    """Start a new, empty row."""
    return _new_row(turn)


def summary_section(turn: Turn, node: Node) -> str:
    """Return the plan's rows in full for the step's summary."""
    if not turn.state.plan:
        return ""
    blocks = []
    for number, row in enumerate(turn.state.plan, 1):
        blocks.append(f"<b>{number}.</b>\n" + "\n".join(row_details(turn, node, row)))
    return f"<b>{turn.t('plan_rows', n=len(turn.state.plan))}</b>\n\n" + "\n\n".join(blocks)
