"""'Påmindelser': the coming nudges, and switches for each kind of them."""

from __future__ import annotations

from dialogues import dates
from dialogues.markup import escape
from dialogues.parts import Action, Command, Screen, ScreenKind, nav_row, rows
from dialogues.reminders.messages import item
from dialogues.reminders.planner import CATEGORIES, Nudge, deadlines, switched_off, wanted, week_of
from dialogues.rules import permitted
from dialogues.state import json_list
from dialogues.turn import Turn

REMINDER_SCREEN = "@paamind"
SHOWN = 8


def open_reminders(turn: Turn) -> None:
    """Show the coming nudges and the switches."""
    turn.open(REMINDER_SCREEN, "list")
    turn.show()


def _line(turn: Turn, nudge: Nudge) -> str:
    local = nudge.due.astimezone(turn.library.tz)
    when = f"{dates.date_label(local.date(), turn.content.words)} {local:%H:%M}"
    found = item(turn.content, turn.state, nudge.ref)
    about = f": «{escape(found[0])}»" if found else ""
    if nudge.kind == "week":  # how many deadlines the week's message will carry
        days = [d for _, d in deadlines(turn.content, turn.state)]
        about = f" ({sum(week_of(d).isoformat() == nudge.ref[2:] for d in days)})"
    return f"• {when} – {turn.t('kind_' + nudge.kind)}{about}"


def render(turn: Turn) -> None:
    """List what is coming, then one switch per category and a stop-all switch."""
    settings = turn.state.settings
    coming = wanted(turn.content, turn.state, turn.event.chat_id, turn.event.at, tz=turn.library.tz)
    lines = [turn.t("reminders_title")]
    lines += [_line(turn, n) for n in coming[:SHOWN]] or [turn.t("reminders_none")]
    if len(coming) > SHOWN:
        lines.append(turn.t("reminders_more", n=len(coming) - SHOWN))
    off = switched_off(turn.state)
    switches = [
        turn.button(("🔕 " if c in off else "🔔 ") + turn.t(f"category_{c}"), f"t:{c}")
        for c in CATEGORIES
    ]
    all_off = bool(settings.get("nudges_off_all"))
    stop = turn.button(turn.t("btn_all_on" if all_off else "btn_all_off"), "all")
    if all_off:
        lines.append(turn.t("reminders_all_off"))
    has_followup = turn.content.role("followup") is not None
    cadence = (turn.button(turn.t("btn_change_cadence"), "cad"),) if has_followup else ()
    turn.say(
        "\n".join(lines),
        rows(tuple(switches[:2]), tuple(switches[2:]), (stop,), cadence, nav_row(turn)),
    )


def press(turn: Turn, option: str) -> bool:
    """Flip a category, stop or restart all, or open the cadence question of step 4."""
    settings = turn.state.settings
    if option.startswith("t:") or option == "all":
        if not permitted(turn, "reminder_kinds"):
            return True
    elif option == "cad" and not permitted(turn, "rhythm"):
        return True
    if option.startswith("t:") and option[2:] in CATEGORIES:
        settings["nudges_off"] = json_list(sorted(switched_off(turn.state) ^ {option[2:]}))
    elif option == "all":
        settings["nudges_off_all"] = not settings.get("nudges_off_all")
    elif option == "cad" and (flow := turn.content.role("followup")) is not None:
        target = next((n.id for n in flow.nodes.values() if n.kind == "schedule"), flow.start)
        turn.detour(flow.id, target)  # back here once the rhythm is chosen
    else:
        return False
    turn.show()
    return True


SCREEN = Screen(render, press)

_KINDS = ("week", "meeting", "evaluation", "repeat", "unfinished")
_UI = (
    *("reminders_title", "reminders_none", "reminders_more", "reminders_all_off"),
    *(f"kind_{k}" for k in _KINDS),
    *(f"category_{c}" for c in CATEGORIES),
    *("btn_all_off", "btn_all_on", "btn_change_cadence"),
)
DECLARES = (
    ScreenKind(
        REMINDER_SCREEN,
        SCREEN,
        (Command("paamindelser", "reminders", open_reminders, help=True),),
        Action("reminders", open_reminders),
        _UI,
        place=4,
    ),
)
