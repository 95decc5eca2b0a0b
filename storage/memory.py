"""An in-memory store for tests that still round-trips every document through JSON."""

from __future__ import annotations

from collections.abc import Iterator

from storage.base import DamagedValue, Document, decode, encode


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

    def set_aside(self, key: str) -> bool:
        """Move an unreadable value to `damaged`; False when the value is readable or absent."""
        raw = self._data.get(key)
        if raw is None:
            return False
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
