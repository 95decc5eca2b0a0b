"""The sqlitedict store: one SQLite file, JSON values, WAL journal, synchronous=FULL.

sqlitedict runs every statement on its own worker thread and its calls block the caller,
so the bot calls this store through asyncio.to_thread, never on the event loop.

Values are decoded here, not by sqlitedict, so that one unreadable value raises
`DamagedValue` for its key (and can be set aside) instead of failing somewhere inside
sqlitedict. Values set aside live in the `damaged_values` table of the same file.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlitedict import SqliteDict

from storage.base import KEYCHECK, DamagedValue, Document, decode, encode
from storage.crypto import Cipher, DataKeyError, is_plain_json

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


def _create_private(path: Path) -> None:
    """Create the directory (0700) and the database file (0600) before SQLite does."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def _as_is(raw: str | bytes) -> str | bytes:
    return raw


def table_exists(connection: sqlite3.Connection, name: str) -> bool:
    """Tell whether a table exists in the connection's main database."""
    row = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def is_encrypted(path: Path, table: str = "chats") -> bool:
    """Tell whether a database file carries the key check (it was encrypted with a key)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if not table_exists(connection, table):
            return False
        row = connection.execute(f'SELECT 1 FROM "{table}" WHERE key = ?', (KEYCHECK,))
        return row.fetchone() is not None
    finally:
        connection.close()


class SqliteStore:
    """A durable Store over one table of a SQLite file.

    With a key every value is a Fernet token; a value that is not one for this key raises
    DamagedValue. An unencrypted database is encrypted only with `migrate=True` (the
    explicit one-time step `python -m bot encrypt`); otherwise it is refused (NotEncrypted).
    `read_only=True` never writes (for status and stats while the bot runs).
    """

    def __init__(
        self,
        path: Path | str,
        table: str = "chats",
        key: bytes | None = None,
        *,
        migrate: bool = False,
        read_only: bool = False,
    ) -> None:
        self.path = Path(path)
        self.table = table
        self.read_only = read_only
        if not read_only:
            _create_private(self.path)
        self._cipher = Cipher(key) if key else None
        # A plain connection of our own, opened first: it finds a file that is not a
        # database before sqlitedict does (which would log a traceback from its thread),
        # and it keeps the damaged_values table.
        self._lock = threading.Lock()
        uri = f"file:{self.path}?mode=ro" if read_only else f"file:{self.path}"
        self._aux = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        try:
            self._aux.execute("PRAGMA busy_timeout=10000")
            self._aux.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            if not read_only:
                self._aux.execute("PRAGMA journal_mode=WAL")
                self._aux.execute("PRAGMA synchronous=FULL")
                self._aux.execute("PRAGMA secure_delete=ON")
                self._aux.executescript(DAMAGED_SCHEMA)
        except BaseException:
            self._aux.close()
            raise
        try:
            self._db = SqliteDict(
                str(self.path),
                tablename=table,
                flag="r" if read_only else "c",
                autocommit=True,
                journal_mode="WAL",
                encode=self._cipher.encode if self._cipher else encode,
                decode=_as_is,
                outer_stack=False,  # else every statement captures a stack trace (~15% of a turn)
            )
        except BaseException:
            self._aux.close()
            raise
        # sqlitedict sets synchronous=OFF, which can lose or corrupt data on an OS crash.
        self._db.conn.execute("PRAGMA synchronous=FULL")
        self._db.conn.execute("PRAGMA secure_delete=ON")
        try:
            if self._cipher is not None:
                self._check_key_and_migrate(migrate)
            elif KEYCHECK in self._db:
                raise DataKeyError("the database is encrypted: set BOT_DATA_KEY or BOT_KEY_FILE")
        except BaseException:
            self.close()
            raise

    def _decode(self, key: str, raw: str | bytes) -> Document:
        try:
            if self._cipher is not None:
                return self._cipher.decode(raw)
            return decode(raw)
        except ValueError as exc:  # NotDecryptable, JSONDecodeError, UnicodeDecodeError, ...
            reason = str(exc) if self._cipher is not None and "ciphertext" in str(exc) else None
            raise DamagedValue(key, reason or "not a JSON object") from None

    def _check_key_and_migrate(self, migrate: bool) -> None:
        """Refuse a wrong key; encrypt what an unencrypted database held, only when asked."""
        try:
            found = self.get(KEYCHECK)
        except DamagedValue:
            raise DataKeyError(
                "the data key does not open this database: use the key it was encrypted "
                "with (BOT_KEY_FILE or BOT_DATA_KEY)"
            ) from None
        if found is not None and found.get("encrypted"):
            return
        rows = list(self._db.conn.select(f'SELECT key, value FROM "{self.table}"'))
        plain = {k: decode(v) for k, v in rows if is_plain_json(_bytes(v))}
        sealed = [v for k, v in rows if k not in plain][:50]
        if sealed and not any(self._opens(v) for v in sealed):
            # No key check, and the key opens none of the encrypted values: a wrong key,
            # which must not stamp its own key check onto someone else's data.
            raise DataKeyError(
                "the data key does not open this database: use the key it was encrypted "
                "with (BOT_KEY_FILE or BOT_DATA_KEY)"
            )
        if plain and not migrate:
            raise NotEncrypted(
                f"the database holds {len(plain)} unencrypted values: encrypt them once with "
                "`python -m bot encrypt` (stop the bot first)"
            )
        if self.read_only:
            return
        plain[KEYCHECK] = {"encrypted": True}
        self._db.update(plain)  # one transaction: all rows encrypted, or none

    def _opens(self, raw: str | bytes) -> bool:
        try:
            return self._cipher is not None and bool(self._cipher.decrypt(raw))
        except ValueError:
            return False

    def pragma(self, name: str) -> object:
        """Return the value of a PRAGMA on the store's own connection."""
        row = self._db.conn.select_one(f"PRAGMA {name}")
        return None if row is None else row[0]

    def get(self, key: str) -> Document | None:
        """Return the document stored under `key`, or None; DamagedValue if unreadable."""
        try:
            raw = self._db[key]
        except KeyError:
            return None
        return self._decode(key, raw)

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
        """Delete `key` and its values set aside; push it all through the WAL into the file."""
        self.delete(key)
        with self._lock:
            self._aux.execute("DELETE FROM damaged_values WHERE key = ?", (key,))
        self._db.conn.select_one("PRAGMA wal_checkpoint(TRUNCATE)")

    def set_aside(self, key: str) -> bool:
        """Move the unreadable value of `key` to damaged_values, in one transaction.

        Returns False (and moves nothing) when the value is absent or reads fine, e.g.
        because another turn replaced it meanwhile. The raw bytes are kept as they were,
        with the time and the reason, for the operator; `erase(key)` removes them.
        """
        with self._lock:
            self._aux.execute("BEGIN IMMEDIATE")
            try:
                row = self._aux.execute(
                    f'SELECT value FROM "{self.table}" WHERE key = ?', (key,)
                ).fetchone()
                reason = None
                if row is not None:
                    try:
                        self._decode(key, row[0])
                    except DamagedValue as exc:
                        reason = exc.reason
                if reason is None:
                    self._aux.execute("ROLLBACK")
                    return False
                now = datetime.now(UTC).isoformat(timespec="seconds")
                self._aux.execute(
                    "INSERT INTO damaged_values (key, set_aside_at, reason, value)"
                    " VALUES (?, ?, ?, ?)",
                    (key, now, reason, row[0]),
                )
                self._aux.execute(f'DELETE FROM "{self.table}" WHERE key = ?', (key,))
                self._aux.execute("COMMIT")
            except BaseException:
                if self._aux.in_transaction:
                    self._aux.execute("ROLLBACK")
                raise
        return True

    def damaged_count(self) -> int:
        """Return how many damaged values have been set aside."""
        with self._lock:
            if not table_exists(self._aux, "damaged_values"):
                return 0
            return int(self._aux.execute("SELECT COUNT(*) FROM damaged_values").fetchone()[0])

    def quick_check(self) -> str:
        """Return SQLite's `PRAGMA quick_check` verdict: "ok", or the first problem found."""
        with self._lock:
            row = self._aux.execute("PRAGMA quick_check(1)").fetchone()
        return str(row[0]) if row else "no answer"

    def raw(self, key: str) -> bytes | None:
        """Return the stored bytes of a value as they lie in the file (for tests and audits)."""
        row = self._db.conn.select_one(f'SELECT value FROM "{self.table}" WHERE key = ?', (key,))
        return None if row is None else _bytes(row[0])

    def close(self) -> None:
        """Commit and close the connections."""
        try:
            if not self.read_only:
                self._db.commit(blocking=True)
            self._db.close()
        finally:
            with self._lock:
                self._aux.close()
