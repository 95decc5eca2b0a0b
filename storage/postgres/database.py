"""The PostgreSQL database the workers share: a connection pool, thread-bound sessions
holding each chat's advisory lock, the migrations, the workers' lock and the send pace.

Every connection reads rows as `Row` (tuples of objects, storage/rows.py), so what comes
off the server is narrowed, column by column, before the stores use it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import psycopg
from psycopg.rows import RowMaker
from psycopg_pool import ConnectionPool

from storage.postgres.migrations import MIGRATIONS
from storage.rows import Row, count, integer, number

MIGRATIONS_LOCK = 0x1B07_0001  # advisory lock ids of our own (a 64-bit key space)
WORKERS_LOCK = 0x1B07_0002
CHAT_LOCK_SPACE = 1  # two-int advisory locks: (space, chat id folded to 32 bits)
KEY_LOCK_SPACE = 2

Connection = psycopg.Connection[Row]


def object_rows(cursor: object) -> RowMaker[Row]:
    """psycopg's row factory for `Row`: plain tuples (its fast path), typed as objects."""
    return tuple


def is_postgres_url(url: str) -> bool:
    """Tell whether a URL names a PostgreSQL database."""
    return url.startswith(("postgresql://", "postgres://"))


def fold(chat_id: int) -> int:
    """Fold a Telegram id (up to 52 bits) into PostgreSQL's int4 for a two-key lock."""
    folded = (chat_id ^ (chat_id >> 32)) & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= 1 << 31 else folded


class _Bound(threading.local):
    """The connection of the session this thread is in, if any."""

    conn: Connection | None = None


class PgDatabase:
    """A connection pool, the migrations, and the thread-bound transactions of turns."""

    shared = True  # several processes write it: no process may cache what it last wrote

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 8) -> None:
        self.url = url
        self._local = _Bound()
        options: dict[str, object] = {"autocommit": True, "row_factory": object_rows}
        self.pool: ConnectionPool[Connection] = ConnectionPool(
            url, min_size=min_size, max_size=max_size, kwargs=options, open=False, timeout=30
        )
        self.pool.open(wait=True, timeout=10)
        self._worker_conn: Connection | None = None

    # ---- connections and sessions --------------------------------------------------

    @contextlib.contextmanager
    def connection(self) -> Iterator[Connection]:
        """The thread's session connection, or a pooled one in autocommit mode."""
        current = self._local.conn
        if current is not None:
            yield current
            return
        with self.pool.connection() as conn:
            yield conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A transaction: the session's (nested as a savepoint), or a new one."""
        with self.connection() as conn, conn.transaction():
            yield conn

    @contextlib.contextmanager
    def session(self, *chat_ids: int) -> Iterator[None]:
        """One transaction for this thread, holding each chat's advisory lock until commit."""
        current = self._local.conn
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
    def _lock_chats(conn: Connection, chat_ids: tuple[int, ...]) -> None:
        for folded in sorted({fold(c) for c in chat_ids}):  # a fixed order: no deadlock
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (CHAT_LOCK_SPACE, folded))

    def in_session(self) -> bool:
        """Tell whether this thread is inside a session."""
        return self._local.conn is not None

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
                applied = {integer(r[0], "schema_migrations.version") for r in rows}
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
            row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations")
            return count(row.fetchone(), "schema_migrations.version")

    def hold_worker_lock(self) -> None:
        """Hold the shared workers' lock for as long as this process runs (its own connection)."""
        if self._worker_conn is None:
            conn = psycopg.connect(self.url, autocommit=True, row_factory=object_rows)
            self._worker_conn = conn  # closed by close(), even if taking the lock fails
            conn.execute("SELECT pg_advisory_lock_shared(%s)", (WORKERS_LOCK,))

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
            return count(row, "pg_database_size")

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
        return max(number(row[0], "send_pace.next_slot"), 0.0) if row else 0.0

    def take_chat_slot(self, chat_id: int, limit: int, period: float) -> float:
        """Count a message to a chat in a sliding window shared by all workers.

        Return 0 when it may go now (and count it), else how many seconds to wait (not
        counted: ask again then).
        """
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (KEY_LOCK_SPACE, fold(chat_id)))
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
            sent = count(row, "send_hits count")
            wait = number(row[1], "send_hits.at", null=0.0) if row else 0.0
            if sent >= limit:
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
