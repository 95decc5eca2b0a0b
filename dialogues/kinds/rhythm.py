"""The follow-up rhythm of step 4: a cadence and the date of the next board meeting."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, tzinfo

from dialogues import dates, values
from dialogues.library.model import Content, Node
from dialogues.markup import escape
from dialogues.parts import Kind, nav_row, rows
from dialogues.records import Cadence, FollowUp, answers, time_due, time_label
from dialogues.rules import permitted
from dialogues.state import ChatState, JsonObject, JsonValue
from dialogues.turn import Turn

CADENCES: dict[Cadence, int] = {"month": 1, "quarter": 3, "halfyear": 6, "none": 0}  # months apart


def followup(state: ChatState) -> JsonObject:
    """Return the stored follow-up settings as stored, to change them (empty when none)."""
    value = state.settings.get("followup")
    return value if isinstance(value, dict) else {}


def settings(state: ChatState) -> FollowUp:
    """Return the follow-up settings as a record (empty when none, or of the wrong shape)."""
    found = FollowUp.from_json(state.settings.get("followup"))
    return found if isinstance(found, FollowUp) else FollowUp()


def cadence(state: ChatState) -> Cadence | None:
    """Return the chosen cadence (None when none was chosen, or a stored one is unknown)."""
    return settings(state).cadence


def next_meeting(state: ChatState) -> date | None:
    """Return the stored date of the next meeting (None when none, or one out of range)."""
    return time_due(settings(state).next_meeting)


def add_months(day: date, months: int) -> date:
    """Return the same day `months` later (clamped to the month's last day, and to date.max)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    if year > date.max.year:
        return date.max
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def meetings(state: ChatState, at: datetime, tz: tzinfo, horizon_months: int = 12) -> list[date]:
    """Return the planned follow-up meetings within the horizon, the next one first.

    A stored meeting date that reminders cannot work with (junk, or one stored before dates
    were bounded) is skipped as if none had been given.
    """
    chosen = cadence(state)
    months = CADENCES[chosen] if chosen else 0
    today = dates.today(at, tz)
    first = next_meeting(state)
    if first is None and months:
        first = add_months(today, months)
    if first is None:
        return []
    days = [first]
    while months and add_months(first, months * len(days)) <= add_months(today, horizon_months):
        days.append(add_months(first, months * len(days)))
    moved = moved_meetings(state)
    days = sorted(moved.get(d, d) for d in days)
    return [d for d in days if d >= today - timedelta(days=1)]


def guide_meeting(content: Content, state: ChatState, tz: tzinfo) -> date | None:
    """Return the day of the meeting typed in the meeting guide (the question whose role is
    meeting_date), read as of when it was typed; None when there is none or it is no date."""
    found = content.node_role("meeting_date")
    record = answers.first(state, found[0].id, found[1].id) if found else None
    if not record:
        return None
    typed_at = record.author.moment
    parsed = dates.parse(record.text, typed_at, tz, content.words) if typed_at else None
    day = parsed[1] if parsed else None
    return day if values.stored_day(day.isoformat() if day else None) else None


def all_meetings(content: Content, state: ChatState, at: datetime, tz: tzinfo) -> list[date]:
    """Return the board's coming meetings: the rhythm's and the one the meeting guide set."""
    found = set(meetings(state, at, tz))
    guide = guide_meeting(content, state, tz)
    if guide is not None:
        guide = moved_meetings(state).get(guide, guide)
        if guide >= dates.today(at, tz) - timedelta(days=1):
            found.add(guide)
    return sorted(found)


MOVED_LIMIT = 12  # meetings postponed on their own, remembered (about a year at most)


def moved_meetings(state: ChatState) -> dict[date, date]:
    """Return the meetings postponed on their own: planned day -> the day it moved to."""
    return settings(state).moved_days()


def render(turn: Turn, node: Node) -> None:
    """Ask for the cadence, then the date of the next meeting."""
    if turn.state.widget.get("stage") == "meeting":
        skip = (turn.button(turn.t("btn_skip"), "_skip"),)
        turn.say(turn.t("ask_next_meeting"), rows(skip, nav_row(turn)))
        return
    chosen = cadence(turn.state)
    now = "\n\n" + summary_section(turn, node) if chosen else ""
    buttons = [
        (turn.button(("✓ " if c == chosen else "") + turn.t(f"cad_{c}"), c),) for c in CADENCES
    ]
    keep = (turn.button(turn.t("btn_keep"), "_next"),) if chosen else ()
    turn.say(node.text + now, rows(*buttons, keep, nav_row(turn)))


def press(turn: Turn, node: Node, option: str) -> bool:
    """Store a cadence and ask for the meeting date; skipping the date moves on."""
    stage = turn.state.widget.get("stage")
    if option in CADENCES and not permitted(turn, "rhythm"):
        return True
    if stage != "meeting" and option in CADENCES:
        _store(turn, cadence=option)
        turn.set_widget(stage="meeting", expects_text=True)
        turn.show()
        return True
    if stage == "meeting" and option == "_skip":
        turn.advance()
        return True
    return False


def text(turn: Turn, node: Node, typed: str) -> bool:
    """Take the date of the next board meeting."""
    if turn.state.widget.get("stage") != "meeting":
        return False
    if not permitted(turn, "next_meeting"):
        return True
    when = values.typed_when(
        typed, turn.event.at, turn.library.tz, turn.content.words, bad="bad_date"
    )
    if isinstance(when, values.Problem):
        turn.refuse(when)
        return True
    _store(turn, next_meeting=when.to_json())
    turn.note(turn.t("saved"))
    turn.advance()
    return True


def _store(turn: Turn, **values: JsonValue) -> None:
    stored = dict(followup(turn.state))
    stored.update(
        values,
        by={"id": turn.event.user_id, "name": turn.event.user_name},
        at=turn.event.at.isoformat(),
    )
    turn.state.settings["followup"] = stored


def summary_section(turn: Turn, node: Node) -> str:
    """Return the chosen rhythm and next meeting for the step's summary."""
    chosen = cadence(turn.state)
    if not chosen:
        return ""
    label = time_label(settings(turn.state).next_meeting, turn.content.words)
    return turn.t(
        "schedule_now",
        cadence=turn.t(f"cad_{chosen}"),
        meeting=escape(str(label)) if label else "–",
    )


SCHEDULE = Kind(render, press, text)
