"""/grupper as an engine screen: it shows only what the adapter checked before the turn."""

from __future__ import annotations

import dataclasses

from bot.terminal import chat
from dialogues import ChatState, Event, Library, Reply, step
from dialogues.events import GroupsView
from storage import MemoryStore
from tests.transcript import Clock, Transcript

NONE_DA = "Jeg kender ingen grupper, hvor du er med og har brugt guiden."
NONE_EN = "I don't know any groups where you are a member and have used the guide."
REFUSED_DA = "Den gruppe kan jeg ikke vise. Skriv /grupper for at se dine grupper."
NOT_MEMBER_DA = "Du er ikke længere med i den gruppe, så jeg kan ikke vise dens plan."
PICK_DA = "Dine gruppers handleplaner. Vælg en gruppe for at se planen."


def turn(library: Library, kind: str, view: GroupsView | None, **fields: str) -> list[Reply]:
    """One private turn of a Danish user, with what the adapter found (or nothing)."""
    event = Event(chat_id=7, user_id=7, user_name="Anna", kind=kind, at=Clock()(), **fields)  # type: ignore[arg-type]
    _, replies = step(library, ChatState(lang="da"), dataclasses.replace(event, groups=view))
    return replies


def test_the_terminal_chat_has_no_groups_and_says_so(library: Library) -> None:
    conversations = Transcript(library, MemoryStore()).conversations
    out: list[str] = []
    chat(conversations, ["/grupper"], write=out.append)
    assert NONE_DA in "\n".join(out)


def test_groups_is_answered_in_english_too_without_groups(library: Library) -> None:
    anna = Transcript(library, lang="en")
    anna.send("/start")
    anna.send("/language")
    anna.press("English")
    assert [r.text for r in anna.send("/groups")] == [NONE_EN]


def test_the_list_shows_the_groups_the_adapter_checked_with_their_titles(library: Library) -> None:
    view = GroupsView(groups=((-1001, "Bestyrelsen"), (-1002, "")))
    replies = turn(library, "command", view, text="/grupper")
    assert [r.text for r in replies] == [PICK_DA]
    assert [(b.label, b.data) for row in replies[0].buttons for b in row] == [
        ("Bestyrelsen", "grp:-1001"),
        ("-1002", "grp:-1002"),  # a group without a stored title is named by its id
    ]


def test_an_empty_list_says_there_are_no_groups(library: Library) -> None:
    replies = turn(library, "command", GroupsView(), text="/grupper")
    assert [(r.text, r.buttons) for r in replies] == [(NONE_DA, ())]


def test_a_plan_press_the_adapter_did_not_check_is_refused(library: Library) -> None:
    # A forged button reaching the engine directly: the group id in its data counts for nothing.
    replies = turn(library, "button", None, data="grp:-1001")
    assert [r.text for r in replies] == [REFUSED_DA]
    listed = GroupsView(groups=((-1001, "Bestyrelsen"),))  # a list is no permission to show
    assert [r.text for r in turn(library, "button", listed, data="grp:-1001")] == [REFUSED_DA]


def test_refusals_say_why_in_the_persons_language(library: Library) -> None:
    left = turn(library, "button", GroupsView(outcome="not_member"), data="grp:-1001")
    assert [r.text for r in left] == [NOT_MEMBER_DA]
    refused = turn(library, "button", GroupsView(outcome="refused"), data="grp:-1001")
    assert [r.text for r in refused] == [REFUSED_DA]


def test_a_checked_plan_is_shown_in_the_groups_language(library: Library) -> None:
    group = ChatState(lang="en", plan=[{"id": "r1", "fokus": "Welcome new members"}])
    view = GroupsView(outcome="plan", plan=group)
    replies = turn(library, "button", view, data="grp:-1001")
    assert [r.text.split("\n")[0] for r in replies] == ["<b>📋 Action plan for inclusion</b>"]
    assert "<b>🎯 Welcome new members</b>" in replies[0].text
    assert "<b>Status:</b> Not started" in replies[0].text  # not the Danish "Ikke startet"
