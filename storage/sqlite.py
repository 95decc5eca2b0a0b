"""The sqlitedict store: one SQLite file, JSON values, WAL journal, synchronous=FULL.

sqlitedict runs every statement on its own worker thread and its calls block the caller,
so the bot calls this store through asyncio.to_thread, never on the event loop.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from sqlitedict import SqliteDict

from storage.base import Document, decode, encode

DB_NAME = "inklusionsguiden.sqlite"


def _create_private(path: Path) -> None:
    """Create the directory (0700) and the database file (0600) before SQLite does."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


class SqliteStore:
    """A durable Store over one table of a SQLite file."""

    def __init__(self, path: Path | str, table: str = "chats") -> None:
        self.path = Path(path)
        _create_private(self.path)
        self._db = SqliteDict(
            str(self.path),
            tablename=table,
            autocommit=True,
            journal_mode="WAL",
            encode=encode,
            decode=decode,
        )
        # sqlitedict sets synchronous=OFF, which can lose or corrupt data on an OS crash.
        self._db.conn.execute("PRAGMA synchronous=FULL")
        self._db.conn.execute("PRAGMA secure_delete=ON")

    def pragma(self, name: str) -> object:
        """Return the value of a PRAGMA on the store's own connection."""
        row = self._db.conn.select_one(f"PRAGMA {name}")
        return None if row is None else row[0]

    def get(self, key: str) -> Document | None:
        """Return the document stored under `key`, or None."""
        try:
            value: Document = self._db[key]
        except KeyError:
            return None
        return value

    def put(self, key: str, value: Document) -> None:
        """Store `value`; returns after the commit (autocommit waits for it)."""
        self._db[key] = value

    def delete(self, key: str) -> None:
        """Remove `key`; with secure_delete the bytes are overwritten in the file."""
        with contextlib.suppress(KeyError):
            del self._db[key]

    def keys(self) -> Iterator[str]:
        """Iterate over the stored keys."""
        return iter(list(self._db.keys()))

    def close(self) -> None:
        """Commit and close the connection."""
        self._db.commit(blocking=True)
        self._db.close()
