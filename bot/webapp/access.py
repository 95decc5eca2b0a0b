"""Who may open which plan in the Mini App, by the same rule as /grupper.

A user opens their own private plan (chat id = their user id) and the plans of groups they
are a member of right now: the group must be in their member index (bot/memberindex.py)
and Telegram must say, asked now, that they are in it (bot/groups.is_member_now). Whether
they administer it is Telegram's answer to that same question. Nothing comes from the page
but the signed user and the chat id it asks for.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from telegram.ext import Application

from bot import memberindex
from bot.chats import chat_key
from bot.groups import Members, is_member_now
from bot.outbox import Outbox
from bot.service import Conversations
from bot.webapp.auth import MAX_AGE, WebUser
from bot.webapp.limits import Pacer, RecentIds
from dialogues import ChatState

log = logging.getLogger("inklusionsguiden.webapp")
STATIC = Path(__file__).parent / "static"  # the built page (webapp/ is its source)
_CHAT = re.compile(r"-?[1-9][0-9]{0,15}")
_START = re.compile(r"g([1-9][0-9]{0,15})")


class Denied(Exception):
    """The user may not open this plan: `status` and `code` of the HTTP answer."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status, self.code = status, code


@dataclass
class WebApp:
    """What the Mini App's handlers share: the running bot, its token and the guards."""

    application: Application  # type: ignore[type-arg]
    token: str
    max_age: int = MAX_AGE
    static: Path = STATIC
    clock: Callable[[], float] = time.time
    pacer: Pacer = field(default_factory=Pacer)
    seen: RecentIds = field(default_factory=RecentIds)

    @property
    def conversations(self) -> Conversations:
        """Return the bot's turn loop."""
        return self.application.bot_data["conversations"]  # type: ignore[no-any-return]

    @property
    def members(self) -> Members:
        """Return the bot's getChatMember cache."""
        return self.application.bot_data["members"]  # type: ignore[no-any-return]

    @property
    def outbox(self) -> Outbox:
        """Return the bot's normal reply path."""
        return self.application.bot_data["outbox"]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Opened:
    """A plan the user may open: its chat, its stored state, its title, their rights."""

    chat_id: int
    state: ChatState
    title: str
    admin: bool

    @property
    def in_group(self) -> bool:
        """Tell whether it is a group's plan."""
        return self.chat_id < 0


def chat_param(raw: object) -> int | None:
    """Read a chat id the page sent (a string of digits, '-' for groups); None if odd."""
    return int(raw) if isinstance(raw, str) and _CHAT.fullmatch(raw) else None


async def load(app: WebApp, chat_id: int) -> ChatState | None:
    """Return a chat's stored state, None when there is none (or it cannot be read)."""
    conversations = app.conversations
    try:
        raw = await asyncio.to_thread(conversations.store.get, chat_key(chat_id))
        return None if raw is None else ChatState.from_dict(raw)
    except Exception as exc:
        log.warning("plan not readable chat=%s error=%s", chat_id, type(exc).__name__)
        return None


def reader_lang(app: WebApp, user: WebUser, own: ChatState | None) -> str:
    """The user's language: their private chat's, else the one a new chat would speak
    (their Telegram language when the content has it, else the fallback language)."""
    library = app.conversations.library
    if own is not None and own.lang in library.languages:
        return own.lang
    return library.pick(user.language_code)


async def open_plan(app: WebApp, user: WebUser, chat_id: int) -> Opened:
    """Return the plan of `chat_id` if the user may open it now; else raise Denied."""
    if chat_id > 0:
        if chat_id != user.id:
            raise Denied(403, "not_member")
        state = await load(app, chat_id) or ChatState()
        return Opened(chat_id, state, "", True)
    chat_id = app.conversations.resolve(chat_id)  # a group that became a supergroup
    store, bot = app.conversations.store, app.application.bot
    groups = await asyncio.to_thread(memberindex.groups_of, store, user.id)
    if chat_id not in groups or not await is_member_now(bot, app.members, chat_id, user.id):
        log.info("plan refused chat=%s reason=not_member", chat_id)
        raise Denied(403, "not_member")
    stored = await load(app, chat_id)
    if stored is None:
        raise Denied(404, "no_plan")
    admin = await app.members.is_admin(bot, chat_id, user.id)  # the answer just given
    return Opened(chat_id, stored, str(stored.settings.get("title") or chat_id), admin)


async def plans_of(app: WebApp, user: WebUser) -> list[Opened]:
    """Return the user's own plan, then each group plan they may open right now."""
    groups = await asyncio.to_thread(memberindex.groups_of, app.conversations.store, user.id)
    opened = await asyncio.gather(
        *(open_plan(app, user, c) for c in [user.id, *groups]), return_exceptions=True
    )
    for result in opened:
        if isinstance(result, BaseException) and not isinstance(result, Denied):
            raise result
    return [result for result in opened if isinstance(result, Opened)]


def start_chat(user: WebUser, plans: list[Opened]) -> str | None:
    """Return the chat the page was opened for (`startapp=g<digits>`), if the user may."""
    match = _START.fullmatch(user.start_param)
    wanted = -int(match.group(1)) if match else None
    return str(wanted) if any(p.chat_id == wanted for p in plans) else None
