"""Screens outside the flows: 'Mine svar' (see, edit, delete answers)."""

from __future__ import annotations

from dialogues.events import Button, Reply
from dialogues.kinds.basic import mention
from dialogues.kinds.summary import ANSWER_SCREEN, flow_summary
from dialogues.library.model import Flow, Node
from dialogues.markup import escape
from dialogues.parts import Action, Command, Screen, ScreenKind, nav_row, rows, shorten
from dialogues.records import answers
from dialogues.records.answers import answered_nodes
from dialogues.rules import permitted
from dialogues.screens import own_answers
from dialogues.state import JsonObject, text_at
from dialogues.turn import Turn


def open_answers(turn: Turn) -> None:
    """Open 'Mine svar' at the list of flows that have answers."""
    turn.open(ANSWER_SCREEN, "flows")
    turn.show()


def _flows_with_answers(turn: Turn) -> list[Flow]:
    keys = {k.split("/")[0] for k in turn.state.answers}
    return [f for f in turn.content.flows.values() if f.id in keys]


def _own(turn: Turn) -> tuple[Flow, JsonObject] | None:
    """Return the part and the own question the page is about, if it is about one."""
    target = _target(turn)
    ref = str(turn.state.widget.get("q", ""))
    own = own_answers.record(turn, target[0], ref) if target else None
    return (target[0], own) if target and own is not None else None


def _target(turn: Turn) -> tuple[Flow, Node | None] | None:
    flow = turn.content.flows.get(str(turn.state.widget.get("flow", "")))
    if flow is None:
        return None
    return flow, flow.nodes.get(str(turn.state.widget.get("q", "")))


def render(turn: Turn) -> None:
    """Show the page of 'Mine svar' the chat is on."""
    page, target = turn.state.node, _target(turn)
    own = _own(turn)
    if page in own_answers.PAGES and own is not None:
        own_answers.render(turn, own[1])
        return
    if page == "flows" or target is None:
        flows = _flows_with_answers(turn)
        buttons = [(turn.button(shorten(f.title), f"f:{f.id}"),) for f in flows]
        text = turn.t("answers_pick") if flows else turn.t("summary_empty")
        turn.say(text, rows(*buttons, nav_row(turn)))
        return
    flow, node = target
    if page == "list" or node is None:
        _render_list(turn, flow)
    elif page == "edit":
        current = answers.get(turn.state, flow.id, node.id)
        now = turn.t("previous_answer", answer=escape(text_at(current, "text"))) if current else ""
        cancel = (turn.button(turn.t("btn_cancel"), "cancel"),)
        text = f"<b>{node.text}</b>\n\n{now}\n\n{turn.t('answers_type_new')}"
        turn.say(text, rows(cancel))
        if turn.event.in_group:  # a group member's answer must reach the bot as a reply
            prompt = f"{mention(turn)} {turn.t('answers_type_new')}"
            turn.replies.append(Reply(prompt, force_reply=True, tag=turn.tag("p")))
    else:
        confirm = (
            turn.button(turn.t("btn_yes_delete"), "yes"),
            turn.button(turn.t("btn_no"), "cancel"),
        )
        turn.say(turn.t("answers_confirm_delete", question=node.text), rows(confirm))


def _render_list(turn: Turn, flow: Flow) -> None:
    text = f"<b>{flow.title}</b>\n\n{flow_summary(turn, flow, numbered=True)}"
    # Every question has both buttons, always in the same place: the layout does not shift
    # when an answer is added or deleted, so a thumb meaning Back never lands on a 🗑.
    buttons: list[tuple[Button, ...]] = []
    for number, node in enumerate(answered_nodes(flow), 1):
        if node.kind != "question":
            continue
        edit = turn.button(f"✏️ {number}", f"e:{node.id}")
        buttons.append((edit, turn.button(f"🗑 {number}", f"d:{node.id}")))
    buttons += own_answers.buttons(turn, flow, len(answered_nodes(flow)) + 1)
    paired = [
        buttons[i] + buttons[i + 1] if i + 1 < len(buttons) else buttons[i]
        for i in range(0, len(buttons), 2)
    ]
    turn.say(text, rows(*paired, nav_row(turn)))


def press(turn: Turn, option: str) -> bool:
    """Pick a flow, start an edit or a delete, confirm or cancel."""
    prefix, _, rest = option.partition(":")
    target = _target(turn)
    own = rest if rest.startswith("+") else str(turn.state.widget.get("q", ""))
    if target and own.startswith("+") and option != "cancel":
        return own_answers.press(turn, target[0], prefix, own)
    if prefix == "f" and rest in turn.content.flows:
        turn.open(ANSWER_SCREEN, "list", flow=rest)
    elif prefix == "d" and target and rest in target[0].nodes and not _has_answer(turn, rest):
        _back_to_list(turn, target[0], turn.t("answers_nothing_to_delete"))
    elif prefix in ("e", "d") and target and rest in target[0].nodes:
        page = "edit" if prefix == "e" else "delete"
        turn.open(ANSWER_SCREEN, page, flow=target[0].id, q=rest, expects_text=page == "edit")
    elif option == "yes" and turn.state.node == "delete" and target and target[1]:
        _delete(turn, target[0], target[1])
    elif option == "cancel" and target:
        _back_to_list(turn, target[0], "")
    else:
        return False
    turn.show()
    return True


def _has_answer(turn: Turn, node_id: str) -> bool:
    target = _target(turn)
    return bool(target and answers.voices(turn.state, target[0].id, node_id))


def _delete(turn: Turn, flow: Flow, node: Node) -> None:
    """Delete the answers to a question; a group member who is not an admin deletes only theirs."""
    if not permitted(turn.event, "delete_answers"):
        own = f"{answers.key(flow.id, node.id)}#{turn.event.user_id}"
        done = answers.delete_key(turn.state, own)
    else:
        done = answers.delete(turn.state, flow.id, node.id)
    _back_to_list(turn, flow, turn.t("answers_deleted" if done else "answers_none_of_yours"))


def _back_to_list(turn: Turn, flow: Flow, note: str) -> None:
    if note:
        turn.note(note)
    turn.state.history = turn.state.history[:-1]  # the edit page is not a place to go back to
    turn.jump(ANSWER_SCREEN, "list", flow=flow.id)


def text(turn: Turn, typed: str) -> bool:
    """Store an edited answer (who changed it and when are recorded)."""
    target = _target(turn)
    own = _own(turn)
    if own is not None:
        return own_answers.text(turn, own[0], str(turn.state.widget.get("q")), typed)
    if turn.state.node != "edit" or target is None or target[1] is None:
        return False
    if not typed.strip():
        turn.note(turn.t("empty_answer"))
        turn.show()
        return True
    answers.put(turn.state, target[0].id, target[1].id, typed, turn.event)
    _back_to_list(turn, target[0], turn.t("answers_changed"))
    turn.show()
    return True


SCREEN = Screen(render, press, text)

_UI = (
    *("answers_pick", "answers_type_new", "answers_confirm_delete", "answers_deleted"),
    *("answers_nothing_to_delete", "own_confirm_delete", "own_deleted", "own_type_question"),
    *("own_question_changed", "btn_own_reword", "answers_changed", "answers_none_of_yours"),
    "btn_yes_delete",
)
DECLARES = (
    ScreenKind(
        ANSWER_SCREEN,
        SCREEN,
        (Command("svar", "answers", open_answers, help=True),),
        Action("answers", open_answers),
        _UI,
        place=2,
    ),
)
