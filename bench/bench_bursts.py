"""Benchmark a burst at Telegram's flood limit: many new users press /start at once.

Run from the repository root:

    .venv/bin/python bench/bench_bursts.py            # 1,000 users (about 70 s)
    .venv/bin/python bench/bench_bursts.py --quick    # 60 users

Our bot runs as in production (build_application with its per-chat rate limiter and update
processor, long polling) against tests/fakebotapi.py on 127.0.0.1 with enforce_limits=True,
which answers 429 with retry_after past 30 messages/s per bot and 20/min per group.
The users' /start updates are queued evenly within one second. Every user must get
all of their messages, in their own chat, and every 429 must be honoured (the next attempt
for that chat no sooner than retry_after later). The time from the first /start to the last
reply is compared with the floor the limit sets: messages / 30 per second.

Figures are printed, never asserted; exit 1 only when the bot misbehaves.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    TOKEN,
    BotMisbehaved,
    OfflineRequest,
    build_ours,
    machine,
    offline_bot,
    percentile,
    run_offline,
    table,
    target,
    unpaced_limiter,
    write_json,
)
from tests.fakebotapi import FakeBotAPI, chat_key  # noqa: E402

RATE = 30.0  # messages per second per bot, Telegram's limit (and the fake's)
FIRST_USER = 5_000_000
SPREAD = 1.0  # seconds over which the users press /start


class TimedFake(FakeBotAPI):
    """The fake Bot API, also logging when each send arrived and how it was answered."""

    def __init__(self) -> None:
        super().__init__(token=TOKEN, enforce_limits=True)
        self.log: list[tuple[float, int | str, int, int | None]] = []  # (t, chat, status, retry)

    def _dispatch(self, method: str, params: dict[str, Any], files: dict[str, Any]) -> Any:
        arrived = time.monotonic()
        status, payload = super()._dispatch(method, params, files)
        if method.startswith("send") and method != "sendChatAction":
            retry = (payload.get("parameters") or {}).get("retry_after")
            self.log.append((arrived, chat_key(params.get("chat_id", "")), status, retry))
        return status, payload


async def messages_per_start(library: Any, tmp: Path) -> int:
    """How many messages /start sends a new user (run offline once)."""
    request = OfflineRequest()
    ours = build_ours(tmp, library, bot=offline_bot(request, rate_limiter=unpaced_limiter()))
    await ours.app.initialize()
    try:
        run = await run_offline("ours", ours.app, request, [42], script=(("command", "/start"),))
    finally:
        await ours.app.shutdown()
        ours.close()
    return run.sends_per_step[0]


def press_start(
    fake: FakeBotAPI, users: int, spread: float = SPREAD, first: int = FIRST_USER
) -> dict[int, float]:
    """Queue one /start per user, evenly within `spread` seconds; return when each was sent."""
    start = time.monotonic()
    sent_at = {}
    for i in range(users):
        delay = start + spread * i / users - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sent_at[first + i] = time.monotonic()
        fake.send_text(first + i, "/start")
    return sent_at


def check(fake: TimedFake, users: int, per_user: int) -> tuple[int, list[str]]:
    """Return (429s honoured, problems): every user got exactly their messages, 429s waited."""
    problems = []
    counts = Counter(record["chat_id"] for record in fake.sent)
    wanted = set(range(FIRST_USER, FIRST_USER + users))
    stray = set(counts) - wanted
    if stray:
        problems.append(f"messages to chats that sent nothing: {sorted(stray)[:5]}")
    wrong = [c for c in wanted if counts.get(c, 0) != per_user]
    if wrong:
        problems.append(
            f"{len(wrong)} users without exactly {per_user} messages, e.g. chat {wrong[0]} "
            f"got {counts.get(wrong[0], 0)}"
        )
    honoured = 0
    attempts: dict[int | str, list[tuple[float, int, int | None]]] = {}
    for arrived, chat, status, retry in fake.log:
        attempts.setdefault(chat, []).append((arrived, status, retry))
    for chat, tries in attempts.items():
        for (arrived, status, retry), later in zip(tries, [*tries[1:], None], strict=True):
            if status != 429:
                continue
            if later is None:
                problems.append(f"a 429 in chat {chat} was never retried")
            elif later[0] + 0.01 < arrived + (retry or 0):
                problems.append(
                    f"chat {chat}: retried {later[0] - arrived:.2f} s after a 429 "
                    f"that asked for {retry} s"
                )
            else:
                honoured += 1
    return honoured, problems


async def burst(users: int) -> dict[str, Any]:
    """Run the burst once; return its figures."""
    from dialogues import CONTENT_DIR, load_library

    library = load_library(CONTENT_DIR)
    with tempfile.TemporaryDirectory(prefix="bench-bursts-") as tmp_name:
        tmp = Path(tmp_name)
        per_user = await messages_per_start(library, tmp / "probe")
        messages = users * per_user
        floor = messages / RATE
        bound = 2 * floor + 60
        print(
            f"Bursts: {users:,} new users press /start within {SPREAD:.0f} s; each gets "
            f"{per_user} messages, {messages:,} in all"
        )
        print(
            f"floor at {RATE:.0f} messages/s: {floor:.1f} s "
            f"(bounded at {bound:.0f} s; the fake enforces Telegram's limits with 429)"
        )
        print()
        with TimedFake() as fake:
            ours = build_ours(tmp / "bot", library, base_url=fake.base_url)
            app = ours.app
            await app.initialize()
            if app.post_init is not None:
                await app.post_init(app)
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
            try:
                sent_at: dict[int, float] = {}
                t0 = time.monotonic()
                presser = threading.Thread(target=lambda: sent_at.update(press_start(fake, users)))
                presser.start()
                try:
                    await asyncio.to_thread(
                        fake.wait_for, lambda: len(fake.sent) >= messages, bound, "every reply"
                    )
                except AssertionError:
                    have = len(fake.sent)
                    raise BotMisbehaved(
                        f"only {have:,} of {messages:,} messages within {bound:.0f} s"
                    ) from None
                finally:
                    presser.join(timeout=SPREAD + 10)
                await asyncio.to_thread(fake.wait_idle, 1.0, 30)  # would show extra messages
            finally:
                await app.updater.stop()
                await app.stop()
                await app.shutdown()
                ours.close()
        honoured, problems = check(fake, users, per_user)
        if problems:
            raise BotMisbehaved("; ".join(problems))
        ok = [(t, chat) for t, chat, status, _ in fake.log if status == 200]
        last = max(t for t, _ in ok)
        first_reply: dict[Any, float] = {}
        last_reply: dict[Any, float] = {}
        for t, chat in ok:
            first_reply.setdefault(chat, t)
            last_reply[chat] = t
        waits_first = [first_reply[c] - sent_at[c] for c in sent_at]
        waits_all = [last_reply[c] - sent_at[c] for c in sent_at]
        elapsed = last - t0
        return {
            "users": users,
            "messages_per_user": per_user,
            "messages": messages,
            "floor_s": floor,
            "elapsed_s": elapsed,
            "ratio": elapsed / floor,
            "rate": messages / elapsed,
            "count_429": fake.count_429,
            "honoured_429": honoured,
            "attempts": len(fake.log),
            "first_p50_s": percentile(waits_first, 50),
            "first_p99_s": percentile(waits_first, 99),
            "all_p50_s": percentile(waits_all, 50),
            "all_p99_s": percentile(waits_all, 99),
        }


def main(argv: list[str] | None = None) -> int:
    """Run the burst and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="60 users instead of 1,000")
    parser.add_argument("--users", type=int, help="number of users (overrides --quick)")
    parser.add_argument("--json", help="also write the figures to this file (for run_all.py)")
    args = parser.parse_args(argv)
    users = max(1, min(args.users or (60 if args.quick else 1000), 5000))
    try:
        r = asyncio.run(burst(users))
    except BotMisbehaved as exc:
        print(f"\nBOT MISBEHAVED: {exc}", file=sys.stderr)
        return 1
    rows = [
        ("users answered", f"{r['users']:,} of {r['users']:,}"),
        ("messages delivered", f"{r['messages']:,}"),
        ("send attempts", f"{r['attempts']:,}"),
        ("429 answers (all honoured)", f"{r['count_429']:,}"),
        ("floor: messages / 30 per s", f"{r['floor_s']:.1f} s"),
        ("first /start → last reply", f"{r['elapsed_s']:.1f} s"),
        ("ratio to the floor", f"{r['ratio']:.2f} (target ≤ 1.2)"),
        ("delivered rate", f"{r['rate']:.1f} messages/s"),
        ("a user's first reply: p50 / p99", f"{r['first_p50_s']:.1f} / {r['first_p99_s']:.1f} s"),
        ("a user's last reply: p50 / p99", f"{r['all_p50_s']:.1f} / {r['all_p99_s']:.1f} s"),
    ]
    print(table(("", "value"), rows, first=34))
    print()
    print(
        "notes: the limiter (bot/ratelimit.py: an even 28/s overall, max_retries=3) paces all "
        "sends; a 429 pauses only the chat it was for, for retry_after + 0.1 s. A user waits "
        "behind the whole queue, so the last users are answered only near the end."
    )
    r["targets"] = [
        target(
            f"burst of {r['users']:,} /start: last reply / floor",
            f"{r['ratio']:.2f}",
            "≤ 1.2",
            r["ratio"] <= 1.2,
        ),
        target(
            "burst: every user answered, every 429 honoured", f"{r['count_429']} × 429", "all", True
        ),
    ]
    r["machine"] = machine()
    write_json(args.json, r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
