"""The worker's pieces on their own: the webhook answer after the turn (503 when the turn
missed the database), and the rate limiter taking its slots from a shared pace."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import tornado.web

from bot.ratelimit import ChatRateLimiter
from bot.workers import _ProcessNow


class StubApplication:
    """What `_ProcessNow` uses of PTB's Application; the turn raises `error` (or not)."""

    def __init__(self, error: Exception | None) -> None:
        self.error = error
        self.error_handlers: list[Any] = []
        self.update_processor = self
        self.done: list[object] = []

    def add_error_handler(self, callback: Any) -> None:
        self.error_handlers.append(callback)

    async def process_update(self, update: object, coroutine: Any = None) -> None:
        if coroutine is not None:  # the update processor runs the Application's coroutine
            await coroutine
            return
        if self.error is None:
            self.done.append(update)
            return
        for handler in self.error_handlers:  # PTB awaits the error handlers in the turn
            await handler(update, SimpleNamespace(error=self.error))


async def test_the_answer_waits_for_the_turn() -> None:
    app = StubApplication(None)
    await _ProcessNow(app).put("u1")  # type: ignore[arg-type]
    assert app.done == ["u1"]


async def test_a_turn_that_missed_the_database_is_not_acknowledged() -> None:
    from psycopg import OperationalError

    queue = _ProcessNow(StubApplication(OperationalError("server closed the connection")))  # type: ignore[arg-type]
    with pytest.raises(tornado.web.HTTPError) as raised:
        await queue.put("u2")
    assert raised.value.status_code == 503 and not queue.unreached


async def test_other_failures_are_acknowledged() -> None:
    await _ProcessNow(StubApplication(ValueError("a bug"))).put("u3")  # type: ignore[arg-type]


class StubPace:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self.group_waits = [0.01, 0.0]

    async def overall(self, interval: float) -> float:
        self.calls.append(("overall", interval))
        return 0.0

    async def chat(self, chat_id: int, limit: int, period: float) -> float:
        self.calls.append(("chat", chat_id))
        return self.group_waits.pop(0)


async def test_the_limiter_takes_the_shared_pace_and_group_windows() -> None:
    limiter = ChatRateLimiter()
    limiter.shared = pace = StubPace()

    async def send(*args: Any, **kwargs: Any) -> bool:
        return True

    await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": -5}, None)
    await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 7}, None)
    # The group asked twice (it had to wait once); the private chat has no shared window.
    assert [c[0] for c in pace.calls] == ["chat", "chat", "overall", "overall"]
