"""/grupper: a person's list of their groups' plans, and one group's plan, in a private chat.

What may be shown is decided before the turn by the adapter, which asks its member index and
Telegram (bot/groups.py) and hands the answer in as `Event.groups`; this screen only renders
it. Without that answer (a group chat, the terminal chat, a press the adapter did not check)
there are no groups to show, and a 'show this plan' press is refused.
"""

from __future__ import annotations

from dialogues.documents.build import build_document
from dialogues.documents.telegram_html import plan_html
from dialogues.events import Button
from dialogues.parts import Command, Screen, ScreenKind, shorten
from dialogues.turn import Turn

GROUPS_SCREEN = "@groups"
GROUP_PLAN = "grp"  # the prefix of a 'show this group's plan' button's data: "grp:<group id>"


def open_groups(turn: Turn) -> None:
    """List the groups whose plans the person may see now; say so when there are none."""
    view = turn.event.groups
    found = view.groups if view is not None and turn.event.chat_type == "private" else ()
    buttons = tuple(
        (Button(shorten(title or str(group_id)), f"{GROUP_PLAN}:{group_id}"),)
        for group_id, title in found
    )
    turn.say(turn.t("groups_pick" if buttons else "groups_none"), buttons)


def show_group_plan(turn: Turn, _data: str) -> bool:
    """Answer a 'show this group's plan' press with what the adapter found, never more."""
    view = turn.event.groups
    if turn.event.chat_type != "private" or view is None or view.outcome == "list":
        turn.say(turn.t("groups_refused"))
    elif view.outcome == "not_member":
        turn.say(turn.t("groups_not_member"))
    elif view.outcome == "plan" and view.plan is not None:
        content = turn.library.get(view.plan.lang)  # the plan in the group's own language
        turn.say(plan_html(build_document(content, view.plan, turn.event.at, turn.library.tz)))
    else:
        turn.say(turn.t("groups_refused"))
    return True


SCREEN = Screen(render=open_groups, press=show_group_plan)

DECLARES = (
    ScreenKind(
        GROUPS_SCREEN,
        SCREEN,
        (Command("grupper", "groups", open_groups, help=True),),
        None,
        ("groups_pick", "groups_none", "groups_not_member", "groups_refused"),
        place=7,
    ),
)
