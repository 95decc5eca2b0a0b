"""Board rules: every action, by every path, as an admin, as a plain member, in a private chat.

The table in dialogues/rules.py decides which actions are for a group's admins. Here each
action is performed the way a person would (a command, a button on a screen, a reminder's
button, forged callback data, a typed reply, a deep link) and the test checks that it took
effect exactly when the rules allow it; a refusal says so and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from dialogues import Library
from dialogues.rules import ACTIONS, ADMIN_ONLY, Action, permitted
from dialogues.state import ChatState
from tests.transcript import Transcript

GROUP = -100777
REFUSED = "Det kan kun gruppens administratorer gøre. Intet er ændret."


def press(user: Transcript, option: str) -> None:
    """Press the option on the last keyboard; without one, forge it for the current position.

    A plain member who was refused sees no keyboard, but can copy the callback data of the
    admin's message (or guess it): that is what an attacker would do.
    """
    buttons = [b for r in user.replies if r.buttons for row in r.buttons for b in row]
    found = [b.data for b in buttons if b.data.split(":", 3)[-1] == option]
    state = user.state
    user.press_data(found[-1] if found else f"1:{state.turn}:{state.node_key}:{option}")


def at_question(user: Transcript) -> None:
    user.press_on("q_vaerdi", flow="anbefaling1")


def at_schedule(user: Transcript) -> None:
    user.press_on("kadence", flow="trin4")


def at_meeting_date(user: Transcript) -> None:
    at_schedule(user)
    user.press_option("month")


def with_meeting(user: Transcript) -> None:
    at_meeting_date(user)
    user.reply("15.1.2027")
    user.send("/menu")


def with_row(user: Transcript) -> None:
    """A plan row 'Fokus' with a deadline next week; the chat at the plan's overview."""
    user.press_on("handleplan", flow="trin3")
    user.press_option("add")
    user.press_option("own")
    user.reply("Fokus")
    for _ in range(3):
        user.press_option("_skip")
    user.press_option("w1")
    user.press_option("_skip")  # the roles: skipped, and the row is in the plan


def at_row_delete(user: Transcript) -> None:
    with_row(user)
    user.press_option("e1")
    user.press_option("del")


def with_two_answers(user: Transcript) -> None:
    at_question(user)
    user.reply("Annas svar")
    if user.chat_type != "private":
        user.as_member(2, "Bo").reply("Bos svar")


def at_delete_confirmation(user: Transcript) -> None:
    user.send("/start")
    user.send("/slet")


def started(user: Transcript) -> None:
    user.send("/start")


def open_answers_delete(actor: Transcript) -> None:
    actor.send("/svar")
    press(actor, "f:anbefaling1")
    press(actor, "d:q_vaerdi")
    press(actor, "yes")


def with_own_question(user: Transcript) -> None:
    user.press_on("egne", flow="trin1")
    user.reply("Et eget spørgsmål?")
    user.reply("Et svar")


def open_own_delete(actor: Transcript) -> None:
    actor.send("/svar")
    press(actor, "f:trin1")
    press(actor, "d:+1")
    press(actor, "yes")


def followup(state: ChatState) -> dict[str, object]:
    return state.settings.get("followup") or {}


@dataclass(frozen=True)
class Case:
    """One path to one action: set up (by the admin), do it (by the actor), did it happen?"""

    action: Action
    path: str
    setup: Callable[[Transcript], None]
    do: Callable[[Transcript], None]
    happened: Callable[[ChatState, ChatState], bool]


CASES = [
    Case("restart", "Start forfra", at_question,
         lambda a: (a.send("/start"), press(a, "_restart")),
         lambda b, s: s.node == "intro" and b.node == "q_vaerdi"),
    Case("restart", "deep link into the part the board is in", at_question,
         lambda a: a.send("/start anbefaling1"),
         lambda b, s: s.node != "q_vaerdi"),
    Case("restart", "forged reminder button into the part", at_question,
         lambda a: a.press_data("2:f:f:anbefaling1"),
         lambda b, s: s.node != "q_vaerdi"),
    Case("delete_all", "/slet and yes", started,
         lambda a: (a.send("/slet"), press(a, "yes")),
         lambda b, s: not s.started),
    Case("delete_all", "/delete (English name)", started,
         lambda a: (a.send("/delete"), press(a, "yes")),
         lambda b, s: not s.started),
    Case("delete_all", "the privacy notice's button, then yes", started,
         lambda a: (a.press_data("g:delete"), press(a, "yes")),
         lambda b, s: not s.started),
    Case("delete_all", "yes on the admin's confirmation", at_delete_confirmation,
         lambda a: press(a, "yes"),
         lambda b, s: not s.started),
    Case("language", "/sprog", started,
         lambda a: (a.send("/sprog"), press(a, "l:en")),
         lambda b, s: s.lang == "en"),
    Case("language", "forged language button", lambda u: (u.send("/start"), u.send("/sprog")),
         lambda a: press(a, "l:en"),
         lambda b, s: s.lang == "en"),
    Case("reminder_kinds", "/paamindelser: a kind off", started,
         lambda a: (a.send("/paamindelser"), press(a, "t:deadline")),
         lambda b, s: "deadline" in (s.settings.get("nudges_off") or [])),
    Case("reminder_kinds", "/paamindelser: all off", started,
         lambda a: (a.send("/paamindelser"), press(a, "all")),
         lambda b, s: bool(s.settings.get("nudges_off_all"))),
    Case("reminder_kinds", "a reminder's 🔕 button", with_meeting,
         lambda a: a.press_data("2:o:meeting"),
         lambda b, s: "meeting" in (s.settings.get("nudges_off") or [])),
    Case("reminder_kinds", "forged 🔕 for deadlines", started,
         lambda a: a.press_data("2:o:deadline"),
         lambda b, s: "deadline" in (s.settings.get("nudges_off") or [])),
    Case("rhythm", "step 4's rhythm buttons", at_schedule,
         lambda a: press(a, "quarter"),
         lambda b, s: followup(s).get("cadence") == "quarter"),
    Case("rhythm", "/paamindelser: change the rhythm", started,
         lambda a: (a.send("/paamindelser"), press(a, "cad")),
         lambda b, s: s.node == "kadence"),
    Case("next_meeting", "typed as a reply", at_meeting_date,
         lambda a: a.reply("20.2.2027"),
         lambda b, s: (followup(s).get("next_meeting") or {}).get("date") == "2027-02-20"),
    Case("next_meeting", "a meeting reminder's 'a week later'", with_meeting,
         lambda a: a.press_data("2:u:m:2027-01-15"),
         lambda b, s: followup(s).get("moved") == {"2027-01-15": "2027-01-22"}),
    Case("delete_plan_row", "row page: delete, yes", with_row,
         lambda a: (press(a, "e1"), press(a, "del"), press(a, "yes")),
         lambda b, s: s.plan == []),
    Case("delete_plan_row", "yes on the admin's confirmation", at_row_delete,
         lambda a: press(a, "yes"),
         lambda b, s: s.plan == []),
    Case("delete_answers", "'Mine svar': delete everyone's answers", with_two_answers,
         open_answers_delete,
         lambda b, s: not any(k.startswith("anbefaling1/q_vaerdi") for k in s.answers)),
    Case("own_questions", "'Jeres svar': delete a question another wrote", with_own_question,
         open_own_delete,
         lambda b, s: "trin1/+1" not in s.answers and "trin1/+1" in b.answers),
    Case("own_questions", "'Jeres svar': reword a question another wrote", with_own_question,
         lambda a: (a.send("/svar"), press(a, "f:trin1"), press(a, "e:+1"), press(a, "q"),
                    a.reply("Omformuleret?")),
         lambda b, s: s.answers["trin1/+1"]["question"] == "Omformuleret?"),
    Case("answer", "a reply to a question", at_question,
         lambda a: a.reply("Mit svar"),
         lambda b, s: any(v["text"] == "Mit svar" for v in s.answers.values())),
    Case("answer", "a first step marked done", lambda u: u.press_on("skridt", flow="anbefaling1"),
         lambda a: press(a, "d"),
         lambda b, s: any(r.get("status") == "done" for r in s.checklists.values())),
    Case("plan_rows", "add a row", with_row,
         lambda a: (press(a, "add"), press(a, "own"), a.reply("Ny række")),
         lambda b, s: len(s.plan) == 2),
    Case("plan_rows", "change a row's goal", with_row,
         lambda a: (press(a, "e1"), press(a, "f:maal"), a.reply("Nyt mål")),
         lambda b, s: s.plan[0]["maal"] == "Nyt mål"),
    Case("progress", "a reminder's 'Gjort'", with_row,
         lambda a: a.press_data("2:d:p:r1"),
         lambda b, s: s.plan[0].get("progress") == "done"),
    Case("progress", "a reminder's 'a week later' for an item", with_row,
         lambda a: a.press_data("2:u:p:r1"),
         lambda b, s: s.plan[0]["tid"] != b.plan[0]["tid"]),
    Case("navigate", "/menu", at_question,
         lambda a: a.send("/menu"),
         lambda b, s: s.flow == "menu"),
    Case("navigate", "a deep link to another part", at_question,
         lambda a: a.send("/start anbefaling2"),
         lambda b, s: s.flow == "anbefaling2"),
    Case("navigate", "the plan", with_row,
         lambda a: a.send("/plan"),
         lambda b, s: s.flow == "@plan"),
]  # fmt: skip
ROLES = ("admin", "member", "private")


def owner_for(library: Library, role: str) -> Transcript:
    """Return the one who sets the chat up: the group's admin, or the private user."""
    if role == "private":
        user = Transcript(library, chat_id=4242, user_id=5, name="Eva")
        user.is_admin = False  # in a private chat being no admin must not matter
        return user
    return Transcript(library, chat_id=GROUP, user_id=1, name="Anna", chat_type="supergroup")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.action}: {c.path}")
def test_every_action_by_every_path(library: Library, case: Case, role: str) -> None:
    owner = owner_for(library, role)
    case.setup(owner)
    actor = owner.as_member(2, "Bo", admin=False) if role == "member" else owner
    before = owner.state
    seen = len(actor.history)
    case.do(actor)
    answered = [r.text for r in actor.history[seen:]]
    after = owner.state
    allowed = role != "member" or case.action not in ADMIN_ONLY
    assert case.happened(before, after) is allowed, (case.path, role, actor.replies)
    if not allowed and case.action == "delete_answers":  # a member deletes only their own
        assert "anbefaling1/q_vaerdi#1" in after.answers
        assert "anbefaling1/q_vaerdi#2" not in after.answers
    elif not allowed:
        assert REFUSED in answered, answered
        assert (after.answers, after.plan, after.checklists, after.lang) == (
            before.answers,
            before.plan,
            before.checklists,
            before.lang,
        )
        assert after.settings.get("followup") == before.settings.get("followup")


def test_every_action_has_a_path_in_the_table() -> None:
    assert {c.action for c in CASES} == set(ACTIONS)


def test_a_private_chat_allows_everything_and_a_group_member_only_the_shared_work() -> None:
    from datetime import UTC, datetime

    def event(chat_type: str, admin: bool):  # type: ignore[no-untyped-def]
        from dialogues import Event

        at = datetime(2026, 11, 23, tzinfo=UTC)
        return Event(1, 2, "Bo", "button", at, chat_type=chat_type, is_admin=admin)

    for action in ACTIONS:
        assert permitted(event("private", False), action)
        assert permitted(event("supergroup", True), action)
        assert permitted(event("group", False), action) is (action not in ADMIN_ONLY)
