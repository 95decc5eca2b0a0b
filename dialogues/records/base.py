"""The parts every record is made of: who and when, a deadline, and the reading helpers
that turn a stored value of the wrong shape into `Damaged`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal, TypeAlias, TypeVar

from dialogues import dates, values
from dialogues.jsonread import member

if TYPE_CHECKING:  # JSON types and the state: for annotations only
    from dialogues.state import JsonObject, JsonValue

Status: TypeAlias = Literal["done", "planned", "na"]
Precision: TypeAlias = Literal["day", "week"]
Cadence: TypeAlias = Literal["month", "quarter", "halfyear", "none"]
Progress: TypeAlias = Literal["", "progress", "done", "stuck"]  # "": not started
Origin: TypeAlias = Literal["tool", "step"]  # a row of the plan builder, a catalogue step
STATUSES: tuple[Status, ...] = ("done", "planned", "na")
PRECISIONS: tuple[Precision, ...] = ("day", "week")
CADENCES: tuple[Cadence, ...] = ("month", "quarter", "halfyear", "none")
PROGRESSES: tuple[Progress, ...] = ("", "progress", "done", "stuck")
_L = TypeVar("_L", bound=str)


class Bad(ValueError):
    """A stored value of the wrong shape (caught where a record is read)."""


@dataclass(frozen=True)
class Damaged:
    """A stored value that is not what it should be: kept as stored, skipped by readers."""

    what: str  # the record it was meant to be: "answer", "plan item", ...
    reason: str  # which part is wrong (never the value itself)
    raw: JsonValue

    def to_json(self) -> JsonValue:
        """Return the value exactly as it was stored."""
        return self.raw


def obj(value: JsonValue, what: str) -> JsonObject:
    if not isinstance(value, dict):
        raise Bad(f"{what} is not a mapping")
    return value


def string(data: JsonObject, key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise Bad(f"{key} is not a text")
    return value


def opt_text(data: JsonObject, key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise Bad(f"{key} is not a text")
    return value


def texts(data: JsonObject, key: str) -> tuple[str, ...]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Bad(f"{key} is not a list of texts")
    return tuple(v for v in value if isinstance(v, str))


def literal(data: JsonObject, key: str, allowed: tuple[_L, ...], default: _L) -> _L:
    found = member(data.get(key, default), allowed)
    if found is not None:
        return found
    raise Bad(f"{key} is not one of {', '.join(allowed)}")


def rest(data: JsonObject, known: tuple[str, ...]) -> tuple[tuple[str, ...], JsonObject]:
    """Return the stored keys in order, and the ones no field reads (kept as stored)."""
    return tuple(data), {k: v for k, v in data.items() if k not in known}


def emit(
    keys: tuple[str, ...], extra: JsonObject, fields: JsonObject, defaults: JsonObject
) -> JsonObject:
    """Write a record: stored keys in their order (unknown ones as stored), then any field
    that was not stored and holds more than its default."""
    out: JsonObject = {k: fields[k] if k in fields else extra.get(k) for k in keys}
    out |= {k: v for k, v in fields.items() if k not in out and v != defaults.get(k)}
    return out


@dataclass(frozen=True)
class Person:
    """Who did something: the Telegram user id and the name shown then."""

    id: int
    name: str

    @classmethod
    def from_json(cls, value: JsonValue) -> Person | None:
        """Read {'id': 7, 'name': 'Anna'}; None for a stored null."""
        if value is None:
            return None
        data = obj(value, "by")
        user, name = data.get("id"), data.get("name")
        if set(data) != {"id", "name"} or not isinstance(user, int) or isinstance(user, bool):
            raise Bad("by is not a person")
        if not isinstance(name, str):
            raise Bad("by has no name")
        return cls(user, name)

    def to_json(self) -> JsonObject:
        """Return {'id': ..., 'name': ...}."""
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class Author:
    """Who wrote or changed something, and when (the ISO time as stored)."""

    by: Person | None = None
    at: str | None = None

    @property
    def name(self) -> str:
        """Return the author's name ('' when unknown)."""
        return self.by.name if self.by else ""

    @property
    def moment(self) -> datetime | None:
        """Return the time as a moment reminders can work with; None for junk."""
        return values.stored_moment(self.at)

    @classmethod
    def read(cls, data: JsonObject, by: str = "by", at: str = "at") -> Author:
        """Read the author kept in two keys of a record."""
        return cls(Person.from_json(data.get(by)), opt_text(data, at))

    def fields(self, by: str = "by", at: str = "at") -> JsonObject:
        """Return the two keys this author is kept in."""
        return {by: self.by.to_json() if self.by else None, at: self.at}

    @classmethod
    def from_json(cls, value: JsonValue) -> Author | None:
        """Read {'by': ..., 'at': ...} (a change's author); None for none."""
        if value is None:
            return None
        data = obj(value, "edited")
        if set(data) != {"by", "at"}:
            raise Bad("edited is not an author")
        return cls.read(data)

    def to_json(self) -> JsonObject:
        """Return {'by': ..., 'at': ...}."""
        return self.fields()


NOBODY = Author()  # an author not stored (yet)
PROGRESS_DEFAULTS: JsonObject = {"progress": "", "progress_by": None, "progress_at": None}


@dataclass(frozen=True)
class Deadline:
    """A deadline or meeting: a day, and whether the week or the day was meant."""

    day: date
    precision: Precision
    # An older form read as stored ({'label': 'uge 6 (2027)', 'date': ...}, or a date with
    # a time): written back unchanged until the deadline is changed
    stored: JsonObject | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_json(cls, value: JsonValue) -> Deadline | Damaged | None:
        """Read {'date': 'YYYY-MM-DD', 'precision': 'week' | 'day'}; None for none. Like
        dates.when_label, a deadline stored with the label it was typed with is read too."""
        if value is None:
            return None
        try:
            data = obj(value, "deadline")
            day = date.fromisoformat(string(data, "date")[:10])
        except ValueError as bad:  # Bad, or a date that does not exist
            return Damaged("deadline", str(bad) if isinstance(bad, Bad) else "no date", value)
        precision: Precision = "week" if dates.stored_precision(data) == "week" else "day"
        found = cls(day, precision)
        return found if found.to_json() == data else cls(day, precision, data)

    def to_json(self) -> JsonObject:
        """Return the stored form (an older one as it was stored)."""
        if self.stored is not None:
            return self.stored
        return {"date": self.day.isoformat(), "precision": self.precision}

    def label(self, words: dates.DateWords) -> str:
        """Return the deadline in a reader's language: 'uge 6 (2027)', '1 February 2027'."""
        return dates.label_for(self.precision, self.day, words)

    @property
    def due(self) -> date | None:
        """Return the day when reminders can work with it (None for a far one)."""
        return values.stored_day(self.day.isoformat())


Time: TypeAlias = Deadline | Damaged | None


def time_label(time: Time, words: dates.DateWords) -> str:
    """Return a stored time in a language's words; '' for none or a damaged one."""
    return time.label(words) if isinstance(time, Deadline) else ""


def time_due(time: Time) -> date | None:
    """Return a stored time's day for reminders and sorting; None for none or damaged."""
    return time.due if isinstance(time, Deadline) else None


def time_json(value: Time) -> JsonValue:
    return value.to_json() if isinstance(value, Deadline | Damaged) else None


def kept() -> JsonObject:
    return {}
