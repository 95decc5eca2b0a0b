"""'Sprog / Language': switch the chat to another of the languages the content has."""

from __future__ import annotations

from dialogues.parts import Action, Command, Screen, ScreenKind, nav_row, rows
from dialogues.rules import permitted
from dialogues.turn import Turn

LANGUAGE_SCREEN = "@sprog"


def open_languages(turn: Turn) -> None:
    """Offer every language the bot speaks, each named in its own words."""
    turn.open(LANGUAGE_SCREEN, "pick")
    turn.show()


def render(turn: Turn) -> None:
    """Show one button per language, the current one ticked."""
    buttons = []
    for lang, content in turn.library.languages.items():
        mark = "✓ " if lang == turn.state.lang else ""
        buttons.append((turn.button(mark + content.text("lang_name"), f"l:{lang}"),))
    turn.say(turn.t("lang_pick"), rows(*buttons, nav_row(turn)))


def press(turn: Turn, option: str) -> bool:
    """Switch language; answers stay as they were written."""
    lang = option[2:] if option.startswith("l:") else ""
    if lang not in turn.library.languages:
        return False
    if not permitted(turn, "language"):
        return True
    turn.state.lang = lang
    turn.note(turn.t("lang_set"))
    turn.goto(f"flow:{turn.menu_flow}")
    turn.show()
    return True


SCREEN = Screen(render, press)

DECLARES = (
    ScreenKind(
        LANGUAGE_SCREEN,
        SCREEN,
        (Command("sprog", "language", open_languages, help=True),),
        Action("language", open_languages),
        ("lang_name", "lang_pick", "lang_set"),
        place=5,
    ),
)
