"""Print the design figures issue 17 asks about: module sizes, import depth, Any count.

    .venv/bin/python scripts/design_figures.py [--any]

Module sizes: every module of bot/, dialogues/ and storage/ over 300 lines. Import depth: the
longest chain of imports between modules of dialogues/ (module-level imports, the registry's
discovery of kinds/ and screens/, and a sub-package's __init__ that runs before its modules; a
chain A → B → C has depth 3). `--any` also runs mypy with --disallow-any-expr over dialogues/ and
storage/ and prints the count per package (slow: about a minute).
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 300


def modules(package: str) -> dict[str, Path]:
    """Map dotted module names of a package to their files."""
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def top_level_imports(path: Path, known: set[str]) -> set[str]:
    """Return the modules of `known` that a file imports at module level (not in functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If):  # `if TYPE_CHECKING:` imports do not run
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & known
            names |= submodules or {node.module}  # `from pkg import mod` imports mod
    return names & known


# Imports made at run time that no import statement shows: the registry imports every module of
# kinds/ and screens/ to read what it declares (dialogues/registry.py, `declared`).
DISCOVERED = {"dialogues.registry": ("dialogues.kinds.", "dialogues.screens.")}


def import_depth(package: str) -> tuple[int, list[str]]:
    """Return the longest import chain inside a package and its modules."""
    mods = modules(package)
    graph = {name: top_level_imports(path, set(mods)) - {name} for name, path in mods.items()}
    for importer, prefixes in DISCOVERED.items():
        if importer in graph:
            graph[importer] |= {name for name in mods if name.startswith(prefixes)}
    for name in mods:  # importing a.b.c runs the __init__ of a.b first
        parent = name.rsplit(".", 1)[0]
        if parent != name and parent in graph and parent != package:
            graph[name] |= {parent} - {name}

    @functools.cache
    def longest(name: str, path: frozenset[str] = frozenset()) -> tuple[str, ...]:
        seen = path | {name}  # a cycle (through a package's __init__) ends the chain
        chains = [longest(dep, seen) for dep in graph[name] if dep not in seen]
        return (name, *max(chains, key=len, default=()))

    best = max((longest(name) for name in graph), key=len)
    return len(best), list(best)


def main() -> None:
    print("Modules over", LIMIT, "lines:")
    over = 0
    for package in ("bot", "dialogues", "storage"):
        for name, path in modules(package).items():
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > LIMIT:
                over += 1
                print(f"  {name}: {lines}")
    print(f"  ({over} in all)")
    depth, chain = import_depth("dialogues")
    print(f"Import depth of dialogues/: {depth} ({' → '.join(chain)})")
    if "--any" in sys.argv:
        for package in ("dialogues", "storage"):
            result = subprocess.run(
                [sys.executable, "-m", "mypy", "--disallow-any-expr", package],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            count = sum(1 for line in result.stdout.splitlines() if ": error:" in line)
            print(f"Any-typed expressions in {package}/: {count}")


if __name__ == "__main__":
    main()
