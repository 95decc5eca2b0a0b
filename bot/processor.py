"""Processing updates concurrently across chats, one at a time within a chat.

PTB processes updates one by one by default, so one slow or rate-limited chat made every
other chat wait (a board flooding its group delayed a private /start by over 30 s). This
processor runs updates of different chats concurrently and keeps each chat's updates in the
order Telegram sent them, by holding the chat's lock (the same lock the reminder sender
takes) around its turn. PTB's issue #3509 describes this very case.

Order within a chat: PTB starts one task per update in the order it fetched them, and each
task reaches the chat's lock without waiting on anything else first (the lookup of a chat's
current id is in memory), so the lock's queue is in Telegram's order.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.service import Conversations

# Updates in flight at once, waiting or running; a bound on memory, not on throughput (the
# turns' work runs in the thread pool, which has its own few threads).
MAX_IN_FLIGHT = 1024


def chat_of(update: object) -> int | None:
    """Return the chat whose order the update belongs to (None: needs no chat lock)."""
    if not isinstance(update, Update):
        return None
    message = update.effective_message
    if message is not None and (message.migrate_to_chat_id or message.migrate_from_chat_id):
        return None  # a migration takes both chats' locks itself
    chat = update.effective_chat
    return chat.id if chat is not None else None


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in order within a chat."""

    def __init__(self, conversations: Conversations, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        super().__init__(max_in_flight)
        self.conversations = conversations

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers while holding its chat's lock."""
        chat_id = chat_of(update)
        if chat_id is None:
            await coroutine
            return
        async with self.conversations.locked(chat_id):
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
