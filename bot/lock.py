"""One writer per data folder: an exclusive lock on `<data dir>/inklusionsguiden.lock`.

Two processes on one database race each other (chats answered twice), and `rotate-key`
under a running bot re-encrypts while the bot keeps writing under the old key, so answers
it acknowledged become unreadable. Every process that writes the database therefore holds
this lock for as long as it runs: the bot (polling, webhook, terminal chat), `rotate-key`,
`encrypt`, `init-key` and `export`. Read-only commands (`status`, `stats`, `backup`) do
not take it: SQLite's WAL lets them read a consistent snapshot while the bot writes.

The lock is `fcntl.flock` on an open file, so the kernel releases it when its holder exits,
however it exits (SIGKILL, crash, power loss): a lock file left behind by a dead process is
stale and blocks nobody. The file is never deleted (deleting a flock file lets two
processes lock two different files); it only carries the holder's pid and command, for the
message the next process prints.

With PostgreSQL (`BOT_DATABASE_URL`) this lock is not taken: several workers share the
database by design, and the database keeps them apart (bot/stores.py `writer_lock`): a chat's
turn holds an advisory lock on its id, reminders are claimed by one worker, and every
worker holds a shared advisory lock that `rotate-key` must take exclusively.
"""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path

from bot.config import StartupError

LOCK_NAME = "inklusionsguiden.lock"


class LockHeld(StartupError):
    """Another live process holds the data folder's lock."""


class DataLock:
    """The held lock; release it with `release()` (or let the process exit)."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    def release(self) -> None:
        """Blank the holder line and drop the lock (idempotent)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the last descriptor releases the flock

    def __enter__(self) -> DataLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def holder_command(argv: list[str] | None = None) -> str:
    """Return how this process was started, as the operator would type it."""
    args = sys.argv[1:] if argv is None else argv
    return " ".join(["python -m bot", *args]).strip()


def acquire(data_dir: Path, command: str | None = None) -> DataLock:
    """Take the data folder's lock or raise LockHeld / StartupError with one clear line."""
    command = command or holder_command()
    path = data_dir / LOCK_NAME
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise StartupError(
            f"cannot write in the data folder {data_dir} ({exc.strerror}): make it writable "
            f"for the user running the bot (e.g. chown that user and chmod 700 {data_dir})"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_holder(fd)
        os.close(fd)
        raise LockHeld(
            f"the data folder {data_dir} is in use by {holder}: stop that process first "
            "(or give this one another BOT_DATA_DIR); only one process may write the database"
        ) from None
    except OSError as exc:
        os.close(fd)
        raise StartupError(f"cannot lock {path} ({exc.strerror})") from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} ({command})\n".encode(), 0)
        os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        raise StartupError(
            f"cannot write in the data folder {data_dir} ({exc.strerror}): free space or make "
            "it writable"
        ) from None
    return DataLock(path, fd)


def _read_holder(fd: int) -> str:
    """Return what the holder wrote ("pid 123 (python -m bot)"), or a fallback."""
    try:
        text = os.pread(fd, 512, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    text = " ".join(text.split())  # one line, whatever the file holds
    return text or "another process (it has not written its pid yet)"
