"""Answers in the chat state: who said what, when, and who changed it.

In a private chat a question has one answer, under 'flow/node'. In a group every member has
a voice of their own, under 'flow/node#<user id>', so a board can discuss a question and keep
everyone's answer.
"""

from __future__ import annotations

from dialogues.events import Event
from dialogues.records.chat import Answer
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
