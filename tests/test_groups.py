"""Board mode: the bot in a group, with named answers, forced replies and admin-only actions."""

from __future__ import annotations

import asyncio

import pytest

from bot.service import Conversations
from dialogues import Library
from tests.fakebotapi import FakeBotAPI
from tests.transcript import Transcript

GROUP = -1001234


@pytest.fixture
def board(library: Library) -> Transcript:
    """Anna, an admin of the board's group, at the first question of recommendation 1."""
    anna = Transcript(library, chat_id=GROUP, user_id=1, name="Anna", chat_type="supergroup")
    anna.press_on("q_vaerdi", flow="anbefaling1")
    return anna


def test_group_greeting_explains_privacy_mode(library: Library) -> None:
    anna = Transcript(library, chat_id=GROUP, chat_type="group")
    replies = anna.send("/start")
    assert "kun kommandoer og svar på mine egne beskeder" in replies[0].text


def test_table_talk_is_ignored_and_changes_nothing(board: Transcript) -> None:
    before = board.state.to_dict()
    assert board.send("Skal vi bestille kage til næste møde?") == []
    after = board.state.to_dict()
    before.pop("updated_at"), after.pop("updated_at")
    assert after == before


def test_several_members_answer_the_same_question_until_someone_goes_on(board: Transcript) -> None:
    assert board.labels()[:2] == ["✍️ Svar", "Videre ➡️"]
    question = board.keyboard
    board.press("Svar")
    prompt = board.last
    assert prompt.force_reply and 'tg://user?id=1">Anna</a>' in prompt.text
    board.reply("Tillid <3")
    # The question's own message gathers the answer (edited, not posted anew).
    assert board.last.edit_message_id == board.message_id(question)
    assert "💬 <b>Anna</b>: Tillid &lt;3" in board.last.text
    bo = board.as_member(2, "Bo")
    bo.reply("Erfaring med systemet")
    assert (
        "💬 <b>Anna</b>" in bo.last.text and "💬 <b>Bo</b>: Erfaring med systemet" in bo.last.text
    )
    assert board.state.node == "q_vaerdi"  # still gathering
    bo.press("Videre", reply=bo.last)
    assert board.state.node == "q_opgaver"
    answers = board.state.answers
    assert answers["anbefaling1/q_vaerdi#1"]["by"] == {"id": 1, "name": "Anna"}
    assert answers["anbefaling1/q_vaerdi#2"]["text"] == "Erfaring med systemet"


def test_a_late_answer_lands_under_the_question_its_prompt_asked(board: Transcript) -> None:
    question = board.keyboard
    board.press("Svar")
    prompt = board.last  # Anna is typing her answer to question 1 ...
    bo = board.as_member(2, "Bo")
    bo.press("Videre", reply=question)  # ... while Bo moves the board on to question 2
    assert board.state.node == "q_opgaver"
    board.reply("Tillid og tid", to=prompt)
    answers = board.state.answers
    assert answers["anbefaling1/q_vaerdi#1"]["text"] == "Tillid og tid"
    assert not any(key.startswith("anbefaling1/q_opgaver") for key in answers)
    # Question 1's own message gathers it, without buttons (the board is past it).
    assert board.last.edit_message_id == board.message_id(question)
    assert "💬 <b>Anna</b>: Tillid og tid" in board.last.text and not board.last.buttons


def test_a_reply_to_a_question_that_no_longer_exists_is_kept_nowhere(board: Transcript) -> None:
    board.conversations.remember_posts(board.chat_id, [(999, "p:anbefaling1/gone")])
    before = board.state.answers
    board.reply("Et svar", to=None)
    board.reply_to = 999
    board.replying = True
    replies = board.send("Et svar til et slettet spørgsmål")
    board.replying = False
    assert "findes længere" in replies[-1].text
    assert not any("gone" in key for key in board.state.answers)
    assert len(board.state.answers) == len(before) + 1  # only the first, ordinary reply


def test_summary_lists_every_members_answer_with_names(board: Transcript) -> None:
    board.reply("Annas svar")
    board.as_member(2, "Bo").reply("Bos svar")
    board.send("/svar")
    board.press("Anbefaling 1")
    text = board.last.text
    assert "Annas svar\n<i>– Anna</i>" in text and "Bos svar\n<i>– Bo</i>" in text


def test_destructive_actions_are_for_admins_only(board: Transcript) -> None:
    bo = board.as_member(2, "Bo", admin=False)
    bo.send("/slet")
    assert bo.last.text == "Det kan kun gruppens administratorer gøre. Intet er ændret."
    bo.send("/start")
    bo.press("Start forfra")
    assert bo.last.text == "Det kan kun gruppens administratorer gøre. Intet er ændret."
    assert board.state.node == "q_vaerdi"
    bo.send("/sprog")
    bo.press("English")
    assert board.state.lang == "da"
    board.send("/slet")
    assert "Vil I slette alt" in board.last.text


def test_a_member_deletes_only_their_own_answer(board: Transcript) -> None:
    board.reply("Annas svar")
    bo = board.as_member(2, "Bo", admin=False)
    bo.send("/svar")
    bo.press("Anbefaling 1")
    bo.press("🗑 1")
    bo.press("Ja, slet")
    assert bo.last.text.startswith("Du har ikke selv svaret")
    assert "anbefaling1/q_vaerdi#1" in board.state.answers


# --- through the fake Bot API ------------------------------------------------------------


def group_text(
    fake: FakeBotAPI, user: int, name: str, text: str, reply_to: int | None = None
) -> None:
    fake.send_text(
        GROUP,
        text,
        user_id=user,
        first_name=name,
        chat_type="supergroup",
        title="Bestyrelsen",
        reply_to_message_id=reply_to,
    )


async def until(fake: FakeBotAPI, predicate) -> None:
    await asyncio.to_thread(fake.wait_for, predicate)


async def test_added_to_a_group_the_bot_explains_itself(
    fake: FakeBotAPI, running: Conversations
) -> None:
    me = {"id": fake.bot_id, "is_bot": True, "first_name": "Bot", "username": fake.bot_username}
    fake.send_update(
        {
            "my_chat_member": {
                "chat": {"id": GROUP, "type": "supergroup", "title": "Bestyrelsen"},
                "from": {"id": 1, "is_bot": False, "first_name": "Anna"},
                "date": 0,
                "old_chat_member": {"status": "left", "user": me},
                "new_chat_member": {"status": "member", "user": me},
            }
        }
    )
    await until(fake, lambda: len(fake.messages(GROUP)) >= 2)
    assert "Sådan svarer I i en gruppe" in fake.messages(GROUP)[0]["text"]


async def test_answers_reach_the_bot_through_forced_replies(
    fake: FakeBotAPI, running: Conversations
) -> None:
    fake.set_admins(GROUP, [1])
    group_text(fake, 1, "Anna", "/start@inklusion_test_bot anbefaling1")
    await until(fake, lambda: len(fake.messages(GROUP)) >= 2)
    while "✍️ Svar" not in fake.buttons(GROUP):
        count = len(fake.sent)
        fake.press_button(GROUP, "Videre", user_id=1, first_name="Anna")
        await until(fake, lambda n=count: len(fake.sent) > n)
    question_id = fake.last_message(GROUP)["message_id"]
    fake.press_button(GROUP, "Svar", user_id=2, first_name="Bo")
    await until(
        fake,
        lambda: fake.sent[-1]["reply_markup"] and "force_reply" in fake.sent[-1]["reply_markup"],
    )
    prompt = fake.sent[-1]
    assert prompt["reply_markup"]["selective"] is True and "tg://user?id=2" in prompt["text"]
    group_text(fake, 1, "Anna", "Snak ved bordet")  # not a reply: ignored
    group_text(fake, 2, "Bo", "Vores svar", reply_to=prompt["message_id"])
    await until(fake, lambda: any(s["method"] == "editMessageText" for s in fake.sent))
    edited = [s for s in fake.sent if s["method"] == "editMessageText"][-1]
    assert edited["message_id"] == question_id and "💬 <b>Bo</b>: Vores svar" in edited["text"]
    state = await asyncio.to_thread(running.load, GROUP)
    assert state.answers["anbefaling1/q_vaerdi#2"]["text"] == "Vores svar"
    assert not any("Snak" in a["text"] for a in state.answers.values())
    assert state.settings["title"] == "Bestyrelsen"


async def test_admin_check_asks_telegram(fake: FakeBotAPI, running: Conversations) -> None:
    fake.set_admins(GROUP, [1])
    group_text(fake, 2, "Bo", "/slet")
    await until(
        fake, lambda: fake.messages(GROUP) and "administratorer" in fake.last_message(GROUP)["text"]
    )
    group_text(fake, 1, "Anna", "/slet")
    await until(fake, lambda: "Vil I slette alt" in fake.last_message(GROUP)["text"])
    assert any(m == "getChatMember" for m, _ in fake.calls)


@pytest.mark.slow
async def test_a_group_that_becomes_a_supergroup_keeps_its_data(
    fake: FakeBotAPI, running: Conversations
) -> None:
    old, new = -4001, -1004001
    fake.send_text(
        old, "/start anbefaling1", user_id=1, first_name="Anna", chat_type="group", title="B"
    )
    await until(fake, lambda: len(fake.messages(old)) >= 2)
    fake.send_update(
        {
            "message": {
                "chat": {"id": old, "type": "group", "title": "B"},
                "from": {"id": 1, "is_bot": False, "first_name": "Anna"},
                "migrate_to_chat_id": new,
            }
        }
    )
    await until(fake, lambda: running.store.get(f"chat:{old}") is None)
    assert running.store.get(f"chat:{new}") is not None
    assert (await asyncio.to_thread(running.load, new)).flow == "anbefaling1"


async def test_members_see_their_groups_plans_privately_only_while_members(
    fake: FakeBotAPI, running: Conversations
) -> None:
    group_text(fake, 5, "Eva", "/start anbefaling1")
    await until(fake, lambda: len(fake.messages(GROUP)) >= 2)
    fake.send_text(5, "/grupper", user_id=5, first_name="Eva")
    await until(fake, lambda: fake.messages(5))
    assert fake.buttons(5) == ["Bestyrelsen"]
    fake.press_button(5, "Bestyrelsen", user_id=5)
    await until(fake, lambda: len(fake.messages(5)) >= 2)
    assert "Handleplan for inklusion" in fake.last_message(5)["text"]
    fake.set_left(GROUP, [6])
    group_text(fake, 6, "Ole", "/menu")
    await until(fake, lambda: len(fake.messages(GROUP)) >= 3)
    fake.send_text(6, "/grupper", user_id=6, first_name="Ole")
    await until(fake, lambda: fake.messages(6))
    assert fake.last_message(6)["text"].startswith("Jeg kender ingen grupper")
