"""Nudges as rows: a table indexed by state and due time, so finding what is due costs in
proportion to what is due, not to the number of chats.

Delivery is at most once: a nudge is *claimed* (pending -> sent) in a committed write before
it is sent. A crash between the claim and the send loses that one reminder; the other order
(send, then mark) would send it twice after a crash, which a user notices far more.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from storage.rows import Row, integer, query, text
from storage.rows import count as row_count

SCHEMA = """
CREATE TABLE IF NOT EXISTS nudges (
    id TEXT PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    due TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
);
CREATE INDEX IF NOT EXISTS nudges_due ON nudges (state, due);
DROP INDEX IF EXISTS nudges_chat;
CREATE INDEX IF NOT EXISTS nudges_chat_due ON nudges (chat_id, state, due);
"""
COLUMNS = "id, chat_id, kind, ref, due, state"


@dataclass(frozen=True)
class NudgeRow:
    """A stored nudge; `due` is an ISO 8601 UTC timestamp, which sorts as text."""

    id: str
    chat_id: int
    kind: str
    ref: str
    due: str
    state: str = "pending"


def nudge_row(row: Row) -> NudgeRow:
    """Build a NudgeRow from (id, chat_id, kind, ref, due, state) as read from a table."""
    if len(row) != 6:
        raise ValueError(f"a nudge row has 6 columns, not {len(row)}")
    return NudgeRow(
        text(row[0], "nudges.id"),
        integer(row[1], "nudges.chat_id"),
        text(row[2], "nudges.kind"),
        text(row[3], "nudges.ref"),
        text(row[4], "nudges.due"),
        text(row[5], "nudges.state"),
    )


class NudgeStore(Protocol):
    """Where reminders live: the embedded SQLite table or PostgreSQL's (storage/postgres/)."""

    def sync(self, chat_id: int, wanted: list[NudgeRow], now: str) -> None:
        """Insert the wanted nudges (existing ids untouched); drop future ones not wanted."""
        ...

    def due(self, now: str, limit: int = 500, kind: str | None = None) -> list[NudgeRow]:
        """Return pending nudges due at or before `now`, the oldest first (of `kind` only,
        when given)."""
        ...

    def claim(self, nudge_id: str) -> bool:
        """Mark a pending nudge as sent; False when it was not pending (another claimed it)."""
        ...

    def defer(self, nudge_id: str, due: str) -> None:
        """Put a claimed nudge back for later."""
        ...

    def pending(self, chat_id: int) -> list[NudgeRow]:
        """Return a chat's pending nudges, the next first."""
        ...

    def delete_chat(self, chat_id: int) -> None:
        """Remove every nudge of a chat, sent or not."""
        ...

    def count(self, state: str = "pending") -> int:
        """Return how many nudges are in a state."""
        ...

    def close(self) -> None:
        """Release the store."""
        ...


class SqliteNudgeStore:
    """The nudge table in the bot's SQLite file (its own connection, WAL, synchronous=FULL)."""

    def __init__(self, path: Path | str) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.executescript(SCHEMA)

    def _rows(self, sql: str, args: tuple[object, ...]) -> list[NudgeRow]:
        with self._lock:
            found = query(self._db, sql, args).fetchall()
        return [nudge_row(row) for row in found]

    def sync(self, chat_id: int, wanted: list[NudgeRow], now: str) -> None:
        """Insert the wanted nudges (existing ids untouched); drop future ones not wanted.

        Pending nudges already due are left for the sender, which checks that what they are
        about still exists: a nudge that fell due while the bot was down is sent once.
        """
        ids = [n.id for n in wanted]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT OR IGNORE INTO nudges VALUES (?, ?, ?, ?, ?, 'pending')",
                    [(n.id, n.chat_id, n.kind, n.ref, n.due) for n in wanted],
                )
                marks = ",".join("?" * len(ids))
                self._db.execute(
                    f"DELETE FROM nudges WHERE chat_id = ? AND state = 'pending' AND due > ?"
                    f" AND id NOT IN ({marks})",
                    (chat_id, now, *ids),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def due(self, now: str, limit: int = 500, kind: str | None = None) -> list[NudgeRow]:
        """Return pending nudges due at or before `now`, the oldest first (of `kind` only,
        when given)."""
        if kind is not None:
            return self._rows(
                f"SELECT {COLUMNS} FROM nudges WHERE state = 'pending' AND due <= ?"
                " AND kind = ? ORDER BY due LIMIT ?",
                (now, kind, limit),
            )
        return self._rows(
            f"SELECT {COLUMNS} FROM nudges WHERE state = 'pending' AND due <= ?"
            " ORDER BY due LIMIT ?",
            (now, limit),
        )

    def claim(self, nudge_id: str) -> bool:
        """Mark a pending nudge as sent; False when it was not pending (sent or cancelled)."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE nudges SET state = 'sent' WHERE id = ? AND state = 'pending'", (nudge_id,)
            )
        return cursor.rowcount == 1

    def defer(self, nudge_id: str, due: str) -> None:
        """Put a claimed nudge back for later (Telegram asked us to wait)."""
        with self._lock:
            self._db.execute(
                "UPDATE nudges SET state = 'pending', due = ? WHERE id = ?", (due, nudge_id)
            )

    def pending(self, chat_id: int) -> list[NudgeRow]:
        """Return a chat's pending nudges, the next first."""
        return self._rows(
            f"SELECT {COLUMNS} FROM nudges WHERE chat_id = ? AND state = 'pending' ORDER BY due",
            (chat_id,),
        )

    def delete_chat(self, chat_id: int) -> None:
        """Remove every nudge of a chat, sent or not (the chat left or deleted its data)."""
        with self._lock:
            self._db.execute("DELETE FROM nudges WHERE chat_id = ?", (chat_id,))

    def count(self, state: str = "pending") -> int:
        """Return how many nudges are in a state."""
        with self._lock:
            row = query(self._db, "SELECT COUNT(*) FROM nudges WHERE state = ?", (state,))
            return row_count(row.fetchone(), "nudges count")

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()
