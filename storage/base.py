"""The Store protocol: a durable mapping from string keys to JSON documents."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Protocol

Document = dict[str, Any]


class Store(Protocol):
    """Where chat states live. A `put` has returned only once the write is durable."""

    def get(self, key: str) -> Document | None:
        """Return the document stored under `key`, or None."""
        ...

    def put(self, key: str, value: Document) -> None:
        """Store `value` under `key`, committed before returning."""
        ...

    def delete(self, key: str) -> None:
        """Remove `key` for real (no soft delete); a missing key is fine."""
        ...

    def erase(self, key: str) -> None:
        """Remove `key` so that its bytes are gone from the storage medium too."""
        ...

    def keys(self) -> Iterator[str]:
        """Iterate over the stored keys."""
        ...

    def close(self) -> None:
        """Flush and release the store."""
        ...


def encode(value: Document) -> str:
    """Encode a document as compact JSON (never pickle)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def decode(raw: str | bytes) -> Document:
    """Decode a JSON document."""
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("a stored document must be a JSON object")
    return value
