"""Deadlines people type or pick: weeks and dates, in the operator's local time.

The time zone is never global: each function that needs "today" is given it (the library's
`tz`, set from BOT_TIMEZONE at start-up).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Copenhagen")  # the default zone (BOT_TIMEZONE unset)


QUICK = ("w0", "w1", "m1")  # this week, next week, in a month
_WEEK = re.compile(r"^(?:uge|u|week|w)?\s*(\d{1,2})(?:\s*[/-]?\s*(\d{4}))?$")
_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2}|\d{4}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
MONTHS = {
    "da": "januar februar marts april maj juni juli august september oktober november december",
    "en": "January February March April May June July August September October November December",
}


def today(at: datetime, tz: tzinfo) -> date:
    """Return the local date in the zone `tz` at the moment `at`."""
    return at.astimezone(tz).date()


def week_end(year: int, week: int) -> date:
    """Return the Friday of an ISO week: the natural deadline of 'week N'."""
    return date.fromisocalendar(year, week, 5)


def week_label(day: date, lang: str = "da") -> str:
    """Return 'uge 12 (2027)' for a date."""
    year, week, _ = day.isocalendar()
    return f"{'uge' if lang == 'da' else 'week'} {week} ({year})"


def date_label(day: date, lang: str = "da") -> str:
    """Return '15. marts 2027' (Danish) or '15 March 2027' (English)."""
    month = MONTHS.get(lang, MONTHS["da"]).split()[day.month - 1]
    return f"{day.day}. {month} {day.year}" if lang == "da" else f"{day.day} {month} {day.year}"


def quick(choice: str, at: datetime, tz: tzinfo, lang: str = "da") -> tuple[str, date]:
    """Resolve a quick button (this week, next week, in a month) to a label and a date."""
    now = today(at, tz)
    if choice == "m1":
        day = now + timedelta(days=30)
        return date_label(day, lang), day
    monday = now - timedelta(days=now.weekday())
    day = monday + timedelta(days=4 + (7 if choice == "w1" else 0))
    return week_label(day, lang), day


def parse(text: str, at: datetime, tz: tzinfo, lang: str = "da") -> tuple[str, date] | None:
    """Read 'uge 12', '12', '15.3.2027', '15/3' or '2027-03-15'; None when it is not a time."""
    clean = text.strip().lower().rstrip(".")
    now = today(at, tz)
    try:
        return _parse_week(clean, now, lang) or _parse_date(clean, now, lang)
    except ValueError:
        return None


def _parse_week(clean: str, now: date, lang: str) -> tuple[str, date] | None:
    match = _WEEK.match(clean)
    if not match:
        return None
    week = int(match.group(1))
    year = int(match.group(2)) if match.group(2) else now.isocalendar()[0]
    day = week_end(year, week)
    if not match.group(2) and (year, week) < now.isocalendar()[:2]:
        day = week_end(year + 1, week)  # "uge 3" in November means next year's week 3
    return week_label(day, lang), day


def _parse_date(clean: str, now: date, lang: str) -> tuple[str, date] | None:
    iso = _ISO.match(clean)
    if iso:
        day = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        return date_label(day, lang), day
    dmy = _DMY.match(clean)
    if not dmy:
        return None
    year = int(dmy.group(3)) if dmy.group(3) else now.year
    year += 2000 if year < 100 else 0
    day = date(year, int(dmy.group(2)), int(dmy.group(1)))
    if not dmy.group(3) and day < now:
        day = day.replace(year=year + 1)
    return date_label(day, lang), day


def precision_of(label: str) -> str:
    """Tell from a label whether it names a week ('uge 12 (2027)', 'week 12') or a day."""
    return "week" if label.split(" ", 1)[0].lower() in ("uge", "week") else "day"


def stored_precision(value: Mapping[str, object]) -> str:
    """Return a stored deadline's precision; a record from before precisions were stored
    (it kept the label it was typed with) has it read from that label."""
    precision = value.get("precision")
    if precision in ("week", "day"):
        return str(precision)
    return precision_of(str(value.get("label") or ""))


def label_for(precision: str, day: date, lang: str) -> str:
    """Return the label of a deadline in `lang`: its week, or its date."""
    return week_label(day, lang) if precision == "week" else date_label(day, lang)


def when_label(value: object, lang: str) -> str:
    """Render a stored deadline ({'date': ..., 'precision': 'week'|'day'}) in `lang`.

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
    return label_for(stored_precision(value), day, lang)
