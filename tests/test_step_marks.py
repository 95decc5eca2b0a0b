"""A first step's mark changed from the summary (issue 18), without walking the checklist
again: the step shows what it holds, one press changes the mark, who or when, and the chat
is back at the summary."""

from __future__ import annotations

import pytest

from dialogues import Library
from tests.transcript import Clock, Transcript

KEY = "anbefaling1/skridt/s1"


@pytest.fixture
def summary(library: Library) -> Transcript:
    """At recommendation 1's summary with step 1 planned (Formanden, next week), step 2 done."""
    user = Transcript(library, clock=Clock())
    user.press_on("skridt", flow="anbefaling1")
    user.press("🗓 Planlæg")
    user.send("Formanden")
    user.press("Næste uge")
    user.press("✅ Gjort")
    user.press_on("opsummering")
    return user


def test_the_summary_numbers_the_steps_and_offers_a_button_per_step(summary: Transcript) -> None:
    assert "1. Tal om, hvad I selv kan få ud af det" in summary.last.text
    assert "🗓 Planlagt – Formanden, uge 49 (2026)" in summary.last.text
    assert summary.labels()[:5] == ["🗓 1", "✅ 2", "▫️ 3", "▫️ 4", "▫️ 5"]


def test_a_mark_is_changed_in_two_presses_and_the_chat_is_back_at_the_summary(
    summary: Transcript,
) -> None:
    summary.press("🗓 1")
    assert summary.state.node == "skridt"
    assert "Markeret: 🗓 Planlagt – Formanden, uge 49 (2026)" in summary.last.text
    assert "De fem første skridt" not in summary.last.text  # no walk's introduction
    summary.press("✅ Gjort")
    assert summary.state.node == "opsummering"
    assert summary.state.checklists[KEY]["status"] == "done"
    assert summary.state.checklists[KEY]["who"] is None  # a done step has no who and when
    assert summary.labels()[:2] == ["✅ 1", "✅ 2"]
    assert summary.state.checklists["anbefaling1/skridt/s2"]["status"] == "done"


def test_who_or_when_alone_is_changed_and_the_rest_kept(summary: Transcript) -> None:
    summary.press("🗓 1")
    summary.press("📅 Ret hvornår")
    assert "Markeret: 🗓 Planlagt – Formanden, uge 49 (2026)" in summary.last.text
    summary.press("Om en måned")
    assert summary.state.node == "opsummering"
    assert summary.state.checklists[KEY]["when"] == {"date": "2026-12-23", "precision": "day"}
    assert summary.state.checklists[KEY]["who"] == "Formanden"
    summary.press("🗓 1")
    summary.press("👤 Ret hvem")
    summary.send("Næstformanden")
    assert summary.state.node == "opsummering"
    assert "🗓 Planlagt – Næstformanden, 23. december 2026" in summary.last.text


def test_back_from_a_step_opened_alone_returns_to_the_summary(summary: Transcript) -> None:
    summary.press("▫️ 4")
    assert summary.state.widget["item"] == 3
    assert "Markeret" not in summary.last.text  # nothing held yet: nothing to show
    assert "👤 Ret hvem" not in summary.labels()  # who and when belong to a planned step
    summary.press("⬅️ Tilbage")
    assert summary.state.node == "opsummering"
    assert "anbefaling1/skridt/s4" not in summary.state.checklists


def test_a_step_planned_from_the_summary_asks_who_and_when_then_returns(
    summary: Transcript,
) -> None:
    summary.press("▫️ 3")
    summary.press("🗓 Planlæg")
    summary.send("Kassereren")
    summary.press("Denne uge")
    assert summary.state.node == "opsummering"
    assert summary.state.checklists["anbefaling1/skridt/s3"]["who"] == "Kassereren"
    assert "anbefaling1/skridt/s4" not in summary.state.checklists  # not walked on to 4


def test_in_english_too(library: Library) -> None:
    user = Transcript(library, clock=Clock())
    user.send("/start")
    user.press("🌐 Sprog · Language")
    user.press("English")
    user.press_on("skridt", flow="anbefaling1")
    user.press("🗓 Plan it")
    user.send("The chair")
    user.press("Next week")
    user.press_on("opsummering")
    assert "Tap a step's number below to mark it or change it." in user.last.text
    user.press("🗓 1")
    assert "📅 Change when" in user.labels() and "👤 Change who" in user.labels()
    user.press("📅 Change when")
    user.press("In a month")
    assert user.state.node == "opsummering"
    assert "🗓 Planned – The chair, 23 December 2026" in user.last.text
