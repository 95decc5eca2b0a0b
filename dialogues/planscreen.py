"""'Hele planen': the whole action plan in the chat, grouped by Fokus and sorted by time."""

from __future__ import annotations

from dialogues import schedule
from dialogues.document import PlanDocument, PlanRow
from dialogues.kind import Screen, app_row, nav_row, rows
from dialogues.markup import escape
from dialogues.screens import open_answers
from dialogues.turn import Turn
from dialogues.wholeplan import build_document, plan_node

PLAN_SCREEN = "@plan"


def open_plan(turn: Turn) -> None:
    """Show the whole plan."""
    turn.open(PLAN_SCREEN, "view")
    turn.show()


def row_html(doc: PlanDocument, row: PlanRow) -> str:
    """Return one action item as a compact HTML block."""
    label = doc.labels
    lines = [f"<b>{label['maal']}:</b> {escape(row.maal)}"] if row.maal else []
    if row.delmaal:
        lines.append(f"<b>{label['delmaal']}:</b> " + "; ".join(escape(d) for d in row.delmaal))
    if row.handlinger:
        lines.append(
            f"<b>{label['handlinger']}:</b> " + "; ".join(escape(h) for h in row.handlinger)
        )
    lines = [("• " if i == 0 else "  ") + line for i, line in enumerate(lines or ["…"])]
    when = [
        f"<b>{label['tid']}:</b> {escape(row.tid)}" if row.tid else "",
        f"<b>{label['roller']}:</b> {escape(row.roller)}" if row.roller else "",
        f"<b>{label['status']}:</b> {escape(row.status)}" if row.status else "",
    ]
    if any(when):
        lines.append("  " + " · ".join(w for w in when if w))
    return "\n".join(lines)


def plan_html(doc: PlanDocument) -> str:
    """Return the whole plan as Telegram HTML (the adapter splits it when long)."""
    head = f"<b>📋 {escape(doc.title)}</b>"
    if doc.organisation:
        head += f"\n<i>{escape(doc.organisation)}</i>"
    if not doc.rows:
        return f"{head}\n\n{doc.labels['empty_plan']}"
    blocks = [head]
    for fokus, group in doc.groups():
        items = "\n\n".join(row_html(doc, r) for r in group)
        blocks.append(f"<b>🎯 {escape(fokus)}</b>\n{items}")
    if doc.meetings:
        days = ", ".join(m.day.strftime("%d.%m.%Y") for m in doc.meetings[:3])
        blocks.append(f"<b>{doc.labels['meetings']}:</b> {days}")
    return "\n\n".join(blocks)


def render(turn: Turn) -> None:
    """Show the plan with buttons to the reflections and to the plan builder."""
    doc = build_document(turn.content, turn.state, turn.event.at)
    cadence = schedule.cadence(turn.state)
    text = plan_html(doc)
    if cadence:
        text += "\n\n" + turn.t("schedule_cadence", cadence=turn.t(f"cad_{cadence}"))
    buttons = [(turn.button(turn.t("btn_reflections"), "refl"),)] if doc.sections else []
    if plan_node(turn.content):
        buttons.append((turn.button(turn.t("btn_edit_plan"), "edit"),))
    buttons.append((turn.button(turn.t("btn_export"), "export"),))
    app = app_row(turn.library.operator, turn.t("btn_open_plan"))  # the Mini App, if set
    turn.say(text, rows(*buttons, app, nav_row(turn)))


def press(turn: Turn, option: str) -> bool:
    """Open the reflections or the plan builder."""
    found = plan_node(turn.content)
    if option == "refl":
        open_answers(turn)
    elif option == "export":
        turn.registry.act(turn, "export")
    elif option == "edit" and found:
        turn.detour(found[0].id, found[1].id)  # back to the plan when the editing is done
        turn.show()
    else:
        return False
    return True


SCREEN = Screen(render, press)
