"""The in-memory backend for tests: the chat store (every document round-tripped through
JSON) and the reminder store, the two protocols a backend implements, in one module."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator

from storage.base import DamagedValue, Document, Store, decode, encode
from storage.nudges import NudgeRow, NudgeStore


class MemoryStore:
    """Keeps JSON strings in a dict, so anything that would not survive JSON fails here too."""

    def __init__(self) -> None:
        self._data: dict[str, str] = {}
        self.damaged: list[tuple[str, str]] = []  # (key, raw value) set aside

    def get(self, key: str) -> Document | None:
        """Return the document stored under `key`, or None; DamagedValue if it is not JSON."""
        raw = self._data.get(key)
        if raw is None:
            return None
        try:
            return decode(raw)
        except ValueError:
            raise DamagedValue(key, "not a JSON object") from None

    def plant(self, key: str, raw: str) -> None:
        """Store raw text as it is (for tests of damaged values)."""
        self._data[key] = raw

    def put(self, key: str, value: Document) -> None:
        """Store a JSON copy of `value`."""
        self._data[key] = encode(value)

    def set_aside(self, key: str, unsound: str = "") -> bool:
        """Move an unreadable (or `unsound`) value to `damaged`; False if readable or absent."""
        raw = self._data.get(key)
        if raw is None:
            return False
        if unsound:
            self.damaged.append((key, self._data.pop(key)))
            return True
        try:
            decode(raw)
            return False
        except ValueError:
            self.damaged.append((key, self._data.pop(key)))
            return True

    def damaged_count(self) -> int:
        """Return how many values were set aside."""
        return len(self.damaged)

    def delete(self, key: str) -> None:
        """Forget `key`."""
        self._data.pop(key, None)

    def erase(self, key: str) -> None:
        """Forget `key` and its values set aside (memory holds no other copy)."""
        self.delete(key)
        self.damaged = [d for d in self.damaged if d[0] != key]

    def keys(self) -> Iterator[str]:
        """Iterate over a snapshot of the keys."""
        return iter(list(self._data))

    def close(self) -> None:
        """Nothing to release."""


def _due(row: NudgeRow) -> str:
    return row.due


class MemoryNudgeStore:
    """The NudgeStore protocol over a dict, ordered as the tables order (due, then insertion).

    Thread-safe, as the bot calls its reminder store from worker threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, NudgeRow] = {}

    def sync(self, chat_id: int, wanted: list[NudgeRow], now: str) -> None:
        """Insert the wanted nudges (existing ids untouched); drop future ones not wanted."""
        ids = {n.id for n in wanted}
        with self._lock:
            for n in wanted:
                self._rows.setdefault(n.id, dataclasses.replace(n, state="pending"))
            self._rows = {
                k: n
                for k, n in self._rows.items()
                if not (n.chat_id == chat_id and n.state == "pending" and n.due > now) or k in ids
            }

    def _select(self, chat_id: int | None, until: str | None) -> list[NudgeRow]:
        with self._lock:
            rows = [
                n
                for n in self._rows.values()
                if n.state == "pending"
                and (chat_id is None or n.chat_id == chat_id)
                and (until is None or n.due <= until)
            ]
        return sorted(rows, key=_due)

    def due(self, now: str, limit: int = 500, kind: str | None = None) -> list[NudgeRow]:
        """Return pending nudges due at or before `now`, the oldest first (of `kind` only,
        when given)."""
        found = self._select(None, now)
        return [row for row in found if kind is None or row.kind == kind][:limit]

    def claim(self, nudge_id: str) -> bool:
        """Mark a pending nudge as sent; False when it was not pending."""
        with self._lock:
            found = self._rows.get(nudge_id)
            if found is None or found.state != "pending":
                return False
            self._rows[nudge_id] = dataclasses.replace(found, state="sent")
            return True

    def defer(self, nudge_id: str, due: str) -> None:
        """Put a claimed nudge back for later."""
        with self._lock:
            found = self._rows.get(nudge_id)
            if found is not None:
                self._rows[nudge_id] = dataclasses.replace(found, state="pending", due=due)

    def pending(self, chat_id: int) -> list[NudgeRow]:
        """Return a chat's pending nudges, the next first."""
        return self._select(chat_id, None)

    def delete_chat(self, chat_id: int) -> None:
        """Remove every nudge of a chat, sent or not."""
        with self._lock:
            self._rows = {k: n for k, n in self._rows.items() if n.chat_id != chat_id}

    def count(self, state: str = "pending") -> int:
        """Return how many nudges are in a state."""
        with self._lock:
            return sum(n.state == state for n in self._rows.values())

    def close(self) -> None:
        """Nothing to release."""


def _conforms(store: MemoryStore, nudges: MemoryNudgeStore) -> tuple[Store, NudgeStore]:
    """Never called: mypy proves here that this backend implements both protocols."""
    return store, nudges
