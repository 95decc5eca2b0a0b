"""The reminder store in PostgreSQL: the NudgeStore protocol over the `nudges` table.

A reminder is claimed with a conditional UPDATE (pending -> sent) that only one worker can
win; a worker dying after a claim loses that one reminder, never the others.
"""

from __future__ import annotations

from storage.nudges import NudgeRow, nudge_row
from storage.postgres.database import PgDatabase
from storage.rows import count as row_count

COLUMNS = "id, chat_id, kind, ref, due, state"


class PgNudgeStore:
    """The NudgeStore protocol over the `nudges` table, shared by all workers."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    def _rows(self, sql: str, args: tuple[object, ...]) -> list[NudgeRow]:
        with self.db.connection() as conn:
            found = conn.execute(sql, args).fetchall()
        return [nudge_row(row) for row in found]

    def sync(self, chat_id: int, wanted: list[NudgeRow], now: str) -> None:
        """Insert the wanted nudges (existing ids untouched); drop future ones not wanted."""
        values = [(n.id, n.chat_id, n.kind, n.ref, n.due) for n in wanted]
        ids = [n.id for n in wanted]
        with self.db.transaction() as conn:
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO nudges VALUES (%s, %s, %s, %s, %s, 'pending')"
                    " ON CONFLICT (id) DO NOTHING",
                    values,
                )
            conn.execute(
                "DELETE FROM nudges WHERE chat_id = %s AND state = 'pending' AND due > %s"
                " AND NOT (id = ANY(%s))",
                (chat_id, now, ids),
            )

    def due(self, now: str, limit: int = 500, kind: str | None = None) -> list[NudgeRow]:
        """Return pending nudges due at or before `now`, the oldest first (of `kind` only,
        when given)."""
        if kind is not None:
            return self._rows(
                f"SELECT {COLUMNS} FROM nudges WHERE state = 'pending' AND due <= %s"
                " AND kind = %s ORDER BY due LIMIT %s",
                (now, kind, limit),
            )
        return self._rows(
            f"SELECT {COLUMNS} FROM nudges WHERE state = 'pending' AND due <= %s"
            " ORDER BY due LIMIT %s",
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
            f"SELECT {COLUMNS} FROM nudges WHERE chat_id = %s AND state = 'pending' ORDER BY due",
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
        return row_count(row, "nudges count")

    def close(self) -> None:
        """The database is closed by its owner."""
