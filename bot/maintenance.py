"""The operator's commands on the stored data: export, backup, status and stats, the data key
(init-key, rotate-key, encrypt) and the move to PostgreSQL (migrate-to)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from bot import lock, ops
from bot.chats import chat_key
from bot.config import Config, ConfigError, StartupError
from bot.service import Conversations
from bot.stores import database_url, open_stores, writer_lock
from dialogues import Library
from storage.crypto import DataKeyError, check_key, create_key_file
from storage.rotate import reencrypt, rotate_key_file

EXIT_USAGE = 2


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
    from storage.crypto import new_key, write_private

    new = new_key()
    write_private(key_file.with_name(key_file.name + ".new"), new, new=False)
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
