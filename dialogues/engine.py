"""The pure state machine: step(content, state, event) -> (new_state, replies)."""

from __future__ import annotations

import re

from dialogues import answers, callbacks
from dialogues.events import Event, Reply
from dialogues.model import Content
from dialogues.nodes import nav_row, render
from dialogues.state import ChatState
from dialogues.turn import MENU_FLOW, Turn

_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]{1,64})?(?:\s+(.*))?$", re.DOTALL)
_DEEP_LINK = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def step(content: Content, state: ChatState, event: Event) -> tuple[ChatState, list[Reply]]:
    """Apply one event to a copy of the state; return the new state and the replies."""
    turn = Turn(content=content, state=state.copy(), event=event)
    turn.state.updated_at = event.at.isoformat()
    HANDLERS[event.kind](turn)
    return turn.state, turn.replies


def parse_command(text: str) -> tuple[str, str] | None:
    """Split '/name@bot args' into (name, args); None when it is not a command."""
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def _on_command(turn: Turn) -> None:
    parsed = parse_command(turn.event.text)
    name, args = parsed if parsed else ("", "")
    if name == "start":
        _start(turn, args)
    elif name == "menu":
        _to_menu(turn)
    elif name == "annuller":
        turn.note(turn.t("cancelled"))
        _to_menu(turn)
    elif name in ("hjaelp", "help"):
        turn.say(turn.t("help"))
        if turn.node is not None:
            render(turn)
    else:
        turn.say(turn.t("unknown_command"))


def _start(turn: Turn, payload: str) -> None:
    if payload and _DEEP_LINK.match(payload) and payload.lower() in turn.content.flows:
        if not turn.state.started:
            turn.say(turn.t("welcome"))
        turn.state.started = True
        turn.goto(f"flow:{payload.lower()}")
        render(turn)
        return
    if not turn.state.started:
        turn.state.started = True
        turn.say(turn.t("welcome"))
        _to_menu(turn)
        return
    flow = turn.flow
    if flow is None or flow.id == MENU_FLOW or turn.node is None:
        _to_menu(turn)
        return
    options = (
        (turn.button(turn.t("btn_continue"), "_cont"),),
        (turn.button(turn.t("btn_restart"), "_restart"),),
        nav_row(turn, back=False),
    )
    turn.say(turn.t("resume", title=flow.title), options)


def _to_menu(turn: Turn) -> None:
    if turn.state.flow != MENU_FLOW or turn.state.node != turn.content.flows[MENU_FLOW].start:
        turn.goto(f"flow:{MENU_FLOW}")
    render(turn)


def _on_button(turn: Turn) -> None:
    press = callbacks.decode(turn.event.data)
    if press is None:
        turn.say(turn.t("unknown_button"))
        return
    if press.turn != turn.state.turn or press.node_key != turn.state.node_key:
        turn.note(turn.t("stale"))
        render(turn)
        return
    node = turn.node
    if node is None or not _apply_option(turn, press.option):
        turn.say(turn.t("unknown_button"))


def _apply_option(turn: Turn, option_id: str) -> bool:
    """Carry out a press on the current node; False when the option does not exist there."""
    node = turn.node
    assert node is not None
    if option_id.startswith("_"):
        return _navigate(turn, option_id)
    option = node.option(option_id)
    if option is None or node.kind not in ("choice", "menu"):
        return False
    if node.kind == "choice":
        answers.put(turn.state, turn.state.flow or "", node.id, option.id, turn.event)
    if option.action is not None:
        _action(turn, option.action)
    elif option.next is not None:
        turn.goto(option.next)
        render(turn)
    return True


def _navigate(turn: Turn, option_id: str) -> bool:
    node = turn.node
    assert node is not None
    if option_id == "_back":
        if not turn.back():
            turn.goto(f"flow:{MENU_FLOW}")
    elif option_id == "_menu":
        turn.goto(f"flow:{MENU_FLOW}")
    elif option_id == "_more" and node.teaser:
        turn.state.widget = {"open": True}
    elif option_id == "_cont":
        pass
    elif option_id == "_restart" and turn.flow is not None:
        turn.goto(turn.flow.start)
    elif option_id in ("_next", "_skip", "_keep"):
        if option_id == "_skip":
            turn.note(turn.t("skipped"))
        _advance(turn)
        return True
    else:
        return False
    render(turn)
    return True


def _advance(turn: Turn) -> None:
    """Go to the current node's `next`, or finish the flow and show the menu."""
    node, flow = turn.node, turn.flow
    assert node is not None and flow is not None
    if node.next:
        turn.goto(node.next)
    else:
        turn.note(turn.t("flow_done", title=flow.title))
        turn.goto(f"flow:{MENU_FLOW}")
    render(turn)


def _action(turn: Turn, action: str) -> None:
    if action == "help":
        turn.say(turn.t("help"))
    elif action == "about" and "om" in turn.content.flows:
        turn.goto("flow:om")
    render(turn)


def _on_text(turn: Turn) -> None:
    node = turn.node
    if node is None:
        _start(turn, "")
        return
    if node.kind != "question":
        turn.note(turn.t("use_buttons"))
        render(turn)
        return
    text = turn.event.text
    if not text.strip():
        turn.note(turn.t("empty_answer"))
        render(turn)
        return
    answers.put(turn.state, turn.state.flow or "", node.id, text, turn.event)
    turn.note(turn.t("saved"))
    _advance(turn)


def _on_media(turn: Turn) -> None:
    node = turn.node
    if node is None:
        _start(turn, "")
        return
    turn.note(turn.t("text_only" if node.kind == "question" else "use_buttons"))
    render(turn)


HANDLERS = {"command": _on_command, "button": _on_button, "text": _on_text, "media": _on_media}
