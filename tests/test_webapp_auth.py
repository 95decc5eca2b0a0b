"""The Mini App's sign-in: init data checked as the Bot API documents it."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import parse_qsl, quote, urlencode

import pytest

from bot.webapp.auth import AuthError, parse_header, sign, validate

TOKEN = "123456:ABCdefGHIjklMNOpqrsTUVwxyz_0123456789"
NOW = 1_800_000_000
USER = {"id": 42, "first_name": "Ane", "language_code": "da", "username": "ane"}


def fields(**extra: str) -> dict[str, str]:
    base = {"auth_date": str(NOW - 10), "query_id": "AAE1", "user": json.dumps(USER)}
    return {**base, **extra}


def refused(raw: str, token: str = TOKEN, now: float = NOW, max_age: int = 86400) -> str:
    with pytest.raises(AuthError) as caught:
        validate(raw, token, now, max_age)
    return caught.value.reason


def test_signed_init_data_gives_its_user() -> None:
    user = validate(sign(fields(start_param="g100123"), TOKEN), TOKEN, NOW)
    assert (user.id, user.first_name, user.language_code, user.username) == (42, "Ane", "da", "ane")
    assert user.start_param == "g100123"
    assert user.auth_date == NOW - 10


def test_the_hash_is_computed_as_the_docs_describe() -> None:
    """An independent computation of the documented scheme, not our own helper."""
    data = fields()
    check = "\n".join(f"{k}={data[k]}" for k in sorted(data))
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    raw = "&".join(f"{k}={quote(v, safe='')}" for k, v in data.items()) + f"&hash={digest}"
    assert validate(raw, TOKEN, NOW).id == 42


def test_a_signature_field_is_part_of_the_signed_string() -> None:
    """Telegram adds `signature` (for third parties); the bot's own check signs it too."""
    raw = sign(fields(signature="abc-DEF_123"), TOKEN)
    assert validate(raw, TOKEN, NOW).id == 42
    forged = raw.replace("abc-DEF_123", "abc-DEF_124")
    assert refused(forged) == "bad_hash"


def test_missing_init_data() -> None:
    assert refused("") == "missing"
    assert parse_header(None) == ""
    assert parse_header("Bearer abc") == ""
    assert parse_header("tma a=1&b=2") == "a=1&b=2"


def test_forged_hash() -> None:
    raw = sign(fields(), TOKEN)
    changed = raw.replace("%22id%22%3A+42", "%22id%22%3A+43")
    assert changed != raw
    assert refused(changed) == "bad_hash"
    pairs = dict(parse_qsl(raw))
    pairs["hash"] = "0" * 64
    assert refused(urlencode(pairs)) == "bad_hash"


def test_wrong_bot_token() -> None:
    raw = sign(fields(), "999:OtherBotsToken")
    assert refused(raw) == "bad_hash"


def test_missing_fields() -> None:
    data = fields()
    assert refused(urlencode(data)) == "no_hash"
    del data["auth_date"]
    assert refused(sign(data, TOKEN)) == "no_auth_date"
    data = fields()
    del data["user"]
    assert refused(sign(data, TOKEN)) == "no_user"


def test_expired_and_from_the_future() -> None:
    old = sign(fields(auth_date=str(NOW - 86401)), TOKEN)
    assert refused(old) == "expired"
    assert validate(old, TOKEN, NOW, max_age=90000).id == 42
    assert refused(sign(fields(auth_date=str(NOW - 61)), TOKEN), max_age=60) == "expired"
    assert refused(sign(fields(auth_date=str(NOW + 61)), TOKEN)) == "future"
    assert validate(sign(fields(auth_date=str(NOW + 59)), TOKEN), TOKEN, NOW).id == 42


@pytest.mark.parametrize(
    "user",
    ["not json", "[42]", '{"id": "42"}', '{"id": true}', '{"id": -5}', '{"name": "x"}', "null"],
)
def test_a_user_that_is_not_a_user(user: str) -> None:
    assert refused(sign(fields(user=user), TOKEN)) == "bad_user"


@pytest.mark.parametrize(
    "raw",
    ["a=1&a=2&hash=" + "0" * 64, "no-equals-sign", "x=%ff%fe", "a" * 9000],
)
def test_malformed_query_strings(raw: str) -> None:
    assert refused(raw) == "malformed"


def test_a_field_given_twice_is_refused_even_when_one_is_signed() -> None:
    raw = sign(fields(), TOKEN) + "&user=" + quote(json.dumps({"id": 7}))
    assert refused(raw) == "malformed"


def test_reason_codes_are_what_the_page_sees() -> None:
    codes = {}
    for raw in ("", sign(fields(), "1:x"), sign(fields(auth_date="1"), TOKEN)):
        with pytest.raises(AuthError) as caught:
            validate(raw, TOKEN, NOW)
        codes[caught.value.reason] = caught.value.code
    assert codes == {
        "missing": "auth_missing",
        "bad_hash": "auth_invalid",
        "expired": "auth_expired",
    }
