"""Turning Replies into Telegram messages: HTML, keyboards, forced replies, edits, files."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyParameters,
    WebAppInfo,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated

from bot.outbox import Outbox, Where
from bot.service import Conversations
from dialogues import Button, Reply
from dialogues.documents.formats import PICTURES
from dialogues.markup import split_message

log = logging.getLogger("inklusionsguiden.telegram")
Markup = InlineKeyboardMarkup | ForceReply | None


def keyboard(reply: Reply, chat_id: int = 0, bot_username: str = "") -> InlineKeyboardMarkup | None:
    """Turn a Reply's buttons into an inline keyboard for the chat `chat_id`."""
    found = [
        [b for b in (button(b, chat_id, bot_username) for b in row) if b] for row in reply.buttons
    ]
    found = [row for row in found if row]
    return InlineKeyboardMarkup(found) if found else None


def button(b: Button, chat_id: int, bot_username: str) -> InlineKeyboardButton | None:
    """One button: a press (callback data), a link, or the Mini App.

    Telegram allows a `web_app` button only in a private chat; in a group it becomes a link
    to the bot's main Mini App, `https://t.me/<bot>?startapp=g<digits>` (group -100123 ->
    g100123), which the page reads as the plan to open. None when that cannot be made.
    """
    if b.web_app and chat_id > 0:
        return InlineKeyboardButton(b.label, web_app=WebAppInfo(b.web_app))
    if b.web_app:
        link = f"https://t.me/{bot_username}?startapp=g{-chat_id}"
        return InlineKeyboardButton(b.label, url=link) if bot_username and chat_id < 0 else None
    if b.url:
        return InlineKeyboardButton(b.label, url=b.url)
    return InlineKeyboardButton(b.label, callback_data=b.data)


def username_of(bot: object) -> str:
    """Return the bot's @username without the @ ('' before it is known)."""
    try:
        return str(getattr(bot, "username", "") or "")
    except RuntimeError:  # PTB: the Bot is not initialised yet
        return ""


class TelegramOutbox:
    """Sends a turn's replies to one chat through Telegram, in order (an Outbox).

    In groups it remembers what each new message shows (a question, a prompt), by message id,
    so a member's reply lands under the question it answers and gathered answers edit that
    question's own message, never whatever message happens to be last.
    """

    def __init__(self, conversations: Conversations, bot: Callable[[], object]) -> None:
        self.conversations = conversations
        # Asked at each send: the application's Bot as it is then (what a handler's
        # context.bot is), also when it was replaced after building (the benchmarks do).
        self.bot = bot

    async def send(self, where: Where, replies: list[Reply]) -> None:
        """Send every reply, in order; a chat that became a supergroup is followed."""
        bot = self.bot()
        try:
            await self._send_all(bot, where, replies)
        except ChatMigrated as exc:
            new_id = int(exc.new_chat_id)
            # Move the data in a task of its own: it takes both chats' locks, and this turn
            # may hold the old one.
            asyncio.get_running_loop().create_task(self._migrate(where.chat_id, new_id))
            await self._send_all(bot, Where(new_id, where.thread_id), replies)

    async def _migrate(self, old_id: int, new_id: int) -> None:
        async with self.conversations.locked(old_id, new_id):
            await asyncio.to_thread(self.conversations.migrate, old_id, new_id)

    async def _send_all(self, bot: object, where: Where, replies: list[Reply]) -> list[Message]:
        sent: list[Message] = []
        posts: list[tuple[int, str]] = []
        for reply in replies:
            if reply.export is not None:
                sent.append(await self._send_export(bot, where, reply))
            elif reply.edit_message_id and await self._edit(bot, where, reply):
                continue
            else:
                messages = await self._send_text(bot, where, reply)
                sent += messages
                if reply.tag and messages:
                    posts.append((messages[-1].message_id, reply.tag))
        if posts:
            await asyncio.to_thread(self.conversations.remember_posts, where.chat_id, posts)
        return sent

    async def _send_text(self, bot: object, where: Where, reply: Reply) -> list[Message]:
        parts = split_message(reply.text)
        sent = []
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            markup: Markup = None
            extra = where.kwargs()
            if last:
                markup = (
                    ForceReply(selective=True)
                    if reply.force_reply
                    else keyboard(reply, where.chat_id, username_of(bot))
                )
                if reply.force_reply and where.reply_to:
                    # The reply box then opens for the member whose message this answers.
                    extra["reply_parameters"] = ReplyParameters(
                        where.reply_to, allow_sending_without_reply=True
                    )
            message = await bot.send_message(  # type: ignore[attr-defined]
                where.chat_id, part, parse_mode=ParseMode.HTML, reply_markup=markup, **extra
            )
            sent.append(message)
        return sent

    async def _edit(self, bot: object, where: Where, reply: Reply) -> bool:
        """Replace the message the reply names; False when it cannot be (then send anew)."""
        parts = split_message(reply.text)
        if len(parts) > 1:
            return False
        try:
            await bot.edit_message_text(  # type: ignore[attr-defined]
                parts[0],
                chat_id=where.chat_id,
                message_id=reply.edit_message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply, where.chat_id, username_of(bot)),
            )
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return True
            log.info(
                "edit failed chat=%s error=%s; sending anew", where.chat_id, type(exc).__name__
            )
            return False
        return True

    async def _send_export(self, bot: object, where: Where, reply: Reply) -> Message:
        """Render the plan file off the event loop and send it with a caption: a picture (the
        time line) as a photo, any other format as a document."""
        assert reply.export is not None
        chat_id = where.chat_id
        photo = reply.export in PICTURES
        action = "upload_photo" if photo else "upload_document"
        await bot.send_chat_action(chat_id, action, **where.kwargs())  # type: ignore[attr-defined]
        name, data = await asyncio.to_thread(self.conversations.export, chat_id, reply.export)
        log.info("export chat=%s format=%s bytes=%d", chat_id, reply.export, len(data))
        send = bot.send_photo if photo else bot.send_document  # type: ignore[attr-defined]
        return await send(  # type: ignore[no-any-return]
            chat_id,
            InputFile(data, filename=name),
            caption=reply.text,
            parse_mode=ParseMode.HTML,
            **where.kwargs(),
        )


def _conforms(telegram: TelegramOutbox) -> Outbox:
    """Never called: mypy proves here that Telegram's sender is an Outbox."""
    return telegram
