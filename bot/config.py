"""Configuration from the environment; bad values give one clear line, never a traceback."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dialogues import CONTENT_DIR
from dialogues.dates import LOCAL

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message says which and why."""


class StartupError(Exception):
    """Something outside the settings stops a start (lock held, storage fault).

    The message is one line that says what is wrong and what to do; the command line prints
    it as `error: <message>` and exits with code 2, never with a traceback.
    """


@dataclass(frozen=True)
class Config:
    """The settings of one bot process."""

    token: str | None
    base_url: str
    data_dir: Path
    content_dir: Path
    log_level: str
    tz: tzinfo = LOCAL
    default_language: str = "da"
    fallback_language: str = "en"
    data_key: bytes | None = None
    key_file: Path = Path("secrets") / "data.key"
    retention_days: int = 540
    privacy_contact: str = ""
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    webapp_url: str = ""  # the Mini App's public address; '' = no Mini App (issue 21)
    webapp_listen: str = "127.0.0.1"  # polling mode: the Mini App's own port, for a proxy
    webapp_port: int = 8081
    webapp_max_age: int = 86400  # seconds a page's sign-in (init data) stays good

    @property
    def webhook_path(self) -> str:
        """Return the path part of the public webhook URL (what the proxy forwards)."""
        return urlsplit(self.webhook_url).path.lstrip("/")

    @property
    def db_path(self) -> Path:
        """Return the path of the database file."""
        from storage import DB_NAME

        return self.data_dir / DB_NAME

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        """Read and check the configuration; raise ConfigError naming the bad variable."""
        env = os.environ if env is None else env
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip() or None
        if token is not None and not _TOKEN.match(token):
            raise ConfigError("TELEGRAM_BOT_TOKEN looks wrong: expected '<digits>:<letters>'")
        base_url = env.get("TELEGRAM_BASE_URL", "").strip() or DEFAULT_BASE_URL
        if not re.match(r"^https?://[^\s/]+", base_url):
            raise ConfigError("TELEGRAM_BASE_URL must start with http:// or https://")
        level = env.get("BOT_LOG_LEVEL", "INFO").strip().upper()
        if level not in _LEVELS:
            raise ConfigError(f"BOT_LOG_LEVEL must be one of {', '.join(_LEVELS)}")
        content_dir = Path(env.get("BOT_CONTENT_DIR", "").strip() or CONTENT_DIR)
        if not content_dir.is_dir():
            raise ConfigError(f"BOT_CONTENT_DIR {content_dir} is not a directory")
        data_dir = Path(env.get("BOT_DATA_DIR", "").strip() or "data")
        if data_dir.exists() and not data_dir.is_dir():
            raise ConfigError(f"BOT_DATA_DIR {data_dir} exists and is not a directory")
        languages = [p.name for p in content_dir.iterdir() if p.is_dir() and any(p.glob("*.yaml"))]
        default = _language(env, "BOT_DEFAULT_LANGUAGE", "da", languages)
        fallback = _language(env, "BOT_FALLBACK_LANGUAGE", "en", languages)
        tz = _timezone(env)
        key = env.get("BOT_DATA_KEY", "").strip().encode() or None
        key_file = Path(env.get("BOT_KEY_FILE", "").strip() or Path("secrets") / "data.key")
        if key_file.resolve().parent == data_dir.resolve():
            raise ConfigError("BOT_KEY_FILE must not lie in BOT_DATA_DIR: keep the key apart")
        retention = env.get("BOT_RETENTION_DAYS", "540").strip()
        if not retention.isdigit() or not 60 <= int(retention) <= 3650:
            raise ConfigError("BOT_RETENTION_DAYS must be a whole number of days, 60 to 3650")
        contact = env.get("BOT_PRIVACY_CONTACT", "").strip()
        config = cls(token, base_url, data_dir, content_dir, level, tz, default, fallback,
                     key, key_file, int(retention), contact)  # fmt: skip
        return _with_webapp(_with_webhook(config, env), env)


def _with_webhook(config: Config, env: Mapping[str, str]) -> Config:
    url = env.get("BOT_WEBHOOK_URL", "").strip()
    if not url:
        return config
    if not url.startswith("https://"):
        raise ConfigError("BOT_WEBHOOK_URL must be an https:// URL (Telegram requires TLS)")
    secret = env.get("BOT_WEBHOOK_SECRET", "").strip()
    if not re.match(r"^[A-Za-z0-9_-]{16,256}$", secret):
        raise ConfigError("BOT_WEBHOOK_SECRET must be 16-256 characters of A-Z, a-z, 0-9, _ or -")
    port = env.get("BOT_WEBHOOK_PORT", "8443").strip()
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError("BOT_WEBHOOK_PORT must be a port number")
    listen = env.get("BOT_WEBHOOK_LISTEN", "").strip() or "127.0.0.1"
    return dataclasses.replace(
        config,
        webhook_url=url,
        webhook_listen=listen,
        webhook_port=int(port),
        webhook_secret=secret,
    )


def _with_webapp(config: Config, env: Mapping[str, str]) -> Config:
    url = env.get("BOT_WEBAPP_URL", "").strip()
    if not url:
        return config
    parts = urlsplit(url)
    local = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")
    if (
        (parts.scheme != "https" and not local)
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
        or len(url) > 512
        or re.search(r"\s", url)
    ):
        raise ConfigError(
            "BOT_WEBAPP_URL must be the page's https:// address, e.g. https://bot.example.org/app/ "
            "(http:// only for 127.0.0.1 or localhost, in tests)"
        )
    port = env.get("BOT_WEBAPP_PORT", "8081").strip()
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError("BOT_WEBAPP_PORT must be a port number")
    age = env.get("BOT_WEBAPP_MAX_AGE", "86400").strip()
    if not age.isdigit() or not 60 <= int(age) <= 7 * 86400:
        raise ConfigError("BOT_WEBAPP_MAX_AGE must be a number of seconds, 60 to 604800")
    listen = env.get("BOT_WEBAPP_LISTEN", "").strip() or "127.0.0.1"
    return dataclasses.replace(
        config, webapp_url=url, webapp_listen=listen, webapp_port=int(port), webapp_max_age=int(age)
    )


def _language(env: Mapping[str, str], name: str, default: str, languages: list[str]) -> str:
    value = env.get(name, "").strip()
    if value and value not in languages:
        raise ConfigError(f"{name} {value!r}: the content has {', '.join(sorted(languages))}")
    return value or default


def _timezone(env: Mapping[str, str]) -> tzinfo:
    name = env.get("BOT_TIMEZONE", "").strip() or "Europe/Copenhagen"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"BOT_TIMEZONE {name!r} is not a known time zone") from None


def setup_logging(level: str) -> None:
    """Log one line per event to stdout: time, level, logger, message (ids only, never content)."""
    logging.basicConfig(
        level=getattr(logging, level),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stdout,
    )
    # httpx logs every request URL at INFO, and the URL contains the bot token; PTB logs
    # whole API payloads (what users typed) at DEBUG. Neither may reach the log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(max(logging.INFO, getattr(logging, level)))
    # Our webhook server (bot/webhook.py) logs what it refuses itself; tornado's access log
    # would add a line per delivered update, and its error log the request's headers.
    logging.getLogger("tornado.access").setLevel(logging.WARNING)
    # tornado logs a malformed request at INFO with a piece of it (headers can hold secrets).
    logging.getLogger("tornado.general").setLevel(logging.WARNING)
