"""Privacy: the notice, the chat's own data, and deleting everything for real."""

from __future__ import annotations

from collections.abc import Callable

from dialogues.events import Button
from dialogues.parts import Command, Screen, ScreenKind, nav_row, rows
from dialogues.rules import permitted
from dialogues.turn import Turn

DELETE_SCREEN = "@slet"
GLOBAL = "g"  # callback data 'g:<name>': buttons that work from any message, at any time


def global_button(label: str, name: str) -> Button:
    """Return a button that does the same whenever it is pressed (not tied to a question)."""
    return Button(label, f"{GLOBAL}:{name}")


def show_privacy(turn: Turn) -> None:
    """Say what is stored, why, for how long, where, and whom to contact."""
    buttons = (
        (global_button(turn.t("btn_my_data"), "mydata"),),
        (global_button(turn.t("btn_delete_all"), "delete"),),
    )
    turn.say(turn.t("privacy"), buttons)


def send_my_data(turn: Turn) -> None:
    """Send everything stored about this chat as a JSON file (privately: with the person's
    groups and what they wrote there; see Conversations.export)."""
    turn.send_file("json", turn.t("export_caption_json"))


def ask_delete(turn: Turn) -> None:
    """Ask for confirmation before deleting everything (in a group: admins only)."""
    if not permitted(turn, "delete_all"):
        return
    turn.open(DELETE_SCREEN, "confirm")
    turn.show()


def keep_data(turn: Turn) -> None:
    """Answer the retention warning: the chat is active again, so nothing is purged."""
    turn.say(turn.t("retention_kept"))


def render(turn: Turn) -> None:
    """Show the confirmation."""
    buttons = (
        turn.button(turn.t("btn_yes_delete_all"), "yes"),
        turn.button(turn.t("btn_no"), "no"),
    )
    turn.say(turn.t("delete_confirm"), rows(buttons, nav_row(turn)))


def press(turn: Turn, option: str) -> bool:
    """Delete everything after 'yes'; 'no' goes back to the menu with nothing changed."""
    if option == "yes":
        if not permitted(turn, "delete_all"):
            return True
        turn.erase = True
        turn.say(turn.t("deleted"))
    elif option == "no":
        turn.goto(f"flow:{turn.menu_flow}")
        turn.show()
    else:
        return False
    return True


GLOBALS: dict[str, Callable[[Turn], None]] = {
    "privacy": show_privacy,
    "mydata": send_my_data,
    "delete": ask_delete,
    "keep": keep_data,
    "export": lambda turn: turn.registry.act(turn, "export"),
}
SCREEN = Screen(render, press)

_UI = ("privacy", "btn_privacy", "btn_my_data", "btn_delete_all", "btn_yes_delete_all")
DECLARES = (
    ScreenKind(
        DELETE_SCREEN,
        SCREEN,
        (
            Command("privatliv", "privacy", show_privacy, help=True),
            Command("mine_data", "my_data", send_my_data, help=True),
            Command("slet", "delete", ask_delete, help=True),
        ),
        None,
        (*_UI, "delete_confirm", "deleted", "retention_kept"),
        place=6,
    ),
)
