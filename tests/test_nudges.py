"""Follow-up nudges: which are due, quiet hours, buttons, once-only delivery, 403 and 429."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from telegram.ext import AIORateLimiter, ExtBot

from bot.chats import chat_key, to_row
from bot.nudger import Nudger
from bot.service import Conversations
from dialogues import ChatState, Library, dates
from dialogues.documents.build import build_document
from dialogues.documents.formats import render
from dialogues.documents.formats.timeline import meetings_of
from dialogues.records import rhythm
from dialogues.reminders.planner import in_quiet_hours, on_day, out_of_quiet_hours, wanted
from storage import SqliteStore
from storage.memory import MemoryNudgeStore
from storage.nudges import NudgeRow, SqliteNudgeStore
from tests.fakebotapi import FakeBotAPI
from tests.transcript import Clock, Transcript

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def state_with_row(due: str = "2026-12-04", label: str = "uge 49 (2026)") -> ChatState:
    return ChatState(
        lang="da",
        flow="menu",
        node="hoved",
        started=True,
        plan=[
            {
                "id": "r1",
                "fokus": "kultur",
                "maal": "Fællesmøde med de frivillige",
                "delmaal": [],
                "handlinger": [],
                "tid": {"label": label, "date": due},
                "roller": "Johanne",
                "progress": "",
            }
        ],
    )


def test_an_action_items_week_gets_one_reminder_on_its_monday(library: Library) -> None:
    found = wanted(
        library.get("da"), state_with_row(), 5, NOW, tz=dates.LOCAL
    )  # due Friday 4 December
    assert [(n.kind, n.ref, n.due) for n in found] == [
        ("week", "w:2026-11-30", datetime(2026, 11, 30, 8, 0, tzinfo=UTC)),  # 09:00 CET
    ]
    assert [n.id for n in found] == [
        n.id for n in wanted(library.get("da"), state_with_row(), 5, NOW, tz=dates.LOCAL)
    ]


def test_nudges_in_the_past_are_not_planned(library: Library) -> None:
    # NOW is Monday 23 November after nine: a deadline today gets nothing more, next
    # week's message is on its Monday.
    assert wanted(library.get("da"), state_with_row("2026-11-23"), 5, NOW, tz=dates.LOCAL) == []
    found = wanted(library.get("da"), state_with_row("2026-11-30"), 5, NOW, tz=dates.LOCAL)
    assert [n.ref for n in found] == ["w:2026-11-30"]


def test_a_deadline_set_after_its_weeks_monday_is_reminded_on_its_day(library: Library) -> None:
    # NOW is Monday 23 November after nine: the week's Monday message time has passed, so a
    # deadline on Wednesday is reminded on Wednesday morning, and a Sunday one on Friday.
    found = wanted(library.get("da"), state_with_row("2026-11-25"), 5, NOW, tz=dates.LOCAL)
    assert [(n.kind, n.ref, n.due) for n in found] == [
        ("week", "w:2026-11-23", datetime(2026, 11, 25, 8, 0, tzinfo=UTC)),
    ]
    found = wanted(library.get("da"), state_with_row("2026-11-29"), 5, NOW, tz=dates.LOCAL)
    assert [n.due for n in found] == [datetime(2026, 11, 27, 8, 0, tzinfo=UTC)]


def test_a_weeks_message_sent_on_monday_is_not_sent_again_for_a_later_deadline(
    library: Library,
) -> None:
    content, store = library.get("da"), MemoryNudgeStore()
    monday_morning = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    before = wanted(content, state_with_row("2026-11-27"), 5, monday_morning, tz=dates.LOCAL)
    store.sync(5, [to_row(n) for n in before], monday_morning.isoformat())
    [row] = store.due(NOW.isoformat())
    assert store.claim(row.id) is True  # Monday's message went out
    # On Monday after nine a Wednesday deadline is added to the same week.
    state = state_with_row("2026-11-27")
    state.plan.append(
        {**state.plan[0], "id": "r2", "tid": {"date": "2026-11-25", "precision": "day"}}
    )
    after = wanted(content, state, 5, NOW, tz=dates.LOCAL)
    assert [n.id for n in after] == [row.id]  # the same week, the same id
    store.sync(5, [to_row(n) for n in after], NOW.isoformat())
    assert store.pending(5) == []  # nothing new to send: the week's message went


def test_a_done_item_and_a_switched_off_category_get_no_nudges(library: Library) -> None:
    state = state_with_row()
    state.plan[0]["progress"] = "done"
    assert wanted(library.get("da"), state, 5, NOW, tz=dates.LOCAL) == []
    state = state_with_row()
    state.settings["nudges_off"] = ["deadline"]
    assert wanted(library.get("da"), state, 5, NOW, tz=dates.LOCAL) == []
    state = state_with_row()
    state.settings["nudges_off_all"] = True
    assert wanted(library.get("da"), state, 5, NOW, tz=dates.LOCAL) == []


def test_follow_up_meetings_follow_the_cadence(library: Library) -> None:
    state = ChatState(
        lang="da",
        settings={
            "followup": {
                "cadence": "quarter",
                "next_meeting": {"label": "12. januar 2027", "date": "2027-01-12"},
                "at": NOW.isoformat(),
            }
        },
    )
    kinds = [(n.kind, n.ref) for n in wanted(library.get("da"), state, 5, NOW, tz=dates.LOCAL)]
    assert kinds[:4] == [
        ("meeting", "m:2027-01-12"),
        ("meeting", "m:2027-04-12"),
        ("meeting", "m:2027-07-12"),
        ("meeting", "m:2027-10-12"),
    ]
    assert ("repeat", "r:trin4") in kinds  # the whole tool again after a year


def test_an_unfinished_journey_gets_one_gentle_nudge_three_days_later(library: Library) -> None:
    state = ChatState(
        lang="da",
        flow="anbefaling1",
        node="q_vaerdi",
        started=True,
        updated_at=datetime(2026, 11, 23, 21, 30, tzinfo=UTC).isoformat(),
    )
    found = wanted(library.get("da"), state, 5, NOW, tz=dates.LOCAL)
    state.updated_at = datetime(2026, 11, 23, 22, 50, tzinfo=UTC).isoformat()  # same local day
    assert (
        wanted(library.get("da"), state, 5, NOW, tz=dates.LOCAL) == found
    )  # the same nudge: no rewrite
    assert [(n.kind, n.due) for n in found] == [
        ("unfinished", datetime(2026, 11, 26, 8, 0, tzinfo=UTC))  # left on the 23rd: 26th, 09:00
    ]


@pytest.mark.parametrize(
    ("utc", "quiet"),
    [((20, 0), True), ((19, 59), False), ((6, 59), True), ((7, 0), False), ((23, 0), True)],
)
def test_quiet_hours_across_midnight_in_winter(utc: tuple[int, int], quiet: bool) -> None:
    moment = datetime(2026, 12, 1, *utc, tzinfo=UTC)  # CET = UTC+1
    assert in_quiet_hours(moment, tz=dates.LOCAL) is quiet


def test_quiet_hours_and_nine_oclock_across_daylight_saving_changes() -> None:
    assert on_day(date(2027, 3, 27), tz=dates.LOCAL) == datetime(
        2027, 3, 27, 8, 0, tzinfo=UTC
    )  # CET
    assert on_day(date(2027, 3, 28), tz=dates.LOCAL) == datetime(
        2027, 3, 28, 7, 0, tzinfo=UTC
    )  # CEST from 02:00
    assert on_day(date(2026, 10, 25), tz=dates.LOCAL) == datetime(
        2026, 10, 25, 8, 0, tzinfo=UTC
    )  # back to CET
    late = datetime(2027, 3, 27, 22, 0, tzinfo=UTC)  # 23:00 CET, the night the clocks go forward
    assert out_of_quiet_hours(late, tz=dates.LOCAL) == datetime(
        2027, 3, 28, 6, 0, tzinfo=UTC
    )  # 08:00 CEST


# --- the buttons of a nudge -------------------------------------------------------------


def nudge_press(user: Transcript, option: str, ref: str = "p:r1") -> None:
    user.press_data(f"2:{option}:{ref}")


@pytest.fixture
def planner(library: Library, clock: Clock) -> Transcript:
    user = Transcript(library, clock=clock)
    user.send("/start")
    user.conversations.store.put(
        "chat:100", {**user.state.to_dict(), "plan": state_with_row().plan}
    )
    return user


def test_done_lands_in_the_plan(planner: Transcript) -> None:
    nudge_press(planner, "d")
    assert (
        planner.last.text
        == "Noteret: «Fællesmøde med de frivillige» er nu «Gjort». Det står også i planen."
    )
    assert planner.state.plan[0]["progress"] == "done"
    planner.send("/plan")
    assert "<b>Status:</b> Gjort" in planner.last.text


def test_stuck_offers_step_4_advice(planner: Transcript) -> None:
    nudge_press(planner, "x")
    assert planner.state.plan[0]["progress"] == "stuck"
    assert "fælles refleksion" in planner.last.text


def test_postpone_moves_the_deadline_a_week(planner: Transcript) -> None:
    nudge_press(planner, "u")
    assert planner.state.plan[0]["tid"] == {"date": "2026-12-11", "precision": "week"}
    assert planner.last.text == "⏭ «Fællesmøde med de frivillige» er flyttet til uge 50 (2026)."


def test_press_for_a_deleted_item_changes_nothing(planner: Transcript) -> None:
    nudge_press(planner, "d", "p:r99")
    assert planner.last.text.startswith("Det punkt findes ikke længere")
    assert planner.state.plan[0]["progress"] == ""


def test_switch_off_from_a_nudge_and_back_on_in_the_reminders_screen(planner: Transcript) -> None:
    nudge_press(planner, "o", "deadline")
    assert planner.state.settings["nudges_off"] == ["deadline"]
    planner.send("/paamindelser")
    assert "🔕 Frister" in planner.labels()
    planner.press("🔕 Frister")
    assert planner.state.settings["nudges_off"] == []
    assert "• 30. november 2026 09:00 – Ugens frister (1)" in planner.last.text


# --- storage ------------------------------------------------------------------------------


def row(id_: str, due: str, chat: int = 1) -> NudgeRow:
    return NudgeRow(id_, chat, "due", "p:r1", due)


def test_store_sync_is_idempotent_and_cancels_only_future_unwanted() -> None:
    store = MemoryNudgeStore()
    now = "2026-11-23T10:00:00+00:00"
    store.sync(
        1, [row("a", "2026-11-20T08:00:00+00:00"), row("b", "2026-12-01T08:00:00+00:00")], now
    )
    store.sync(1, [row("b", "2026-12-01T08:00:00+00:00")], now)
    assert [n.id for n in store.pending(1)] == ["a", "b"]  # "a" is overdue: kept for the sender
    store.sync(1, [row("c", "2026-12-08T08:00:00+00:00")], now)
    assert [n.id for n in store.pending(1)] == ["a", "c"]
    assert [n.id for n in store.due(now)] == ["a"]
    assert store.claim("a") is True
    assert store.claim("a") is False
    store.sync(1, [row("a", "2026-11-20T08:00:00+00:00")], now)
    assert store.due(now) == []  # a sent nudge is never inserted again


# --- the sender, through the fake Bot API --------------------------------------------------


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[ExtBot]:
    ext = ExtBot(fake.token, base_url=fake.base_url, rate_limiter=AIORateLimiter(max_retries=3))
    await ext.initialize()
    yield ext
    await ext.shutdown()


def open_stores(path: Path, library: Library, clock: Clock) -> Conversations:
    db = path / "db.sqlite"
    return Conversations(library, SqliteStore(db), clock=clock, nudges=SqliteNudgeStore(db))


def close(conversations: Conversations) -> None:
    assert conversations.nudges is not None
    conversations.nudges.close()
    conversations.store.close()


async def test_once_only_across_a_restart_including_a_nudge_due_while_down(
    fake: FakeBotAPI, bot: ExtBot, library: Library, tmp_path: Path
) -> None:
    clock = Clock(NOW)
    first = open_stores(tmp_path, library, clock)
    first.save(5, state_with_row())
    assert await Nudger(first).tick(bot) == 0  # nothing due yet
    close(first)  # the bot stops; time passes beyond the heads-up
    clock.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    second = open_stores(tmp_path, library, clock)
    assert await Nudger(second).tick(bot) == 1
    assert await Nudger(second).tick(bot) == 0
    close(second)
    third = open_stores(tmp_path, library, clock)
    assert await Nudger(third).tick(bot) == 0
    clock.now = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # the day itself: nothing more
    assert await Nudger(third).tick(bot) == 0
    close(third)
    texts = [m["text"] for m in fake.messages(5)]
    assert texts == [
        "📅 <b>Ugens frister</b> · uge 49 (2026)\n"
        "1. «Fællesmøde med de frivillige» · Johanne\n\n"
        "Hvordan går det? Tryk på en knap, så skriver jeg det i planen."
    ]
    assert fake.buttons(5) == ["✅ Gjort", "🔄 I gang", "🧱 Kørt fast", "⏭ Udskyd en uge"]


@pytest.fixture
def planned(library: Library, tmp_path: Path) -> Iterator[tuple[Conversations, Clock]]:
    """Durable stores holding chat 5 with one dated action item, and their clock."""
    clock = Clock(NOW)
    conversations = open_stores(tmp_path, library, clock)
    conversations.save(5, state_with_row())
    yield conversations, clock
    close(conversations)


async def test_nothing_is_sent_in_quiet_hours(
    bot: ExtBot, planned: tuple[Conversations, Clock]
) -> None:
    conversations, clock = planned
    clock.now = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)  # 23:00 local
    assert await Nudger(conversations).tick(bot) == 0
    clock.now = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)  # 08:00 local
    assert await Nudger(conversations).tick(bot) == 1


async def test_forbidden_marks_only_that_chat_inactive(
    fake: FakeBotAPI, bot: ExtBot, planned: tuple[Conversations, Clock]
) -> None:
    conversations, clock = planned
    later = state_with_row()
    later.plan.append({**state_with_row("2026-12-11").plan[0], "id": "r2"})
    conversations.save(6, later)
    fake.set_blocked(5)
    clock.now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert await Nudger(conversations).tick(bot) == 1
    assert conversations.load(5).settings["inactive"] is True
    assert conversations.nudges is not None and conversations.nudges.pending(5) == []
    assert len(conversations.nudges.pending(6)) == 1  # chat 6 still has next week's
    assert len(fake.messages(6)) == 1


@pytest.mark.slow
async def test_retry_after_is_honoured_and_the_nudge_arrives_once(
    fake: FakeBotAPI, bot: ExtBot, planned: tuple[Conversations, Clock]
) -> None:
    conversations, clock = planned
    clock.now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    started = asyncio.get_running_loop().time()
    assert await Nudger(conversations).tick(bot) == 1
    assert asyncio.get_running_loop().time() - started >= 1.0
    assert len(fake.messages(5)) == 1


def test_the_operators_time_zone_governs_nine_oclock_and_quiet_hours(library: Library) -> None:
    from zoneinfo import ZoneInfo

    nuuk = ZoneInfo("America/Nuuk")  # UTC-2 in winter: passed in, no process-wide setting
    assert on_day(date(2026, 12, 1), tz=nuuk) == datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    assert in_quiet_hours(datetime(2026, 12, 1, 9, 30, tzinfo=UTC), tz=nuuk)  # 07:30 in Nuuk
    assert not in_quiet_hours(datetime(2026, 12, 1, 10, 30, tzinfo=UTC), tz=nuuk)
    # The zone travels with the library: a Nuuk operator's week message goes at nine in
    # Nuuk, while the Danish default library still says nine in Copenhagen.
    greenland = dataclasses.replace(library, tz=nuuk)
    found = wanted(greenland.get("da"), state_with_row(), 5, NOW, tz=greenland.tz)
    assert [n.due for n in found] == [datetime(2026, 11, 30, 11, 0, tzinfo=UTC)]
    found = wanted(library.get("da"), state_with_row(), 5, NOW, tz=library.tz)
    assert [n.due for n in found] == [datetime(2026, 11, 30, 8, 0, tzinfo=UTC)]


@pytest.mark.parametrize(
    "gone",
    ["set_chat_not_found", "set_kicked", "set_deactivated"],
)
async def test_a_chat_that_is_gone_is_deactivated_and_the_run_goes_on(
    fake: FakeBotAPI, bot: ExtBot, planned: tuple[Conversations, Clock], gone: str
) -> None:
    conversations, clock = planned
    conversations.save(-7, state_with_row())  # a group whose chat Telegram no longer knows
    conversations.save(6, state_with_row())
    getattr(fake, gone)(-7 if gone != "set_deactivated" else 5)
    lost = -7 if gone != "set_deactivated" else 5
    clock.now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    sent = await Nudger(conversations).tick(bot)
    assert sent == 2  # the other two chats got theirs in the same run
    assert conversations.load(lost).settings["inactive"] is True
    assert conversations.nudges is not None and conversations.nudges.pending(lost) == []
    assert len(fake.messages(6)) == 1


def test_no_reminder_falls_on_a_weekend(library: Library) -> None:
    # A deadline on Wednesday 9 December or on Sunday the 13th: the week's message comes on
    # its Monday, the 7th.
    for deadline, expected in (
        ("2026-12-09", [date(2026, 12, 7)]),
        ("2026-12-13", [date(2026, 12, 7)]),
    ):
        found = wanted(library.get("da"), state_with_row(deadline), 5, NOW, tz=dates.LOCAL)
        days = [n.due.astimezone(dates.LOCAL).date() for n in found]
        assert days == expected and all(day.weekday() < 5 for day in days)


def test_a_week_later_moves_only_that_meeting(library: Library) -> None:
    user = Transcript(library, clock=Clock(NOW))
    user.press_on("kadence", flow="trin4")
    user.press_option("quarter")
    user.send("15.1.2027")
    planned = rhythm.meetings(user.state, NOW, tz=dates.LOCAL)
    assert planned[:3] == [date(2027, 1, 15), date(2027, 4, 15), date(2027, 7, 15)]
    user.press_data("2:u:m:2027-01-15")
    user.press_data("2:u:m:2027-01-22")  # the moved meeting, moved again
    moved = rhythm.meetings(user.state, NOW, tz=dates.LOCAL)
    assert moved[:3] == [date(2027, 1, 29), date(2027, 4, 15), date(2027, 7, 15)]
    before = user.state.to_dict()
    user.press_data("2:u:m:2027-02-01")  # no meeting of the board's: a forged press
    assert "møde" in user.last.text.lower()
    assert user.state.settings == ChatState.from_dict(before).settings


def test_the_meeting_set_in_the_meeting_guide_gets_its_reminder(library: Library) -> None:
    user = Transcript(library, clock=Clock(NOW))
    user.press_on("dato", flow="moede")
    user.send("15.1.2027")
    found = [
        n
        for n in wanted(library.get("da"), user.state, 5, NOW, tz=dates.LOCAL)
        if n.kind == "meeting"
    ]
    assert [(n.ref, n.due.astimezone(dates.LOCAL).date()) for n in found] == [
        ("m:2027-01-15", date(2027, 1, 13))
    ]
    user.press_data("2:u:m:2027-01-15")  # "a week later" works on it like on any meeting
    found = [
        n.ref
        for n in wanted(library.get("da"), user.state, 5, NOW, tz=dates.LOCAL)
        if n.kind == "meeting"
    ]
    assert found == ["m:2027-01-22"]


def test_the_guide_meeting_moved_a_week_is_on_its_new_day_in_the_plan_files(
    library: Library,
) -> None:
    """After "a week later" on the meeting guide's meeting, the plan's files (Markdown to read,
    the calendar, the time line) show the day it moved to, never the day first typed."""
    user = Transcript(library, clock=Clock(NOW))
    user.press_on("dato", flow="moede")
    user.send("15.1.2027")
    user.press_data("2:u:m:2027-01-15")
    doc = build_document(library.get("da"), user.state, NOW, dates.LOCAL)
    assert doc.meeting_day == date(2027, 1, 22)
    markdown = render(doc, "md").decode()
    assert "22. januar 2027" in markdown
    assert "15. januar 2027" not in markdown
    calendar = render(doc, "ics", "c1").decode()
    assert "DTSTART;VALUE=DATE:20270122" in calendar
    assert "20270115" not in calendar
    assert [m.day for m in meetings_of(doc)] == [date(2027, 1, 22)]


async def test_a_damaged_chats_reminder_is_dropped_once_and_the_others_go_out(
    fake: FakeBotAPI,
    bot: ExtBot,
    planned: tuple[Conversations, Clock],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A chat whose stored data cannot be read gets no reminder, and its reminder is not
    tried again every minute (where enough of them would crowd out every other chat's)."""
    conversations, clock = planned
    conversations.save(6, state_with_row())
    stored = conversations.store.get(chat_key(5))
    assert stored is not None
    conversations.store.put(chat_key(5), {**stored, "answers": ["not", "a", "mapping"]})
    clock.now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    with caplog.at_level("WARNING", logger="inklusionsguiden.nudges"):
        assert await Nudger(conversations).tick(bot) == 1  # chat 6's
        assert await Nudger(conversations).tick(bot) == 0
    assert fake.messages(5) == [] and len(fake.messages(6)) == 1
    assert conversations.nudges is not None and conversations.nudges.pending(5) == []
    dropped = [r.getMessage() for r in caplog.records if "reason=damaged" in r.getMessage()]
    assert dropped == ["nudge dropped chat=5 kind=week reason=damaged"]
    assert conversations.store.get(chat_key(5)) == {**stored, "answers": ["not", "a", "mapping"]}


async def test_a_reminder_that_fails_to_render_waits_an_hour_and_the_others_go_out(
    fake: FakeBotAPI,
    bot: ExtBot,
    planned: tuple[Conversations, Clock],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fault of ours in one chat's reminder is logged once, the reminder is tried again in
    an hour (not every minute, where enough of them would hold back every other chat's), and
    it arrives once the fault is gone."""
    from bot import nudger

    conversations, clock = planned
    conversations.save(6, state_with_row())
    real = nudger.messages.render

    def broken_for_chat_5(content: object, state: ChatState, *rest: object) -> object:
        if state.settings.get("title") == "broken":
            raise KeyError("a fault of ours")
        return real(content, state, *rest)  # type: ignore[arg-type]

    state = conversations.load(5)
    state.settings["title"] = "broken"
    conversations.save(5, state)
    monkeypatch.setattr(nudger.messages, "render", broken_for_chat_5)
    clock.now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    with caplog.at_level("ERROR", logger="inklusionsguiden.nudges"):
        assert await Nudger(conversations).tick(bot) == 1  # chat 6's
        assert await Nudger(conversations).tick(bot) == 0  # a minute later: not tried again
    failed = [r.getMessage() for r in caplog.records if r.getMessage().startswith("nudge failed")]
    assert failed == [
        "nudge failed chat=5 kind=week error=KeyError retry=2026-12-02T13:00:00+00:00"
    ]
    assert fake.messages(5) == [] and len(fake.messages(6)) == 1
    monkeypatch.setattr(nudger.messages, "render", real)
    clock.now = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
    assert await Nudger(conversations).tick(bot) == 1
    assert len(fake.messages(5)) == 1
