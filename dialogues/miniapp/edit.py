"""A change from the Mini App, applied by the engine like a press in the chat.

The adapter parses the posted change (dialogues/miniapp/change.py) and hands it over as an
event of kind "app" whose data is the parsed change; here it is parsed again (nothing in an
event is trusted), checked against the chat's state and the admin rules, and applied to a
plan row or a planned catalogue step. Every refusal leaves the state as it was.

The turn answers with one `Reply` whose `outcome` tells the adapter what happened (`ok`,
`created`, `replayed`, `not_admin`, `bad_value:<field>`; it is never sent) and, in a group,
one short line for the group ("Peter flyttede fristen for … til uge 12").
"""

from __future__ import annotations

import json

from dialogues import dates
from dialogues.documents.build import plan_node
from dialogues.events import Reply
from dialogues.kinds.plan import add_row, find_row
from dialogues.markup import escape
from dialogues.miniapp.change import Change, Refusal, Value, parse
from dialogues.parts import shorten
from dialogues.records.chat import record_key
from dialogues.records.plan import focus_label
from dialogues.rules import permitted
from dialogues.state import JsonObject, JsonValue, json_list, json_object, text_at
from dialogues.turn import Turn
from dialogues.values import MAX_PLAN_ROWS

REQUESTS_KEY = "app_requests"  # the ids of the last changes applied, so a retry is refused
REQUESTS_LIMIT = 100
ROW_NAMES = {
    "goal": "maal",
    "subgoals": "delmaal",
    "actions": "handlinger",
    "who": "roller",
    "due": "tid",
    "status": "progress",
    "focus": "fokus",
}
STEP_NAMES = {"who": "who", "due": "when", "status": "progress"}


def on_change(turn: Turn) -> None:
    """Apply the change the event carries, or refuse it; say the outcome."""
    change = parse(_loads(turn.event.data), turn.event.at, turn.library.tz)
    if isinstance(change, Refusal):
        _outcome(turn, change.code, change.field)
        return
    stored: JsonValue = turn.state.settings.get(REQUESTS_KEY)
    done = [d for d in stored if isinstance(d, str)] if isinstance(stored, list) else []
    if change.request_id in done:
        _outcome(turn, "replayed")
        return
    before = len(turn.replies)
    code = APPLY[change.op](turn, change)
    if code in ("ok", "created"):
        turn.state.settings[REQUESTS_KEY] = json_list([*done, change.request_id][-REQUESTS_LIMIT:])
        turn.state.turn += 1  # buttons on older messages name rows by number: now stale
    else:
        del turn.replies[before:]
    _outcome(turn, code)


def _loads(data: str) -> JsonValue:
    """Read the event's JSON (None when it is none)."""
    try:
        found: JsonValue = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return found


def _outcome(turn: Turn, code: str, field: str = "") -> None:
    turn.replies.append(Reply(text="", outcome=f"{code}:{field}" if field else code))


def find_step(turn: Turn, uid: str) -> tuple[str, JsonObject, str] | None:
    """Return (state key, record, step text) of a planned or done catalogue step by its id."""
    for flow in turn.content.flows.values():
        for node in flow.nodes.values():
            if node.kind != "checklist":
                continue
            for item in node.items:
                if f"{flow.id}-{item.id}" != uid:
                    continue
                key = record_key(flow.id, node.id, item.id)
                record = turn.state.checklists.get(key)
                if isinstance(record, dict) and record.get("status") in ("planned", "done"):
                    return key, record, item.text
    return None


def _row(turn: Turn, item: str) -> JsonObject | None:
    return find_row(turn, item.removeprefix("plan-")) if item.startswith("plan-") else None


def _title(turn: Turn, row: JsonObject) -> str:
    found = plan_node(turn.content)
    title = row.get("maal") or focus_label(found[1] if found else None, text_at(row, "fokus"))
    return shorten(str(title or "…"), 60)


def _who(turn: Turn) -> JsonObject:
    return {"id": turn.event.user_id, "name": turn.event.user_name}


def _add(turn: Turn, change: Change) -> str:
    if len(turn.state.plan) >= MAX_PLAN_ROWS:
        return "bad_value:items"
    row = add_row(turn)
    _set_row(turn, row, change)
    _notice(turn, "app_added", _title(turn, row))
    return "created"


def _edit(turn: Turn, change: Change) -> str:
    row = _row(turn, change.item)
    if row is not None:
        _set_row(turn, row, change)
        title = _title(turn, row)
        row["edited"] = {"by": _who(turn), "at": turn.event.at.isoformat()}
    else:
        step = find_step(turn, change.item)
        if step is None:
            return "bad_value:item"
        _, record, text = step
        _set_step(turn, record, change)
        title = shorten(text, 60)
    _notice_edit(turn, change, title)
    return "ok"


def _delete(turn: Turn, change: Change) -> str:
    row = _row(turn, change.item)
    step = None if row is not None else find_step(turn, change.item)
    if row is None and step is None:
        return "bad_value:item"
    if not permitted(turn.event, "delete_plan_row"):
        return "not_admin"
    if row is not None:
        title = _title(turn, row)
        turn.state.plan = [r for r in turn.state.plan if r is not row]
    elif step is not None:
        title = shorten(step[2], 60)
        del turn.state.checklists[step[0]]
    _notice(turn, "app_deleted", title)
    return "ok"


def _stored(value: Value) -> JsonValue:
    """Return a change's value as it is stored (lists for tuples)."""
    if isinstance(value, tuple):
        return json_list(value)
    if isinstance(value, dict):
        return json_object(value)
    return value


def _set_row(turn: Turn, row: JsonObject, change: Change) -> None:
    for name, value in change.fields:
        if name == "focus":
            row["fokus"] = _focus(turn, str(value or ""))
        elif name in ("subgoals", "actions") and isinstance(value, tuple):
            row[ROW_NAMES[name]] = list(value)
        else:
            row[ROW_NAMES[name]] = _stored(value) if name == "due" else _stored(value or "")
    if change.has("status"):
        row["progress_by"], row["progress_at"] = _who(turn), turn.event.at.isoformat()


def _set_step(turn: Turn, record: JsonObject, change: Change) -> None:
    for name, value in change.fields:
        record[STEP_NAMES[name]] = _stored(value if name != "who" else (value or None))
    if change.has("status"):
        record["status"] = "done" if change.get("status") == "done" else "planned"
        record["progress_by"], record["progress_at"] = _who(turn), turn.event.at.isoformat()
    record["by"], record["at"] = _who(turn), turn.event.at.isoformat()


def _focus(turn: Turn, value: str) -> str:
    """A focus option's id stays an id; anything else is the board's own focus."""
    found = plan_node(turn.content)
    ids = {o.id for o in found[1].focus_options} if found else set()
    return value if value in ids or not value else f"own:{value}"


def _notice_edit(turn: Turn, change: Change, title: str) -> None:
    due = change.get("due")
    status = change.get("status") if change.has("status") else None
    if isinstance(due, dict):
        when = dates.when_label(due, turn.content.words)
        _notice(turn, "app_moved", title, when=escape(when))
    elif isinstance(status, str) and len(change.fields) == 1:
        label = turn.t(f"status_{status}" if status else "status_not_started")
        _notice(turn, "app_status", title, status=escape(label))
    else:
        _notice(turn, "app_changed", title)


def _notice(turn: Turn, key: str, title: str, **more: str) -> None:
    """In a group, tell the board in one line who changed what (in the group's language)."""
    if turn.event.in_group:
        name = escape(turn.event.user_name or "?")
        turn.replies.append(Reply(turn.t(key, name=name, item=escape(title), **more)))


APPLY = {"add": _add, "edit": _edit, "delete": _delete}
