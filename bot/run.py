"""Start the bot: Telegram polling with a token, the terminal chat without one."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import TYPE_CHECKING

from bot.config import Config, StartupError
from bot.service import Conversations
from bot.stores import database_url, open_stores, writer_lock
from bot.terminal import chat
from dialogues import Library

if TYPE_CHECKING:
    from telegram.ext import Application

log = logging.getLogger("inklusionsguiden")
EXIT_USAGE = 2
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
NO_TOKEN = (
    "No TELEGRAM_BOT_TOKEN set, so this is the terminal chat. To connect to Telegram, create a "
    "bot with @BotFather and run: TELEGRAM_BOT_TOKEN=<token> python -m bot"
)


def run(config: Config, library: Library) -> int:
    """Run polling with a token; otherwise the terminal chat on a terminal, else exit 2."""
    if config.token is None:
        if not sys.stdin.isatty():
            print(
                "error: TELEGRAM_BOT_TOKEN is not set and there is no terminal for the chat. "
                "Set the token, or run `python -m bot chat` in a terminal.",
                file=sys.stderr,
            )
            return EXIT_USAGE
        print(NO_TOKEN + "\n")
        return run_chat(config, library)
    with writer_lock(config):
        return _run_telegram(config, library)


def _run_telegram(config: Config, library: Library) -> int:
    from bot.telegram_app import build_application

    store, nudges = open_stores(config)
    shared = database_url() is not None
    if shared:
        if not config.webhook_url:
            nudges.close()
            store.close()
            raise StartupError(
                "with BOT_DATABASE_URL the bot runs in webhook mode (BOT_WEBHOOK_URL): "
                "Telegram lets only one process poll, so polling workers cannot share the work"
            )
        store.db.hold_worker_lock()  # type: ignore[attr-defined]
    application = build_application(config, Conversations(library, store, nudges=nudges))
    if shared:
        from bot.workers import share_rate_limits

        share_rate_limits(application, store.db)  # type: ignore[attr-defined]
    try:
        if config.webhook_url:
            asyncio.run(serve_webhook(application, config))
        else:
            if config.webapp_url:
                from bot.webapp.server import serve_separately

                serve_separately(application, config)  # its own port, for a reverse proxy
            log.info("starting polling")
            application.run_polling(
                allowed_updates=ALLOWED_UPDATES, stop_signals=(signal.SIGINT, signal.SIGTERM)
            )
    finally:
        nudges.close()
        store.close()
        log.info("stopped; database closed")
    return 0


async def serve_webhook(application: Application, config: Config) -> None:  # type: ignore[type-arg]
    """Serve Telegram's webhook with our own server until SIGINT or SIGTERM.

    The order mirrors PTB's run_webhook: initialize, post_init, start the Application (its
    loop dispatches what the server puts on update_queue), listen, then register the
    webhook; on a signal: stop listening, stop the Application (it finishes what is
    queued), post_stop, shutdown, post_shutdown.
    """
    from telegram.error import TelegramError

    from bot.webhook import WebhookServer

    assert config.webhook_secret is not None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = WebhookServer(config.webhook_listen, config.webhook_port)
    if database_url() is not None:
        from bot.workers import mount_processing

        # A worker answers Telegram only after the turn is committed, so a worker that dies
        # mid-turn leaves the update to be delivered again (to another worker).
        mount_processing(server, config.webhook_path, application, config.webhook_secret)
    else:
        server.mount_telegram(config.webhook_path, application, config.webhook_secret)
    if config.webapp_url:
        from bot.webapp.server import mount as mount_webapp

        mount_webapp(server, application, config)  # under /app/ on the same server
    try:
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        try:
            port = await server.start()
        except OSError as exc:
            raise StartupError(
                f"cannot listen on {config.webhook_listen}:{config.webhook_port} "
                f"({exc.strerror}): check BOT_WEBHOOK_LISTEN and BOT_WEBHOOK_PORT"
            ) from None
        await application.bot.set_webhook(
            url=config.webhook_url,
            secret_token=config.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )
        log.info("webhook listening listen=%s port=%s", config.webhook_listen, port)
        await stop.wait()
        log.info("stopping webhook")
    except TelegramError as exc:
        raise StartupError(
            f"Telegram refused the start ({type(exc).__name__}: {exc}): check "
            "TELEGRAM_BOT_TOKEN and BOT_WEBHOOK_URL"
        ) from None
    finally:
        await server.stop()
        if application.running:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


def run_chat(config: Config, library: Library) -> int:
    """Run the terminal chat over the same engine and the same database."""
    if config.log_level != "DEBUG":
        logging.getLogger().setLevel(logging.WARNING)  # keep the chat readable
    with writer_lock(config):
        store, nudges = open_stores(config)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            conversations = Conversations(library, store, nudges=nudges)
            chat(conversations, sys.stdin, export_dir=config.data_dir / "exports")
        except (KeyboardInterrupt, SystemExit):
            print()
        finally:
            nudges.close()
            store.close()
    return 0
