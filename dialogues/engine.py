"""The engine's entry point: `step(library, state, event) -> (new_state, replies)`, pure.

It picks the chat's language, then hands the event to the handler of its kind: commands
(looked up in the registry under either language's name; /start's deep links parsed here),
button presses (stale or forged ones are answered and change nothing), typed text, media,
a group joined and an edited message. The turn itself (`turn.py`) and the node kinds and
screens of the registry (`registry.py`) do the rest.
"""

from __future__ import annotations

import re

from dialogues import callbacks, navigation
from dialogues.events import Event, Reply
from dialogues.kinds.basic import answer_earlier
from dialogues.library.model import Library
from dialogues.miniapp import edit
from dialogues.parts import nav_row
from dialogues.registry import REGISTRY
from dialogues.reminders import messages
from dialogues.rules import permitted
from dialogues.screens import groups, privacy
from dialogues.state import ChatState
from dialogues.turn import Turn

_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]{1,64})?(?:\s+(.*))?$", re.DOTALL)
_DEEP_LINK = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_INPUT = 4096  # characters: Telegram's own limit for a message


def step(library: Library, state: ChatState, event: Event) -> tuple[ChatState | None, list[Reply]]:
    """Apply one event to a copy of the state; return the new state and the replies.

    The content is taken from the library in the chat's language; a chat without one gets
    the language that suits the user's Telegram language (Danish, else the fallback).
    A new state of None means: erase everything stored about this chat (/slet).
    """
    turn = Turn(library=library, state=state.copy(), event=event, registry=REGISTRY)
    if turn.state.lang not in library.languages:
        turn.state.lang = library.pick(event.user_lang)
    turn.state.updated_at = event.at.isoformat()
    if event.in_group and event.chat_title:
        turn.state.settings["title"] = event.chat_title
    HANDLERS[event.kind](turn)
    return (None if turn.erase else turn.state), turn.replies


def parse_command(text: str) -> tuple[str, str] | None:
    """Split '/name@bot args' into (name, args); None when it is not a command."""
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def _on_command(turn: Turn) -> None:
    parsed = parse_command(turn.event.text)
    name, args = parsed if parsed else ("", "")
    command = REGISTRY.command(name)  # either language's name
    if command is None:
        turn.say(turn.t("unknown_command"))
    elif command.run is not None:
        command.run(turn)
    elif command.name == "start":
        _start(turn, args)
    else:
        OWN_COMMANDS[command.name](turn)


def _cancel(turn: Turn) -> None:
    turn.note(turn.t("cancelled"))
    _to_menu(turn)


def _help(turn: Turn) -> None:
    turn.say(turn.t("help"))
    if turn.state.node is not None:
        turn.show()


def _deep_link(turn: Turn, payload: str) -> str | None:
    if not _DEEP_LINK.match(payload):
        return None
    flow = turn.content.linked(payload.lower())  # a flow's id, or a name in its `links`
    return flow.id if flow is not None else None


def _start(turn: Turn, payload: str) -> None:
    target = _deep_link(turn, payload) if payload else None
    first = not turn.state.started
    turn.state.started = True
    if first:
        privacy_button = privacy.global_button(turn.t("btn_privacy"), "privacy")
        welcome = "welcome_group" if turn.event.in_group else "welcome"
        turn.say(turn.t(welcome), ((privacy_button,),))
    if target is not None:
        if not turn.restart_refused(target):  # a deep link into the part the board is in
            turn.goto(f"flow:{target}")
        turn.show()
        return
    if not first and not navigation.at_work(turn.node):
        found = navigation.unfinished_work(turn.content, turn.state)
        if found is not None:  # a glance at the menu or a page does not hide the work
            turn.jump(*found)
    flow = turn.flow
    if first or flow is None or flow.id == turn.menu_flow or turn.node is None:
        _to_menu(turn)
        return
    options = (
        (turn.button(turn.t("btn_continue"), "_cont"),),
        (turn.button(turn.t("btn_restart"), "_restart"),),
        nav_row(turn, back=False),
    )
    turn.say(turn.t("resume", title=flow.title), options)


def _to_menu(turn: Turn) -> None:
    menu = turn.content.menu
    if turn.state.flow != menu.id or turn.state.node != menu.start:
        turn.goto(f"flow:{menu.id}")
    turn.show()


def _on_button(turn: Turn) -> None:
    prefix, _, name = turn.event.data.partition(":")
    if prefix == privacy.GLOBAL and name in privacy.GLOBALS:
        privacy.GLOBALS[name](turn)
        return
    if prefix == groups.GROUP_PLAN:  # a group's plan: what the adapter checked decides
        groups.show_group_plan(turn, name)
        return
    nudge_press = messages.decode(turn.event.data)
    if nudge_press is not None:
        messages.press(turn, *nudge_press)
        return
    press = callbacks.decode(turn.event.data)
    if press is None:
        turn.say(turn.t("unknown_button"))
        return
    if press.turn != turn.state.turn or press.node_key != turn.state.node_key:
        if press.turn < turn.state.turn and _navigation(turn, press.node_key, press.option):
            return
        turn.note(turn.t("stale"))
        turn.show()
        return
    if not _apply_option(turn, press.option):
        turn.say(turn.t("unknown_button"))


def _navigation(turn: Turn, node_key: str, option: str) -> bool:
    """Carry out a press on an older message that only navigates: the main menu button, or an
    item of a menu (the main menu, a part's overview). Menus are what people scroll back to;
    only the answers to a past question are stale. (A turn from the future is forged.)"""
    if option == "_menu":
        _to_menu(turn)
        return True
    flow_id, _, node_id = node_key.partition("/")
    flow = turn.content.flows.get(flow_id)
    node = flow.nodes.get(node_id) if flow is not None else None
    if node is None or node.kind != "menu" or node.option(option) is None:
        return False
    turn.jump(flow_id, node_id)
    return _apply_option(turn, option)


def _apply_option(turn: Turn, option: str) -> bool:
    """Carry out a press at the current position; False when the option does not exist there."""
    screen = REGISTRY.screen(turn.state.flow)
    if screen is not None:
        return screen.screen.press(turn, option) or _navigate(turn, option)
    node = turn.node
    if node is None:
        return False
    found = REGISTRY.kind(node.kind)
    kind = found.kind if found is not None else None
    if kind is not None and kind.press is not None and kind.press(turn, node, option):
        return True
    return _navigate(turn, option)


def _navigate(turn: Turn, option: str) -> bool:
    if option == "_back":
        if not turn.back():
            turn.goto(f"flow:{turn.menu_flow}")
    elif option == "_menu":
        turn.goto(f"flow:{turn.menu_flow}")
    elif option == "_restart" and turn.flow is not None:
        if not permitted(turn, "restart"):
            return True
        turn.goto(turn.flow.start)
    elif option in ("_next", "_skip", "_keep") and turn.node is not None:
        if option == "_skip":
            turn.note(turn.t("skipped"))
        turn.advance()
        return True
    elif option != "_cont":
        return False
    turn.show()
    return True


def _on_text(turn: Turn) -> None:
    if turn.event.in_group and not turn.event.reply_to_bot:
        return  # table talk in the group: only replies to the bot's messages are answers
    if len(turn.event.text) > MAX_INPUT:
        turn.note(turn.t("too_long", limit=MAX_INPUT))
        turn.show()
        return
    if _answers_elsewhere(turn):
        return
    found = REGISTRY.screen(turn.state.flow)
    screen = found.screen if found is not None else None
    node = turn.node
    if screen is not None and screen.text is not None:
        if screen.text(turn, turn.event.text):
            return
    elif node is None:
        _start(turn, "")
        return
    kind_found = REGISTRY.kind(node.kind) if node is not None else None
    kind = kind_found.kind if kind_found is not None else None
    if (
        node is not None
        and kind is not None
        and kind.text is not None
        and kind.text(turn, node, turn.event.text)
    ):
        return
    if node is not None and node.kind == "summary":
        turn.say(turn.t("summary_typed"))  # not the whole overview again
        return
    turn.note(turn.t("use_buttons"))
    turn.show()


def _answers_elsewhere(turn: Turn) -> bool:
    """In a group, a reply to a message that asked another question is stored there."""
    event = turn.event
    if not event.in_group or not event.reply_to_message_id:
        return False
    tag = turn.state.posts.get(str(event.reply_to_message_id), "")
    kind, _, node_key = tag.partition(":")
    if kind not in ("q", "p") or node_key == turn.state.node_key:
        return False  # unknown message, or the question the group is on: the usual way
    answer_earlier(turn, node_key, event.text)
    return True


def _on_media(turn: Turn) -> None:
    if turn.event.in_group and not turn.event.reply_to_bot:
        return
    if turn.state.node is None:
        _start(turn, "")
        return
    node = turn.node
    expects_text = node is not None and node.kind == "question"
    expects_text = expects_text or bool(turn.state.widget.get("expects_text"))
    turn.note(turn.t("text_only" if expects_text else "use_buttons"))
    turn.show()


def _on_joined(turn: Turn) -> None:
    """The bot was added to a group: explain how it works there, then show the menu."""
    turn.state.started = True
    turn.say(turn.t("welcome_group"))
    _to_menu(turn)


def _on_edited(turn: Turn) -> None:
    """An edited message changes nothing: say how to change an answer instead."""
    turn.say(turn.t("edited_hint"))


HANDLERS = {
    "command": _on_command,
    "button": _on_button,
    "text": _on_text,
    "media": _on_media,
    "joined": _on_joined,
    "edited": _on_edited,
    "app": edit.on_change,
}
OWN_COMMANDS = {"menu": _to_menu, "annuller": _cancel, "hjaelp": _help}
"""The commands the registry leaves to the engine (`run` None), but /start, which takes args."""
