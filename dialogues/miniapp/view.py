"""The plan as the Mini App shows it: a chat's state -> the JSON of `GET /app/api/plan`;
and the page's own texts and the languages it may switch to, for `GET /app/api/plans`.

Pure: the labels are rendered in the reader's language (a Danish board's "uge 6" reads
"week 6" to an English reader), ids and dates stay as stored. See docs/WEBAPP.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

from dialogues import dates, values
from dialogues.documents.build import plain, plan_node, sections
from dialogues.library.model import ChecklistItem, Content, Flow, Library, Node
from dialogues.library.ui_keys import PAGE_UI
from dialogues.miniapp.change import ROW_FIELDS, STATUSES, STEP_FIELDS
from dialogues.records import rhythm
from dialogues.records.chat import record_key
from dialogues.records.plan import focus_label
from dialogues.state import ChatState, JsonObject, JsonValue

STATUS_OF = {stored: name for name, stored in STATUSES.items()}


@dataclass(frozen=True)
class Reader:
    """Who looks at the plan, and what they may do there."""

    user_id: int
    name: str
    admin: bool  # in a group: one of its admins; in their own private plan: always
    in_group: bool


def build(content: Content, state: ChatState, chat_id: int, title: str, reader: Reader,
          at: datetime, tz: tzinfo) -> dict[str, object]:  # fmt: skip
    """Return the plan of a chat for one reader, in `content`'s language."""
    found = plan_node(content)
    node = found[1] if found else None
    return {
        "chat": str(chat_id),
        "title": title,
        "lang": content.lang,
        "admin": reader.admin,
        "can_delete": reader.admin or not reader.in_group,
        "today": dates.today(at, tz).isoformat(),
        "focus_options": [{"id": o.id, "label": o.label} for o in node.focus_options]
        if node
        else [],
        "items": rows(content, state, reader) + steps(content, state, reader),
        "meetings": [
            {"date": d.isoformat(), "label": dates.date_label(d, content.words), "kind": "followup"}
            for d in rhythm.meetings(state, at, tz)
        ],
        "reflections": [
            {
                "title": s.title,
                "answers": [
                    {"question": a.question, "answer": a.answer, "by": a.by} for a in s.answers
                ],
            }
            for s in sections(content, state)
        ],
    }


def page_texts(content: Content) -> dict[str, str]:
    """Return the page's own texts in the content's language, by name (PAGE_UI)."""
    return {name: content.text(f"page_{name}") for name in PAGE_UI}


def languages(library: Library) -> list[dict[str, str]]:
    """Return the languages the page may switch between, each named in its own words."""
    return [
        {"code": lang, "name": content.text("page_language_name")}
        for lang, content in library.languages.items()
    ]


def _due(value: JsonValue, words: dates.DateWords) -> dict[str, object]:
    day = values.stored_day(value)
    if day is None or not isinstance(value, dict):
        return {"due": None, "precision": None, "due_label": ""}
    record: dict[str, object] = dict(value)
    return {
        "due": day.isoformat(),
        "precision": dates.stored_precision(record),
        "due_label": dates.when_label(value, words),
    }


def _text(value: JsonValue) -> str:
    return str(value) if value else ""


def _texts(value: JsonValue) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _mine(record: JsonObject, who: str, reader: Reader) -> bool:
    """Whose item it is: the reader wrote it, or is named among who does it."""
    by = record.get("by")
    if isinstance(by, dict) and by.get("id") == reader.user_id:
        return True
    name = reader.name.strip()
    return bool(name) and re.search(rf"\b{re.escape(name)}\b", who, re.IGNORECASE) is not None


def rows(content: Content, state: ChatState, reader: Reader) -> list[dict[str, object]]:
    """Return the rows of the tool's plan."""
    found = plan_node(content)
    node, source = (found[1], plain(found[0].title)) if found else (None, "")
    stored: list[JsonValue] = list(state.plan)
    return [
        _row(row, node, source, content.words, reader) for row in stored if isinstance(row, dict)
    ]


def _row(
    row: JsonObject, node: Node | None, source: str, words: dates.DateWords, reader: Reader
) -> dict[str, object]:
    fokus, who = _text(row.get("fokus")), _text(row.get("roller"))
    return {
        "id": f"plan-{row.get('id')}",
        "kind": "row",
        "focus": fokus.removeprefix("own:"),
        "focus_label": focus_label(node, fokus),
        "goal": _text(row.get("maal")),
        "subgoals": _texts(row.get("delmaal")),
        "actions": _texts(row.get("handlinger")),
        "who": who,
        **_due(row.get("tid"), words),
        "status": STATUS_OF.get(_text(row.get("progress")), "not_started"),
        "source_label": source,
        "editable": list(ROW_FIELDS),
        "mine": _mine(row, who, reader),
    }


def steps(content: Content, state: ChatState, reader: Reader) -> list[dict[str, object]]:
    """Return the catalogue's first steps that were planned or done."""
    items = []
    for flow in content.flows.values():
        for node in flow.nodes.values():
            if node.kind != "checklist":
                continue
            for item in node.items:
                key = record_key(flow.id, node.id, item.id)
                record: JsonValue = state.checklists.get(key)
                if isinstance(record, dict) and record.get("status") in ("planned", "done"):
                    items.append(_step(flow, item, record, content.words, reader))
    return items


def _step(
    flow: Flow, item: ChecklistItem, record: JsonObject, words: dates.DateWords, reader: Reader
) -> dict[str, object]:
    progress = _text(record.get("progress"))
    if not progress and record.get("status") == "done":
        progress = "done"
    who = _text(record.get("who"))
    return {
        "id": f"{flow.id}-{item.id}",
        "kind": "step",
        "focus": flow.id,
        "focus_label": plain(flow.title),
        "goal": "",
        "subgoals": [],
        "actions": [plain(item.text)],
        "who": who,
        **_due(record.get("when"), words),
        "status": STATUS_OF.get(progress, "not_started"),
        "source_label": plain(flow.title),
        "editable": list(STEP_FIELDS),
        "mine": _mine(record, who, reader),
    }
