"""The webhook server (bot/webhook.py) under attack: nothing is read before it is admitted.

In-process tests run the real Application and our server against the fake Bot API, which
delivers updates to the webhook like Telegram does. Raw sockets play the attacker: they
send request headers announcing a huge body and see the answer arrive before a single byte
of the body was sent. One test runs the real `python -m bot` process in webhook mode and
checks its memory after four 90 MiB requests without the secret (figures: bench/).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import Config, setup_logging
from bot.run import ALLOWED_UPDATES
from bot.service import Conversations
from bot.telegram_app import build_application
from bot.webhook import MAX_BODY, WebhookServer
from dialogues import CONTENT_DIR, Library
from storage import SqliteStore
from tests.fakebotapi import FakeBotAPI

pytestmark = pytest.mark.slow  # the webhook server and bot processes

ROOT = Path(__file__).resolve().parent.parent
SECRET = "the-right-secret-42"
CANARY = "KANARIEFUGL-webhook-5e1"
MIB = 1024 * 1024


@dataclass
class Served:
    fake: FakeBotAPI
    port: int
    store: SqliteStore


@pytest.fixture
async def served(library: Library, tmp_path: Path) -> AsyncIterator[Served]:
    """The Application and our webhook server on 127.0.0.1, registered with the fake."""
    with FakeBotAPI() as fake:
        config = Config(fake.token, fake.base_url, tmp_path, CONTENT_DIR, "INFO")
        store = SqliteStore(config.db_path)
        app = build_application(config, Conversations(library, store))
        await app.initialize()
        await app.start()
        server = WebhookServer("127.0.0.1", 0)
        server.mount_telegram("hook", app, SECRET)
        port = await server.start()
        await app.bot.set_webhook(
            url=f"http://127.0.0.1:{port}/hook",
            secret_token=SECRET,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )
        try:
            yield Served(fake, port, store)
        finally:
            await server.stop()
            await app.stop()
            await app.shutdown()
            store.close()


def start_update(chat: int, text: str = "/start", update_id: int = 1) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "text": text,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "A"},
            **(
                {"entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]}
                if text.startswith("/")
                else {}
            ),
        },
    }


def exchange(port: int, head: str, body: bytes = b"", path: str = "/hook") -> tuple[int, bytes]:
    """Send a request's head (and body, if any); return (status, raw response).

    The status is read before the body is sent: an answer that arrives then was given
    without reading the body. Status 0 means the server closed without an answer.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.replace("{path}", path).encode())
        if body:
            with contextlib.suppress(OSError):  # the server closed early: what we wanted
                sock.sendall(body)
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks):
                    break
        except OSError:
            pass
    raw = b"".join(chunks)
    return (int(raw.split()[1]) if raw.startswith(b"HTTP/") else 0), raw


def head(method: str = "POST", secret: str | None = None, length: int | None = None,
         extra: str = "") -> str:  # fmt: skip
    lines = [f"{method} {{path}} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    if secret is not None:
        lines.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return "\r\n".join(lines) + "\r\n" + extra + "\r\n"


def post(port: int, body: bytes, secret: str | None = SECRET, path: str = "/hook") -> int:
    return exchange(port, head(secret=secret, length=len(body)), body, path)[0]


async def test_updates_come_through_with_the_secret_and_are_answered(served: Served) -> None:
    served.fake.send_text(9, "/start")  # the fake delivers it to our webhook, with the secret
    await asyncio.to_thread(served.fake.wait_for_messages, 9, 1)
    assert served.fake.messages(9)[0]["text"].startswith("Hej! Jeg er")
    _, params = next(c for c in served.fake.calls if c[0] == "setWebhook")
    assert params["secret_token"] == SECRET and params["allowed_updates"] == ALLOWED_UPDATES
    assert not params.get("drop_pending_updates")
    statuses = {status for _, status, _ in served.fake.webhook_requests}
    assert statuses == {200}


async def test_no_secret_or_a_wrong_one_is_403_before_the_body_is_read(served: Served) -> None:
    for secret in (None, "", "wrong-secret-000000", SECRET[:-1], SECRET + "x", SECRET.upper()):
        status, _ = await asyncio.to_thread(
            exchange, served.port, head(secret=secret, length=90 * MIB)
        )
        assert status == 403, secret  # answered with no body sent at all
    body = json.dumps(start_update(11)).encode()
    assert await asyncio.to_thread(post, served.port, body, "wrong-secret-000000") == 403
    await asyncio.sleep(0.3)
    assert not served.fake.messages(11)  # nothing was processed


async def test_too_big_is_413_before_the_body_is_read_even_with_the_secret(
    served: Served,
) -> None:
    status, _ = await asyncio.to_thread(exchange, served.port, head(secret=SECRET, length=90 * MIB))
    assert status == 413
    status, _ = await asyncio.to_thread(
        exchange, served.port, head(secret=SECRET, length=MAX_BODY + 1)
    )
    assert status == 413
    # A chunked body that grows past the limit is cut off while it streams.
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"x" * 64 * 1024)
    body = chunk * (MAX_BODY // (64 * 1024) + 4) + b"0\r\n\r\n"
    status, _ = await asyncio.to_thread(
        exchange, served.port, head(secret=SECRET, extra="Transfer-Encoding: chunked\r\n"), body
    )
    assert status in (0, 400, 413)
    # No Content-Length and not chunked: 411, and a malformed length: 400.
    assert (await asyncio.to_thread(exchange, served.port, head(secret=SECRET)))[0] == 411
    bad = head(secret=SECRET, extra="Content-Length: 12abc\r\n")
    assert (await asyncio.to_thread(exchange, served.port, bad))[0] == 400


async def test_wrong_path_and_method_are_refused_before_the_body_is_read(served: Served) -> None:
    for path in ("/", "/hook/", "/hookx", "/telegram/hook", "/HOOK", "/%68ook"):
        status, _ = await asyncio.to_thread(
            exchange, served.port, head(secret=SECRET, length=90 * MIB), b"", path
        )
        assert status == 404, path
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        status, _ = await asyncio.to_thread(
            exchange, served.port, head(method, secret=SECRET, length=90 * MIB)
        )
        assert status == 405, method


async def test_no_payload_reaches_the_log(served: Served, caplog: pytest.LogCaptureFixture) -> None:
    setup_logging("DEBUG")  # the bot's own logging set-up, at its most verbose
    caplog.set_level(logging.DEBUG)
    cases = [
        (f'{{"update_id": 5, "message": "{CANARY}'.encode(), 400),  # not JSON
        (json.dumps([CANARY]).encode(), 400),  # JSON, not an object
        (b"\xff\xfe" + CANARY.encode(), 400),  # not UTF-8
        (json.dumps({"update_id": 6, "message": {"text": CANARY}}).encode(), 200),  # no Update
    ]
    for body, expected in cases:
        assert await asyncio.to_thread(post, served.port, body) == expected
    good = json.dumps(start_update(12, f"Vi har en {CANARY}", update_id=7)).encode()
    assert await asyncio.to_thread(post, served.port, good) == 200
    await asyncio.to_thread(served.fake.wait_for_messages, 12, 1)
    logged = "\n".join(
        f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
    )
    assert CANARY not in logged
    assert SECRET not in logged
    assert "webhook update dropped update_id=6 error=" in logged
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]


# --- the real process --------------------------------------------------------------------


def rss_mib(pid: int) -> float:
    """Return the resident set size of a process in MiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def send_huge(port: int, path: str, secret: str | None, size: int) -> tuple[int, int]:
    """Announce and try to send a body of `size` bytes; return (status, bytes the kernel took).

    The status is read first, before any body byte is sent.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        lines = [f"POST {path} HTTP/1.1", "Host: x", f"Content-Length: {size}"]
        if secret is not None:
            lines.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = sock.recv(4096)
        status = int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0
        sent, block = 0, b"\0" * MIB
        try:
            while sent < size:
                sent += sock.send(block)
        except OSError:
            pass
    return status, sent


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_the_bot_process_refuses_four_90_mib_requests_without_reading_them(
    tmp_path: Path,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with FakeBotAPI() as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=fake.token,
            TELEGRAM_BASE_URL=fake.base_url,
            BOT_DATA_DIR=str(tmp_path / "data"),
            BOT_KEY_FILE=str(tmp_path / "keys" / "data.key"),
            BOT_WEBHOOK_URL="https://bot.example.org/tg/hook",
            BOT_WEBHOOK_SECRET=SECRET,
            BOT_WEBHOOK_PORT=str(port),
            BOT_LOG_LEVEL="DEBUG",
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while not any(m == "setWebhook" for m, _ in fake.calls):
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "no setWebhook"
                time.sleep(0.05)
            _, params = next(c for c in fake.calls if c[0] == "setWebhook")
            assert params["url"] == "https://bot.example.org/tg/hook"
            assert params["secret_token"] == SECRET
            assert params["allowed_updates"] == ALLOWED_UPDATES
            assert not params.get("drop_pending_updates")
            before = rss_mib(process.pid)
            for _ in range(4):
                status, _sent = send_huge(port, "/tg/hook", None, 90 * MIB)
                assert status == 403
            status, _sent = send_huge(port, "/tg/hook", SECRET, 90 * MIB)
            assert status == 413
            status, _sent = send_huge(port, "/elsewhere", None, 90 * MIB)
            assert status == 404
            after = rss_mib(process.pid)
            assert after - before < 32, (before, after)  # PTB's server: +528 MiB
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == 0, err
    assert "Traceback" not in out + err
    assert SECRET not in out + err
    assert "stopped; database closed" in out


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as taken, FakeBotAPI() as fake:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=fake.token,
            TELEGRAM_BASE_URL=fake.base_url,
            BOT_DATA_DIR=str(tmp_path / "data"),
            BOT_KEY_FILE=str(tmp_path / "keys" / "data.key"),
            BOT_WEBHOOK_URL="https://bot.example.org/hook",
            BOT_WEBHOOK_SECRET=SECRET,
            BOT_WEBHOOK_PORT=str(taken.getsockname()[1]),
        )
        result = subprocess.run(
            [sys.executable, "-m", "bot"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot listen on 127.0.0.1:")
