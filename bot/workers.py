"""What a worker needs beyond the embedded mode when several share one PostgreSQL database.

- `mount_processing`: the webhook answers Telegram only once the update's turn has run and
  committed (through the same chat-ordered update processor), instead of at once. A worker
  killed mid-turn never answers, so Telegram (here: the reverse proxy's retry) delivers the
  update again, to a worker that is alive; if the turn had committed, the chat's window of
  update ids (stored in its state, read under the chat's lock) drops the redelivery.
- `share_rate_limits`: Telegram's limits count for the bot, not for a process. The overall
  pace and each group's window are kept in the database (storage/postgres/: one row for
  the pace, a table of recent sends per group), so N workers together stay within 28
  messages a second and 20 a minute per group.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from bot.ratelimit import ChatRateLimiter

log = logging.getLogger("inklusionsguiden.workers")

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.webhook import WebhookServer
    from storage.postgres import PgDatabase


class _ProcessNow:
    """An update queue whose `put` runs the update to its end (the turn committed).

    When the turn could not reach the database (connection lost, pool exhausted), the
    update is answered 503 instead of 200, so the proxy or Telegram delivers it again
    rather than losing it; other errors are answered as before (200: repeating an update
    that breaks the same way every time would hold up the chat's later updates).
    """

    def __init__(self, application: Application) -> None:  # type: ignore[type-arg]
        self.application = application
        self.unreached: set[int] = set()  # id() of updates whose turn missed the database
        application.add_error_handler(self._note)

    async def _note(self, update: object, context: Any) -> None:
        from psycopg import OperationalError
        from psycopg_pool import PoolTimeout

        if isinstance(context.error, OperationalError | PoolTimeout):
            self.unreached.add(id(update))

    async def put(self, update: object) -> None:
        import tornado.web

        app = self.application
        await app.update_processor.process_update(update, app.process_update(update))
        if id(update) in self.unreached:
            self.unreached.discard(id(update))
            log.warning("update not acknowledged: the database was not reached")
            raise tornado.web.HTTPError(503)


class _Inline:
    """What the webhook handler uses of the Application: its bot and its update queue."""

    def __init__(self, application: Application) -> None:  # type: ignore[type-arg]
        self.bot = application.bot
        self.update_queue = _ProcessNow(application)


def mount_processing(
    server: WebhookServer,
    path: str,
    application: Application,  # type: ignore[type-arg]
    secret: str,
) -> None:
    """Serve Telegram's updates at `/<path>`, answering each after its turn has committed."""
    from bot.webhook import TelegramUpdates

    server.mount(path, TelegramUpdates, telegram=_Inline(application), secret=secret)


class SharedPace:
    """The database's send pace and group windows, called off the event loop."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def overall(self, interval: float) -> float:
        return await asyncio.to_thread(self.db.take_send_slot, interval)

    async def chat(self, chat_id: int, limit: int, period: float) -> float:
        return await asyncio.to_thread(self.db.take_chat_slot, chat_id, limit, period)


def share_rate_limits(application: Application, db: PgDatabase) -> None:  # type: ignore[type-arg]
    """Make the Application's rate limiter take its slots from the database."""
    limiter: Any = application.bot.rate_limiter
    if isinstance(limiter, ChatRateLimiter):
        limiter.shared = SharedPace(db)
