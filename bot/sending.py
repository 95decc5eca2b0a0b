"""Turning Replies into Telegram messages: HTML, keyboards, forced replies, edits, files."""

from __future__ import annotations

import asyncio
import logging

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated

from bot.service import Conversations
from dialogues import Reply
from dialogues.markup import split_message

log = logging.getLogger("inklusionsguiden.telegram")
Markup = InlineKeyboardMarkup | ForceReply | None


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Turn a Reply's buttons into an inline keyboard."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
            for row in reply.buttons
        ]
    )


class Outbox:
    """Sends a turn's replies to one chat; remembers each chat's last message with buttons.

    That message is what a Reply with `edit` replaces (groups read better with fewer posts).
    The memory is only an optimisation: after a restart the bot simply posts a new message.
    """

    def __init__(self, conversations: Conversations) -> None:
        self.conversations = conversations
        self.last_keyboard: dict[int, int] = {}

    async def send(self, bot: object, chat_id: int, replies: list[Reply]) -> list[Message]:
        """Send every reply, in order; a chat that became a supergroup is followed."""
        try:
            return await self._send_all(bot, chat_id, replies)
        except ChatMigrated as exc:
            new_id = int(exc.new_chat_id)
            await asyncio.to_thread(self.conversations.migrate, chat_id, new_id)
            return await self._send_all(bot, new_id, replies)

    async def _send_all(self, bot: object, chat_id: int, replies: list[Reply]) -> list[Message]:
        sent: list[Message] = []
        for reply in replies:
            if reply.export is not None:
                sent.append(await self._send_export(bot, chat_id, reply))
            elif reply.edit and await self._edit(bot, chat_id, reply):
                continue
            else:
                sent += await self._send_text(bot, chat_id, reply)
        return sent

    async def _send_text(self, bot: object, chat_id: int, reply: Reply) -> list[Message]:
        parts = split_message(reply.text)
        sent = []
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            markup: Markup = None
            if last:
                markup = ForceReply(selective=True) if reply.force_reply else keyboard(reply)
            message = await bot.send_message(  # type: ignore[attr-defined]
                chat_id, part, parse_mode=ParseMode.HTML, reply_markup=markup
            )
            if last and reply.buttons:
                self.last_keyboard[chat_id] = message.message_id
            sent.append(message)
        return sent

    async def _edit(self, bot: object, chat_id: int, reply: Reply) -> bool:
        """Replace the last message with buttons; False when there is none to replace."""
        message_id = self.last_keyboard.get(chat_id)
        parts = split_message(reply.text)
        if message_id is None or len(parts) > 1:
            return False
        try:
            await bot.edit_message_text(  # type: ignore[attr-defined]
                parts[0],
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply),
            )
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return True
            log.info("edit failed chat=%s error=%s; sending anew", chat_id, type(exc).__name__)
            return False
        return True

    async def _send_export(self, bot: object, chat_id: int, reply: Reply) -> Message:
        """Render the plan file off the event loop and send it as a document with a caption."""
        assert reply.export is not None
        await bot.send_chat_action(chat_id, "upload_document")  # type: ignore[attr-defined]
        name, data = await asyncio.to_thread(self.conversations.export, chat_id, reply.export)
        log.info("export chat=%s format=%s bytes=%d", chat_id, reply.export, len(data))
        return await bot.send_document(  # type: ignore[attr-defined, no-any-return]
            chat_id, InputFile(data, filename=name), caption=reply.text, parse_mode=ParseMode.HTML
        )
