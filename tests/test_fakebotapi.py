"""Tests for the fake Telegram Bot API server, driven through PTB's real HTTP stack."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fakebotapi import FakeBotAPI

CHAT = 4242


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as server:
        yield server


@pytest_asyncio.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"cb:{label}") for label in labels]]
    )


def post_json(
    fake: FakeBotAPI, method: str, payload: dict[str, object]
) -> tuple[int, dict[str, object]]:
    """Call the fake directly with an application/json body (not how PTB sends)."""
    request = urllib.request.Request(
        f"{fake.base_url}{fake.token}/{method}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read())


@pytest.mark.asyncio
async def test_get_me_returns_bot_user(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == "inklusion_test_bot"
    assert me.id == 123
    assert me.is_bot
    assert me.can_join_groups
    assert not me.can_read_all_group_messages
    assert not me.supports_inline_queries


@pytest.mark.asyncio
async def test_wrong_token_is_unauthorized(fake: FakeBotAPI) -> None:
    wrong = Bot("999:WRONG", base_url=fake.base_url)
    with pytest.raises(InvalidToken, match="rejected"):
        await wrong.initialize()
    await wrong.shutdown()


@pytest.mark.asyncio
async def test_send_message_records_keyboard(fake: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_message(
        CHAT, "<b>Velkommen</b>", parse_mode="HTML", reply_markup=keyboard("Ja", "Nej")
    )
    assert message.message_id == 1
    assert message.chat.type == "private"
    assert message.from_user is not None and message.from_user.username == "inklusion_test_bot"
    assert message.reply_markup is not None
    assert message.reply_markup.inline_keyboard[0][1].callback_data == "cb:Nej"
    record = fake.last_message(CHAT)
    assert record["text"] == "<b>Velkommen</b>"
    assert record["parse_mode"] == "HTML"
    assert record["reply_markup"]["inline_keyboard"][0][0] == {
        "text": "Ja",
        "callback_data": "cb:Ja",
    }
    assert fake.buttons(CHAT) == ["Ja", "Nej"]
    assert fake.calls[-1][0] == "sendMessage"
    assert fake.calls[-1][1]["chat_id"] == CHAT
    second = await bot.send_message(CHAT, "42")
    assert second.message_id == 2
    assert fake.last_message(CHAT)["text"] == "42"


@pytest.mark.asyncio
async def test_validation_mirrors_telegram(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(CHAT, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)unsupported start tag"):
        await bot.send_message(CHAT, "1 < 2 > 0", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, "x" * 4097)
    button = InlineKeyboardButton("long", callback_data="x" * 65)
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(CHAT, "hi", reply_markup=InlineKeyboardMarkup([[button]]))


@pytest.mark.asyncio
async def test_get_updates_and_offset_confirmation(fake: FakeBotAPI, bot: Bot) -> None:
    sent = fake.send_text(CHAT, "/start@inklusion_test_bot hej", first_name="Mette")
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [sent["update_id"]]
    message = updates[0].message
    assert message is not None
    assert message.text == "/start@inklusion_test_bot hej"
    assert message.from_user is not None and message.from_user.first_name == "Mette"
    assert message.entities[0].type == "bot_command"
    assert message.entities[0].length == len("/start@inklusion_test_bot")
    # Without a new offset the update is delivered again; with it, it is confirmed.
    assert len(await bot.get_updates(timeout=0)) == 1
    assert await bot.get_updates(offset=sent["update_id"] + 1, timeout=0) == ()
    assert fake.pending_updates() == []
    later = fake.send_update({"edited_message": dict(sent["message"], text="rettet")})
    assert later["update_id"] == sent["update_id"] + 1
    assert later["edited_message"]["edit_date"] > 0


@pytest.mark.asyncio
async def test_long_polling_wakes_up_on_new_update(fake: FakeBotAPI, bot: Bot) -> None:
    timer = threading.Timer(0.2, fake.send_text, args=(CHAT, "hej"))
    started = time.monotonic()
    timer.start()
    updates = await bot.get_updates(timeout=5)
    elapsed = time.monotonic() - started
    timer.join()
    assert len(updates) == 1
    assert 0.15 <= elapsed < 2


@pytest.mark.asyncio
async def test_long_polling_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9


@pytest.mark.asyncio
async def test_send_document_records_bytes(fake: FakeBotAPI, bot: Bot) -> None:
    content = b"Navn;Svar\r\nMette;ja\n\x00\xff"
    message = await bot.send_document(
        CHAT, document=content, filename="svar.csv", caption="Dine svar"
    )
    assert message.document is not None
    assert message.document.file_name == "svar.csv"
    assert message.document.file_size == len(content)
    record = fake.last_message(CHAT)
    assert record["method"] == "sendDocument"
    assert record["document"] == content
    assert record["filename"] == "svar.csv"
    assert record["caption"] == "Dine svar"
    # The stored file can be fetched back through getFile and the file URL.
    telegram_file = await bot.get_file(message.document.file_id)
    assert bytes(await telegram_file.download_as_bytearray()) == content


@pytest.mark.asyncio
async def test_fail_next_429_raises_retry_after(
    fake: FakeBotAPI, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without PTB_TIMEDELTA, PTB 22 emits a deprecation warning when building RetryAfter.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "hej")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    assert fake.count_429 == 1
    assert fake.sent == []
    await bot.send_message(CHAT, "hej")
    assert len(fake.sent) == 1


@pytest.mark.asyncio
async def test_blocked_chat_raises_forbidden(fake: FakeBotAPI, bot: Bot) -> None:
    fake.set_blocked(CHAT)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(CHAT, "hej")
    await bot.send_message(CHAT + 1, "hej")
    assert [record["chat_id"] for record in fake.sent] == [CHAT + 1]


@pytest.mark.asyncio
async def test_unknown_method_is_recorded(fake: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(TelegramError, match="Not Found: method noSuchMethod"):
        await bot._post("noSuchMethod")
    assert fake.unknown_methods == ["noSuchMethod"]


@pytest.mark.asyncio
async def test_edits_are_applied(fake: FakeBotAPI, bot: Bot) -> None:
    first = await bot.send_message(CHAT, "Spørgsmål 1", reply_markup=keyboard("Svar"))
    await bot.send_message(CHAT, "Andet")
    await bot.edit_message_text("Spørgsmål 1 ✓", chat_id=CHAT, message_id=first.message_id)
    await bot.edit_message_reply_markup(
        chat_id=CHAT, message_id=first.message_id, reply_markup=keyboard("Igen")
    )
    current = fake.messages(CHAT)
    assert [m["text"] for m in current] == ["Spørgsmål 1 ✓", "Andet"]
    assert current[0]["edited"]
    assert fake.buttons(CHAT) == ["Igen"]
    assert [r["method"] for r in fake.sent] == [
        "sendMessage",
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
    ]
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_reply_markup(
            chat_id=CHAT, message_id=first.message_id, reply_markup=keyboard("Igen")
        )
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=99)


@pytest.mark.asyncio
async def test_chat_member_commands_and_json_body(fake: FakeBotAPI, bot: Bot) -> None:
    fake.set_admins(-100777, [7])
    admin = await bot.get_chat_member(-100777, 7)
    member = await bot.get_chat_member(-100777, 8)
    assert (admin.status, member.status) == ("administrator", "member")
    await bot.set_my_commands([("start", "Start forfra"), ("hjaelp", "Hjælp")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "hjaelp"]
    status, answer = post_json(fake, "sendMessage", {"chat_id": "-100777", "text": "007"})
    assert (status, answer["ok"]) == (200, True)
    assert fake.last_message(-100777)["text"] == "007"
    status, answer = post_json(fake, "sendMessage", {"chat_id": 1})
    assert status == 400
    assert answer == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: message text is empty",
    }


@pytest.mark.asyncio
async def test_enforced_flood_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    with FakeBotAPI(enforce_limits=True) as limited:
        async with Bot(limited.token, base_url=limited.base_url) as limited_bot:
            for n in range(3):
                await limited_bot.send_message(CHAT, f"burst {n}")
            with pytest.raises(RetryAfter) as caught:
                await limited_bot.send_message(CHAT, "one too many")
            assert dtm.timedelta(seconds=1) <= caught.value.retry_after <= dtm.timedelta(seconds=3)
            await limited_bot.send_message(CHAT + 1, "other chats are not limited")
        assert limited.count_429 == 1


def test_wait_timeout_lists_last_calls(fake: FakeBotAPI) -> None:
    with pytest.raises(AssertionError, match=r"last calls: \(none\)"):
        fake.wait_for_messages(CHAT, 1, timeout=0.05)


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("hej", reply_markup=keyboard("Videre"))


async def _clicked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("ok")
    await query.edit_message_text(f"klikket {query.data}")


@pytest.mark.asyncio
async def test_application_round_trip(fake: FakeBotAPI) -> None:
    app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CallbackQueryHandler(_clicked))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        fake.send_text(CHAT, "/start")
        records = await asyncio.to_thread(fake.wait_for_messages, CHAT, 1, 5)
        assert records[0]["text"] == "hej"
        query_id = fake.press_button(CHAT, "Vid")
        answer = await asyncio.to_thread(fake.wait_answered, query_id, 5)
        assert answer["text"] == "ok"
        await asyncio.to_thread(
            fake.wait_for, lambda: fake.last_message(CHAT)["text"] == "klikket cb:Videre", 5
        )
        await asyncio.to_thread(fake.wait_idle, 0.2, 5)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert fake.unknown_methods == []
    assert fake.pending_updates() == []
