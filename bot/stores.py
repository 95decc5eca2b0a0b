"""Open the bot's stores with the data key: from BOT_DATA_KEY, or from the key file.

Every fault here becomes one line for the operator (ConfigError for the key, StartupError
for the folder and the file), never a traceback: the command line prints it and exits 2.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from bot.config import Config, ConfigError, StartupError
from storage import SqliteStore
from storage.crypto import DataKeyError, check_key, read_key_file, read_or_create_key_file
from storage.nudges import SqliteNudgeStore
from storage.sqlite import is_encrypted


def data_key(config: Config, create: bool = True) -> bytes:
    """Return the key: the environment's, else the key file's (created on a first run)."""
    if config.data_key is not None:
        check_key(config.data_key)
        return config.data_key
    first_run = not config.db_path.exists()
    may_create = create and (first_run or not is_encrypted(config.db_path))
    return read_or_create_key_file(config.key_file, create=may_create)


def open_stores(
    config: Config, *, read_only: bool = False, migrate: bool = False
) -> tuple[SqliteStore, SqliteNudgeStore]:
    """Open the chat store (encrypted) and the nudge table.

    Raise ConfigError on key trouble and StartupError on a folder or file the bot cannot
    use (damaged, not writable). `read_only` never writes: no key is created, no interrupted
    rotation finished, nothing migrated (for status and stats while the bot runs).
    """
    db = config.db_path
    if read_only and not db.exists():
        raise StartupError(f"no database at {db}: check BOT_DATA_DIR")
    try:
        if not read_only:
            _check_writable(db)
        key = data_key(config, create=not read_only)
        store = _open_with_pending_key(config, key, read_only, migrate)
    except DataKeyError as exc:
        raise ConfigError(f"data key: {exc}") from None
    except sqlite3.DatabaseError as exc:
        raise StartupError(_database_fault(db, exc)) from None
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise StartupError(
                f"the disk holding {db} is full: free space, then start again"
            ) from None
        raise StartupError(
            f"cannot use {exc.filename or db} ({exc.strerror}): the data folder and the "
            "database must be writable by the user running the bot"
        ) from None
    try:
        verdict = store.quick_check()
        if verdict != "ok":
            raise StartupError(_damaged(db, verdict))
        nudges = SqliteNudgeStore(db)
    except sqlite3.DatabaseError as exc:
        store.close()
        raise StartupError(_database_fault(db, exc)) from None
    except BaseException:
        store.close()
        raise
    return store, nudges


def _nearly_full(folder: Path) -> bool:
    """Tell whether the folder's file system has less than 1 MiB left."""
    try:
        info = os.statvfs(folder)
    except OSError:
        return False
    return info.f_bavail * info.f_frsize < 1024 * 1024


def _check_writable(db: Path) -> None:
    """Refuse a database file or folder this user cannot write, before SQLite half-opens it."""
    for path in (db.parent, db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        if path.exists() and not os.access(path, os.W_OK):
            raise StartupError(
                f"{path} is read-only for the user running the bot: make the data folder "
                f"and its files writable for that user (chown, chmod 700 {db.parent})"
            )


def _damaged(db: Path, problem: str) -> str:
    return (
        f"the database {db} is damaged ({problem}): stop here, keep the file, and restore "
        f"the latest backup (README, Deployment: Backups) or move the file aside to start empty"
    )


def _database_fault(db: Path, exc: sqlite3.DatabaseError) -> str:
    text = str(exc)
    if "full" in text or _nearly_full(db.parent):
        return f"the disk holding {db} is full ({text}): free space, then start again"
    if "disk I/O" in text:
        return (
            f"cannot read or write {db} ({text}): check the disk and the data folder; if the "
            "file itself is damaged, restore the latest backup"
        )
    if "readonly" in text or "unable to open" in text:
        return (
            f"cannot write the database {db} ({text}): make the data folder and its files "
            "writable for the user running the bot"
        )
    return _damaged(db, text)


def _open_with_pending_key(
    config: Config, key: bytes, read_only: bool, migrate: bool
) -> SqliteStore:
    """Open with the key; after a crashed rotation, with the pending `.new` key instead."""
    try:
        return SqliteStore(config.db_path, key=key, read_only=read_only, migrate=migrate)
    except DataKeyError as exc:
        pending = config.key_file.with_name(config.key_file.name + ".new")
        if "does not open" not in str(exc) or config.data_key is not None:
            raise
        if not pending.exists():
            raise
        new = read_key_file(pending)
        store = SqliteStore(config.db_path, key=new, read_only=read_only, migrate=migrate)
        if not read_only:
            os.replace(pending, config.key_file)  # finish the interrupted hand-over
        return store
