"""The bad-input corpus (tests/data/bad_inputs.json) through the real bot and the fake Bot API.

Every text of the corpus is typed at the first question of a flow and at the main menu;
every other update shape (stickers, photos, voice, documents, edited messages, channel
posts, forwarded messages, ...) is sent at the first question. Each one gets a friendly
answer (a known interface text, in HTML the fake accepts, within Telegram's limits), or is
ignored without an error where a bot must ignore it; the stored state is compared before
and after, so nothing changes that should not. Many chats run side by side, so the whole
corpus takes a few seconds.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.chats import chat_key
from dialogues import Library
from tests.fakebotapi import FakeBotAPI
from tests.test_faults import (
    FIRST,
    FLOW,
    RunningBot,
    idle,
    last_text,
    running_bot,
    until,
)

pytestmark = pytest.mark.slow  # whole corpora sent end to end

CORPUS = json.loads((Path(__file__).parent / "data" / "bad_inputs.json").read_text("utf-8"))
METADATA = ("updated_at", "seen_updates")  # what every handled update may change
TRIED: list[str] = []  # the inputs tried; CORPUS_STATS names a file to list them in


@atexit.register
def _write_tried() -> None:
    if os.environ.get("CORPUS_STATS") and TRIED:
        Path(os.environ["CORPUS_STATS"]).write_text(json.dumps(TRIED, indent=1))


def text_of(item: dict[str, Any]) -> str:
    """Return an item's text ({'repeat': s, 'times': n} spelled out)."""
    text = item["text"]
    return text if isinstance(text, str) else str(text["repeat"]) * int(text["times"])


def core(state: dict[str, Any]) -> dict[str, Any]:
    """Return a stored state without the fields every handled update touches."""
    return {k: v for k, v in state.items() if k not in METADATA}


def ui_prefix(library: Library, key: str) -> str:
    """Return the fixed start of an interface text (up to its first placeholder)."""
    return library.get("da").ui[key].split("{")[0]


@pytest.fixture
async def bot(fake: FakeBotAPI, library: Library, tmp_path: Path) -> AsyncIterator[RunningBot]:
    async with running_bot(fake, library, tmp_path) as running:
        yield running


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.WARNING)
    return caplog


async def walk_to_first_question(bot: RunningBot, chats: list[int]) -> None:
    """Walk the first chat to the flow's first question; the others get a copy of its state
    (a walk per chat would only repeat the same turns, and the bot takes them one by one)."""
    fake, first = bot.fake, chats[0]
    fake.send_text(first, f"/start {FLOW}")
    await until(fake, lambda: "Videre ➡️" in fake.buttons(first), what="the intro")
    while "Spørgsmål 1 af" not in last_text(fake, first):
        count = len(fake.sent_to(first))
        fake.press_button(first, "Videre")
        await until(fake, lambda n=count: len(fake.sent_to(first)) > n, what="the next page")
    await idle(fake)
    for chat in chats[1:]:
        bot.store.put(chat_key(chat), bot.state(first))


async def send_all(bot: RunningBot, inputs: dict[int, Any], answered: set[int]) -> None:
    """Send one input per chat; wait until the chats in `answered` got a reply, then idle."""
    fake = bot.fake
    counts = {chat: len(fake.sent_to(chat)) for chat in inputs}
    for chat, value in inputs.items():
        if isinstance(value, str):
            fake.send_text(chat, value)
        else:
            fake.send_update(value)
    await until(
        fake,
        lambda: all(len(fake.sent_to(c)) > counts[c] for c in answered),
        what="an answer in every chat",
    )
    await idle(fake, quiet=0.5)


def first_reply(fake: FakeBotAPI, chat: int, before: int) -> str:
    """Return the text of the first message sent to the chat after `before` of them."""
    sent = fake.sent_to(chat)[before:]
    return str(sent[0]["text"] or "") if sent else ""


def no_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


# ---- texts -----------------------------------------------------------------------------

TEXTS = CORPUS["texts"]


def check_text_at_question(
    library: Library, item: dict[str, Any], reply: str, before: dict, after: dict
) -> str | None:
    """Return what is wrong with how the bot took a text at the first question."""
    text, outcome = text_of(item), item["at_question"]
    expected = {"stored": "saved", "asked_again": "empty_answer", "refused": "too_long"}[outcome]
    if not reply.startswith(ui_prefix(library, expected)):
        return f"answered {reply[:80]!r}, expected the {expected!r} text"
    if outcome != "stored":
        return None if core(after) == core(before) else "the state changed"
    stored = after.get("answers", {}).get(FIRST, {}).get("text")
    if stored != text:
        return f"stored {str(stored)[:40]!r} instead of the text"
    unchanged = ("plan", "checklists", "settings", "lang")
    if any(after.get(k) != before.get(k) for k in unchanged) or after.get("node") == FIRST:
        return "the state changed beyond the answer"
    return None


async def test_every_text_at_a_question_is_answered_and_stored_verbatim_or_refused(
    bot: RunningBot, library: Library, errors: pytest.LogCaptureFixture
) -> None:
    fake = bot.fake
    chats = {7000 + index: item for index, item in enumerate(TEXTS)}
    await walk_to_first_question(bot, list(chats))
    before = {chat: bot.state(chat) for chat in chats}
    counts = {chat: len(fake.sent_to(chat)) for chat in chats}
    await send_all(bot, {chat: text_of(item) for chat, item in chats.items()}, set(chats))
    problems = []
    for chat, item in chats.items():
        TRIED.append(f"text at a question: {item['name']}")
        reply = first_reply(fake, chat, counts[chat])
        problem = check_text_at_question(library, item, reply, before[chat], bot.state(chat))
        if problem:
            problems.append(f"{item['name']}: {problem}")
    assert problems == []
    assert no_errors(errors) == []


async def test_every_text_at_the_menu_asks_for_a_button_and_changes_nothing(
    bot: RunningBot, library: Library, errors: pytest.LogCaptureFixture
) -> None:
    fake = bot.fake
    chats = {7100 + index: item for index, item in enumerate(TEXTS)}
    await send_all(bot, dict.fromkeys(chats, "/menu"), set(chats))
    before = {chat: bot.state(chat) for chat in chats}
    counts = {chat: len(fake.sent_to(chat)) for chat in chats}
    await send_all(bot, {chat: text_of(item) for chat, item in chats.items()}, set(chats))
    problems = []
    for chat, item in chats.items():
        TRIED.append(f"text at the menu: {item['name']}")
        expected = "too_long" if item["at_question"] == "refused" else "use_buttons"
        reply = first_reply(fake, chat, counts[chat])
        if not reply.startswith(ui_prefix(library, expected)):
            problems.append(f"{item['name']}: answered {reply[:80]!r}, expected {expected!r}")
        if core(bot.state(chat)) != core(before[chat]):
            problems.append(f"{item['name']}: the state changed")
    assert problems == []
    assert no_errors(errors) == []


# ---- other update shapes ---------------------------------------------------------------

UPDATES = CORPUS["updates"]


def fill(value: Any, chat: dict[str, Any], user: dict[str, Any]) -> Any:
    """Replace '$CHAT' and '$USER' in an item's fields."""
    if value == "$CHAT":
        return chat
    if value == "$USER":
        return user
    if isinstance(value, dict):
        return {k: fill(v, chat, user) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, chat, user) for v in value]
    return value


def build_update(item: dict[str, Any], chat_id: int) -> dict[str, Any]:
    """Turn a corpus item into a Telegram update for the given private chat."""
    chat = {"id": chat_id, "type": "private", "first_name": "Test"}
    user = {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": "da"}
    fields = fill(item["fields"], chat, user)
    kind = item["kind"]
    if item.get("channel"):
        channel = {"id": -1_000_000_000_000 - chat_id, "type": "channel", "title": "Kanal"}
        body = {"chat": channel, "date": int(time.time()), **fields}
    elif kind in ("message", "edited_message"):
        body = {"chat": chat, "from": user, "date": int(time.time()), **fields}
    else:
        body = fields
    return {kind: {k: v for k, v in body.items() if v is not None}}


def check_update(
    library: Library, item: dict[str, Any], reply: str | None, before: dict, after: dict
) -> str | None:
    """Return what is wrong with how the bot took an update at the first question."""
    expect = item["expect"]
    if expect == "ignored":
        if reply is not None:
            return f"answered {reply[:80]!r}; it should be ignored"
        return None if after == before else "the state changed"
    key = item.get("reply", "saved")
    if not (reply or "").startswith(ui_prefix(library, key)):
        return f"answered {str(reply)[:80]!r}, expected the {key!r} text"
    if expect == "stored":
        stored = after.get("answers", {}).get(FIRST, {}).get("text")
        return None if stored == item["fields"]["text"] else f"stored {stored!r}"
    return None if core(after) == core(before) else "the state changed"


async def test_every_update_shape_is_answered_kindly_or_ignored(
    bot: RunningBot, library: Library, errors: pytest.LogCaptureFixture
) -> None:
    fake = bot.fake
    chats = {7200 + index: item for index, item in enumerate(UPDATES)}
    await walk_to_first_question(bot, list(chats))
    before = {chat: bot.state(chat) for chat in chats}
    counts = {chat: len(fake.sent_to(chat)) for chat in chats}
    everywhere = len(fake.sent)
    answered = {chat for chat, item in chats.items() if item["expect"] != "ignored"}
    updates = {chat: build_update(item, chat) for chat, item in chats.items()}
    await send_all(bot, updates, answered)
    problems = []
    for chat, item in chats.items():
        TRIED.append(f"update: {item['name']}")
        new = fake.sent_to(chat)[counts[chat] :]
        reply = str(new[0]["text"] or "") if new else None
        problem = check_update(library, item, reply, before[chat], bot.state(chat))
        if problem:
            problems.append(f"{item['name']}: {problem}")
    stray = [s["chat_id"] for s in fake.sent[everywhere:] if s["chat_id"] not in answered]
    assert problems == []
    assert stray == [], "the bot wrote to a chat it should have ignored"
    assert no_errors(errors) == []


# ---- regressions -----------------------------------------------------------------------


async def test_a_long_emoji_answer_can_be_shown_again(
    bot: RunningBot, errors: pytest.LogCaptureFixture
) -> None:
    """2,048 emoji (the most one message holds) shown again with the question: ~2,300
    characters but ~4,300 UTF-16 units, which Telegram counts. Found by this suite when
    split_message counted characters; fixed in 7ee96fa (split by UTF-16 units)."""
    fake = bot.fake
    await walk_to_first_question(bot, [7300])
    fake.send_text(7300, "😀" * 2048)
    await until(fake, lambda: "Spørgsmål 2 af" in last_text(fake, 7300), what="question 2")
    count = len(fake.sent_to(7300))
    fake.press_button(7300, "Tilbage")
    await idle(fake, quiet=0.5)
    assert no_errors(errors) == []
    shown = fake.sent_to(7300)[count:]
    assert shown and "Spørgsmål 1 af" in str(shown[0]["text"])


async def test_a_long_question_of_ones_own_is_echoed(
    bot: RunningBot, library: Library, errors: pytest.LogCaptureFixture
) -> None:
    """A question of one's own of 4096 characters with a few '&' was echoed in <b>: ~5,100
    characters, so two parts. Found by the property tests when split_message cut it with
    the <b> open (Telegram: "can't parse entities", no answer); fixed in 78973d9. Since
    issue 16 such a question is refused (at most values.MAX_QUESTION characters), kindly."""
    from tests.transcript import Transcript

    walker = Transcript(library, chat_id=7400)  # the engine alone, to reach the node quickly
    walker.press_on("egne", flow="trin1")  # trin1's node for questions of one's own
    bot.store.put(chat_key(7400), walker.state.to_dict())
    fake = bot.fake
    fake.send_text(7400, "Hvad & hvordan? " * 256)  # 4096 characters
    await idle(fake, quiet=0.5)
    assert no_errors(errors) == []
    sent = fake.sent_to(7400)
    assert len(sent) == 1 and str(sent[0]["text"]).startswith(ui_prefix(library, "too_long"))
    assert bot.state(7400).get("widget", {}).get("question") is None
