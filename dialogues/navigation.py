"""Reading pages and work: where a run of info pages leads, and where work was left.

A flow often opens with a few pages to read (an introduction, facts behind a teaser) before
its questions, first steps or overview. The first time, they are offered one by one, with a
button past them; when a part is opened again, it opens where the work is (the first open
question, or the overview), and the pages stay one Back away.
"""

from __future__ import annotations

from dialogues.library.model import Content, Flow, Node
from dialogues.records import answers
from dialogues.state import ChatState


def past_reading(flow: Flow, node: Node, state: ChatState, min_pages: int = 2) -> Node | None:
    """Return where the run of info pages from `node` leads, when at least `min_pages` lie
    on the way; into questions, the first one not yet answered. None when the run ends the
    flow, leads into another flow, or is shorter."""
    current, hops = node, 0
    while current.kind == "info" and hops <= len(flow.nodes):
        following = flow.nodes.get(current.next or "")
        if following is None:
            return None
        current, hops = following, hops + 1
    if current.kind == "info" or hops < min_pages:
        return None
    return first_open(flow, current, state) or current


def first_open(flow: Flow, node: Node, state: ChatState) -> Node | None:
    """Return the first unanswered question from `node` on (None: not a question, or all
    answered)."""
    if node.kind != "question" or node.id not in flow.questions:
        return None
    ahead = flow.questions[flow.questions.index(node.id) :]
    open_ = [q for q in ahead if answers.get(state, flow.id, q) is None]
    return flow.nodes[open_[0]] if open_ else None


def revisit_landing(flow: Flow, state: ChatState) -> str | None:
    """Where a part opened again should open: past its reading pages, at the first open
    question or the overview; None for a first visit or a finished set of questions."""
    if flow.id not in state.visits:
        return None
    start = flow.nodes.get(flow.start)
    target = past_reading(flow, start, state, min_pages=1) if start is not None else None
    if target is None:
        return None
    if target.kind == "question" and first_open(flow, target, state) is None:
        return None  # every question answered: open at the start, to read or review
    return target.id


WORK_KINDS = ("question", "custom", "checklist", "plan", "schedule")


def at_work(node: Node | None) -> bool:
    """Tell whether a node is one where something is answered or filled in."""
    return node is not None and node.kind in WORK_KINDS


def unfinished_work(content: Content, state: ChatState) -> tuple[str, str] | None:
    """Return (flow, node) of the part most recently left unfinished: its first open
    question, else where it was left; None when no part is."""
    best: tuple[str, str, str] | None = None
    for flow_id, visit in state.visits.items():
        flow = content.flows.get(flow_id)
        if flow is None or not isinstance(visit, dict) or visit.get("finished"):
            continue
        last = flow.nodes.get(str(visit.get("last") or ""))
        if not at_work(last) or last is None:
            continue
        first_question = flow.nodes.get(flow.questions[0]) if flow.questions else None
        open_ = first_open(flow, first_question, state) if first_question else None
        at = str(visit.get("at") or visit.get("started") or "")
        if best is None or at > best[0]:
            best = (at, flow.id, (open_ or last).id)
    return (best[1], best[2]) if best else None
