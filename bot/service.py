"""The turn loop shared by every adapter: load state, step, save durably, then reply."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from dialogues import ChatState, Event, Library, Reply, step
from storage import Store

log = logging.getLogger("inklusionsguiden.turn")


def chat_key(chat_id: int) -> str:
    """Return the storage key of a chat's state."""
    return f"chat:{chat_id}"


def utcnow() -> datetime:
    """Return the current time, timezone-aware."""
    return datetime.now(UTC)


class Conversations:
    """Runs turns for many chats; a chat's turns run one at a time, in order."""

    def __init__(self, library: Library, store: Store, clock: Callable[[], datetime] = utcnow):
        self.library = library
        self.store = store
        self.clock = clock
        self._locks: dict[int, asyncio.Lock] = {}

    def load(self, chat_id: int) -> ChatState:
        """Return the chat's stored state (a fresh one for a new chat)."""
        return ChatState.from_dict(self.store.get(chat_key(chat_id)))

    def handle(self, event: Event) -> list[Reply]:
        """Run one turn synchronously: the new state is committed before this returns."""
        state = self.load(event.chat_id)
        if state.lang is None:
            state.lang = self.library.default
        new_state, replies = step(self.library.get(state.lang), state, event)
        self.store.put(chat_key(event.chat_id), new_state.to_dict())
        log.info("turn chat=%s kind=%s replies=%d", event.chat_id, event.kind, len(replies))
        return replies

    async def handle_async(self, event: Event) -> list[Reply]:
        """Run one turn off the event loop, after any earlier turn of the same chat."""
        lock = self._locks.setdefault(event.chat_id, asyncio.Lock())
        try:
            async with lock:
                return await asyncio.to_thread(self.handle, event)
        finally:
            if not lock.locked() and not lock._waiters:
                self._locks.pop(event.chat_id, None)
