"""The per-chat state: plain JSON-able values with a schema version and appended migrations."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

from dialogues.jsonread import (
    FieldReader,
    is_count,
    is_flag,
    is_object,
    is_seen,
    is_text,
    is_text_pair,
)

# What json.loads returns, and what the migrations walk: they see stored data as it is.
JsonValue: TypeAlias = "bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None"
JsonObject: TypeAlias = "dict[str, JsonValue]"
HISTORY_LIMIT = 50
SEEN_LIMIT = 200  # recent update ids kept per chat to recognise a redelivery
POSTS_LIMIT = 100  # bot messages per group chat whose meaning is remembered


def json_list(items: Iterable[JsonValue]) -> list[JsonValue]:
    """Return items as a stored list (a list[str] is not a list[JsonValue] to mypy: lists
    can be changed, so their item type cannot widen)."""
    return list(items)


def json_object(items: Mapping[str, JsonValue]) -> JsonObject:
    """Return a mapping as a stored object (dict[str, str] is not a JsonObject to mypy)."""
    return dict(items)


def text_at(data: JsonObject, key: str) -> str:
    """Return a stored text ('' when it is absent or not a text)."""
    value = data.get(key)
    return value if isinstance(value, str) else ""


def by_of(data: JsonObject) -> JsonObject:
    """Return who wrote a stored record ({} when nobody or not a person)."""
    value = data.get("by")
    return value if isinstance(value, dict) else {}


class DamagedState(ValueError):
    """A stored state whose fields are not of their types: it is kept as stored, not served.

    `fields` names the damaged fields (never their values), so the error can be logged.
    """

    def __init__(self, fields: list[str]) -> None:
        super().__init__(f"stored fields of the wrong type: {', '.join(fields)}")
        self.fields = tuple(fields)


def _mapping(data: JsonObject, name: str) -> JsonObject:
    """Return a stored mapping, {} for an absent or empty one; DamagedState for the rest."""
    value = data.get(name)
    if not value:
        return {}
    if isinstance(value, dict):
        return value
    raise DamagedState([name])


def _sequence(data: JsonObject, name: str) -> list[JsonValue]:
    """Return a stored list's items, none for anything else: it is no list of records to
    migrate (reading the migrated state then finds it damaged)."""
    value = data.get(name)
    return value if isinstance(value, list) else []


def _version(data: JsonObject) -> int:
    """Return the stored schema version (0 when none is stored)."""
    value = data.get("schema_version", 0)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise DamagedState(["schema_version"])


def _v0_to_v1(data: JsonObject) -> JsonObject:
    """Version 0 stored answers as bare strings; version 1 stores who and when as well."""
    answers = _mapping(data, "answers")
    data["answers"] = {
        key: value if isinstance(value, dict) else {"text": str(value), "by": None, "at": None}
        for key, value in answers.items()
    }
    return data


def _v1_to_v2(data: JsonObject) -> JsonObject:
    """Version 1 kept only the highest update id; version 2 keeps a window of recent ones.

    Telegram's update ids are not always growing (after a quiet week the next id is chosen
    at random), so "not above the highest" wrongly dropped returning users' messages.
    """
    last = data.pop("last_update", 0)
    at = data.get("updated_at") or ""
    data["seen_updates"] = [[int(last), at]] if isinstance(last, int) and last > 0 else []
    return data


def _deadline(value: JsonValue) -> JsonValue:
    """{'label': 'uge 6 (2027)', 'date': ...} -> {'date': ..., 'precision': 'week'}."""
    if not isinstance(value, dict):
        return value
    label = value.get("label")
    if not isinstance(label, str) or not isinstance(value.get("date"), str):
        return value  # not a deadline of ours: left as stored, for readers to skip
    week = label.split(" ", 1)[0].lower() in ("uge", "week")
    return {"date": value.get("date"), "precision": "week" if week else "day"}


def _v2_to_v3(data: JsonObject) -> JsonObject:
    """Version 2 stored deadlines as labels in the language they were typed in ("uge 6
    (2027)"), so readers of the other language saw them untranslated; version 3 stores the
    date and whether a week or a day was meant, and renders the words per reader."""
    for row in _sequence(data, "plan"):
        if isinstance(row, dict) and "tid" in row:
            row["tid"] = _deadline(row["tid"])
    for record in _mapping(data, "checklists").values():
        if isinstance(record, dict) and "when" in record:
            record["when"] = _deadline(record["when"])
    settings = data.get("settings")
    followup = settings.get("followup") if isinstance(settings, dict) else None
    if isinstance(followup, dict) and "next_meeting" in followup:
        followup["next_meeting"] = _deadline(followup["next_meeting"])
    return data


MIGRATIONS: list[Callable[[JsonObject], JsonObject]] = [_v0_to_v1, _v1_to_v2, _v2_to_v3]
"""MIGRATIONS[i] turns a version-i state into version i+1. Append; never edit or reorder."""
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass
class ChatState:
    """Everything stored for one chat. Only JSON types, so it round-trips through json."""

    lang: str | None = None
    flow: str | None = None
    node: str | None = None
    turn: int = 0
    started: bool = False
    history: list[list[str]] = field(default_factory=list)  # [flow, node] pairs
    answers: dict[str, JsonObject] = field(default_factory=dict)
    widget: JsonObject = field(default_factory=dict)
    checklists: dict[str, JsonObject] = field(default_factory=dict)
    plan: list[JsonObject] = field(default_factory=list)
    settings: JsonObject = field(default_factory=dict)
    updated_at: str | None = None
    # [update id, ISO time] of the chat's recent updates: one seen again is a redelivery
    seen_updates: list[list[int | str]] = field(default_factory=list)
    # In groups: the bot's message id -> what it shows ("q:flow/node" for a question), so a
    # reply lands under the question it answers and gathered answers edit that message
    posts: dict[str, str] = field(default_factory=dict)
    # per flow: started, last node, finished
    visits: dict[str, JsonObject] = field(default_factory=dict)

    def copy(self) -> ChatState:
        """Return a deep copy, so the engine never changes the caller's state.

        Through JSON: about three times faster than copy.deepcopy for this data, and it
        proves on every turn that the state holds nothing JSON cannot store.
        """
        return ChatState.from_dict(_decoded(json.dumps(self.to_dict())))

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form, with its schema version (shallow: encode it, don't keep it)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "lang": self.lang,
            "flow": self.flow,
            "node": self.node,
            "turn": self.turn,
            "started": self.started,
            "history": self.history,
            "answers": self.answers,
            "widget": self.widget,
            "checklists": self.checklists,
            "plan": self.plan,
            "settings": self.settings,
            "updated_at": self.updated_at,
            "seen_updates": self.seen_updates,
            "posts": self.posts,
            "visits": self.visits,
        }

    @classmethod
    def from_dict(cls, data: JsonObject | None) -> ChatState:
        """Build a state from freshly decoded JSON (it is used, not copied), migrating first.

        Every field is read as its type; a field of another type, or holding an entry of the
        wrong shape, raises DamagedState naming the fields, so nothing stored is dropped.
        """
        if not data:
            return cls()
        if _version(data) != SCHEMA_VERSION:
            data = migrate(copy.deepcopy(data))
        state, damaged = _read(data)
        if damaged:
            raise DamagedState(damaged)
        return state

    @classmethod
    def readable(cls, data: JsonObject) -> ChatState:
        """Return what can be read of migrated data: a field of the wrong type is left at its
        default, an entry of the wrong shape is left out (the safe path's repair)."""
        return _read(data)[0]

    @property
    def node_key(self) -> str:
        """Return 'flow/node' for the current position ('' when nowhere)."""
        return f"{self.flow}/{self.node}" if self.flow and self.node else ""


FIELDS: tuple[str, ...] = tuple(name for name in ChatState().to_dict() if name != "schema_version")
"""The names of ChatState's fields, in their order."""


def _decoded(text: str) -> JsonObject:
    """Decode JSON that must be an object."""
    value: object = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("a state must be a JSON object")
    decoded: JsonObject = value
    return decoded


def _read(data: JsonObject) -> tuple[ChatState, list[str]]:
    """Read every field as its declared type; return the state and the damaged fields."""
    fields = FieldReader(data)
    one, items, entries = fields.one, fields.items, fields.entries
    nothing: str | None = None
    state = ChatState(
        lang=one("lang", is_text, nothing),
        flow=one("flow", is_text, nothing),
        node=one("node", is_text, nothing),
        turn=one("turn", is_count, 0),
        started=one("started", is_flag, False),
        history=items("history", is_text_pair),  # [flow, node]
        answers=entries("answers", is_object),
        widget=one("widget", is_object, {}),
        checklists=entries("checklists", is_object),
        plan=items("plan", is_object),
        settings=one("settings", is_object, {}),
        updated_at=one("updated_at", is_text, nothing),
        seen_updates=items("seen_updates", is_seen),
        posts=entries("posts", is_text),
        visits=entries("visits", is_object),
    )
    return state, fields.damaged


def migrate(data: JsonObject) -> JsonObject:
    """Run the migrations from the stored version up to SCHEMA_VERSION."""
    version = _version(data)
    if version > SCHEMA_VERSION:
        raise ValueError(f"stored state has schema {version}, newer than {SCHEMA_VERSION}")
    for migration in MIGRATIONS[version:]:
        data = migration(data)
    data["schema_version"] = SCHEMA_VERSION
    return data
