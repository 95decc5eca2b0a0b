"""Bad input gets a clear, friendly answer and changes nothing it should not."""

from __future__ import annotations

from dialogues import callbacks
from tests.transcript import Transcript


def _at_question(demo: Transcript) -> None:
    demo.send("/start demo")
    demo.press("Videre")
    demo.press("Spring over")


def test_text_where_a_button_is_expected_asks_again_with_buttons(demo: Transcript) -> None:
    demo.send("/start demo")
    before = demo.state
    demo.send("hvad nu?")
    assert demo.last.text == "Vælg en af knapperne herunder.\n\nVelkommen til demoen."
    assert demo.labels() == ["Videre ➡️", "⏭ Til spørgsmålene", "🏠 Menu"]
    after = demo.state
    assert (after.flow, after.node, after.turn, after.answers) == (
        before.flow,
        before.node,
        before.turn,
        before.answers,
    )


def test_media_where_text_is_expected_asks_for_text(demo: Transcript) -> None:
    _at_question(demo)
    demo.media()
    assert demo.last.text.startswith("Jeg kan kun læse tekst. Skriv svaret som tekst.")
    assert "Første spørgsmål?" in demo.last.text
    assert demo.state.answers == {}


def test_empty_or_whitespace_answer_asks_again(demo: Transcript) -> None:
    _at_question(demo)
    for blank in ("", "   ", "\n\t "):
        demo.send(blank)
        assert demo.last.text.startswith("Svaret var tomt.")
        assert demo.state.node == "q1"
    assert demo.state.answers == {}


def test_unknown_command_hints_at_help(demo: Transcript) -> None:
    _at_question(demo)
    demo.send("/foo")
    assert demo.last.text == "Den kommando kender jeg ikke. Skriv /hjaelp for at se, hvad jeg kan."
    assert demo.state.node == "q1"


def test_forged_callback_changes_nothing(demo: Transcript) -> None:
    _at_question(demo)
    before = demo.state.to_dict()
    for forged in ("", "x", "1:abc:demo/q1:_skip", "2:1:demo/q1:_skip", "1:3:demo/q1:", "💥" * 40):
        demo.press_data(forged)
        assert demo.last.text == "Den knap kender jeg ikke, så jeg har ikke ændret noget."
    turn = demo.state.turn
    demo.press_data(callbacks.encode(turn, "demo/q1", "nosuchoption"))
    assert demo.last.text == "Den knap kender jeg ikke, så jeg har ikke ændret noget."
    after = demo.state.to_dict()
    before.pop("updated_at"), after.pop("updated_at")
    assert after == before


def test_press_on_an_old_message_is_stale_and_not_applied(demo: Transcript) -> None:
    demo.send("/start demo")
    old = demo.keyboard  # intro's buttons
    demo.press("Videre")
    demo.press("Spring over")
    assert demo.state.node == "q1"
    demo.press("Videre", reply=old)
    assert demo.last.text.startswith("Den knap hører til en ældre besked. Her er I nu:")
    assert "Første spørgsmål?" in demo.last.text
    assert demo.state.node == "q1"


def test_press_on_old_copy_of_same_question_still_works(demo: Transcript) -> None:
    _at_question(demo)
    first = demo.keyboard
    demo.send("   ")  # asked again: a second copy of the same question
    demo.press("Spring over", reply=first)
    assert demo.state.node == "q2"


def test_button_before_any_start_is_stale_not_a_crash(demo: Transcript) -> None:
    demo.press_data(callbacks.encode(5, "demo/q1", "_skip"))
    assert demo.last.text.startswith("Den knap hører til en ældre besked.")
    assert demo.state.flow == "menu"


def test_deleted_node_in_stored_state_falls_back_to_menu(demo: Transcript) -> None:
    demo.send("/start demo")
    state = demo.state
    state.node = "removed_node"
    demo.conversations.store.put("chat:100", state.to_dict())
    demo.send("hej")
    assert demo.last.text == "Menu"
