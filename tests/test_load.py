"""Load: many users at once through the fake Bot API and the real, in-process bot.

Every simulated user runs 20 turns: opens recommendation 1 by deep link, presses on to its
first question, types its six answers in one burst (as a fast typist, or a getUpdates batch,
delivers them), opens recommendation 3, presses on and types two more answers. Every answer
carries the user's own chat id. Afterwards:

* every stored answer is in the chat that typed it, under the question it was typed at, in
  the order typed (answer k of a burst under question k);
* every message the bot sent went to a chat that is one of the users, each chat got exactly
  one acknowledgement per answer, and the questions were shown in order;
* nothing was logged at ERROR (in particular no "database is locked").

The bot paces its sending with PTB's AIORateLimiter (30 messages a second overall, as
Telegram asks), so 200 users x 20 turns (about 4,400 messages) cannot take less than about
two and a half minutes. The default run is 10 users; LOAD_USERS=200 runs the full size.
LOAD_STATS names a JSON file for the figures (scripts/reliability_report.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dialogues import Library
from tests.fakebotapi import FakeBotAPI
from tests.test_faults import RunningBot, eventually, running_bot

pytestmark = pytest.mark.slow  # many users at once through the real HTTP stack

USERS = int(os.environ.get("LOAD_USERS", "10"))
FIRST_CHAT = 910_000
FLOWS = (("anbefaling1", 6), ("anbefaling3", 2))  # (flow, answers typed there)
PROGRESS = re.compile(r"Spørgsmål (\d+) af (\d+)")
SAVED = "✔️ Gemt."


@dataclass(frozen=True)
class Action:
    """One thing a user does: a text, a press of 'Videre', or a burst of answers."""

    kind: str  # "text", "press" or "burst"
    texts: tuple[str, ...] = ()
    replies: int = 1  # the bot messages it must bring before the user goes on

    @property
    def turns(self) -> int:
        return max(1, len(self.texts)) if self.kind == "burst" else 1


def script(chat: int) -> list[Action]:
    """Return one user's 20 turns."""
    actions: list[Action] = []
    for index, (flow, answers) in enumerate(FLOWS):
        actions.append(Action("text", (f"/start {flow}",), replies=2 if index == 0 else 1))
        actions += [Action("press")] * 5
        texts = tuple(f"svar {n} fra chat {chat} i {flow}" for n in range(1, answers + 1))
        actions.append(Action("burst", texts, replies=answers))
    assert sum(a.turns for a in actions) == 20
    return actions


async def play(fake: FakeBotAPI, chat: int, latencies: list[float]) -> None:
    """Run one user's script, waiting for the bot's answer after each action."""
    for action in script(chat):
        before = len(fake.messages(chat))
        started = time.monotonic()
        if action.kind == "press":
            fake.press_button(chat, "Videre")
        else:
            for text in action.texts:
                fake.send_text(chat, text)
        await eventually(
            lambda n=before + action.replies: len(fake.messages(chat)) >= n,
            timeout=300,
            what=f"the answer to chat {chat}",
        )
        latencies.append(time.monotonic() - started)


def check_chat(bot: RunningBot, chat: int, library: Library) -> list[str]:
    """Return what is wrong with one chat after the run."""
    problems = []
    answers = bot.state(chat).get("answers", {})
    for flow, count in FLOWS:
        questions = library.get("da").flows[flow].questions
        for n in range(1, count + 1):
            expected = f"svar {n} fra chat {chat} i {flow}"
            found = answers.get(f"{flow}/{questions[n - 1]}", {}).get("text")
            if found != expected:
                problems.append(f"chat {chat}: {flow} question {n} holds {found!r}")
    strangers = [v["text"] for v in answers.values() if f"chat {chat} " not in v["text"]]
    if strangers:
        problems.append(f"chat {chat}: answers of other chats {strangers}")
    texts = [str(m["text"] or "") for m in bot.fake.messages(chat)]
    acks = sum(1 for text in texts if text.startswith(SAVED))
    if acks != sum(count for _, count in FLOWS):
        problems.append(f"chat {chat}: {acks} acknowledgements")
    shown = [int(m.group(1)) for t in texts if (m := PROGRESS.search(t))]
    if shown != [1, 2, 3, 4, 5, 6, 1, 2, 3]:
        problems.append(f"chat {chat}: questions shown in the order {shown}")
    return problems


@pytest.fixture
async def bot(fake: FakeBotAPI, library: Library, tmp_path: Path) -> AsyncIterator[RunningBot]:
    async with running_bot(fake, library, tmp_path) as running:
        yield running


async def test_many_users_at_once_each_get_their_own_answers_in_order(
    bot: RunningBot, library: Library, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    chats = [FIRST_CHAT + n for n in range(USERS)]
    latencies: list[float] = []
    started = time.monotonic()
    await asyncio.gather(*(play(bot.fake, chat, latencies) for chat in chats))
    elapsed = time.monotonic() - started
    problems = [p for chat in chats for p in check_chat(bot, chat, library)]
    elsewhere = {s["chat_id"] for s in bot.fake.sent} - set(chats)
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    locked = [r.getMessage() for r in caplog.records if "locked" in r.getMessage().lower()]
    figures = {
        "users": USERS,
        "turns": USERS * 20,
        "messages": len(bot.fake.sent),
        "seconds": round(elapsed, 1),
        "turns_per_second": round(USERS * 20 / elapsed, 1),
        "median_wait": round(sorted(latencies)[len(latencies) // 2], 3),
        "slowest_wait": round(max(latencies), 3),
        "problems": len(problems),
    }
    if os.environ.get("LOAD_STATS"):
        Path(os.environ["LOAD_STATS"]).write_text(json.dumps(figures, indent=1))
    print(f"\nload: {figures}")
    assert problems == []
    assert elsewhere == set()
    assert locked == []
    assert logged == []
