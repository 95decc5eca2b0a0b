"""Open the bot's stores with the data key: from BOT_DATA_KEY, or from the key file."""

from __future__ import annotations

import os

from bot.config import Config, ConfigError
from storage import SqliteStore
from storage.crypto import DataKeyError, check_key, read_or_create_key_file
from storage.nudges import SqliteNudgeStore


def data_key(config: Config) -> bytes:
    """Return the key: the environment's, else the key file's (created on a first run)."""
    if config.data_key is not None:
        check_key(config.data_key)
        return config.data_key
    first_run = not config.db_path.exists()
    return read_or_create_key_file(config.key_file, create=first_run or not _encrypted(config))


def _encrypted(config: Config) -> bool:
    try:
        SqliteStore(config.db_path).close()
    except DataKeyError:
        return True
    return False


def open_stores(config: Config) -> tuple[SqliteStore, SqliteNudgeStore]:
    """Open the chat store (encrypted) and the nudge table; raise ConfigError on key trouble."""
    try:
        key = data_key(config)
        store = _open_with_pending_key(config, key)
    except DataKeyError as exc:
        raise ConfigError(f"data key: {exc}") from None
    return store, SqliteNudgeStore(config.db_path)


def _open_with_pending_key(config: Config, key: bytes) -> SqliteStore:
    """Open with the key; after a crashed rotation, with the pending `.new` key instead."""
    try:
        return SqliteStore(config.db_path, key=key)
    except DataKeyError:
        pending = config.key_file.with_name(config.key_file.name + ".new")
        if config.data_key is not None or not pending.exists():
            raise
        store = SqliteStore(config.db_path, key=pending.read_bytes().strip())
        os.replace(pending, config.key_file)  # finish the interrupted hand-over
        return store
