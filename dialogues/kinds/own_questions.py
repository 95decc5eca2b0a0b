"""The node for questions of the users' own: they write a question, then their answer to it.

The stored questions are read in `records/answers.py` (`own_questions`)."""

from __future__ import annotations

from dialogues import values
from dialogues.library.model import Node
from dialogues.markup import escape
from dialogues.parts import Kind, NodeKind, nav_row, rows
from dialogues.records.answers import PREFIX, own_answers
from dialogues.state import ChatState
from dialogues.turn import Turn


def next_key(state: ChatState, flow_id: str) -> str:
    """Return the key of a new own question and remember it: a number never used before in
    this part, so deleting a question renumbers none and a new one meets no old answer."""
    used = [int(k.rsplit(PREFIX, 1)[1]) for k, _ in own_answers(state, flow_id)]
    counters = state.settings.get("own_numbers")
    counters = dict(counters) if isinstance(counters, dict) else {}
    stored = counters.get(flow_id)
    number = 1 + max([*used, stored if isinstance(stored, int) else 0])
    counters[flow_id] = number
    state.settings["own_numbers"] = counters
    return f"{flow_id}/{PREFIX}{number}"


def render(turn: Turn, node: Node) -> None:
    """Invite a question of their own, or ask for the answer to the one just written."""
    pending = turn.state.widget.get("question")
    if pending:
        text = f"<b>{escape(str(pending))}</b>\n\n{turn.t('own_answer')}"
        turn.say(text, rows((turn.button(turn.t("btn_skip"), "_skip"),)))
        return
    count = len(own_answers(turn.state, turn.state.flow or ""))
    text = node.text + (f"\n\n<i>{turn.t('own_count', n=count)}</i>" if count else "")
    turn.say(text, rows((turn.button(turn.t("btn_next"), "_next"),), nav_row(turn)))


def press(turn: Turn, node: Node, option: str) -> bool:
    """Skipping the answer keeps the question with an empty answer noted as skipped."""
    if option == "_skip" and turn.state.widget.get("question"):
        turn.set_widget(expects_text=True)
        turn.show()
        return True
    return False


def text(turn: Turn, node: Node, typed: str) -> bool:
    """Take the question, then its answer; both are stored with who and when."""
    if not typed.strip():
        turn.note(turn.t("empty_answer"))
        turn.show()
        return True
    pending = turn.state.widget.get("question")
    flow_id = turn.state.flow or ""
    if not pending:
        question = values.short_text(typed, values.MAX_QUESTION)
        if len(own_answers(turn.state, flow_id)) >= values.MAX_OWN_QUESTIONS:
            question = values.Problem("own_full", {"limit": values.MAX_OWN_QUESTIONS})
        if isinstance(question, values.Problem):
            turn.refuse(question)
            return True
        turn.set_widget(question=question, expects_text=True)
        turn.show()
        return True
    turn.state.answers[next_key(turn.state, flow_id)] = {
        "question": str(pending),
        "text": typed,
        "by": {"id": turn.event.user_id, "name": turn.event.user_name},
        "at": turn.event.at.isoformat(),
    }
    turn.note(turn.t("saved"))
    turn.set_widget(expects_text=True)
    turn.show()
    return True


CUSTOM = Kind(render, press, text)

DECLARES = (NodeKind("custom", CUSTOM, ("own_answer", "own_count", "own_full"), needs_next=True),)
