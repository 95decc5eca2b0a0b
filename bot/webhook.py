"""Our own webhook server: path, method, secret and size are checked before the body is read.

PTB's built-in webhook server reads the whole request body into memory before it looks at
the secret (four 90 MiB requests without the secret took the bot from 59 to 587 MiB), and
logs a body it cannot parse at CRITICAL with its content, i.e. what a user typed. This one
is a small tornado server (tornado comes with PTB's webhooks extra):

- every route streams its body (`stream_request_body`): nothing is read before `prepare()`
  has checked the method, the X-Telegram-Bot-Api-Secret-Token header (constant-time) and
  the Content-Length; a refused request is answered (403, 405, 411, 413) and its
  connection closed, so the body is never read; a chunked body is capped while it streams;
- unknown paths get a 404 the same way, and the server refuses any body over the limit;
- a good update is parsed with `telegram.Update.de_json` and put on the Application's
  `update_queue`, which the Application's own loop dispatches (through whatever update
  processor it has), and answered 200 at once;
- the log gets the update id and the error type, never the payload.

More routes can be mounted on the same server with `mount()`: an exact path, or a prefix
(the Mini App under /app/, bot/webapp/server.py).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import socket
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger("inklusionsguiden.webhook")

MAX_BODY = 1024 * 1024  # Telegram's updates are a few KiB; 1 MiB is far above any of them
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class Refused(Exception):
    """A request was refused before its body was read."""


@tornado.web.stream_request_body
class StreamingHandler(tornado.web.RequestHandler):
    """A handler that never buffers a body it has not accepted; subclasses check in `admit`.

    `admit()` runs before the first byte of the body is read; calling `refuse(status)` in
    it (or later, while the body streams in) answers at once and closes the connection.
    """

    max_body = MAX_BODY

    def prepare(self) -> None:
        self._chunks: list[bytes] = []
        self._size = 0
        self.admit()
        if self._finished:
            return
        length = self.request.headers.get("Content-Length")
        chunked = "chunked" in self.request.headers.get("Transfer-Encoding", "").lower()
        if length is None and not chunked and self.request.method in ("POST", "PUT", "PATCH"):
            self.refuse(411)
        elif length is not None and (not length.isdigit() or int(length) > self.max_body):
            self.refuse(413 if length.isdigit() else 400)
        else:
            self.request.connection.set_max_body_size(self.max_body)  # type: ignore[union-attr]

    def admit(self) -> None:
        """Check what the request says about itself (headers) before its body is read."""

    def refuse(self, status: int) -> None:
        """Answer `status` with an empty body and close the connection, body unread."""
        if self._finished:
            return
        self.clear()
        self.set_status(status)
        self.set_header("Connection", "close")
        self.finish()

    def data_received(self, chunk: bytes) -> None:
        if self._finished:
            return
        self._size += len(chunk)
        if self._size > self.max_body:
            self.refuse(413)
            return
        self._chunks.append(chunk)

    @property
    def body(self) -> bytes:
        """The body, once it has been read in full (within the limit)."""
        return b"".join(self._chunks)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish()  # no page, no traceback, nothing of the request echoed

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        # tornado's default logs the whole request, headers (the secret) included.
        if isinstance(value, tornado.web.HTTPError):
            return
        log.error("webhook handler failed path=%s error=%s", self.request.path, typ.__name__)


class NotFound(StreamingHandler):
    """Any path nobody mounted: 404 before the body is read."""

    def admit(self) -> None:
        self.refuse(404)


class TelegramUpdates(StreamingHandler):
    """POST /<path>: one Update from Telegram, put on the Application's update queue."""

    SUPPORTED_METHODS = ("POST",)  # anything else is a 405 before prepare()

    def initialize(self, telegram: Application, secret: str) -> None:  # type: ignore[type-arg]
        self.telegram = telegram
        self.secret = secret.encode()

    def admit(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self.secret):
            self.refuse(403)

    async def post(self) -> None:
        if self._finished:
            return
        try:
            data = json.loads(self.body)
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            log.warning(
                "webhook body refused bytes=%d error=%s", len(self.body), type(exc).__name__
            )
            self.refuse(400)
            return
        update_id = data.get("update_id") if isinstance(data.get("update_id"), int) else None
        try:
            update = Update.de_json(data, self.telegram.bot)
        except Exception as exc:  # any parse failure: log the type, never the data
            # It came with the secret, so from Telegram: a 4xx/5xx would make Telegram
            # repeat it for ever and hold up every later update. Drop it, loudly.
            log.error("webhook update dropped update_id=%s error=%s", update_id, type(exc).__name__)
            self.set_status(200)
            self.finish()
            return
        await self.telegram.update_queue.put(update)
        log.debug("webhook update queued update_id=%s", update_id)
        self.set_status(200)
        self.finish()


class WebhookServer:
    """One HTTP server for Telegram's webhook, and later other routes, on one port."""

    def __init__(self, listen: str, port: int, max_body: int = MAX_BODY) -> None:
        self.listen = listen
        self.port = port
        self.max_body = max_body
        self._routes: list[tuple[str, type[StreamingHandler], dict[str, Any]]] = []
        self._server: tornado.httpserver.HTTPServer | None = None

    def mount(
        self, path: str, handler: type[StreamingHandler], prefix: bool = False, **kwargs: Any
    ) -> None:
        """Serve `handler` at the exact path `/<path>` (before `start()`); with `prefix`,
        also everything under `/<path>/`, the rest of the path passed to its methods."""
        pattern = re.escape("/" + path.strip("/"))
        self._routes.append((pattern + "(/.*)?" if prefix else pattern, handler, kwargs))

    def mount_telegram(self, path: str, application: Application, secret: str) -> None:  # type: ignore[type-arg]
        """Serve Telegram's updates at `/<path>`, checked against `secret`."""
        self.mount(path, TelegramUpdates, telegram=application, secret=secret)

    async def start(self) -> int:
        """Listen (on the running asyncio loop); return the port actually bound."""
        app = tornado.web.Application(
            self._routes, default_handler_class=NotFound, compress_response=False
        )
        self._server = tornado.httpserver.HTTPServer(
            app,
            max_body_size=self.max_body,  # a last guard, for any route
            max_buffer_size=self.max_body + 64 * 1024,
            max_header_size=16 * 1024,
            body_timeout=30,
            idle_connection_timeout=60,
            xheaders=False,
        )
        sockets = tornado.netutil.bind_sockets(self.port, self.listen, family=socket.AF_UNSPEC)
        self._server.add_sockets(sockets)
        self.port = int(sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        """Stop accepting, then close the open connections."""
        if self._server is None:
            return
        self._server.stop()
        await self._server.close_all_connections()
        self._server = None
