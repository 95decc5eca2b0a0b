"""The Store protocol: a durable mapping from string keys to JSON documents.

A storage backend implements `Store` and `storage.nudges.NudgeStore` (see storage/memory.py
for both in one module). A backend several processes write also implements `SharedStore`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any, Protocol, runtime_checkable

# A JSON object; its shape is the engine's (dialogues/state.py), so storage only passes it on.
Document = dict[str, Any]
KEYCHECK = "meta:keycheck"  # the key under which a store proves its data key


def key_proof() -> dict[str, bool]:
    """The value stored under KEYCHECK: a database whose key opens it was encrypted with it."""
    return {"encrypted": True}


class DamagedValue(Exception):
    """The value stored under a key cannot be decrypted or decoded: it is not served.

    `key` is the storage key (e.g. "chat:42"), `reason` a short fixed phrase (never the
    value). The value stays where it is until `Store.set_aside(key)` moves it aside.
    """

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"the value stored under {key} cannot be read: {reason}")
        self.key = key
        self.reason = reason


class Store(Protocol):
    """Where chat states live. A `put` has returned only once the write is durable."""

    def get(self, key: str) -> Document | None:
        """Return the document stored under `key`, or None; raise DamagedValue if unreadable."""
        ...

    def set_aside(self, key: str, unsound: str = "") -> bool:
        """Move an unreadable value out of the way, kept for the operator; False if readable.

        `unsound` (a short fixed phrase, never the value) sets aside a value that decodes but
        that the engine cannot use (a field of the wrong type); it is then the reason kept.
        After this, `get(key)` returns None, so the chat can start over. The raw value is
        kept apart (counted by `damaged_count`) until `erase(key)` removes it with the rest.
        """
        ...

    def damaged_count(self) -> int:
        """Return how many damaged values have been set aside."""
        ...

    def put(self, key: str, value: Document) -> None:
        """Store `value` under `key`, committed before returning."""
        ...

    def delete(self, key: str) -> None:
        """Remove `key` for real (no soft delete); a missing key is fine."""
        ...

    def erase(self, key: str) -> None:
        """Remove `key` (and its values set aside) so the bytes are gone from the medium too."""
        ...

    def keys(self) -> Iterator[str]:
        """Iterate over the stored keys."""
        ...

    def close(self) -> None:
        """Flush and release the store."""
        ...


@runtime_checkable
class SharedStore(Store, Protocol):
    """A Store that several processes write at once (PostgreSQL): what bot/service.py uses.

    `shared` tells that no process may cache what it last wrote; `session(*chat_ids)` is
    one transaction for the calling thread holding those chats' locks across processes, so
    a turn's load, save and reminders commit together. `size_bytes` is the database's size
    (the embedded store's is its files'). A store without these runs in one process.
    """

    shared: bool

    def session(self, *chat_ids: int) -> contextlib.AbstractContextManager[None]:
        """One transaction for this thread, holding the chats' locks until it commits."""
        ...

    def size_bytes(self) -> int:
        """Return the database's size on disk."""
        ...


def encode(value: Document) -> str:
    """Encode a document as compact JSON (never pickle)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def decode(raw: str | bytes) -> Document:
    """Decode a JSON document; raise ValueError for anything but a JSON object."""
    value: object = json.loads(raw)  # JSONDecodeError, UnicodeDecodeError: ValueErrors
    if not isinstance(value, dict):
        raise ValueError("a stored document must be a JSON object")
    return value
