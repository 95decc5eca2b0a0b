"""Transcript tests through the pure engine: what the user does, and exactly what comes back."""

from __future__ import annotations

from dialogues import Library
from tests.transcript import Transcript

NAV = ["⬅️ Tilbage", "🏠 Menu"]


def test_first_start_greets_and_shows_the_menu(demo: Transcript, demo_library: Library) -> None:
    replies = demo.send("/start")
    assert [r.text for r in replies] == [demo_library.get(None).text("welcome"), "Menu"]
    assert demo.labels() == ["Demo", "Hjælp"]


def test_walk_through_info_teaser_and_questions(demo: Transcript) -> None:
    demo.send("/start")
    demo.press("Demo")
    assert demo.last.text == "Velkommen til demoen."
    # two reading pages lie ahead of the questions: a busy reader can jump past them
    assert demo.labels() == ["Videre ➡️", "⏭ Til spørgsmålene", *NAV]

    demo.press("Videre")
    assert demo.last.text == "<b>📊 Fakta</b>\nEt kort faktum."
    assert demo.labels() == ["Læs mere", "Spring over", *NAV]

    demo.press("Læs mere")
    assert demo.last.text == "<b>📊 Fakta</b>\nHele faktaet."

    demo.press("Videre")
    assert demo.last.text == (
        "<i>Spørgsmål 1 af 3</i>\n<b>Gruppe A</b>\nFørste spørgsmål?\n<i>Et hint.</i>"
    )
    assert demo.labels() == ["Spring over", *NAV]

    demo.send("Vi har <b>mange</b> idéer & planer")
    assert demo.last.text == "✔️ Gemt.\n\n<i>Spørgsmål 2 af 3</i>\nAndet spørgsmål?"


def test_jumping_past_the_reading_lands_on_the_first_open_question(demo: Transcript) -> None:
    demo.send("/start")
    demo.press("Demo")
    demo.press("Til spørgsmålene")
    assert demo.last.text.startswith("<i>Spørgsmål 1 af 3</i>")
    demo.send("Et svar")
    demo.press_option("_menu")
    demo.press("Demo")  # opened again: straight to the first open question, the second
    assert demo.last.text.startswith("<i>Spørgsmål 2 af 3</i>")
    demo.press_option("_back")  # the part's first page stays one Back away
    assert demo.last.text == "Velkommen til demoen."


def test_answer_is_stored_verbatim_and_shown_escaped(demo: Transcript) -> None:
    demo.send("/start anbefaling1")  # unknown deep link: plain start
    demo.press("Demo")
    demo.press("Videre")
    demo.press("Spring over")
    hostile = ("<script>&amp;" * 400)[:4096]
    demo.send(hostile)
    assert demo.state.answers["demo/q1"]["text"] == hostile
    assert demo.state.answers["demo/q1"]["by"] == {"id": 7, "name": "Anna"}
    demo.press("Tilbage")
    assert "&lt;script&gt;&amp;amp;" in demo.last.text
    assert "<script>" not in demo.last.text
    assert demo.labels() == ["Behold svaret", *NAV]


def test_back_returns_to_the_node_actually_seen(demo: Transcript) -> None:
    demo.send("/start")
    demo.press("Demo")
    demo.press("Videre")
    demo.press("Spring over")  # the fact's teaser
    demo.send("svar 1")
    demo.send("svar 2")
    demo.press("Nej")  # jumps over q3 to the end
    assert demo.last.text == "Første svar: svar 1"
    demo.press("Tilbage")
    assert demo.last.text == "Vælg en vej."
    assert demo.labels() == ["Ja", "✓ Nej", "Spring over", *NAV]  # the choice made is marked


def test_skip_keeps_no_answer_and_says_so(demo: Transcript) -> None:
    demo.send("/start")
    demo.press("Demo")
    demo.press("Videre")
    demo.press("Spring over")  # the teaser
    demo.press("Spring over")  # question 1
    assert demo.last.text.startswith("Sprunget over.\n\n<i>Spørgsmål 2 af 3</i>")
    assert "demo/q1" not in demo.state.answers


def test_placeholders_are_filled_with_earlier_answers(demo: Transcript) -> None:
    demo.send("/start demo")
    demo.press("Videre")
    demo.press("Spring over")
    demo.send("<mit svar>")
    demo.send("to")
    demo.press("Ja")
    assert "Du skrev &lt;mit svar&gt;." in demo.last.text


def test_end_of_flow_returns_to_menu_with_praise(demo: Transcript) -> None:
    demo.send("/start demo")
    demo.press("Videre")
    demo.press("Spring over")
    demo.send("a")
    demo.send("b")
    demo.press("Nej")
    demo.press("Videre")
    assert demo.last.text == "Godt arbejde! I er færdige med «Demoforløb».\n\nMenu"
    assert demo.state.flow == "menu"


def test_start_mid_journey_offers_continue_or_restart(demo: Transcript) -> None:
    demo.send("/start demo")
    demo.press("Videre")
    demo.press("Spring over")
    demo.send("første")
    demo.send("/start")
    assert demo.last.text.startswith("I er i gang med «Demoforløb».")
    assert demo.labels() == ["▶️ Fortsæt", "🔄 Start forfra", "🏠 Menu"]
    demo.press("Fortsæt")
    assert "Andet spørgsmål?" in demo.last.text
    demo.send("/start")
    demo.press("Start forfra")
    assert demo.last.text == "Velkommen til demoen."
    assert demo.state.answers["demo/q1"]["text"] == "første"


def test_cancel_goes_to_menu_and_keeps_answers(demo: Transcript) -> None:
    demo.send("/start demo")
    demo.press("Videre")
    demo.press("Spring over")
    demo.send("gemt svar")
    demo.send("/annuller")
    assert demo.last.text == "I er tilbage i menuen. Alle jeres svar er gemt.\n\nMenu"
    assert demo.state.answers["demo/q1"]["text"] == "gemt svar"


def test_help_shows_help_and_keeps_the_place(demo: Transcript) -> None:
    demo.send("/start demo")
    replies = demo.send("/hjaelp")
    assert replies[0].text.startswith("<b>Sådan bruger I guiden</b>")
    assert replies[1].text == "Velkommen til demoen."


def test_edit_records_who_changed_an_answer_and_when(demo: Transcript) -> None:
    demo.send("/start demo")
    demo.press("Videre")
    demo.press("Spring over")
    demo.send("først")
    demo.press("Tilbage")
    demo.clock.advance(hours=1)
    demo.send("bagefter")
    answer = demo.state.answers["demo/q1"]
    assert answer["text"] == "bagefter"
    assert answer["edited"] == {"by": {"id": 7, "name": "Anna"}, "at": "2026-11-23T11:00:00+00:00"}
    assert answer["at"] == "2026-11-23T10:00:00+00:00"


def test_deep_link_opens_a_flow_directly_after_a_short_welcome(demo: Transcript) -> None:
    replies = demo.send("/start demo")
    assert [r.text for r in replies][1:] == ["Velkommen til demoen."]
    assert replies[0].text.startswith("Hej! Jeg er <b>Inklusionsguiden</b>")
    demo.send("/start@inklusion_test_bot demo")
    assert demo.replies[-1].text == "Velkommen til demoen."
