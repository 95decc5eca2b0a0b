"""Three worker processes (`python -m bot`, webhook mode) sharing one PostgreSQL database.

The fake Bot API delivers every update through a small round-robin proxy in this test, so a
chat's updates reach different workers in turn. Checked: each chat's answers are stored in
the order typed and once each (an answer handled out of order or twice lands under the wrong
question), one update delivered to all three workers at once is handled once, each due
reminder is sent once although every worker ticks, and no answer is lost when one worker is
killed with SIGKILL while it holds an update (the proxy then sends it to the others).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.service import Conversations
from dialogues import Library
from storage.crypto import new_key
from storage.postgres import PgDatabase, PgNudgeStore, PgStore
from tests.conftest import WEBHOOK_SECRET
from tests.fakebotapi import FakeBotAPI
from tests.transcript import Clock, Transcript

pytestmark = pytest.mark.slow  # three bot processes and a PostgreSQL database
ROOT = Path(__file__).resolve().parent.parent
CHATS = [1001, 1002, 1003, 1004]
ANSWERS = 4  # typed per chat, one after the other, without waiting for the bot
REMINDED = [2001, 2002, 2003, 2004, 2005, 2006]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def daytime_zone() -> str:
    """A fixed-offset zone where it is about noon now, so no reminder meets quiet hours."""
    offset = 12 - datetime.now(UTC).hour
    offset = offset - 24 if offset > 12 else offset + 24 if offset < -12 else offset
    return f"Etc/GMT{-offset:+d}"


class Proxy(ThreadingHTTPServer):
    """Round-robin over the workers; a worker that fails is skipped for the next one.

    `kill_at`: from the n-th forwarded request on, the first that goes to the victim's port
    is sent, and the victim is then SIGKILLed before it answers, as a crash mid-turn would.
    """

    daemon_threads = True

    def __init__(self, ports: list[int]) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.ports = ports
        self.turn = 0
        self.count = 0
        self.lock = threading.Lock()
        self.kill_at: int | None = None
        self.victim: subprocess.Popen[bytes] | None = None
        self.victim_port = 0
        self.killed = threading.Event()

    def forward(self, body: bytes, headers: dict[str, str]) -> int:
        with self.lock:
            start = self.turn
            self.turn += 1
            self.count += 1
            kill = self.kill_at is not None and self.count >= self.kill_at
        for i in range(len(self.ports) * 3):
            port = self.ports[(start + i) % len(self.ports)]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("POST", "/hook", body=body, headers=headers)
                if kill and self.victim is not None and port == self.victim_port:
                    kill = False
                    with self.lock:
                        first = not self.killed.is_set()
                        self.killed.set()
                    if first:
                        time.sleep(0.005)  # the worker has the update and is on its turn
                        self.victim.send_signal(signal.SIGKILL)
                status = conn.getresponse().status
                if status < 500:
                    return status
            except OSError:
                pass
            finally:
                conn.close()
        return 502


class _ProxyHandler(BaseHTTPRequestHandler):
    server: Proxy

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        status = self.server.forward(body, headers)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def start_worker(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=ROOT,
            env={**env, "BOT_WEBHOOK_PORT": str(port)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def workers(
    fake: FakeBotAPI, pg_url: str, library: Library, tmp_path: Path
) -> Iterator[tuple[Proxy, list[subprocess.Popen[bytes]], PgStore, PgNudgeStore]]:
    key = new_key()
    db = PgDatabase(pg_url, max_size=4)
    db.migrate()
    store, nudges = PgStore(db, key), PgNudgeStore(db)
    # Chats left in the middle of a journey, whose reminder falls due before the workers
    # start: every worker's first tick (a second after its start) finds them.
    conversations = Conversations(library, store, nudges=nudges)
    for chat_id in REMINDED:
        user = Transcript(library, store, chat_id=chat_id, clock=Clock(datetime.now(UTC)))
        user.conversations = conversations
        user.send("/start anbefaling1")
    with db.connection() as conn:
        conn.execute(
            "UPDATE nudges SET due = '2000-01-01T00:00:00+00:00' WHERE kind = 'unfinished'"
        )
    for chat_id in REMINDED:
        fake.send_text(chat_id, "x")  # the fake learns the chat (queued, delivered later)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_BASE_URL=fake.base_url,
        BOT_DATABASE_URL=pg_url,
        BOT_DATA_KEY=key.decode(),
        BOT_DATA_DIR=str(tmp_path / "data"),
        BOT_WEBHOOK_URL="https://bot.example.org/hook",
        BOT_WEBHOOK_SECRET=WEBHOOK_SECRET,
        BOT_TIMEZONE=daytime_zone(),
        PTB_TIMEDELTA="true",
    )
    ports = [free_port() for _ in range(3)]
    logs = [tmp_path / f"worker{i}.log" for i in range(3)]
    procs = [start_worker(env, port, log) for port, log in zip(ports, logs, strict=True)]
    proxy = Proxy(ports)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        wait_until(
            lambda: all(b"webhook listening" in log.read_bytes() for log in logs),
            60,
            "three workers listening",
        )
        # The workers registered their public URL; Telegram's side now points at the proxy.
        request = urllib.request.Request(
            f"{fake.base_url}{fake.token}/setWebhook",
            data=json.dumps(
                {
                    "url": f"http://127.0.0.1:{proxy.server_port}/hook",
                    "secret_token": WEBHOOK_SECRET,
                }
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=10).read()
        yield proxy, procs, store, nudges
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        proxy.shutdown()
        proxy.server_close()
        for log in logs:  # never what a user typed, in any worker's log
            assert b"svar nummer" not in log.read_bytes()
        db.close()


def test_three_workers_share_the_work(
    fake: FakeBotAPI, library: Library, workers: tuple[Proxy, list, PgStore, PgNudgeStore]
) -> None:
    proxy, procs, store, nudges = workers

    each_reminder_sent_once(fake, library, nudges)
    to_first_question(fake)

    # A redelivery that reaches all three workers at once is handled once.
    update = fake.send_text(CHATS[0], "svar nummer 1 fra chat 1001")
    body = json.dumps(update).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
    }
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda p=p: results.append(_post(p, body, headers)))
        for p in proxy.ports
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200, 200, 200]

    # The rest typed without waiting; one worker is killed while it holds an update.
    proxy.victim, proxy.victim_port = procs[1], proxy.ports[1]
    proxy.kill_at = proxy.count + 7
    for n in range(1, ANSWERS + 1):
        for chat_id in CHATS:
            if (chat_id, n) != (CHATS[0], 1):
                fake.send_text(chat_id, f"svar nummer {n} fra chat {chat_id}")

    def answered() -> bool:
        return all(len(_answers(store, c)) == ANSWERS for c in CHATS)

    wait_until(answered, 60, "every answer stored")
    assert proxy.killed.is_set() and procs[1].poll() == -signal.SIGKILL
    for chat_id in CHATS:
        assert _answers(store, chat_id) == [
            f"svar nummer {n} fra chat {chat_id}" for n in range(1, ANSWERS + 1)
        ]

    def missing() -> int:
        """Replies not (yet) seen: each answer's reply shows the next question."""
        count = 0
        for chat_id in CHATS:
            shown = " ".join(m.get("text") or "" for m in fake.sent_to(chat_id))
            count += sum(f"Spørgsmål {n} af" not in shown for n in range(2, ANSWERS + 2))
        return count

    # Only the update the killed worker held may miss its reply: when the worker died after
    # the commit and before the reply, the redelivery is recognised and dropped.
    with contextlib.suppress(AssertionError):
        wait_until(lambda: missing() <= 1, 20, "the replies")
    assert missing() <= 1
    assert fake.webhook_dropped == []


def each_reminder_sent_once(fake: FakeBotAPI, library: Library, nudges: PgNudgeStore) -> None:
    """Each reminder went out once, though all three workers ticked."""
    wait_until(lambda: nudges.count("sent") == len(REMINDED), 30, "the reminders claimed")
    texts = library.get("da").text
    reminder = texts("nudge_unfinished", title=library.get("da").flows["anbefaling1"].title)
    for chat_id in REMINDED:
        wait_until(
            lambda c=chat_id: reminder in [m.get("text") for m in fake.sent_to(c)], 20, "reminder"
        )
    time.sleep(1.5)  # another tick of every worker would show a second copy
    for chat_id in REMINDED:
        assert [m.get("text") for m in fake.sent_to(chat_id)].count(reminder) == 1


def to_first_question(fake: FakeBotAPI) -> None:
    """Every chat to its first question."""
    for chat_id in CHATS:
        fake.send_text(chat_id, "/start anbefaling1")
        fake.wait_for_messages(chat_id, 2, timeout=20)
        while "Spørgsmål 1 af" not in fake.last_message(chat_id)["text"]:
            count = len(fake.sent_to(chat_id))
            fake.press_button(chat_id, "Videre")
            fake.wait_for_messages(chat_id, count + 1, timeout=20)


def _post(port: int, body: bytes, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/hook", body=body, headers=headers)
        return conn.getresponse().status
    finally:
        conn.close()


def _answers(store: PgStore, chat_id: int) -> list[str]:
    """The chat's answers in the order of its questions (stored in the order answered)."""
    state = store.get(f"chat:{chat_id}") or {}
    return [a.get("text") for a in (state.get("answers") or {}).values()]
