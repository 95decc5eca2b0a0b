"""The embedded database file: created private, its table of values set aside, probes
that read it without the store, and the part of sqlitedict the store uses, typed.

sqlitedict ships no type hints: `SqliteDictLike` states what SqliteStore relies on (rows
come back as sqlite3's tuples; values as they lie in the column, decoded by the store).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol

from storage.base import KEYCHECK, Document
from storage.crypto import DataKeyError
from storage.rows import Row, query

DB_NAME = "inklusionsguiden.sqlite"
DAMAGED_SCHEMA = """
CREATE TABLE IF NOT EXISTS damaged_values (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    set_aside_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    value BLOB
);
CREATE INDEX IF NOT EXISTS damaged_values_key ON damaged_values (key);
"""


class NotEncrypted(DataKeyError):
    """The database holds unencrypted values and no one asked to encrypt them."""


def create_private(path: Path) -> None:
    """Create the directory (0700) and the database file (0600) before SQLite does."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


class SqliteThread(Protocol):
    """What the store uses of sqlitedict's connection thread (its rows are sqlite3 tuples)."""

    def select(self, req: str, arg: tuple[object, ...] | None = None) -> Iterator[Row]:
        """Yield the rows of a query."""
        ...

    def select_one(self, req: str, arg: tuple[object, ...] | None = None) -> Row | None:
        """Return the first row of a query, or None."""
        ...

    def execute(self, req: str, arg: tuple[object, ...] | None = None) -> None:
        """Queue a statement."""
        ...


class SqliteDictLike(Protocol):
    """What the store uses of a SqliteDict (sqlitedict ships no type hints).

    Values go in as documents (encoded by the store) and come out as they lie in the
    column, for the store to check and decode.
    """

    conn: SqliteThread

    def __getitem__(self, key: str) -> object: ...
    def __setitem__(self, key: str, value: Document) -> None: ...
    def __delitem__(self, key: str) -> None: ...
    def __contains__(self, key: str) -> bool: ...
    def __iter__(self) -> Iterator[object]: ...
    def update(self, items: Mapping[str, Document]) -> None: ...
    def commit(self, blocking: bool = True) -> None: ...
    def close(self) -> None: ...


def table_exists(connection: sqlite3.Connection, name: str) -> bool:
    """Tell whether a table exists in the connection's main database."""
    row = query(
        connection, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def is_encrypted(path: Path, table: str = "chats") -> bool:
    """Tell whether a database file carries the key check (it was encrypted with a key)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if not table_exists(connection, table):
            return False
        row = query(connection, f'SELECT 1 FROM "{table}" WHERE key = ?', (KEYCHECK,))
        return row.fetchone() is not None
    finally:
        connection.close()
