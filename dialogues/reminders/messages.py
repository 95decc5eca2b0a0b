"""Nudge messages and what their buttons do: progress lands in the plan, dates move on.

Nudge buttons carry ``2:<option>:<ref>``: they name the item, not a position in a flow,
so they stay valid while the item exists, whatever the chat is doing meanwhile.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

from dialogues import dates, values
from dialogues.documents.build import build_document
from dialogues.events import Button, Reply
from dialogues.library.model import Content
from dialogues.markup import escape
from dialogues.records import rhythm
from dialogues.reminders.planner import CATEGORIES, Nudge, deadlines, on_day, switched_off, week_of
from dialogues.rules import permitted
from dialogues.state import ChatState, JsonObject, json_list, text_at
from dialogues.turn import Turn

VERSION = "2"
PROGRESS = {"d": "done", "g": "progress", "x": "stuck"}
POSTPONE_DAYS = 7


def data(option: str, ref: str) -> str:
    """Return the callback data of a nudge button."""
    return f"{VERSION}:{option}:{ref}"[:64]


def decode(raw: str) -> tuple[str, str] | None:
    """Return (option, ref) of a nudge button, or None for anything else."""
    parts = raw.split(":", 2)
    if len(parts) != 3 or parts[0] != VERSION or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def item(content: Content, state: ChatState, ref: str) -> tuple[str, JsonObject] | None:
    """Return (title, record) of the action item a ref names; None once it is gone."""
    kind, _, key = ref.partition(":")
    if kind == "p":
        row = next((r for r in state.plan if isinstance(r, dict) and r.get("id") == key), None)
        return (str(row.get("maal") or row.get("fokus") or "…"), row) if row else None
    if kind == "s" and key in state.checklists and key.count("/") == 2:
        flow_id, node_id, item_id = key.split("/")
        node = content.flows.get(flow_id, None)
        found = node.nodes.get(node_id) if node else None
        text = next((i.text for i in found.items if i.id == item_id), None) if found else None
        return (text, state.checklists[key]) if text else None
    return None


def _day(deadline: tuple[str, date]) -> date:
    return deadline[1]


def _when(record: JsonObject) -> JsonObject | None:
    value = record.get("tid") or record.get("when")
    return value if isinstance(value, dict) else None


def render(
    content: Content, state: ChatState, nudge: Nudge, at: datetime, tz: tzinfo
) -> Reply | None:
    """Return the message of a nudge, or None when what it is about no longer exists."""
    if nudge.kind == "week":
        monday = values.stored_day(nudge.ref[2:])
        return _week(content, state, monday) if monday else None
    if nudge.kind in ("heads_up", "due"):
        return _stored_before_weeks(content, state, nudge, at, tz)
    return _render_other(content, state, nudge, at, tz)


def _stored_before_weeks(
    content: Content, state: ChatState, nudge: Nudge, at: datetime, tz: tzinfo
) -> Reply | None:
    """A reminder of one item stored before a week's deadlines were grouped: None when its
    week's message is still to come (it carries the item), else that week's message with
    this item alone, so the item is reminded of once."""
    day = next((d for ref, d in deadlines(content, state) if ref == nudge.ref), None)
    if day is None or on_day(week_of(day), tz) > at:
        return None
    return _week(content, state, week_of(day), only=nudge.ref)


# Items with their own row of buttons (four each) in one week's message. The Bot API docs set
# no limit on an inline keyboard's rows or buttons; 24 rows (96 buttons, with the Mini App's
# row 97) stays under the 100 buttons Telegram's servers are reported to accept.
WEEK_BUTTONS = 24


def _week(
    content: Content, state: ChatState, monday: date, only: str | None = None
) -> Reply | None:
    """One message for a week's deadlines: a line per item and its progress buttons."""
    t = content.text
    refs = [r for r, d in sorted(deadlines(content, state), key=_day)
            if week_of(d) == monday and only in (None, r)]  # fmt: skip
    found = [(ref, got) for ref in refs if (got := item(content, state, ref)) is not None]
    if not found:
        return None
    week = dates.week_label(monday, content.words)
    lines = [t("nudge_week", week=week)]
    for n, (_, (title, record)) in enumerate(found, start=1):
        who = text_at(record, "roller") or text_at(record, "who")
        when = dates.when_label(_when(record), content.words)  # a day is named; the week is
        details = [escape(when)] if when and when != week else []  # in the heading already
        line = " · ".join([t("nudge_line", n=n, item=escape(title)), *details])
        lines.append(line + (f" · {escape(who)}" if who else ""))
    if len(found) == 1:
        lines += ["", t("nudge_how")]
        return Reply("\n".join(lines), _progress_buttons(content, found[0][0]))
    lines += ["", t("nudge_how_many")]
    icons = [t(k).split(" ", 1)[0] for k in _PROGRESS_KEYS]
    buttons = tuple(
        tuple(Button(f"{n}. {icon}", data(o, ref)) for icon, o in zip(icons, "dgxu", strict=True))
        for n, (ref, _) in enumerate(found[:WEEK_BUTTONS], start=1)
    )
    return Reply("\n".join(lines), buttons)


_PROGRESS_KEYS = ("btn_nudge_done", "btn_nudge_going", "btn_nudge_stuck", "btn_nudge_later")


def _progress_buttons(content: Content, ref: str) -> tuple[tuple[Button, ...], ...]:
    done, going, stuck, later = (content.text(k) for k in _PROGRESS_KEYS)
    return (
        (Button(done, data("d", ref)), Button(going, data("g", ref))),
        (Button(stuck, data("x", ref)), Button(later, data("u", ref))),
    )


def _render_other(
    content: Content, state: ChatState, nudge: Nudge, at: datetime, tz: tzinfo
) -> Reply | None:
    t = content.text
    if nudge.kind == "retention":
        keep = Button(t("btn_keep_data"), "g:keep")
        export = Button(t("btn_export"), "g:export")
        return Reply(t("retention_warning"), ((keep, export),))
    if nudge.kind == "purge":
        return None
    off = Button(t("btn_nudge_off"), data("o", nudge.category))
    if nudge.kind == "meeting":
        day = values.stored_day(nudge.ref[2:])
        if day is None:
            return None
        text = t("nudge_meeting", date=dates.date_label(day, content.words))
        text += "\n\n" + t("followup_agenda") + "\n\n" + status_lines(content, state, at, tz)
        later = Button(t("btn_nudge_later"), data("u", nudge.ref))
        return Reply(text, ((later,), (off,)))
    if nudge.kind == "unfinished":
        flow = content.flows.get(nudge.ref[2:])
        if flow is None or state.flow != flow.id:
            return None
        go = Button(t("btn_continue"), data("c", nudge.ref))
        return Reply(t("nudge_unfinished", title=flow.title), ((go,), (off,)))
    # The flow the button opens: recommendation 3 to evaluate, step 1 to repeat the tool.
    target = content.role(nudge.kind) if nudge.kind in ("evaluation", "repeat") else None
    if target is None:
        return None
    go = Button(target.title[:40], data("f", f"f:{target.id}"))
    return Reply(t(f"nudge_{nudge.kind}"), ((go,), (off,)))


def status_lines(content: Content, state: ChatState, at: datetime, tz: tzinfo) -> str:
    """Return one line per action item with its status and who is responsible."""
    doc = build_document(content, state, at, tz)
    if not doc.rows:
        return content.text("label_empty_plan")
    lines = []
    for row in doc.rows:
        status = row.status or content.text("status_none")
        who = f" – {escape(row.roller)}" if row.roller else ""
        title = row.maal or (row.handlinger[0] if row.handlinger else row.fokus)
        lines.append(f"• {escape(title)}: <i>{escape(status)}</i>{who}")
    return "\n".join(lines)


def press(turn: Turn, option: str, ref: str) -> None:
    """Apply a nudge button: record progress, postpone a week, continue, or switch off."""
    if option in PROGRESS or (option == "u" and not ref.startswith("m:")):
        _on_item(turn, option, ref)
    elif option == "u":
        if permitted(turn, "next_meeting"):
            _postpone_meeting(turn, ref)
    elif option == "o" and ref in CATEGORIES:
        if permitted(turn, "reminder_kinds"):
            turn.state.settings["nudges_off"] = json_list(sorted(switched_off(turn.state) | {ref}))
            turn.say(turn.t("nudge_switched_off"))
    elif option in ("c", "f"):
        flow_id = ref[2:]
        if option == "f" and flow_id in turn.content.flows and not turn.restart_refused(flow_id):
            turn.goto(f"flow:{flow_id}")
        turn.show()
    else:
        turn.say(turn.t("unknown_button"))


def _on_item(turn: Turn, option: str, ref: str) -> None:
    found = item(turn.content, turn.state, ref)
    if found is None:
        turn.say(turn.t("nudge_gone"))
        return
    title, record = found
    if option == "u":
        moved = values.moved_when(
            _when(record), POSTPONE_DAYS, turn.event.at, turn.library.tz, turn.content.words
        )
        if moved is None:
            turn.say(turn.t("nudge_gone"))
        elif isinstance(moved, values.Problem):
            turn.say(turn.t(moved.key, **moved.values))
        else:
            record["tid" if "tid" in record else "when"] = moved.to_json()
            turn.say(turn.t("nudge_postponed", item=escape(title), when=escape(moved.label)))
        return
    record["progress"] = PROGRESS[option]
    record["progress_by"] = {"id": turn.event.user_id, "name": turn.event.user_name}
    record["progress_at"] = turn.event.at.isoformat()
    label = turn.t(f"status_{PROGRESS[option]}")
    turn.say(turn.t("nudge_noted", item=escape(title), status=label))
    if option == "x":
        turn.say(turn.t("nudge_stuck_advice"))


def _postpone_meeting(turn: Turn, ref: str) -> None:
    """Move a meeting a week on: only in a chat with follow-up meetings, within the window."""
    day = values.stored_day(ref[2:])
    if day is None or day not in rhythm.all_meetings(
        turn.content, turn.state, turn.event.at, turn.library.tz
    ):
        turn.say(turn.t("meeting_unknown"))  # not one of the board's planned meetings
        return
    new = day + timedelta(days=POSTPONE_DAYS)
    label = dates.date_label(new, turn.content.words)
    moved = values.checked(label, new, turn.event.at, turn.library.tz, turn.content.words)
    if isinstance(moved, values.Problem):
        turn.say(turn.t(moved.key, **moved.values))
        return
    # Only this meeting moves; the rhythm's later meetings stay where they were.
    settings = dict(rhythm.followup(turn.state))
    planned = {
        old.isoformat(): new_.isoformat() for old, new_ in rhythm.moved_meetings(turn.state).items()
    }
    origin = next(
        (old for old, new_ in planned.items() if new_ == day.isoformat()), day.isoformat()
    )
    planned[origin] = new.isoformat()
    settings["moved"] = dict(list(planned.items())[-rhythm.MOVED_LIMIT :])
    turn.state.settings["followup"] = settings
    turn.say(turn.t("nudge_meeting_moved", date=label))
