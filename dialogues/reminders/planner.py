"""Which reminders (nudges) a chat should get, derived purely from its state.

A week's deadlines of plan items and first steps (one message on its Monday), follow-up
meetings, the evaluation after half a year and the yearly repeat, a journey left unfinished,
and the retention warning and purge; minus the kinds the chat switched off. Also the quiet
hours no nudge is sent in.

A nudge is identified by what it is about (`ref`), its kind and when it is due, so the same
state always yields the same ids: the store can insert them idempotently after every turn,
and a changed date simply yields a new nudge while the old one is cancelled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from dialogues import dates, values
from dialogues.library.model import Content
from dialogues.records import rhythm
from dialogues.records.base import time_due
from dialogues.records.chat import ChecklistMark, marks, record_key
from dialogues.records.plan import plan_items
from dialogues.state import ChatState

CATEGORIES = ("deadline", "meeting", "evaluation", "unfinished")
SEND_AT = time(9, 0)  # nudges about a day go out at nine in the morning, local time
QUIET_START, QUIET_END = time(21, 0), time(8, 0)
MEETING_NOTICE_DAYS = 2
EVALUATION_DAYS = 182  # recommendation 3: look at the cooperation after about half a year
REPEAT_DAYS = 365  # the tool: repeat the whole exercise every one to two years
UNFINISHED_DAYS = 3
RETENTION_WARNING_DAYS = 30


@dataclass(frozen=True)
class Nudge:
    """One reminder due for one chat."""

    chat_id: int
    kind: str  # week, meeting, evaluation, repeat, unfinished (heads_up, due: stored before
    # a week's deadlines were grouped; still read, see followup.render)
    ref: str  # w:<monday>, p:<row id>, s:<flow/node/item>, m:<date>, e:, r:, u:<flow>
    due: datetime  # UTC

    @property
    def category(self) -> str:
        """Return the category a user can switch off."""
        return {
            "week": "deadline",
            "heads_up": "deadline",
            "due": "deadline",
            "repeat": "evaluation",
            "purge": "retention",
        }.get(self.kind, self.kind)

    @property
    def id(self) -> str:
        """Return a short, stable id: the idempotency key of this nudge.

        A week's message is keyed by its week alone, not its time: whichever time it was
        first stored with stands, and once sent it is never sent again for that week.
        """
        when = "" if self.kind == "week" else self.due.isoformat()
        raw = f"{self.chat_id}|{self.kind}|{self.ref}|{when}"
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


def in_quiet_hours(moment: datetime, tz: tzinfo) -> bool:
    """Tell whether a moment falls between 21:00 and 08:00 local time (in the zone `tz`)."""
    local = moment.astimezone(tz).time()
    return local >= QUIET_START or local < QUIET_END


def out_of_quiet_hours(moment: datetime, tz: tzinfo) -> datetime:
    """Move a moment inside quiet hours (21:00–08:00 local) to the next 08:00."""
    local = moment.astimezone(tz)
    if local.time() >= QUIET_START:
        local = datetime.combine(local.date() + timedelta(days=1), QUIET_END, tzinfo=tz)
    elif local.time() < QUIET_END:
        local = datetime.combine(local.date(), QUIET_END, tzinfo=tz)
    return local.astimezone(UTC)


def on_day(day: date, tz: tzinfo) -> datetime:
    """Return nine o'clock local time (in the zone `tz`) on a day, in UTC."""
    return datetime.combine(day, SEND_AT, tzinfo=tz).astimezone(UTC)


def weekday_on_or_before(day: date) -> date:
    """Return the day itself on a weekday, else the Friday before: no reminders at weekends."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def week_of(day: date) -> date:
    """Return the Monday of a day's week: the first working day, when its deadlines are sent."""
    return day - timedelta(days=day.weekday())


def deadlines(content: Content, state: ChatState) -> list[tuple[str, date]]:
    """Return (ref, day) of every open dated action item: plan rows, then planned first steps.

    A stored date out of range is skipped, and so is an item marked done.
    """
    found: list[tuple[str, date]] = []
    for row in plan_items(state):
        day = time_due(row.time)
        if day is not None and row.progress != "done":
            found.append((f"p:{row.id}", day))
    if not state.checklists:
        return found
    for flow_id, node in content.nodes_of_kind("checklist"):
        for item, mark in marks(state, flow_id, node):
            day = time_due(mark.when)
            if mark.status == "planned" and day and mark.progress != "done":
                found.append((f"s:{record_key(flow_id, node.id, item.id)}", day))
    return found


def _action_items(
    content: Content, state: ChatState, chat_id: int, now: datetime, tz: tzinfo
) -> Iterator[Nudge]:
    """One reminder per week that holds deadlines, on its Monday: the week's items together.

    The nudge is keyed by its week alone (see Nudge.id), so adding, moving or finishing an
    item within the week keeps its id (it is sent once, with what the week holds when it
    goes out). A deadline set after its week's Monday morning still gets the message, on the
    morning of its day (the Friday before, for a weekend), unless the week's message was
    already stored or sent: then the id exists and nothing more is added.
    """
    weeks: dict[date, list[date]] = {}
    for _, day in deadlines(content, state):
        weeks.setdefault(week_of(day), []).append(day)
    for monday, days in sorted(weeks.items()):
        due = on_day(monday, tz)
        if due <= now:
            later = sorted(
                moment
                for day in days
                if (moment := on_day(max(monday, weekday_on_or_before(day)), tz)) > now
            )
            due = later[0] if later else due
        yield Nudge(chat_id, "week", f"w:{monday.isoformat()}", due)


def _followups(
    content: Content, state: ChatState, chat_id: int, now: datetime, tz: tzinfo
) -> Iterator[Nudge]:
    for day in rhythm.all_meetings(content, state, now, tz):
        notice = on_day(weekday_on_or_before(day - timedelta(days=MEETING_NOTICE_DAYS)), tz)
        yield Nudge(chat_id, "meeting", f"m:{day.isoformat()}", notice)
    evaluation = content.role("evaluation")
    steps = [
        moment
        for k, r in state.checklists.items()
        if evaluation is not None and k.startswith(f"{evaluation.id}/")
        if isinstance(mark := ChecklistMark.from_json(r), ChecklistMark)
        if (moment := mark.author.moment) is not None
    ]
    if steps and evaluation is not None:
        day = dates.today(min(steps), tz) + timedelta(days=EVALUATION_DAYS)
        yield Nudge(chat_id, "evaluation", f"e:{evaluation.id}", on_day(day, tz))
    chosen = rhythm.settings(state).author.moment
    followup = content.role("followup")  # its schedule node chose the rhythm: the nudge's ref
    if chosen and followup is not None:
        day = dates.today(chosen, tz) + timedelta(days=REPEAT_DAYS)
        yield Nudge(chat_id, "repeat", f"r:{followup.id}", on_day(day, tz))


def _unfinished(content: Content, state: ChatState, chat_id: int, tz: tzinfo) -> Iterator[Nudge]:
    flow = content.flows.get(state.flow or "")
    if flow is None or flow.id == content.menu.id or not state.updated_at or state.node is None:
        return
    node = flow.nodes.get(state.node)
    if node is None or node.kind == "summary":
        return
    # By the day the journey was left, not the minute: the nudge (and its id) stays the same
    # for all of a day's turns, so the store is not rewritten after every one of them.
    moment = values.stored_moment(state.updated_at)
    if moment is None:
        return
    left = dates.today(moment, tz)
    due = on_day(left + timedelta(days=UNFINISHED_DAYS), tz)
    yield Nudge(chat_id, "unfinished", f"u:{flow.id}", due)


def _retention(state: ChatState, chat_id: int, days: int | None, tz: tzinfo) -> Iterator[Nudge]:
    """Warn 30 days before an inactive chat's data is purged, then purge it."""
    last = values.stored_moment(state.updated_at)
    if not days or last is None:
        return
    warning = out_of_quiet_hours(last + timedelta(days=days - RETENTION_WARNING_DAYS), tz)
    yield Nudge(chat_id, "retention", "x:warn", warning)
    yield Nudge(chat_id, "purge", "x:purge", last + timedelta(days=days))


def switched_off(state: ChatState) -> set[str]:
    """Return the categories switched off (a stored value of the wrong shape switches none)."""
    value = state.settings.get("nudges_off")
    return {c for c in value if isinstance(c, str)} if isinstance(value, list) else set()


def wanted(
    content: Content,
    state: ChatState,
    chat_id: int,
    now: datetime,
    retention_days: int | None = None,
    *,
    tz: tzinfo,
) -> list[Nudge]:
    """Return the nudges still ahead for this chat, minus those switched off; local days
    and nine o'clock are counted in the zone `tz` (the library's).

    The retention warning and the purge cannot be switched off: they keep the promise that
    data is not kept for ever.
    """
    found = list(_retention(state, chat_id, retention_days, tz))
    if not state.settings.get("inactive") and not state.settings.get("nudges_off_all"):
        off = switched_off(state)
        reminders = [
            *_action_items(content, state, chat_id, now, tz),
            *_followups(content, state, chat_id, now, tz),
            *_unfinished(content, state, chat_id, tz),
        ]
        found += [n for n in reminders if n.category not in off]
    return sorted((n for n in found if n.due > now), key=lambda n: n.due)
