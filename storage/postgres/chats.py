"""The chat store in PostgreSQL: the Store protocol over the `kv` table, every value a
Fernet token under the data key, and the re-encryption that `rotate-key` runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime

from storage.base import KEYCHECK, DamagedValue, Document, key_proof
from storage.crypto import Cipher, DataKeyError, check_key
from storage.postgres.database import PgDatabase
from storage.rows import blob, count, text

UPSERT = (
    "INSERT INTO kv (key, value) VALUES (%s, %s)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
SET_ASIDE = "INSERT INTO damaged_values (key, set_aside_at, reason, value) VALUES (%s, %s, %s, %s)"


class PgStore:
    """The Store protocol over the `kv` table; values are Fernet tokens under the data key."""

    def __init__(self, db: PgDatabase, key: bytes, *, read_only: bool = False) -> None:
        self.db = db
        self.shared = True
        self.read_only = read_only
        self._cipher = Cipher(key)
        self._cipher_key = key  # for rotate-key, which proves it first
        self._check_key()

    def session(self, *chat_ids: int) -> contextlib.AbstractContextManager[None]:
        """One transaction for this thread holding the chats' locks (see PgDatabase)."""
        return self.db.session(*chat_ids)

    def _check_key(self) -> None:
        wrong = DataKeyError(
            "the data key does not open this database: use the key it was encrypted with "
            "(BOT_KEY_FILE or BOT_DATA_KEY)"
        )
        try:
            found = self.get(KEYCHECK)
        except DamagedValue:
            raise wrong from None
        if found is not None and found.get("encrypted"):
            return
        with self.db.connection() as conn:
            rows = conn.execute("SELECT value FROM kv LIMIT 50").fetchall()
        if rows and not any(self._opens(blob(r[0], "kv.value")) for r in rows):
            raise wrong
        if not self.read_only:
            self.put(KEYCHECK, key_proof())

    def _opens(self, raw: bytes) -> bool:
        try:
            return bool(self._cipher.decrypt(raw))
        except ValueError:
            return False

    def _decode(self, key: str, raw: bytes) -> Document:
        try:
            return self._cipher.decode(raw)
        except ValueError as exc:
            reason = str(exc) if "ciphertext" in str(exc) else "not a JSON object"
            raise DamagedValue(key, reason) from None

    def get(self, key: str) -> Document | None:
        """Return the document under `key`, or None; DamagedValue if it cannot be read."""
        raw = self.raw(key)
        return None if raw is None else self._decode(key, raw)

    def put(self, key: str, value: Document) -> None:
        """Store `value` (committed on return, or with the session's commit)."""
        token = self._cipher.encode(value)
        with self.db.connection() as conn:
            conn.execute(UPSERT, (key, token))

    def delete(self, key: str) -> None:
        """Remove `key`; a missing key is fine."""
        with self.db.connection() as conn:
            conn.execute("DELETE FROM kv WHERE key = %s", (key,))

    def erase(self, key: str) -> None:
        """Delete `key` and its values set aside (VACUUM, automatic, reclaims the space)."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM kv WHERE key = %s", (key,))
            conn.execute("DELETE FROM damaged_values WHERE key = %s", (key,))

    def keys(self) -> Iterator[str]:
        """Iterate over the stored keys (not the store's own metadata)."""
        with self.db.connection() as conn:
            rows = conn.execute("SELECT key FROM kv WHERE key NOT LIKE 'meta:%%'").fetchall()
        return iter([text(r[0], "kv.key") for r in rows])

    def set_aside(self, key: str, unsound: str = "") -> bool:
        """Move an unreadable (or `unsound`) value to damaged_values; False if it reads fine
        or is absent."""
        with self.db.transaction() as conn:
            row = conn.execute("SELECT value FROM kv WHERE key = %s FOR UPDATE", (key,)).fetchone()
            if row is None:
                return False
            raw = blob(row[0], "kv.value")
            reason = unsound
            try:
                if not unsound:
                    self._decode(key, raw)
                    return False
            except DamagedValue as exc:
                reason = exc.reason
            now = datetime.now(UTC).isoformat(timespec="seconds")
            conn.execute(SET_ASIDE, (key, now, reason, raw))
            conn.execute("DELETE FROM kv WHERE key = %s", (key,))
        return True

    def damaged_count(self) -> int:
        """Return how many damaged values have been set aside."""
        with self.db.connection() as conn:
            row = conn.execute("SELECT count(*) FROM damaged_values").fetchone()
        return count(row, "damaged_values count")

    def raw(self, key: str) -> bytes | None:
        """Return the stored bytes of a value (for tests and audits)."""
        with self.db.connection() as conn:
            row = conn.execute("SELECT value FROM kv WHERE key = %s", (key,)).fetchone()
        return None if row is None else blob(row[0], "kv.value")

    def plant(self, key: str, raw: bytes) -> None:
        """Store raw bytes as they are (for tests of damaged values)."""
        with self.db.connection() as conn:
            conn.execute(UPSERT, (key, raw))

    def size_bytes(self) -> int:
        """Return the database's size on disk."""
        return self.db.size_bytes()

    def close(self) -> None:
        """Close the database (the reminder store shares it, and is closed first)."""
        self.db.close()


def reencrypt(db: PgDatabase, old: bytes, new: bytes) -> int:
    """Re-encrypt every value from `old` to `new` in one transaction; set aside the rest.

    Return how many values were re-encrypted. Refused (DataKeyError) when `old` does not
    open the key check.
    """
    old_c, new_f = Cipher(old), check_key(new)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with db.transaction() as conn:
        conn.execute("LOCK TABLE kv IN EXCLUSIVE MODE")
        rows = conn.execute("SELECT key, value FROM kv").fetchall()
        fresh: list[tuple[bytes, str]] = []
        damaged: list[tuple[str, str, str, bytes]] = []
        for row in rows:
            key, value = text(row[0], "kv.key"), blob(row[1], "kv.value")
            try:
                fresh.append((new_f.encrypt(old_c.decrypt(value)), key))
            except ValueError:
                if key == KEYCHECK:
                    raise DataKeyError("the current key does not open this database") from None
                damaged.append((key, now, "not a valid ciphertext for the data key", value))
        with conn.cursor() as cursor:
            cursor.executemany("UPDATE kv SET value = %s WHERE key = %s", fresh)
            cursor.executemany(SET_ASIDE, damaged)
            cursor.executemany("DELETE FROM kv WHERE key = %s", [(d[0],) for d in damaged])
    return len(fresh)
