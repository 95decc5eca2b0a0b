"""The operator's time zone travels in the library: no process-wide setting to forget."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from dialogues import Library, dates
from tests.langwords import words
from tests.test_nudges import NOW, state_with_row
from tests.transcript import Clock, Transcript

NUUK = ZoneInfo("America/Nuuk")  # UTC-2 in winter, UTC-1 in summer


def _coming(library: Library) -> str:
    user = Transcript(library, clock=Clock(NOW))
    user.send("/start")
    user.conversations.save(user.chat_id, state_with_row())  # a deadline on Friday 4 December
    user.send("/paamindelser")
    return user.last.text


def test_the_reminder_list_shows_nine_oclock_in_the_librarys_zone(library: Library) -> None:
    # The week's message is planned for nine local time and listed in local time: both in
    # the library's zone, so a Nuuk board sees 09:00 (not 05:00, Copenhagen's nine in Nuuk).
    assert library.tz == dates.LOCAL
    assert "• 30. november 2026 09:00" in _coming(library)
    greenland = dataclasses.replace(library, tz=NUUK)
    assert "• 30. november 2026 09:00" in _coming(greenland)
    assert library.tz == dates.LOCAL  # the other library is untouched: nothing global moved


def test_this_week_is_the_week_of_the_zone_given() -> None:
    # Sunday 29 November 21:30 in Nuuk is already Monday 30 November 00:30 in Copenhagen.
    late = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert dates.today(late, NUUK) == date(2026, 11, 29)
    assert dates.today(late, dates.LOCAL) == date(2026, 11, 30)
    assert dates.quick("w0", late, NUUK, words("da")) == ("uge 48 (2026)", date(2026, 11, 27))
    assert dates.quick("w0", late, dates.LOCAL, words("da")) == ("uge 49 (2026)", date(2026, 12, 4))
    # "uge 48" typed then: this week in Nuuk, but a week gone (so next year's) in Copenhagen.
    assert dates.parse("uge 48", late, NUUK, words("da")) == ("uge 48 (2026)", date(2026, 11, 27))
    assert dates.parse("uge 48", late, dates.LOCAL, words("da")) == (
        "uge 48 (2027)",
        date(2027, 12, 3),
    )
