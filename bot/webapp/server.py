"""The Mini App's HTTP side: the page's files and the JSON API under /app/ (docs/WEBAPP.md).

One tornado handler serves the whole prefix, on the webhook's server (webhook mode) or on
a server of its own (polling mode, `BOT_WEBAPP_PORT`). Every response carries the security
headers (a CSP without inline script that lets only Telegram frame the page, nosniff,
no-referrer); the API's are never cached and never set a cookie. An API request is signed
in (bot/webapp/auth.py) and paced before its body is read; a change is then parsed into a
bounded value and handed to the engine as an event (bot/webapp/api.py).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from telegram.ext import Application

from bot.config import Config, StartupError
from bot.webapp import api
from bot.webapp.access import WebApp
from bot.webapp.auth import AuthError, WebUser, parse_header, validate
from bot.webhook import StreamingHandler, WebhookServer

log = logging.getLogger("inklusionsguiden.webapp")
PREFIX = "app"
MAX_BODY = 16 * 1024  # a change is well under 1 KiB
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors https://web.telegram.org https://*.telegram.org; "
    "base-uri 'none'; form-action 'none'"
)
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".json": "application/json",
}
_ASSET = re.compile(r"/assets/([A-Za-z0-9_-][A-Za-z0-9._-]{0,99})")
NO_PAGE = "The Mini App's page is not built: bot/webapp/static/index.html is missing.\n"


class MiniApp(StreamingHandler):
    """Everything under /app/: GET the page, its assets and the API; POST a change."""

    SUPPORTED_METHODS = ("GET", "POST")
    max_body = MAX_BODY

    def initialize(self, webapp: WebApp) -> None:
        self.webapp = webapp
        self.user: WebUser | None = None
        self.lang = webapp.conversations.library.default

    def set_default_headers(self) -> None:
        self.clear_header("Server")
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        if self._is_api():
            self.set_header("Cache-Control", "no-store")

    def _is_api(self) -> bool:
        return self.request.path.startswith(f"/{PREFIX}/api/")

    def admit(self) -> None:
        """Sign the API's caller in and pace them, before a byte of the body is read."""
        if not self._is_api():
            if self.request.method != "GET":
                self.refuse(405)
            return
        raw = parse_header(self.request.headers.get("Authorization"))
        try:
            self.user = validate(raw, self.webapp.token, self.webapp.clock(), self.webapp.max_age)
        except AuthError as exc:
            log.info("webapp sign-in refused reason=%s", exc.reason)
            self.fail(401, exc.code)
            return
        if not self.webapp.pacer.allow(self.user.id):
            self.fail(429, "too_many")

    def refuse(self, status: int) -> None:
        """A refusal before the body was read (405, 411, 413, 400), said as JSON."""
        code = {413: "too_large", 404: "no_plan"}.get(status, "bad_request")
        self.fail(status, code)

    def fail(self, status: int, code: str, field: str = "", lang: str | None = None) -> None:
        """Answer a refusal as JSON, in the user's language once it is known."""
        if self._finished:
            return
        content = self.webapp.conversations.library.get(lang or self.lang)
        body: dict[str, str] = {"error": code, "message": content.text(f"app_error_{code}")}
        if field:
            body["field"] = field
        self.clear()
        self.set_status(status)
        if self.request.method == "POST" and not getattr(self, "_chunks", None):
            self.set_header("Connection", "close")  # the body was never read: not reused
        self.send_json(body, status)

    def send_json(self, data: object, status: int = 200) -> None:
        """Answer with JSON."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(data, ensure_ascii=False))

    async def get(self, rest: str | None = None) -> None:
        if self._finished:
            return
        rest = rest or ""
        if rest == "":
            self.redirect(f"/{PREFIX}/", permanent=True)
        elif rest == "/":
            self._send_index()
        elif _ASSET.fullmatch(rest):
            self._send_asset(_ASSET.fullmatch(rest).group(1))  # type: ignore[union-attr]
        elif rest in ("/api/plans", "/api/plan") and self.user is not None:
            await api.get(self, rest, self.user)
        else:
            self.fail(404, "no_plan")

    async def post(self, rest: str | None = None) -> None:
        if self._finished:
            return
        if rest != "/api/change" or self.user is None:
            self.fail(404, "no_plan")
            return
        await api.change(self, self.user)

    def _send_index(self) -> None:
        index = self.webapp.static / "index.html"
        if not index.is_file():
            self.set_status(503)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(NO_PAGE)
            return
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.finish(index.read_bytes())

    def _send_asset(self, name: str) -> None:
        path = self.webapp.static / "assets" / name
        kind = TYPES.get(path.suffix)
        if kind is None or not path.is_file():
            self.set_status(404)
            self.finish()
            return
        self.set_header("Content-Type", kind)
        self.set_header("Cache-Control", "public, max-age=31536000, immutable")
        self.finish(path.read_bytes())

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # No page, no traceback, nothing of the request echoed: the refusal's JSON.
        self.fail(status_code, "failed" if status_code >= 500 else "bad_request")


def mount(server: WebhookServer, application: Application, config: Config) -> WebApp:  # type: ignore[type-arg]
    """Serve the Mini App under /app/ on `server` (before it starts)."""
    assert config.token is not None
    webapp = WebApp(application, config.token, config.webapp_max_age)
    server.mount(PREFIX, MiniApp, prefix=True, webapp=webapp)
    application.bot_data["webapp"] = webapp
    return webapp


def serve_separately(application: Application, config: Config) -> None:  # type: ignore[type-arg]
    """Polling mode: run the Mini App on its own port while the Application runs.

    Its server starts after the Application's own post_init and stops at post_stop.
    """
    server = WebhookServer(config.webapp_listen, config.webapp_port, max_body=MAX_BODY)
    mount(server, application, config)
    application.bot_data["webapp_server"] = server
    before_init, before_stop = application.post_init, application.post_stop

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        if before_init is not None:
            await before_init(app)
        try:
            port = await server.start()
        except OSError as exc:
            raise StartupError(
                f"cannot listen on {config.webapp_listen}:{config.webapp_port} "
                f"({exc.strerror}): check BOT_WEBAPP_LISTEN and BOT_WEBAPP_PORT"
            ) from None
        log.info("mini app listening listen=%s port=%s", config.webapp_listen, port)

    async def post_stop(app: Application) -> None:  # type: ignore[type-arg]
        await server.stop()
        if before_stop is not None:
            await before_stop(app)

    application.post_init = post_init
    application.post_stop = post_stop
