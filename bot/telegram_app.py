"""The Telegram adapter: Update -> Event -> Conversations -> save -> send. Nothing more."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from telegram import (
    BotCommand,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import Config
from bot.groups import (
    GROUP_PLAN,
    Members,
    bot_joined,
    my_groups,
    remember_member,
    show_group_plan,
)
from bot.nudger import TICK_SECONDS, Nudger
from bot.sending import Outbox
from bot.service import Conversations
from dialogues import Event, parse_command
from dialogues.texts import COMMANDS, ENGLISH_NAMES

log = logging.getLogger("inklusionsguiden.telegram")


def rate_limiter() -> AIORateLimiter:
    """Pace sends evenly at Telegram's overall limit: one every 1/30 s.

    The default overall bucket holds 30 messages, so after a pause ~60 go out within a
    second and each resulting 429 stalls all sending (measured: 66 × 429 in a 1,000-user
    burst, 2 with even pacing). Groups keep the default 20 a minute as a bucket, so a board
    at its meeting gets quick answers. Retries honour a 429's retry_after, at most 3 times.
    """
    return AIORateLimiter(overall_max_rate=1, overall_time_period=1 / 30, max_retries=3)


def build_application(config: Config, conversations: Conversations) -> Application:  # type: ignore[type-arg]
    """Build the PTB Application with our handlers; it is not started."""
    assert config.token is not None
    application = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.base_url)
        .rate_limiter(rate_limiter())
        .post_init(_post_init)
        .build()
    )
    application.bot_data["conversations"] = conversations
    application.bot_data["outbox"] = outbox = Outbox(conversations)
    if conversations.nudges is not None and application.job_queue is not None:
        nudger = Nudger(conversations, config.tz, outbox)
        application.bot_data["nudger"] = nudger
        application.job_queue.run_repeating(_nudge_tick, interval=TICK_SECONDS, first=1)
    application.bot_data["members"] = Members()
    application.bot_data["known_members"] = set()
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE, on_message)
    )
    application.add_error_handler(on_error)
    return application


async def _nudge_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the nudges that are due (a JobQueue callback)."""
    nudger: Nudger = context.bot_data["nudger"]
    await nudger.tick(context.bot)


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    """Register the command menu: the default language for everyone, each other by code."""
    library = application.bot_data["conversations"].library
    for lang, content in library.languages.items():
        names = {n: ENGLISH_NAMES.get(n, n) if lang == "en" else n for n in COMMANDS}
        commands = [BotCommand(names[n], content.text(f"cmd_{n}")) for n in COMMANDS]
        code = None if lang == library.default else lang
        await application.bot.set_my_commands(commands, language_code=code)


def to_event(update: Update, conversations: Conversations, bot_id: int = 0) -> Event | None:
    """Turn a message or button update into an engine Event; None for anything else."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None
    replied = update.message.reply_to_message if update.message else None
    base = {
        "chat_id": chat.id,
        "user_id": user.id,
        "user_name": user.first_name or "",
        "at": conversations.clock(),
        "chat_type": chat.type,
        "user_lang": user.language_code or "",
        "update_id": update.update_id,
        "chat_title": chat.title or "",
        "reply_to_bot": bool(replied and replied.from_user and replied.from_user.id == bot_id),
    }
    if update.callback_query is not None:
        return Event(kind="button", data=update.callback_query.data or "", **base)  # type: ignore[arg-type]
    if update.edited_message is not None and chat.type == "private":
        return Event(kind="edited", **base)  # type: ignore[arg-type]
    message = update.message
    if message is None:
        return None
    if message.text is None:
        return Event(kind="media", **base)  # type: ignore[arg-type]
    kind = "command" if message.text.startswith("/") else "text"
    return Event(kind=kind, text=message.text, **base)  # type: ignore[arg-type]


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle a message: text, command or anything else."""
    await _turn(update, context)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle a button press; the query is answered first, and a failed answer stops nothing."""
    assert update.callback_query is not None
    try:
        await update.callback_query.answer()
    except TelegramError as exc:  # e.g. "query is too old" after downtime: still do the turn
        log.info(
            "callback answer failed update_id=%s error=%s", update.update_id, type(exc).__name__
        )
    await _turn(update, context)


async def _turn(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    conversations: Conversations = context.bot_data["conversations"]
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id:
        await asyncio.to_thread(conversations.migrate, message.chat_id, message.migrate_to_chat_id)
        return
    event = to_event(update, conversations, context.bot.id)
    if event is None or await _private_group_view(update, context, event):
        return
    if event.in_group:
        event = await _group_event(context, event)
    replies = await conversations.handle_async(event)  # state is committed here
    outbox: Outbox = context.bot_data["outbox"]
    await outbox.send(context.bot, event.chat_id, replies)


async def _group_event(context: ContextTypes.DEFAULT_TYPE, event: Event) -> Event:
    """Ask Telegram (cached) whether the sender is an admin; note them as a member."""
    conversations: Conversations = context.bot_data["conversations"]
    members: Members = context.bot_data["members"]
    known: set[tuple[int, int]] = context.bot_data["known_members"]
    if (event.chat_id, event.user_id) not in known:
        await asyncio.to_thread(remember_member, conversations, event.user_id, event.chat_id)
        known.add((event.chat_id, event.user_id))
    if event.kind in ("button", "command"):
        admin = await members.is_admin(context.bot, event.chat_id, event.user_id)
        return dataclasses.replace(event, is_admin=admin)
    return event


async def _private_group_view(
    update: Update, context: ContextTypes.DEFAULT_TYPE, event: Event
) -> bool:
    """Handle /grupper and its buttons in a private chat; False for everything else."""
    if event.chat_type != "private":
        return False
    conversations: Conversations = context.bot_data["conversations"]
    members: Members = context.bot_data["members"]
    command = parse_command(event.text) if event.kind == "command" else None
    if command and command[0] in ("grupper", "groups"):
        await my_groups(context.bot, conversations, members, event.user_id, event.chat_id)
        return True
    if event.kind == "button" and event.data.startswith(GROUP_PLAN):
        raw = event.data[len(GROUP_PLAN) :]
        if not raw.lstrip("-").isdigit():
            return False
        await show_group_plan(
            context.bot, conversations, members, event.user_id, event.chat_id, int(raw)
        )
        return True
    return False


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was added to a group (greet it) or removed (stop its nudges)."""
    joined = bot_joined(update)
    chat, user = update.effective_chat, update.effective_user
    if joined is None or chat is None or user is None:
        return
    conversations: Conversations = context.bot_data["conversations"]
    if not joined:
        await asyncio.to_thread(conversations.deactivate, chat.id)
        log.info("bot removed chat=%s", chat.id)
        return
    event = Event(
        chat_id=chat.id,
        user_id=user.id,
        user_name=user.first_name or "",
        kind="joined",
        at=conversations.clock(),
        chat_type=chat.type,
        user_lang=user.language_code or "",
        chat_title=chat.title or "",
    )
    replies = await conversations.handle_async(event)
    await context.bot_data["outbox"].send(context.bot, chat.id, replies)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log metadata only: the update id, the chat id and the exception type."""
    update_id = update.update_id if isinstance(update, Update) else None
    chat = update.effective_chat if isinstance(update, Update) else None
    error = context.error
    log.error(
        "update failed update_id=%s chat=%s error=%s",
        update_id,
        chat.id if chat else None,
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__) if error and _debug() else None,
    )


def _debug() -> bool:
    return log.isEnabledFor(logging.DEBUG)
