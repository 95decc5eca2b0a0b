"""What an adapter does with a turn's replies: one small protocol for every sender.

The engine returns Reply values and never sends anything; each adapter has one Outbox that
delivers them: Telegram's (bot/sending.py) posts messages, edits and files through the Bot
it was given, the terminal's (bot/terminal.py) prints them and numbers their buttons. The
code that hands replies over (the turn handlers, the reminder sender, the Mini App's notices)
takes an Outbox, so a test or a third adapter can pass its own.

It lives in bot/, not in the engine: where a reply lands (a forum topic, the message it
answers) and waiting on the network are the adapters' business, not the engine's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dialogues import Reply


@dataclass(frozen=True)
class Where:
    """Where a turn's replies go: the chat, its forum topic, the member's message."""

    chat_id: int
    thread_id: int = 0  # the forum topic the board works in (0: none)
    reply_to: int = 0  # the member's message a forced reply answers (0: none)

    def kwargs(self) -> dict[str, object]:
        """Return the sendMessage parameters that place a message here."""
        return {"message_thread_id": self.thread_id} if self.thread_id else {}


class Outbox(Protocol):
    """Delivers one turn's replies to a chat, all of them, in order.

    A coroutine, because a sender may wait on the network (the terminal's never does). It
    returns once every reply is out; a reply that cannot be delivered raises.
    """

    async def send(self, where: Where, replies: list[Reply]) -> None:
        """Deliver `replies` to the chat `where` names."""
        ...
