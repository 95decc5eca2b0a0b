"""What comes off the disk, checked: rows as tuples of objects, narrowed column by column.

Both databases hand back rows of whatever a column holds. The stores read them as
`Row` (a tuple of objects) and narrow each value with the helpers here, so a value of the
wrong type (a damaged row, a column changed by hand) raises `DamagedRow` naming where it
was found, never the value, instead of failing later somewhere deep inside.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

Row = tuple[object, ...]


class DamagedRow(Exception):
    """A column holds a value of the wrong type: the database was damaged or edited."""

    def __init__(self, where: str, expected: str) -> None:
        super().__init__(f"{where} holds a value that is not {expected}: the database is damaged")
        self.where = where


def text(value: object, where: str) -> str:
    """Return a TEXT column's value."""
    if isinstance(value, str):
        return value
    raise DamagedRow(where, "text")


def integer(value: object, where: str) -> int:
    """Return an INTEGER column's value (a bool is no integer here)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise DamagedRow(where, "an integer")


def number(value: object, where: str, *, null: float | None = None) -> float:
    """Return a numeric value as a float (PostgreSQL's numeric arrives as Decimal).

    A NULL is `null` when one is given (e.g. an aggregate over no rows), else damage.
    """
    if value is None and null is not None:
        return null
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return float(value)
    raise DamagedRow(where, "a number")


def blob(value: object, where: str) -> bytes:
    """Return a BYTEA/BLOB column's value as bytes."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise DamagedRow(where, "bytes")


def as_bytes(value: object, where: str) -> bytes:
    """Return a SQLite value column (TEXT or BLOB) as bytes, text as its UTF-8."""
    if isinstance(value, str):
        return value.encode("utf-8")
    return blob(value, where)


def as_bytes_or_null(value: object, where: str) -> bytes | None:
    """Return a nullable SQLite value column (TEXT or BLOB) as bytes."""
    return None if value is None else as_bytes(value, where)


def stored(value: object) -> str | bytes | None:
    """Return a stored chat value as SQLite keeps it (TEXT or BLOB); None for anything else.

    The caller turns None into DamagedValue for the key: such a value is not served.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return None


def count(row: Row | None, where: str) -> int:
    """Return the first column of a `SELECT count(*)`-like row (0 when there is none)."""
    return 0 if row is None else integer(row[0], where)


class Rows(Protocol):
    """A cursor as the stores read it: rows as tuples (sqlite3's default row factory)."""

    def fetchone(self) -> Row | None:
        """Return the next row, or None."""
        ...

    def fetchall(self) -> list[Row]:
        """Return the remaining rows."""
        ...


def query(connection: sqlite3.Connection, sql: str, args: Sequence[object] = ()) -> Rows:
    """Run a statement on a SQLite connection and return its cursor, read as `Rows`.

    No connection of ours sets a row factory, so every row is a plain tuple.
    """
    cursor: Rows = connection.execute(sql, tuple(args))
    return cursor
