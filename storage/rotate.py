"""Re-encrypt every stored value with a new key, atomically, with a crash-safe key hand-over.

Order of events: the new key is written to `<key file>.new` (fsynced); all values are
re-encrypted in one SQLite transaction; then `.new` is renamed over the key file. After a
crash in between, the bot opens the store with whichever of the two keys fits and finishes
the hand-over (bot/stores.py).

A value the current key cannot decrypt (damaged, or planted in the file) is not carried
over under the new key as if it were data: it is set aside in `damaged_values`, as it lay.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import InvalidToken

from storage.base import KEYCHECK
from storage.crypto import DataKeyError, check_key, new_key, read_key_file, write_private
from storage.rows import query, stored, text
from storage.sqlite_file import DAMAGED_SCHEMA


def reencrypt(db_path: Path, old: bytes, new: bytes, table: str = "chats") -> int:
    """Re-encrypt all values of the table from `old` to `new` in one transaction.

    Return how many values were re-encrypted; values `old` cannot decrypt are set aside.
    """
    old_f, new_f = check_key(old), check_key(new)
    connection = sqlite3.connect(db_path, isolation_level=None)
    try:
        connection.execute("PRAGMA synchronous=FULL")
        connection.executescript(DAMAGED_SCHEMA)
        connection.execute("BEGIN IMMEDIATE")
        rows = query(connection, f'SELECT key, value FROM "{table}"').fetchall()
        now = datetime.now(UTC).isoformat(timespec="seconds")
        fresh: list[tuple[bytes, str]] = []
        damaged: list[tuple[str, str, str, object]] = []
        for row in rows:
            key, value = text(row[0], f"{table}.key"), row[1]  # the value kept as it lies
            try:
                fresh.append((new_f.encrypt(old_f.decrypt(_b(value))), key))
            except InvalidToken:
                if key == KEYCHECK:
                    connection.execute("ROLLBACK")
                    raise DataKeyError("the current key does not open this database") from None
                damaged.append((key, now, "not a valid ciphertext for the data key", value))
        connection.executemany(f'UPDATE "{table}" SET value = ? WHERE key = ?', fresh)
        connection.executemany(
            "INSERT INTO damaged_values (key, set_aside_at, reason, value) VALUES (?, ?, ?, ?)",
            damaged,
        )
        connection.executemany(f'DELETE FROM "{table}" WHERE key = ?', [(d[0],) for d in damaged])
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return len(fresh)


def rotate_key_file(db_path: Path, key_file: Path, replacement: bytes | None = None) -> int:
    """Give the database a new key and store it in the key file; return the values moved."""
    old = read_key_file(key_file)
    new = replacement or new_key()
    pending = key_file.with_name(key_file.name + ".new")
    write_private(pending, new, new=False)
    count = reencrypt(db_path, old, new)
    os.replace(pending, key_file)
    return count


def _b(value: object) -> bytes:
    """The bytes of a stored value; one that is neither text nor bytes opens with no key."""
    raw = stored(value)
    if raw is None:
        return b""
    return raw.encode("utf-8") if isinstance(raw, str) else raw
