"""The inspiration catalogue: each recommendation from its start to its summary."""

from __future__ import annotations

import pytest

from dialogues import Library
from dialogues.markup import escape
from tests.transcript import Transcript

RECOMMENDATIONS = ["anbefaling1", "anbefaling2", "anbefaling3", "anbefaling4"]


def walk_to_summary(user: Transcript, flow_id: str, plan_every: int = 2) -> dict[str, str]:
    """Walk a flow from its deep link to its summary; answer every question, mark every step.

    Every `plan_every`-th checklist item is planned (with a person and a time), the others
    alternate between done and not relevant. Returns the answers typed, by node id.
    """
    user.send(f"/start {flow_id}")
    typed: dict[str, str] = {}
    for _ in range(200):
        state = user.state
        assert state.flow == flow_id, f"left the flow at {state.flow}/{state.node}"
        node = user.conversations.library.get("da").flows[flow_id].nodes[state.node]
        if node.kind == "summary":
            return typed
        if node.kind == "question":
            typed[node.id] = f"Vores svar på {node.id} <&>"
            user.send(typed[node.id])
        elif node.kind == "checklist":
            _checklist_step(user, state.widget, plan_every)
        elif node.kind == "choice":
            user.press(node.options[0].label)
        else:
            user.press("Videre") if "Videre ➡️" in user.labels() else user.press("Spring over")
    raise AssertionError("the flow never reached its summary")


def _checklist_step(user: Transcript, widget: dict, plan_every: int) -> None:
    stage, item = widget.get("stage", "mark"), int(widget.get("item", 0))
    if stage == "mark":
        if item % plan_every == 0:
            user.press("🗓 Planlæg")
        else:
            user.press("✅ Gjort" if item % 3 else "➖ Ikke relevant")
    elif stage == "who":
        user.send(f"Person {item}")
    elif stage == "when":
        user.press("Næste uge" if item % 4 == 0 else "Vælg uge eller dato")
    else:
        user.send("uge 12")


@pytest.mark.parametrize("flow_id", RECOMMENDATIONS)
def test_recommendation_walks_to_a_summary_with_every_answer(
    user: Transcript, library: Library, flow_id: str
) -> None:
    typed = walk_to_summary(user, flow_id)
    flow = library.get("da").flows[flow_id]
    assert set(typed) == set(flow.questions)
    summary = user.last.text
    for answer in typed.values():
        assert escape(answer) in summary
    assert "Ret et svar" in " ".join(user.labels())


@pytest.mark.parametrize("flow_id", RECOMMENDATIONS[:3])
def test_first_steps_are_five_and_planned_ones_carry_who_and_when(
    user: Transcript, library: Library, flow_id: str
) -> None:
    walk_to_summary(user, flow_id)
    checklist = next(
        n for n in library.get("da").flows[flow_id].nodes.values() if n.kind == "checklist"
    )
    assert len(checklist.items) == 5
    records = user.state.checklists
    planned = {k: v for k, v in records.items() if v["status"] == "planned"}
    assert len(records) == 5 and len(planned) == 3
    first = planned[f"{flow_id}/{checklist.id}/{checklist.items[0].id}"]
    assert first["who"] == "Person 0"
    assert first["when"] == {"date": "2026-12-04", "precision": "week"}  # next week from 23 Nov
    third = planned[f"{flow_id}/{checklist.id}/{checklist.items[2].id}"]
    assert third["when"] == {"date": "2027-03-26", "precision": "week"}
    assert "🗓 Planlagt – Person 0, uge 49 (2026)" in user.last.text


def test_recommendation_4_marks_its_steps_as_the_guides_own_suggestions(
    user: Transcript, library: Library
) -> None:
    checklist = next(
        n for n in library.get("da").flows["anbefaling4"].nodes.values() if n.kind == "checklist"
    )
    assert checklist.suggested
    user.press_on(checklist.id, flow="anbefaling4")
    assert "guidens egne forslag" in user.last.text


def test_summary_goes_on_to_the_next_recommendation(user: Transcript) -> None:
    walk_to_summary(user, "anbefaling1")
    user.press("Videre")
    assert user.state.flow == "anbefaling2"


def test_bad_time_is_refused_kindly_and_asked_again(user: Transcript) -> None:
    user.press_on("skridt", flow="anbefaling1")
    user.press("🗓 Planlæg")
    user.send("Kasserer")
    user.press("Vælg uge eller dato")
    user.send("en gang til foråret")
    assert user.last.text.startswith("Det kunne jeg ikke læse som en uge eller en dato.")
    assert user.state.widget["stage"] == "when_text"
    user.send("15.3.2027")
    record = next(iter(user.state.checklists.values()))
    assert record["when"] == {"date": "2027-03-15", "precision": "day"}
    assert record["who"] == "Kasserer"


def test_back_inside_a_checklist_steps_back_one_stage(user: Transcript) -> None:
    user.press_on("skridt", flow="anbefaling1")
    user.press("✅ Gjort")
    assert user.state.widget["item"] == 1
    user.press("Tilbage")
    assert (user.state.widget["item"], user.state.widget["stage"]) == (0, "mark")
    assert "Markeret: ✅ Gjort" in user.last.text


def test_old_checklist_buttons_do_not_mark_a_later_step(user: Transcript) -> None:
    user.press_on("skridt", flow="anbefaling1")
    first = user.keyboard
    user.press("✅ Gjort")
    user.press("➖ Ikke relevant", reply=first)
    assert user.last.text.startswith("Den knap hører til en ældre besked.")
    assert len(user.state.checklists) == 1


def test_mine_svar_lists_edits_and_deletes_answers(user: Transcript, clock) -> None:
    user.press_on("q_vaerdi", flow="anbefaling1")
    user.send("Første svar")
    user.send("Andet svar")
    user.send("/svar")
    assert user.last.text.startswith("<b>Jeres svar</b>")
    user.press("Anbefaling 1")
    assert "1. Hvad kan en tidligere bruger" in user.last.text
    assert "Første svar" in user.last.text
    assert user.labels()[:4] == ["✏️ 1", "🗑 1", "✏️ 2", "🗑 2"]

    clock.advance(days=2)
    user.press("✏️ 1")
    assert user.last.text.endswith("Skriv det nye svar.")
    user.send("Rettet svar")
    assert user.last.text.startswith("✔️ Svaret er rettet.")
    answer = user.state.answers["anbefaling1/q_vaerdi"]
    assert answer["text"] == "Rettet svar"
    assert answer["edited"]["at"] == "2026-11-25T10:00:00+00:00"

    user.press("🗑 2")
    assert "Vil I slette svaret" in user.last.text
    user.press("Nej")
    assert "anbefaling1/q_opgaver" in user.state.answers
    user.press("🗑 2")
    user.press("Ja, slet")
    assert user.last.text.startswith("🗑 Svaret er slettet.")
    assert "anbefaling1/q_opgaver" not in user.state.answers
    user.press("Tilbage")
    assert user.last.text.startswith("<b>Jeres svar</b>")


def test_summary_edit_button_opens_the_flows_answers(user: Transcript) -> None:
    walk_to_summary(user, "anbefaling2")
    user.press("Ret et svar")
    assert user.state.flow == "@svar"
    assert user.last.text.startswith("<b>Anbefaling 2")
    user.press("Tilbage")
    assert (user.state.flow, user.state.node) == ("anbefaling2", "opsummering")


@pytest.mark.parametrize(
    "payload", [*RECOMMENDATIONS, "katalog", "trin1", "trin4", "moede", "handleplan"]
)
def test_deep_links_open_their_part(user: Transcript, payload: str) -> None:
    user.send(f"/start {payload}")
    expected = {"handleplan": "trin3"}.get(payload, payload)
    assert user.state.flow == expected
