"""/grupper under attack: a plan goes only to someone Telegram says is in the group, right now.

Each test runs the real bot (PTB's HTTP stack) against the fake Bot API and plays a person
who should not see a board's plan: one who left while restricted, one removed a moment ago
(whose status the admin cache still holds), and one pressing forged 'grp:' buttons.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.service import Conversations
from tests.fakebotapi import FakeBotAPI

pytestmark = pytest.mark.slow  # end to end through the fake Bot API

GROUP, OTHER_GROUP = -1001234, -1005678
EVA, OLE, PER = 5, 6, 7
PLAN = "Handleplan for inklusion"
REFUSED = "Den gruppe kan jeg ikke vise"
NOT_MEMBER = "Du er ikke længere med i den gruppe"


async def until(fake: FakeBotAPI, predicate) -> None:
    await asyncio.to_thread(fake.wait_for, predicate)


async def in_group(fake: FakeBotAPI, group: int, user: int, name: str, text: str) -> None:
    """A member writes a command in the group and the bot answers there."""
    count = len(fake.messages(group))
    fake.send_text(group, text, user_id=user, first_name=name, chat_type="supergroup", title="B")
    await until(fake, lambda: len(fake.messages(group)) > count)
    await asyncio.to_thread(fake.wait_idle)


async def private(fake: FakeBotAPI, user: int, text: str) -> str:
    """The user writes to the bot privately; return the bot's newest answer."""
    count = len(fake.messages(user))
    fake.send_text(user, text, user_id=user)
    await until(fake, lambda: len(fake.messages(user)) > count)
    await asyncio.to_thread(fake.wait_idle)
    return str(fake.last_message(user)["text"])


async def press_data(fake: FakeBotAPI, user: int, data: str) -> list[str]:
    """Press a button carrying `data` (forged) on the bot's newest private message."""
    count = len(fake.messages(user))
    fake.press(user, fake.last_message(user)["message_id"], data, user_id=user)
    await until(fake, lambda: len(fake.messages(user)) > count)
    await asyncio.to_thread(fake.wait_idle)
    return [m["text"] for m in fake.messages(user)[count:]]


@pytest.fixture
def quiet_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def assert_no_error_logged(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert not bad, [f"{r.levelname} {r.getMessage()}" for r in bad]


async def test_a_member_who_left_while_restricted_sees_no_plan(
    fake: FakeBotAPI, running: Conversations, quiet_log: pytest.LogCaptureFixture
) -> None:
    await in_group(fake, GROUP, OLE, "Ole", "/start anbefaling1")
    assert (
        await private(fake, OLE, "/grupper")
        == "Dine gruppers handleplaner. Vælg en gruppe for at se planen."
    )
    fake.set_status(GROUP, OLE, "restricted", is_member=False)
    assert (await press_data(fake, OLE, f"grp:{GROUP}"))[0].startswith(NOT_MEMBER)
    assert (await private(fake, OLE, "/grupper")).startswith("Jeg kender ingen grupper")
    assert not any(PLAN in m["text"] for m in fake.messages(OLE))
    assert_no_error_logged(quiet_log)


async def test_a_restricted_member_still_in_the_group_sees_the_plan(
    fake: FakeBotAPI, running: Conversations
) -> None:
    await in_group(fake, GROUP, OLE, "Ole", "/start anbefaling1")
    fake.set_status(GROUP, OLE, "restricted", is_member=True)
    await private(fake, OLE, "/grupper")
    assert fake.buttons(OLE) == ["B"]
    assert PLAN in (await press_data(fake, OLE, f"grp:{GROUP}"))[0]


@pytest.mark.parametrize("status", ["kicked", "left"])
async def test_a_removed_member_loses_access_at_once_not_after_the_cache(
    fake: FakeBotAPI, running: Conversations, status: str
) -> None:
    await in_group(fake, GROUP, EVA, "Eva", "/start anbefaling1")
    await private(fake, EVA, "/grupper")
    assert PLAN in (await press_data(fake, EVA, f"grp:{GROUP}"))[0]
    await in_group(fake, GROUP, EVA, "Eva", "/menu")  # the admin check caches 'member'
    fake.set_status(GROUP, EVA, status)  # removed a second later
    await private(fake, EVA, "/grupper")
    assert (await press_data(fake, EVA, f"grp:{GROUP}"))[0].startswith(NOT_MEMBER)
    assert fake.last_message(EVA)["text"].startswith(NOT_MEMBER)


FORGED = [
    "",
    "abc",
    str(EVA),  # a private chat: her own
    str(PER),  # a private chat with a plan of its own
    "0",
    "-0",
    "--1001234",
    "+1001234",
    f"{GROUP} ",
    f" {GROUP}",
    f"{GROUP}\n",
    "-" + "9" * 40,
    "-١٢٣",  # Arabic-Indic digits, which int() would accept
    "-999",  # no such group
    str(OTHER_GROUP),  # a real group with data, which she never took part in
    "-1001234:-1005678",
]


async def test_forged_group_ids_are_refused_with_a_notice_and_no_error(
    fake: FakeBotAPI, running: Conversations, quiet_log: pytest.LogCaptureFixture
) -> None:
    await in_group(fake, GROUP, EVA, "Eva", "/start anbefaling1")
    await in_group(fake, OTHER_GROUP, OLE, "Ole", "/start anbefaling1")
    await private(fake, PER, "/start anbefaling1")
    await private(fake, EVA, "/grupper")
    for raw in FORGED:
        replies = await press_data(fake, EVA, f"grp:{raw}")
        assert replies == [f"{REFUSED}. Skriv /grupper for at se dine grupper."], raw
    assert not any(PLAN in m["text"] for m in fake.messages(EVA))
    assert_no_error_logged(quiet_log)
    looked_up = [p for m, p in fake.calls if m == "getChatMember"]
    assert all(int(p["chat_id"]) == GROUP for p in looked_up if int(p["user_id"]) == EVA)


async def test_a_deleted_group_is_no_longer_offered_or_shown(
    fake: FakeBotAPI, running: Conversations
) -> None:
    fake.set_admins(GROUP, [OLE])
    await in_group(fake, GROUP, OLE, "Ole", "/start anbefaling1")
    await in_group(fake, GROUP, EVA, "Eva", "/menu")
    await private(fake, EVA, "/grupper")
    assert fake.buttons(EVA) == ["B"]
    await in_group(fake, GROUP, OLE, "Ole", "/slet")
    count = len(fake.messages(GROUP))
    fake.press_button(GROUP, "Ja, slet alt", user_id=OLE)
    await until(fake, lambda: len(fake.messages(GROUP)) > count)
    await asyncio.to_thread(fake.wait_idle)
    assert (await press_data(fake, EVA, f"grp:{GROUP}"))[0].startswith(REFUSED)
    assert (await private(fake, EVA, "/grupper")).startswith("Jeg kender ingen grupper")
