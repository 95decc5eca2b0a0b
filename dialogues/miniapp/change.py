"""One change to a plan from the Mini App, read into a bounded value before it touches state.

The page posts `{"chat", "request_id", "op", "item", "fields"}` (docs/WEBAPP.md). `parse`
reads it into a `Change` or says why not (`Refusal`: `bad_request`, or `bad_value` with the
field); nothing is trusted. The bounds are the chat's (dialogues/values.py) where the chat
has one: a name or a focus of one's own at most MAX_SHORT characters, at most
MAX_LIST_ITEMS sub-goals or actions, a date within the window of `values.window`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from dialogues import values
from dialogues.state import JsonValue

OPS = ("add", "edit", "delete")
STATUSES = {"not_started": "", "in_progress": "progress", "done": "done", "stuck": "stuck"}
PRECISIONS = ("day", "week")
ROW_FIELDS = ("goal", "subgoals", "actions", "who", "due", "status", "focus")
STEP_FIELDS = ("who", "due", "status")  # a catalogue step planned in a checklist
MAX_GOAL = 500  # characters of a goal, and of one sub-goal or action
_REQUEST = re.compile(r"[A-Za-z0-9_-]{16,64}")
_ITEM = re.compile(r"plan-r[0-9]{1,9}|[a-z0-9_]{1,40}-[a-z0-9_]{1,40}")
_CHAT = re.compile(r"-?[1-9][0-9]{0,15}")
_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

Value = str | tuple[str, ...] | dict[str, str] | None


@dataclass(frozen=True)
class Refusal:
    """Why a change was refused: `bad_request` (its shape) or `bad_value` (`field`)."""

    code: str
    field: str = ""


@dataclass(frozen=True)
class Change:
    """One parsed change: every value is within its bounds and of its domain type.

    `fields` holds (name, value): strings stripped, lists as tuples, `due` as the stored
    deadline record `{"date", "precision"}` (a week's deadline is its Friday) or None,
    `status` as the stored progress ('', 'progress', 'done', 'stuck').
    """

    chat: int
    request_id: str
    op: str
    item: str
    fields: tuple[tuple[str, Value], ...]

    def get(self, name: str) -> Value:
        """Return a field's value (None when the change does not set it)."""
        return dict(self.fields).get(name)

    def has(self, name: str) -> bool:
        """Tell whether the change sets this field."""
        return any(key == name for key, _ in self.fields)

    def to_data(self) -> str:
        """Return the change as the JSON the engine's event carries (parsed again there)."""
        out: dict[str, object] = {}
        for name, value in self.fields:
            if name == "due" and isinstance(value, dict):
                out["due"], out["precision"] = value["date"], value["precision"]
            elif name == "status":
                out[name] = next(k for k, v in STATUSES.items() if v == value)
            else:
                out[name] = list(value) if isinstance(value, tuple) else value
        body: dict[str, object] = {"chat": str(self.chat), "request_id": self.request_id}
        body.update(op=self.op, item=self.item, fields=out)
        return json.dumps(body, ensure_ascii=False)


def parse(body: JsonValue, at: datetime, tz: tzinfo) -> Change | Refusal:
    """Read a posted change; dates are checked against the window seen from `at`."""
    if not isinstance(body, dict):
        return Refusal("bad_request")
    chat, request_id, op = body.get("chat"), body.get("request_id"), body.get("op")
    if isinstance(chat, int) and not isinstance(chat, bool):
        chat = str(chat)
    if not isinstance(chat, str) or not _CHAT.fullmatch(chat):
        return Refusal("bad_value", "chat")
    if not isinstance(request_id, str) or not _REQUEST.fullmatch(request_id):
        return Refusal("bad_value", "request_id")
    if not isinstance(op, str) or op not in OPS:
        return Refusal("bad_value", "op")
    item = body.get("item", "") if op != "add" else ""
    if not isinstance(item, str) or (op != "add" and not _ITEM.fullmatch(item)):
        return Refusal("bad_value", "item")
    fields = _fields(body.get("fields", {}), op, item, at, tz)
    if isinstance(fields, Refusal):
        return fields
    return Change(int(chat), request_id, op, item, fields)


def _fields(
    raw: JsonValue, op: str, item: str, at: datetime, tz: tzinfo
) -> tuple[tuple[str, Value], ...] | Refusal:
    if op == "delete":
        return ()
    if not isinstance(raw, dict):
        return Refusal("bad_value", "fields")
    allowed = ROW_FIELDS if op == "add" or item.startswith("plan-") else STEP_FIELDS
    found: list[tuple[str, Value]] = []
    for name, value in raw.items():
        if name == "precision":
            continue  # read with `due`
        if name not in allowed:
            return Refusal("bad_value", name[:40])
        parsed = _value(name, value, raw.get("precision"), at, tz)
        if isinstance(parsed, Refusal):
            return parsed
        found.append((name, parsed))
    goal = dict(found).get("goal")
    if (op == "add" and not goal) or (op == "edit" and goal == ""):
        return Refusal("bad_value", "goal")  # a row has a goal (an empty one is no edit)
    if op == "edit" and not found:
        return Refusal("bad_value", "fields")
    return tuple(sorted(found))


def _value(
    name: str, value: object, precision: object, at: datetime, tz: tzinfo
) -> Value | Refusal:
    if name == "status":
        return (
            STATUSES[value]
            if isinstance(value, str) and value in STATUSES
            else Refusal("bad_value", name)
        )
    if name == "due":
        return _due(value, precision, at, tz)
    if name in ("subgoals", "actions"):
        return _lines(name, value)
    limit = MAX_GOAL if name == "goal" else values.MAX_SHORT
    return _text(name, value, limit)


def _text(name: str, value: object, limit: int) -> str | Refusal:
    if not isinstance(value, str) or len(value) > limit * 2 or _CONTROL.search(value):
        return Refusal("bad_value", name)
    clean = value.strip()
    return clean if len(clean) <= limit and "\n" not in clean else Refusal("bad_value", name)


def _lines(name: str, value: object) -> tuple[str, ...] | Refusal:
    if not isinstance(value, list) or len(value) > values.MAX_LIST_ITEMS:
        return Refusal("bad_value", name)
    items = [_text(name, line, MAX_GOAL) for line in value]
    if any(isinstance(line, Refusal) for line in items):
        return Refusal("bad_value", name)
    return tuple(str(line) for line in items if line)


def _due(
    value: object, precision: object, at: datetime, tz: tzinfo
) -> dict[str, str] | Refusal | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _ISO.fullmatch(value):
        return Refusal("bad_value", "due")
    if precision not in PRECISIONS:
        return Refusal("bad_value", "precision")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return Refusal("bad_value", "due")
    if precision == "week":  # a week's deadline is its Friday, as in the chat ("uge 12")
        day = day + timedelta(days=4 - day.weekday())
    first, last = values.window(at, tz)
    if not first <= day <= last:
        return Refusal("bad_value", "due")
    return {"date": day.isoformat(), "precision": str(precision)}
