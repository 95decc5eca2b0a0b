"""End to end: the real PTB Application with polling, its HTTP stack, and the fake Bot API."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.service import Conversations
from storage import SqliteStore
from tests.fakebotapi import FakeBotAPI

ROOT = Path(__file__).resolve().parent.parent
CHAT = 4242


async def wait(fake: FakeBotAPI, count: int, chat: int = CHAT) -> list[dict]:
    """Wait (off the loop) until the chat holds `count` bot messages."""
    return await asyncio.to_thread(fake.wait_for_messages, chat, count)


async def test_start_greets_shows_menu_and_registers_commands(
    fake: FakeBotAPI, running: Conversations
) -> None:
    fake.send_text(CHAT, "/start")
    sent = await wait(fake, 2)
    assert sent[0]["text"].startswith("Hej! Jeg er <b>Inklusionsguiden</b>")
    assert fake.buttons(CHAT)[0] == "📘 De fire anbefalinger"
    commands = [c["command"] for c in fake.commands()]
    assert commands == [
        "start", "menu", "plan", "svar", "eksport", "paamindelser", "sprog", "privatliv",
        "mine_data", "slet", "grupper", "hjaelp", "annuller",
    ]  # fmt: skip
    english = fake.commands(language_code="en")
    assert [c["command"] for c in english] == [
        "start", "menu", "plan", "answers", "export", "reminders", "language", "privacy",
        "my_data", "delete", "groups", "help", "cancel",
    ]  # fmt: skip
    assert "help" in [c["command"] for c in english] and "hjaelp" in commands
    assert english[0]["description"] == "Begin or carry on"
    assert fake.commands()[0]["description"] == "Begynd eller fortsæt"
    assert fake.unknown_methods == []


async def test_walk_answers_and_every_press_is_answered(
    fake: FakeBotAPI, running: Conversations
) -> None:
    fake.send_text(CHAT, "/start anbefaling1")
    await wait(fake, 2)
    presses = []
    while "Spring over" not in fake.buttons(CHAT) or "Læs mere" in fake.buttons(CHAT):
        label = "Videre" if "Videre ➡️" in fake.buttons(CHAT) else "Spring over"
        count = len(fake.sent)
        presses.append(fake.press_button(CHAT, label))
        await asyncio.to_thread(fake.wait_for, lambda n=count: len(fake.sent) > n)
    assert "Spørgsmål 1 af" in fake.last_message(CHAT)["text"]
    answer = "Tillid & <sprog> " * 200
    fake.send_text(CHAT, answer)
    await asyncio.to_thread(
        fake.wait_for, lambda: "Spørgsmål 2 af" in fake.last_message(CHAT)["text"]
    )
    for query in presses:
        await asyncio.to_thread(fake.wait_answered, query)
    state = running.store.get(f"chat:{CHAT}")
    assert state is not None
    assert state["answers"]["anbefaling1/q_vaerdi"]["text"] == answer


async def test_stale_press_is_answered_and_not_applied(
    fake: FakeBotAPI, running: Conversations
) -> None:
    fake.send_text(CHAT, "/start anbefaling1")
    first = (await wait(fake, 2))[-1]
    fake.press_button(CHAT, "Videre")
    await wait(fake, 3)
    query = fake.press(
        CHAT,
        first["message_id"],
        fake.sent[-2]["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
    )
    await asyncio.to_thread(fake.wait_answered, query)
    last = (await wait(fake, 4))[-1]
    assert last["text"].startswith("Den knap hører til en ældre besked.")
    state = running.store.get(f"chat:{CHAT}")
    assert state is not None and state["node"] == "gevinst"


async def test_forged_press_changes_nothing(fake: FakeBotAPI, running: Conversations) -> None:
    fake.send_text(CHAT, "/start anbefaling1")
    sent = await wait(fake, 2)
    before = running.store.get(f"chat:{CHAT}")
    query = fake.press(CHAT, sent[-1]["message_id"], "1:999:menu/hoved:svar")
    await asyncio.to_thread(fake.wait_answered, query)
    await wait(fake, 3)
    after = running.store.get(f"chat:{CHAT}")
    assert before is not None and after is not None
    assert (after["flow"], after["node"], after["turn"]) == (
        before["flow"],
        before["node"],
        before["turn"],
    )


async def test_sticker_gets_a_friendly_answer(fake: FakeBotAPI, running: Conversations) -> None:
    fake.send_text(CHAT, "/start anbefaling1")
    await wait(fake, 2)
    fake.send_update(
        {
            "message": {
                "chat": {"id": CHAT, "type": "private"},
                "from": {"id": CHAT, "is_bot": False, "first_name": "A"},
                "sticker": {
                    "file_id": "x",
                    "file_unique_id": "y",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                },
            }
        }
    )
    last = (await wait(fake, 3))[-1]
    assert last["text"].startswith("Vælg en af knapperne herunder.")


def _start_bot_process(fake: FakeBotAPI, data_dir: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_BASE_URL=fake.base_url,
        BOT_DATA_DIR=str(data_dir),
        BOT_KEY_FILE=str(data_dir.parent / "key" / "data.key"),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_sigkill_mid_conversation_resumes_at_the_same_question(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    bot = _start_bot_process(fake, tmp_path)
    try:
        fake.send_text(CHAT, "/start anbefaling1")
        fake.wait_for_messages(CHAT, 2, timeout=30)
        while "Spørgsmål 2 af" not in fake.last_message(CHAT)["text"]:
            count = len(fake.sent)
            if "Spørgsmål 1 af" in fake.last_message(CHAT)["text"]:
                fake.send_text(CHAT, "første svar")
            else:
                fake.press_button(
                    CHAT, "Videre" if "Videre ➡️" in fake.buttons(CHAT) else "Spring over"
                )
            fake.wait_for(lambda n=count: len(fake.sent) > n)
        question = fake.last_message(CHAT)["text"].split("\n\n", 1)[1]
    finally:
        bot.send_signal(signal.SIGKILL)
        bot.wait()
        assert bot.stderr is not None
        bot.stderr.close()
    count = len(fake.sent)
    bot = _start_bot_process(fake, tmp_path)
    try:
        fake.send_text(CHAT, "/start")
        fake.wait_for(lambda: len(fake.sent) > count, timeout=30)
        assert "Vil I fortsætte, hvor I slap" in fake.last_message(CHAT)["text"]
        fake.press_button(CHAT, "Fortsæt")
        fake.wait_for(lambda: len(fake.sent) > count + 1)
        assert fake.last_message(CHAT)["text"] == question
        fake.send_text(CHAT, "/menu")
        fake.wait_for(lambda: len(fake.sent) > count + 2)
    finally:
        bot.send_signal(signal.SIGTERM)
        assert bot.wait(timeout=20) == 0
        assert bot.stderr is not None
        bot.stderr.close()
    key = (tmp_path.parent / "key" / "data.key").read_bytes().strip()
    store = SqliteStore(tmp_path / "inklusionsguiden.sqlite", key=key)
    state = store.get(f"chat:{CHAT}")
    store.close()
    assert state is not None
    assert state["answers"]["anbefaling1/q_vaerdi"]["text"] == "første svar"


async def _plan_with_a_step(fake: FakeBotAPI, running: Conversations) -> None:
    """Plan the first step of recommendation 1 through the real bot."""
    fake.send_text(CHAT, "/start anbefaling1")
    await wait(fake, 2)
    state = running.store.get(f"chat:{CHAT}")
    assert state is not None
    state["checklists"]["anbefaling1/skridt/s1"] = {
        "status": "planned",
        "who": "Kassereren Æse",
        "when": {"label": "uge 2 (2027)", "date": "2027-01-15"},
    }
    running.store.put(f"chat:{CHAT}", state)


async def test_export_pdf_and_calendar_as_documents(
    fake: FakeBotAPI, running: Conversations
) -> None:
    import io

    from icalendar import Calendar
    from pypdf import PdfReader

    await _plan_with_a_step(fake, running)
    fake.send_text(CHAT, "/eksport")
    await asyncio.to_thread(fake.wait_for, lambda: "📄 PDF til print" in fake.buttons(CHAT))
    fake.press_button(CHAT, "PDF til print")
    await asyncio.to_thread(fake.wait_for, lambda: any(s.get("document") for s in fake.sent))
    document = next(s for s in fake.sent if s.get("document"))
    assert document["filename"].startswith("inklusionsplan-") and document["filename"].endswith(
        ".pdf"
    )
    assert document["caption"].startswith("📄 Jeres handleplan som PDF")
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(document["document"])).pages
    )
    assert "Kassereren Æse" in text
    fake.press_button(CHAT, "Kalender")
    await asyncio.to_thread(
        fake.wait_for, lambda: sum(1 for s in fake.sent if s.get("document")) == 2
    )
    ics = [s for s in fake.sent if s.get("document")][-1]
    events = Calendar.from_ical(ics["document"]).walk("VEVENT")
    assert [str(e["DTSTART"].dt) for e in events] == ["2027-01-15"]
    assert any(m == "sendChatAction" for m, _ in fake.calls)


async def test_export_of_an_empty_plan_says_so_and_sends_no_file(
    fake: FakeBotAPI, running: Conversations
) -> None:
    fake.send_text(CHAT, "/eksport")
    await asyncio.to_thread(fake.wait_for, lambda: "📄 PDF til print" in fake.buttons(CHAT))
    fake.press_button(CHAT, "PDF til print")
    await asyncio.to_thread(
        fake.wait_for, lambda: "Planen er tom endnu" in fake.last_message(CHAT)["text"]
    )
    assert not any(s.get("document") for s in fake.sent)


async def test_json_export_holds_all_the_chats_data(
    fake: FakeBotAPI, running: Conversations
) -> None:
    import json

    fake.send_text(CHAT, "/start anbefaling1")
    await wait(fake, 2)
    fake.send_text(CHAT, "/eksport")
    await asyncio.to_thread(fake.wait_for, lambda: "🧾 Alle data (JSON)" in fake.buttons(CHAT))
    fake.press_button(CHAT, "Alle data")
    await asyncio.to_thread(fake.wait_for, lambda: any(s.get("document") for s in fake.sent))
    document = next(s for s in fake.sent if s.get("document"))
    data = json.loads(document["document"])
    assert data["chat_id"] == CHAT
    assert data["state"]["flow"] == "@eksport"
