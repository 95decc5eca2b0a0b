"""Run every benchmark and write docs/BENCHMARKS.md with the figures.

Run from the repository root:

    .venv/bin/python bench/run_all.py            # the full suite, under 10 minutes
    .venv/bin/python bench/run_all.py --quick    # small sizes for CI, well under a minute

Each benchmark runs in its own process (each script also runs on its own) with a time
limit; its printed tables go to the console and into the Markdown file, its targets into
one summary table. The suite exits 1 if a benchmark reports a misbehaving bot (or fails),
never because of a timing: benchmarks print figures, they do not assert them.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import machine  # noqa: E402

BENCH = Path(__file__).resolve().parent
OUTPUT = ROOT / "docs" / "BENCHMARKS.md"


class Bench:
    """One benchmark script with its arguments, what it is, and its time limits (s)."""

    def __init__(
        self, title: str, script: str, args: list[str], limit: float, quick_limit: float
    ) -> None:
        self.title, self.script, self.args = title, script, args
        self.limit, self.quick_limit = limit, quick_limit


BENCHES = (
    Bench("Turn cost", "bench_turns.py", [], 240, 60),
    Bench("Profile of our turn", "bench_turns.py", ["--profile"], 120, 60),
    Bench("Scale", "bench_scale.py", [], 420, 90),
    Bench("Bursts at Telegram's limit", "bench_bursts.py", [], 240, 60),
    Bench("One busy group, everyone else", "bench_isolation.py", [], 420, 180),
    Bench("Exports", "bench_exports.py", [], 180, 60),
    Bench("Workers sharing PostgreSQL", "bench_workers.py", [], 300, 120),
)
QUICK_SKIPS = ("bench_exports.py",)  # 12 s even with --quick, and not about turns; full only


def run(bench: Bench, quick: bool, json_path: Path) -> tuple[int, str, float]:
    """Run one benchmark, echoing its output; return (exit code, output, seconds)."""
    command = [sys.executable, str(BENCH / bench.script), *bench.args]
    if quick:
        command.append("--quick")
    if bench.script != "bench_exports.py":
        command += ["--json", str(json_path)]
    limit = bench.quick_limit if quick else bench.limit
    shown = ["python", f"bench/{bench.script}", *bench.args] + (["--quick"] if quick else [])
    print(f"$ {shlex.join(shown)}", flush=True)
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    timer = threading.Timer(limit, process.kill)  # bounded: a stuck benchmark is stopped
    timer.start()
    lines = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line)
        code = process.wait()
    finally:
        timer.cancel()
    seconds = time.perf_counter() - start
    if code < 0:
        lines.append(f"\n(stopped after the time limit of {limit:.0f} s)\n")
    print(f"({seconds:.1f} s, exit {code})\n", flush=True)
    return code, "".join(lines), seconds


def _met(value: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "–"}[value]


def markdown(quick: bool, results: list[dict[str, Any]], total: float) -> str:
    """The text of docs/BENCHMARKS.md."""
    command = ".venv/bin/python bench/run_all.py" + (" --quick" if quick else "")
    info = machine()
    lines = [
        "# Benchmarks",
        "",
        "Written by `bench/run_all.py`; do not edit by hand. Benchmarks print figures and never "
        "assert timings; they fail only when the bot misbehaves (a reply missing, extra or in "
        "the wrong chat). All traffic stays on 127.0.0.1 or in memory.",
        "",
        f"- **date:** {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- **command:** `{command}` ({'quick sizes' if quick else 'full sizes'}, "
        f"{total:.0f} s in all)",
    ]
    lines += [f"- **{key}:** {value}" for key, value in info.items()]
    lines += [
        "",
        "## Targets",
        "",
        "| figure | value | target | met |",
        "| --- | --- | --- | --- |",
    ]
    for result in results:
        for row in result.get("targets", []):
            lines.append(
                f"| {row['name']} | {row['value']} | {row['target']} | {_met(row['met'])} |"
            )
    lines += [
        "",
        "Throughput targets compare turns per second of the same scripted conversations; every "
        "one of our turns is committed (SQLite WAL, `synchronous=FULL`) before its reply, the "
        "reference's PicklePersistence writes only every 60 s.",
    ]
    for result in results:
        lines += [
            "",
            f"## {result['title']}",
            "",
            f"`{result['command']}` ({result['seconds']:.1f} s)",
        ]
        if result["code"]:
            lines += ["", f"**Exit code {result['code']}.**"]
        lines += ["", "```text", result["output"].rstrip(), "```"]
    if quick:
        skipped = ", ".join(f"`bench/{s}`" for s in QUICK_SKIPS)
        lines += ["", f"Quick mode skips {skipped}; the full run includes it."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run all benchmarks, write the Markdown file, exit 1 if any failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="the Markdown file to write")
    args = parser.parse_args(argv)
    results = []
    failed = False
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-all-") as tmp:
        for index, bench in enumerate(BENCHES):
            if args.quick and bench.script in QUICK_SKIPS:
                continue
            json_path = Path(tmp) / f"{index}.json"
            code, output, seconds = run(bench, args.quick, json_path)
            data = json.loads(json_path.read_text()) if json_path.exists() and code == 0 else {}
            shown = ["python", f"bench/{bench.script}", *bench.args] + (
                ["--quick"] if args.quick else []
            )
            results.append(
                {
                    "title": bench.title,
                    "command": shlex.join(shown),
                    "seconds": seconds,
                    "code": code,
                    "output": output,
                    "targets": data.get("targets", []),
                }
            )
            failed = failed or code != 0
    total = time.perf_counter() - start
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(markdown(args.quick, results, total), encoding="utf-8")
    print(f"wrote {args.output} ({total:.0f} s in all)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
