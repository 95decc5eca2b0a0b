"""The one-time move from the embedded SQLite file to PostgreSQL (`python -m bot migrate-to`).

Rows are copied as they lie (values still encrypted) in one transaction and verified
before it commits; the SQLite file is only read.
"""

from __future__ import annotations

import hashlib
import sqlite3

from storage.nudges import nudge_row
from storage.postgres.chats import SET_ASIDE
from storage.postgres.database import PgDatabase
from storage.rows import as_bytes, as_bytes_or_null, blob, count, query, text

TABLES = ("kv", "damaged_values", "nudges")
Value = tuple[str, bytes]
SetAside = tuple[str, str, str, bytes | None]
Nudge = tuple[str, int, str, str, str, str]
_MASTER = "SELECT name FROM sqlite_master"
_SET_ASIDE = "SELECT key, set_aside_at, reason, value FROM damaged_values ORDER BY id"


class NotEmpty(Exception):
    """The target database of a copy already holds data."""


def _read(sqlite_path: str) -> tuple[list[Value], list[SetAside], list[Nudge]]:
    """Read the values, the values set aside and the reminders of a SQLite file, read-only."""
    source = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    try:
        tables = {text(r[0], "sqlite_master.name") for r in query(source, _MASTER).fetchall()}
        values = [
            (text(k, "chats.key"), as_bytes(v, "chats.value"))
            for k, v in query(source, "SELECT key, value FROM chats").fetchall()
        ]
        damaged: list[SetAside] = []
        if "damaged_values" in tables:
            damaged = [
                (
                    text(r[0], "damaged_values.key"),
                    text(r[1], "damaged_values.set_aside_at"),
                    text(r[2], "damaged_values.reason"),
                    as_bytes_or_null(r[3], "damaged_values.value"),
                )
                for r in query(
                    source,
                    "SELECT key, set_aside_at, reason, value FROM damaged_values ORDER BY id",
                ).fetchall()
            ]
        nudges: list[Nudge] = []
        if "nudges" in tables:
            sql = "SELECT id, chat_id, kind, ref, due, state FROM nudges"
            for row in query(source, sql).fetchall():
                n = nudge_row(row)
                nudges.append((n.id, n.chat_id, n.kind, n.ref, n.due, n.state))
    finally:
        source.close()
    return values, damaged, nudges


def _digest(rows: list[Value]) -> str:
    h = hashlib.sha256()
    for key, value in sorted(rows):
        h.update(hashlib.sha256(key.encode()).digest() + hashlib.sha256(value).digest())
    return h.hexdigest()


def copy_from_sqlite(sqlite_path: str, db: PgDatabase) -> dict[str, int]:
    """Copy an embedded database's rows as they are (still encrypted) in one transaction.

    Values, values set aside and reminders are copied byte for byte and verified inside
    the transaction (counts, and a digest of every key and value); any difference rolls it
    all back. The SQLite file is opened read-only. Raise NotEmpty when the target holds data.
    """
    values, damaged, nudges = _read(sqlite_path)
    with db.transaction() as conn:
        conn.execute("LOCK TABLE kv, damaged_values, nudges IN EXCLUSIVE MODE")
        for table in TABLES:
            held = count(conn.execute(f"SELECT count(*) FROM {table}").fetchone(), table)
            if held:
                raise NotEmpty(f"the table {table} already holds {held} rows")
        with conn.cursor() as cursor:
            cursor.executemany("INSERT INTO kv (key, value) VALUES (%s, %s)", values)
            cursor.executemany(SET_ASIDE, damaged)
            cursor.executemany("INSERT INTO nudges VALUES (%s, %s, %s, %s, %s, %s)", nudges)
        copied = [
            (text(k, "kv.key"), blob(v, "kv.value"))
            for k, v in conn.execute("SELECT key, value FROM kv").fetchall()
        ]
        counts = {t: count(conn.execute(f"SELECT count(*) FROM {t}").fetchone(), t) for t in TABLES}
        expected = {"kv": len(values), "damaged_values": len(damaged), "nudges": len(nudges)}
        if counts != expected or _digest(copied) != _digest(values):
            raise RuntimeError(f"the copy does not match the source: {counts} != {expected}")
    return {"values": len(values), "set_aside": len(damaged), "reminders": len(nudges)}
