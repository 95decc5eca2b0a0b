"""Deadlines people type or pick: weeks and dates, in the operator's local time.

The time zone is never global: each function that needs "today" is given it (the library's
`tz`, set from BOT_TIMEZONE at start-up). Nor are the words: each function that names a
month or a week is given the language's `DateWords` (`Content.words`, read from its ui.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from string import Formatter
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Copenhagen")  # the default zone (BOT_TIMEZONE unset)


QUICK = ("w0", "w1", "m1")  # this week, next week, in a month
_WEEK = r"^(?:{words})?\s*(\d{{1,2}})(?:\s*[/-]?\s*(\d{{4}}))?$"  # a typed week, its words
_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2}|\d{4}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# A week's label in every language: '<word> <number> (<year>)' (week_label); the validator
# keeps a date's pattern from looking like one.
_WEEK_LABEL = re.compile(r"^\S+ \d{1,2} \(\d{4}\)$")
# The words of the labels stored before deadlines were stored without words (Danish and
# English were the only languages then): read, never written.
_OLD_WEEK_WORDS = ("uge", "week")
# The ui.yaml keys of a language's date words (the validator checks their form).
WORD_KEYS = ("date_months", "date_week", "date_pattern", "date_week_words")


@dataclass(frozen=True)
class DateWords:
    """A language's words for deadlines, from its ui.yaml (WORD_KEYS).

    `months`: the twelve month names; `week`: the word of a week's label ('uge 12 (2027)');
    `pattern`: a date's label with {day}, {month} and {year} ('{day}. {month} {year}');
    `typed`: the words a typed week may start with ('uge 12', 'u12', 'week 12').
    """

    months: tuple[str, ...]
    week: str
    pattern: str
    typed: tuple[str, ...]

    @classmethod
    def none(cls) -> DateWords:
        """Return no words: a document that names no date needs none (build.ordered)."""
        return cls((), "", "", ())

    @classmethod
    def from_ui(cls, ui: Mapping[str, str]) -> DateWords:
        """Read the words from a language's interface texts (missing ones empty: the
        validator names them)."""
        return cls(
            months=tuple(ui.get("date_months", "").split()),
            week=ui.get("date_week", "").strip(),
            pattern=ui.get("date_pattern", ""),
            typed=tuple(ui.get("date_week_words", "").lower().split()),
        )

    def problems(self) -> list[tuple[str, str]]:
        """Return (key, message) for each word that cannot make a label; [] when all can."""
        found = []
        if len(self.months) != 12:
            found.append(("date_months", f"{len(self.months)} month names; 12 wanted"))
        if not self.week or len(self.week.split()) != 1:
            found.append(("date_week", "one word, e.g. week"))
        try:
            fields = sorted(
                name for _, name, _, _ in Formatter().parse(self.pattern) if name is not None
            )
        except ValueError:  # a lone { or }
            fields = []
        if fields != ["day", "month", "year"] or "(" in self.pattern:
            found.append(("date_pattern", "{day}, {month} and {year} once each, and no '('"))
        return found

    def week_regex(self) -> re.Pattern[str]:
        """Return the pattern of a typed week: an optional week word, the number, a year."""
        words = "|".join(re.escape(w) for w in sorted(self.typed, key=len, reverse=True))
        return re.compile(_WEEK.format(words=words))


def today(at: datetime, tz: tzinfo) -> date:
    """Return the local date in the zone `tz` at the moment `at`."""
    return at.astimezone(tz).date()


def week_end(year: int, week: int) -> date:
    """Return the Friday of an ISO week: the natural deadline of 'week N'."""
    return date.fromisocalendar(year, week, 5)


def week_label(day: date, words: DateWords) -> str:
    """Return 'uge 12 (2027)' for a date."""
    year, week, _ = day.isocalendar()
    return f"{words.week} {week} ({year})"


def date_label(day: date, words: DateWords) -> str:
    """Return '15. marts 2027' (with Danish words) or '15 March 2027' (English)."""
    return words.pattern.format(day=day.day, month=words.months[day.month - 1], year=day.year)


def month_name(day: date, words: DateWords) -> str:
    """Return the name of a date's month."""
    return words.months[day.month - 1]


def quick(choice: str, at: datetime, tz: tzinfo, words: DateWords) -> tuple[str, date]:
    """Resolve a quick button (this week, next week, in a month) to a label and a date."""
    now = today(at, tz)
    if choice == "m1":
        day = now + timedelta(days=30)
        return date_label(day, words), day
    monday = now - timedelta(days=now.weekday())
    day = monday + timedelta(days=4 + (7 if choice == "w1" else 0))
    return week_label(day, words), day


def parse(text: str, at: datetime, tz: tzinfo, words: DateWords) -> tuple[str, date] | None:
    """Read 'uge 12', '12', '15.3.2027', '15/3' or '2027-03-15'; None when it is not a time."""
    clean = text.strip().lower().rstrip(".")
    now = today(at, tz)
    try:
        return _parse_week(clean, now, words) or _parse_date(clean, now, words)
    except ValueError:
        return None


def _parse_week(clean: str, now: date, words: DateWords) -> tuple[str, date] | None:
    match = words.week_regex().match(clean)
    if not match:
        return None
    week = int(match.group(1))
    year = int(match.group(2)) if match.group(2) else now.isocalendar()[0]
    day = week_end(year, week)
    if not match.group(2) and (year, week) < now.isocalendar()[:2]:
        day = week_end(year + 1, week)  # "uge 3" in November means next year's week 3
    return week_label(day, words), day


def _parse_date(clean: str, now: date, words: DateWords) -> tuple[str, date] | None:
    iso = _ISO.match(clean)
    if iso:
        day = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        return date_label(day, words), day
    dmy = _DMY.match(clean)
    if not dmy:
        return None
    year = int(dmy.group(3)) if dmy.group(3) else now.year
    year += 2000 if year < 100 else 0
    day = date(year, int(dmy.group(2)), int(dmy.group(1)))
    if not dmy.group(3) and day < now:
        day = day.replace(year=year + 1)
    return date_label(day, words), day


def precision_of(label: str) -> str:
    """Tell from a label whether it names a week ('uge 12 (2027)', 'week 12') or a day."""
    if _WEEK_LABEL.match(label) or label.split(" ", 1)[0].lower() in _OLD_WEEK_WORDS:
        return "week"
    return "day"


def stored_precision(value: Mapping[str, object]) -> str:
    """Return a stored deadline's precision; a record from before precisions were stored
    (it kept the label it was typed with) has it read from that label."""
    precision = value.get("precision")
    if precision in ("week", "day"):
        return str(precision)
    return precision_of(str(value.get("label") or ""))


def label_for(precision: str, day: date, words: DateWords) -> str:
    """Return the label of a deadline in a language's words: its week, or its date."""
    return week_label(day, words) if precision == "week" else date_label(day, words)


def when_label(value: object, words: DateWords) -> str:
    """Render a stored deadline ({'date': ..., 'precision': 'week'|'day'}) in a language.

    Deadlines are stored without words, so a Danish board's "uge 6" reads "week 6" to an
    English reader. A record from before that (with the label it was typed with) is read
    too: its precision is taken from the label. '' for anything that holds no date.
    """
    if not isinstance(value, dict) or not isinstance(value.get("date"), str):
        return ""
    try:
        day = date.fromisoformat(value["date"][:10])
    except ValueError:
        return ""
    return label_for(stored_precision(value), day, words)
