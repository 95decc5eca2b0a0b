"""The Telegram adapter: the PTB Application, its handlers and its start-up.

Each update becomes an Event and goes through `Conversations` (step, save, send through
the outbox). Around that: the command menus registered at start-up (retried when Telegram
refuses), the nudge job, a group's admins asked of Telegram, a group that became a
supergroup, the bot added to or removed from a group, what /grupper may show (checked before
the turn, bot/groups.py), and an error handler that logs metadata only. Reading an update
into an Event is bot/updates.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from telegram import BotCommand, Message, Update
from telegram.error import NetworkError, TelegramError
from telegram.ext import (
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
    Members,
    bot_joined,
    groups_view,
    known_member,
    migrate_index,
    remember_member,
)
from bot.nudger import TICK_SECONDS, Nudger
from bot.outbox import Outbox, Where
from bot.processor import ChatOrderedProcessor
from bot.ratelimit import ChatRateLimiter
from bot.sending import TelegramOutbox
from bot.service import Conversations
from bot.updates import for_another_bot, to_event
from dialogues import Event
from dialogues.registry import REGISTRY

log = logging.getLogger("inklusionsguiden.telegram")
COMMANDS_RETRY = (60.0, 3600.0)  # seconds: the first retry of setMyCommands, the longest


def build_application(config: Config, conversations: Conversations) -> Application:  # type: ignore[type-arg]
    """Build the PTB Application with our handlers; it is not started."""
    assert config.token is not None
    application = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.base_url)
        .rate_limiter(ChatRateLimiter())
        .concurrent_updates(ChatOrderedProcessor(conversations))
        .post_init(_post_init)
        .build()
    )
    application.bot_data["conversations"] = conversations
    outbox: Outbox = TelegramOutbox(conversations, lambda: application.bot)  # context.bot
    application.bot_data["outbox"] = outbox
    if conversations.nudges is not None and application.job_queue is not None:
        nudger = Nudger(conversations, outbox=outbox)  # in the library's zone (BOT_TIMEZONE)
        application.bot_data["nudger"] = nudger
        application.job_queue.run_repeating(_nudge_tick, interval=TICK_SECONDS, first=1)
    application.bot_data["members"] = Members()
    migrate_index(conversations)  # old 'user:<id>' keys get their tags before the first turn
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
    """Register the command menu; when Telegram refuses, the bot runs on and retries later."""
    await _register_commands(application, COMMANDS_RETRY[0])


async def _register_commands(application: Application, retry: float) -> None:  # type: ignore[type-arg]
    """Set the command menu: the default language for everyone, each other by code.

    The menu is a nicety: a failure (an emulator without the method, a passing 5xx) is logged
    once per try and tried again later, with a growing pause, never stopping the bot.
    """
    library = application.bot_data["conversations"].library
    try:
        for lang, content in library.languages.items():
            commands = [
                BotCommand(c.called(content.text("command_names")), content.text(f"cmd_{c.name}"))
                for c in REGISTRY.commands
            ]
            code = None if lang == library.default else lang
            await application.bot.set_my_commands(commands, language_code=code)
    except TelegramError as exc:
        log.warning(
            "command menu not set error=%s; trying again in %.0f s", type(exc).__name__, retry
        )
        if application.job_queue is not None:
            application.job_queue.run_once(
                _retry_commands, retry, data=min(retry * 2, COMMANDS_RETRY[1])
            )


async def _retry_commands(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Try to set the command menu again (a JobQueue callback)."""
    assert context.job is not None
    await _register_commands(context.application, float(context.job.data))  # type: ignore[arg-type]


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
    """One update: the chat's lock is held by the update processor around all of this."""
    conversations: Conversations = context.bot_data["conversations"]
    message = update.effective_message
    if message is not None and (message.migrate_to_chat_id or message.migrate_from_chat_id):
        await _migrate(conversations, message)
        return
    if message is not None and message.text and for_another_bot(message.text, context.bot.username):
        return
    event = to_event(update, conversations, context.bot.id)
    if event is None:
        return
    event = dataclasses.replace(event, chat_id=conversations.resolve(event.chat_id))
    view = await groups_view(
        context.bot, conversations, context.bot_data["members"], event
    )  # /grupper: the member index and Telegram asked now, before the turn
    if view is not None:
        event = dataclasses.replace(event, groups=view)
    if event.in_group:
        event = await _group_event(context, event, update)
    replies = await conversations.handle_async(event)  # state is committed here
    outbox: Outbox = context.bot_data["outbox"]
    reply_to = event.message_id if event.kind in ("text", "command") else 0
    where = Where(event.chat_id, event.thread_id, reply_to)
    await outbox.send(where, replies)


async def _migrate(conversations: Conversations, message: Message) -> None:
    """A group became a supergroup: move its data, whichever of the two notices came first."""
    if message.migrate_to_chat_id:
        old, new = message.chat_id, int(message.migrate_to_chat_id)
    else:
        old, new = int(message.migrate_from_chat_id or 0), message.chat_id
    async with conversations.locked(old, new):
        await asyncio.to_thread(conversations.migrate, old, new)


async def _group_event(context: ContextTypes.DEFAULT_TYPE, event: Event, update: Update) -> Event:
    """Ask Telegram (cached) whether the sender is an admin; note them as a member."""
    conversations: Conversations = context.bot_data["conversations"]
    members: Members = context.bot_data["members"]
    user = update.effective_user
    if event.user_id == event.chat_id:  # an anonymous admin, posting as the group
        return event
    if event.user_id < 0 or user is None:  # a member posting as a channel: not an admin
        return dataclasses.replace(event, is_admin=False)
    if not known_member(conversations, user.id, event.chat_id):  # no I/O when known
        await asyncio.to_thread(remember_member, conversations, user.id, event.chat_id)
    admin = await members.is_admin(context.bot, event.chat_id, user.id)
    return dataclasses.replace(event, is_admin=admin)


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was added to a group (greet it) or removed (stop its nudges)."""
    joined = bot_joined(update)
    chat, user = update.effective_chat, update.effective_user
    if joined is None or chat is None or user is None:
        return
    conversations: Conversations = context.bot_data["conversations"]
    chat_id = conversations.resolve(chat.id)
    if not joined:
        await asyncio.to_thread(conversations.deactivate, chat_id)
        log.info("bot removed chat=%s", chat_id)
        return
    event = Event(
        chat_id=chat_id,
        user_id=user.id,
        user_name=user.first_name or "",
        kind="joined",
        at=conversations.clock(),
        chat_type=chat.type,
        user_lang=user.language_code or "",
        chat_title=chat.title or "",
        update_id=update.update_id,
    )
    replies = await conversations.handle_async(event)
    sender: Outbox = context.bot_data["outbox"]
    await sender.send(Where(chat_id), replies)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log metadata only: the update id, the chat id and the exception type.

    A network error while polling (no update) is expected and retried by PTB: one WARNING line.
    """
    error = context.error
    if update is None and isinstance(error, NetworkError):
        log.warning("polling: network error %s; retrying", type(error).__name__)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    chat = update.effective_chat if isinstance(update, Update) else None
    log.error(
        "update failed update_id=%s chat=%s error=%s",
        update_id,
        chat.id if chat else None,
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__) if error and _debug() else None,
    )


def _debug() -> bool:
    return log.isEnabledFor(logging.DEBUG)
