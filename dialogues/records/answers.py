"""Answers in the chat state: who said what, when, and who changed it.

In a private chat a question has one answer, under 'flow/node'. In a group every member has
a voice of their own, under 'flow/node#<user id>', so a board can discuss a question and keep
everyone's answer.
"""

from __future__ import annotations

from dialogues.events import Event
from dialogues.library.model import Flow, Node
from dialogues.records.chat import Answer, OwnQuestion
from dialogues.state import ChatState, JsonObject

GROUP_TYPES = ("group", "supergroup")


def key(flow_id: str, node_id: str) -> str:
    """Return the storage key of one question's answer."""
    return f"{flow_id}/{node_id}"


def voices(state: ChatState, flow_id: str, node_id: str) -> list[tuple[str, JsonObject]]:
    """Return every stored answer to a question (one, or one per member), oldest first."""
    base = key(flow_id, node_id)
    found = [(k, v) for k, v in state.answers.items() if k == base or k.startswith(base + "#")]
    return sorted(found, key=_written_at)


def _written_at(voice: tuple[str, JsonObject]) -> str:
    return str(voice[1].get("at") or "")


def get(state: ChatState, flow_id: str, node_id: str) -> JsonObject | None:
    """Return the answer (in a group: the first voice), or None."""
    found = voices(state, flow_id, node_id)
    return found[0][1] if found else None


def read(state: ChatState, flow_id: str, node_id: str) -> list[tuple[str, Answer]]:
    """Return every answer to a question as records (one, or one per member), oldest first;
    a stored answer of the wrong shape is skipped."""
    base = key(flow_id, node_id)
    found: list[tuple[str, Answer]] = []
    for k, raw in state.answers.items():
        answer = Answer.from_json(raw) if k == base or k.startswith(base + "#") else None
        if isinstance(answer, Answer):
            found.append((k, answer))
    return sorted(found, key=_written)


def _written(voice: tuple[str, Answer]) -> str:
    """Sort key: when an answer was written ('' when unknown: first)."""
    return voice[1].author.at or ""


def first(state: ChatState, flow_id: str, node_id: str) -> Answer | None:
    """Return the answer as a record (in a group: the first voice), or None."""
    found = read(state, flow_id, node_id)
    return found[0][1] if found else None


def put(state: ChatState, flow_id: str, node_id: str, text: str, event: Event) -> None:
    """Store an answer verbatim with its author and time; a change records who and when."""
    base = key(flow_id, node_id)
    target = f"{base}#{event.user_id}" if event.chat_type in GROUP_TYPES else base
    put_key(state, target, text, event)


def put_key(state: ChatState, target: str, text: str, event: Event) -> None:
    """Store or change the answer under one key."""
    who: JsonObject = {"id": event.user_id, "name": event.user_name}
    at = event.at.isoformat()
    old = state.answers.get(target)
    if old is None:
        state.answers[target] = {"text": text, "by": who, "at": at}
    elif old["text"] != text:
        old.update(text=text, edited={"by": who, "at": at})


def delete(state: ChatState, flow_id: str, node_id: str) -> bool:
    """Remove every answer to a question for real; True when there was one."""
    found = voices(state, flow_id, node_id)
    for answer_key, _ in found:
        del state.answers[answer_key]
    return bool(found)


def delete_key(state: ChatState, answer_key: str) -> bool:
    """Remove one answer for real; True when there was one."""
    return state.answers.pop(answer_key, None) is not None


PREFIX = "+"


def own_answers(state: ChatState, flow_id: str) -> list[tuple[str, JsonObject]]:
    """Return the chat's own questions of a flow with their answers, in the order written."""
    start = f"{flow_id}/{PREFIX}"
    found = [
        (k, v)
        for k, v in state.answers.items()
        if k.startswith(start) and k[len(start) :].isdecimal() and isinstance(v, dict)
    ]

    def number(own: tuple[str, JsonObject]) -> int:
        return int(own[0][len(start) :])

    return sorted(found, key=number)


def own_questions(state: ChatState, flow_id: str) -> list[tuple[str, OwnQuestion]]:
    """Return the chat's own questions of a flow as records, in the order written (one of
    the wrong shape skipped)."""
    return [
        (k, own)
        for k, raw in own_answers(state, flow_id)
        if isinstance(own := OwnQuestion.from_json(raw), OwnQuestion)
    ]


def answered_nodes(flow: Flow) -> list[Node]:
    """Return the nodes of a flow whose answers are stored: questions and choices, in order."""
    return [n for n in flow.nodes.values() if n.kind in ("question", "choice")]


def authors(state: ChatState) -> set[int]:
    """Return the ids of everyone who answered in this chat."""
    found = (Answer.from_json(raw) for raw in state.answers.values())  # own questions too
    return {a.author.by.id for a in found if isinstance(a, Answer) and a.author.by}


def shown_value(node: Node, record: Answer) -> str:
    """Return an answer as people read it: a choice's label, else the text."""
    option = node.option(record.text) if node.kind == "choice" else None
    return option.label if option else record.text
