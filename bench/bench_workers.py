"""Workers sharing PostgreSQL against the embedded mode: throughput, latency, a worker's death.

Run from the repository root (PostgreSQL's binaries installed, as for the tests):

    .venv/bin/python bench/bench_workers.py            # 10 s per scenario
    .venv/bin/python bench/bench_workers.py --quick    # 3 s per scenario

Each scenario starts real `python -m bot` processes in webhook mode against the fake Bot
API (flood limits on, as Telegram's) behind a round-robin proxy (the one of
tests/test_workers_e2e.py), and `clients` threads post updates to the proxy at once, as
Telegram does over several connections: 20 updates a second (below the send pace), each
`/hjaelp` in a private chat of its own, one reply each. A turn's latency runs from its POST
to its reply at the fake (in the embedded mode the POST is answered at once, in PostgreSQL
mode after the turn is committed and its reply sent). Scenarios: the embedded
store (one process, SQLite), and PostgreSQL with 1, 2 and 4 workers. The send pace is the
bot's as a whole (28 messages a second, kept in the database for all workers), so turns
per second cannot exceed it whatever the number of workers: the figures show the shape (no
collapse, no lock convoy) and that the bot-wide rate stays within Telegram's limits (429s
counted at the fake).
Last, a worker is SIGKILLed mid-run: how long the updates it held took to be absorbed by
the others. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import Updates, percentile, table, target, write_json  # noqa: E402
from storage.crypto import new_key  # noqa: E402
from tests import pgcluster  # noqa: E402
from tests.fakebotapi import FakeBotAPI  # noqa: E402
from tests.test_workers_e2e import Proxy, free_port, start_worker, wait_until  # noqa: E402

SECRET = "bench-secret-0123456789"
CLIENTS = 8
RATE = 20.0  # updates offered a second: below the bot's send pace of 28 a second
OVERLOAD = 45.0  # more than the pace: the workers together must still send at most 28/s


def post(port: int, body: bytes) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            "/hook",
            body=body,
            headers={
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": SECRET,
            },
        )
        return conn.getresponse().status
    finally:
        conn.close()


def scenario(
    name: str,
    workers: int,
    url: str | None,
    seconds: float,
    kill: bool = False,
    rate: float = 20.0,
) -> dict[str, Any]:
    """Run one load; return its figures."""
    with ExitStack() as stack, TimedFake() as fake:
        data = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="benchw-")))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=fake.token,
            TELEGRAM_BASE_URL=fake.base_url,
            BOT_DATA_KEY=new_key().decode(),
            BOT_DATA_DIR=str(data / "data"),
            BOT_WEBHOOK_URL="https://bot.example.org/hook",
            BOT_WEBHOOK_SECRET=SECRET,
            BOT_LOG_LEVEL="WARNING",
            PTB_TIMEDELTA="true",
        )
        if url is not None:
            env["BOT_DATABASE_URL"] = url
        ports = [free_port() for _ in range(workers)]
        logs = [data / f"w{i}.log" for i in range(workers)]
        procs = [start_worker(env, p, log) for p, log in zip(ports, logs, strict=True)]
        try:
            env_ready = time.perf_counter()
            # A worker at WARNING logs nothing at start: wait until each answers a request.
            wait_until(lambda: all(_listening(p) for p in ports), 60, "workers listening")
            started = time.perf_counter() - env_ready
            proxy = Proxy(ports)
            threading.Thread(target=proxy.serve_forever, daemon=True).start()
            figures = _load(fake, proxy, seconds, procs[0] if kill else None, rate)
            figures["start_s"] = started
            proxy.shutdown()
            proxy.server_close()
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if url is not None:  # every update posted has its turn stored, answered or not
            import psycopg

            with psycopg.connect(url) as conn:
                row = conn.execute("SELECT count(*) FROM kv WHERE key LIKE 'chat:%'").fetchone()
            figures["stored"] = int(row[0]) if row else 0
        figures["name"] = name
        figures["sent_429"] = fake.count_429
        return figures


def _listening(port: int) -> bool:
    try:
        return post(port, b"{}") in (200, 400)
    except OSError:
        return False


class TimedFake(FakeBotAPI):
    """The fake Bot API noting when each message arrived (perf_counter)."""

    def _new_record(self, chat_id: int | str, method: str, params: Any, **fields: Any) -> Any:
        record = super()._new_record(chat_id, method, params, **fields)
        self.sent[-1]["at"] = time.perf_counter()
        return record


def _load(
    fake: FakeBotAPI,
    proxy: Proxy,
    seconds: float,
    victim: subprocess.Popen[bytes] | None,
    rate: float,
) -> dict[str, Any]:
    """Offer `rate` updates a second (open loop, over CLIENTS connections), each in a chat of
    its own; a turn's latency runs from its POST to its reply at the fake."""
    updates = Updates()
    posted: dict[int, float] = {}  # chat id -> when its update was posted
    failed: list[int] = []
    lock = threading.Lock()
    sent_before = len(fake.sent)
    begin = time.perf_counter()
    deadline = begin + seconds
    killed_at: list[float] = []
    interval = CLIENTS / rate

    def client(n: int) -> None:
        k = 0
        while (due := begin + n / rate + k * interval) < deadline:
            chat_id = 100_000 + k * CLIENTS + n
            k += 1
            with fake._cond:  # the fake learns the chat, as if it had written before
                fake._register_chat(chat_id, "private", None, "Test")
            body = json.dumps(updates.message(chat_id, "/hjaelp")).encode()
            time.sleep(max(0.0, due - time.perf_counter()))
            with lock:
                posted[chat_id] = time.perf_counter()
            status = post(proxy.server_port, body)
            if status != 200:
                with lock:
                    failed.append(chat_id)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    if victim is not None:
        time.sleep(seconds / 2)
        killed_at.append(time.perf_counter())
        victim.send_signal(signal.SIGKILL)
    for t in threads:
        t.join()

    def replies() -> dict[int, float]:
        with fake._cond:
            first: dict[int, float] = {}
            for record in fake.sent[sent_before:]:
                first.setdefault(int(record["chat_id"]), float(record.get("at", 0.0)))
            return first

    with contextlib.suppress(AssertionError):
        wait_until(lambda: len(replies()) >= len(posted) - len(failed), 20, "replies")
    done = replies()
    latencies = {c: done[c] - posted[c] for c in posted if c in done}
    last = max(done.values(), default=begin)
    figures: dict[str, Any] = {
        "turns_per_s": len(latencies) / max(last - begin, 1e-9),
        "p50_ms": percentile(list(latencies.values()), 50) * 1000,
        "p99_ms": percentile(list(latencies.values()), 99) * 1000,
        "failed": len(posted) - len(latencies),
        "posted": len(posted),
        "sends_per_s": (len(fake.sent) - sent_before) / max(last - begin, 1e-9),
    }
    if killed_at:
        k = killed_at[0]
        # The updates in flight when the worker died: the longest of them is the time its
        # failure took to be absorbed (the proxy sends them on to the other worker).
        held = [c for c in posted if posted[c] <= k and done.get(c, k + 1) > k]
        after = [latencies[c] for c in latencies if posted[c] > k]
        figures["absorbed_ms"] = max((done[c] - k for c in held if c in done), default=0) * 1000
        figures["in_flight"] = len(held)
        # A turn the dead worker had committed but not answered yet: the redelivery is
        # recognised and dropped, so that one message gets no reply (its answer is stored).
        figures["unanswered"] = len([c for c in held if c not in done])
        figures["p99_after_ms"] = percentile(after, 99) * 1000
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args()
    seconds = 3.0 if args.quick else 10.0
    given = os.environ.get("BOT_TEST_DATABASE_URL", "").strip()
    with ExitStack() as stack:
        try:
            server = given or stack.enter_context(pgcluster.cluster())
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"skipped: no PostgreSQL for the benchmark ({exc})")
            write_json(args.json, {"targets": []})
            return
        runs = [scenario("embedded (SQLite)", 1, None, seconds)]
        for n in (1, 2, 4):
            url = pgcluster.fresh_database(server)
            runs.append(scenario(f"PostgreSQL, {n} worker{'s' * (n > 1)}", n, url, seconds))
        runs.append(
            scenario(
                f"PostgreSQL, 2 workers, {OVERLOAD:.0f}/s offered",
                2,
                pgcluster.fresh_database(server),
                seconds,
                rate=OVERLOAD,
            )
        )
        failover = scenario(
            "PostgreSQL, 2 workers, one killed", 2, pgcluster.fresh_database(server), seconds, True
        )
    print(
        f"{RATE:.0f} updates a second offered over {CLIENTS} connections, /hjaelp each in a "
        f"private chat of its own, {seconds:.0f} s per scenario; latency: from the POST to "
        "the reply at the fake Bot API.\n"
    )
    rows = [
        [
            r["name"],
            f"{r['turns_per_s']:.1f}",
            f"{r['p50_ms']:.0f}",
            f"{r['p99_ms']:.0f}",
            f"{r['sends_per_s']:.1f}",
            r["sent_429"],
            r["failed"],
        ]
        for r in [*runs, failover]
    ]
    headers = ["scenario", "turns/s", "p50 ms", "p99 ms", "sends/s", "429s", "failed"]
    print(table(headers, rows, first=34))
    print()
    print(
        f"The last but one offers {OVERLOAD:.0f} updates a second, more than the pace: its "
        "turns wait for their send slot, which the two workers share.\n"
    )
    print(
        f"worker killed mid-run: {failover['in_flight']} update(s) in flight, answered by the "
        f"other worker within {failover['absorbed_ms']:.0f} ms of the kill, "
        f"{failover['unanswered']} stored but not answered (committed by the dead worker "
        f"before its reply); p99 after the kill {failover['p99_after_ms']:.0f} ms; "
        f"turns stored: {failover['stored']} of {failover['posted']} posted"
    )
    worst = max(r["sends_per_s"] for r in [*runs, failover])
    write_json(
        args.json,
        {
            "targets": [
                target(
                    "workers: bot-wide sends/s (any number of workers)",
                    f"{worst:.1f}",
                    "≤ 30",
                    worst <= 30,
                ),
                target(
                    "workers: 429s from the fake",
                    str(sum(r["sent_429"] for r in [*runs, failover])),
                    "0",
                    None,
                ),
                target(
                    "workers: a killed worker's updates absorbed",
                    f"{failover['absorbed_ms']:.0f} ms",
                    "none lost",
                    failover["stored"] == failover["posted"],
                ),
            ]
        },
    )


if __name__ == "__main__":
    main()
