"""Start the bot: Telegram polling with a token, the terminal chat without one."""

from __future__ import annotations

import logging
import signal
import sys

from bot.config import Config
from bot.service import Conversations
from bot.terminal import chat
from dialogues import Library
from storage import SqliteStore

log = logging.getLogger("inklusionsguiden")
EXIT_USAGE = 2
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
    from bot.telegram_app import build_application

    store = SqliteStore(config.db_path)
    application = build_application(config, Conversations(library, store))
    log.info("starting polling db=%s", config.db_path)
    try:
        application.run_polling(
            allowed_updates=["message", "callback_query"],
            stop_signals=(signal.SIGINT, signal.SIGTERM),
        )
    finally:
        store.close()
        log.info("stopped; database closed")
    return 0


def run_chat(config: Config, library: Library) -> int:
    """Run the terminal chat over the same engine and the same database."""
    if config.log_level != "DEBUG":
        logging.getLogger().setLevel(logging.WARNING)  # keep the chat readable
    store = SqliteStore(config.db_path)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        chat(Conversations(library, store), sys.stdin)
    except (KeyboardInterrupt, SystemExit):
        print()
    finally:
        store.close()
    return 0
