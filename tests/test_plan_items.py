"""The plan is made of real items: a catalogue step is an action, done steps stay, and every
item shows its status from the start."""

from __future__ import annotations

from dialogues import Library, dates
from dialogues.documents.build import build_document
from tests.test_catalogue import walk_to_summary
from tests.transcript import Clock, Transcript


def new_row_with_focus_and_goal(user: Transcript) -> None:
    """Open the plan builder and start a new row: a focus of one's own, then its goal."""
    user.press_on("handleplan", flow="trin3")
    user.press("Ny række")
    user.press("Eget fokus")
    user.send("Biblioteket")
    user.send("At vi når nye grupper")


def test_a_planned_step_is_an_action_and_a_done_step_stays_marked_done(library: Library) -> None:
    user = Transcript(library, clock=Clock())
    walk_to_summary(user, "anbefaling1")  # three steps planned, one done, one not relevant
    document = build_document(library.get("da"), user.state, user.clock(), tz=dates.LOCAL)
    steps = [row for row in document.rows if row.uid.startswith("anbefaling1-")]
    assert len(steps) == 4  # the step marked "not relevant" is no plan item
    assert all(row.maal == "" and len(row.handlinger) == 1 for row in steps)
    assert all(row.fokus.startswith("Anbefaling 1") for row in steps)
    statuses = sorted(row.status for row in steps)
    assert statuses == ["Gjort", "Ikke startet", "Ikke startet", "Ikke startet"]
    user.send("/plan")
    text = "\n".join(r.text for r in user.replies)
    assert "<b>Handlinger:</b> " + steps[0].handlinger[0][:20] in text
    assert "<b>Status:</b> Ikke startet" in text and "<b>Status:</b> Gjort" in text
    assert "<b>Mål:</b> –" not in text


def test_a_skipped_field_is_skipped_not_saved(library: Library) -> None:
    user = Transcript(library, clock=Clock())
    new_row_with_focus_and_goal(user)
    user.press("Spring over")  # Delmål
    assert user.last.text.startswith("Sprunget over.\n\n") and "Gemt" not in user.last.text


def test_cancel_in_the_middle_of_a_new_row_leaves_nothing(library: Library) -> None:
    user = Transcript(library, clock=Clock())
    new_row_with_focus_and_goal(user)
    user.press("Fortryd")
    assert user.state.plan == []


def test_editing_a_field_shows_what_it_holds_now(library: Library) -> None:
    user = Transcript(library, clock=Clock())
    new_row_with_focus_and_goal(user)
    user.send("Et møde\nEn aftale")
    for _ in range(3):
        user.press("Spring over")
    user.press("✏️ 1")
    user.press("Delmål")
    assert user.last.text.endswith("Nu står der:\nEt møde\nEn aftale")


def test_text_typed_at_an_overview_is_answered_briefly(library: Library) -> None:
    user = Transcript(library, clock=Clock())
    walk_to_summary(user, "anbefaling1")
    replies = user.send("Et par ord til oversigten")
    assert len(replies) == 1 and replies[0].text.startswith("Jeg har ikke gemt teksten")


def test_the_answer_buttons_stay_in_place_when_an_answer_is_added(library: Library) -> None:
    user = Transcript(library, clock=Clock())
    user.press_on("q_vaerdi", flow="anbefaling1")
    user.send("Første svar")
    user.send("/svar")
    user.press("Anbefaling 1")
    before = user.labels()
    user.press("🗑 2")  # nothing answered there: nothing to delete, nothing moves
    assert user.last.text.startswith("Der er ikke noget svar at slette")
    user.press("✏️ 2")
    user.send("Andet svar")
    assert user.labels() == before


def test_a_screen_opened_for_one_task_returns_there_when_done(library: Library) -> None:
    user = Transcript(library, clock=Clock())
    user.send("/paamindelser")
    user.press("Skift rytme")
    user.press("Hvert kvartal")
    user.send("12.1.2027")
    assert user.state.flow == "@paamind"  # not on into step 4's "take the whole tour again"
    assert "<b>Påmindelser</b>" in user.last.text
    assert user.state.settings["followup"]["cadence"] == "quarter"
    user.send("/plan")
    user.press("Ret handleplanen")
    user.press("Videre")
    assert user.state.flow == "@plan"  # back at the plan, not on into step 3's tips


def test_the_plan_steps_overview_offers_to_edit_the_plan_and_comes_back(library: Library) -> None:
    user = Transcript(library, clock=Clock())
    user.press_on("handleplan", flow="trin3")
    user.press("Start fra et eksempel")
    user.press("1.")
    user.press("Færdig")
    user.press_on("opsummering", flow="trin3")
    assert {"✏️ Ret handleplanen", "📋 Hele planen"} <= set(user.labels())
    user.press("✏️ Ret handleplanen")
    assert user.state.node == "handleplan"
    user.press("Videre")
    assert user.state.node == "opsummering"  # back at the overview it came from


def test_a_damaged_stage_of_the_plan_builder_shows_the_overview(library: Library) -> None:
    """A stored position inside the plan builder that names no stage (damaged, or left by an
    old release) opens the plan's overview instead of breaking the chat."""
    user = Transcript(library, clock=Clock())
    new_row_with_focus_and_goal(user)
    state = user.state
    state.widget["stage"] = "bogus"
    user.conversations.save(user.chat_id, state)
    user.send("Nogle delmål")  # typed for the field shown before the damage
    assert "Noget gik galt" not in user.last.text
    assert "➕ Ny række" in user.labels()  # the overview, with the row kept as it was
    assert user.state.plan[0]["maal"] == "At vi når nye grupper"
    assert user.state.plan[0]["delmaal"] == []
