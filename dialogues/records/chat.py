"""What people write and mark: answers, own questions, first-step marks, and a checklist
node's marks read from a state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dialogues.library.model import ChecklistItem, Node
from dialogues.records.base import (
    NOBODY,
    PROGRESS_DEFAULTS,
    PROGRESSES,
    STATUSES,
    Author,
    Bad,
    Damaged,
    Deadline,
    Progress,
    Status,
    Time,
    emit,
    kept,
    literal,
    obj,
    opt_text,
    rest,
    string,
    time_json,
)

if TYPE_CHECKING:  # JSON types and the state: for annotations only
    from dialogues.state import ChatState, JsonObject, JsonValue

_ANSWER = ("text", "by", "at", "edited")


@dataclass(frozen=True)
class Answer:
    """An answer to a question (in a group: one member's voice, under 'flow/node#<id>')."""

    text: str  # as typed; for a choice, the option's id
    author: Author = NOBODY
    edited: Author | None = None  # who changed it last, and when
    keys: tuple[str, ...] = field(default=(), repr=False)
    extra: JsonObject = field(default_factory=kept, repr=False)

    @classmethod
    def from_json(cls, value: JsonValue) -> Answer | Damaged:
        """Read {'text', 'by', 'at', 'edited'?}."""
        try:
            data = obj(value, "answer")
            keys, extra = rest(data, _ANSWER)
            edited = Author.from_json(data.get("edited"))
            return cls(string(data, "text"), Author.read(data), edited, keys, extra)
        except Bad as bad:
            return Damaged("answer", str(bad), value)

    def to_json(self) -> JsonObject:
        """Return the stored form."""
        edited = self.edited.to_json() if self.edited else None
        fields = {"text": self.text, **self.author.fields(), "edited": edited}
        return emit(self.keys, self.extra, fields, {"by": None, "at": None, "edited": None})


_OWN = ("question", "text", "by", "at")


@dataclass(frozen=True)
class OwnQuestion:
    """A question of the chat's own (under 'flow/+N') with its answer ('' when skipped)."""

    question: str
    text: str
    author: Author = NOBODY
    keys: tuple[str, ...] = field(default=(), repr=False)
    extra: JsonObject = field(default_factory=kept, repr=False)

    @classmethod
    def from_json(cls, value: JsonValue) -> OwnQuestion | Damaged:
        """Read {'question', 'text', 'by', 'at'}."""
        try:
            data = obj(value, "own question")
            keys, extra = rest(data, _OWN)
            question, text = string(data, "question"), string(data, "text")
            return cls(question, text, Author.read(data), keys, extra)
        except Bad as bad:
            return Damaged("own question", str(bad), value)

    def to_json(self) -> JsonObject:
        """Return the stored form."""
        fields = {"question": self.question, "text": self.text, **self.author.fields()}
        return emit(self.keys, self.extra, fields, {"by": None, "at": None})


_MARK = ("status", "who", "when", "by", "at", "progress", "progress_by", "progress_at")


@dataclass(frozen=True)
class ChecklistMark:
    """A first step of a checklist marked done, planned (with who and when) or not now."""

    status: Status
    who: str | None = None
    when: Time = None
    author: Author = NOBODY
    progress: Progress = ""  # from reminders' buttons
    progress_author: Author = NOBODY
    keys: tuple[str, ...] = field(default=(), repr=False)
    extra: JsonObject = field(default_factory=kept, repr=False)

    @classmethod
    def from_json(cls, value: JsonValue) -> ChecklistMark | Damaged:
        """Read {'status', 'who'?, 'when'?, 'by', 'at', 'progress'?, ...}."""
        try:
            data = obj(value, "checklist mark")
            keys, extra = rest(data, _MARK)
            if "status" not in data:
                raise Bad("status is missing")
            status = literal(data, "status", STATUSES, "planned")
            progress = literal(data, "progress", PROGRESSES, "")
            return cls(
                status,
                opt_text(data, "who"),
                Deadline.from_json(data.get("when")),
                Author.read(data),
                progress,
                Author.read(data, "progress_by", "progress_at"),
                keys,
                extra,
            )
        except Bad as bad:
            return Damaged("checklist mark", str(bad), value)

    def to_json(self) -> JsonObject:
        """Return the stored form."""
        fields: JsonObject = {
            "status": self.status,
            "who": self.who,
            "when": time_json(self.when),
            **self.author.fields(),
            "progress": self.progress,
            **self.progress_author.fields("progress_by", "progress_at"),
        }
        defaults: JsonObject = {"who": None, "when": None, "by": None, "at": None}
        return emit(self.keys, self.extra, fields, defaults | PROGRESS_DEFAULTS)


def record_key(flow_id: str, node_id: str, item_id: str) -> str:
    """Return the state key of one checklist item."""
    return f"{flow_id}/{node_id}/{item_id}"


def mark(record: JsonObject | None) -> ChecklistMark | None:
    """Read a stored mark; None for none, or one of the wrong shape."""
    found = ChecklistMark.from_json(record) if record else None
    return found if isinstance(found, ChecklistMark) else None


def marks(state: ChatState, flow_id: str, node: Node) -> list[tuple[ChecklistItem, ChecklistMark]]:
    """Return the marked items of one checklist node, in order (a damaged mark skipped)."""
    found = []
    for item in node.items:
        record = mark(state.checklists.get(record_key(flow_id, node.id, item.id)))
        if record:
            found.append((item, record))
    return found
