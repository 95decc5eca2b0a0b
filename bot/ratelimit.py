"""Pacing the bot's messages within Telegram's limits, chat by chat.

Telegram's FAQ: no more than about 30 messages a second overall, no more than 20 a minute
in one group, and about one a second in one private chat (short bursts allowed). A 429 answer
carries `retry_after`: how long to wait before trying again.

PTB's AIORateLimiter pauses *every* request after any 429, so one flooded group stalls every
other chat. This limiter keeps a bucket per chat and pauses only the chat that got the 429;
the overall pace is taken last, so a chat waiting for its own bucket never holds up others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger("inklusionsguiden.telegram")
# Seconds between two messages of the bot as a whole: a little under the FAQ's "about 30
# messages per second", since requests paced exactly 1/30 s apart can arrive bunched.
OVERALL_INTERVAL = 1 / 28
GROUP_LIMIT = (20, 60.0)  # messages per seconds in one group
# One private chat: the FAQ asks to "avoid sending more than one message per second" and
# allows short bursts; the Bot API states no hard limit. A turn sends a few messages in reply
# to a person, so private chats are not paced ahead; a 429 there pauses that chat alone.
PRIVATE_LIMIT = (1_000_000, 1.0)
MAX_RETRIES = 3
JSON = bool | dict[str, Any] | list[dict[str, Any]]


def paced(endpoint: str) -> bool:
    """Tell whether a method posts or changes a message (what Telegram's limits count)."""
    name = endpoint.lower()
    if name == "sendchataction":
        return False
    return name.startswith(("send", "edit", "copy", "forward"))


class Window:
    """A sliding window: at most `limit` messages in any `period` seconds."""

    def __init__(self, limit: int, period: float, clock: Callable[[], float]) -> None:
        self.limit, self.period, self.clock = limit, period, clock
        self.hits: deque[float] = deque()
        self.paused_until = 0.0
        self.lock = asyncio.Lock()

    def wait(self) -> float:
        """Return how long to wait before the next message may go (0: now)."""
        now = self.clock()
        while self.hits and self.hits[0] <= now - self.period:
            self.hits.popleft()
        full = self.hits[0] + self.period - now if len(self.hits) >= self.limit else 0.0
        return max(full, self.paused_until - now, 0.0)

    async def take(self) -> None:
        """Wait for a free slot in this chat, then use it."""
        async with self.lock:  # messages of one chat leave in the order they were made
            while (delay := self.wait()) > 0:
                await asyncio.sleep(delay)
            self.hits.append(self.clock())

    def idle(self) -> bool:
        """Tell whether the window holds nothing that still counts (it can be dropped)."""
        return not self.lock.locked() and self.wait() == 0 and not self.hits


class ChatRateLimiter(BaseRateLimiter[int]):
    """Per-group buckets (20 a minute), an even overall pace of 28/s, and a 429 that pauses
    only its own chat (retried up to MAX_RETRIES times)."""

    def __init__(
        self,
        overall_interval: float = OVERALL_INTERVAL,
        group: tuple[int, float] = GROUP_LIMIT,
        private: tuple[int, float] = PRIVATE_LIMIT,
        max_retries: int = MAX_RETRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.overall_interval = overall_interval
        self.group, self.private = group, private
        self.max_retries = max_retries
        self.clock = clock
        self._next_slot = 0.0
        self._windows: dict[int | str, Window] = {}
        self._overall_paused_until = 0.0
        # Several workers (PostgreSQL mode): the pace and group windows the database keeps
        # for the whole bot (bot/workers.py), taken after this process's own.
        self.shared: Any = None

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    def window(self, chat_id: int | str) -> Window:
        """Return the chat's window (groups and channels have negative ids or @names)."""
        found = self._windows.get(chat_id)
        if found is None:
            if len(self._windows) > 10_000:
                self._windows = {k: w for k, w in self._windows.items() if not w.idle()}
            group = isinstance(chat_id, str) or chat_id < 0
            limit, period = self.group if group else self.private
            found = self._windows[chat_id] = Window(limit, period, self.clock)
        return found

    async def _overall(self) -> None:
        """Take the next slot of the overall pace (slots are handed out in call order)."""
        now = self.clock()
        slot = max(now, self._next_slot, self._overall_paused_until)
        self._next_slot = slot + self.overall_interval
        if slot > now:
            await asyncio.sleep(slot - now)
        if self.shared is not None:
            delay = await self.shared.overall(self.overall_interval)
            if delay > 0:
                await asyncio.sleep(delay)

    async def _shared_chat(self, chat_id: object) -> None:
        """Wait for a slot in the group's window shared by all workers (groups only)."""
        if self.shared is None or not isinstance(chat_id, int) or chat_id >= 0:
            return
        while (delay := await self.shared.chat(chat_id, *self.group)) > 0:
            await asyncio.sleep(delay)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        """Pace a message within its chat and overall; after a 429, wait and try again."""
        if not paced(endpoint):
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id")
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        window = self.window(chat_id) if isinstance(chat_id, int | str) else None
        retries = rate_limit_args if rate_limit_args is not None else self.max_retries
        for attempt in range(retries + 1):
            if window is not None:
                await window.take()
                await self._shared_chat(chat_id)
            await self._overall()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == retries:
                    log.warning("rate limit: giving up after %d retries chat=%s", retries, chat_id)
                    raise
                self._pause(window, exc.retry_after)
        raise AssertionError("unreachable")  # pragma: no cover

    def _pause(self, window: Window | None, retry_after: int | timedelta) -> None:
        seconds = (
            retry_after.total_seconds()
            if isinstance(retry_after, timedelta)
            else float(retry_after)
        )
        until = self.clock() + seconds + 0.1
        if window is None:
            self._overall_paused_until = max(self._overall_paused_until, until)
        else:
            window.paused_until = max(window.paused_until, until)
        log.info("rate limit: chat paused for %.1f s", seconds)
