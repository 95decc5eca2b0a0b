"""Deadlines are stored without words and rendered in each reader's language.

A board that typed "uge 6" in Danish, read by an English speaker, sees "week 6"; a date picked
in English reads as a Danish date in Danish. Databases written by the release that stored the
label as typed (tests/data/before_deadline_records, made with that release's code: a plan
row picked as "next week", one typed as 1.2.2027, a catalogue step planned for next week, and
the next board meeting 12.1.2027) are migrated when read, plain and encrypted alike.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.service import Conversations
from dialogues import Library, dates
from dialogues.documents.build import build_document
from storage import SqliteStore
from tests.test_catalogue import walk_to_summary
from tests.transcript import Clock, Transcript

OLD = Path(__file__).parent / "data" / "before_deadline_records"


def switch_language(user: Transcript, to: str) -> None:
    user.send("/sprog" if user.state.lang == "da" else "/language")
    user.press("English" if to == "en" else "Dansk")
    assert user.state.lang == to


def plan_text(user: Transcript) -> str:
    user.send("/plan")
    return "\n".join(r.text for r in user.replies)


def test_a_week_typed_in_danish_reads_as_a_week_in_english(library: Library) -> None:
    user = Transcript(library, lang="da", clock=Clock())
    walk_to_summary(user, "anbefaling1")  # plans steps for "Næste uge" and "uge 12"
    user.press_on("handleplan", flow="trin3")
    user.press("Ny række")
    user.press("Eget fokus")
    user.send("Biblioteket")
    user.send("At vi når nye grupper")
    user.press("Spring over")
    user.press("Spring over")
    user.press("Vælg uge eller dato")
    user.send("1.2.2027")
    user.press("Spring over")
    danish = plan_text(user)
    assert "uge 12 (2027)" in danish and "1. februar 2027" in danish
    switch_language(user, "en")
    english = plan_text(user)
    assert "week 12 (2027)" in english and "1 February 2027" in english
    assert "uge" not in english and "februar" not in english
    document = build_document(library.get("en"), user.state, user.clock(), tz=dates.LOCAL)
    deadlines = {row.tid for row in document.rows}
    assert "week 12 (2027)" in deadlines and "1 February 2027" in deadlines


def test_a_date_picked_in_english_reads_as_a_danish_date_in_danish(library: Library) -> None:
    user = Transcript(library, lang="en", clock=Clock())
    user.press_on("kadence", flow="trin4")
    user.press_option("quarter")
    user.send("12/1/2027")
    user.press_option("_back")
    assert "12 January 2027" in user.last.text
    switch_language(user, "da")
    user.press_on("kadence", flow="trin4")
    assert "12. januar 2027" in user.last.text


@contextlib.contextmanager
def previous_release(tmp_path: Path, name: str) -> Iterator[SqliteStore]:
    """Open a copy of a database the previous release wrote (plain.sqlite or encrypted.sqlite)."""
    shutil.copy(OLD / name, tmp_path / name)
    key = (OLD / "data.key").read_bytes().strip() if name.startswith("encrypted") else None
    store = SqliteStore(tmp_path / name, key=key)
    try:
        yield store
    finally:
        store.close()


@pytest.mark.parametrize("name", ["plain.sqlite", "encrypted.sqlite"])
def test_a_database_of_the_previous_release_is_migrated(
    library: Library, tmp_path: Path, name: str
) -> None:
    with previous_release(tmp_path, name) as store:
        conversations = Conversations(library, store, clock=Clock())
        state = conversations.load(501)
        assert [row["tid"] for row in state.plan] == [
            {"date": "2026-12-04", "precision": "week"},
            {"date": "2027-02-01", "precision": "day"},
        ]
        planned = [r["when"] for r in state.checklists.values() if r.get("when")]
        assert {"date": "2026-12-04", "precision": "week"} in planned
        meeting = state.settings["followup"]["next_meeting"]
        assert meeting == {"date": "2027-01-12", "precision": "day"}
        state.lang = "en"
        document = build_document(library.get("en"), state, Clock()(), tz=dates.LOCAL)
        deadlines = {row.tid for row in document.rows}
        assert {"week 49 (2026)", "1 February 2027"} <= deadlines
