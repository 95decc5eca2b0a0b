"""The four-step tool: the steps, the action-plan builder, the follow-up rhythm, the whole plan."""

from __future__ import annotations

import pytest

from dialogues import Library
from tests.test_catalogue import walk_to_summary
from tests.transcript import Clock, Transcript


@pytest.mark.parametrize("flow_id", ["trin1", "trin2"])
def test_steps_1_and_2_ask_nine_questions_and_notes(
    user: Transcript, library: Library, flow_id: str
) -> None:
    typed = walk_to_summary(user, flow_id)
    assert len(typed) == 10
    assert "noter" in typed
    groups = {n.group for n in library.get("da").flows[flow_id].nodes.values() if n.group}
    assert len(groups) == 3


def test_example_is_optional_behind_a_teaser(user: Transcript, library: Library) -> None:
    flow = library.get("da").flows["trin1"]
    example = next(n for n in flow.nodes.values() if n.style == "eksempel")
    user.press_on(example.id, flow="trin1")
    assert user.last.text.startswith("<b>📖 Eksempel</b>")
    assert user.labels()[:2] == ["Læs mere", "Spring over"]


def add_row(user: Transcript) -> None:
    user.press("Ny række")
    assert "fem veje ind" in user.last.text
    user.press("Rummelig kultur")
    assert "positivt" in user.last.text  # the reminder on positive goals
    user.send("At alle føler sig velkomne")
    user.send("At vi holder et fællesmøde\n- At vi finder mentorer\n")
    user.send("Indkald til møde\nHold mødet")
    user.press("Næste uge")
    user.send("Johanne har mødet")


def test_plan_builder_adds_a_row_field_by_field(user: Transcript) -> None:
    user.press_on("handleplan", flow="trin3")
    assert "Der er ingen rækker endnu." in user.last.text
    add_row(user)
    assert user.last.text.startswith("✔️ Rækken er gemt i handleplanen.\n\n")  # one confirmation
    assert "1. <b>Rummelig kultur</b>: At alle føler sig velkomne · uge 49 (2026)" in user.last.text
    row = user.state.plan[0]
    assert row["fokus"] == "kultur"
    assert row["delmaal"] == ["At vi holder et fællesmøde", "At vi finder mentorer"]
    assert row["handlinger"] == ["Indkald til møde", "Hold mødet"]
    assert row["tid"] == {"date": "2026-12-04", "precision": "week"}
    assert row["roller"] == "Johanne har mødet"
    assert row["by"] == {"id": 7, "name": "Anna"}


def test_own_focus_and_typed_time(user: Transcript) -> None:
    user.press_on("handleplan", flow="trin3")
    user.press("Ny række")
    user.press("Eget fokus")
    user.send("Rekruttering via biblioteket")
    user.send("At vi når nye grupper")
    user.press("Spring over")
    user.press("Spring over")
    user.press("Vælg uge eller dato")
    user.send("snart")
    assert user.last.text.startswith("Det kunne jeg ikke læse")
    user.send("1.2.2027")
    user.press("Spring over")
    row = user.state.plan[0]
    assert row["fokus"] == "own:Rekruttering via biblioteket"
    assert row["tid"]["date"] == "2027-02-01"
    assert row["delmaal"] == [] and row["roller"] == ""


def test_example_rows_become_editable_rows(user: Transcript) -> None:
    user.press_on("handleplan", flow="trin3")
    user.press("Start fra et eksempel")
    user.press("2.")
    assert user.last.text.startswith("📄 Eksemplet er kopieret.")
    row = user.state.plan[0]
    assert row["fokus"] == "partnere"
    assert row["tid"] == {"date": "2027-11-26", "precision": "week"}  # week 47 has passed
    user.press("Mål")
    user.send("At kommunen henviser to borgere om året")
    assert user.state.plan[0]["maal"] == "At kommunen henviser to borgere om året"
    assert user.state.plan[0]["edited"]["by"]["name"] == "Anna"
    assert "<b>Mål:</b> At kommunen henviser to borgere om året" in user.last.text


def test_delete_a_row_after_confirming(user: Transcript) -> None:
    user.press_on("handleplan", flow="trin3")
    add_row(user)
    user.press("✏️ 1")
    user.press("Slet række")
    user.press("Nej")
    assert len(user.state.plan) == 1
    user.press("Slet række")
    user.press("Ja, slet")
    assert user.state.plan == []
    assert user.last.text.startswith("🗑 Rækken er slettet.")


def test_cancelling_a_new_empty_row_leaves_no_trace(user: Transcript) -> None:
    user.press_on("handleplan", flow="trin3")
    user.press("Ny række")
    user.press("Fortryd")
    assert user.state.plan == []
    assert "Der er ingen rækker endnu." in user.last.text


def test_step_3_summary_shows_the_rows(user: Transcript) -> None:
    user.press_on("handleplan", flow="trin3")
    add_row(user)
    user.press_on("opsummering")
    assert "<b>Roller:</b> Johanne har mødet" in user.last.text


def test_follow_up_rhythm_and_next_meeting(user: Transcript) -> None:
    user.press_on("kadence", flow="trin4")
    user.press("Hvert kvartal")
    assert "næste bestyrelsesmøde" in user.last.text
    user.send("i morgen")
    assert user.last.text.startswith("Det kunne jeg ikke læse som en dato.")
    user.send("12.1.2027")
    settings = user.state.settings["followup"]
    assert settings["cadence"] == "quarter"
    assert settings["next_meeting"] == {"date": "2027-01-12", "precision": "day"}
    user.press("Tilbage")
    assert "Valgt nu: Hvert kvartal. Næste møde: 12. januar 2027." in user.last.text
    assert "✓ Hvert kvartal" in user.labels()


def test_whole_plan_combines_rows_and_first_steps_grouped_and_sorted(
    library: Library, clock: Clock
) -> None:
    from storage import MemoryStore

    user = Transcript(library, MemoryStore(), clock=clock)
    walk_to_summary(user, "anbefaling1")
    user.press_on("handleplan", flow="trin3")
    user.press("Start fra et eksempel")
    user.press("1.")
    user.press("Færdig")
    add_row(user)
    user.send("/plan")
    text = user.last.text
    assert text.startswith("<b>📋 Handleplan for inklusion</b>")
    culture = text.index("🎯 Rummelig kultur")
    recommendation = text.index("🎯 Anbefaling 1")
    assert culture < recommendation
    # within the culture group the row due next week comes before the example's week 39
    assert text.index("At alle føler sig velkomne") < text.index("aktiv del af at styrke")
    assert "<b>Roller:</b> Person 0" in text
    marks = ["🗓 1", "🗓 2", "🗓 3", "✅ 4"]  # the first steps in the plan, numbered in its order
    assert user.labels()[:6] == [*marks, "💬 Refleksioner", "✏️ Ret handleplanen"]


def test_empty_plan_says_so(user: Transcript) -> None:
    user.send("/start")
    user.send("/plan")
    assert "Planen er tom endnu." in user.last.text


def test_meeting_guide_fills_in_organisation_and_date(user: Transcript) -> None:
    user.press_on("org", flow="moede")
    user.send("Velkommen her & co")
    user.send("3.2.2027")
    assert "Velkommen her &amp; co" in user.last.text
    assert "3.2.2027" in user.last.text


def test_own_questions_are_asked_answered_and_summarised(user: Transcript) -> None:
    user.press_on("egne", flow="trin1")
    user.send("Hvordan tager vi imod nye <frivillige>?")
    assert user.last.text.startswith("<b>Hvordan tager vi imod nye &lt;frivillige&gt;?</b>")
    user.send("Med kaffe & en makker")
    assert "Egne spørgsmål indtil nu: 1." in user.last.text
    user.send("Hvem ringer til nye?")
    user.press("Spring over")
    user.send("Et tredje spørgsmål")
    user.send("Et svar")
    assert [v["question"] for _, v in sorted(user.state.answers.items()) if "question" in v] == [
        "Hvordan tager vi imod nye <frivillige>?",
        "Et tredje spørgsmål",
    ]
    user.press_on("opsummering")
    assert (
        "<b>Hvordan tager vi imod nye &lt;frivillige&gt;?</b>\nMed kaffe &amp; en makker"
        in user.last.text
    )
