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
from storage.crypto import Cipher, DataKeyError, is_plain_json

DB_NAME = "inklusionsguiden.sqlite"
KEYCHECK = "meta:keycheck"


def _create_private(path: Path) -> None:
    """Create the directory (0700) and the database file (0600) before SQLite does."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


class SqliteStore:
    """A durable Store over one table of a SQLite file."""

    def __init__(self, path: Path | str, table: str = "chats", key: bytes | None = None) -> None:
        self.path = Path(path)
        self.table = table
        _create_private(self.path)
        cipher = Cipher(key) if key else None
        self._db = SqliteDict(
            str(self.path),
            tablename=table,
            autocommit=True,
            journal_mode="WAL",
            encode=cipher.encode if cipher else encode,
            decode=cipher.decode if cipher else decode,
            outer_stack=False,  # else every statement captures a stack trace (~15% of a turn)
        )
        # sqlitedict sets synchronous=OFF, which can lose or corrupt data on an OS crash.
        self._db.conn.execute("PRAGMA synchronous=FULL")
        self._db.conn.execute("PRAGMA secure_delete=ON")
        if cipher is not None:
            self._check_key_and_migrate()
        elif KEYCHECK in self._db:
            self._db.close()
            raise DataKeyError("the database is encrypted: set BOT_DATA_KEY or BOT_KEY_FILE")

    def _check_key_and_migrate(self) -> None:
        """Refuse a wrong key; encrypt what an unencrypted database held, once."""
        try:
            found = self.get(KEYCHECK)
        except DataKeyError:
            self._db.close()
            raise
        if found is not None and found.get("encrypted"):
            return
        rows = self._db.conn.select(f'SELECT key, value FROM "{self.table}"')
        plain = {k: decode(v) for k, v in rows if is_plain_json(_bytes(v))}
        plain[KEYCHECK] = {"encrypted": True}
        self._db.update(plain)  # one transaction: all rows re-encrypted, or none

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
        """Iterate over the stored keys (not the store's own metadata)."""
        return iter([k for k in self._db if not k.startswith("meta:")])

    def erase(self, key: str) -> None:
        """Delete `key` and push the deletion through the WAL into the overwritten file."""
        self.delete(key)
        self._db.conn.select_one("PRAGMA wal_checkpoint(TRUNCATE)")

    def raw(self, key: str) -> bytes | None:
        """Return the stored bytes of a value as they lie in the file (for tests and audits)."""
        row = self._db.conn.select_one(f'SELECT value FROM "{self.table}" WHERE key = ?', (key,))
        return None if row is None else _bytes(row[0])

    def close(self) -> None:
        """Commit and close the connection."""
        self._db.commit(blocking=True)
        self._db.close()
