"""Fault injection: the real bot (in process, polling) against a fake Bot API that misbehaves.

Each test walks a chat to a question, makes one Bot API method fail in one way, and checks
three things: the bot recovers (the next message is answered), it retries where it should
(429) and never for ever (the calls of the failing method are counted), and the state it
committed before replying is intact.

Faults: 429 with retry_after (once, and for ever), 500 and 502 on sendMessage, 502 on
getUpdates, a read timeout on sendMessage (the fake answers after the bot's 5 s timeout),
connection resets before and after the request reaches the server (a small TCP proxy in
front of the fake), 403 Forbidden (the user blocked the bot), 400 on sendMessage, "query is
too old" on answerCallbackQuery (the press must still be carried out), and in a group, where
an answer edits the question's message: 400 "message is not modified", 400 "message to edit
not found" and 429 on editMessageText.

`running_bot` is shared with test_bad_input_corpus.py and test_load.py.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import logging
import os
import socket
import struct
import threading
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.chats import chat_key
from bot.service import Conversations
from dialogues import Library
from storage import SqliteStore
from tests.conftest import bot_against
from tests.fakebotapi import NOT_MODIFIED, FakeBotAPI

pytestmark = pytest.mark.slow  # faults that wait out real retry times

CHAT = 5151
FLOW = "anbefaling1"
FIRST, SECOND = "anbefaling1/q_vaerdi", "Spørgsmål 2 af"
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
READ_TIMEOUT = 5.0  # python-telegram-bot's default read timeout, which the bot keeps
FAULTS: list[str] = []  # what the tests injected; FAULTS_STATS names a file to list them in


@atexit.register
def _write_faults() -> None:
    if os.environ.get("FAULTS_STATS") and FAULTS:
        Path(os.environ["FAULTS_STATS"]).write_text(json.dumps(FAULTS, indent=1))


@dataclass
class RunningBot:
    """The in-process bot: its store, its turn loop and the fake it talks to."""

    fake: FakeBotAPI
    store: SqliteStore
    conversations: Conversations

    def state(self, chat: int = CHAT) -> dict[str, Any]:
        """Return the chat's committed state ({} when there is none)."""
        return self.store.get(chat_key(chat)) or {}


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeBotAPI, library: Library, data_dir: Path, base_url: str | None = None
) -> AsyncIterator[RunningBot]:
    """Run the bot in this loop against the fake (tests/conftest.py's bot_against)."""
    async with bot_against(fake, library, data_dir, base_url=base_url) as conversations:
        assert isinstance(conversations.store, SqliteStore)
        yield RunningBot(fake, conversations.store, conversations)


async def until(fake: FakeBotAPI, predicate: Any, timeout: float = 15, what: str = "") -> Any:
    """Wait, off the event loop, until the predicate holds."""
    return await asyncio.to_thread(fake.wait_for, predicate, timeout, what or None)


async def eventually(predicate: Any, timeout: float = 15, what: str = "") -> None:
    """Poll (every 20 ms, on the event loop) until the predicate holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
        await asyncio.sleep(0.02)


async def idle(fake: FakeBotAPI, quiet: float = 0.3, timeout: float = 20) -> None:
    """Wait until the bot has made no call for `quiet` seconds."""
    await asyncio.to_thread(fake.wait_idle, quiet, timeout)


def calls(fake: FakeBotAPI, method: str, chat: int = CHAT, since: int = 0) -> int:
    """Count the calls of `method` for `chat` after the `since`-th call overall."""
    return sum(
        1 for name, params in fake.calls[since:] if name == method and params.get("chat_id") == chat
    )


def last_text(fake: FakeBotAPI, chat: int = CHAT) -> str:
    """Return the text of the newest bot message in the chat ('' when there is none)."""
    messages = fake.messages(chat)
    return str(messages[-1]["text"] or "") if messages else ""


async def to_first_question(fake: FakeBotAPI, chat: int = CHAT) -> None:
    """Open recommendation 1 and press on until its first question is asked."""
    fake.send_text(chat, f"/start {FLOW}")
    await until(fake, lambda: "Videre ➡️" in fake.buttons(chat), what="the flow's intro")
    while "Spørgsmål 1 af" not in last_text(fake, chat):
        count = len(fake.sent)
        fake.press_button(chat, "Videre")
        await until(fake, lambda n=count: len(fake.sent) > n, what="the next page")
    await idle(fake)


async def answer_and_fail(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, answer: str, error: str
) -> None:
    """Type an answer, then wait until the bot's error handler has logged `error`."""
    bot.fake.send_text(CHAT, answer)
    await eventually(lambda: logged(caplog, f"error={error}"), what=error)
    await idle(bot.fake)


def assert_committed(bot: RunningBot, answer: str) -> None:
    """The turn was committed before the reply: the answer is stored, the chat moved on."""
    state = bot.state()
    assert state["answers"][FIRST]["text"] == answer
    assert (state["flow"], state["node"]) == (FLOW, "q_opgaver")


async def assert_recovers(bot: RunningBot) -> None:
    """The next message is answered, and shows where the chat is."""
    count = len(bot.fake.sent_to(CHAT))
    bot.fake.send_text(CHAT, "/hjaelp")
    await until(bot.fake, lambda: len(bot.fake.sent_to(CHAT)) > count, what="an answer")
    await idle(bot.fake)
    assert SECOND in last_text(bot.fake), last_text(bot.fake)


def drain(fake: FakeBotAPI, method: str, limit: int = 50) -> int:
    """Use up the faults still queued for `method` by calling the fake directly."""
    url = f"{fake.base_url}{fake.token}/{method}"
    body = json.dumps({"chat_id": 1, "text": "drain"}).encode()
    for used in range(limit):
        request = urllib.request.Request(
            url, body, {"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=5):
                return used
        except urllib.error.HTTPError:
            continue
    raise AssertionError(f"{method} still failing after {limit} calls")


@pytest.fixture
async def bot(fake: FakeBotAPI, library: Library, tmp_path: Path) -> AsyncIterator[RunningBot]:
    async with running_bot(fake, library, tmp_path) as running:
        yield running


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture what the bot logs at WARNING and above."""
    caplog.set_level(logging.WARNING)
    return caplog


def logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    """Tell whether a captured log line contains `text`."""
    return any(text in record.getMessage() for record in caplog.records)


# ---- 429 -------------------------------------------------------------------------------


async def test_429_on_a_reply_is_retried_after_retry_after(bot: RunningBot) -> None:
    fake = bot.fake
    await to_first_question(fake)
    since = len(fake.calls)
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    FAULTS.append("429 once on sendMessage")
    fake.send_text(CHAT, "Tillid")
    await until(fake, lambda: SECOND in last_text(fake), what="the retried reply")
    await idle(fake)
    assert calls(fake, "sendMessage", since=since) == 2  # the 429, then the retry
    assert fake.count_429 == 1
    assert_committed(bot, "Tillid")
    await assert_recovers(bot)


async def test_429_for_ever_is_given_up_after_a_bounded_number_of_tries(
    bot: RunningBot, errors: pytest.LogCaptureFixture
) -> None:
    fake = bot.fake
    await to_first_question(fake)
    since = len(fake.calls)
    injected = 8
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", 1, times=injected)
    FAULTS.append(f"429 x{injected} on sendMessage")
    await answer_and_fail(bot, errors, "Tillid", "RetryAfter")
    tries = calls(fake, "sendMessage", since=since)
    assert 1 < tries < injected, tries  # it retried, and it stopped
    assert_committed(bot, "Tillid")
    drain(fake, "sendMessage")
    await assert_recovers(bot)


# ---- 5xx -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "description"),
    [(500, "Internal Server Error"), (502, "Bad Gateway")],
)
async def test_5xx_on_a_reply_is_logged_not_retried_and_the_bot_recovers(
    bot: RunningBot, errors: pytest.LogCaptureFixture, code: int, description: str
) -> None:
    fake = bot.fake
    await to_first_question(fake)
    since = len(fake.calls)
    fake.fail_next("sendMessage", code, description)
    FAULTS.append(f"{code} on sendMessage")
    await answer_and_fail(bot, errors, "Tillid", "NetworkError")
    assert calls(fake, "sendMessage", since=since) == 1
    assert_committed(bot, "Tillid")
    await assert_recovers(bot)


async def test_5xx_on_get_updates_is_retried_until_it_works(
    bot: RunningBot, errors: pytest.LogCaptureFixture
) -> None:
    fake = bot.fake
    await to_first_question(fake)
    fake.fail_next("getUpdates", 502, "Bad Gateway")
    FAULTS.append("502 on getUpdates")
    fake.send_text(CHAT, "Tillid")
    await until(fake, lambda: SECOND in last_text(fake), what="the answer after the outage")
    assert_committed(bot, "Tillid")
    await assert_recovers(bot)


# ---- timeouts and connection resets ----------------------------------------------------


async def test_a_reply_that_times_out_is_not_sent_twice_and_the_bot_recovers(
    bot: RunningBot, errors: pytest.LogCaptureFixture
) -> None:
    fake = bot.fake
    await to_first_question(fake)
    since = len(fake.calls)
    fake.delay("sendMessage", READ_TIMEOUT + 0.3)
    FAULTS.append("read timeout on sendMessage")
    fake.send_text(CHAT, "Tillid")
    await eventually(lambda: logged(errors, "error=TimedOut"), READ_TIMEOUT + 10, "TimedOut")
    fake.delay("sendMessage", 0)
    await until(fake, lambda: SECOND in last_text(fake), what="the late delivery")
    await idle(fake)
    # The fake, like Telegram, delivers the slow message anyway; the bot must not send it again.
    assert calls(fake, "sendMessage", since=since) == 1
    assert_committed(bot, "Tillid")
    await assert_recovers(bot)


class ResettingProxy:
    """A TCP proxy in front of the fake that resets connections of one Bot API method.

    `when="before"` resets as soon as the request has arrived (the server never sees it);
    `when="after"` forwards it, reads the answer, then resets instead of passing it on (the
    server acted on it, the bot cannot know).
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.method = ""
        self.when = "before"
        self.remaining = 0
        self.resets = 0
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.getsockname()[1])

    def reset_next(self, method: str, when: str, times: int = 1) -> None:
        with self._lock:
            self.method, self.when, self.remaining = method, when, times

    def close(self) -> None:
        self._server.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            request = self._read_request(client)
            if not request:
                return
            reset, when = self._should_reset(request)
            if reset and when == "before":
                self._reset(client)
                return
            with socket.create_connection(("127.0.0.1", self.target_port)) as upstream:
                upstream.sendall(request)
                answer = b"".join(iter(lambda: upstream.recv(65536), b""))
            if reset:
                self._reset(client)
                return
            client.sendall(answer)

    def _should_reset(self, request: bytes) -> tuple[bool, str]:
        line = request.split(b"\r\n", 1)[0].decode("latin-1")
        with self._lock:
            if self.remaining and f"/{self.method} " in line:
                self.remaining -= 1
                self.resets += 1
                return True, self.when
        return False, ""

    @staticmethod
    def _read_request(client: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = client.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = client.recv(65536)
            if not chunk:
                break
            body += chunk
        return head + b"\r\n\r\n" + body

    @staticmethod
    def _reset(client: socket.socket) -> None:
        """Close with SO_LINGER 0: the peer gets a TCP RST, not a clean FIN."""
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.mark.parametrize("when", ["before", "after"])
async def test_a_connection_reset_on_a_reply_is_survived(
    fake: FakeBotAPI,
    library: Library,
    tmp_path: Path,
    errors: pytest.LogCaptureFixture,
    when: str,
) -> None:
    proxy = ResettingProxy(fake.port)
    try:
        async with running_bot(
            fake, library, tmp_path, f"http://127.0.0.1:{proxy.port}/bot"
        ) as bot:
            await to_first_question(fake)
            since = len(fake.calls)
            proxy.reset_next("sendMessage", when)
            FAULTS.append(f"connection reset {when} the server on sendMessage")
            fake.send_text(CHAT, "Tillid")
            await eventually(lambda: logged(errors, "error=NetworkError"), what="the reset")
            await idle(fake)
            assert proxy.resets == 1
            # Reset before: the server never saw it. After: it did, and it was not repeated.
            assert calls(fake, "sendMessage", since=since) == (0 if when == "before" else 1)
            assert_committed(bot, "Tillid")
            await assert_recovers(bot)
    finally:
        proxy.close()


# ---- 403 and 400 -----------------------------------------------------------------------


async def test_403_blocked_is_not_retried_and_a_returning_user_is_answered(
    bot: RunningBot, errors: pytest.LogCaptureFixture
) -> None:
    fake = bot.fake
    await to_first_question(fake)
    since = len(fake.calls)
    fake.set_blocked(CHAT)
    FAULTS.append("403 Forbidden (blocked) on sendMessage")
    await answer_and_fail(bot, errors, "Tillid", "Forbidden")
    assert calls(fake, "sendMessage", since=since) == 1
    assert_committed(bot, "Tillid")
    fake.set_blocked(CHAT, False)
    await assert_recovers(bot)


async def test_400_on_a_reply_is_not_retried(
    bot: RunningBot, errors: pytest.LogCaptureFixture
) -> None:
    """A Bad Request will not go away by asking again ("message is not modified" is tested
    where the bot edits: in a group, below)."""
    fake = bot.fake
    await to_first_question(fake)
    since = len(fake.calls)
    fake.fail_next("sendMessage", 400, "Bad Request: can't parse entities: unexpected end tag")
    FAULTS.append("400 can't parse entities on sendMessage")
    await answer_and_fail(bot, errors, "Tillid", "BadRequest")
    assert calls(fake, "sendMessage", since=since) == 1
    assert_committed(bot, "Tillid")
    await assert_recovers(bot)


# ---- answerCallbackQuery ---------------------------------------------------------------


async def test_a_press_is_carried_out_even_when_the_callback_answer_fails(
    bot: RunningBot,
) -> None:
    """Telegram refuses to answer a press older than ~15 s (e.g. queued while the bot was
    down) with 'query is too old'; the press must still be carried out, and not retried."""
    fake = bot.fake
    fake.send_text(CHAT, f"/start {FLOW}")
    await until(fake, lambda: "Videre ➡️" in fake.buttons(CHAT), what="the intro")
    await idle(fake)
    since = len(fake.calls)
    fake.fail_next("answerCallbackQuery", 400, TOO_OLD)
    FAULTS.append("400 query is too old on answerCallbackQuery")
    fake.press_button(CHAT, "Videre")
    await until(fake, lambda: "Hvorfor gøre det?" in last_text(fake), what="the next page")
    await idle(fake)
    assert sum(1 for name, _ in fake.calls[since:] if name == "answerCallbackQuery") == 1
    assert bot.state()["node"] == "gevinst"
    count = len(fake.sent_to(CHAT))
    query = fake.press_button(CHAT, "Videre")
    await asyncio.to_thread(fake.wait_answered, query)
    await until(fake, lambda: len(fake.sent_to(CHAT)) > count, what="the page after")


# ---- edits in a group ------------------------------------------------------------------

GROUP, ADMIN, MEMBER = -100777, 31, 32


async def _group_at_first_question(fake: FakeBotAPI) -> None:
    fake.set_admins(GROUP, [ADMIN])
    fake.send_text(GROUP, f"/start {FLOW}", user_id=ADMIN, chat_type="supergroup")
    await until(fake, lambda: "Videre ➡️" in fake.buttons(GROUP), what="the intro")
    while "Spørgsmål 1 af" not in last_text(fake, GROUP):
        count = len(fake.sent)
        fake.press_button(GROUP, "Videre", user_id=ADMIN)
        await until(fake, lambda n=count: len(fake.sent) > n, what="the next page")
    await idle(fake)


async def _answer_in_group(fake: FakeBotAPI, user: int, answer: str) -> int:
    """Press 'Svar', answer the bot's prompt as a reply; return the calls made before."""
    count = len(fake.sent)
    fake.press_button(GROUP, "Svar", user_id=user)
    await until(fake, lambda: len(fake.sent) > count, what="the prompt")
    prompt = fake.messages(GROUP)[-1]["message_id"]
    await idle(fake)
    since = len(fake.calls)
    fake.send_text(GROUP, answer, user_id=user, chat_type="supergroup", reply_to_message_id=prompt)
    return since


@pytest.mark.parametrize(
    ("code", "description", "edits", "sends"),
    [
        (400, NOT_MODIFIED, 1, 0),  # nothing to change: taken as done, nothing sent anew
        (400, "Bad Request: message to edit not found", 1, 1),  # deleted: sent anew instead
        (429, "Too Many Requests: retry after 1", 2, 0),  # flood limit: the edit is retried
    ],
)
async def test_a_failing_edit_in_a_group_is_handled(
    bot: RunningBot, code: int, description: str, edits: int, sends: int
) -> None:
    fake = bot.fake
    await _group_at_first_question(fake)
    fake.fail_next("editMessageText", code, description)
    reason = description.removeprefix("Bad Request: ").split(":")[0]
    FAULTS.append(f"{code} {reason} on editMessageText")
    since = await _answer_in_group(fake, MEMBER, "Tillid fra medlemmet")
    await eventually(lambda: bot.state(GROUP)["answers"], what="the stored answer")
    await until(fake, lambda: calls(fake, "editMessageText", GROUP, since) >= edits)
    await idle(fake, quiet=0.6 if code != 429 else 1.6)
    assert calls(fake, "editMessageText", GROUP, since) == edits
    assert calls(fake, "sendMessage", GROUP, since) == sends
    answers = bot.state(GROUP)["answers"]
    assert answers[f"{FIRST}#{MEMBER}"]["text"] == "Tillid fra medlemmet"
    count = len(fake.sent_to(GROUP))
    fake.send_text(GROUP, "/hjaelp", user_id=MEMBER, chat_type="supergroup")
    await until(fake, lambda: len(fake.sent_to(GROUP)) > count, what="an answer in the group")
