"""Domain values from users and button data: the one place that decides their bounds.

Whatever a user types or a button carries (a date, a text, a list index, a count) is read
here into a bounded value before it reaches the state. A value out of bounds becomes a
`Problem`: the caller shows its friendly text and changes nothing.

The bounds, and why:

* **Dates** (deadlines, the next board meeting, a postponed item) lie within
  `today - 365 days` … `today + 10 years`. A deadline may lie a little back (a board writes
  down a plan it already started); nothing a board plans needs more than ten years; and
  every date in the window can have a year's reminder arithmetic done on it without leaving
  the calendar (`date.max` is 31.12.9999).
* **Stored dates** are read defensively (`stored_day`): an old state may hold a date from
  before these bounds or junk; reminders and exports skip it instead of raising.
* **Texts**: a message is at most `MAX_INPUT` characters (Telegram's own limit); short
  fields (a name, the roles, a focus of one's own) at most `MAX_SHORT`; a question of
  one's own at most `MAX_QUESTION`; at most `MAX_LIST_ITEMS` sub-goals or actions per row.
* **Counts**: at most `MAX_PLAN_ROWS` rows in a plan and `MAX_OWN_QUESTIONS` questions of
  one's own per part; an index from button data is 1–3 ASCII digits within the list shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from dialogues import dates

if TYPE_CHECKING:  # JSON types and the state: for annotations only
    from dialogues.state import JsonObject

PAST_DAYS = 365  # a date may lie up to a year back ...
FUTURE_DAYS = 3653  # ... and up to ten years ahead
SCHEDULABLE = (date(1900, 1, 1), date(9000, 12, 31))  # a stored date reminders can work with
MAX_INPUT = 4096  # characters in one message: Telegram's own limit
MAX_SHORT = 200  # a name, the roles, a focus of one's own
MAX_QUESTION = 500  # a question of one's own
MAX_LIST_ITEMS = 20  # sub-goals or actions in one plan row
MAX_PLAN_ROWS = 40  # rows in one plan
MAX_OWN_QUESTIONS = 30  # questions of one's own in one part
_INDEX = re.compile(r"[0-9]{1,3}")
_ROW_ID = re.compile(r"r([0-9]{1,9})")


@dataclass(frozen=True)
class Problem:
    """Why a value was refused: an interface text and what fills it in."""

    key: str
    values: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class When:
    """A deadline or meeting: its day, and whether the user meant the week or the date.

    `label` is how it was written (in the writer's language); only the precision it implies
    is stored, and the label is rendered again in each reader's language (dates.when_label).
    """

    label: str
    day: date

    @property
    def precision(self) -> str:
        """Return 'week' or 'day'."""
        return dates.precision_of(self.label)

    def to_json(self) -> JsonObject:
        """Return the stored form: {'date': 'YYYY-MM-DD', 'precision': 'week' | 'day'}."""
        return {"date": self.day.isoformat(), "precision": self.precision}


def window(at: datetime, tz: tzinfo) -> tuple[date, date]:
    """Return the earliest and latest date a user may set, seen from the moment `at`."""
    today = dates.today(at, tz)
    return today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)


def out_of_window(at: datetime, tz: tzinfo, words: dates.DateWords) -> Problem:
    """Return the refusal of a date outside the window, naming the window."""
    first, last = window(at, tz)
    return Problem(
        "date_out_of_range",
        {"first": dates.date_label(first, words), "last": dates.date_label(last, words)},
    )


def checked(
    label: str, day: date, at: datetime, tz: tzinfo, words: dates.DateWords
) -> When | Problem:
    """Accept a date within the window."""
    first, last = window(at, tz)
    return When(label, day) if first <= day <= last else out_of_window(at, tz, words)


def typed_when(
    typed: str, at: datetime, tz: tzinfo, words: dates.DateWords, bad: str = "bad_time"
) -> When | Problem:
    """Read a typed week or date ('uge 12', '15.3.2027', ...); `bad` names the parse error."""
    parsed = dates.parse(typed[:100], at, tz, words)
    if parsed is None:
        return Problem(bad)
    return checked(parsed[0], parsed[1], at, tz, words)


def quick_when(choice: str, at: datetime, tz: tzinfo, words: dates.DateWords) -> When:
    """Resolve a quick button (this week, next week, in a month): always within the window."""
    label, day = dates.quick(choice, at, tz, words)
    return When(label, day)


def moved_when(
    old: object, days: int, at: datetime, tz: tzinfo, words: dates.DateWords
) -> When | Problem | None:
    """Move a stored deadline by `days`, labelled as before; None when it holds no date."""
    day = stored_day(old)
    if day is None or not isinstance(old, dict):
        return None
    new = day + timedelta(days=days)
    return checked(dates.label_for(dates.stored_precision(old), new, words), new, at, tz, words)


def stored_day(value: object) -> date | None:
    """Read the day of a stored {'date': ...} (or an ISO string); None for junk or far dates."""
    raw = value.get("date") if isinstance(value, dict) else value
    if not isinstance(raw, str):
        return None
    try:
        day = date.fromisoformat(raw[:10])
    except ValueError:
        return None
    return day if SCHEDULABLE[0] <= day <= SCHEDULABLE[1] else None


def stored_moment(value: object) -> datetime | None:
    """Read a stored ISO time stamp (timezone-aware); None for junk or a moment out of range."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None or not SCHEDULABLE[0] <= moment.date() <= SCHEDULABLE[1]:
        return None
    return moment


def index(option: str, prefix: str, count: int) -> int | None:
    """Read '<prefix><n>' from button data as a 0-based index into a list of `count` items."""
    if not option.startswith(prefix):
        return None
    digits = option[len(prefix) :]
    if not _INDEX.fullmatch(digits):
        return None
    number = int(digits)
    return number - 1 if 1 <= number <= count else None


def short_text(typed: str, limit: int = MAX_SHORT) -> str | Problem:
    """Accept a stripped text of at most `limit` characters."""
    clean = typed.strip()
    return clean if len(clean) <= limit else Problem("too_long", {"limit": limit})


def text_list(typed: str) -> list[str] | Problem:
    """Read one item per line (bullets dropped): at most MAX_LIST_ITEMS of them."""
    items = [line.strip(" -•*\t") for line in typed.splitlines() if line.strip(" -•*\t")]
    if len(items) > MAX_LIST_ITEMS:
        return Problem("too_many_lines", {"limit": MAX_LIST_ITEMS})
    return items


def row_number(row_id: object) -> int:
    """Return the number of a stored plan row id 'r<n>' (0 for anything else)."""
    match = _ROW_ID.fullmatch(str(row_id))
    return int(match.group(1)) if match else 0
