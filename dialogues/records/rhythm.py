"""The follow-up rhythm a board chose and the meetings it gives: the cadence, the next
meeting, meetings moved on their own, and the meeting typed in the meeting guide."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, tzinfo

from dialogues import dates, values
from dialogues.library.model import Content
from dialogues.records import answers
from dialogues.records.base import Cadence, time_due
from dialogues.records.plan import FollowUp
from dialogues.state import ChatState, JsonObject

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
    """Return the day the meeting typed in the meeting guide (the question whose role is
    meeting_date) is on now: the day typed, read as of when it was typed, or the day a
    reminder's "a week later" moved it to; None when there is none or it is no date."""
    found = content.node_role("meeting_date")
    record = answers.first(state, found[0].id, found[1].id) if found else None
    typed_at = record.author.moment if record else None
    parsed = dates.parse(record.text, typed_at, tz, content.words) if record and typed_at else None
    day = parsed[1] if parsed else None
    if day is None or values.stored_day(day.isoformat()) is None:
        return None
    return moved_meetings(state).get(day, day)


def all_meetings(content: Content, state: ChatState, at: datetime, tz: tzinfo) -> list[date]:
    """Return the board's coming meetings: the rhythm's and the one the meeting guide set."""
    found = set(meetings(state, at, tz))
    guide = guide_meeting(content, state, tz)
    if guide is not None and guide >= dates.today(at, tz) - timedelta(days=1):
        found.add(guide)
    return sorted(found)


MOVED_LIMIT = 12  # meetings postponed on their own, remembered (about a year at most)


def moved_meetings(state: ChatState) -> dict[date, date]:
    """Return the meetings postponed on their own: planned day -> the day it moved to."""
    return settings(state).moved_days()
