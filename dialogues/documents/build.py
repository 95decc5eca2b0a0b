"""The whole plan: the tool's rows and the catalogue's planned steps, as one document."""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo

from dialogues import dates
from dialogues.documents.document import Answer, Meeting, PlanDocument, PlanRow, Section
from dialogues.library.model import Content, Flow, Node
from dialogues.records import answers, rhythm
from dialogues.records.answers import answered_nodes, own_questions, shown_value
from dialogues.records.base import Progress, time_due, time_label
from dialogues.records.chat import Answer as StoredAnswer
from dialogues.records.chat import marks, record_key
from dialogues.records.plan import PlanItem, focus_label, plan_items
from dialogues.state import ChatState

LABELS = (
    "fokus",
    "maal",
    "delmaal",
    "handlinger",
    "tid",
    "roller",
    "status",
    "plan",
    "reflections",
    "meetings",
    "organisation",
    "date",
    "empty_plan",
    "credits",
    "page",
    "of",
    "made",
    "guide_meeting",
    "followup",
    "agenda",
    "agenda_item",
    "routine",
    "routine_1",
    "routine_2",
    "routine_3",
    "routine_4",
    "next_meetings",
    "no_meetings",
    "status_count",
    "timeline",
    "today",
    "overdue",
    "meeting",
    "undated",
    "more_rows",
)  # each is `label_<key>` in ui.yaml
_TAGS = re.compile(r"</?[a-z]+>")
# The answers that head the plan (the meeting guide's organisation and meeting day, found by
# their nodes' roles) rather than being printed among the reflections.
HEADING_ROLES = ("organisation", "meeting_date")
PROGRESS = ("progress", "done", "stuck")  # an item's progress keys; none yet: not started


def plain(text: str) -> str:
    """Drop the content's <b>/<i> tags for documents."""
    return _TAGS.sub("", text)


def role_answer(content: Content, state: ChatState, role: str) -> StoredAnswer | None:
    """Return the answer to the question node with this role (see NODE_ROLES), or None."""
    found = content.node_role(role)
    return answers.first(state, found[0].id, found[1].id) if found else None


def plan_node(content: Content) -> tuple[Flow, Node] | None:
    """Return the flow and node of the action-plan builder, if the content has one."""
    for flow in content.flows.values():
        for node in flow.nodes.values():
            if node.kind == "plan":
                return flow, node
    return None


def _status(content: Content, progress: Progress) -> str:
    """Return the label of an item's progress (from reminders), "not started" until then."""
    return content.text(f"status_{progress}" if progress else "status_not_started")


def document_row(
    content: Content, item: PlanItem, uid: str, focus: str, source: str, actions: tuple[str, ...]
) -> PlanRow:
    """Return a plan item as a row of the document, its deadline in the document's language
    (a tool's row and a catalogue step alike; the caller names what the content says)."""
    return PlanRow(
        uid=uid,
        fokus=focus,
        maal=item.goal,
        delmaal=item.sub_goals,
        handlinger=actions,
        tid=time_label(item.time, content.words),
        due=time_due(item.time),
        roller=item.roles,
        status=_status(content, item.progress),
        source=source,
        progress=item.progress,
    )


def tool_rows(content: Content, state: ChatState) -> list[PlanRow]:
    """Return the rows built in the plan node."""
    found = plan_node(content)
    source, node = (found[0].title, found[1]) if found else ("", None)
    return [
        document_row(
            content, item, f"plan-{item.id}", focus_label(node, item.focus), source, item.actions
        )
        for item in plan_items(state)
    ]


def step_rows(content: Content, state: ChatState) -> list[PlanRow]:
    """Return the catalogue's first steps that were planned or done, as plan items.

    A step is something to do, not a goal: it becomes the item's action, with who and when,
    under its recommendation as the focus. A step marked done stays in the plan, marked done.
    """
    found = []
    for flow in content.flows.values():
        for node in flow.nodes.values():
            if node.kind != "checklist":
                continue
            for item, mark in marks(state, flow.id, node):
                if mark.status in ("planned", "done"):
                    key = record_key(flow.id, node.id, item.id)
                    step = PlanItem.from_mark(key, mark)
                    title = plain(flow.title)
                    uid = f"{flow.id}-{item.id}"
                    found.append(document_row(content, step, uid, title, title, (item.text,)))
    return found


def ordered(rows: list[PlanRow]) -> list[PlanRow]:
    """Group rows by Fokus (in order of first appearance) and sort each group by time."""
    grouped = PlanDocument("", "", "", date.min, tuple(rows), ()).groups()
    return [row for _, group in grouped for row in group]


def sections(content: Content, state: ChatState) -> list[Section]:
    """Return the reflections per flow that has answers."""
    result = []
    for flow in content.flows.values():
        items = []
        for node in answered_nodes(flow):
            if node.role in HEADING_ROLES:
                continue
            for _, record in answers.read(state, flow.id, node.id):
                by, at = record.author.name, (record.author.at or "")[:10]
                items.append(Answer(plain(node.text), shown_value(node, record), by, at))
        for _, own in own_questions(state, flow.id):
            at = (own.author.at or "")[:10]
            items.append(Answer(own.question, own.text, own.author.name, at))
        if items:
            result.append(Section(plain(flow.title), tuple(items)))
    return result


def build_document(content: Content, state: ChatState, at: datetime, tz: tzinfo) -> PlanDocument:
    """Build the whole plan of a chat in its language; its dates are local to the zone `tz`."""
    org = role_answer(content, state, "organisation")
    # Numbered, not dated: a calendar that re-imports the plan moves a meeting whose day
    # changed instead of keeping the old one beside the new.
    meetings = tuple(
        Meeting(uid=f"meeting-{n}", title=content.text("meeting_title"), day=d)
        for n, d in enumerate(rhythm.meetings(state, at, tz), start=1)
    )
    return PlanDocument(
        lang=content.lang,
        title=content.text("plan_title"),
        organisation=org.text.strip() if org else "",
        created=dates.today(at, tz),
        rows=tuple(ordered(tool_rows(content, state) + step_rows(content, state))),
        sections=tuple(sections(content, state)),
        meetings=meetings,
        credits=(content.text("credit_catalogue"), content.text("credit_tool")),
        labels=labels(content),
        meeting_day=rhythm.guide_meeting(content, state, tz),
        words=content.words,
    )


def labels(content: Content) -> dict[str, str]:
    """Return the document's labels in the content's language: the columns, the headings,
    the statuses, the file's name (what `formats.label` reads)."""
    return (
        {key: content.text(f"label_{key}") for key in LABELS}
        | {f"status_{key}": content.text(f"status_{key}") for key in ("not_started", *PROGRESS)}
        | {
            "status_none": content.text("status_not_started"),
            "file_plan": content.text("file_plan"),
        }
    )
