"""Reading a Telegram update into the engine's Event: who spoke, where, and what."""

from __future__ import annotations

import re

from telegram import Message, Update

from bot.service import Conversations
from dialogues import Event

# A message a group's anonymous admin posts comes "from" this bot, with sender_chat the group.
ANONYMOUS_ADMIN = 1087968824
_ADDRESSED = re.compile(r"^/[A-Za-z0-9_]+@([A-Za-z0-9_]+)")


def _sender(update: Update, message: Message | None) -> tuple[int, str, bool] | None:
    """Return (voice id, name, is an anonymous admin) of who sent the update."""
    user, chat = update.effective_user, update.effective_chat
    sender_chat = message.sender_chat if message is not None else None
    if sender_chat is not None and (chat is None or chat.type not in ("group", "supergroup")):
        return None  # only a group has anonymous admins and members posting as a channel
    if sender_chat is not None and chat is not None:
        if sender_chat.id == chat.id:  # an admin posting anonymously as the group
            return chat.id, chat.title or "Admin", True
        # A member posting as a channel: a voice of its own, keyed by the channel.
        return sender_chat.id, sender_chat.title or sender_chat.username or "?", False
    if user is None:
        return None
    return user.id, user.first_name or "", False


def for_another_bot(text: str, bot_username: str | None) -> bool:
    """Tell whether a command names another bot (/start@OtherBot): not ours to obey."""
    match = _ADDRESSED.match(text)
    return bool(match and bot_username and match.group(1).lower() != bot_username.lower())


def to_event(update: Update, conversations: Conversations, bot_id: int = 0) -> Event | None:
    """Turn a message or button update into an engine Event; None for anything else."""
    chat, user = update.effective_chat, update.effective_user
    query = update.callback_query
    message = update.message or update.edited_message
    shown = query.message if query is not None and isinstance(query.message, Message) else None
    sender = _sender(update, message)
    if chat is None or sender is None:
        return None
    voice, name, anonymous_admin = sender
    replied = message.reply_to_message if message is not None else None
    to_bot = bool(replied and replied.from_user and replied.from_user.id == bot_id)
    placed = message or shown
    base = {
        "chat_id": chat.id,
        "user_id": voice,
        "user_name": name,
        "at": conversations.clock(),
        "chat_type": chat.type,
        "user_lang": (user.language_code if user else None) or "",
        "update_id": update.update_id,
        "chat_title": chat.title or "",
        "reply_to_bot": to_bot,
        # a message's own id; for a press, the id of the message that carries the button
        "message_id": placed.message_id if placed is not None else 0,
        "reply_to_message_id": replied.message_id if replied is not None and to_bot else 0,
        "thread_id": (placed.message_thread_id or 0) if placed and placed.is_topic_message else 0,
        "user_handle": (user.username or "") if user and not anonymous_admin else "",
        "is_admin": True,
    }
    if query is not None:
        return Event(kind="button", data=query.data or "", **base)  # type: ignore[arg-type]
    if update.edited_message is not None:
        return Event(kind="edited", **base) if chat.type == "private" else None  # type: ignore[arg-type]
    if message is None or message.is_automatic_forward:
        return None  # a linked channel's post copied into its discussion group
    if message.text is None:
        return Event(kind="media", **base)  # type: ignore[arg-type]
    kind = "command" if message.text.startswith("/") else "text"
    return Event(kind=kind, text=message.text, **base)  # type: ignore[arg-type]
