"""Benchmark the exports on a large plan: time, peak memory and size per format (and the
time line picture, png).

Run from the repository root:

    .venv/bin/python bench/bench_exports.py            # best of 3
    .venv/bin/python bench/bench_exports.py --quick    # one timed run

The plan has 50 rows over five focus areas (42 with a deadline), 60 answers over 8 sections
(500 to 1,600 characters each, with line breaks), four meetings and two credit lines. Each
format is first rendered once untimed (imports, font loading), then timed; the peak memory is
measured in a separate run under tracemalloc, which slows code down.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dialogues.documents.build import labels  # noqa: E402
from dialogues.documents.document import (  # noqa: E402
    Answer,
    Meeting,
    PlanDocument,
    PlanRow,
    Section,
)
from dialogues.documents.formats import FORMATS, PICTURES, render  # noqa: E402
from dialogues.library.loader import load_library  # noqa: E402

FOCUS = ("Fleksibel organisering", "Rummelig kultur", "Kompetencer", "Fysiske rammer", "Partnere")
SENTENCE = "Vi vil gøre det lettere for frivillige på kanten af arbejdsmarkedet at være med. "


def _row(n: int) -> PlanRow:
    """Return plan row n, with a deadline unless n is a multiple of seven."""
    due = None if n % 7 == 0 else date(2027, 1, 4) + timedelta(weeks=n % 40)
    return PlanRow(
        uid=f"trin3-r{n}",
        fokus=FOCUS[n % len(FOCUS)],
        maal=f"Mål {n}: at vi bliver et fællesskab, hvor alle kan bidrage med det, de kan.",
        delmaal=tuple(f"Delmål {n}.{i}: at vi holder et møde om rammerne" for i in range(3)),
        handlinger=tuple(
            f"Handling {n}.{i}: ring til kontaktpersonen, og aftal et møde før jul"
            for i in range(4)
        ),
        tid=f"uge {due.isocalendar().week}" if due else "",
        due=due,
        roller="Johanne står for mødet. Peter og Åse finder mentorerne.",
        status=("Planlagt", "I gang", "Færdig", "")[n % 4],
        source=f"Trin {1 + n % 4}",
    )


def _answer(n: int) -> Answer:
    """Return answer n: 500 to 1,600 characters with a line break after every third sentence."""
    sentences = [SENTENCE] * (6 + n % 14)
    text = "".join(s + ("\n" if i % 3 == 2 else "") for i, s in enumerate(sentences))
    return Answer(f"Spørgsmål {n}: hvad vil I opnå?", text.strip(), "Mette Ørsted", "2026-11-20")


def large_plan() -> PlanDocument:
    """Build the benchmark's plan: 50 rows, 60 answers over 8 sections, 4 meetings."""
    sections = tuple(
        Section(f"Trin {s + 1}", tuple(_answer(n) for n in range(60) if n % 8 == s))
        for s in range(8)
    )
    meetings = tuple(
        Meeting(f"moede-{m}", f"Opfølgningsmøde {m}", date(2027, 1 + 3 * m, 10)) for m in range(4)
    )
    danish = load_library().get("da")
    return PlanDocument(
        lang="da",
        title="Handleplan for inklusion",
        organisation="Frivillighuset Ærø",
        created=date(2026, 11, 22),
        rows=tuple(_row(n) for n in range(50)),
        sections=sections,
        meetings=meetings,
        credits=("Bygget på »Inklusion af frivillige«.", "Inklusionsguiden"),
        labels=labels(danish),
        words=danish.words,
    )


def measure(doc: PlanDocument, fmt: str, repeats: int) -> tuple[float, float, int]:
    """Return the best time (ms), peak traced memory (KiB) and size (bytes) of one format."""
    size = len(render(doc, fmt, "bench"))  # warm up: imports, font files
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        render(doc, fmt, "bench")
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    render(doc, fmt, "bench")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best * 1000, peak / 1024, size


def main(argv: list[str] | None = None) -> None:
    """Render the large plan in every format and print a table of the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="one timed run instead of three")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 3
    doc = large_plan()
    answers = sum(len(section.answers) for section in doc.sections)
    print(f"plan: {len(doc.rows)} rows, {answers} answers, {len(doc.sections)} sections")
    timing = f"best of {repeats} (ms)"
    print(f"{'format':<8}{timing:>18}{'peak (KiB)':>14}{'size (KiB)':>14}")
    for fmt in FORMATS + PICTURES:
        ms, kib, size = measure(doc, fmt, repeats)
        print(f"{fmt:<8}{ms:>18.1f}{kib:>14.0f}{size / 1024:>14.1f}")


if __name__ == "__main__":
    main()
