"""The first-steps checklist: done, planned or not relevant; planned steps get who and when."""

from __future__ import annotations

from typing import Literal

from dialogues import dates, values
from dialogues.events import Button
from dialogues.jsonread import member
from dialogues.library.model import ChecklistItem, Node
from dialogues.markup import escape
from dialogues.parts import Kind, NodeKind, nav_row, rows
from dialogues.records.base import Status, time_label
from dialogues.records.chat import ChecklistMark, mark, record_key
from dialogues.state import JsonObject, JsonValue
from dialogues.turn import Turn

MARKS: dict[str, Status] = {"d": "done", "p": "planned", "n": "na"}
ICONS: dict[Status, str] = {"done": "✅", "planned": "🗓", "na": "➖"}
# Where an item is: its mark, then (when planned) who takes it and when, picked or typed.
Stage = Literal["mark", "who", "when", "when_text"]
STAGES: tuple[Stage, ...] = ("mark", "who", "when", "when_text")


def describe(turn: Turn, record: ChecklistMark) -> str:
    """Return '🗓 Planlagt – Anna, uge 48 (2026)' for a marked item."""
    text = f"{ICONS[record.status]} {turn.t('mark_' + record.status)}"
    details = [escape(record.who)] if record.who else []
    when = time_label(record.when, turn.content.words)
    details += [escape(when)] if when else []
    return f"{text} – {', '.join(details)}" if details else text


def _stage(widget: JsonObject) -> Stage:
    """Return the stored stage; one that is not a stage (damaged) is the mark."""
    stored = widget.get("stage")
    return member(stored, STAGES) or "mark"


def _where(turn: Turn, node: Node) -> tuple[int, Stage, ChecklistItem, JsonObject | None]:
    stored = turn.state.widget.get("item", 0)
    index = max(0, min(stored if isinstance(stored, int) else 0, len(node.items) - 1))
    stage = _stage(turn.state.widget)
    item = node.items[index]
    key = record_key(turn.state.flow or "", node.id, item.id)
    return index, stage, item, turn.state.checklists.get(key)


def render(turn: Turn, node: Node) -> None:
    """Show the current item at its current stage."""
    index, stage, item, record = _where(turn, node)
    head = f"<i>{turn.t('checklist_progress', n=index + 1, total=len(node.items))}</i>\n"
    if index == 0 and stage == "mark" and not _one(turn):
        head += node.text + "\n"
        if node.suggested:
            head += f"<i>{turn.t('checklist_suggested')}</i>\n"
    head += f"\n<b>{item.text}</b>"
    skip = (turn.button(turn.t("btn_skip"), "_skip"),)
    marked = mark(record)
    now = f"\n\n{turn.t('checklist_now', mark=describe(turn, marked))}" if marked else ""
    if stage == "mark":
        marks = (turn.button(turn.t("btn_done"), "d"), turn.button(turn.t("btn_plan"), "p"))
        other = (turn.button(turn.t("btn_na"), "n"), *skip)
        turn.say(head + now, rows(marks, other, _change_row(turn, record), nav_row(turn)))
        return
    head += now if _one(turn) else ""  # changing one step: what it holds stays in sight
    if stage == "who":
        turn.say(f"{head}\n\n{turn.t('ask_who')}", rows(skip, nav_row(turn)))
    elif stage == "when":
        quick = [turn.button(turn.t(f"btn_{q}"), q) for q in dates.QUICK]
        pick = (turn.button(turn.t("btn_pick_time"), "wx"), *skip)
        turn.say(f"{head}\n\n{turn.t('ask_when')}", rows(tuple(quick), pick, nav_row(turn)))
    else:
        turn.say(f"{head}\n\n{turn.t('ask_when_text')}", rows(skip, nav_row(turn)))


def _one(turn: Turn) -> bool:
    """Tell whether one step is being changed (opened from a summary), not the list walked."""
    return bool(turn.state.widget.get("one"))


def _change_row(turn: Turn, record: JsonObject | None) -> tuple[Button, ...]:
    """Changing a planned step: its who or its when alone, one press each."""
    if not _one(turn) or not record or record.get("status") != "planned":
        return ()
    return (
        turn.button(turn.t("btn_change_who"), "cw"),
        turn.button(turn.t("btn_change_when"), "cn"),
    )


def open_one(turn: Turn, flow_id: str, node: Node, index: int) -> None:
    """Open one step of a checklist to change its mark, then return where it was opened."""
    turn.detour(flow_id, node.id)
    turn.state.widget = {"item": max(0, min(index, len(node.items) - 1)), "stage": "mark",
                         "one": True}  # fmt: skip
    turn.show()


def _to(turn: Turn, index: int, stage: Stage, only: JsonValue = None) -> None:
    """Go to a stage of an item; changing one step, stay in that mode (and its `only`)."""
    only = None if stage == "mark" else only or turn.state.widget.get("only")
    keep: JsonObject = {"one": True, "only": only} if _one(turn) else {}
    turn.set_widget(item=index, stage=stage, expects_text=stage in ("who", "when_text"), **keep)
    turn.show()


def _save(turn: Turn, node: Node, item: ChecklistItem, **changes: JsonValue) -> None:
    key = record_key(turn.state.flow or "", node.id, item.id)
    who: JsonObject = {"id": turn.event.user_id, "name": turn.event.user_name}
    record = turn.state.checklists.setdefault(key, {})
    record.update(changes, by=who, at=turn.event.at.isoformat())


def _next_item(turn: Turn, node: Node, index: int) -> None:
    if index + 1 < len(node.items) and not _one(turn):
        turn.set_widget(item=index + 1, stage="mark")
        turn.show()
    else:
        turn.advance()


def press(turn: Turn, node: Node, option: str) -> bool:
    """Mark an item, pick a time, skip a stage, or step back inside the checklist."""
    index, stage, item, record = _where(turn, node)
    if stage == "mark" and option in ("cw", "cn") and _change_row(turn, record):
        _to(turn, index, "who" if option == "cw" else "when", only=option)
        return True
    if stage == "mark" and option in MARKS:
        status = MARKS[option]
        if status == "planned":
            _save(turn, node, item, status=status)
            _to(turn, index, "who")
        else:
            _save(turn, node, item, status=status, who=None, when=None)
            _next_item(turn, node, index)
        return True
    if stage == "when" and option in dates.QUICK:
        when = values.quick_when(option, turn.event.at, turn.library.tz, turn.content.words)
        _save(turn, node, item, when=when.to_json())
        _next_item(turn, node, index)
        return True
    if stage == "when" and option == "wx":
        _to(turn, index, "when_text")
        return True
    if option == "_skip":
        _skip(turn, node, index, stage)
        return True
    return option == "_back" and _back(turn, index, stage)


def _skip(turn: Turn, node: Node, index: int, stage: Stage) -> None:
    if stage == "who" and turn.state.widget.get("only") != "cw":
        _to(turn, index, "when")
    else:
        _next_item(turn, node, index)


def _back(turn: Turn, index: int, stage: Stage) -> bool:
    """Step back one stage or one item; False at the first item, or at the mark of a step
    opened on its own (normal back applies: to where it was opened)."""
    previous: dict[Stage, Stage] = {"who": "mark", "when": "who", "when_text": "when"}
    if turn.state.widget.get("only") and stage in ("who", "when"):
        previous[stage] = "mark"  # its who or its when alone: back to the step
    if stage in previous:
        _to(turn, index, previous[stage])
        return True
    if index > 0 and not _one(turn):
        turn.set_widget(item=index - 1, stage="mark")
    else:
        return False
    turn.show()
    return True


def text(turn: Turn, node: Node, typed: str) -> bool:
    """Take the responsible person, or a typed week or date."""
    index, stage, item, _ = _where(turn, node)
    if stage == "who" and typed.strip():
        who = values.short_text(typed)
        if isinstance(who, values.Problem):
            turn.refuse(who)
            return True
        _save(turn, node, item, who=who)
        if turn.state.widget.get("only") == "cw":
            _next_item(turn, node, index)  # only the who was to change
        else:
            _to(turn, index, "when")
        return True
    if stage == "when_text":
        when = values.typed_when(typed, turn.event.at, turn.library.tz, turn.content.words)
        if isinstance(when, values.Problem):
            turn.refuse(when)
            return True
        _save(turn, node, item, when=when.to_json())
        _next_item(turn, node, index)
        return True
    if stage == "who":
        turn.note(turn.t("empty_answer"))
        turn.show()
        return True
    return False


CHECKLIST = Kind(render, press, text)

_UI = (
    *("checklist_progress", "checklist_suggested", "checklist_now"),
    *("btn_change_who", "btn_change_when", "btn_done", "btn_plan", "btn_na"),
    *(f"mark_{m}" for m in ICONS),
    *("ask_who", "ask_when", "ask_when_text", "btn_w0", "btn_w1", "btn_m1", "btn_pick_time"),
)
DECLARES = (NodeKind("checklist", CHECKLIST, _UI, needs_next=True),)
