"""Start the bot: Telegram polling with a token, the terminal chat without one."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot import lock, ops
from bot.chats import chat_key
from bot.config import Config, ConfigError, StartupError
from bot.service import Conversations
from bot.stores import database_url, open_stores
from bot.terminal import chat
from dialogues import Library
from storage.crypto import DataKeyError, check_key, create_key_file
from storage.rotate import reencrypt, rotate_key_file

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


def writer_lock(config: Config) -> contextlib.AbstractContextManager[object]:
    """The embedded mode's single-writer lock on the data folder; with PostgreSQL none:
    there the database keeps turns, reminders and migrations apart across processes."""
    if database_url() is not None:
        return contextlib.nullcontext()
    return lock.acquire(config.data_dir)


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


def export(config: Config, library: Library, chat_id: int, fmt: str, out: Path) -> int:
    """Write one chat's plan (or all its data, for json) to a file, for an operator."""
    with writer_lock(config):
        return _export(config, library, chat_id, fmt, out)


def _export(config: Config, library: Library, chat_id: int, fmt: str, out: Path) -> int:
    store, nudges = open_stores(config)
    try:
        if store.get(chat_key(chat_id)) is None:
            print(f"error: no chat {chat_id} in {config.db_path}", file=sys.stderr)
            return EXIT_USAGE
        name, data = Conversations(library, store, nudges=nudges).export(chat_id, fmt)
    finally:
        nudges.close()
        store.close()
    out.write_bytes(data)
    os.chmod(out, 0o600)
    print(f"wrote {out} ({len(data)} bytes; suggested name {name})")
    return 0


def rotate_key(config: Config) -> int:
    """Re-encrypt the database with a new key; refused while the bot (or anything) runs."""
    if database_url() is not None:
        return _rotate_key_pg(config)
    with lock.acquire(config.data_dir):
        return _rotate_key(config)


def _rotate_key(config: Config) -> int:
    store, nudges = open_stores(config)  # proves the current key first
    damaged = store.damaged_count()
    nudges.close()
    store.close()
    if config.data_key is None:
        count = rotate_key_file(config.db_path, config.key_file)
        print(f"re-encrypted {count} values; the new key is in {config.key_file}")
        _report_set_aside(config, damaged)
        return 0
    new = os.environ.get("BOT_NEW_DATA_KEY", "").strip().encode()
    if not new:
        print(
            "error: BOT_DATA_KEY is set, so give the new key in BOT_NEW_DATA_KEY", file=sys.stderr
        )
        return EXIT_USAGE
    try:
        check_key(new)
    except DataKeyError as exc:
        raise ConfigError(f"BOT_NEW_DATA_KEY: {exc}") from None
    count = reencrypt(config.db_path, config.data_key, new)
    print(f"re-encrypted {count} values; now set BOT_DATA_KEY to the new key")
    _report_set_aside(config, damaged)
    return 0


def _rotate_key_pg(config: Config) -> int:
    """Re-encrypt PostgreSQL's values; refused while any worker runs (their shared lock)."""
    from storage.postgres import reencrypt as pg_reencrypt

    store, nudges = open_stores(config)  # proves the current key first
    db = store.db  # type: ignore[attr-defined]
    try:
        with db.exclusive() as free:
            if not free:
                raise StartupError(
                    "workers are running on this database: stop them all first (rotate-key "
                    "re-encrypts every value, and a running worker writes under the old key)"
                )
            damaged = store.damaged_count()
            old = store._cipher_key  # type: ignore[attr-defined]
            if config.data_key is None:
                new = create_pending_key(config.key_file)
                count = pg_reencrypt(db, old, new)
                pending = config.key_file.with_name(config.key_file.name + ".new")
                os.replace(pending, config.key_file)
                where = f"the new key is in {config.key_file}"
            else:
                raw = os.environ.get("BOT_NEW_DATA_KEY", "").strip().encode()
                if not raw:
                    print(
                        "error: BOT_DATA_KEY is set, so give the new key in BOT_NEW_DATA_KEY",
                        file=sys.stderr,
                    )
                    return EXIT_USAGE
                try:
                    check_key(raw)
                except DataKeyError as exc:
                    raise ConfigError(f"BOT_NEW_DATA_KEY: {exc}") from None
                count = pg_reencrypt(db, old, raw)
                where = "now set BOT_DATA_KEY to the new key"
            after = store.damaged_count()
    finally:
        nudges.close()
        store.close()
    print(f"re-encrypted {count} values; {where}")
    if after > damaged:
        print(f"set aside {after - damaged} values that could not be decrypted (see status)")
    return 0


def create_pending_key(key_file: Path) -> bytes:
    """Write a new key to `<key file>.new` (0600, fsynced) for a crash-safe hand-over."""
    from storage.crypto import new_key
    from storage.rotate import _write_private

    new = new_key()
    _write_private(key_file.with_name(key_file.name + ".new"), new)
    return new


def _report_set_aside(config: Config, before: int) -> None:
    """Say how many unreadable values the rotation set aside (they keep their old bytes)."""
    store, nudges = open_stores(config, read_only=True)
    after = store.damaged_count()
    nudges.close()
    store.close()
    if after > before:
        print(f"set aside {after - before} values that could not be decrypted (see status)")


def init_key(config: Config) -> int:
    """Create the key file once, for deployments where the bot may not write its folder."""
    if config.data_key is not None:
        print("error: BOT_DATA_KEY is set, so there is no key file to create", file=sys.stderr)
        return EXIT_USAGE
    if config.key_file.exists():
        print(f"error: {config.key_file} already exists; it is kept as it is", file=sys.stderr)
        return EXIT_USAGE
    try:
        create_key_file(config.key_file)  # O_EXCL: two at once cannot both create it
    except DataKeyError as exc:
        raise ConfigError(f"data key: {exc}") from None
    print(f"created {config.key_file} (0600); back it up apart from the data")
    return 0


def encrypt(config: Config) -> int:
    """Encrypt an old unencrypted database once (the only path that reads plain values)."""
    if database_url() is not None:
        print(
            "error: nothing to encrypt: values in PostgreSQL are encrypted from the start",
            file=sys.stderr,
        )
        return EXIT_USAGE
    with lock.acquire(config.data_dir):
        store, nudges = open_stores(config, migrate=True)
        nudges.close()
        store.close()
    print(f"{config.db_path} is encrypted; keep the data key apart from it")
    return 0


def operate(config: Config, library: Library, command: str, out: Path | None) -> int:
    """Run an operator command: backup, status or stats (figures as JSON on stdout)."""
    if command == "backup" and database_url() is not None:
        print(
            "error: with PostgreSQL (BOT_DATABASE_URL) back up with PostgreSQL's own tools, "
            "while the workers run: pg_dump --format=custom --file=FILE <database> (README, "
            "Deployment: Backups); the values in the dump stay encrypted",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if command == "backup":
        assert out is not None
        size = ops.backup(config.db_path, out)
        print(f"backup written to {out} ({size} bytes); restore it with the same data key")
        return 0
    store, nudges = open_stores(config, read_only=True)  # no lock: the bot may be running
    try:
        if command == "status":
            figures = ops.status(config.db_path, store, nudges)
        else:
            figures = ops.stats(library, store, nudges)
    finally:
        nudges.close()
        store.close()
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    return 0


def migrate_to(config: Config, url: str) -> int:
    """Copy the embedded database (values, values set aside, reminders) into PostgreSQL.

    The bot must be stopped (the data folder's lock); the SQLite file is only read. The
    copy is one transaction, verified before it commits; the target must be empty.
    """
    from bot.stores import connect, data_key, describe, open_sqlite
    from storage.postgres import NotEmpty, PgStore, copy_from_sqlite, is_postgres_url

    if not is_postgres_url(url):
        raise ConfigError("migrate-to needs a postgresql:// URL")
    if not config.db_path.exists():
        raise StartupError(f"no database at {config.db_path}: check BOT_DATA_DIR")
    with lock.acquire(config.data_dir):
        store, nudges = open_sqlite(config, read_only=True)  # proves the key, writes nothing
        nudges.close()
        store.close()
        target = connect(url)
        try:
            target.migrate()  # the tables, under the migrations' lock
            counts = copy_from_sqlite(str(config.db_path), target)
            PgStore(target, data_key(config, create=False), read_only=True)  # the key opens it
        except NotEmpty as exc:
            raise StartupError(
                f"the database {describe(url)} is not empty ({exc}): give an empty database"
            ) from None
        finally:
            target.close()
    print(
        f"copied {counts['values']} values, {counts['reminders']} reminders and "
        f"{counts['set_aside']} values set aside to {describe(url)} (verified); "
        f"{config.db_path} is unchanged. Now set BOT_DATABASE_URL and start the workers."
    )
    return 0
