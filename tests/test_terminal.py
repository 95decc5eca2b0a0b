"""The terminal chat as a person uses it: every button of a turn has its own number."""

from __future__ import annotations

import re

from bot.terminal import chat
from dialogues import Library
from storage import MemoryStore
from tests.transcript import Transcript


def test_the_numbers_of_a_turn_never_repeat_and_press_what_they_show(library: Library) -> None:
    conversations = Transcript(library, MemoryStore()).conversations
    out: list[str] = []
    chat(conversations, [], write=out.append)
    numbers = [int(n) for line in out for n in re.findall(r"\[(\d+)\]", line)]
    assert numbers == list(range(1, len(numbers) + 1))  # the welcome's and the menu's run on
    menu = next(line for line in out if "📘" in line)
    number = re.search(r"\[(\d+)\] 📘", menu)
    assert number is not None
    out.clear()
    chat(conversations, [number.group(1)], write=out.append)
    assert any("anbefaling" in line.lower() for line in out)


def test_answers_typed_at_the_terminal_are_signed_by_no_one(library: Library) -> None:
    conversations = Transcript(library, MemoryStore()).conversations
    lines = ["/start anbefaling1", *["1"] * 5, "Tillid og tid"]  # [1] is Videre on each page
    chat(conversations, lines, write=lambda _: None)
    answers = list(conversations.load(1).answers.values())
    assert [a["text"] for a in answers] == ["Tillid og tid"]
    assert answers[0]["by"]["name"] == ""
