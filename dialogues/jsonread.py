"""Typed readers of decoded JSON: each narrows a stored value to its declared type.

`FieldReader` reads the fields of one stored object; a field of another type, or a list or
mapping holding an entry of the wrong shape, is noted in `damaged` (by name, never by
value) and read as its default, so the caller decides whether that is an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeGuard, TypeVar

if TYPE_CHECKING:
    from dialogues.state import JsonObject, JsonValue

T = TypeVar("T")


class FieldReader:
    """Reads the fields of one stored object, noting the ones not of their type."""

    def __init__(self, data: JsonObject) -> None:
        self.data = data
        self.damaged: list[str] = []

    def one(self, name: str, fits: Callable[[JsonValue], TypeGuard[T]], default: T) -> T:
        """Return the field's value if it fits; else the default (noted unless absent)."""
        value = self.data.get(name)
        if value is not None and fits(value):
            return value
        if value is not None:
            self.damaged.append(name)
        return default

    def items(self, name: str, fits: Callable[[JsonValue], TypeGuard[T]]) -> list[T]:
        """Return a list's items that fit (the field is noted if any does not)."""
        stored: list[JsonValue] = self.one(name, is_list, [])
        found = [item for item in stored if fits(item)]
        if len(found) != len(stored):
            self.damaged.append(name)
        return found

    def entries(self, name: str, fits: Callable[[JsonValue], TypeGuard[T]]) -> dict[str, T]:
        """Return a mapping's entries that fit (the field is noted if any does not)."""
        stored: JsonObject = self.one(name, is_object, {})
        found = {key: value for key, value in stored.items() if fits(value)}
        if len(found) != len(stored):
            self.damaged.append(name)
        return found


def is_text(value: JsonValue) -> TypeGuard[str]:
    return isinstance(value, str)


def is_count(value: JsonValue) -> TypeGuard[int]:
    """A whole number (JSON's true and false are not counts, though Python's bool is an int)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_flag(value: JsonValue) -> TypeGuard[bool]:
    return isinstance(value, bool)


def is_list(value: JsonValue) -> TypeGuard[list[JsonValue]]:
    return isinstance(value, list)


def is_object(value: JsonValue) -> TypeGuard[JsonObject]:
    return isinstance(value, dict)


def is_text_pair(value: JsonValue) -> TypeGuard[list[str]]:
    return isinstance(value, list) and len(value) == 2 and all(is_text(v) for v in value)


def is_seen(value: JsonValue) -> TypeGuard[list[int | str]]:
    """[update id, ISO time]."""
    return isinstance(value, list) and len(value) == 2 and is_count(value[0]) and is_text(value[1])


def member(value: object, allowed: tuple[T, ...]) -> T | None:
    """Return the one of `allowed` equal to `value` (typed as it: a Literal stays a Literal),
    or None."""
    return next((choice for choice in allowed if choice == value), None)
