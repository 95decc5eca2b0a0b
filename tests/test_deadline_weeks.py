"""A week's deadlines in one message (issue 18): how many reminders a real plan queues, what
the week's message says, that each item's buttons act on that item, and that reminders
stored before weeks were grouped are delivered or replaced, never both."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from telegram.ext import AIORateLimiter, ExtBot

from bot.nudger import Nudger
from bot.service import Conversations
from dialogues import ChatState, Library, dates
from dialogues.reminders.messages import render
from dialogues.reminders.planner import Nudge, on_day, wanted
from storage import SqliteStore
from storage.nudges import NudgeRow, SqliteNudgeStore
from tests.fakebotapi import FakeBotAPI
from tests.transcript import Clock, Transcript

MEETING = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)  # a board meets on a Thursday evening


def when(day: str, precision: str = "week") -> dict[str, str]:
    return {"date": day, "precision": precision}


def step(day: dict[str, str], who: str) -> dict[str, object]:
    return {"status": "planned", "who": who, "when": day, "at": MEETING.isoformat()}


def row(id_: str, goal: str, day: dict[str, str], who: str) -> dict[str, object]:
    return {"id": id_, "fokus": "kultur", "maal": goal, "delmaal": [], "handlinger": [],
            "tid": day, "roller": who, "progress": ""}  # fmt: skip


def real_plan() -> ChatState:
    """The plan of issue 18's count: 3 rows and 7 planned first steps, all dated (next week,
    in a month, week 2, week 6, a date), and a quarterly rhythm from 12 January."""
    next_week, in_a_month = when("2026-12-04"), when("2026-12-26", "day")
    week_2 = when("2027-01-15")
    return ChatState(
        lang="da",
        flow="menu",
        node="hoved",
        started=True,
        plan=[
            row("r1", "Fællesmøde med de frivillige", next_week, "Formanden"),
            row("r2", "Ny velkomstfolder", week_2, "Kassereren"),
            row("r3", "Aftale med kommunen", when("2027-03-01", "day"), "Næstformanden"),
        ],
        checklists={
            "anbefaling1/skridt/s1": step(next_week, "Anna"),
            "anbefaling1/skridt/s2": step(in_a_month, "Anna"),
            "anbefaling1/skridt/s4": step(week_2, "Bo"),
            "anbefaling2/skridt/s1": step(when("2027-01-15", "day"), "Bo"),
            "anbefaling3/skridt/s1": step(next_week, "Carl"),
            "anbefaling3/skridt/s2": step(in_a_month, "Carl"),
            "anbefaling3/skridt/s3": step(when("2027-02-12"), "Dorte"),
        },
        settings={
            "followup": {
                "cadence": "quarter",
                "next_meeting": when("2027-01-12", "day"),
                "at": MEETING.isoformat(),
            }
        },
    )


def local_day(nudge: Nudge) -> date:
    return nudge.due.astimezone(dates.LOCAL).date()


def test_a_real_plan_queues_one_reminder_per_week_that_holds_deadlines(library: Library) -> None:
    found = wanted(library.get("da"), real_plan(), 5, MEETING, tz=dates.LOCAL)
    # Before: two reminders per dated item (a heads-up and one on the day): 20 of 26 in all
    # (measured with the code before this change on this very plan).
    assert Counter(n.kind for n in found) == {"week": 5, "meeting": 4, "evaluation": 1, "repeat": 1}
    weeks = [(n.ref, local_day(n)) for n in found if n.kind == "week"]
    assert weeks == [  # each on its week's Monday at nine, the items of that week together
        ("w:2026-11-30", date(2026, 11, 30)),  # 3 items due Friday 4 December
        ("w:2026-12-21", date(2026, 12, 21)),  # 2 due Saturday 26 December
        ("w:2027-01-11", date(2027, 1, 11)),  # 3 due Friday 15 January
        ("w:2027-02-08", date(2027, 2, 8)),  # 1 due Friday 12 February
        ("w:2027-03-01", date(2027, 3, 1)),  # 1 due that Monday itself
    ]
    assert all(n.due == on_day(local_day(n), tz=dates.LOCAL) for n in found if n.kind == "week")
    print(f"\nreal plan: {len(found)} reminders queued, {len(weeks)} of them deadlines")
    assert len(found) == 11


def test_the_weeks_message_has_a_line_and_a_row_of_buttons_per_item(library: Library) -> None:
    week = Nudge(5, "week", "w:2026-11-30", on_day(date(2026, 11, 30), tz=dates.LOCAL))
    reply = render(
        library.get("da"),
        real_plan(),
        week,
        on_day(date(2026, 11, 30), tz=dates.LOCAL),
        tz=dates.LOCAL,
    )
    assert reply is not None
    assert reply.text == (
        "📅 <b>Ugens frister</b> · uge 49 (2026)\n"
        "1. «Fællesmøde med de frivillige» · Formanden\n"
        f"2. «{step_text(library, 'anbefaling1', 's1')}» · Anna\n"
        f"3. «{step_text(library, 'anbefaling3', 's1')}» · Carl\n\n"
        "Hvordan går det? En række knapper pr. punkt, i samme rækkefølge: ✅ gjort · 🔄 i gang"
        " · 🧱 kørt fast · ⏭ udskyd en uge."
    )
    assert [[b.label for b in r] for r in reply.buttons] == [
        [f"{n}. {icon}" for icon in ("✅", "🔄", "🧱", "⏭")] for n in (1, 2, 3)
    ]
    assert [b.data for b in reply.buttons[1]] == [
        f"2:{o}:s:anbefaling1/skridt/s1" for o in ("d", "g", "x", "u")
    ]
    march = Nudge(5, "week", "w:2027-03-01", on_day(date(2027, 3, 1), tz=dates.LOCAL))
    reply = render(library.get("da"), real_plan(), march, march.due, tz=dates.LOCAL)
    assert reply is not None and reply.text.split("\n")[:2] == [  # a day is named on its line
        "📅 <b>Ugens frister</b> · uge 9 (2027)",
        "1. «Aftale med kommunen» · 1. marts 2027 · Næstformanden",
    ]
    english = render(
        library.get("en"),
        real_plan(),
        week,
        on_day(date(2026, 11, 30), tz=dates.LOCAL),
        tz=dates.LOCAL,
    )
    assert english is not None and english.text.startswith(
        "📅 <b>This week's deadlines</b> · week 49 (2026)\n"
        "1. “Fællesmøde med de frivillige” · Formanden\n"
    )


def step_text(library: Library, flow: str, item: str) -> str:
    node = library.get("da").flows[flow].nodes["skridt"]
    return next(i.text for i in node.items if i.id == item)


def test_each_items_buttons_act_on_that_item_alone(library: Library) -> None:
    user = Transcript(library, clock=Clock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC)))
    user.send("/start")
    plan = real_plan()
    user.conversations.store.put("chat:100", {**user.state.to_dict(), "plan": plan.plan,
                                              "checklists": plan.checklists})  # fmt: skip
    user.press_data("2:d:s:anbefaling1/skridt/s1")  # 2. ✅ on the week's message
    assert user.state.checklists["anbefaling1/skridt/s1"]["progress"] == "done"
    assert "progress" not in user.state.checklists["anbefaling3/skridt/s1"]
    assert user.state.plan[0]["progress"] == ""
    user.press_data("2:u:p:r1")  # 1. ⏭: the row moves to next week, and into its message
    assert user.state.plan[0]["tid"] == {"date": "2026-12-11", "precision": "week"}
    refs = {
        n.ref for n in wanted(library.get("da"), user.state, 100, user.clock.now, tz=dates.LOCAL)
    }
    assert "w:2026-12-07" in refs
    week = Nudge(100, "week", "w:2026-11-30", user.clock.now)
    reply = render(library.get("da"), user.state, week, user.clock.now, tz=dates.LOCAL)
    assert reply is not None and reply.text.count("\n") == 3  # heading, Carl's step, the how


# --- reminders stored before a week's deadlines were grouped ------------------------------


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[ExtBot]:
    ext = ExtBot(fake.token, base_url=fake.base_url, rate_limiter=AIORateLimiter(max_retries=3))
    await ext.initialize()
    yield ext
    await ext.shutdown()


def stored_before_weeks(path: Path, library: Library, clock: Clock, *rows: NudgeRow) -> Nudger:
    """A chat with the real plan and reminders of the old shape, as an update finds them."""
    db = path / "db.sqlite"
    nudges = SqliteNudgeStore(db)
    conversations = Conversations(library, SqliteStore(db), clock=clock, nudges=nudges)
    conversations.store.put("chat:5", real_plan().to_dict())
    nudges.sync(5, list(rows), clock.now.isoformat())
    return Nudger(conversations)


def old(kind: str, ref: str, day: date) -> NudgeRow:
    nudge = Nudge(5, kind, ref, on_day(day, tz=dates.LOCAL))
    return NudgeRow(nudge.id, 5, kind, ref, nudge.due.isoformat())


async def run_days(nudger: Nudger, clock: Clock, bot: ExtBot, days: list[date]) -> None:
    for day in days:
        clock.now = on_day(day, tz=dates.LOCAL)
        await nudger.tick(bot)


async def test_an_old_reminder_whose_week_has_begun_gives_way_to_the_weeks_message(
    fake: FakeBotAPI, bot: ExtBot, library: Library, tmp_path: Path
) -> None:
    # Stored before the update: a heads-up on Tuesday 1 December and one on Friday the 4th
    # for row r1 (due the 4th); the chat has not written since, so nothing was replanned.
    # The week's Monday has passed, so the week's message goes on its next deadline's
    # morning, naming every item of the week once; the old reminders say nothing more.
    clock = Clock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    nudger = stored_before_weeks(tmp_path, library, clock, old("heads_up", "p:r1", date(2026, 12, 1)),
                                 old("due", "p:r1", date(2026, 12, 4)))  # fmt: skip
    await run_days(nudger, clock, bot, [date(2026, 12, d) for d in (1, 2, 3, 4)])
    texts = [m["text"] for m in fake.messages(5)]
    assert texts == [
        "📅 <b>Ugens frister</b> · uge 49 (2026)\n"
        "1. «Fællesmøde med de frivillige» · Formanden\n"
        "2. «Tal om, hvad I selv kan få ud af det, hvilke opgaver der passer, og hvad det kræver af jer.» · Anna\n"
        "3. «Find de kommunale medarbejdere, der møder de borgere, I gerne vil nå.» · Carl\n\n"
        "Hvordan går det? En række knapper pr. punkt, i samme rækkefølge: ✅ gjort · 🔄 i gang · 🧱 kørt fast · ⏭ udskyd en uge."
    ]
    kinds = {r.kind for r in nudger.nudges.pending(5)}
    assert kinds == {"week", "meeting", "evaluation", "repeat"}  # replanned: no old one left


async def test_an_old_reminder_before_its_week_gives_way_to_the_weeks_message(
    fake: FakeBotAPI, bot: ExtBot, library: Library, tmp_path: Path
) -> None:
    # Row r2 is due Friday 15 January; its old heads-up (Tuesday the 12th) and day-of reminder
    # are stored, and so is an old heads-up of the 26 December steps, due Wednesday the 23rd.
    clock = Clock(datetime(2026, 12, 17, 12, 0, tzinfo=UTC))
    step = "s:anbefaling1/skridt/s2"
    nudger = stored_before_weeks(tmp_path, library, clock, old("heads_up", step, date(2026, 12, 18)),
                                 old("heads_up", "p:r2", date(2027, 1, 12)),
                                 old("due", "p:r2", date(2027, 1, 15)))  # fmt: skip
    clock.now = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)  # the bot was down on the 18th
    await nudger.tick(bot)
    days = [date(2026, 12, 21), date(2027, 1, 11), date(2027, 1, 12), date(2027, 1, 15)]
    await run_days(nudger, clock, bot, days)
    texts = [m["text"].split("\n")[0] for m in fake.messages(5)]
    assert texts == [  # the old heads-up of the 18th, due while down, gave way to the week's
        "📅 <b>Ugens frister</b> · uge 52 (2026)",
        "🗓 <b>Snart opfølgningsmøde: 12. januar 2027</b>",
        "📅 <b>Ugens frister</b> · uge 2 (2027)",
    ]
    assert "«Ny velkomstfolder»" in fake.messages(5)[2]["text"]


async def test_an_items_old_reminders_all_due_at_once_come_as_one_message(
    fake: FakeBotAPI, bot: ExtBot, library: Library, tmp_path: Path
) -> None:
    # The bot was down from before Tuesday 1 December until Friday the 4th: both of row r1's
    # old reminders are due at the first tick.
    clock = Clock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    nudger = stored_before_weeks(tmp_path, library, clock, old("heads_up", "p:r1", date(2026, 12, 1)),
                                 old("due", "p:r1", date(2026, 12, 4)))  # fmt: skip
    clock.now = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    assert await nudger.tick(bot) == 1
    assert await nudger.tick(bot) == 0
    assert [m["text"].split("\n")[1] for m in fake.messages(5)] == [
        "1. «Fællesmøde med de frivillige» · Formanden"
    ]
    assert {r.kind for r in nudger.nudges.pending(5)} == {"week", "meeting", "evaluation", "repeat"}


def test_a_week_with_more_than_eight_items_gives_each_its_row(library: Library) -> None:
    user = Transcript(library, clock=Clock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC)))
    user.send("/start")
    rows = [row(f"r{n}", f"Opgave {n}", when("2026-12-04"), "Formanden") for n in range(1, 11)]
    user.conversations.store.put("chat:100", {**user.state.to_dict(), "plan": rows})
    week = Nudge(100, "week", "w:2026-11-30", user.clock.now)
    reply = render(library.get("da"), user.state, week, user.clock.now, tz=dates.LOCAL)
    assert reply is not None
    assert [r[0].label for r in reply.buttons] == [f"{n}. ✅" for n in range(1, 11)]
    assert [len(r) for r in reply.buttons] == [4] * 10
    tenth = reply.buttons[9][0]
    user.press_data(tenth.data)  # the tenth item is done, from the reminder
    assert [r["progress"] for r in user.state.plan] == [""] * 9 + ["done"]
