"""PostgreSQL storage for several workers sharing one database (psycopg 3 and its pool).

The same two protocols as the embedded mode (`Store`, `NudgeStore`), the same encryption
(every value a Fernet token under the same data key), and what a second process needs:

- `PgDatabase.session(*chat_ids)`: one transaction on one pooled connection, bound to the
  calling thread, holding a transaction-scoped advisory lock per chat id. Every store call
  the thread makes inside it uses that transaction, so a turn's load -> step -> save (and
  its reminders) is atomic and no other worker runs a turn of the same chat meanwhile.
  Sessions nest (the inner one takes its extra locks in the outer transaction).
- reminders are claimed with a conditional UPDATE (pending -> sent) that only one worker can
  win; a worker dying after a claim loses that one reminder, never the others;
- schema changes are numbered, appended migrations recorded in `schema_migrations`, run at
  start-up under an advisory lock, so workers starting together do not race;
- every running worker holds a shared advisory lock (`WORKERS_LOCK`) for its lifetime;
  `rotate-key` takes it exclusively, so it is refused while any worker runs. PostgreSQL
  drops a dead worker's locks with its connection (SIGKILL included).
- a shared send pace (`take_send_slot`) keeps Telegram's limits for the bot as a whole.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from storage.base import DamagedValue, Document
from storage.crypto import Cipher, DataKeyError, check_key
from storage.nudges import NudgeRow

KEYCHECK = "meta:keycheck"
MIGRATIONS_LOCK = 0x1B07_0001  # advisory lock ids of our own (a 64-bit key space)
WORKERS_LOCK = 0x1B07_0002
CHAT_LOCK_SPACE = 1  # two-int advisory locks: (space, chat id folded to 32 bits)
KEY_LOCK_SPACE = 2

# Appended, never edited: a database records the numbers it has run.
MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "values, damaged values, reminders",
        """
        CREATE TABLE kv (key TEXT PRIMARY KEY, value BYTEA NOT NULL);
        CREATE TABLE damaged_values (
            id BIGSERIAL PRIMARY KEY,
            key TEXT NOT NULL,
            set_aside_at TEXT NOT NULL,
            reason TEXT NOT NULL,
            value BYTEA
        );
        CREATE INDEX damaged_values_key ON damaged_values (key);
        CREATE TABLE nudges (
            id TEXT PRIMARY KEY,
            chat_id BIGINT NOT NULL,
            kind TEXT NOT NULL,
            ref TEXT NOT NULL,
            due TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
        );
        CREATE INDEX nudges_due ON nudges (state, due);
        CREATE INDEX nudges_chat_due ON nudges (chat_id, state, due);
        """,
    ),
    (
        2,
        "a send pace shared by all workers",
        """
        CREATE TABLE send_pace (
            chat_id BIGINT PRIMARY KEY,  -- 0: the bot as a whole
            next_slot TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE send_hits (chat_id BIGINT NOT NULL, at TIMESTAMPTZ NOT NULL);
        CREATE INDEX send_hits_chat ON send_hits (chat_id, at);
        """,
    ),
]


def is_postgres_url(url: str) -> bool:
    """Tell whether a URL names a PostgreSQL database."""
    return url.startswith(("postgresql://", "postgres://"))


def _fold(chat_id: int) -> int:
    """Fold a Telegram id (up to 52 bits) into PostgreSQL's int4 for a two-key lock."""
    folded = (chat_id ^ (chat_id >> 32)) & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= 1 << 31 else folded


class PgDatabase:
    """A connection pool, the migrations, and the thread-bound transactions of turns."""

    shared = True  # several processes write it: no process may cache what it last wrote

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 8) -> None:
        self.url = url
        self._local = threading.local()
        self.pool = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            kwargs={"autocommit": True},
            open=False,
            timeout=30,
        )
        self.pool.open(wait=True, timeout=10)
        self._worker_conn: psycopg.Connection[Any] | None = None

    # ---- connections and sessions --------------------------------------------------

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """The thread's session connection, or a pooled one in autocommit mode."""
        current = getattr(self._local, "conn", None)
        if current is not None:
            yield current
            return
        with self.pool.connection() as conn:
            yield conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[Any]]:
        """A transaction: the session's (nested as a savepoint), or a new one."""
        with self.connection() as conn, conn.transaction():
            yield conn

    @contextlib.contextmanager
    def session(self, *chat_ids: int) -> Iterator[None]:
        """One transaction for this thread, holding each chat's advisory lock until commit."""
        current = getattr(self._local, "conn", None)
        if current is not None:
            self._lock_chats(current, chat_ids)
            yield
            return
        with self.pool.connection() as conn, conn.transaction():
            self._local.conn = conn
            try:
                self._lock_chats(conn, chat_ids)
                yield
            finally:
                self._local.conn = None

    @staticmethod
    def _lock_chats(conn: psycopg.Connection[Any], chat_ids: tuple[int, ...]) -> None:
        for folded in sorted({_fold(c) for c in chat_ids}):  # a fixed order: no deadlock
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (CHAT_LOCK_SPACE, folded))

    def in_session(self) -> bool:
        """Tell whether this thread is inside a session."""
        return getattr(self._local, "conn", None) is not None

    # ---- migrations and the workers' lock ------------------------------------------

    def migrate(self) -> list[int]:
        """Run the migrations this database has not run yet; return their numbers."""
        done: list[int] = []
        with self.pool.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATIONS_LOCK,))
            try:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                    " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                )
                rows = conn.execute("SELECT version FROM schema_migrations").fetchall()
                applied = {int(r[0]) for r in rows}
                for version, name, sql in MIGRATIONS:
                    if version in applied:
                        continue
                    with conn.transaction():
                        conn.execute(sql)
                        conn.execute(
                            "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                            (version, name),
                        )
                    done.append(version)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATIONS_LOCK,))
        return done

    def schema_version(self) -> int:
        """Return the highest migration this database has run (0: none)."""
        with self.connection() as conn:
            exists = conn.execute("SELECT to_regclass('schema_migrations')").fetchone()
            if exists is None or exists[0] is None:
                return 0
            row = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
            return int(row[0] or 0) if row else 0

    def hold_worker_lock(self) -> None:
        """Hold the shared workers' lock for as long as this process runs (its own connection)."""
        if self._worker_conn is None:
            self._worker_conn = psycopg.connect(self.url, autocommit=True)
            self._worker_conn.execute("SELECT pg_advisory_lock_shared(%s)", (WORKERS_LOCK,))

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[bool]:
        """Try the workers' lock exclusively; yield whether no worker runs (then held)."""
        with self.pool.connection() as conn:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (WORKERS_LOCK,)).fetchone()
            got = bool(row and row[0])
            try:
                yield got
            finally:
                if got:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (WORKERS_LOCK,))

    def size_bytes(self) -> int:
        """Return the database's size on disk."""
        with self.connection() as conn:
            row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
            return int(row[0]) if row else 0

    # ---- the shared send pace ------------------------------------------------------

    def take_send_slot(self, interval: float) -> float:
        """Reserve the bot's next send slot, `interval` seconds after the last one.

        Return how many seconds to wait for it (0: now). One row, updated atomically, so
        the slots of all workers together keep the pace.
        """
        with self.connection() as conn:
            row = conn.execute(
                "INSERT INTO send_pace AS p (chat_id, next_slot)"
                " VALUES (0, clock_timestamp() + make_interval(secs => %s))"
                " ON CONFLICT (chat_id) DO UPDATE SET next_slot ="
                "  greatest(p.next_slot, clock_timestamp()) + make_interval(secs => %s)"
                " RETURNING extract(epoch FROM next_slot - clock_timestamp()) - %s",
                (interval, interval, interval),
            ).fetchone()
        return max(float(row[0]), 0.0) if row else 0.0

    def take_chat_slot(self, chat_id: int, limit: int, period: float) -> float:
        """Count a message to a chat in a sliding window shared by all workers.

        Return 0 when it may go now (and count it), else how many seconds to wait (not
        counted: ask again then).
        """
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (KEY_LOCK_SPACE, _fold(chat_id)))
            # Every group's old sends go, not only this one's: the table holds the last
            # minute (at most 28 a second), and a group's id leaves it a minute after its
            # last message, as /slet promises for ids (README, Privacy and security).
            conn.execute(
                "DELETE FROM send_hits WHERE at <= clock_timestamp() - make_interval(secs => %s)",
                (period,),
            )
            row = conn.execute(
                "SELECT count(*), extract(epoch FROM min(at) + make_interval(secs => %s)"
                " - clock_timestamp()) FROM send_hits WHERE chat_id = %s",
                (period, chat_id),
            ).fetchone()
            count, wait = (int(row[0]), float(row[1] or 0.0)) if row else (0, 0.0)
            if count >= limit:
                return max(wait, 0.01)
            conn.execute(
                "INSERT INTO send_hits (chat_id, at) VALUES (%s, clock_timestamp())", (chat_id,)
            )
        return 0.0

    def close(self) -> None:
        """Close the pool and the workers' lock connection (idempotent)."""
        if self.pool.closed:
            return
        if self._worker_conn is not None:
            self._worker_conn.close()
            self._worker_conn = None
        self.pool.close()


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
        if rows and not any(self._opens(bytes(r[0])) for r in rows):
            raise wrong
        if not self.read_only:
            self.put(KEYCHECK, {"encrypted": True})

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
        with self.db.connection() as conn:
            row = conn.execute("SELECT value FROM kv WHERE key = %s", (key,)).fetchone()
        return None if row is None else self._decode(key, bytes(row[0]))

    def put(self, key: str, value: Document) -> None:
        """Store `value` (committed on return, or with the session's commit)."""
        token = self._cipher.encode(value)
        with self.db.connection() as conn:
            conn.execute(
                "INSERT INTO kv (key, value) VALUES (%s, %s)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, token),
            )

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
        return iter([str(r[0]) for r in rows])

    def set_aside(self, key: str) -> bool:
        """Move an unreadable value to damaged_values; False if it reads fine or is absent."""
        with self.db.transaction() as conn:
            row = conn.execute("SELECT value FROM kv WHERE key = %s FOR UPDATE", (key,)).fetchone()
            if row is None:
                return False
            try:
                self._decode(key, bytes(row[0]))
                return False
            except DamagedValue as exc:
                reason = exc.reason
            now = datetime.now(UTC).isoformat(timespec="seconds")
            conn.execute(
                "INSERT INTO damaged_values (key, set_aside_at, reason, value)"
                " VALUES (%s, %s, %s, %s)",
                (key, now, reason, row[0]),
            )
            conn.execute("DELETE FROM kv WHERE key = %s", (key,))
        return True

    def damaged_count(self) -> int:
        """Return how many damaged values have been set aside."""
        with self.db.connection() as conn:
            row = conn.execute("SELECT count(*) FROM damaged_values").fetchone()
        return int(row[0]) if row else 0

    def raw(self, key: str) -> bytes | None:
        """Return the stored bytes of a value (for tests and audits)."""
        with self.db.connection() as conn:
            row = conn.execute("SELECT value FROM kv WHERE key = %s", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def plant(self, key: str, raw: bytes) -> None:
        """Store raw bytes as they are (for tests of damaged values)."""
        with self.db.connection() as conn:
            conn.execute(
                "INSERT INTO kv (key, value) VALUES (%s, %s)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, raw),
            )

    def size_bytes(self) -> int:
        """Return the database's size on disk."""
        return self.db.size_bytes()

    def close(self) -> None:
        """Close the database (the reminder store shares it, and is closed first)."""
        self.db.close()


class PgNudgeStore:
    """The NudgeStore protocol over the `nudges` table, shared by all workers."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    def _rows(self, sql: str, args: tuple[object, ...]) -> list[NudgeRow]:
        with self.db.connection() as conn:
            found = conn.execute(sql, args).fetchall()
        return [
            NudgeRow(str(a), int(b), str(c), str(d), str(e), str(f)) for a, b, c, d, e, f in found
        ]

    def sync(self, chat_id: int, wanted: list[NudgeRow], now: str) -> None:
        """Insert the wanted nudges (existing ids untouched); drop future ones not wanted."""
        with self.db.transaction() as conn:
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO nudges VALUES (%s, %s, %s, %s, %s, 'pending')"
                    " ON CONFLICT (id) DO NOTHING",
                    [(n.id, n.chat_id, n.kind, n.ref, n.due) for n in wanted],
                )
            conn.execute(
                "DELETE FROM nudges WHERE chat_id = %s AND state = 'pending' AND due > %s"
                " AND NOT (id = ANY(%s))",
                (chat_id, now, [n.id for n in wanted]),
            )

    def due(self, now: str, limit: int = 500) -> list[NudgeRow]:
        """Return pending nudges due at or before `now`, the oldest first."""
        return self._rows(
            "SELECT id, chat_id, kind, ref, due, state FROM nudges"
            " WHERE state = 'pending' AND due <= %s ORDER BY due LIMIT %s",
            (now, limit),
        )

    def claim(self, nudge_id: str) -> bool:
        """Mark a pending nudge as sent; only one worker's claim of a nudge succeeds."""
        with self.db.connection() as conn:
            row = conn.execute(
                "UPDATE nudges SET state = 'sent' WHERE id = %s AND state = 'pending' RETURNING id",
                (nudge_id,),
            ).fetchone()
        return row is not None

    def defer(self, nudge_id: str, due: str) -> None:
        """Put a claimed nudge back for later (Telegram asked us to wait)."""
        with self.db.connection() as conn:
            conn.execute(
                "UPDATE nudges SET state = 'pending', due = %s WHERE id = %s", (due, nudge_id)
            )

    def pending(self, chat_id: int) -> list[NudgeRow]:
        """Return a chat's pending nudges, the next first."""
        return self._rows(
            "SELECT id, chat_id, kind, ref, due, state FROM nudges"
            " WHERE chat_id = %s AND state = 'pending' ORDER BY due",
            (chat_id,),
        )

    def delete_chat(self, chat_id: int) -> None:
        """Remove every nudge of a chat, sent or not."""
        with self.db.connection() as conn:
            conn.execute("DELETE FROM nudges WHERE chat_id = %s", (chat_id,))

    def count(self, state: str = "pending") -> int:
        """Return how many nudges are in a state."""
        with self.db.connection() as conn:
            row = conn.execute("SELECT count(*) FROM nudges WHERE state = %s", (state,)).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        """The database is closed by its owner."""


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
        fresh, damaged = [], []
        for key, value in rows:
            try:
                fresh.append((new_f.encrypt(old_c.decrypt(bytes(value))), key))
            except ValueError:
                if key == KEYCHECK:
                    raise DataKeyError("the current key does not open this database") from None
                damaged.append((key, value))
        with conn.cursor() as cursor:
            cursor.executemany("UPDATE kv SET value = %s WHERE key = %s", fresh)
            cursor.executemany(
                "INSERT INTO damaged_values (key, set_aside_at, reason, value)"
                " VALUES (%s, %s, %s, %s)",
                [(k, now, "not a valid ciphertext for the data key", v) for k, v in damaged],
            )
            cursor.executemany("DELETE FROM kv WHERE key = %s", [(k,) for k, _ in damaged])
    return len(fresh)


class NotEmpty(Exception):
    """The target database of a copy already holds data."""


def copy_from_sqlite(sqlite_path: str, db: PgDatabase) -> dict[str, int]:
    """Copy an embedded database's rows as they are (still encrypted) in one transaction.

    Values, values set aside and reminders are copied byte for byte and verified inside
    the transaction (counts, and a digest of every key and value); any difference rolls it
    all back. The SQLite file is opened read-only. Raise NotEmpty when the target holds data.
    """
    import hashlib
    import sqlite3

    source = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in source.execute("SELECT name FROM sqlite_master")}
        values = [(str(k), bytes(v)) for k, v in source.execute("SELECT key, value FROM chats")]
        damaged = (
            [
                (str(k), str(t), str(r), None if v is None else bytes(v))
                for k, t, r, v in source.execute(
                    "SELECT key, set_aside_at, reason, value FROM damaged_values ORDER BY id"
                )
            ]
            if "damaged_values" in tables
            else []
        )
        nudges = (
            list(source.execute("SELECT id, chat_id, kind, ref, due, state FROM nudges"))
            if "nudges" in tables
            else []
        )
    finally:
        source.close()

    def digest(rows: list[tuple[str, bytes]]) -> str:
        h = hashlib.sha256()
        for key, value in sorted(rows):
            h.update(hashlib.sha256(key.encode()).digest() + hashlib.sha256(value).digest())
        return h.hexdigest()

    with db.transaction() as conn:
        conn.execute("LOCK TABLE kv, damaged_values, nudges IN EXCLUSIVE MODE")
        for table in ("kv", "damaged_values", "nudges"):
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            if row and row[0]:
                raise NotEmpty(f"the table {table} already holds {row[0]} rows")
        with conn.cursor() as cursor:
            cursor.executemany("INSERT INTO kv (key, value) VALUES (%s, %s)", values)
            cursor.executemany(
                "INSERT INTO damaged_values (key, set_aside_at, reason, value)"
                " VALUES (%s, %s, %s, %s)",
                damaged,
            )
            cursor.executemany("INSERT INTO nudges VALUES (%s, %s, %s, %s, %s, %s)", nudges)
        copied = [(str(k), bytes(v)) for k, v in conn.execute("SELECT key, value FROM kv")]
        counts = {
            t: int(r[0])
            for t in ("kv", "damaged_values", "nudges")
            if (r := conn.execute(f"SELECT count(*) FROM {t}").fetchone()) is not None
        }
        expected = {"kv": len(values), "damaged_values": len(damaged), "nudges": len(nudges)}
        if counts != expected or digest(copied) != digest(values):
            raise RuntimeError(f"the copy does not match the source: {counts} != {expected}")
    return {"values": len(values), "set_aside": len(damaged), "reminders": len(nudges)}
