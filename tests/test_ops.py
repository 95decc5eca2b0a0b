"""Running it for real: backups while running, status and stats, webhook mode, configuration."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot import ops
from bot.config import Config, ConfigError
from bot.service import Conversations
from bot.telegram_app import build_application
from bot.webhook import WebhookServer
from dialogues import CONTENT_DIR, Library
from storage import SqliteStore
from storage.crypto import new_key
from storage.nudges import SqliteNudgeStore
from tests.fakebotapi import FakeBotAPI
from tests.test_catalogue import walk_to_summary
from tests.transcript import Clock, Transcript

ROOT = Path(__file__).resolve().parent.parent


def test_backup_while_writing_is_consistent_and_restorable(
    library: Library, tmp_path: Path
) -> None:
    db, key = tmp_path / "data" / "db.sqlite", new_key()
    store = SqliteStore(db, key=key)
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set() and i < 5000:
            store.put(f"chat:{i}", {"i": i, "text": "x" * 300})
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for n in range(3):
            ops.backup(db, tmp_path / f"backup{n}.sqlite")
    finally:
        stop.set()
        thread.join()
    store.close()
    restored = tmp_path / "restored" / "db.sqlite"
    restored.parent.mkdir()
    shutil.copy(tmp_path / "backup2.sqlite", restored)
    assert oct((tmp_path / "backup2.sqlite").stat().st_mode & 0o777) == "0o600"
    copy = SqliteStore(restored, key=key)
    keys = [k for k in copy.keys() if k.startswith("chat:")]
    assert keys and all(copy.get(k)["text"] == "x" * 300 for k in keys)
    copy.close()
    check = sqlite3.connect(restored)
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    check.close()


def test_status_and_stats_are_counts_without_content(library: Library, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    store, nudges = SqliteStore(db), SqliteNudgeStore(db)
    clock = Clock()
    conversations = Conversations(library, store, nudges=nudges, clock=clock)
    user = Transcript(library, store, clock=clock)
    user.conversations = conversations
    typed = walk_to_summary(user, "anbefaling1")
    other = Transcript(library, store, chat_id=101)
    other.conversations = conversations
    other.send("/start anbefaling2")
    other.press_option("_next")
    status = ops.status(db, store, nudges)
    assert status["chats"] == 2 and status["active_journeys"] == 2
    # chat 100's two weeks of deadlines (next week, week 12) and chat 101's unfinished part
    assert status["pending_nudges"] == 3 and status["database_bytes"] > 0
    stats = ops.stats(library, store, nudges)
    assert stats["journeys"]["anbefaling1"] == {"started": 1, "finished": 1}
    assert stats["journeys"]["anbefaling2"] == {"started": 1, "finished": 0}
    assert list(stats["drop_off"]) == [f"anbefaling2/{other.state.node}"]
    assert stats["plans_made"] == 1
    shown = json.dumps([status, stats], ensure_ascii=False)
    assert not any(answer in shown for answer in typed.values())
    store.close(), nudges.close()


@pytest.mark.slow
def test_operator_commands_through_the_cli(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    env.update(BOT_DATA_DIR=str(tmp_path / "data"), BOT_KEY_FILE=str(tmp_path / "key" / "k"))

    def bot(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=ROOT,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )

    bot("chat", stdin="/start anbefaling1\n1\n")
    status = bot("status")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["chats"] == 1
    assert json.loads(bot("stats").stdout)["journeys"]["anbefaling1"]["started"] == 1
    result = bot("backup", str(tmp_path / "copy.sqlite"))
    assert result.returncode == 0 and "backup written" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"BOT_WEBHOOK_URL": "http://bot.example.org/hook", "BOT_WEBHOOK_SECRET": "s" * 20},
            "https://",
        ),
        ({"BOT_WEBHOOK_URL": "https://bot.example.org/hook"}, "BOT_WEBHOOK_SECRET"),
        (
            {
                "BOT_WEBHOOK_URL": "https://b.example.org/h",
                "BOT_WEBHOOK_SECRET": "s" * 20,
                "BOT_WEBHOOK_PORT": "99999",
            },
            "BOT_WEBHOOK_PORT",
        ),
        ({"BOT_RETENTION_DAYS": "7"}, "BOT_RETENTION_DAYS"),
        ({"BOT_TIMEZONE": "Mars/Olympus"}, "BOT_TIMEZONE"),
        ({"BOT_DATA_DIR": "d", "BOT_KEY_FILE": "d/key"}, "BOT_KEY_FILE"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Config.from_env(env)


def test_webhook_settings(tmp_path: Path) -> None:
    config = Config.from_env(
        {
            "BOT_WEBHOOK_URL": "https://bot.example.org/tg/hook",
            "BOT_WEBHOOK_SECRET": "a-long-secret-123",
            "BOT_WEBHOOK_PORT": "8080",
        }
    )
    assert (config.webhook_path, config.webhook_port, config.webhook_listen) == (
        "tg/hook",
        8080,
        "127.0.0.1",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(port: int, secret: str | None, update: dict) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/hook", json.dumps(update).encode(), headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


async def test_webhook_refuses_requests_without_the_secret(
    library: Library, tmp_path: Path
) -> None:
    with FakeBotAPI() as fake:
        config = Config(fake.token, fake.base_url, tmp_path, CONTENT_DIR, "INFO")
        store = SqliteStore(config.db_path)
        app = build_application(config, Conversations(library, store))
        await app.initialize()
        await app.start()
        port, secret = free_port(), "the-right-secret-42"
        server = WebhookServer("127.0.0.1", port)  # the server bot/run.py serves with
        server.mount_telegram("hook", app, secret)
        await server.start()
        await app.bot.set_webhook("https://bot.example.org/hook", secret_token=secret)
        try:
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "text": "/start",
                    "chat": {"id": 9, "type": "private"},
                    "from": {"id": 9, "is_bot": False, "first_name": "A"},
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            assert await asyncio.to_thread(post, port, None, update) == 403
            assert await asyncio.to_thread(post, port, "wrong-secret-000000", update) == 403
            await asyncio.sleep(0.3)
            assert not [s for s in fake.sent if str(s["chat_id"]) == "9"]  # nothing was processed
            assert await asyncio.to_thread(post, port, secret, update) == 200
            await asyncio.to_thread(fake.wait_for_messages, 9, 2)
            assert fake.messages(9)[0]["text"].startswith("Hej! Jeg er")
            assert any(m == "setWebhook" for m, _ in fake.calls)
        finally:
            await server.stop()
            await app.stop()
            await app.shutdown()
            store.close()
