"""The Mini App's guards kept in memory: per-user pacing and the request ids seen lately.

Both are bounded (an attacker with many accounts fills them only up to their size, and the
oldest entries go first) and per process: pacing needs no more, and a request id seen by
another process, or before a restart, is refused by the engine, which keeps the ids it
applied in the chat's state (dialogues/miniapp/edit.py).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

RATE = 2.0  # requests per second a user may keep up ...
BURST = 20  # ... after a burst of this many (opening the page makes two or three)
USERS = 10_000  # users whose pacing is remembered
SEEN = 10_000  # request ids remembered


class Pacer:
    """A token bucket per user: `allow(user)` is False while the user goes too fast."""

    def __init__(
        self,
        rate: float = RATE,
        burst: int = BURST,
        size: int = USERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate, self.burst, self.size, self.clock = rate, burst, size, clock
        self._buckets: OrderedDict[int, tuple[float, float]] = OrderedDict()

    def allow(self, user_id: int) -> bool:
        """Take one request from the user's bucket; False when it is empty."""
        now = self.clock()
        tokens, then = self._buckets.pop(user_id, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[user_id] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self.size:
            self._buckets.popitem(last=False)
        return allowed


class RecentIds:
    """The ids of the last changes applied, to refuse a replay without touching storage."""

    def __init__(self, size: int = SEEN) -> None:
        self.size = size
        self._ids: OrderedDict[tuple[int, str], None] = OrderedDict()

    def __contains__(self, key: tuple[int, str]) -> bool:
        return key in self._ids

    def add(self, key: tuple[int, str]) -> None:
        """Remember an applied change's (chat, request id); the oldest is forgotten first."""
        self._ids[key] = None
        while len(self._ids) > self.size:
            self._ids.popitem(last=False)
