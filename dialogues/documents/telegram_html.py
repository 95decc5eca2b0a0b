"""A plan document as Telegram HTML: the plan screen's text, and a group's plan via /grupper."""

from __future__ import annotations

from dialogues.documents.document import PlanDocument, PlanRow
from dialogues.markup import escape


def row_html(doc: PlanDocument, row: PlanRow, number: int | None = None) -> str:
    """Return one action item as a compact HTML block; a first step shows its number."""
    label = doc.labels
    lines = [f"<b>{label['maal']}:</b> {escape(row.maal)}"] if row.maal else []
    if row.delmaal:
        lines.append(f"<b>{label['delmaal']}:</b> " + "; ".join(escape(d) for d in row.delmaal))
    if row.handlinger:
        lines.append(
            f"<b>{label['handlinger']}:</b> " + "; ".join(escape(h) for h in row.handlinger)
        )
    bullet = f"{number}. " if number else "• "
    lines = [(bullet if i == 0 else "  ") + line for i, line in enumerate(lines or ["…"])]
    when = [
        f"<b>{label['tid']}:</b> {escape(row.tid)}" if row.tid else "",
        f"<b>{label['roller']}:</b> {escape(row.roller)}" if row.roller else "",
        f"<b>{label['status']}:</b> {escape(row.status)}" if row.status else "",
    ]
    if any(when):
        lines.append("  " + " · ".join(w for w in when if w))
    return "\n".join(lines)


def plan_html(doc: PlanDocument, numbers: dict[str, int] | None = None) -> str:
    """Return the whole plan as Telegram HTML (the adapter splits it when long); `numbers`
    numbers the first steps that a button can change."""
    head = f"<b>📋 {escape(doc.title)}</b>"
    if doc.organisation:
        head += f"\n<i>{escape(doc.organisation)}</i>"
    if not doc.rows:
        return f"{head}\n\n{doc.labels['empty_plan']}"
    blocks = [head]
    for fokus, group in doc.groups():
        items = "\n\n".join(row_html(doc, r, (numbers or {}).get(r.uid)) for r in group)
        blocks.append(f"<b>🎯 {escape(fokus)}</b>\n{items}")
    if doc.meetings:
        days = ", ".join(m.day.strftime("%d.%m.%Y") for m in doc.meetings[:3])
        blocks.append(f"<b>{doc.labels['meetings']}:</b> {days}")
    return "\n\n".join(blocks)
