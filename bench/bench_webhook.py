"""Memory of the bot process under big webhook requests without the secret.

Run from the repository root:

    .venv/bin/python bench/bench_webhook.py            # four 90 MiB requests, as in issue 16
    .venv/bin/python bench/bench_webhook.py --quick    # four 16 MiB requests

Two servers are measured, each in its own process against the fake Bot API:

The requests are sent at once, from `count` threads.

- `ours`: `python -m bot` in webhook mode (bot/webhook.py), exactly as deployed;
- `ptb`: the same Application served by PTB's `run_webhook` (what bot/run.py used before),
  which reads the whole body before it checks the secret.

For each: the resident set size (VmRSS) after start-up, after the requests, and the peak
(VmHWM); the status each request got, and how many of its bytes the client could send
before the server answered or closed. Figures only; nothing is asserted on them.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakebotapi import FakeBotAPI  # noqa: E402

SECRET = "bench-secret-0123456789"
MIB = 1024 * 1024

PTB_SERVER = textwrap.dedent(
    """
    import os, signal
    from bot.config import Config
    from bot.service import Conversations
    from bot.telegram_app import build_application
    from dialogues import CONTENT_DIR, load_library
    from storage import MemoryStore
    config = Config(os.environ["TELEGRAM_BOT_TOKEN"], os.environ["TELEGRAM_BASE_URL"],
                    os.environ["BOT_DATA_DIR"], CONTENT_DIR, "WARNING")
    app = build_application(config, Conversations(load_library(CONTENT_DIR), MemoryStore()))
    app.run_webhook(listen="127.0.0.1", port=int(os.environ["BOT_WEBHOOK_PORT"]),
                    url_path="hook", webhook_url="https://bot.example.org/hook",
                    secret_token=os.environ["BOT_WEBHOOK_SECRET"],
                    stop_signals=(signal.SIGINT, signal.SIGTERM))
    """
)


def memory(pid: int) -> dict[str, float]:
    """Return VmRSS and VmHWM (peak) of a process in MiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) / 1024
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def big_request(port: int, path: str, size: int) -> tuple[int, int]:
    """POST `size` bytes without the secret; return (status or 0, bytes sent)."""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n"
        sock.sendall(head.encode())
        sent, block = 0, b"\0" * MIB
        try:
            while sent < size:
                sent += sock.send(block[: size - sent])
        except OSError:
            pass
        try:
            answer = sock.recv(4096)
        except OSError:
            answer = b""
    return (int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0), sent


def measure(kind: str, size: int, count: int, data: Path) -> dict[str, object]:
    """Start one server, send `count` requests of `size` bytes, return the figures."""
    port = free_port()
    with FakeBotAPI() as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=fake.token,
            TELEGRAM_BASE_URL=fake.base_url,
            BOT_DATA_DIR=str(data / kind),
            BOT_KEY_FILE=str(data / f"{kind}-keys" / "data.key"),
            BOT_WEBHOOK_URL="https://bot.example.org/hook",
            BOT_WEBHOOK_SECRET=SECRET,
            BOT_WEBHOOK_PORT=str(port),
            BOT_LOG_LEVEL="WARNING",
        )
        command = (
            [sys.executable, "-m", "bot"] if kind == "ours" else [sys.executable, "-c", PTB_SERVER]
        )
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            deadline = time.monotonic() + 60
            while not any(m == "setWebhook" for m, _ in fake.calls):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{kind} did not start: {process.stderr.read()!r}")  # type: ignore[union-attr]
                time.sleep(0.05)
            time.sleep(0.5)
            before = memory(process.pid)
            with ThreadPoolExecutor(count) as pool:  # at once, as an attacker would
                results = list(pool.map(lambda _: big_request(port, "/hook", size), range(count)))
            time.sleep(0.5)
            after = memory(process.pid)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    return {
        "server": kind,
        "rss_before_mib": round(before["VmRSS"], 1),
        "rss_after_mib": round(after["VmRSS"], 1),
        "peak_mib": round(after["VmHWM"], 1),
        "statuses": sorted({status for status, _ in results}),
        "bytes_sent_per_request_mib": round(max(sent for _, sent in results) / MIB, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="16 MiB requests")
    parser.add_argument("--size-mib", type=int, default=90)
    parser.add_argument("--count", type=int, default=4)
    args = parser.parse_args()
    size = (16 if args.quick else args.size_mib) * MIB
    with tempfile.TemporaryDirectory(prefix="bench-webhook-") as tmp:
        rows = [measure(kind, size, args.count, Path(tmp)) for kind in ("ours", "ptb")]
    print(f"## Webhook: {args.count} requests of {size // MIB} MiB without the secret\n")
    print("| server | RSS before (MiB) | RSS after (MiB) | peak (MiB) | status | sent (MiB) |")
    print("| --- | ---: | ---: | ---: | --- | ---: |")
    for row in rows:
        print(
            f"| {row['server']} | {row['rss_before_mib']} | {row['rss_after_mib']} | "
            f"{row['peak_mib']} | {', '.join(map(str, row['statuses']))} | "
            f"{row['bytes_sent_per_request_mib']} |"
        )


if __name__ == "__main__":
    main()
