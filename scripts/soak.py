"""Crash soak: SIGKILL the real bot process hundreds of times; print what was lost (goal: 0).

Each iteration starts `python -m bot` against the fake Bot API (tests/fakebotapi.py), lets a
scripted user answer questions, kills the process with SIGKILL at a random moment, runs
PRAGMA integrity_check on the database file (read-only) and checks that every answer the bot
acknowledged is stored. The machinery is tests/test_crash.py's CrashSoak; this script only
runs more of it.

    .venv/bin/python scripts/soak.py                    # 200 kills
    .venv/bin/python scripts/soak.py --iterations 500 --seed 3 --json soak.json
    .venv/bin/python scripts/soak.py --properties 5000  # also 5000 property-test examples

Exit status 1 when an answer was lost, the database failed its check, or a property failed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "true")

from tests.fakebotapi import FakeBotAPI  # noqa: E402
from tests.test_crash import CrashSoak  # noqa: E402


def crash_soak(iterations: int, seed: int, quiet: bool) -> dict[str, object]:
    """Run the kills; return the figures."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="soak-") as work, FakeBotAPI() as fake:
        soak = CrashSoak(fake, Path(work), seed=seed)
        for number in range(1, iterations + 1):
            soak.iteration()
            if not quiet and (number % 10 == 0 or number == iterations):
                f = soak.figures
                print(
                    f"  {number:4d} kills  {f.answers_typed:5d} answers typed  "
                    f"{f.answers_acked:5d} acknowledged  {f.answers_lost} lost  "
                    f"{f.integrity_failures} integrity failures  "
                    f"({time.monotonic() - started:.0f} s)",
                    flush=True,
                )
        soak.finish()
        figures = dataclasses.asdict(soak.figures)
    figures.update(iterations=iterations, seed=seed, seconds=round(time.monotonic() - started))
    return figures


def property_soak(examples: int, steps: int) -> dict[str, object]:
    """Run tests/test_properties.py with many more examples; return its statistics."""
    with tempfile.TemporaryDirectory(prefix="props-") as work:
        stats = Path(work) / "stats.json"
        env = {
            **os.environ,
            "PROPERTY_EXAMPLES": str(examples),
            "PROPERTY_STEPS": str(steps),
            "PROPERTY_STATS": str(stats),
        }
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "tests/test_properties.py"],
            cwd=ROOT,
            env=env,
            check=False,
        )
        figures: dict[str, object] = json.loads(stats.read_text()) if stats.exists() else {}
    figures.update(passed=result.returncode == 0, seconds=round(time.monotonic() - started))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=200, help="SIGKILLs (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the kill moments")
    parser.add_argument("--properties", type=int, default=0, help="property-test examples too")
    parser.add_argument("--steps", type=int, default=40, help="steps per property example")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args()

    print(f"crash soak: {args.iterations} SIGKILLs of `python -m bot` (seed {args.seed})")
    report: dict[str, object] = {"crash": crash_soak(args.iterations, args.seed, args.quiet)}
    crash = report["crash"]
    assert isinstance(crash, dict)
    print(
        f"kills {crash['kills']} ({crash['kills_with_answer_in_flight']} with an answer in "
        f"flight), answers typed {crash['answers_typed']}, acknowledged "
        f"{crash['answers_acked']}, lost {crash['answers_lost']}, integrity failures "
        f"{crash['integrity_failures']}, {crash['seconds']} s"
    )
    for problem in crash["problems"]:  # type: ignore[attr-defined]
        print(f"  PROBLEM {problem}")
    ok = not crash["problems"]
    if args.properties:
        print(f"property soak: {args.properties} examples of {args.steps} steps")
        report["properties"] = props = property_soak(args.properties, args.steps)
        print(json.dumps(props, indent=1))
        ok = ok and bool(props["passed"])
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    print("OK: nothing lost" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
