"""Who may do what in a group: the one table of the actions that are for a group's admins.

Every path that performs one of these actions asks `permitted` first: commands, screens,
the buttons a reminder carries, typed replies and deep links. In a private chat everything
is allowed; in a group a plain member may take part in the work, and only the admins may
change what the whole board relies on or lose its data:

==================  ==================================================  ==============
action              what it covers                                      in a group
==================  ==================================================  ==============
restart             "Start forfra"; a deep link or reminder button      admins
                    that would put the board back at the start of the
                    part it is in
delete_all          /slet (/delete), its button and its confirmation     admins
language            /sprog (/language)                                  admins
reminder_kinds      switching kinds of reminders off or on (the         admins
                    reminders screen, the 🔕 button on a reminder)
rhythm              the follow-up rhythm (step 4, /paamindelser)        admins
next_meeting        the next board meeting: typed in step 4, or moved   admins
                    a week by a reminder's button
delete_plan_row     deleting a row of the action plan                   admins
delete_answers      deleting every member's answers to a question in    admins (a member
                    'Mine svar'                                         deletes only theirs)
own_questions       changing or deleting a question of one's own and    admins (a member:
                    its answer in 'Jeres svar'                          those they wrote)
answer              answering questions, marking first steps, one's     everyone
                    own questions, deleting one's own answers
plan_rows           adding a plan row and filling in or changing its    everyone
                    fields (every change records who and when)
progress            Gjort / I gang / Kørt fast / Udskyd en uge on an    everyone
                    action item's reminder
navigate            the menu, Back, opening a part, reading the plan    everyone
==================  ==================================================  ==============

Whether the sender is an admin comes with the event (`Event.is_admin`, which the adapter
fills from Telegram for every group event).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, get_args

from dialogues.events import Event

if TYPE_CHECKING:
    from dialogues.turn import Turn

Action = Literal[
    "restart",
    "delete_all",
    "language",
    "reminder_kinds",
    "rhythm",
    "next_meeting",
    "delete_plan_row",
    "delete_answers",
    "own_questions",
    "answer",
    "plan_rows",
    "progress",
    "navigate",
]
ACTIONS: tuple[Action, ...] = get_args(Action)
ADMIN_ONLY: frozenset[Action] = frozenset(
    {
        "restart",
        "delete_all",
        "language",
        "reminder_kinds",
        "rhythm",
        "next_meeting",
        "delete_plan_row",
        "delete_answers",
        "own_questions",
    }
)
"""The actions only a group's admins may perform; the rest are for every member."""


def permitted(who: Turn | Event, action: Action) -> bool:
    """Tell whether the sender may perform `action` here; given a turn, say the refusal.

    Anyone may do anything in a private chat; in a group the actions in ADMIN_ONLY are for
    the group's admins. A refused turn gets "only admins can do that; nothing changed".
    """
    event = who if isinstance(who, Event) else who.event
    if not event.in_group or event.is_admin or action not in ADMIN_ONLY:
        return True
    if not isinstance(who, Event):
        who.say(who.t("admins_only"))
    return False


def permitted_on(turn: Turn, action: Action, author: object) -> bool:
    """Tell whether the sender may perform `action` on something `author` (a user id) made:
    as `permitted`, and in a group a member may also do it to what they made themselves."""
    event = turn.event
    if event.in_group and not event.is_admin and author == event.user_id:
        return True
    return permitted(turn, action)
