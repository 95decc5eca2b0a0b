"""The basic node kinds: info, question, choice and menu."""

from __future__ import annotations

import dataclasses
import re

from dialogues import dates, navigation
from dialogues.events import Button, Reply
from dialogues.library.model import Node
from dialogues.markup import escape
from dialogues.parts import Kind, NodeKind, app_row, nav_row, rows, shorten
from dialogues.records import answers as store
from dialogues.state import by_of, text_at
from dialogues.turn import Turn

_PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\}")


def style_line(turn: Turn, node: Node) -> str:
    """Return the bold 'Fakta'/'Tip'/'Eksempel' line for a styled node, else ''."""
    return f"<b>{turn.t('style_' + node.style)}</b>\n" if node.style else ""


def fill(turn: Turn, text: str) -> str:
    """Fill {question} placeholders with this flow's answers (escaped)."""
    flow_id = turn.state.flow or ""

    def answer(match: re.Match[str]) -> str:
        found = store.get(turn.state, flow_id, match.group(1))
        return escape(text_at(found, "text")) if found else "–"

    return _PLACEHOLDER.sub(answer, text)


JUMP_LABELS = {
    "question": "btn_jump_questions",
    "custom": "btn_jump_questions",
    "checklist": "btn_jump_steps",
    "plan": "btn_jump_plan",
    "menu": "btn_jump_overview",
}


def jump_target(turn: Turn, node: Node) -> Node | None:
    """Return where a run of reading pages leads, when at least two pages lie ahead.

    A busy reader can go straight there (nothing is cut: every page stays one Back away).
    Into questions, the jump lands on the first one not yet answered.
    """
    flow = turn.flow
    return navigation.past_reading(flow, node, turn.state) if flow is not None else None


def _jump_row(turn: Turn, node: Node) -> tuple[Button, ...]:
    target = jump_target(turn, node)
    if target is None:
        return ()
    return (turn.button(turn.t(JUMP_LABELS.get(target.kind, "btn_jump_ahead")), "_jump"),)


def render_info(turn: Turn, node: Node) -> None:
    """Show an info node, or only its teaser until the user asks for more; where several
    reading pages lie ahead, offer to jump past them."""
    if node.teaser and not turn.state.widget.get("open"):
        more = (turn.button(turn.t("btn_more"), "_more"), turn.button(turn.t("btn_skip"), "_next"))
        text = style_line(turn, node) + node.teaser
        turn.say(text, rows(more, _jump_row(turn, node), nav_row(turn)))
        return
    buttons = (turn.button(turn.t("btn_next"), "_next"),)
    text = style_line(turn, node) + fill(turn, node.text)
    turn.say(text, rows(buttons, _jump_row(turn, node), nav_row(turn)))


def press_info(turn: Turn, node: Node, option: str) -> bool:
    """Open the full text behind a teaser, or jump past the reading pages ahead."""
    if option == "_jump":
        target = jump_target(turn, node)
        if target is None:
            return False
        turn.goto(target.id)
        turn.show()
        return True
    if option != "_more" or not node.teaser:
        return False
    turn.set_widget(open=True)
    turn.show()
    pressed = turn.event.message_id
    if pressed and turn.replies and not turn.replies[-1].export:
        # The fact unfolds in place: the teaser's own message becomes the whole text.
        turn.replies[-1] = dataclasses.replace(turn.replies[-1], edit_message_id=pressed)
    return True


def progress(turn: Turn, node: Node) -> str:
    """Return 'Spørgsmål 2 af 6' for a question of the current flow ('' for others)."""
    flow = turn.flow
    if flow is None or node.id not in flow.questions:
        return ""
    n = flow.questions.index(node.id) + 1
    return f"<i>{turn.t('progress', n=n, total=len(flow.questions))}</i>"


def _question_lines(turn: Turn, node: Node) -> list[str]:
    lines = [progress(turn, node)] if progress(turn, node) else []
    if node.group:
        lines.append(f"<b>{node.group}</b>")
    lines.append(fill(turn, node.text))
    if node.hint:
        lines.append(f"<i>{node.hint}</i>")
    return lines


def render_question(turn: Turn, node: Node) -> None:
    """Ask a free-text question with progress, group, hint and any earlier answer."""
    if turn.event.in_group:
        render_board_question(turn, node)
        return
    lines = _question_lines(turn, node)
    previous = store.get(turn.state, turn.state.flow or "", node.id)
    if previous:
        lines.append("\n" + turn.t("previous_answer", answer=escape(text_at(previous, "text"))))
        first = turn.button(turn.t("btn_keep"), "_keep")
    else:
        first = turn.button(turn.t("btn_skip"), "_skip")
    turn.say("\n".join(lines), rows((first,), nav_row(turn)))


def mention(turn: Turn) -> str:
    """Name the member who acted so that a selective forced reply reaches them.

    Telegram shows a selective ForceReply to the users @mentioned in its text (and to the
    sender of the message it replies to): a member with a username is @mentioned, one without
    gets a text mention of their id.
    """
    event = turn.event
    if event.user_handle:
        return f"@{escape(event.user_handle)}"
    return f'<a href="tg://user?id={event.user_id}">{escape(event.user_name or "?")}</a>'


def render_board_question(
    turn: Turn, node: Node, edit: bool = False, node_key: str | None = None
) -> None:
    """In a group: the question, every member's answer so far, and Svar / Næste buttons.

    With `edit`, the question's own message is replaced (found by what it shows), so the
    answers gather under it; `node_key` names a question other than the current one, whose
    message then keeps no buttons (they would be stale).
    """
    flow_id, _, node_id = (node_key or turn.state.node_key).partition("/")
    current = node_key is None or node_key == turn.state.node_key
    lines = _question_lines(turn, node) if current else [f"<b>{fill(turn, node.text)}</b>"]
    found = store.voices(turn.state, flow_id, node_id)
    if found:
        lines.append("")
        for _, voice in found:
            name = escape(text_at(by_of(voice), "name") or "?")
            lines.append(f"💬 <b>{name}</b>: {escape(shorten(text_at(voice, 'text'), 300))}")
    else:
        lines.append("\n" + turn.t("board_how"))
    answer = (
        turn.button(turn.t("btn_answer"), "_answer"),
        turn.button(turn.t("btn_next"), "_next"),
    )
    tag = turn.tag("q", f"{flow_id}/{node_id}")
    buttons = rows(answer, nav_row(turn)) if current else ()
    target = turn.posted(tag) if edit else 0
    turn.replies.append(Reply("\n".join(lines), buttons, edit_message_id=target, tag=tag))


def press_question(turn: Turn, node: Node, option: str) -> bool:
    """In a group, 'Svar' asks the member who pressed it for an answer (a forced reply)."""
    if option != "_answer":
        return False
    text = turn.t("board_prompt", name=mention(turn), question=fill(turn, node.text))
    turn.replies.append(Reply(text, force_reply=True, tag=turn.tag("p")))
    return True


def answer_question(turn: Turn, node: Node, text: str) -> bool:
    """Store a typed answer verbatim and move on; a blank answer is asked again."""
    if not text.strip():
        turn.note(turn.t("empty_answer"))
        turn.show()
        return True
    if turn.event.in_group and node.input == "text":
        store.put(turn.state, turn.state.flow or "", node.id, text, turn.event)
        render_board_question(turn, node, edit=True)  # the question's message gains the answer
        return True
    if (
        node.input != "text"
        and dates.parse(text, turn.event.at, turn.library.tz, turn.content.words) is None
    ):
        turn.note(turn.t("bad_date" if node.input == "date" else "bad_time"))
        turn.show()
        return True
    store.put(turn.state, turn.state.flow or "", node.id, text, turn.event)
    turn.note(turn.t("saved"))
    turn.advance()
    return True


def answer_earlier(turn: Turn, node_key: str, text: str) -> None:
    """A member replied to an earlier question's message or prompt: store it there.

    The board has moved on (someone pressed Videre before the member finished typing), so
    the answer is kept under the question that was asked, and that question's own message
    gathers it; a question that no longer exists keeps nothing.
    """
    flow_id, _, node_id = node_key.partition("/")
    flow = turn.content.flows.get(flow_id)
    node = flow.nodes.get(node_id) if flow else None
    if node is None or node.kind != "question" or node.input != "text":
        turn.say(turn.t("board_old_question"))
        return
    if not text.strip():
        return
    store.put(turn.state, flow_id, node_id, text, turn.event)
    render_board_question(turn, node, edit=True, node_key=node_key)
    if not turn.posted(turn.tag("q", node_key)):  # no message to edit: say where it went
        turn.replies.pop()
        turn.say(turn.t("board_saved_earlier", question=shorten(node.text, 80)))


def render_choice(turn: Turn, node: Node) -> None:
    """Show a choice (the earlier choice ticked) or a menu."""
    chosen = store.get(turn.state, turn.state.flow or "", node.id)
    buttons = []
    for option in node.options:
        mark = "✓ " if node.kind == "choice" and chosen and chosen["text"] == option.id else ""
        buttons.append((turn.button(mark + option.label, option.id),))
    skip = (turn.button(turn.t("btn_skip"), "_skip"),) if node.kind == "choice" else ()
    home = node.kind == "menu" and turn.state.flow == turn.menu_flow
    app = app_row(turn.library.operator, turn.t("btn_open_plan")) if home else ()
    turn.say(fill(turn, node.text), rows(*buttons, skip, app, nav_row(turn)))


def press_choice(turn: Turn, node: Node, option_id: str) -> bool:
    """Store the chosen option (choice only) and follow it."""
    option = node.option(option_id)
    if option is None:
        return False
    if node.kind == "choice":
        store.put(turn.state, turn.state.flow or "", node.id, option.id, turn.event)
    if option.action is not None:
        turn.registry.act(turn, option.action)
    elif option.next is not None:
        turn.goto(option.next)
        turn.show()
    return True


def show_help(turn: Turn) -> None:
    """The menu action 'help': the help text, then the menu again."""
    turn.say(turn.t("help"))
    turn.show()


def open_about(turn: Turn) -> None:
    """The menu action 'about': the flow about the guide."""
    about = turn.content.role("about")  # the validator refuses an about action without one
    if about is not None:
        turn.goto(f"flow:{about.id}")
    turn.show()


INFO = Kind(render_info, press_info)
QUESTION = Kind(render_question, press_question, answer_question)
CHOICE = Kind(render_choice, press_choice)

_QUESTION_UI = ("progress", "previous_answer", "btn_keep", "btn_answer", "board_how")
_BOARD_UI = ("board_prompt", "board_old_question", "board_saved_earlier")

DECLARES = (
    NodeKind("info", INFO, ("btn_more", "style_fakta", "style_tip", "style_eksempel")),
    NodeKind("question", QUESTION, (*_QUESTION_UI, *_BOARD_UI), needs_next=True),
    NodeKind("choice", CHOICE),
    NodeKind("menu", CHOICE),
)
