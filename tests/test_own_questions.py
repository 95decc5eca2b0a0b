"""Questions of one's own (issue 18): each keeps its number for good, and 'Jeres svar' edits
its answer or its wording (showing what it holds) and deletes it with its answer."""

from __future__ import annotations

import pytest

from dialogues import Library
from tests.transcript import Clock, Transcript

GROUP = -100555
REFUSED = "Det kan kun gruppens administratorer gøre. Intet er ændret."


def write_own(user: Transcript, *pairs: tuple[str, str]) -> None:
    user.press_on("egne", flow="trin1")
    for question, answer in pairs:
        user.send(question)
        user.send(answer)


def open_list(user: Transcript) -> None:
    user.send("/svar")
    user.press("Trin 1: Beskriv praksis")


@pytest.fixture
def three(library: Library) -> Transcript:
    user = Transcript(library, clock=Clock())
    write_own(user, ("Hvem spørger vi først?", "Formanden"), ("Hvad koster det?", "Intet"),
              ("Hvornår starter vi?", "Til foråret"))  # fmt: skip
    open_list(user)
    return user


def own(user: Transcript) -> dict[str, tuple[str, str]]:
    return {k: (v["question"], v["text"]) for k, v in user.state.answers.items() if "/+" in k}


def test_own_questions_are_numbered_on_with_an_edit_and_a_delete_each(three: Transcript) -> None:
    assert "<b>11. Hvem spørger vi først?</b>\nFormanden" in three.last.text
    assert "<b>13. Hvornår starter vi?</b>\nTil foråret" in three.last.text
    assert three.labels()[-8:-2] == ["✏️ 11", "🗑 11", "✏️ 12", "🗑 12", "✏️ 13", "🗑 13"]


def test_a_deleted_question_goes_with_its_answer_and_no_number_is_used_again(
    three: Transcript,
) -> None:
    three.press("🗑 12")
    assert three.last.text == (
        "Vil I slette jeres spørgsmål «Hvad koster det?» og svaret på det? Det kan ikke fortrydes."
    )
    three.press("🗑 Ja, slet")
    assert three.last.text.startswith("🗑 Spørgsmålet og svaret er slettet.\n")
    assert "<b>12. Hvornår starter vi?</b>\nTil foråret" in three.last.text  # shown in order
    assert own(three) == {
        "trin1/+1": ("Hvem spørger vi først?", "Formanden"),
        "trin1/+3": ("Hvornår starter vi?", "Til foråret"),
    }
    three.press_on("egne", flow="trin1")
    three.send("Hvem har tid?")
    three.send("Kassereren")  # a new question meets no old answer, and overwrites none
    three.press_on("egne", flow="trin1")
    assert own(three)["trin1/+4"] == ("Hvem har tid?", "Kassereren")
    assert own(three)["trin1/+3"] == ("Hvornår starter vi?", "Til foråret")
    three.send("/svar")
    three.press("Trin 1: Beskriv praksis")
    three.press("🗑 13")
    three.press("🗑 Ja, slet")  # the newest deleted: its number is still not used again
    three.press_on("egne", flow="trin1")
    three.send("Hvad nu?")
    three.send("Vi prøver")
    assert "trin1/+5" in own(three) and "trin1/+4" not in own(three)


def test_no_keeps_the_question(three: Transcript) -> None:
    three.press("🗑 11")
    three.press("Nej")
    assert len(own(three)) == 3
    assert three.labels()[-8] == "✏️ 11"


def test_the_answer_and_the_wording_are_edited_showing_what_they_hold(three: Transcript) -> None:
    three.press("✏️ 11")
    assert three.last.text == (
        "<b>Hvem spørger vi først?</b>\n\nJeres svar indtil nu: Formanden\n\nSkriv det nye svar."
    )
    three.send("Næstformanden")
    assert three.last.text.startswith("✔️ Svaret er rettet.\n")
    three.press("✏️ 11")
    three.press("✏️ Ret selve spørgsmålet")
    assert three.last.text == (
        "Nu står der:\nHvem spørger vi først?\n\nSkriv spørgsmålet, som det skal lyde."
    )
    three.send("Hvem spørger vi allerførst?")
    assert three.last.text.startswith("✔️ Spørgsmålet er rettet.\n")
    assert own(three)["trin1/+1"] == ("Hvem spørger vi allerførst?", "Næstformanden")
    assert three.state.answers["trin1/+1"]["edited"]["by"]["name"] == "Anna"
    three.press("⬅️ Tilbage")  # the edit pages are not a place to go back to
    assert three.state.node == "flows"


def test_an_empty_or_too_long_wording_is_refused_and_changes_nothing(three: Transcript) -> None:
    three.press("✏️ 12")
    three.press("✏️ Ret selve spørgsmålet")
    three.send("x" * 501)
    assert three.state.node == "own_question"
    assert own(three)["trin1/+2"] == ("Hvad koster det?", "Intet")


def test_a_forged_button_for_a_question_that_is_not_there_changes_nothing(
    three: Transcript,
) -> None:
    before = dict(three.state.answers)
    data = next(b.data for row in three.keyboard.buttons for b in row if b.label == "🗑 12")
    three.press_data(data.replace("+2", "+9"))
    assert three.state.answers == before
    assert three.state.node == "list"


def test_in_a_group_a_member_changes_only_the_questions_they_wrote(library: Library) -> None:
    anna = Transcript(library, chat_id=GROUP, user_id=1, name="Anna", chat_type="supergroup")
    anna.press_on("egne", flow="trin1")
    anna.reply("Annas spørgsmål?")
    anna.reply("Annas svar")
    bo = anna.as_member(2, "Bo", admin=False)
    bo.reply("Bos spørgsmål?")
    bo.reply("Bos svar")
    bo.send("/svar")
    bo.press("Trin 1: Beskriv praksis")
    bo.press("🗑 11")  # Anna's
    assert REFUSED in [r.text for r in bo.replies]
    assert len(own(anna)) == 2
    bo.send("/svar")
    bo.press("Trin 1: Beskriv praksis")
    bo.press("🗑 12")  # his own
    bo.press("🗑 Ja, slet")
    assert list(own(anna).values()) == [("Annas spørgsmål?", "Annas svar")]
    anna.send("/svar")
    anna.press("Trin 1: Beskriv praksis")
    anna.press("✏️ 11")
    anna.reply("Et nyt svar")
    assert list(own(anna).values()) == [("Annas spørgsmål?", "Et nyt svar")]


def test_in_english(library: Library) -> None:
    user = Transcript(library, clock=Clock())
    user.send("/start")
    user.press("🌐 Sprog · Language")
    user.press("English")
    write_own(user, ("Who do we ask first?", "The chair"))
    user.send("/answers")
    user.press("Step 1")
    user.press("🗑 11")
    assert user.last.text == (
        "Delete your question “Who do we ask first?” and its answer? This cannot be undone."
    )
    user.press("🗑 Yes, delete")
    assert user.last.text.startswith("🗑 The question and its answer have been deleted.\n")
