"""Every sender of the engine's replies is an Outbox: the code that hands replies over takes
any, so the reminder sender delivers through whichever it is given, and the terminal's
prints what Telegram's would post."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.nudger import Nudger
from bot.outbox import Where
from bot.terminal import TerminalOutbox
from dialogues import Button, Library, Reply
from tests.test_nudges import close, open_stores, state_with_row
from tests.transcript import Clock


class Recorder:
    """An Outbox that keeps what it is handed."""

    def __init__(self) -> None:
        self.sent: list[tuple[Where, list[Reply]]] = []

    async def send(self, where: Where, replies: list[Reply]) -> None:
        self.sent.append((where, replies))


async def test_the_reminder_sender_delivers_through_the_outbox_it_is_given(
    library: Library, tmp_path: Path
) -> None:
    clock = Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    conversations = open_stores(tmp_path, library, clock)
    try:
        conversations.save(5, state_with_row())  # an action item due in the week of 30 Nov
        clock.now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # that week has begun
        recorder = Recorder()
        assert await Nudger(conversations, outbox=recorder).tick(bot=None) == 1
        [(where, replies)] = recorder.sent
        assert where == Where(5) and len(replies) == 1
        assert "Fællesmøde med de frivillige" in replies[0].text
        assert await Nudger(conversations, outbox=recorder).tick(bot=None) == 0  # sent once
    finally:
        close(conversations)


async def test_the_terminal_outbox_prints_the_replies_and_numbers_their_buttons() -> None:
    lines: list[str] = []
    outbox = TerminalOutbox(lines.append)
    first = Reply("<b>Velkommen</b>", ((Button("Videre", "1:0:menu/hoved:a"),),))
    link = Reply("Planen", ((Button("Åbn", url="https://example.org"), Button("Tilbage", "b")),))
    await outbox.send(Where(1), [first, link])
    assert lines == [
        "Velkommen",
        "[1] Videre",
        "",
        "Planen",
        "Åbn: https://example.org   [2] Tilbage",
        "",
    ]
    assert outbox.options == ["1:0:menu/hoved:a", "b"]
