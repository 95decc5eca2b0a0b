"""The Telegram adapter: Update -> Event -> Conversations -> save -> send. Nothing more."""

from __future__ import annotations

import asyncio
import logging

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import Config
from bot.nudger import TICK_SECONDS, Nudger
from bot.service import Conversations
from dialogues import Event, Reply
from dialogues.markup import split_message
from dialogues.texts import COMMANDS, ENGLISH_NAMES

log = logging.getLogger("inklusionsguiden.telegram")


def build_application(config: Config, conversations: Conversations) -> Application:  # type: ignore[type-arg]
    """Build the PTB Application with our handlers; it is not started."""
    assert config.token is not None
    application = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.base_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(_post_init)
        .build()
    )
    application.bot_data["conversations"] = conversations
    if conversations.nudges is not None and application.job_queue is not None:
        nudger = Nudger(conversations, config.tz)
        application.bot_data["nudger"] = nudger
        application.job_queue.run_repeating(_nudge_tick, interval=TICK_SECONDS, first=1)
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, on_message))
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


def to_event(update: Update, conversations: Conversations) -> Event | None:
    """Turn a message or button update into an engine Event; None for anything else."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None
    base = {
        "chat_id": chat.id,
        "user_id": user.id,
        "user_name": user.first_name or "",
        "at": conversations.clock(),
        "chat_type": chat.type,
        "user_lang": user.language_code or "",
        "update_id": update.update_id,
    }
    if update.callback_query is not None:
        return Event(kind="button", data=update.callback_query.data or "", **base)  # type: ignore[arg-type]
    message = update.message
    if message is None:
        return None
    if message.text is None:
        return Event(kind="media", **base)  # type: ignore[arg-type]
    kind = "command" if message.text.startswith("/") else "text"
    return Event(kind=kind, text=message.text, **base)  # type: ignore[arg-type]


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


async def send_replies(
    bot: object, chat_id: int, replies: list[Reply], conversations: Conversations
) -> list[Message]:
    """Send each reply as HTML, split under 4096 characters; buttons go on the last part."""
    sent = []
    for reply in replies:
        if reply.export is not None:
            sent.append(await send_export(bot, chat_id, reply, conversations))
            continue
        parts = split_message(reply.text)
        for index, part in enumerate(parts):
            markup = keyboard(reply) if index == len(parts) - 1 else None
            sent.append(
                await bot.send_message(  # type: ignore[attr-defined]
                    chat_id, part, parse_mode=ParseMode.HTML, reply_markup=markup
                )
            )
    return sent


async def send_export(
    bot: object, chat_id: int, reply: Reply, conversations: Conversations
) -> Message:
    """Render the plan file off the event loop and send it as a document with a caption."""
    assert reply.export is not None
    await bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)  # type: ignore[attr-defined]
    name, data = await asyncio.to_thread(conversations.export, chat_id, reply.export)
    log.info("export chat=%s format=%s bytes=%d", chat_id, reply.export, len(data))
    return await bot.send_document(  # type: ignore[attr-defined, no-any-return]
        chat_id, InputFile(data, filename=name), caption=reply.text, parse_mode=ParseMode.HTML
    )


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle a message: text, command or anything else."""
    await _turn(update, context)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle a button press; the query is always answered first."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await _turn(update, context)


async def _turn(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    conversations: Conversations = context.bot_data["conversations"]
    event = to_event(update, conversations)
    if event is None:
        return
    replies = await conversations.handle_async(event)  # state is committed here
    await send_replies(context.bot, event.chat_id, replies, conversations)


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
