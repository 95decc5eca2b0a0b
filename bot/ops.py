"""Operator commands: a consistent backup while the bot runs, status, and usage figures.

Figures are counts only: no command here prints or logs anything a user wrote.
"""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from dialogues import ChatState, Library
from dialogues.state import DamagedState
from storage import DamagedValue, Store
from storage.nudges import NudgeStore


def backup(db_path: Path, out: Path) -> int:
    """Copy the database with SQLite's online backup API; return the copy's size in bytes.

    The copy is consistent even while the bot writes, and stays encrypted: keep the data
    key to restore it (the key is not part of the backup).
    """
    if not db_path.exists():
        raise FileNotFoundError(db_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    target = sqlite3.connect(out)
    try:
        source.backup(target)
        ok = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    if ok != "ok":
        raise RuntimeError(f"the backup failed its integrity check: {ok}")
    return out.stat().st_size


def states(store: Store, damaged: list[str] | None = None) -> Iterator[ChatState]:
    """Yield every chat's state (users' own indexes are skipped).

    A value that cannot be read (or has fields of the wrong type) is skipped; its key is
    appended to `damaged` when given.
    """
    for key in store.keys():
        if key.startswith("chat:"):
            try:
                found = store.get(key)
                state = ChatState.from_dict(found) if found is not None else None
            except (DamagedValue, DamagedState):
                if damaged is not None:
                    damaged.append(key)
                continue
            if state is not None:
                yield state


def status(db_path: Path, store: Store, nudges: NudgeStore) -> dict[str, object]:
    """Return the database size, chats, active journeys, pending nudges, last activity.

    `damaged_values_set_aside` counts values moved aside for the operator (kept in the
    table damaged_values); `damaged_values_in_place` counts chats whose value cannot be read
    and has not been set aside yet (the bot does that when the chat next writes).
    """
    chats = journeys = 0
    last = ""
    unreadable: list[str] = []
    for state in states(store, unreadable):
        chats += 1
        # A journey is under way in a flow the usage figures count: never the main menu
        # or a screen (the engine keeps no visit of those), and no flow's id is needed here.
        journeys += bool(state.flow and state.flow in state.visits)
        last = max(last, state.updated_at or "")
    size_bytes = getattr(store, "size_bytes", None)  # PostgreSQL: the database's size
    size = (
        int(size_bytes())
        if size_bytes is not None
        else sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*"))
    )
    return {
        "database_bytes": size,
        "chats": chats,
        "active_journeys": journeys,
        "pending_nudges": nudges.count("pending"),
        "last_update_handled": last or "never",
        "damaged_values_set_aside": store.damaged_count(),
        "damaged_values_in_place": len(unreadable),
    }


def stats(library: Library, store: Store, nudges: NudgeStore) -> dict[str, object]:
    """Return usage counts: journeys started and finished per flow, drop-off nodes, plans."""
    started: Counter[str] = Counter()
    finished: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    plans = answered = 0
    for state in states(store):
        for flow_id, visit in state.visits.items():
            started[flow_id] += "started" in visit
            finished[flow_id] += "finished" in visit
            if "finished" not in visit and visit.get("last"):
                dropped[f"{flow_id}/{visit['last']}"] += 1
        planned = any(r.get("status") == "planned" for r in state.checklists.values())
        plans += bool(state.plan) or planned
        records = [*state.plan, *state.checklists.values()]
        answered += sum(1 for r in records if r.get("progress_by"))
    flows = library.get(None).flows
    return {
        "journeys": {
            f: {"started": started[f], "finished": finished[f]} for f in flows if started[f]
        },
        "drop_off": dict(dropped.most_common()),
        "plans_made": plans,
        "nudges_sent": nudges.count("sent"),
        "nudges_answered": answered,
    }
