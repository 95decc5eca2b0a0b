"""Telegram as it is: the bot through PTB's real HTTP stack against the stricter fake.

Each test follows a documented Telegram behaviour the bot must survive: update ids that jump
after a quiet week, chats that must not wait for each other, board replies that arrive late,
a supergroup migration announced in either order, commands addressed to other bots,
selective forced replies, forum topics, a missing setMyCommands and chats that are gone.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.service import Conversations
from tests.fakebotapi import FakeBotAPI

pytestmark = pytest.mark.slow  # end to end, some waiting out Telegram's windows

GROUP = -1001234
PRIVATE = 42


async def until(fake: FakeBotAPI, predicate: Any, what: str = "") -> None:
    """Wait, off the event loop, until the predicate holds (the fake's own timeout)."""
    await asyncio.to_thread(fake.wait_for, predicate, 15, what or None)


def texts(fake: FakeBotAPI, chat: int) -> list[str]:
    return [m.get("text") or "" for m in fake.messages(chat)]


def board_says(fake: FakeBotAPI, user: int, name: str, text: str, **extra: Any) -> None:
    fake.send_text(
        GROUP,
        text,
        user_id=user,
        first_name=name,
        chat_type="supergroup",
        title="Bestyrelsen",
        **extra,
    )


async def board_at_first_question(fake: FakeBotAPI) -> int:
    """Anna (an admin) opens recommendation 1 in the group; return the question's message id."""
    fake.set_admins(GROUP, [1])
    board_says(fake, 1, "Anna", "/start anbefaling1")
    await until(fake, lambda: len(fake.messages(GROUP)) >= 2, "the start")
    while "✍️ Svar" not in fake.buttons(GROUP):
        count = len(fake.sent)
        fake.press_button(GROUP, "Videre", user_id=1, first_name="Anna")
        await until(fake, lambda n=count: len(fake.sent) > n, "the next page")
    return int(fake.last_message(GROUP)["message_id"])


async def test_a_returning_user_is_answered_after_update_ids_jump_lower(
    fake: FakeBotAPI, live: Conversations
) -> None:
    fake.send_text(PRIVATE, "/start")
    await until(fake, lambda: len(fake.messages(PRIVATE)) >= 2, "the welcome")
    fake.send_text(PRIVATE, "/menu")
    await until(fake, lambda: len(fake.messages(PRIVATE)) >= 3, "the menu")
    earlier = [entry[0] for entry in live.load(PRIVATE).seen_updates]
    jumped = fake.quiet_week()  # a week without updates: the next id is random and lower
    live.clock = lambda: datetime.now(UTC) + timedelta(days=8)  # the week passes for the bot
    before = len(fake.messages(PRIVATE))
    fake.send_text(PRIVATE, "/hjaelp")
    await until(fake, lambda: len(fake.messages(PRIVATE)) > before, "an answer after the jump")
    assert "Sådan bruger I guiden" in texts(fake, PRIVATE)[before]
    assert jumped < max(earlier)  # a lower id than the chat saw before, and yet answered
    assert [entry[0] for entry in live.load(PRIVATE).seen_updates] == [jumped]


async def test_a_redelivered_update_is_still_handled_once(
    fake: FakeBotAPI, live: Conversations
) -> None:
    fake.send_text(PRIVATE, "/start")
    await until(fake, lambda: len(fake.messages(PRIVATE)) >= 2, "the welcome")
    update = fake.send_text(PRIVATE, "/hjaelp")
    await until(fake, lambda: len(fake.messages(PRIVATE)) >= 4, "the help and the menu again")
    await asyncio.to_thread(fake.wait_idle, 0.3, 10)
    count = len(fake.messages(PRIVATE))
    fake.send_update(
        {k: v for k, v in update.items() if k != "update_id"} | {"update_id": update["update_id"]}
    )
    fake.send_text(PRIVATE, "/menu")  # something new after it, to know the redelivery was read
    await until(fake, lambda: len(fake.messages(PRIVATE)) > count, "the menu")
    await asyncio.to_thread(fake.wait_idle, 0.3, 10)
    assert len(fake.messages(PRIVATE)) == count + 1  # the menu only: the repeat was dropped


async def test_a_flooded_group_does_not_hold_up_a_private_chat(
    fake: FakeBotAPI, live: Conversations
) -> None:
    await board_at_first_question(fake)
    fake.flood_chat(GROUP, retry_after=20)  # Telegram tells the group to wait 20 s
    board_says(fake, 1, "Anna", "/hjaelp")
    await until(fake, lambda: fake.count_429 >= 1, "the group's 429")
    fake.send_text(PRIVATE, "/start")
    await until(fake, lambda: len(fake.messages(PRIVATE)) >= 2, "the private welcome")
    # The private user was answered while the group still waits out its 20 seconds.
    assert "Sådan bruger I guiden" not in texts(fake, GROUP)[-1]


async def test_a_late_board_answer_lands_under_the_question_its_prompt_asked(
    fake: FakeBotAPI, live: Conversations
) -> None:
    question_1 = await board_at_first_question(fake)
    fake.press_button(GROUP, "Svar", user_id=2, first_name="Bo")
    await until(fake, lambda: "force_reply" in str(fake.sent[-1].get("reply_markup")), "prompt")
    prompt = fake.sent[-1]
    assert fake.reply_box_shown(GROUP, prompt["message_id"], 2)  # the box opens for Bo
    assert not fake.reply_box_shown(GROUP, prompt["message_id"], 1)  # and only for him
    count = len(fake.sent)
    fake.press_button(GROUP, "Videre", user_id=1, first_name="Anna")  # the board moves on
    await until(fake, lambda: len(fake.sent) > count, "question 2")
    question_2 = int(fake.last_message(GROUP)["message_id"])
    board_says(fake, 2, "Bo", "Tillid og tid", reply_to=prompt["message_id"])
    await until(
        fake,
        lambda: any(
            s["method"] == "editMessageText" and s.get("message_id") == question_1
            for s in fake.sent
        ),
        "question 1's message edited",
    )
    state = live.load(GROUP)
    assert state.answers["anbefaling1/q_vaerdi#2"]["text"] == "Tillid og tid"
    assert not any(k.startswith("anbefaling1/q_opgaver") for k in state.answers)
    edits = [s for s in fake.sent if s["method"] == "editMessageText"]
    assert all(s.get("message_id") != question_2 for s in edits)  # question 2 untouched


@pytest.mark.parametrize("order", ["to_first", "from_first"])
async def test_migration_in_either_order_keeps_the_boards_data_once(
    fake: FakeBotAPI, live: Conversations, order: str
) -> None:
    old = -4001
    fake.set_admins(old, [1])
    fake.send_text(
        old, "/start anbefaling1", user_id=1, first_name="Anna", chat_type="group", title="B"
    )
    await until(fake, lambda: len(fake.messages(old)) >= 2, "the start in the old group")
    new = fake.migrate_to_supergroup(old, order=order, user_id=1)
    await until(fake, lambda: live.store.get(f"chat:{new}") is not None, "the data moved")
    await asyncio.to_thread(fake.wait_idle, 0.3, 10)
    assert live.store.get(f"chat:{old}") is None
    assert live.load(new).flow == "anbefaling1"
    # A late update for the old id lands under the new one; the old id is not recreated.
    fake.send_update(
        {
            "message": {
                "message_id": 9999,
                "date": 0,
                "chat": {"id": old, "type": "group", "title": "B"},
                "from": {"id": 1, "is_bot": False, "first_name": "Anna"},
                "text": "/menu",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            }
        }
    )
    await asyncio.to_thread(fake.wait_idle, 0.5, 10)
    assert live.store.get(f"chat:{old}") is None
    assert live.load(new).answers == live.load(new).answers  # still readable


async def test_commands_for_another_bot_are_not_obeyed(
    fake: FakeBotAPI, live: Conversations
) -> None:
    fake.set_admins(GROUP, [1])
    fake.set_bot_admin(GROUP)  # as an admin the bot receives every message, these too
    board_says(fake, 1, "Anna", "/start@AnotherBot")
    board_says(fake, 1, "Anna", "/slet@AnotherBot")
    await asyncio.to_thread(fake.wait_idle, 0.5, 10)
    assert fake.messages(GROUP) == []
    board_says(fake, 1, "Anna", f"/start@{fake.bot_username}")
    await until(fake, lambda: fake.messages(GROUP), "an answer to our own command")


async def test_a_forced_reply_opens_for_a_member_without_a_username(
    fake: FakeBotAPI, live: Conversations
) -> None:
    await board_at_first_question(fake)
    fake.add_user(3, "Cai", username="cai_b")
    fake.press_button(GROUP, "Svar", user_id=3, first_name="Cai")
    await until(fake, lambda: "force_reply" in str(fake.sent[-1].get("reply_markup")), "prompt")
    assert "@cai_b" in fake.sent[-1]["text"]
    assert fake.reply_box_shown(GROUP, fake.sent[-1]["message_id"], 3)


async def test_replies_in_a_forum_topic_stay_in_that_topic(
    fake: FakeBotAPI, live: Conversations
) -> None:
    fake.set_admins(GROUP, [1])
    board_says(fake, 1, "Anna", "/start anbefaling1", thread_id=77, forum=True)
    await until(fake, lambda: len(fake.messages(GROUP)) >= 2, "the answers")
    assert fake.messages(GROUP, thread_id=77) == fake.messages(GROUP)
    assert live.load(GROUP).settings["thread_id"] == 77  # reminders go there too


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_the_bot_runs_when_set_my_commands_is_missing(
    fake: FakeBotAPI, library, tmp_path, caplog: pytest.LogCaptureFixture, webhook: bool
) -> None:
    from tests.conftest import bot_against

    fake.remove_method("setMyCommands")
    with caplog.at_level(logging.WARNING, logger="inklusionsguiden.telegram"):
        async with bot_against(fake, library, tmp_path, webhook=webhook):
            fake.send_text(PRIVATE, "/start")
            await until(fake, lambda: len(fake.messages(PRIVATE)) >= 2, "the welcome")
    warnings = [r for r in caplog.records if "command menu not set" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING


async def test_an_anonymous_admin_is_an_admin_and_a_channel_is_a_voice_of_its_own(
    fake: FakeBotAPI, live: Conversations
) -> None:
    question = await board_at_first_question(fake)
    # A member posting as their channel answers: a voice keyed by the channel, no admin.
    fake.press_button(GROUP, "Svar", user_id=2, first_name="Bo")
    await until(fake, lambda: "force_reply" in str(fake.sent[-1].get("reply_markup")), "prompt")
    board_says(
        fake,
        2,
        "Bo",
        "Fra kanalen",
        reply_to=question,
        sender_channel_id=-100777,
        sender_channel_title="Foreningens kanal",
    )
    await until(
        fake,
        lambda: (
            "Fra kanalen" in texts(fake, GROUP)[-1]
            or any(
                "Fra kanalen" in (s.get("text") or "")
                for s in fake.sent
                if s["method"] == "editMessageText"
            )
        ),
        "the channel's answer gathered",
    )
    answers = live.load(GROUP).answers
    voice = next(a for a in answers.values() if a["text"] == "Fra kanalen")
    assert voice["by"]["id"] == -100777 and voice["by"]["name"] == "Foreningens kanal"
    board_says(fake, 2, "Bo", "/slet", sender_channel_id=-100777, sender_channel_title="Kanal")
    await until(fake, lambda: "administratorer" in texts(fake, GROUP)[-1], "refused")
    # An admin posting anonymously (as the group) may delete; no getChatMember can tell.
    board_says(fake, 0, "", "/slet", anonymous_admin=True)
    await until(fake, lambda: "slette alt" in texts(fake, GROUP)[-1], "the admin's question")


async def test_a_network_error_while_polling_is_one_warning_line(
    fake: FakeBotAPI, running: Conversations, caplog: pytest.LogCaptureFixture
) -> None:
    fake.send_text(PRIVATE, "/start")
    await until(fake, lambda: len(fake.messages(PRIVATE)) >= 2, "the welcome")
    with caplog.at_level(logging.INFO, logger="inklusionsguiden.telegram"):
        fake.fail_next("getUpdates", 502, "Bad Gateway")
        fake.send_text(PRIVATE, "/menu")
        await until(fake, lambda: len(fake.messages(PRIVATE)) >= 3, "the menu after the outage")
    ours = [r for r in caplog.records if r.name == "inklusionsguiden.telegram"]
    polling = [r for r in ours if "polling" in r.getMessage()]
    assert [r.levelno for r in polling] == [logging.WARNING]
    assert not [r for r in ours if r.levelno >= logging.ERROR]
