"""Weeks and dates as people type them, read in Danish local time."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dialogues import dates
from tests.langwords import words

DA = words("da")

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # week 48 of 2026


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("uge 12", ("uge 12 (2027)", date(2027, 3, 26))),
        ("Uge 50", ("uge 50 (2026)", date(2026, 12, 11))),
        ("48", ("uge 48 (2026)", date(2026, 11, 27))),
        ("u 3/2028", ("uge 3 (2028)", date(2028, 1, 21))),
        ("week 2", ("uge 2 (2027)", date(2027, 1, 15))),
        ("15.3.2027", ("15. marts 2027", date(2027, 3, 15))),
        ("15/3", ("15. marts 2027", date(2027, 3, 15))),
        ("1-12", ("1. december 2026", date(2026, 12, 1))),
        ("2027-06-01", ("1. juni 2027", date(2027, 6, 1))),
        ("24.12.26", ("24. december 2026", date(2026, 12, 24))),
    ],
)
def test_parse(typed: str, expected: tuple[str, date]) -> None:
    assert dates.parse(typed, MONDAY, dates.LOCAL, DA) == expected


@pytest.mark.parametrize("typed", ["", "snart", "uge 54", "31.2.2027", "13.13", "i morgen", "0"])
def test_parse_refuses_what_is_not_a_time(typed: str) -> None:
    assert dates.parse(typed, MONDAY, dates.LOCAL, DA) is None


def test_quick_choices() -> None:
    assert dates.quick("w0", MONDAY, dates.LOCAL, DA) == ("uge 48 (2026)", date(2026, 11, 27))
    assert dates.quick("w1", MONDAY, dates.LOCAL, DA) == ("uge 49 (2026)", date(2026, 12, 4))
    assert dates.quick("m1", MONDAY, dates.LOCAL, DA) == ("23. december 2026", date(2026, 12, 23))


def test_local_date_is_copenhagen_time() -> None:
    late = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # already Monday 30 Nov in Denmark
    assert dates.today(late, dates.LOCAL) == date(2026, 11, 30)
    assert dates.quick("w0", late, dates.LOCAL, DA)[1] == date(2026, 12, 4)
