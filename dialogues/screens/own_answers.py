"""'Jeres svar' for questions of one's own: change the answer or the question, or delete both.

The pages belong to the answers screen (dialogues/screens/answers.py), which hands over the options
and typed text that name an own question (`+<number>`, see dialogues/kinds/own_questions.py).
In a group the one who wrote a question may change or delete it, and so may an admin (rules.py).
"""

from __future__ import annotations

from dialogues import values
from dialogues.events import Button, Reply
from dialogues.kinds.basic import mention
from dialogues.kinds.summary import ANSWER_SCREEN
from dialogues.library.model import Flow
from dialogues.markup import escape
from dialogues.records.answers import PREFIX, own_answers
from dialogues.rules import permitted_on
from dialogues.state import JsonObject, by_of
from dialogues.turn import Turn

PAGES = ("own_answer", "own_question", "own_delete")


def record(turn: Turn, flow: Flow, ref: str) -> JsonObject | None:
    """Return the own question a ref (`+3`) names in this part, or None."""
    found = turn.state.answers.get(f"{flow.id}/{ref}")
    return found if ref.startswith(PREFIX) and isinstance(found, dict) else None


def buttons(turn: Turn, flow: Flow, first: int) -> list[tuple[Button, ...]]:
    """✏️ and 🗑 per own question, numbered on from the part's questions."""
    found: list[tuple[Button, ...]] = []
    for number, (key, _) in enumerate(own_answers(turn.state, flow.id), first):
        ref = key.rsplit("/", 1)[1]
        found.append(
            (turn.button(f"✏️ {number}", f"e:{ref}"), turn.button(f"🗑 {number}", f"d:{ref}"))
        )
    return found


def render(turn: Turn, own: JsonObject) -> None:
    """Show the page for one own question: its answer, its wording, or the deletion."""
    question = escape(str(own.get("question") or ""))
    cancel = turn.button(turn.t("btn_cancel"), "cancel")
    if turn.state.node == "own_delete":
        yes = turn.button(turn.t("btn_yes_delete"), "yes")
        no = turn.button(turn.t("btn_no"), "cancel")
        turn.say(turn.t("own_confirm_delete", question=question), ((yes, no),))
        return
    if turn.state.node == "own_question":
        now = turn.t("field_now", value=question)
        turn.say(f"{now}\n\n{turn.t('own_type_question')}", ((cancel,),))
        prompt = turn.t("own_type_question")
    else:
        answer = turn.t("previous_answer", answer=escape(str(own.get("text") or "")))
        text = f"<b>{question}</b>\n\n{answer}\n\n{turn.t('answers_type_new')}"
        reword = turn.button(turn.t("btn_own_reword"), "q")
        turn.say(text, ((reword,), (cancel,)))
        prompt = turn.t("answers_type_new")
    if turn.event.in_group:  # a group member's text must reach the bot as a reply
        turn.replies.append(Reply(f"{mention(turn)} {prompt}", force_reply=True, tag=turn.tag("p")))


def press(turn: Turn, flow: Flow, option: str, ref: str) -> bool:
    """Open a page for an own question (✏️, 🗑, reword), or confirm its deletion."""
    own = record(turn, flow, ref)
    if own is None or not permitted_on(turn, "own_questions", by_of(own).get("id")):
        return own is not None  # refused (and said so); an unknown one is for the caller
    page = {"e": "own_answer", "d": "own_delete", "q": "own_question"}.get(option)
    if page is not None:  # from the list (Back returns there), or from answer to wording
        move = turn.jump if option == "q" else turn.open
        move(ANSWER_SCREEN, page, flow=flow.id, q=ref, expects_text=page != "own_delete")
    elif option == "yes" and turn.state.node == "own_delete":
        del turn.state.answers[f"{flow.id}/{ref}"]  # the question and its answer, for real
        _back_to_list(turn, flow, turn.t("own_deleted"))
    else:
        return False
    turn.show()
    return True


def text(turn: Turn, flow: Flow, ref: str, typed: str) -> bool:
    """Store a changed answer or a reworded question (who changed it and when is kept)."""
    own = record(turn, flow, ref)
    if own is None or turn.state.node not in ("own_answer", "own_question"):
        return False
    if not permitted_on(turn, "own_questions", by_of(own).get("id")):
        return True
    field = "question" if turn.state.node == "own_question" else "text"
    value: str | values.Problem = typed
    if field == "question":
        value = values.short_text(typed, values.MAX_QUESTION)
    if not typed.strip() or isinstance(value, values.Problem):
        turn.refuse(value if isinstance(value, values.Problem) else values.Problem("empty_answer"))
        return True
    who: JsonObject = {"id": turn.event.user_id, "name": turn.event.user_name}
    own[field] = value
    own["edited"] = {"by": who, "at": turn.event.at.isoformat()}
    _back_to_list(
        turn, flow, turn.t("own_question_changed" if field == "question" else "answers_changed")
    )
    turn.show()
    return True


def _back_to_list(turn: Turn, flow: Flow, note: str) -> None:
    turn.note(note)
    turn.state.history = turn.state.history[:-1]  # the page is not a place to go back to
    turn.jump(ANSWER_SCREEN, "list", flow=flow.id)
