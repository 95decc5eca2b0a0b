"""The Mini App's sign-in: Telegram's init data, checked as the Bot API documents it.

The page sends the raw init data Telegram gave it (`Authorization: tma <initData>`). It is
a query string signed with the bot's token ("Validating data received via the Mini App"):

    secret = HMAC_SHA256(key="WebAppData", msg=bot_token)
    hash   = hex(HMAC_SHA256(key=secret, msg=data_check_string))

where the data check string is every received field but `hash`, sorted by key, each as
`key=value` (values URL-decoded), joined by a line feed. The docs leave out `signature`
only for the third-party (Ed25519) check, so here it stays in the string like any field.

Pure and clock-injected: `validate(raw, token, now)` returns the signed-in user or raises
`AuthError` with a reason; nothing here logs the data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

MAX_AGE = 86400  # seconds: BOT_WEBAPP_MAX_AGE's default
FUTURE_SLACK = 60  # seconds a client's clock may run ahead of ours
MAX_RAW = 8192  # characters of init data: Telegram's are well under 1 KiB
_HASH = re.compile(r"[0-9a-f]{64}")
_DIGITS = re.compile(r"[0-9]{1,12}")
_START = re.compile(r"[A-Za-z0-9_-]{1,64}")

# Why init data was refused -> the HTTP answer's error code (401 for all of them)
REASONS = {
    "missing": "auth_missing",
    "malformed": "auth_invalid",
    "no_hash": "auth_invalid",
    "bad_hash": "auth_invalid",
    "no_auth_date": "auth_invalid",
    "no_user": "auth_invalid",
    "bad_user": "auth_invalid",
    "expired": "auth_expired",
    "future": "auth_expired",
}


class AuthError(Exception):
    """Init data refused; `reason` says why (a key of REASONS), `code` what the page sees."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def code(self) -> str:
        """Return the error code of the HTTP answer."""
        return REASONS[self.reason]


@dataclass(frozen=True)
class WebUser:
    """Who signed in: the init data's user, and what the page was opened with."""

    id: int
    first_name: str
    language_code: str
    auth_date: int
    start_param: str = ""  # e.g. 'g100123' from a t.me/<bot>?startapp= link ('' if none)
    username: str = ""


def secret_key(token: str) -> bytes:
    """Return the key the init data is signed with, derived from the bot's token."""
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def check_string(fields: dict[str, str]) -> str:
    """Return the data check string: every field but `hash`, sorted, `key=value` per line."""
    return "\n".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "hash")


def sign(fields: dict[str, str], token: str) -> str:
    """Return init data for these fields signed with `token` (what Telegram does; for tests)."""
    digest = hmac.new(secret_key(token), check_string(fields).encode(), hashlib.sha256)
    return urlencode({**fields, "hash": digest.hexdigest()})


def parse_header(value: str | None) -> str:
    """Return the init data of an `Authorization: tma <initData>` header ('' when absent)."""
    if not value:
        return ""
    scheme, _, rest = value.strip().partition(" ")
    return rest.strip() if scheme.lower() == "tma" else ""


def validate(raw: str, token: str, now: float, max_age: int = MAX_AGE) -> WebUser:
    """Check init data's signature and freshness; return its user or raise AuthError."""
    if not raw:
        raise AuthError("missing")
    fields = _fields(raw)
    given = fields.get("hash", "")
    if not _HASH.fullmatch(given):
        raise AuthError("no_hash")
    expected = hmac.new(secret_key(token), check_string(fields).encode(), hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest().encode(), given.encode()):
        raise AuthError("bad_hash")
    auth_date = fields.get("auth_date", "")
    if not _DIGITS.fullmatch(auth_date):
        raise AuthError("no_auth_date")
    age = now - int(auth_date)
    if age > max_age:
        raise AuthError("expired")
    if age < -FUTURE_SLACK:
        raise AuthError("future")
    return _user(fields, int(auth_date))


def _fields(raw: str) -> dict[str, str]:
    """Split the query string; refuse anything odd (too long, a key twice, no pairs)."""
    if len(raw) > MAX_RAW:
        raise AuthError("malformed")
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise AuthError("malformed") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise AuthError("malformed")  # a field given twice: which one was signed?
    return fields


def _user(fields: dict[str, str], auth_date: int) -> WebUser:
    """Read the signed `user` field (JSON) into a WebUser."""
    if "user" not in fields:
        raise AuthError("no_user")
    try:
        user = json.loads(fields["user"])
    except ValueError:
        raise AuthError("bad_user") from None
    if not isinstance(user, dict):
        raise AuthError("bad_user")
    user_id = user.get("id")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id < 2**53:
        raise AuthError("bad_user")
    name, lang, handle = (user.get(k) for k in ("first_name", "language_code", "username"))
    start = fields.get("start_param", "")
    return WebUser(
        id=user_id,
        first_name=name[:64] if isinstance(name, str) else "",
        language_code=lang[:16] if isinstance(lang, str) else "",
        auth_date=auth_date,
        start_param=start if _START.fullmatch(start) else "",
        username=handle[:64] if isinstance(handle, str) else "",
    )
