"""Re-encrypt every stored value with a new key, atomically, with a crash-safe key hand-over.

Order of events: the new key is written to `<key file>.new` (fsynced); all values are
re-encrypted in one SQLite transaction; then `.new` is renamed over the key file. After a
crash in between, the bot opens the store with whichever of the two keys fits and finishes
the hand-over (bot/stores.py).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from cryptography.fernet import InvalidToken

from storage.crypto import DataKeyError, check_key, new_key


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data + b"\n")
        handle.flush()
        os.fsync(handle.fileno())


def reencrypt(db_path: Path, old: bytes, new: bytes, table: str = "chats") -> int:
    """Re-encrypt all values of the table from `old` to `new` in one transaction."""
    old_f, new_f = check_key(old), check_key(new)
    connection = sqlite3.connect(db_path, isolation_level=None)
    try:
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("BEGIN IMMEDIATE")
        rows = connection.execute(f'SELECT key, value FROM "{table}"').fetchall()
        try:
            fresh = [(new_f.encrypt(old_f.decrypt(_b(v))), k) for k, v in rows]
        except InvalidToken:
            connection.execute("ROLLBACK")
            raise DataKeyError("the current key does not open this database") from None
        connection.executemany(f'UPDATE "{table}" SET value = ? WHERE key = ?', fresh)
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return len(rows)


def rotate_key_file(db_path: Path, key_file: Path, replacement: bytes | None = None) -> int:
    """Give the database a new key and store it in the key file; return the values moved."""
    old = key_file.read_bytes().strip()
    new = replacement or new_key()
    pending = key_file.with_name(key_file.name + ".new")
    _write_private(pending, new)
    count = reencrypt(db_path, old, new)
    os.replace(pending, key_file)
    return count


def _b(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)
