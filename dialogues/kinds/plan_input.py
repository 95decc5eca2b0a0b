"""What the plan node does with buttons and typed text."""

from __future__ import annotations

from dialogues import dates, values
from dialogues.kinds.plan import (
    FIELDS,
    LIST_FIELDS,
    Field,
    Stage,
    add_row,
    field_of,
    find_row,
    from_template,
    render,
    stage_of,
    summary_section,
)
from dialogues.library.model import Node
from dialogues.parts import Kind, NodeKind
from dialogues.rules import permitted
from dialogues.state import JsonObject, JsonValue, json_list
from dialogues.turn import Turn

FIELD_OF: dict[Stage, Field] = {"fokus_text": "fokus", "tid_text": "tid"}  # typed in words
TEXT_STAGES: frozenset[Stage] = frozenset(
    {"fokus_text", "maal", "delmaal", "handlinger", "tid_text", "roller"}
)


def _go(
    turn: Turn, stage: Stage, row: JsonObject | None = None, wizard: bool | None = None
) -> None:
    widget = turn.state.widget
    wizard = bool(widget.get("wizard")) if wizard is None else wizard
    row_id = row["id"] if row else widget.get("row")
    turn.set_widget(stage=stage, row=row_id, wizard=wizard, expects_text=stage in TEXT_STAGES)
    turn.show()


def _after_field(turn: Turn, row: JsonObject, field: Field, saved: bool = True) -> None:
    """Move on: the next field when adding a row, back to the row page when editing.

    One confirmation says one thing: "Saved" for a field, "Skipped" for a skipped one, and
    at the end of a new row only that the row is in the plan.
    """
    wizard = bool(turn.state.widget.get("wizard"))
    last = wizard and FIELDS.index(field) + 1 >= len(FIELDS)
    if saved and not last:
        turn.note(turn.t("saved"))
    if not wizard:
        _go(turn, "row", row)
    elif not last:
        _go(turn, FIELDS[FIELDS.index(field) + 1], row)
    else:
        turn.note(turn.t("plan_row_saved"))
        _go(turn, "overview", None, wizard=False)


def _set(turn: Turn, row: JsonObject, field: str, value: JsonValue) -> None:
    row[field] = value
    row["edited"] = {
        "by": {"id": turn.event.user_id, "name": turn.event.user_name},
        "at": turn.event.at.isoformat(),
    }


def press(turn: Turn, node: Node, option: str) -> bool:
    """Handle the plan's own buttons; False for anything else."""
    stage = stage_of(turn.state.widget)
    row = find_row(turn, turn.state.widget.get("row"))
    if stage == "templates":
        return _press_templates(turn, node, option)
    if stage == "overview" or row is None:
        return _press_overview(turn, node, option)
    if stage == "row":
        return _press_row(turn, row, option)
    if stage == "delete":
        return _press_delete(turn, row, option)
    return _press_field(turn, row, stage, option)


def _press_overview(turn: Turn, node: Node, option: str) -> bool:
    picked = values.index(option, "e", len(turn.state.plan))
    if option in ("add", "tpl") and len(turn.state.plan) >= values.MAX_PLAN_ROWS:
        turn.refuse(values.Problem("plan_full", {"limit": values.MAX_PLAN_ROWS}))
    elif option == "add":
        _go(turn, "fokus", add_row(turn), wizard=True)
    elif option == "tpl" and node.templates:
        _go(turn, "templates", None, wizard=False)
    elif picked is not None:
        _go(turn, "row", turn.state.plan[picked], wizard=False)
    else:
        return False
    return True


def _press_templates(turn: Turn, node: Node, option: str) -> bool:
    picked = values.index(option, "t", len(node.templates))
    if option == "no":
        _go(turn, "overview", None, wizard=False)
    elif picked is not None and len(turn.state.plan) >= values.MAX_PLAN_ROWS:
        turn.refuse(values.Problem("plan_full", {"limit": values.MAX_PLAN_ROWS}))
    elif picked is not None:
        row = from_template(turn, node.templates[picked])
        turn.note(turn.t("plan_from_example"))
        _go(turn, "row", row, wizard=False)
    else:
        return False
    return True


def _press_row(turn: Turn, row: JsonObject, option: str) -> bool:
    field = field_of(option[2:]) if option.startswith("f:") else None
    if field is not None:
        _go(turn, field, row, wizard=False)
    elif option == "ok":
        _go(turn, "overview", None, wizard=False)
    elif option == "del":
        if permitted(turn, "delete_plan_row"):
            _go(turn, "delete", row, wizard=False)
    else:
        return False
    return True


def _press_delete(turn: Turn, row: JsonObject, option: str) -> bool:
    if option == "yes" and not permitted(turn, "delete_plan_row"):
        _go(turn, "row", row, wizard=False)
    elif option == "yes":
        turn.state.plan = [r for r in turn.state.plan if r["id"] != row["id"]]
        turn.note(turn.t("plan_row_deleted"))
        _go(turn, "overview", None, wizard=False)
    elif option == "no":
        _go(turn, "row", row, wizard=False)
    else:
        return False
    return True


def _press_field(turn: Turn, row: JsonObject, stage: Stage, option: str) -> bool:
    field = FIELD_OF.get(stage) or field_of(stage)
    if field is None:
        return False
    if stage == "fokus" and option.startswith("o:"):
        _set(turn, row, "fokus", option[2:])
        _after_field(turn, row, "fokus")
    elif stage == "fokus" and option == "own":
        _go(turn, "fokus_text", row)
    elif stage == "tid" and option in dates.QUICK:
        _set(
            turn,
            row,
            "tid",
            values.quick_when(option, turn.event.at, turn.library.tz, turn.content.words).to_json(),
        )
        _after_field(turn, row, "tid")
    elif stage == "tid" and option == "wx":
        _go(turn, "tid_text", row)
    elif option == "_skip":
        turn.note(turn.t("skipped"))
        _after_field(turn, row, field, saved=False)
    elif option == "no":
        _cancel(turn, row)
    else:
        return False
    return True


def _cancel(turn: Turn, row: JsonObject) -> None:
    """Leave the field. "Fortryd" while a new row is being filled in drops that row, however
    far it got (nothing half-filled is left behind); on an existing row it keeps the row."""
    wizard = bool(turn.state.widget.get("wizard"))
    empty = not any(row.get(f) for f in FIELDS)
    if wizard or empty:
        turn.state.plan = [r for r in turn.state.plan if r["id"] != row["id"]]
        _go(turn, "overview", None, wizard=False)
        return
    _go(turn, "row", row, wizard=False)


def text(turn: Turn, node: Node, typed: str) -> bool:
    """Take a typed field value: a goal, sub-goals or actions (one per line), a time, roles."""
    stage = stage_of(turn.state.widget)
    row = find_row(turn, turn.state.widget.get("row"))
    field = FIELD_OF.get(stage) or field_of(stage)
    if row is None or stage not in TEXT_STAGES or field is None:
        return False
    if not typed.strip():
        turn.note(turn.t("empty_answer"))
        turn.show()
        return True
    value = _read_field(turn, field, typed)
    if isinstance(value, values.Problem):
        turn.refuse(value)
        return True
    _set(turn, row, field, value)
    _after_field(turn, row, field)
    return True


def _read_field(turn: Turn, field: Field, typed: str) -> JsonValue | values.Problem:
    """Read a typed field into its bounded value, or the Problem that refuses it."""
    if field in LIST_FIELDS:
        items = values.text_list(typed)
        return items if isinstance(items, values.Problem) else json_list(items)
    if field == "tid":
        when = values.typed_when(typed, turn.event.at, turn.library.tz, turn.content.words)
        return when if isinstance(when, values.Problem) else when.to_json()
    if field in ("fokus", "roller"):
        short = values.short_text(typed)
        return f"own:{short}" if field == "fokus" and isinstance(short, str) else short
    return typed.strip()


PLAN = Kind(render, press, text)

_UI = (
    *("plan_rows", "plan_empty", "btn_add_row", "btn_from_example", "plan_confirm_delete"),
    *("plan_pick_field", "btn_row_done", "btn_delete_row", "plan_pick_example"),
    *("btn_own_focus", "ask_fokus_text", "ask_tid_text", "btn_yes_delete", "btn_pick_time"),
    *(f"{p}{f}" for f in FIELDS for p in ("plan_", "ask_")),
    *("plan_row_saved", "plan_from_example", "plan_row_deleted", "plan_full", "field_now"),
)
DECLARES = (NodeKind("plan", PLAN, _UI, needs_next=True, summary=summary_section),)
