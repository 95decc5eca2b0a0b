"""Encryption at rest: every stored value is a Fernet token (AES-128-CBC with HMAC-SHA256).

The key comes from BOT_DATA_KEY or from a key file kept apart from the database. A copy of
the database without its key reveals no answer; a wrong key is refused at start-up.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from storage.base import Document, decode, encode


class DataKeyError(Exception):
    """The data key is missing, malformed or does not open the database."""


def new_key() -> bytes:
    """Return a fresh random key (url-safe base64 of 32 bytes)."""
    return Fernet.generate_key()


def check_key(key: bytes) -> Fernet:
    """Return a Fernet for the key, or raise DataKeyError with a readable reason."""
    try:
        return Fernet(key)
    except (ValueError, TypeError):
        raise DataKeyError("the data key must be 32 url-safe base64-encoded bytes") from None


def read_or_create_key_file(path: Path, create: bool) -> bytes:
    """Read the key file; create it (0600, in a 0700 folder) when allowed and absent."""
    if path.exists():
        return path.read_bytes().strip()
    if not create:
        raise DataKeyError(f"no key file at {path}, and the database is already encrypted")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = new_key()
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key


class Cipher:
    """Encodes documents as encrypted JSON and decodes them again."""

    def __init__(self, key: bytes) -> None:
        self._fernet = check_key(key)

    def encode(self, value: Document) -> bytes:
        """Return the encrypted JSON of a document."""
        return self._fernet.encrypt(encode(value).encode("utf-8"))

    def decode(self, raw: str | bytes) -> Document:
        """Decrypt and parse a stored value; plain JSON from before encryption is read as is."""
        data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        try:
            return decode(self._fernet.decrypt(data))
        except InvalidToken:
            if is_plain_json(data):
                return decode(data)
            raise DataKeyError("the data key does not open this database") from None


def is_plain_json(data: bytes) -> bool:
    """Tell whether a stored value is an unencrypted JSON object."""
    try:
        return isinstance(json.loads(data), dict)
    except (ValueError, UnicodeDecodeError):
        return False
