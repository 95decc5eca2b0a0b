"""Tests for the fake Telegram Bot API server, driven through PTB's real HTTP stack."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import pytest_asyncio
from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
    ReplyParameters,
    Update,
    User,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
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


@pytest.mark.slow
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
    await bot.set_my_commands([("start", "Neu starten")], language_code="de")
    assert [c.description for c in await bot.get_my_commands(language_code="de")] == ["Neu starten"]
    with pytest.raises(BadRequest, match=r"(?i)invalid language code specified"):
        await bot.set_my_commands([("start", "Start")], language_code="de-AT")
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
    with FakeBotAPI(enforce_limits=True, strict_private=True) as limited:
        async with Bot(limited.token, base_url=limited.base_url) as limited_bot:
            for n in range(3):
                await limited_bot.send_message(CHAT, f"burst {n}")
            with pytest.raises(RetryAfter) as caught:
                await limited_bot.send_message(CHAT, "one too many")
            assert dtm.timedelta(seconds=1) <= caught.value.retry_after <= dtm.timedelta(seconds=3)
            await limited_bot.send_message(CHAT + 1, "other chats are not limited")
        assert limited.count_429 == 1


@pytest.mark.asyncio
async def test_a_private_chat_allows_bursts_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """The FAQ gives no hard figure for one private chat ("short bursts" are allowed)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    with FakeBotAPI() as default:
        async with Bot(default.token, base_url=default.base_url) as bot:
            for n in range(10):
                await bot.send_message(CHAT, f"burst {n}")
        assert default.count_429 == 0


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


# --------------------------------------------------------------------------------------
# Telegram's documented behaviour, modelled by the fake (each test quotes the docs)
# --------------------------------------------------------------------------------------

GROUP = -4001
SUPERGROUP = -1004001


@pytest.mark.asyncio
async def test_update_ids_jump_lower_after_a_quiet_week(fake: FakeBotAPI, bot: Bot) -> None:
    # Update.update_id: "If there are no new updates for at least a week, then identifier
    # of the next update will be chosen randomly instead of sequentially."
    first = [fake.send_text(CHAT, f"hej {n}")["update_id"] for n in range(5)]
    assert first == list(range(first[0], first[0] + 5))
    await bot.get_updates(timeout=0)
    offset = first[-1] + 1
    assert await bot.get_updates(offset=offset, timeout=0) == ()
    jumped = fake.quiet_week()
    assert 1 <= jumped < first[-1]
    after = [fake.send_text(CHAT, f"igen {n}")["update_id"] for n in range(2)]
    assert after == [jumped, jumped + 1]
    # The bot still polls with its old, higher offset and receives the lower ids.
    updates = await bot.get_updates(offset=offset, timeout=0)
    assert [u.update_id for u in updates] == after
    assert await bot.get_updates(offset=after[-1] + 1, timeout=0) == ()
    assert fake.pending_updates() == []
    fake.next_update_id = 900
    assert fake.send_text(CHAT, "sat")["update_id"] == 900
    assert fake.send_text(CHAT, "næste")["update_id"] == 901


@pytest.mark.asyncio
async def test_undelivered_updates_are_not_confirmed_by_a_higher_offset(
    fake: FakeBotAPI, bot: Bot
) -> None:
    # getUpdates offset: "An update is considered confirmed as soon as getUpdates is called
    # with an offset higher than its update_id" - for updates the bot has received.
    fake.next_update_id = 50
    fake.send_text(CHAT, "a")
    updates = await bot.get_updates(offset=1000, timeout=0)
    assert [u.update_id for u in updates] == [50]
    assert [u.update_id for u in await bot.get_updates(offset=1000, timeout=0)] == []


@pytest.mark.asyncio
async def test_a_second_get_updates_terminates_the_waiting_one(fake: FakeBotAPI) -> None:
    # Bot API server: "Conflict: terminated by other getUpdates request; make sure that
    # only one bot instance is running" goes to the long poll that was waiting.
    async with (
        Bot(fake.token, base_url=fake.base_url) as first,
        Bot(fake.token, base_url=fake.base_url) as second,
    ):
        waiting = asyncio.create_task(first.get_updates(timeout=5))
        await asyncio.to_thread(
            fake.wait_for, lambda: sum(m == "getUpdates" for m, _ in fake.calls) >= 1, 5
        )
        await asyncio.sleep(0.1)
        newer = asyncio.create_task(second.get_updates(timeout=1))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await waiting
        fake.send_text(CHAT, "hej")
        assert len(await newer) == 1


@pytest.mark.asyncio
async def test_get_updates_while_a_webhook_is_set_is_a_conflict(fake: FakeBotAPI, bot: Bot) -> None:
    # getUpdates: "This method will not work if an outgoing webhook is set up."
    await bot.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates(timeout=0)
    info = await bot.get_webhook_info()
    assert info.url == "http://127.0.0.1:9/hook"
    await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates(timeout=0) == ()


class _Receiver:
    """A webhook endpoint on 127.0.0.1 that records posts and can fail the first ones."""

    def __init__(self, fail_first: int = 0) -> None:
        self.posts: list[tuple[dict[str, object], dict[str, str]]] = []
        self.fail_left = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status = 200
                if receiver.fail_left:
                    receiver.fail_left -= 1
                    status = 500
                receiver.posts.append((body, {**self.headers, "status": str(status)}))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.asyncio
async def test_webhook_posts_updates_in_order_with_secret_and_retries(
    fake: FakeBotAPI, bot: Bot
) -> None:
    # setWebhook: "we will send an HTTPS POST request to the specified URL, containing a
    # JSON-serialized Update. In case of an unsuccessful request (a request with response
    # HTTP status code different from 2XY), we will repeat the request"; secret_token is
    # sent "in a header 'X-Telegram-Bot-Api-Secret-Token' in every webhook request".
    receiver = _Receiver(fail_first=1)
    try:
        fake.send_text(CHAT, "før")
        await bot.set_webhook(receiver.url, secret_token="hemmelig_1")
        fake.send_text(CHAT, "efter")
        await asyncio.to_thread(
            fake.wait_for, lambda: sum(h["status"] == "200" for _, h in receiver.posts) == 2, 5
        )
        texts = [(body["message"]["text"], h["status"]) for body, h in receiver.posts]
        assert texts == [("før", "500"), ("før", "200"), ("efter", "200")]
        assert {h["X-Telegram-Bot-Api-Secret-Token"] for _, h in receiver.posts} == {"hemmelig_1"}
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 0
        assert info.last_error_message
        await bot.delete_webhook()
        fake.send_text(CHAT, "poll")
        assert len(receiver.posts) == 3
        assert [u.message.text for u in await bot.get_updates(timeout=0)] == ["poll"]
    finally:
        receiver.close()


@pytest.mark.asyncio
async def test_application_round_trip_in_webhook_mode(fake: FakeBotAPI) -> None:
    # The same helpers (send_text, press_button, wait_*) drive a bot that uses a webhook.
    app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CallbackQueryHandler(_clicked))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url=f"http://127.0.0.1:{port}/hook",
        secret_token="s3cret",
    )
    try:
        fake.send_text(CHAT, "/start")
        records = await asyncio.to_thread(fake.wait_for_messages, CHAT, 1, 5)
        assert records[0]["text"] == "hej"
        query_id = fake.press_button(CHAT, "Videre")
        assert (await asyncio.to_thread(fake.wait_answered, query_id, 5))["text"] == "ok"
        await asyncio.to_thread(fake.wait_idle, 0.2, 5)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert {status for _, status, _ in fake.webhook_requests} == {200}
    assert fake.pending_updates() == []


@pytest.mark.asyncio
async def test_group_privacy_mode_is_on_by_default(fake: FakeBotAPI, bot: Bot) -> None:
    # Bot FAQ: "Bots with privacy mode enabled will receive: Commands explicitly meant for
    # them (e.g., /command@this_bot). General commands from users (e.g. /start) if the bot
    # was the last bot to send a message to the group. Messages sent via this bot. Replies
    # to any messages implicitly or explicitly meant for this bot." and "All bots,
    # regardless of settings, will receive: All service messages."
    assert not (await bot.get_me()).can_read_all_group_messages
    question = await bot.send_message(GROUP, "Spørgsmål?")

    def group(text: str, **kwargs: object) -> dict[str, object]:
        return fake.send_text(GROUP, text, user_id=7, chat_type="group", **kwargs)

    delivered = [
        group("/start"),
        group("/start@inklusion_test_bot"),
        group("svar", reply_to=question.message_id),
        group("hej @inklusion_test_bot"),
        fake.send_update(
            {
                "message": {
                    "chat": {"id": GROUP, "type": "group", "title": "B"},
                    "from": {"id": 7, "is_bot": False, "first_name": "A"},
                    "new_chat_members": [{"id": 8, "is_bot": False, "first_name": "B"}],
                }
            }
        ),
        fake.send_text(CHAT, "privat snak"),
    ]
    kept = [group("bordsnak"), group("/start@AnotherBot"), group("/slet@AnotherBot")]
    assert all("update_id" in update for update in delivered)
    assert all("update_id" not in update for update in kept)
    assert [u["message"]["text"] for u in fake.not_delivered] == [
        "bordsnak",
        "/start@AnotherBot",
        "/slet@AnotherBot",
    ]
    texts = [u.message.text for u in await bot.get_updates(timeout=0)]
    assert "bordsnak" not in texts and "/start@AnotherBot" not in texts
    assert len(texts) == len(delivered)


@pytest.mark.asyncio
async def test_admin_bots_and_privacy_off_receive_all_group_messages(
    fake: FakeBotAPI, bot: Bot
) -> None:
    # Bot FAQ: "Bot admins and bots with privacy mode disabled will receive all messages
    # except messages sent by other bots."
    fake.set_bot_admin(GROUP)
    assert "update_id" in fake.send_text(GROUP, "bordsnak", chat_type="group")
    assert "update_id" in fake.send_text(GROUP, "/start@AnotherBot", chat_type="group")
    fake.set_admins(SUPERGROUP, [7, fake.bot_id])
    assert "update_id" in fake.send_text(SUPERGROUP, "snak", chat_type="supergroup")
    other = -4002
    assert "update_id" not in fake.send_text(other, "snak", chat_type="group")
    fake.set_privacy(False)
    assert (await bot.get_me()).can_read_all_group_messages
    assert "update_id" in fake.send_text(other, "snak", chat_type="group")
    other_bot = {"id": 555, "is_bot": True, "first_name": "Other", "username": "OtherBot"}
    sent = fake.send_update(
        {"message": {"chat": {"id": other, "type": "group"}, "from": other_bot, "text": "x"}}
    )
    assert "update_id" not in sent
    with FakeBotAPI(privacy_mode=False) as open_fake:
        assert "update_id" in open_fake.send_text(GROUP, "snak", chat_type="group")


@pytest.mark.asyncio
async def test_selective_force_reply_reaches_only_the_users_the_docs_name(
    fake: FakeBotAPI, bot: Bot
) -> None:
    # ForceReply.selective: "Targets: 1) users that are @mentioned in the text of the
    # Message object; 2) if the bot's message is a reply to a message in the same chat and
    # forum topic, sender of the original message."
    asked = fake.send_text(SUPERGROUP, "/svar", user_id=7, chat_type="supergroup")
    fake.add_user(8, "Bo", username="bo_frivillig")
    selective = ForceReply(selective=True)
    reply = await bot.send_message(
        SUPERGROUP,
        "Skriv dit svar",
        reply_markup=selective,
        reply_parameters=ReplyParameters(asked["message"]["message_id"]),
    )
    assert fake.force_reply_targets(SUPERGROUP, reply.message_id) == {7}
    assert fake.reply_box_shown(SUPERGROUP, reply.message_id, 7)
    assert not fake.reply_box_shown(SUPERGROUP, reply.message_id, 8)
    link = await bot.send_message(
        SUPERGROUP,
        '<a href="tg://user?id=9">Anna</a>, skriv dit svar',
        parse_mode="HTML",
        reply_markup=selective,
    )
    assert fake.force_reply_targets(SUPERGROUP, link.message_id) == {9}
    named = await bot.send_message(SUPERGROUP, "@bo_frivillig, svar her", reply_markup=selective)
    assert fake.force_reply_targets(SUPERGROUP, named.message_id) == {8}
    mention = await bot.send_message(
        SUPERGROUP,
        "Anna, svar her",
        reply_markup=selective,
        entities=[MessageEntity("text_mention", 0, 4, user=User(10, "Anna", False))],
    )
    assert fake.force_reply_targets(SUPERGROUP, mention.message_id) == {10}
    nobody = await bot.send_message(SUPERGROUP, "Skriv det nye svar", reply_markup=selective)
    assert fake.force_reply_targets(SUPERGROUP, nobody.message_id) == set()
    assert not fake.reply_box_shown(SUPERGROUP, nobody.message_id, 7)
    everyone = await bot.send_message(SUPERGROUP, "Alle", reply_markup=ForceReply())
    assert fake.reply_box_shown(SUPERGROUP, everyone.message_id, 8)
    assert 7 in fake.force_reply_targets(SUPERGROUP, everyone.message_id)


@pytest.mark.asyncio
async def test_reply_to_a_missing_message_is_refused(bot: Bot) -> None:
    # ReplyParameters.allow_sending_without_reply: "Pass True if the message should be sent
    # even if the specified message to be replied to is not found".
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(CHAT, "svar", reply_parameters=ReplyParameters(77))
    sent = await bot.send_message(
        CHAT, "svar", reply_parameters=ReplyParameters(77, allow_sending_without_reply=True)
    )
    assert sent.reply_to_message is None


@pytest.mark.asyncio
async def test_flood_limits_are_on_by_default(fake: FakeBotAPI, bot: Bot) -> None:
    # Bot FAQ: in a group "bots are not be able to send more than 20 messages per minute";
    # beyond the limits the bot gets 429 with parameters.retry_after.
    for n in range(20):
        await bot.send_message(GROUP, f"{n}")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(GROUP, "21")
    assert caught.value.retry_after > dtm.timedelta(seconds=30)
    await bot.send_message(CHAT, "privat går stadig")
    with FakeBotAPI(enforce_limits=False) as unlimited:
        async with Bot(unlimited.token, base_url=unlimited.base_url) as free:
            for n in range(25):
                await free.send_message(GROUP, f"{n}")


@pytest.mark.asyncio
async def test_flood_chat_answers_429_for_that_chat_only(fake: FakeBotAPI, bot: Bot) -> None:
    # ResponseParameters.retry_after: "In case of exceeding flood control, the number of
    # seconds left to wait before the request can be repeated".
    first = await bot.send_message(GROUP, "før")
    fake.flood_chat(GROUP, retry_after=20)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(GROUP, "under")
    assert dtm.timedelta(seconds=19) <= caught.value.retry_after <= dtm.timedelta(seconds=20)
    with pytest.raises(RetryAfter):
        await bot.edit_message_text("ret", chat_id=GROUP, message_id=first.message_id)
    await bot.send_message(CHAT, "andre chats venter ikke")
    fake.flood_chat(GROUP, retry_after=0)
    await bot.send_message(GROUP, "efter")


@pytest.mark.asyncio
async def test_forum_topics_carry_message_thread_id(fake: FakeBotAPI, bot: Bot) -> None:
    # Message.message_thread_id: "Unique identifier of a message thread or forum topic to
    # which the message belongs"; is_topic_message: "True, if the message is sent to a
    # topic in a forum supergroup".
    update = fake.send_text(SUPERGROUP, "/start", user_id=7, chat_type="supergroup", thread_id=5)
    message = update["message"]
    assert message["chat"]["is_forum"] is True
    assert (message["message_thread_id"], message["is_topic_message"]) == (5, True)
    received = (await bot.get_updates(timeout=0))[0].message
    assert received is not None and received.message_thread_id == 5
    await received.reply_text("i emnet")  # PTB passes message_thread_id for topic messages
    await bot.send_message(
        SUPERGROUP, "svar", reply_parameters=ReplyParameters(message["message_id"])
    )
    await bot.send_message(SUPERGROUP, "i General")
    assert [m["text"] for m in fake.messages(SUPERGROUP, thread_id=5)] == ["i emnet", "svar"]
    assert fake.last_message(SUPERGROUP)["message_thread_id"] is None
    topic = fake.messages(SUPERGROUP, thread_id=5)[0]
    await bot.edit_message_text("rettet", chat_id=SUPERGROUP, message_id=topic["message_id"])
    assert fake.sent[-1]["message_thread_id"] == 5
    reply = fake.send_text(
        SUPERGROUP, "svar", user_id=7, chat_type="supergroup", reply_to=topic["message_id"]
    )
    assert reply["message"]["message_thread_id"] == 5


@pytest.mark.asyncio
async def test_removed_method_answers_404(fake: FakeBotAPI, bot: Bot) -> None:
    # An emulator without setMyCommands answers like any unknown method: 404 Not Found.
    fake.remove_method("setMyCommands")
    with pytest.raises(TelegramError, match="Not Found"):
        await bot.set_my_commands([("start", "Start")])
    fake.remove_method("setMyCommands", removed=False)
    assert await bot.set_my_commands([("start", "Start")])
    fake.fail_next("setMyCommands", 502, "Bad Gateway")
    with pytest.raises(NetworkError):
        await bot.set_my_commands([("start", "Start")])


@pytest.mark.asyncio
async def test_chat_not_found_kicked_and_deactivated(fake: FakeBotAPI, bot: Bot) -> None:
    fake.set_chat_not_found(CHAT)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(CHAT, "hej")
    fake.set_kicked(GROUP)
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await bot.send_message(GROUP, "hej")
    fake.set_kicked(SUPERGROUP)
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(SUPERGROUP, "hej")
    fake.set_deactivated(CHAT + 1)
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_message(CHAT + 1, "hej")
    fake.set_chat_not_found(CHAT, on=False)
    await bot.send_message(CHAT, "hej igen")


@pytest.mark.asyncio
@pytest.mark.parametrize("order", ["to_first", "from_first"])
async def test_supergroup_migration_in_either_order(fake: FakeBotAPI, bot: Bot, order: str) -> None:
    # Message.migrate_to_chat_id: "The group has been migrated to a supergroup with the
    # specified identifier"; migrate_from_chat_id: "The supergroup has been migrated from a
    # group with the specified identifier". The docs do not fix the order of the two.
    fake.send_text(GROUP, "/start", user_id=7, chat_type="group")
    new_id = fake.migrate_to_supergroup(GROUP, order=order)
    assert str(new_id).startswith("-100")
    updates = [u.message for u in await bot.get_updates(timeout=0)][1:]
    assert all(m is not None for m in updates)
    kinds = [("to" if m.migrate_to_chat_id else "from", m.chat.id) for m in updates if m]
    expected = [("to", GROUP), ("from", new_id)]
    assert kinds == (expected if order == "to_first" else expected[::-1])
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(GROUP, "hej")
    assert caught.value.new_chat_id == new_id
    await bot.send_message(new_id, "hej")


@pytest.mark.asyncio
async def test_anonymous_admins_and_members_posting_as_a_channel(
    fake: FakeBotAPI, bot: Bot
) -> None:
    # Message.sender_chat: "the supergroup itself for messages sent by its anonymous
    # administrators"; Message.from: "the field contains a fake sender user in non-channel
    # chats, if the message was sent on behalf of a chat."
    fake.send_text(SUPERGROUP, "/start", chat_type="supergroup", anonymous_admin=True)
    fake.send_text(SUPERGROUP, "/plan", chat_type="supergroup", sender_channel_id=-100999)
    admin, channel = [u.message for u in await bot.get_updates(timeout=0)]
    assert admin is not None and channel is not None
    assert admin.from_user is not None and admin.from_user.id == 1087968824
    assert admin.sender_chat is not None and admin.sender_chat.id == SUPERGROUP
    assert channel.from_user is not None and channel.from_user.id == 136817688
    assert channel.sender_chat is not None and channel.sender_chat.type == "channel"


@pytest.mark.asyncio
async def test_allowed_updates_and_first_update_id() -> None:
    # getUpdates allowed_updates: "Specify an empty list to receive all update types except
    # chat_member, message_reaction, and message_reaction_count (default)."; "Update
    # identifiers start from a certain positive number and increase sequentially."
    with FakeBotAPI(first_update_id=700_000_001) as fake:
        assert fake.send_text(CHAT, "hej")["update_id"] == 700_000_001
        member = {
            "chat": {"id": GROUP, "type": "group", "title": "B"},
            "from": {"id": 7, "is_bot": False, "first_name": "A"},
            "date": 0,
            "old_chat_member": {"status": "member", "user": {"id": 8, "is_bot": False}},
            "new_chat_member": {"status": "left", "user": {"id": 8, "is_bot": False}},
        }
        assert "update_id" not in fake.send_update({"chat_member": member})
        async with Bot(fake.token, base_url=fake.base_url) as own:
            await own.get_updates(timeout=0, allowed_updates=["chat_member"])
        assert "update_id" in fake.send_update({"chat_member": member})
        assert "update_id" not in fake.send_text(CHAT, "nu ikke")


@pytest.mark.asyncio
async def test_privacy_mode_general_commands_and_replies_to_other_bots(
    fake: FakeBotAPI, bot: Bot
) -> None:
    # Bot FAQ: "General commands from users (e.g. /start) if the bot was the last bot to
    # send a message to the group." and "a reply to bot A containing an explicit command
    # for bot B or sent via bot C will only be available to bot A."
    fake.other_bot_wrote(GROUP)
    assert "update_id" not in fake.send_text(GROUP, "/start", chat_type="group")
    assert "update_id" in fake.send_text(GROUP, "/start@inklusion_test_bot", chat_type="group")
    await bot.send_message(GROUP, "Nu skrev jeg sidst")
    assert "update_id" in fake.send_text(GROUP, "/start", chat_type="group")
    other_bot = {"id": 555, "is_bot": True, "first_name": "Other", "username": "OtherBot"}
    reply_to_other = {
        "chat": {"id": GROUP, "type": "group", "title": "B"},
        "from": {"id": 7, "is_bot": False, "first_name": "A"},
        "text": "/start@inklusion_test_bot",
        "entities": [{"type": "bot_command", "offset": 0, "length": 25}],
        "reply_to_message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": GROUP, "type": "group"},
            "from": other_bot,
            "text": "?",
        },
    }
    assert "update_id" not in fake.send_update({"message": reply_to_other})


@pytest.mark.asyncio
async def test_threads_in_supergroups_without_topics_and_the_general_topic(
    fake: FakeBotAPI, bot: Bot
) -> None:
    # Message.message_thread_id: "Unique identifier of a message thread or forum topic to
    # which the message belongs"; a reply in a supergroup without topics belongs to the
    # replied message's thread, yet it is no topic message.
    question = await bot.send_message(SUPERGROUP, "Spørgsmål")
    reply = fake.send_text(
        SUPERGROUP, "svar", user_id=7, chat_type="supergroup", reply_to=question.message_id
    )["message"]
    assert reply["message_thread_id"] == question.message_id
    assert "is_topic_message" not in reply and "is_forum" not in reply["chat"]
    # sendMessage message_thread_id: "for forum supergroups only"; General has none.
    forum = -1004002
    fake.send_text(forum, "emne", user_id=7, chat_type="supergroup", thread_id=5)
    await bot.send_message(forum, "i emnet", message_thread_id=5)
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(forum, "General", message_thread_id=1)
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(forum, "ukendt emne", message_thread_id=99)
