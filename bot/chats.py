"""A chat's stored state and its reminders: the keys, loading, saving, and the nudge sync."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from dialogues import ChatState, Library
from dialogues.reminders.planner import Nudge, wanted
from storage import Store
from storage.nudges import NudgeRow, NudgeStore

ALIASES_KEY = "migrations"  # old group id -> the supergroup it became
# Telegram keeps an update for at most 24 hours, so a redelivery comes within that time;
# ids older than this may come again by chance (after a quiet week ids restart at random).
SEEN_FOR = timedelta(hours=48)


def chat_key(chat_id: int) -> str:
    """Return the storage key of a chat's state."""
    return f"chat:{chat_id}"


def utcnow() -> datetime:
    """Return the current time, timezone-aware."""
    return datetime.now(UTC)


def has_content(state: ChatState) -> bool:
    """Tell whether a chat holds anything people wrote or decided (not only a menu visit)."""
    return bool(state.answers or state.plan or state.checklists)


def to_row(nudge: Nudge) -> NudgeRow:
    """Turn the engine's nudge into a storage row."""
    return NudgeRow(nudge.id, nudge.chat_id, nudge.kind, nudge.ref, nudge.due.isoformat())


class ChatStore:
    """Reads and writes chats' states and keeps each chat's reminders in line with its state."""

    def __init__(
        self,
        library: Library,
        store: Store,
        clock: Callable[[], datetime] = utcnow,
        nudges: NudgeStore | None = None,
    ) -> None:
        self.library = library
        self.store = store
        self.clock = clock
        self.nudges = nudges
        self._synced: dict[int, frozenset[str]] = {}  # per chat: the nudge ids last synced
        # A store several processes write (PostgreSQL) cannot trust what this one last wrote.
        self._shared = bool(getattr(store, "shared", False))
        # Old group id -> the supergroup it became (kept in memory: locks must not wait on I/O)
        stored = store.get(ALIASES_KEY) or {}
        self.aliases: dict[int, int] = {int(k): int(v) for k, v in stored.items()}

    def atomic(self, *chat_ids: int) -> contextlib.AbstractContextManager[None]:
        """One transaction holding these chats' locks across processes, where the store has
        them (PostgreSQL: storage/postgres/); the embedded store needs none (one process)."""
        session = getattr(self.store, "session", None)
        return session(*chat_ids) if session is not None else contextlib.nullcontext()

    def load(self, chat_id: int) -> ChatState:
        """Return the chat's stored state (a fresh one for a new chat)."""
        return ChatState.from_dict(self.store.get(chat_key(chat_id)))

    def save(self, chat_id: int, state: ChatState) -> None:
        """Commit a chat's state, then bring its nudges in line with it."""
        rows = self.wanted_rows(chat_id, state)  # before the write: all or nothing
        self.store.put(chat_key(chat_id), state.to_dict())
        self._sync_rows(chat_id, rows)

    def sync_nudges(self, chat_id: int, state: ChatState) -> None:
        """Store the nudges the state calls for; drop future ones it no longer does."""
        self._sync_rows(chat_id, self.wanted_rows(chat_id, state))

    def wanted_rows(self, chat_id: int, state: ChatState) -> list[NudgeRow] | None:
        """Return the nudge rows the state calls for (None without a nudge store)."""
        if self.nudges is None:
            return None
        content = self.library.get(state.lang)
        retention = int(self.library.operator.get("retention_days") or 0) or None
        return [
            to_row(n)
            for n in wanted(content, state, chat_id, self.clock(), retention, tz=self.library.tz)
        ]

    def _sync_rows(self, chat_id: int, rows: list[NudgeRow] | None) -> None:
        if self.nudges is None or rows is None:
            return
        ids = frozenset(r.id for r in rows)
        if not self._shared and self._synced.get(chat_id) == ids:
            return  # nothing changed since this process last synced the chat: no write
        self.nudges.sync(chat_id, rows, self.clock().isoformat())
        self._synced[chat_id] = ids
