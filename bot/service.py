"""The turn loop shared by every adapter: load state, step, save durably, then reply."""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections.abc import Callable
from datetime import UTC, datetime

from dialogues import ChatState, Event, Library, Reply, step
from dialogues.exporters import filename, render
from dialogues.nudges import Nudge, wanted
from dialogues.wholeplan import build_document
from storage import Store
from storage.nudges import NudgeRow, SqliteNudgeStore

log = logging.getLogger("inklusionsguiden.turn")


def chat_key(chat_id: int) -> str:
    """Return the storage key of a chat's state."""
    return f"chat:{chat_id}"


def utcnow() -> datetime:
    """Return the current time, timezone-aware."""
    return datetime.now(UTC)


def to_row(nudge: Nudge) -> NudgeRow:
    """Turn the engine's nudge into a storage row."""
    return NudgeRow(nudge.id, nudge.chat_id, nudge.kind, nudge.ref, nudge.due.isoformat())


class Conversations:
    """Runs turns for many chats; a chat's turns run one at a time, in order."""

    def __init__(
        self,
        library: Library,
        store: Store,
        clock: Callable[[], datetime] = utcnow,
        nudges: SqliteNudgeStore | None = None,
    ) -> None:
        self.library = library
        self.store = store
        self.clock = clock
        self.nudges = nudges
        self._synced: dict[int, frozenset[str]] = {}  # per chat: the nudge ids last synced
        # Weak values: a chat's lock lives only while a turn holds or awaits it.
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def load(self, chat_id: int) -> ChatState:
        """Return the chat's stored state (a fresh one for a new chat)."""
        return ChatState.from_dict(self.store.get(chat_key(chat_id)))

    def save(self, chat_id: int, state: ChatState) -> None:
        """Commit a chat's state, then bring its nudges in line with it."""
        self.store.put(chat_key(chat_id), state.to_dict())
        self.sync_nudges(chat_id, state)

    def deactivate(self, chat_id: int) -> None:
        """The bot can no longer write to the chat (blocked, removed): stop its reminders.

        The data stays until the user deletes it or the retention period ends, so the
        retention nudges are kept; everything else is dropped by the sync.
        """
        state = self.load(chat_id)
        state.settings["inactive"] = True
        self.save(chat_id, state)

    def erase(self, chat_id: int) -> None:
        """Delete everything stored about a chat, for real (no soft delete)."""
        if self.nudges is not None:
            self.nudges.delete_chat(chat_id)
        self._synced.pop(chat_id, None)
        self.store.erase(chat_key(chat_id))
        log.info("chat erased chat=%s", chat_id)

    def migrate(self, old_id: int, new_id: int) -> None:
        """Move a group's data to its new id (the group became a supergroup)."""
        state = self.store.get(chat_key(old_id))
        if state is None or self.store.get(chat_key(new_id)) is not None:
            return
        self.store.put(chat_key(new_id), state)
        self.erase(old_id)
        self.sync_nudges(new_id, ChatState.from_dict(state))
        log.info("chat migrated old=%s new=%s", old_id, new_id)

    def sync_nudges(self, chat_id: int, state: ChatState) -> None:
        """Store the nudges the state calls for; drop future ones it no longer does."""
        if self.nudges is None:
            return
        now = self.clock()
        content = self.library.get(state.lang)
        retention = int(self.library.operator.get("retention_days") or 0) or None
        rows = [to_row(n) for n in wanted(content, state, chat_id, now, retention)]
        ids = frozenset(r.id for r in rows)
        if self._synced.get(chat_id) == ids:
            return  # nothing changed since this process last synced the chat: no write
        self.nudges.sync(chat_id, rows, now.isoformat())
        self._synced[chat_id] = ids

    def handle(self, event: Event) -> list[Reply]:
        """Run one turn synchronously: the new state is committed before this returns."""
        state = self.load(event.chat_id)
        if event.update_id and event.update_id <= state.last_update:
            log.info(
                "duplicate update dropped chat=%s update_id=%s", event.chat_id, event.update_id
            )
            return []
        state.last_update = max(state.last_update, event.update_id)
        state.settings.pop("inactive", None)  # the user is here: the chat is active again
        new_state, replies = step(self.library, state, event)
        if new_state is None:
            self.erase(event.chat_id)
            if event.update_id:
                # Only the update id survives, so that Telegram redelivering this very press
                # after a crash is recognised and dropped; nothing the users wrote is kept.
                self.store.put(
                    chat_key(event.chat_id), ChatState(last_update=event.update_id).to_dict()
                )
        else:
            self.save(event.chat_id, new_state)
        log.info("turn chat=%s kind=%s replies=%d", event.chat_id, event.kind, len(replies))
        return replies

    async def handle_async(self, event: Event) -> list[Reply]:
        """Run one turn off the event loop, after any earlier turn of the same chat."""
        async with self.lock(event.chat_id):
            return await asyncio.to_thread(self.handle, event)

    def lock(self, chat_id: int) -> asyncio.Lock:
        """Return the lock that keeps one chat's turns (and nudges) in order."""
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        return lock

    def export(self, chat_id: int, fmt: str) -> tuple[str, bytes]:
        """Return (file name, bytes) of the chat's plan in `fmt`, or of all its data as JSON."""
        state = self.load(chat_id)
        now = self.clock()
        if fmt == "json":
            data = {
                "chat_id": chat_id,
                "exported_at": now.isoformat(),
                "state": state.to_dict(),
                "pending_nudges": [
                    {"kind": n.kind, "about": n.ref, "due": n.due}
                    for n in (self.nudges.pending(chat_id) if self.nudges else [])
                ],
            }
            body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
            return f"inklusionsguiden-data-{chat_id}-{now:%Y-%m-%d}.json", body
        doc = build_document(self.library.get(state.lang), state, now)
        return filename(doc, fmt), render(doc, fmt, calendar_id=str(chat_id))
