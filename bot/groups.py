"""Groups: who is an admin (asked of Telegram, cached briefly), the bot joining or leaving,
a group becoming a supergroup, and what a member's private view of their groups' plans may
show (checked before the turn; the engine's /grupper screen, dialogues/screens/groups.py,
renders it).

The private view trusts nothing it is handed: a plan is shown only for a group id the user
is indexed in (bot/memberindex.py), whose data exists, and only after Telegram says, at that
moment, that the user is in the group. The admin cache is never used for it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable

from telegram import ChatMember, Update
from telegram.error import TelegramError

from bot import memberindex
from bot.chats import chat_key
from bot.service import Conversations
from dialogues import ChatState, Event, parse_command
from dialogues.events import GroupsView
from dialogues.registry import REGISTRY
from dialogues.screens.groups import GROUP_PLAN as GROUP_PREFIX
from dialogues.state import DamagedState

log = logging.getLogger("inklusionsguiden.groups")
ADMIN = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)
GONE = (ChatMember.LEFT, ChatMember.BANNED)
ADMIN_TTL = 300.0  # seconds an answer from getChatMember is trusted
GROUP_PLAN = f"{GROUP_PREFIX}:"  # callback data of a private 'show this group's plan' button
GROUP_ID = re.compile(r"-[1-9][0-9]{0,15}")  # a group's or supergroup's id


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
        self.note(chat_id, user_id, status)
        return status

    def note(self, chat_id: int, user_id: int, status: str) -> None:
        """Remember a status Telegram just gave (a fresh answer also renews the cache)."""
        self._cache[(chat_id, user_id)] = (status, self.clock() + ADMIN_TTL)

    def forget(self, chat_id: int, user_id: int) -> None:
        """Drop a cached status (Telegram would not say: ask again next time)."""
        self._cache.pop((chat_id, user_id), None)

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
    memberindex.add(conversations.store, user_id, chat_id)


def known_member(conversations: Conversations, user_id: int, chat_id: int) -> bool:
    """Tell, without I/O, whether the user was already noted in the group by this process."""
    return memberindex.known(conversations.store, user_id, chat_id)


def migrate_index(conversations: Conversations) -> None:
    """Give the member index of an older version its hidden keys (once, at start-up)."""
    memberindex.migrate_legacy(conversations.store)


def group_id_of(raw: str) -> int | None:
    """Return the group id a 'show this plan' button names; None for anything odd.

    Groups and supergroups have negative ids; a private chat's (positive) id, zero, text,
    a plus sign, spaces or an absurd length are all refused.
    """
    return int(raw) if GROUP_ID.fullmatch(raw) else None


async def is_member_now(bot: object, members: Members, chat_id: int, user_id: int) -> bool:
    """Ask Telegram, now and never from the cache, whether the user is in the group.

    A member, an admin, the owner, or a restricted user who is still in the group; anyone
    who left, was removed, or was restricted and then left (`is_member` false) is not.
    """
    try:
        member = await bot.get_chat_member(chat_id, user_id)  # type: ignore[attr-defined]
    except TelegramError as exc:
        log.info("member lookup failed chat=%s error=%s", chat_id, type(exc).__name__)
        members.forget(chat_id, user_id)
        return False
    status = str(member.status)
    members.note(chat_id, user_id, status)
    if status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER):
        return True
    return status == ChatMember.RESTRICTED and getattr(member, "is_member", False) is True


async def groups_view(
    bot: object, conversations: Conversations, members: Members, event: Event
) -> GroupsView | None:
    """Find out, before the turn, what /grupper or a 'show this plan' press may show.

    Only in a private chat: the person's groups from the member index, each asked of
    Telegram now (never the cache). For a press, what followed 'grp:' in the button's data,
    as Telegram delivered it: anything but the id of a group the person took part in, is in
    right now, and whose data exists is refused. None for every other event.
    """
    if event.chat_type != "private":
        return None
    command = parse_command(event.text) if event.kind == "command" else None
    found = REGISTRY.command(command[0]) if command else None
    if found is not None and found.name == "grupper":
        return GroupsView(groups=await _groups_now(bot, conversations, members, event.user_id))
    if event.kind == "button" and event.data.startswith(GROUP_PLAN):
        raw = event.data[len(GROUP_PLAN) :]
        return await _plan_view(bot, conversations, members, event, raw)
    return None


async def _groups_now(
    bot: object, conversations: Conversations, members: Members, user_id: int
) -> tuple[tuple[int, str], ...]:
    """Return (id, title) of the groups in the person's index they are a member of now."""
    group_ids = await asyncio.to_thread(memberindex.groups_of, conversations.store, user_id)
    checks = [is_member_now(bot, members, g, user_id) for g in group_ids]
    found = []
    for group_id, member in zip(group_ids, await asyncio.gather(*checks), strict=True):
        if member:
            try:
                state = await asyncio.to_thread(conversations.load, group_id)
            except DamagedState:  # listed without its title: the data is kept, not served
                state = ChatState()
            found.append((group_id, str(state.settings.get("title") or "")))
    return tuple(found)


async def _plan_view(
    bot: object, conversations: Conversations, members: Members, event: Event, raw: str
) -> GroupsView:
    """Check a 'show this group's plan' press; the view says what the turn may answer."""
    user_id, chat_id = event.user_id, event.chat_id
    group_id = group_id_of(raw)
    if group_id is None:
        reason = "malformed"
    elif group_id not in await asyncio.to_thread(
        memberindex.groups_of, conversations.store, user_id
    ):
        reason = "not_in_index"
    elif not await is_member_now(bot, members, group_id, user_id):
        log.info("group plan refused chat=%s group=%s reason=not_member", chat_id, group_id)
        return GroupsView(outcome="not_member")
    else:
        stored = await asyncio.to_thread(conversations.store.get, chat_key(group_id))
        try:
            plan = None if stored is None else ChatState.from_dict(stored)
        except DamagedState:
            plan = None
        if plan is not None:
            return GroupsView(outcome="plan", plan=plan)
        reason = "no_data" if stored is None else "damaged"
    log.info("group plan refused chat=%s reason=%s", chat_id, reason)
    return GroupsView(outcome="refused")
