"""The command line `python -m bot [COMMAND]`: parse it, load the settings and the content.

`check` and `graph` run here; the bot and the terminal chat are handed to `bot.run`, the
operator's commands (export, backup, status, stats, the key and database commands) to
`bot.maintenance`, each imported only then. Every fault is one line on stderr and exit
code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import Config, ConfigError, StartupError, setup_logging
from bot.graph import mermaid
from dialogues import ContentError, Library, load_library
from dialogues.documents.formats import FORMATS, PICTURES
from dialogues.library.readability import content_lix, flow_texts, sent_lix
from dialogues.library.validate import reachable
from storage.rows import DamagedRow

log = logging.getLogger("inklusionsguiden")
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen command; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Inklusionsguiden")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser(
        "run", help="run the Telegram bot (default), or the terminal chat without a token"
    )
    sub.add_parser("chat", help="chat in the terminal over the same engine and storage")
    sub.add_parser("check", help="validate all content and print one line per flow")
    graph = sub.add_parser("graph", help="print the flows as a Mermaid diagram")
    graph.add_argument("flow", nargs="?", help="only this flow")
    sub.add_parser("rotate-key", help="re-encrypt the database with a new data key")
    sub.add_parser("init-key", help="create the data key file once (0600), e.g. before a deploy")
    sub.add_parser("encrypt", help="encrypt an old unencrypted database, once")
    backup_cmd = sub.add_parser("backup", help="a consistent copy of the database, while it runs")
    backup_cmd.add_argument("file", type=Path, help="where to write the copy")
    sub.add_parser("status", help="database size, chats, journeys, nudges, last activity")
    sub.add_parser("stats", help="usage counts (never content): journeys, drop-off, plans, nudges")
    migrate_cmd = sub.add_parser(
        "migrate-to", help="copy the embedded database into PostgreSQL, in one transaction"
    )
    migrate_cmd.add_argument("url", help="postgresql://user@host/database (an empty one)")
    export_cmd = sub.add_parser("export", help="write one chat's plan or data to a file")
    export_cmd.add_argument("--chat", type=int, required=True, help="the chat id")
    export_cmd.add_argument("--format", required=True, choices=[*FORMATS, *PICTURES, "json"])
    export_cmd.add_argument("--out", type=Path, required=True, help="the file to write")
    args = parser.parse_args(argv)
    try:
        config = Config.from_env()
        setup_logging(config.log_level)
        library = load_library(
            config.content_dir, config.default_language, config.fallback_language
        )
        operator = {
            "contact": config.privacy_contact or "–",
            "retention_days": str(config.retention_days),
            "webapp_url": config.webapp_url,  # '' = no Mini App buttons
        }
        library = dataclasses.replace(library, operator=operator, tz=config.tz)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ContentError as exc:
        print(f"content error:\n{exc}", file=sys.stderr)
        return EXIT_USAGE
    command = args.command or "run"
    if command == "check":
        return check(library)
    if command == "graph":
        return print_graph(library, args.flow)
    try:
        return _operate(config, library, command, args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DamagedRow as exc:  # names the table and column, never the value
        print(
            f"error: {exc}: restore the latest backup (README, Deployment: Backups)",
            file=sys.stderr,
        )
        return EXIT_USAGE


def _operate(config: Config, library: Library, command: str, args: argparse.Namespace) -> int:
    """Run a command that opens the database (each takes the lock it needs)."""
    from bot import maintenance as operator
    from bot import run as runner  # imports telegram only when needed

    if command == "export":
        return operator.export(config, library, args.chat, args.format, args.out)
    if command == "migrate-to":
        return operator.migrate_to(config, args.url)
    if command in ("backup", "status", "stats"):
        return operator.operate(config, library, command, getattr(args, "file", None))
    simple = {
        "rotate-key": operator.rotate_key,
        "init-key": operator.init_key,
        "encrypt": operator.encrypt,
    }
    if command in simple:
        return simple[command](config)
    return runner.run_chat(config, library) if command == "chat" else runner.run(config, library)


def check(library: Library) -> int:
    """Print one line per flow and the readability figure; content already validated."""
    for lang, content in library.languages.items():
        for flow in content.flows.values():
            print(
                f"{lang}/{flow.id}: {len(flow.nodes)} nodes, {len(flow.questions)} questions, "
                f"{'all' if reachable(flow) == set(flow.nodes) else 'NOT all'} reachable, "
                f"{sum(len(t) for t in flow_texts(flow))} characters"
            )
        print(
            f"{lang}: average LIX {content_lix(content):.1f} over the flows, "
            f"{sent_lix(content):.1f} over all it sends (Danish target at most 35)"
        )
    print("content OK")
    return 0


def print_graph(library: Library, flow_id: str | None) -> int:
    """Print a Mermaid flowchart of one flow or all flows."""
    content = library.get(None)
    if flow_id is not None and flow_id not in content.flows:
        print(f"unknown flow {flow_id!r}; flows: {', '.join(content.flows)}", file=sys.stderr)
        return EXIT_USAGE
    print(mermaid(content, flow_id))
    return 0
