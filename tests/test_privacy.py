"""Privacy and security: encryption at rest, data rights, retention, logs and hostile input."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Config, setup_logging
from bot.nudger import Nudger
from bot.service import Conversations
from dialogues import ChatState, Library, dates
from dialogues.reminders.planner import wanted
from storage import SqliteStore
from storage.crypto import DataKeyError, new_key
from storage.nudges import SqliteNudgeStore
from storage.rotate import reencrypt
from tests.conftest import bot_against
from tests.fakebotapi import FakeBotAPI
from tests.transcript import Clock, Transcript

ROOT = Path(__file__).resolve().parent.parent
CANARY = "KANARIEFUGL-7f3a9"


def file_bytes(db: Path) -> bytes:
    """Return the database file and its WAL as they lie on disk."""
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


def answer_canary(conversations: Conversations, chat_id: int = 100) -> None:
    user = Transcript(conversations.library, conversations.store, chat_id=chat_id)
    user.conversations = conversations
    user.press_on("q_vaerdi", flow="anbefaling1")
    user.send(f"Vi har en {CANARY} i foreningen")


# --- encryption at rest --------------------------------------------------------------------


def test_a_copy_of_the_database_without_its_key_reveals_no_answer(
    library: Library, tmp_path: Path
) -> None:
    db = tmp_path / "db.sqlite"
    key = new_key()
    conversations = Conversations(library, SqliteStore(db, key=key))
    answer_canary(conversations)
    assert CANARY.encode() not in file_bytes(db)
    assert conversations.load(100).answers["anbefaling1/q_vaerdi"]["text"].endswith("i foreningen")
    conversations.store.close()
    with pytest.raises(DataKeyError, match="set BOT_DATA_KEY"):
        SqliteStore(db)
    with pytest.raises(DataKeyError, match="does not open"):
        SqliteStore(db, key=new_key())


def test_an_unencrypted_database_is_migrated(library: Library, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    plain = Conversations(library, SqliteStore(db))
    answer_canary(plain)
    plain.store.close()
    assert CANARY.encode() in file_bytes(db)
    key = new_key()
    with pytest.raises(DataKeyError, match="python -m bot encrypt"):
        SqliteStore(db, key=key)  # plain values are read only where migration is asked for
    store = SqliteStore(db, key=key, migrate=True)
    assert CANARY in store.get("chat:100")["answers"]["anbefaling1/q_vaerdi"]["text"]
    store.close()
    assert CANARY.encode() not in file_bytes(db)


def test_rotation_re_encrypts_everything_atomically(library: Library, tmp_path: Path) -> None:
    db, old, new = tmp_path / "db.sqlite", new_key(), new_key()
    conversations = Conversations(library, SqliteStore(db, key=old))
    answer_canary(conversations)
    conversations.store.close()
    assert reencrypt(db, old, new) == 2  # the chat and the key check
    with pytest.raises(DataKeyError):
        SqliteStore(db, key=old)
    store = SqliteStore(db, key=new)
    assert CANARY in store.get("chat:100")["answers"]["anbefaling1/q_vaerdi"]["text"]
    store.close()
    with pytest.raises(DataKeyError, match="current key"):
        reencrypt(db, old, new_key())


WRONG_KEY = (
    "configuration error: data key: the data key does not open this database: use the key "
    "it was encrypted with (BOT_KEY_FILE or BOT_DATA_KEY)"
)


def run_bot(
    *args: str, tmp: Path, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    full.update(
        BOT_DATA_DIR=str(tmp / "data"), BOT_KEY_FILE=str(tmp / "keys" / "data.key"), **(env or {})
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=full,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_key_file_is_created_apart_and_private_and_rotate_key_works(tmp_path: Path) -> None:
    assert run_bot("chat", tmp=tmp_path, stdin="/start anbefaling1\n1\n").returncode == 0
    key_file = tmp_path / "keys" / "data.key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    old = key_file.read_bytes()
    result = run_bot("rotate-key", tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "re-encrypted 2 values" in result.stdout
    again = run_bot("chat", tmp=tmp_path, stdin="")
    assert "Vil I fortsætte, hvor I slap" in again.stdout
    stale = run_bot("chat", tmp=tmp_path, env={"BOT_DATA_KEY": old.decode().strip()})
    assert (stale.returncode, stale.stderr.strip()) == (2, WRONG_KEY)  # the old key is retired


def test_a_wrong_key_is_a_clear_error_at_start_up(tmp_path: Path) -> None:
    run_bot("chat", tmp=tmp_path, stdin="/start\n")
    result = run_bot("chat", tmp=tmp_path, env={"BOT_DATA_KEY": new_key().decode()})
    assert result.returncode == 2
    assert result.stderr.strip() == WRONG_KEY


def test_an_interrupted_rotation_is_finished_at_the_next_start(
    library: Library, tmp_path: Path
) -> None:
    from bot.stores import open_stores

    config = dataclasses.replace(
        Config.from_env({"BOT_DATA_DIR": str(tmp_path / "data")}),
        key_file=tmp_path / "keys" / "data.key",
    )
    store, nudges = open_stores(config)
    store.put("chat:1", {"answer": CANARY})
    store.close(), nudges.close()
    new = new_key()
    pending = config.key_file.with_name("data.key.new")
    pending.write_bytes(new)
    pending.chmod(0o600)  # as rotate-key writes it
    reencrypt(config.db_path, config.key_file.read_bytes().strip(), new)  # crash before rename
    store, nudges = open_stores(config)
    assert store.get("chat:1") == {"answer": CANARY}
    assert config.key_file.read_bytes().strip() == new and not pending.exists()
    store.close(), nudges.close()


# --- data rights ---------------------------------------------------------------------------


@pytest.fixture
def operated(library: Library) -> Library:
    return dataclasses.replace(
        library, operator={"contact": "dpo@example.org", "retention_days": "540"}
    )


def test_privacy_notice_is_reachable_from_the_first_message(operated: Library) -> None:
    user = Transcript(operated)
    replies = user.send("/start")
    assert "Skriv ikke navne eller helbredsoplysninger" in replies[0].text
    user.press("Sådan passer vi på jeres data", reply=replies[0])
    assert "dpo@example.org" in user.last.text and "540 dage" in user.last.text
    user.send("/privacy")
    assert user.last.text.startswith("<b>Privatliv</b>")


def test_my_data_sends_the_json_export(user: Transcript) -> None:
    user.send("/start")
    user.send("/mine_data")
    assert user.last.export == "json"


def test_delete_erases_everything_for_real(library: Library, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    store, nudges = SqliteStore(db, key=new_key()), SqliteNudgeStore(db)
    conversations = Conversations(library, store, nudges=nudges, clock=Clock())
    answer_canary(conversations)
    state = conversations.load(100)
    state.plan = [{"id": "r1", "maal": "x", "tid": {"label": "uge 2", "date": "2027-01-15"}}]
    conversations.save(100, state)
    ciphertext = store.raw("chat:100")
    assert ciphertext is not None and ciphertext in file_bytes(db)
    assert nudges.pending(100)
    user = Transcript(library, store, chat_id=100)
    user.conversations = conversations
    user.send("/slet")
    user.press("Nej")
    assert store.get("chat:100") is not None
    user.send("/slet")
    user.press("Ja, slet alt")
    assert user.last.text.startswith("🗑 Alt er slettet.")
    assert store.get("chat:100") is None
    assert nudges.pending(100) == []
    assert ciphertext not in file_bytes(db)
    store.close(), nudges.close()


# --- retention -----------------------------------------------------------------------------


async def test_retention_warns_30_days_before_and_then_purges(
    library: Library, tmp_path: Path
) -> None:
    last = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    state = ChatState(
        lang="da", flow="menu", node="hoved", started=True, updated_at=last.isoformat()
    )
    kinds = [
        (n.kind, n.due.date().isoformat())
        for n in wanted(library.get("da"), state, 1, last, 540, tz=dates.LOCAL)
    ]
    assert ("retention", "2027-05-30") in kinds and ("purge", "2027-06-29") in kinds
    state.settings["nudges_off_all"] = True
    assert [n.kind for n in wanted(library.get("da"), state, 1, last, 540, tz=dates.LOCAL)] == [
        "retention",
        "purge",
    ]

    db = tmp_path / "db.sqlite"
    clock = Clock(last)
    conversations = Conversations(
        library, SqliteStore(db), clock=clock, nudges=SqliteNudgeStore(db)
    )
    conversations.library = dataclasses.replace(library, operator={"retention_days": "540"})
    conversations.save(1, state)
    clock.now = datetime(2027, 6, 30, 10, 0, tzinfo=UTC)
    with FakeBotAPI() as fake:
        from telegram.ext import ExtBot

        bot = ExtBot(fake.token, base_url=fake.base_url)
        await bot.initialize()
        await Nudger(conversations).tick(bot)
        await bot.shutdown()
        assert fake.messages(1)[0]["text"].startswith("🗂 I har ikke brugt guiden i længe.")
    assert conversations.store.get("chat:1") is None


# --- logs and hostile input through the real bot ---------------------------------------------


@pytest.fixture
async def running(
    fake: FakeBotAPI, library: Library, tmp_path: Path
) -> AsyncIterator[Conversations]:
    """The bot running against the fake with an encrypted store, logging at DEBUG."""
    async with bot_against(fake, library, tmp_path, key=new_key(), log_level="DEBUG") as bot:
        yield bot


@pytest.mark.slow
async def test_no_log_record_holds_what_users_typed(
    fake: FakeBotAPI, running: Conversations, caplog: pytest.LogCaptureFixture
) -> None:
    setup_logging("DEBUG")  # the bot's own logging set-up, at its most verbose
    caplog.set_level(logging.DEBUG)
    chat = 77
    fake.send_text(chat, "/start anbefaling1")
    await asyncio.to_thread(fake.wait_for_messages, chat, 2)
    while "Spørgsmål 1 af" not in fake.last_message(chat)["text"]:
        count = len(fake.sent)
        fake.press_button(chat, "Videre")
        await asyncio.to_thread(fake.wait_for, lambda n=count: len(fake.sent) > n)
    fake.fail_next("sendMessage", 400, "Bad Request: forced failure")  # an error mid-turn
    fake.send_text(chat, f"Svar med {CANARY} <b>")
    await asyncio.to_thread(fake.wait_idle)
    assert any(r.levelno == logging.ERROR for r in caplog.records), (
        "the forced error was not logged"
    )
    stored = await asyncio.to_thread(running.load, chat)
    assert CANARY in stored.answers["anbefaling1/q_vaerdi"]["text"]  # committed despite the error
    fake.send_text(chat, "/mine_data")
    await asyncio.to_thread(fake.wait_for, lambda: any(s.get("document") for s in fake.sent))
    assert CANARY.encode() in next(s for s in fake.sent if s.get("document"))["document"]
    await asyncio.to_thread(fake.wait_idle)
    assert caplog.records, "the bot logged nothing at all"
    for record in caplog.records:
        assert CANARY not in record.getMessage()
        assert CANARY not in str(record.args or "")
        if record.exc_info:
            assert CANARY not in logging.Formatter().formatException(record.exc_info)


async def test_the_same_update_delivered_twice_is_handled_once(
    fake: FakeBotAPI, running: Conversations
) -> None:
    chat = 78
    fake.send_text(chat, "/start anbefaling1")
    await asyncio.to_thread(fake.wait_for_messages, chat, 2)
    update = {
        "update_id": 5000,
        "message": {
            "message_id": 900,
            "date": 0,
            "text": "/menu",
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "A"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    fake.send_update(update)
    fake.send_update(update)
    await asyncio.to_thread(fake.wait_idle)
    assert len(fake.messages(chat)) == 3  # greeting, the flow's first message, one menu
