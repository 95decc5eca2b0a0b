"""Open the bot's stores with the data key: from BOT_DATA_KEY, or from the key file.

Every fault here becomes one line for the operator (ConfigError for the key, StartupError
for the folder and the file), never a traceback: the command line prints it and exits 2.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot import lock
from bot.config import Config, ConfigError, StartupError
from storage import SqliteStore, Store
from storage.crypto import DataKeyError, check_key, read_key_file, read_or_create_key_file
from storage.nudges import NudgeStore, SqliteNudgeStore
from storage.sqlite import is_encrypted

if TYPE_CHECKING:
    from storage.postgres import PgDatabase, PgNudgeStore, PgStore


def data_key(config: Config, create: bool = True) -> bytes:
    """Return the key: the environment's, else the key file's (created on a first run)."""
    if config.data_key is not None:
        check_key(config.data_key)
        return config.data_key
    if config.key_file.exists() or config.key_file.is_symlink():
        return read_or_create_key_file(config.key_file, create=False)
    # No key file: create one only for a new database or one never encrypted (the probe
    # opens the file read-only, so it runs only when there is a decision to make).
    first_run = not config.db_path.exists()
    may_create = create and (first_run or not is_encrypted(config.db_path))
    return read_or_create_key_file(config.key_file, create=may_create)


def open_stores(
    config: Config, *, read_only: bool = False, migrate: bool = False
) -> tuple[Store, NudgeStore]:
    """Open the chat store (encrypted) and the nudge table: PostgreSQL when
    BOT_DATABASE_URL is set, else the embedded SQLite file.

    Raise ConfigError on key trouble and StartupError on a folder or file the bot cannot
    use (damaged, not writable). `read_only` never writes: no key is created, no interrupted
    rotation finished, nothing migrated (for status and stats while the bot runs).
    """
    url = database_url()
    if url is not None:
        return open_postgres(config, url, read_only=read_only)
    return open_sqlite(config, read_only=read_only, migrate=migrate)


def open_sqlite(
    config: Config, *, read_only: bool = False, migrate: bool = False
) -> tuple[SqliteStore, SqliteNudgeStore]:
    """Open the embedded stores: the SQLite file in BOT_DATA_DIR (see `open_stores`)."""
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
    name = getattr(exc, "sqlite_errorname", "")  # e.g. SQLITE_READONLY_DBMOVED: tells why
    text = f"{exc}, {name}" if name and name != "SQLITE_ERROR" else str(exc)
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


# ---- PostgreSQL (BOT_DATABASE_URL) -------------------------------------------------------


def database_url(env: Mapping[str, str] | None = None) -> str | None:
    """Return BOT_DATABASE_URL when set (PostgreSQL mode), else None (the embedded mode)."""
    url = (os.environ if env is None else env).get("BOT_DATABASE_URL", "").strip()
    if not url:
        return None
    from storage.postgres import is_postgres_url

    if not is_postgres_url(url):
        raise ConfigError("BOT_DATABASE_URL must be a postgresql:// URL")
    return url


def describe(url: str) -> str:
    """Name a database for a message without its password: host:port/name."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    return f"{host}:{parts.port or 5432}{parts.path or '/'}"


def open_postgres(
    config: Config, url: str, *, read_only: bool = False
) -> tuple[PgStore, PgNudgeStore]:
    """Open the PostgreSQL stores: connect, run the migrations (under their lock), check the key.

    Raise StartupError when the database cannot be reached or used, ConfigError on key
    trouble; the message never carries the URL's password.
    """
    import psycopg

    where = describe(url)
    db = connect(url)
    try:
        if not read_only:
            db.migrate()
        elif db.schema_version() == 0:
            raise StartupError(f"no bot tables in the database {where}: start the bot once")
        return _pg_with_key(config, db, read_only)
    except DataKeyError as exc:
        db.close()
        raise ConfigError(f"data key: {exc}") from None
    except psycopg.Error as exc:
        db.close()
        raise StartupError(
            f"cannot use the database {where} ({type(exc).__name__}): check the user's rights "
            "(it must create tables in its database) and the server's log"
        ) from None
    except BaseException:
        db.close()
        raise


def connect(url: str) -> PgDatabase:
    """Open the pool, or raise StartupError with the reason (never the password)."""
    import psycopg
    from psycopg_pool import PoolTimeout

    from storage.postgres import PgDatabase

    try:
        psycopg.connect(url, connect_timeout=5).close()  # a clear reason, before the pool
        return PgDatabase(url)
    except (psycopg.Error, PoolTimeout) as exc:
        text = str(exc).strip()
        reason = text.splitlines()[0].strip() if text else type(exc).__name__
        raise StartupError(
            f"cannot connect to the database {describe(url)} ({reason}): check "
            "BOT_DATABASE_URL and that PostgreSQL runs"
        ) from None


def _pg_with_key(config: Config, db: PgDatabase, read_only: bool) -> tuple[PgStore, PgNudgeStore]:
    from storage.postgres import KEYCHECK, PgNudgeStore, PgStore

    if config.data_key is not None:
        key = config.data_key
        check_key(key)
    elif config.key_file.exists() or config.key_file.is_symlink():
        key = read_key_file(config.key_file)
    else:
        # Never created here: workers on several machines would each make their own key.
        with db.connection() as conn:
            sealed = conn.execute("SELECT 1 FROM kv WHERE key = %s", (KEYCHECK,)).fetchone()
        if sealed is not None:
            raise DataKeyError(
                f"no key file at {config.key_file}, and the database is already encrypted: "
                "give every worker the key it was encrypted with (BOT_KEY_FILE or BOT_DATA_KEY)"
            )
        raise DataKeyError(
            f"no key file at {config.key_file}: with BOT_DATABASE_URL every worker needs the "
            "same key: create it once with `python -m bot init-key` and give each worker a "
            "copy, or set BOT_DATA_KEY"
        )
    try:
        store = PgStore(db, key, read_only=read_only)
    except DataKeyError as exc:
        pending = config.key_file.with_name(config.key_file.name + ".new")
        if "does not open" not in str(exc) or config.data_key is not None or not pending.exists():
            raise
        store = PgStore(db, read_key_file(pending), read_only=read_only)
        if not read_only:
            os.replace(pending, config.key_file)  # finish the interrupted hand-over
    return store, PgNudgeStore(db)


def writer_lock(config: Config) -> contextlib.AbstractContextManager[object]:
    """The embedded mode's single-writer lock on the data folder; with PostgreSQL none:
    there the database keeps turns, reminders and migrations apart across processes."""
    if database_url() is not None:
        return contextlib.nullcontext()
    return lock.acquire(config.data_dir)
