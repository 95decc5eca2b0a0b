"""Answers in the chat state: who said what, when, and who changed it."""

from __future__ import annotations

from dialogues.events import Event
from dialogues.state import JSON, ChatState


def key(flow_id: str, node_id: str) -> str:
    """Return the storage key of one question's answer."""
    return f"{flow_id}/{node_id}"


def get(state: ChatState, flow_id: str, node_id: str) -> JSON | None:
    """Return the stored answer, or None."""
    return state.answers.get(key(flow_id, node_id))


def put(state: ChatState, flow_id: str, node_id: str, text: str, event: Event) -> None:
    """Store an answer verbatim with its author and time; a change records who and when."""
    who = {"id": event.user_id, "name": event.user_name}
    at = event.at.isoformat()
    old = get(state, flow_id, node_id)
    if old is None:
        state.answers[key(flow_id, node_id)] = {"text": text, "by": who, "at": at}
    elif old["text"] != text:
        old.update(text=text, edited={"by": who, "at": at})


def delete(state: ChatState, flow_id: str, node_id: str) -> bool:
    """Remove an answer for real; True when there was one."""
    return state.answers.pop(key(flow_id, node_id), None) is not None
