"""An in-memory store for tests that still round-trips every document through JSON."""

from __future__ import annotations

from collections.abc import Iterator

from storage.base import Document, decode, encode


class MemoryStore:
    """Keeps JSON strings in a dict, so anything that would not survive JSON fails here too."""

    def __init__(self) -> None:
        self._data: dict[str, str] = {}

    def get(self, key: str) -> Document | None:
        """Return the document stored under `key`, or None."""
        raw = self._data.get(key)
        return None if raw is None else decode(raw)

    def put(self, key: str, value: Document) -> None:
        """Store a JSON copy of `value`."""
        self._data[key] = encode(value)

    def delete(self, key: str) -> None:
        """Forget `key`."""
        self._data.pop(key, None)

    def erase(self, key: str) -> None:
        """Forget `key` (memory holds no other copy)."""
        self.delete(key)

    def keys(self) -> Iterator[str]:
        """Iterate over a snapshot of the keys."""
        return iter(list(self._data))

    def close(self) -> None:
        """Nothing to release."""
