"""Encryption at rest: every stored value is a Fernet token (AES-128-CBC with HMAC-SHA256).

The key comes from BOT_DATA_KEY or from a key file kept apart from the database. A copy of
the database without its key reveals no answer; a wrong key is refused at start-up; a value
that is not a valid token for the key (damaged, or planted in the file) is refused, never
used: the HMAC is what makes the encryption an integrity check too.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from storage.base import Document, decode, encode


class DataKeyError(Exception):
    """The data key is missing, malformed, unsafe or does not open the database."""


class NotDecryptable(ValueError):
    """A stored value is not a valid token for the key (damaged, planted, or another key)."""


def new_key() -> bytes:
    """Return a fresh random key (url-safe base64 of 32 random bytes, as Fernet makes one)."""
    return base64.urlsafe_b64encode(os.urandom(32))


def check_key(key: bytes) -> Fernet:
    """Return a Fernet for the key, or raise DataKeyError with a readable reason."""
    try:
        return Fernet(key)
    except (ValueError, TypeError):
        raise DataKeyError("the data key must be 32 url-safe base64-encoded bytes") from None


def read_key_file(path: Path) -> bytes:
    """Read a key file, refusing one that group or others may read (as ssh does)."""
    try:
        info = path.stat()
        if stat.S_IMODE(info.st_mode) & 0o077:
            raise DataKeyError(
                f"permissions {stat.S_IMODE(info.st_mode):04o} for {path} are too open: the key "
                f"must be readable by its owner only; run chmod 600 {path}"
            )
        key = path.read_bytes().strip()
    except OSError as exc:
        raise DataKeyError(
            f"cannot read the key file {path} ({exc.strerror}): it must be a file readable "
            "by the user running the bot"
        ) from None
    try:
        check_key(key)
    except DataKeyError:
        raise DataKeyError(
            f"the key file {path} does not hold a key (32 url-safe base64-encoded bytes): "
            "restore it from your key backup"
        ) from None
    return key


def create_key_file(path: Path) -> bytes:
    """Create a new key file (0600, in a 0700 folder); raise DataKeyError if impossible."""
    # Written whole to a private temporary file first, then linked into place: a process
    # killed at any moment leaves either no key file or a whole one, never an empty one
    # that would refuse every later start (link, unlike rename, fails if the file exists).
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = new_key()
        for stale in path.parent.glob(f".{path.name}.*.tmp"):  # left by a killed process
            with contextlib.suppress(OSError):
                stale.unlink()
        write_private(temporary, key)
        try:
            os.link(temporary, path)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                raise
            write_private(path, key)  # a file system without hard links: written in place
        _fsync_folder(path.parent)
    except OSError as exc:
        raise DataKeyError(
            f"cannot create the key file {path} ({exc.strerror}): create it once with "
            "`python -m bot init-key` as a user who may write there, or set BOT_KEY_FILE to "
            "a folder the bot may write (outside BOT_DATA_DIR)"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()
    return key


def write_private(path: Path, key: bytes, *, new: bool = True) -> None:
    """Write a key into a file only its owner may read (0600) and make it durable: a new
    file (failing if it exists), or with `new=False` replacing what the file held."""
    flags = os.O_CREAT | os.O_WRONLY | (os.O_EXCL if new else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    """Make a new directory entry durable (the key must outlive a power cut)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_or_create_key_file(path: Path, create: bool) -> bytes:
    """Read the key file; create it (0600, in a 0700 folder) when allowed and absent."""
    if path.exists() or path.is_symlink():
        return read_key_file(path)
    if not create:
        raise DataKeyError(
            f"no key file at {path}, and the database is already encrypted: restore the key "
            "file from your key backup (or set BOT_DATA_KEY); a new key cannot open it"
        )
    return create_key_file(path)


class Cipher:
    """Encodes documents as encrypted JSON and decodes them again."""

    def __init__(self, key: bytes) -> None:
        self._fernet = check_key(key)

    def encode(self, value: Document) -> bytes:
        """Return the encrypted JSON of a document."""
        return self._fernet.encrypt(encode(value).encode("utf-8"))

    def decrypt(self, raw: str | bytes) -> bytes:
        """Return the plaintext of a stored token; NotDecryptable for anything else.

        Plain JSON is not accepted here: unencrypted values are read only by the one-time
        migration (`SqliteStore(..., migrate=True)`, run by `python -m bot encrypt`).
        """
        data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        try:
            return self._fernet.decrypt(data)
        except InvalidToken:
            raise NotDecryptable("not a valid ciphertext for the data key") from None

    def decode(self, raw: str | bytes) -> Document:
        """Decrypt and parse a stored value; ValueError (NotDecryptable) if it cannot be."""
        return decode(self.decrypt(raw))


def is_plain_json(data: str | bytes) -> bool:
    """Tell whether a stored value is an unencrypted JSON object."""
    try:
        decode(data)
    except ValueError:  # not JSON, not UTF-8, or JSON but no object
        return False
    return True
