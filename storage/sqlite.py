"""The sqlitedict store: one SQLite file, JSON values, WAL journal, synchronous=FULL.

sqlitedict runs every statement on its own worker thread and its calls block the caller,
so the bot calls this store through asyncio.to_thread, never on the event loop.

Values are decoded here, not by sqlitedict, so that one unreadable value raises
`DamagedValue` for its key (and can be set aside) instead of failing somewhere inside
sqlitedict. Values set aside live in the `damaged_values` table of the same file.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlitedict import SqliteDict

from storage.base import KEYCHECK, DamagedValue, Document, Store, decode, encode, key_proof
from storage.crypto import Cipher, DataKeyError, is_plain_json
from storage.nudges import NudgeStore, SqliteNudgeStore
from storage.rows import as_bytes, count, query, stored, text
from storage.sqlite_file import (
    DAMAGED_SCHEMA,
    DB_NAME,
    NotEncrypted,
    SqliteDictLike,
    create_private,
    is_encrypted,
    table_exists,
)

__all__ = ["DAMAGED_SCHEMA", "DB_NAME", "NotEncrypted", "SqliteStore", "is_encrypted"]


def _as_is(raw: object) -> object:
    return raw


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
            create_private(self.path)
        self._cipher = Cipher(key) if key else None
        # A plain connection of our own, opened first: it finds a file that is not a
        # database before sqlitedict does (which would log a traceback from its thread),
        # and it keeps the damaged_values table.
        self._lock = threading.Lock()
        uri = f"file:{self.path}?mode=ro" if read_only else f"file:{self.path}"
        self._aux = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        try:
            self._aux.execute("PRAGMA busy_timeout=10000")
            query(self._aux, "SELECT COUNT(*) FROM sqlite_master").fetchone()
            if not read_only:
                self._aux.execute("PRAGMA journal_mode=WAL")
                self._aux.execute("PRAGMA synchronous=FULL")
                self._aux.execute("PRAGMA secure_delete=ON")
                self._aux.executescript(DAMAGED_SCHEMA)
        except BaseException:
            self._aux.close()
            raise
        try:
            self._db: SqliteDictLike = SqliteDict(
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
        try:
            self._tune_and_check(migrate)
        except BaseException:
            self.close()
            raise

    def _tune_and_check(self, migrate: bool) -> None:
        """Make sqlitedict's connection durable; check the key (and encrypt, when asked)."""
        # sqlitedict sets synchronous=OFF, which can lose or corrupt data on an OS crash.
        self._db.conn.execute("PRAGMA synchronous=FULL")
        self._db.conn.execute("PRAGMA secure_delete=ON")
        if self._cipher is not None:
            self._check_key_and_migrate(migrate)
        elif KEYCHECK in self._db:
            raise DataKeyError("the database is encrypted: set BOT_DATA_KEY or BOT_KEY_FILE")

    def _decode(self, key: str, value: object) -> Document:
        raw = stored(value)
        try:
            if raw is None:  # neither TEXT nor BLOB: nothing a store of ours wrote
                raise ValueError("not a valid ciphertext for the data key")
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
        where = f"{self.table}.key"
        rows = [
            (text(k, where), stored(v))
            for k, v in self._db.conn.select(f'SELECT key, value FROM "{self.table}"')
        ]
        plain = {k: decode(v) for k, v in rows if v is not None and is_plain_json(v)}
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
        plain[KEYCHECK] = key_proof()
        self._db.update(plain)  # one transaction: all rows encrypted, or none

    def _opens(self, raw: str | bytes | None) -> bool:
        if self._cipher is None or raw is None:
            return False
        try:
            return bool(self._cipher.decrypt(raw))
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
        keys = (text(k, f"{self.table}.key") for k in self._db)
        return iter([k for k in keys if not k.startswith("meta:")])

    def erase(self, key: str) -> None:
        """Delete `key` and its values set aside; push it all through the WAL into the file."""
        self.delete(key)
        with self._lock:
            self._aux.execute("DELETE FROM damaged_values WHERE key = ?", (key,))
        self._db.conn.select_one("PRAGMA wal_checkpoint(TRUNCATE)")

    def set_aside(self, key: str, unsound: str = "") -> bool:
        """Move the unreadable (or `unsound`) value of `key` to damaged_values, at once.

        Returns False (and moves nothing) when the value is absent or reads fine, e.g.
        because another turn replaced it meanwhile. The raw bytes are kept as they were,
        with the time and the reason, for the operator; `erase(key)` removes them.
        """
        with self._lock:
            self._aux.execute("BEGIN IMMEDIATE")
            try:
                row = query(
                    self._aux, f'SELECT value FROM "{self.table}" WHERE key = ?', (key,)
                ).fetchone()
                value = None if row is None else row[0]
                reason = unsound if row is not None and unsound else None
                if row is not None and not unsound:
                    try:
                        self._decode(key, value)
                    except DamagedValue as exc:
                        reason = exc.reason
                if reason is None:
                    self._aux.execute("ROLLBACK")
                    return False
                now = datetime.now(UTC).isoformat(timespec="seconds")
                self._aux.execute(
                    "INSERT INTO damaged_values (key, set_aside_at, reason, value)"
                    " VALUES (?, ?, ?, ?)",
                    (key, now, reason, value),
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
            row = query(self._aux, "SELECT COUNT(*) FROM damaged_values").fetchone()
            return count(row, "damaged_values count")

    def quick_check(self) -> str:
        """Return SQLite's `PRAGMA quick_check` verdict: "ok", or the first problem found."""
        with self._lock:
            row = query(self._aux, "PRAGMA quick_check(1)").fetchone()
        return str(row[0]) if row else "no answer"

    def raw(self, key: str) -> bytes | None:
        """Return the stored bytes of a value as they lie in the file (for tests and audits)."""
        row = self._db.conn.select_one(f'SELECT value FROM "{self.table}" WHERE key = ?', (key,))
        return None if row is None else as_bytes(row[0], f"{self.table}.value")

    def close(self) -> None:
        """Commit and close the connections."""
        try:
            if not self.read_only:
                self._db.commit(blocking=True)
            self._db.close()
        finally:
            with self._lock:
                self._aux.close()


def _conforms(store: SqliteStore, nudges: SqliteNudgeStore) -> tuple[Store, NudgeStore]:
    """Never called: mypy proves here that this backend implements both protocols."""
    return store, nudges
