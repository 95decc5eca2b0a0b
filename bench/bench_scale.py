"""Benchmark how our bot scales with the number of stored chats and pending nudges.

Run from the repository root:

    .venv/bin/python bench/bench_scale.py            # 100 versus 100,000 stored chats
    .venv/bin/python bench/bench_scale.py --quick    # 100 versus 10,000

Each stored chat holds the state of a completed walk of recommendation 1 (taken from a real
walk through the bot, the chat id varied) and its six pending nudges, bulk-inserted. For
each size a fresh process (so its memory figures are its own) opens the database, loads the
content and builds the Application (start-up), walks new chats through the script offline
and sends /start to stored chats (latency), runs one Nudger.tick and reports its resident
memory. Then the nudge query alone: SqliteNudgeStore.due(now) and the tick's query
(limit BATCH) over 1,000 and 100,000 pending nudges.

Figures are printed, never asserted; exit 1 only when the bot misbehaves.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    FIXED_NOW,
    TOKEN,
    BotMisbehaved,
    OfflineRequest,
    build_ours,
    machine,
    maxrss_mb,
    offline_bot,
    replace_bot,
    rss_mb,
    run_offline,
    table,
    target,
    unpaced_limiter,
    write_json,
)

TEMPLATE_CHAT = 777_000_777  # unique digits: replaced by each stored chat's id
STORED_BASE = 10_000_000
NEW_CHAT = 1_000
WARM_CHATS = (900_001, 900_002)
TICK_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 local: 4 December's week is reminded
CHILD_TIMEOUT = 300.0


class Clock:
    """Real time, unless `now` is set."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        return self.now or datetime.now(UTC)


# --------------------------------------------------------------------------------------
# The template chat and the bulk prefill
# --------------------------------------------------------------------------------------


async def _walk_template(tmp: Path) -> tuple[str, list[tuple[str, str, str]]]:
    """Walk the script once through our bot; return its state JSON and nudges (kind, ref, due)."""
    from dialogues import CONTENT_DIR, load_library
    from storage.base import encode

    library = load_library(CONTENT_DIR)
    request = OfflineRequest()
    bot = offline_bot(request, rate_limiter=unpaced_limiter())
    ours = build_ours(tmp, library, bot=bot, clock=lambda: FIXED_NOW)
    await ours.app.initialize()
    try:
        await run_offline("ours", ours.app, request, [TEMPLATE_CHAT])
        state = ours.conversations.store.get(f"chat:{TEMPLATE_CHAT}")
        rows = ours.conversations.nudges.pending(TEMPLATE_CHAT)
    finally:
        await ours.app.shutdown()
        ours.close()
    if state is None or state.get("node") != "opsummering":
        raise BotMisbehaved("ours: the template walk did not reach the summary")
    return encode(state), [(r.kind, r.ref, r.due) for r in rows]


def prefill(db: Path, chats: int, state_json: str, nudges: list[tuple[str, str, str]]) -> float:
    """Create the stores' tables, then bulk-insert `chats` chats and their nudges; seconds."""
    from dialogues.reminders.planner import Nudge
    from storage import SqliteStore
    from storage.nudges import SqliteNudgeStore

    SqliteStore(db).close()  # creates the file (0600) and the chats table
    SqliteNudgeStore(db).close()  # the nudges table and its indexes
    start = time.perf_counter()
    old = f'"id":{TEMPLATE_CHAT}'
    connection = sqlite3.connect(db, isolation_level=None)
    try:
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("BEGIN")
        connection.executemany(
            'INSERT INTO "chats" (key, value) VALUES (?, ?)',
            (
                (f"chat:{chat}", state_json.replace(old, f'"id":{chat}'))
                for chat in range(STORED_BASE, STORED_BASE + chats)
            ),
        )
        connection.executemany(
            "INSERT INTO nudges VALUES (?, ?, ?, ?, ?, 'pending')",
            (
                (Nudge(chat, kind, ref, datetime.fromisoformat(due)).id, chat, kind, ref, due)
                for chat in range(STORED_BASE, STORED_BASE + chats)
                for kind, ref, due in nudges
            ),
        )
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return time.perf_counter() - start


def db_bytes(db: Path) -> int:
    """The database file plus its WAL."""
    wal = db.with_name(db.name + "-wal")
    return db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


# --------------------------------------------------------------------------------------
# The child: one process per size
# --------------------------------------------------------------------------------------


async def child(data_dir: Path, stored: int, new_chats: int, existing: int) -> dict[str, Any]:
    """Start up over the stored chats, then measure turns, a tick and memory."""
    from bot.config import Config
    from bot.nudger import BATCH, Nudger
    from bot.service import Conversations
    from bot.telegram_app import build_application
    from dialogues import CONTENT_DIR, load_library
    from storage import SqliteStore
    from storage.nudges import SqliteNudgeStore

    phases: dict[str, float] = {}
    t0 = time.perf_counter()
    config = Config(TOKEN, "http://127.0.0.1:9/bot", data_dir, CONTENT_DIR, "WARNING")
    store = SqliteStore(config.db_path)
    nudges = SqliteNudgeStore(config.db_path)
    t1 = time.perf_counter()
    library = load_library(CONTENT_DIR)
    t2 = time.perf_counter()
    clock = Clock()
    conversations = Conversations(library, store, clock=clock, nudges=nudges)
    app = build_application(config, conversations)
    request = OfflineRequest()
    replace_bot(app, offline_bot(request, rate_limiter=unpaced_limiter()))
    t3 = time.perf_counter()
    await app.initialize()
    t4 = time.perf_counter()
    ready_at = time.time()
    phases = {"open_stores": t1 - t0, "load_content": t2 - t1, "build_app": t3 - t2}
    phases["initialize"] = t4 - t3
    phases["total"] = t4 - t0
    rss_ready = rss_mb()
    try:
        await run_offline("ours", app, request, WARM_CHATS)
        new = await run_offline("ours", app, request, range(NEW_CHAT, NEW_CHAT + new_chats))
        sample = random.Random(1).sample(range(STORED_BASE, STORED_BASE + stored), existing)
        old = await run_offline("ours", app, request, sample, script=(("command", "/start"),))
        clock.now = TICK_AT
        due = len(nudges.due(TICK_AT.isoformat(), BATCH))  # what one tick may send
        start = time.perf_counter()
        sent = await Nudger(conversations).tick(app.bot)
        tick_s = time.perf_counter() - start
        clock.now = None
    finally:
        await app.shutdown()
        nudges.close()
        store.close()
    if sent != due:
        raise BotMisbehaved(f"Nudger.tick sent {sent} of the {due} nudges it could send")
    return {
        "stored": stored,
        "phases": phases,
        "ready_at": ready_at,
        "rss_ready_mb": rss_ready,
        "rss_end_mb": rss_mb(),
        "maxrss_mb": maxrss_mb(),
        "new": new.figures() | {"turns": new.turns},
        "existing": old.figures() | {"turns": old.turns},
        "tick": {"seconds": tick_s, "sent": sent, "due": due},
    }


def run_child(data_dir: Path, stored: int, new_chats: int, existing: int) -> dict[str, Any]:
    """Run one size in a fresh process; returns its figures plus the process start-up time."""
    out = data_dir / "child.json"
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(data_dir)]
    command += ["--stored", str(stored), "--new-chats", str(new_chats), "--existing", str(existing)]
    command += ["--json", str(out)]
    spawned = time.time()
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=False
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        if done.returncode == 1 and "BOT MISBEHAVED" in done.stderr:
            raise BotMisbehaved(f"in the {stored}-chat process (see above)")
        raise RuntimeError(f"the {stored}-chat process failed with exit code {done.returncode}")
    result: dict[str, Any] = json.loads(out.read_text())
    result["process_to_ready"] = result["ready_at"] - spawned
    return result


# --------------------------------------------------------------------------------------
# The nudge query
# --------------------------------------------------------------------------------------


def nudge_queries(pending: int, due: int, tmp: Path, repeats: int) -> dict[str, Any]:
    """Time due(now) and the tick's query over `pending` nudges of which `due` are due."""
    from bot.nudger import BATCH
    from storage.nudges import SqliteNudgeStore

    db = tmp / f"nudges-{pending}-{due}.sqlite"
    SqliteNudgeStore(db).close()
    now = FIXED_NOW
    stride = max(1, pending // due)
    connection = sqlite3.connect(db, isolation_level=None)
    try:
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO nudges VALUES (?, ?, ?, ?, ?, 'pending')",
            (
                (
                    f"n{i:08d}",
                    STORED_BASE + i // 6,
                    "due",
                    f"s:anbefaling1/skridt/s{i % 5 + 1}",
                    # every stride-th nudge is due (in the past hour), the rest within a year
                    (now - timedelta(minutes=1 + i % 60)).isoformat()
                    if i % stride == 0 and i // stride < due
                    else (now + timedelta(hours=1 + i % 8760)).isoformat(),
                )
                for i in range(pending)
            ),
        )
        connection.execute("COMMIT")
        plan = connection.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM nudges WHERE state = 'pending' AND due <= ? "
            "ORDER BY due LIMIT ?",
            (now.isoformat(), BATCH),
        ).fetchall()
    finally:
        connection.close()
    store = SqliteNudgeStore(db)
    try:
        figures: dict[str, Any] = {"pending": store.count(), "due": due, "plan": plan[-1][-1]}
        for name, limit in (("due_now", None), ("tick", BATCH), ("all_due", 10**9)):
            call = (
                (lambda: store.due(now.isoformat()))
                if limit is None
                else (lambda limit=limit: store.due(now.isoformat(), limit))
            )
            figures[name] = {"rows": len(call()), "us": _median_us(call, repeats)}
        chat = STORED_BASE + 7  # a chat in the middle, with six pending nudges
        mine = store.pending(chat)
        figures["pending_chat"] = {
            "rows": len(mine),
            "us": _median_us(lambda: store.pending(chat), repeats),
        }
        sync = lambda: store.sync(chat, mine, now.isoformat())  # noqa: E731
        figures["sync_chat"] = {"rows": len(mine), "us": _median_us(sync, repeats)}
        figures["statements"] = _statement_plans(store, db, lambda: (sync(), store.pending(chat)))
    finally:
        store.close()
    return figures


def _median_us(call: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def _statement_plans(store: Any, db: Path, calls: Any) -> list[tuple[str, str]]:
    """The SQL the store runs for `calls` (traced on its connection) and SQLite's plan of each.

    Reads the store's private connection, so it reports the code as it is today; returns []
    if the store is built differently.
    """
    connection = getattr(store, "_db", None)
    if not isinstance(connection, sqlite3.Connection):
        return []
    seen: list[str] = []
    connection.set_trace_callback(seen.append)
    try:
        calls()
    finally:
        connection.set_trace_callback(None)
    reader = sqlite3.connect(db)
    try:
        plans = []
        for sql in dict.fromkeys(seen):
            if sql.split(maxsplit=1)[0].upper() in ("SELECT", "DELETE", "UPDATE"):
                rows = reader.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
                plans.append((sql, "; ".join(str(r[-1]) for r in rows)))
        return plans
    finally:
        reader.close()


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def _scale_rows(small: dict[str, Any], big: dict[str, Any]) -> list[tuple[str, ...]]:
    def row(label: str, a: float, b: float, fmt: str = "{:.1f}") -> tuple[str, ...]:
        return (label, fmt.format(a), fmt.format(b), f"{b / a:.2f}" if a else "–")

    ms = "{:.1f}"
    rows = [
        row("bulk prefill (s)", small["prefill_s"], big["prefill_s"], "{:.2f}"),
        row("database (MB)", small["db_bytes"] / 1e6, big["db_bytes"] / 1e6),
    ]
    for key, label in (
        ("open_stores", "start-up: open stores (ms)"),
        ("load_content", "start-up: load content (ms)"),
        ("build_app", "start-up: build Application (ms)"),
        ("initialize", "start-up: initialize (ms)"),
        ("total", "start-up: total (ms)"),
    ):
        rows.append(row(label, small["phases"][key] * 1000, big["phases"][key] * 1000, ms))
    rows.append(
        row(
            "process start → ready (s)",
            small["process_to_ready"],
            big["process_to_ready"],
            "{:.2f}",
        )
    )
    for key, label in (("new", "new chats"), ("existing", "stored chats, /start")):
        rows.append(
            row(f"{label}: turns/s", small[key]["turns_per_s"], big[key]["turns_per_s"], "{:.0f}")
        )
        rows.append(
            row(
                f"{label}: CPU µs/turn",
                small[key]["cpu_us_per_turn"],
                big[key]["cpu_us_per_turn"],
                "{:.0f}",
            )
        )
        rows.append(row(f"{label}: p50 (ms)", small[key]["p50_ms"], big[key]["p50_ms"], "{:.2f}"))
        rows.append(row(f"{label}: p99 (ms)", small[key]["p99_ms"], big[key]["p99_ms"], "{:.2f}"))
    tick_label = f"Nudger.tick, {small['tick']['sent']} sent (ms)"
    rows.append(row(tick_label, small["tick"]["seconds"] * 1000, big["tick"]["seconds"] * 1000, ms))
    rows.append(row("RSS after start-up (MB)", small["rss_ready_mb"], big["rss_ready_mb"]))
    rows.append(row("RSS at the end (MB)", small["rss_end_mb"], big["rss_end_mb"]))
    rows.append(row("peak RSS, maxrss (MB)", small["maxrss_mb"], big["maxrss_mb"]))
    return rows


def measure(sizes: tuple[int, int], new_chats: int, existing: int, repeats: int) -> dict[str, Any]:
    small_n, big_n = sizes
    results: dict[str, Any] = {"sizes": sizes}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "template").mkdir()
        state_json, nudges = asyncio.run(_walk_template(tmp / "template"))
        print(
            f"Scale: our bot over {small_n:,} versus {big_n:,} stored chats, each a completed walk "
            f"of recommendation 1 ({len(state_json.encode()):,} bytes of JSON) with "
            f"{len(nudges)} pending nudges"
        )
        print(
            f"turns: {new_chats} new chats × the 24-turn script, then /start in {existing} "
            f"stored chats; offline (no sockets), each size in its own process"
        )
        print()
        per_size = []
        for stored in sizes:
            data_dir = tmp / f"chats-{stored}"
            data_dir.mkdir()
            db = data_dir / "inklusionsguiden.sqlite"
            seconds = prefill(db, stored, state_json, nudges)
            size = db_bytes(db)
            figures = run_child(data_dir, stored, new_chats, existing)
            figures.update(prefill_s=seconds, db_bytes=size)
            per_size.append(figures)
            for path in data_dir.iterdir():
                path.unlink()
        small, big = per_size
        print(
            table(
                ("", f"{small_n:,} chats", f"{big_n:,} chats", "ratio"),
                _scale_rows(small, big),
                first=36,
            )
        )
        per_plan = (big["db_bytes"] - small["db_bytes"]) / (big_n - small_n)
        latency_ratio = big["new"]["p50_ms"] / small["new"]["p50_ms"]
        stored_ratio = big["existing"]["p50_ms"] / small["existing"]["p50_ms"]
        startup = big["phases"]["total"]
        memory = big["maxrss_mb"]
        print()
        print(
            f"database bytes per completed plan: {per_plan:,.0f} "
            f"(state JSON {len(state_json.encode()):,} bytes + {len(nudges)} nudge rows, indexes, "
            f"page slack)"
        )
        print(
            f"latency ratio {big_n:,}/{small_n:,}: new chats p50 {latency_ratio:.2f}, stored chats "
            f"p50 {stored_ratio:.2f} (target ≤ 1.2)"
        )
        print(f"start-up with {big_n:,} chats: {startup:.2f} s (target ≤ 3 s)")
        print(f"peak resident memory with {big_n:,} chats: {memory:.0f} MB (target ≤ 200 MB)")
        print()
        results.update(small=small, big=big, bytes_per_plan=per_plan)
        print("nudge query: SqliteNudgeStore.due(now) (limit 500), the tick's query (limit BATCH)")
        print("and every due row, median of", repeats, "calls")
        queries = [
            nudge_queries(p, d, tmp, repeats)
            for p, d in ((1_000, 10), (100_000, 10), (100_000, 1_000))
        ]
    rows = []
    for q in queries:
        rows.append(
            (
                f"{q['pending']:,}",
                f"{q['due']:,}",
                f"{q['due_now']['us']:.0f} ({q['due_now']['rows']})",
                f"{q['tick']['us']:.0f} ({q['tick']['rows']})",
                f"{q['all_due']['us']:.0f} ({q['all_due']['rows']})",
                f"{q['all_due']['us'] / max(1, q['all_due']['rows']):.1f}",
                f"{q['sync_chat']['us']:.0f}",
                f"{q['pending_chat']['us']:.0f}",
            )
        )
    headers = (
        "pending",
        "due",
        "due(now) µs (rows)",
        "tick µs (rows)",
        "all due µs (rows)",
        "µs/due row",
        "sync() µs",
        "pending() µs",
    )
    print(table(headers, rows, first=10))
    same_due = queries[1]["all_due"]["us"] / queries[0]["all_due"]["us"]
    per_chat = queries[1]["sync_chat"]["us"] / queries[0]["sync_chat"]["us"]
    print(
        f"100,000 versus 1,000 pending, the same 10 due: due query {same_due:.2f}× the time; "
        f"one chat's sync() {per_chat:.2f}×, pending() "
        f"{queries[1]['pending_chat']['us'] / queries[0]['pending_chat']['us']:.2f}×"
    )
    print("(sync() runs after every turn; pending() for the JSON export; a chat has 6 nudges)")
    print(f"plan of the due query: {queries[-1]['plan']}")
    print("plans of the statements SqliteNudgeStore.sync() and .pending() run:")
    for sql, plan in queries[-1]["statements"]:
        print(f"  {sql[:60]}{'…' if len(sql) > 60 else ''}\n    -> {plan}")
    results["nudge_queries"] = queries
    results["targets"] = [
        target(
            f"turn latency p50, {big_n:,}/{small_n:,} chats",
            f"{latency_ratio:.2f}",
            "≤ 1.2",
            latency_ratio <= 1.2,
        ),
        target(f"peak RSS with {big_n:,} chats", f"{memory:.0f} MB", "≤ 200 MB", memory <= 200),
        target(
            f"start-up with {big_n:,} chats + nudges", f"{startup:.2f} s", "≤ 3 s", startup <= 3
        ),
        target("database bytes per completed plan", f"{per_plan:,.0f} B", "(figure)", None),
        target(
            "nudge due query, 100,000 vs 1,000 pending (10 due)",
            f"{same_due:.2f}×",
            "≈ 1× (scales with due)",
            same_due <= 2,
        ),
        target(
            "one chat's nudge sync(), 100,000 vs 1,000 pending",
            f"{per_chat:.1f}×",
            "≈ 1× (per chat)",
            per_chat <= 2,
        ),
    ]
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with --child, one size of it) and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="100 versus 10,000 chats")
    parser.add_argument("--json", help="also write the figures to this file (for run_all.py)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--stored", type=int, default=100, help=argparse.SUPPRESS)
    parser.add_argument("--new-chats", type=int, default=10, help=argparse.SUPPRESS)
    parser.add_argument("--existing", type=int, default=50, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        if args.child:
            result = asyncio.run(
                child(Path(args.child), args.stored, args.new_chats, args.existing)
            )
            write_json(args.json, result)
            return 0
        sizes = (100, 10_000) if args.quick else (100, 100_000)
        new_chats, existing = (6, 50) if args.quick else (10, 100)
        results = measure(sizes, new_chats, existing, repeats=20 if args.quick else 100)
    except BotMisbehaved as exc:
        print(f"\nBOT MISBEHAVED: {exc}", file=sys.stderr)
        return 1
    results["machine"] = machine()
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
