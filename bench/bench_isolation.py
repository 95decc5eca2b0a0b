"""Benchmark: does one busy group hold up everyone else?

Run from the repository root:

    .venv/bin/python bench/bench_isolation.py           # 50 private users
    .venv/bin/python bench/bench_isolation.py --quick   # 10 private users
    .venv/bin/python bench/bench_isolation.py --sequential   # PTB's defaults, for comparison

Our bot runs as in production (build_application: its update processor and rate limiter,
long polling) against tests/fakebotapi.py on 127.0.0.1, which enforces Telegram's limits
(30 messages/s per bot, 20 a minute per group) with 429. Two scenarios:

- flood: a board sends commands in its group faster than 20 messages a minute can answer
  them, so the group's replies queue up behind its limit;
- 429: Telegram answers every message to the group with 429 retry_after=20 for 20 s.

Meanwhile private users press /start, spread over a few seconds; the figure is each private
user's wait for their first reply (p50 / p99). Target: p99 under 1 s, whatever the group does.
`--sequential` builds the Application with PTB's defaults (one update at a time,
AIORateLimiter) to show what the issue saw. Figures are printed, never asserted; exit 1 only
when the bot misbehaves (a private user left unanswered).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_bursts import press_start  # noqa: E402
from bench.common import (  # noqa: E402
    TOKEN,
    BotMisbehaved,
    build_ours,
    machine,
    percentile,
    table,
    target,
    write_json,
)
from tests.fakebotapi import FakeBotAPI, chat_key  # noqa: E402

GROUP = -1009001
FIRST_USER = 6_000_000
# Seconds over which the private users press /start: 50 users × 2 messages in 5 s stay under
# the bot's 30 messages a second, so what is measured is the group's effect, not that limit.
SPREAD = 5.0
RETRY_AFTER = 20
LABELS = {"flood": "group flooded at its limit", "429": "group answers 429 (20 s)"}


class TimedFake(FakeBotAPI):
    """The fake Bot API, also noting when each chat's first message was accepted."""

    def __init__(self) -> None:
        super().__init__(token=TOKEN, enforce_limits=True)
        self.first_ok: dict[int | str, float] = {}

    def _dispatch(self, method: str, params: dict[str, Any], files: dict[str, Any]) -> Any:
        status, payload = super()._dispatch(method, params, files)
        if method == "sendMessage" and status == 200:
            self.first_ok.setdefault(chat_key(params.get("chat_id", "")), time.monotonic())
        return status, payload


def sequential_defaults() -> None:
    """Make build_application use PTB's defaults: one update at a time, AIORateLimiter."""
    from telegram.ext import AIORateLimiter, SimpleUpdateProcessor

    import bot.telegram_app as app_module

    app_module.ChatOrderedProcessor = lambda _conversations: SimpleUpdateProcessor(1)  # type: ignore[assignment,misc]
    app_module.ChatRateLimiter = lambda: AIORateLimiter(  # type: ignore[assignment,misc]
        overall_max_rate=1, overall_time_period=1 / 30, max_retries=3
    )


def board_floods(fake: FakeBotAPI, commands: int) -> None:
    """The board's admin sends `commands` commands in the group, a tenth of a second apart."""
    for _ in range(commands):
        fake.send_text(
            GROUP, "/hjaelp", user_id=1, first_name="Anna", chat_type="supergroup", title="B"
        )
        time.sleep(0.1)


async def scenario(name: str, users: int, commands: int, library: Any, tmp: Path) -> dict[str, Any]:
    """Run one scenario; return the private users' first-reply waits."""
    with TimedFake() as fake:
        fake.set_admins(GROUP, [1])
        ours = build_ours(tmp / name, library, base_url=fake.base_url)
        app = ours.app
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            if name == "429":
                fake.flood_chat(GROUP, retry_after=RETRY_AFTER)
            flood = threading.Thread(target=board_floods, args=(fake, commands))
            flood.start()
            await asyncio.sleep(1.0)  # the group's queue builds up first
            sent_at = await asyncio.to_thread(press_start, fake, users, SPREAD, FIRST_USER)
            try:
                await asyncio.to_thread(
                    fake.wait_for,
                    lambda: all(u in fake.first_ok for u in sent_at),
                    180,
                    "every private user's first reply",
                )
            except AssertionError:
                missing = sum(1 for u in sent_at if u not in fake.first_ok)
                raise BotMisbehaved(f"{name}: {missing} private users unanswered") from None
            flood.join()
            group_waiting = GROUP not in fake.first_ok or fake.count_429 > 0
        finally:
            _release_group(fake, app)
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
            ours.close()
    waits = [fake.first_ok[u] - t for u, t in sent_at.items()]
    return {
        "scenario": name,
        "users": users,
        "group_commands": commands,
        "p50_s": percentile(waits, 50),
        "p99_s": percentile(waits, 99),
        "max_s": max(waits),
        "count_429": fake.count_429,
        "group_was_held": group_waiting,
    }


def _release_group(fake: TimedFake, app: Any) -> None:
    """Let the group's backlog go at once, so shutting down does not wait a minute for it."""
    with fake._cond:
        fake._floods.clear()
        fake.enforce_limits = False
    limiter = getattr(app.bot, "rate_limiter", None)
    window = getattr(limiter, "window", None)
    if callable(window):
        found = window(GROUP)
        found.limit, found.paused_until = 10**9, 0.0


async def measure(users: int, commands: int) -> list[dict[str, Any]]:
    from dialogues import CONTENT_DIR, load_library

    library = load_library(CONTENT_DIR)
    with tempfile.TemporaryDirectory(prefix="bench-isolation-") as tmp_name:
        tmp = Path(tmp_name)
        return [await scenario(n, users, commands, library, tmp) for n in ("flood", "429")]


def main(argv: list[str] | None = None) -> int:
    """Run both scenarios and print the private users' waits."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="10 private users instead of 50")
    parser.add_argument("--sequential", action="store_true", help="PTB's defaults, for comparison")
    parser.add_argument("--json", help="also write the figures to this file (for run_all.py)")
    args = parser.parse_args(argv)
    users, commands = (10, 15) if args.quick else (50, 30)
    if args.sequential:
        sequential_defaults()
    variant = "PTB defaults (sequential, AIORateLimiter)" if args.sequential else "ours"
    print(
        f"Isolation ({variant}): a board sends {commands} commands in its group (2 messages "
        f"each, over Telegram's 20 a minute) while {users} private users press /start"
    )
    try:
        results = asyncio.run(measure(users, commands))
    except BotMisbehaved as exc:
        print(f"\nBOT MISBEHAVED: {exc}", file=sys.stderr)
        return 1
    rows = [
        (
            LABELS[r["scenario"]],
            f"{r['p50_s'] * 1000:.0f}",
            f"{r['p99_s'] * 1000:.0f}",
            f"{r['max_s'] * 1000:.0f}",
            r["count_429"],
        )
        for r in results
    ]
    print(table(("scenario", "p50 ms", "p99 ms", "max ms", "429s"), rows, first=28))
    worst = max(r["p99_s"] for r in results)
    out: dict[str, Any] = {"variant": variant, "results": results, "machine": machine()}
    out["targets"] = [
        target(
            f"private first reply p99 while a group is flooded ({variant})",
            f"{worst * 1000:.0f} ms",
            "< 1 s",
            worst < 1.0,
        )
    ]
    write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
