"""What a board plans: the plan's items (and reading them from a state) and the follow-up
rhythm's settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from dialogues import values
from dialogues.library.model import Node
from dialogues.records.base import (
    CADENCES,
    NOBODY,
    PROGRESS_DEFAULTS,
    PROGRESSES,
    Author,
    Bad,
    Cadence,
    Damaged,
    Deadline,
    Origin,
    Progress,
    Time,
    emit,
    kept,
    literal,
    obj,
    rest,
    string,
    texts,
    time_json,
)
from dialogues.records.chat import ChecklistMark

if TYPE_CHECKING:  # JSON types and the state: for annotations only
    from dialogues.state import ChatState, JsonObject, JsonValue

_ROW = ("id", "fokus", "maal", "delmaal", "handlinger", "tid", "roller", "progress",
        "by", "at", "edited", "progress_by", "progress_at")  # fmt: skip


@dataclass(frozen=True)
class PlanItem:
    """An item of the action plan: a row built in the plan tool, or a catalogue first step
    that was planned or done (`origin`). Stored are the tool's rows ('plan'); a step is
    stored as its ChecklistMark and becomes a PlanItem with `from_mark`."""

    id: str  # 'r3' for a row; 'flow/node/item' for a step
    focus: str = ""  # a focus option's id, 'own:<text>'; for a step its flow's id
    goal: str = ""
    sub_goals: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()  # for a step: none stored (its text is the content's)
    time: Time = None
    roles: str = ""
    progress: Progress = ""
    origin: Origin = "tool"
    author: Author = NOBODY
    edited: Author | None = None
    progress_author: Author = NOBODY
    keys: tuple[str, ...] = field(default=(), repr=False)
    extra: JsonObject = field(default_factory=kept, repr=False)

    @classmethod
    def from_json(cls, value: JsonValue) -> PlanItem | Damaged:
        """Read a row of the plan tool."""
        try:
            data = obj(value, "plan item")
            keys, extra = rest(data, _ROW)
            return cls(
                string(data, "id"),
                string(data, "fokus", ""),
                string(data, "maal", ""),
                texts(data, "delmaal"),
                texts(data, "handlinger"),
                Deadline.from_json(data.get("tid")),
                string(data, "roller", ""),
                literal(data, "progress", PROGRESSES, ""),
                "tool",
                Author.read(data),
                Author.from_json(data.get("edited")),
                Author.read(data, "progress_by", "progress_at"),
                keys,
                extra,
            )
        except Bad as bad:
            return Damaged("plan item", str(bad), value)

    @classmethod
    def from_mark(cls, key: str, mark: ChecklistMark) -> PlanItem:
        """Return a planned or done first step (stored under `key`) as a plan item."""
        progress: Progress = mark.progress or ("done" if mark.status == "done" else "")
        return cls(
            key,
            focus=key.split("/", 1)[0],
            time=mark.when,
            roles=mark.who or "",
            progress=progress,
            origin="step",
            author=mark.author,
            progress_author=mark.progress_author,
        )

    def to_json(self) -> JsonObject:
        """Return the stored form of a tool's row."""
        fields: JsonObject = {
            "id": self.id,
            "fokus": self.focus,
            "maal": self.goal,
            "delmaal": list(self.sub_goals),
            "handlinger": list(self.actions),
            "tid": time_json(self.time),
            "roller": self.roles,
            "progress": self.progress,
            **self.author.fields(),
            "edited": self.edited.to_json() if self.edited else None,
            **self.progress_author.fields("progress_by", "progress_at"),
        }
        defaults: JsonObject = {"fokus": "", "maal": "", "delmaal": [], "handlinger": [],
                                "tid": None, "roller": "", "by": None, "at": None,
                                "edited": None} | PROGRESS_DEFAULTS  # fmt: skip
        return emit(self.keys, self.extra, fields, defaults)


_FOLLOWUP = ("cadence", "next_meeting", "moved", "by", "at")


@dataclass(frozen=True)
class FollowUp:
    """The follow-up rhythm: a cadence, the next board meeting, meetings moved on their own."""

    cadence: Cadence | None = None
    next_meeting: Time = None
    moved: tuple[tuple[str, str], ...] = ()  # planned day -> the day it moved to, as stored
    author: Author = NOBODY  # who chose the rhythm last, and when
    keys: tuple[str, ...] = field(default=(), repr=False)
    extra: JsonObject = field(default_factory=kept, repr=False)

    @classmethod
    def from_json(cls, value: JsonValue) -> FollowUp | Damaged:
        """Read settings['followup']; an absent one is empty."""
        if value is None:
            return cls()
        try:
            data = obj(value, "follow-up")
            keys, extra = rest(data, _FOLLOWUP)
            cadence = literal(data, "cadence", CADENCES, "none") if "cadence" in data else None
            moved = obj(data.get("moved") or {}, "moved")
            pairs = tuple((k, v) for k, v in moved.items() if isinstance(v, str))
            if len(pairs) != len(moved):
                raise Bad("moved holds a day that is not a text")
            meeting = Deadline.from_json(data.get("next_meeting"))
            return cls(cadence, meeting, pairs, Author.read(data), keys, extra)
        except Bad as bad:
            return Damaged("follow-up", str(bad), value)

    def moved_days(self) -> dict[date, date]:
        """Return the meetings moved: planned day -> new day (pairs that hold no day skipped)."""
        found: dict[date, date] = {}
        for planned, moved in self.moved:
            old, new = values.stored_day(planned), values.stored_day(moved)
            if old is not None and new is not None:
                found[old] = new
        return found

    def to_json(self) -> JsonObject:
        """Return the stored form."""
        moved: JsonObject = dict(self.moved)
        fields: JsonObject = {"cadence": self.cadence, "next_meeting": time_json(self.next_meeting),
                              "moved": moved, **self.author.fields()}  # fmt: skip
        defaults: JsonObject = {"cadence": None, "next_meeting": None, "moved": {}, "by": None,
                                "at": None}  # fmt: skip
        return emit(self.keys, self.extra, fields, defaults)


def focus_label(node: Node | None, fokus: str) -> str:
    """Return the label of a focus id, or the user's own focus text."""
    if fokus.startswith("own:"):
        return fokus[4:]
    option = next((o for o in node.focus_options if o.id == fokus), None) if node else None
    return option.label if option else fokus


def plan_items(state: ChatState) -> list[PlanItem]:
    """Return the rows built in the plan node as records (one of the wrong shape skipped)."""
    return [item for row in state.plan if isinstance(item := PlanItem.from_json(row), PlanItem)]
