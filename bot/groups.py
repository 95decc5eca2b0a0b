"""Groups: who is an admin (asked of Telegram, cached briefly), the bot joining or leaving,
a group becoming a supergroup, and a member's private view of their groups' plans."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from telegram import ChatMember, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.service import Conversations, chat_key
from dialogues import ChatState
from dialogues.markup import split_message
from dialogues.planscreen import plan_html
from dialogues.wholeplan import build_document

log = logging.getLogger("inklusionsguiden.groups")
ADMIN = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)
GONE = (ChatMember.LEFT, ChatMember.BANNED)
ADMIN_TTL = 300.0  # seconds an answer from getChatMember is trusted
GROUP_PLAN = "grp:"  # callback data of a private 'show this group's plan' button


class Members:
    """Caches getChatMember answers for a few minutes: admin checks on every press are cheap."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._cache: dict[tuple[int, int], tuple[str, float]] = {}

    async def status(self, bot: object, chat_id: int, user_id: int) -> str:
        """Return the member's status in the chat ('left' when Telegram will not say)."""
        cached = self._cache.get((chat_id, user_id))
        if cached and cached[1] > self.clock():
            return cached[0]
        try:
            member = await bot.get_chat_member(chat_id, user_id)  # type: ignore[attr-defined]
            status = str(member.status)
        except TelegramError as exc:
            log.info("member lookup failed chat=%s error=%s", chat_id, type(exc).__name__)
            status = ChatMember.LEFT
        self._cache[(chat_id, user_id)] = (status, self.clock() + ADMIN_TTL)
        return status

    async def is_admin(self, bot: object, chat_id: int, user_id: int) -> bool:
        """Tell whether the user administers the group."""
        return await self.status(bot, chat_id, user_id) in ADMIN


def bot_joined(update: Update) -> bool | None:
    """True when the bot was added to a group, False when removed, None otherwise."""
    change = update.my_chat_member
    if change is None:
        return None
    old, new = change.old_chat_member.status, change.new_chat_member.status
    if new in GONE and old not in GONE:
        return False
    if old in GONE and new not in GONE:
        return True
    return None


def remember_member(conversations: Conversations, user_id: int, chat_id: int) -> None:
    """Note that a user took part in a group, for their private 'my groups' list."""
    key = f"user:{user_id}"
    index = conversations.store.get(key) or {"groups": []}
    if chat_id not in index["groups"]:
        index["groups"] = [*index["groups"], chat_id][-50:]
        conversations.store.put(key, index)


async def my_groups(
    bot: object, conversations: Conversations, members: Members, user_id: int, chat_id: int
) -> None:
    """Privately list the groups whose plans this user may see (still a member)."""
    index = await asyncio.to_thread(conversations.store.get, f"user:{user_id}")
    buttons = []
    for group_id in (index or {}).get("groups", []):
        if await members.status(bot, group_id, user_id) in GONE:
            continue
        state = await asyncio.to_thread(conversations.load, group_id)
        title = str(state.settings.get("title") or group_id)[:40]
        buttons.append([InlineKeyboardButton(title, callback_data=f"{GROUP_PLAN}{group_id}")])
    content = conversations.library.get((await asyncio.to_thread(conversations.load, chat_id)).lang)
    text = content.text("groups_pick" if buttons else "groups_none")
    markup = InlineKeyboardMarkup(buttons) if buttons else None
    await bot.send_message(chat_id, text, reply_markup=markup)  # type: ignore[attr-defined]


async def show_group_plan(
    bot: object,
    conversations: Conversations,
    members: Members,
    user_id: int,
    chat_id: int,
    group_id: int,
) -> None:
    """Send a group's whole plan privately, if the user is (still) a member of the group."""
    own = await asyncio.to_thread(conversations.load, chat_id)
    content = conversations.library.get(own.lang)
    if await members.status(bot, group_id, user_id) in GONE:
        await bot.send_message(chat_id, content.text("groups_not_member"))  # type: ignore[attr-defined]
        return
    stored = await asyncio.to_thread(conversations.store.get, chat_key(group_id))
    if stored is None:
        await bot.send_message(chat_id, content.text("groups_none"))  # type: ignore[attr-defined]
        return
    state = ChatState.from_dict(stored)  # one read: the document is built from it
    group_content = conversations.library.get(state.lang)
    text = plan_html(build_document(group_content, state, conversations.clock()))
    for part in split_message(text):
        await bot.send_message(chat_id, part, parse_mode=ParseMode.HTML)  # type: ignore[attr-defined]
