"""The terminal chat: a second adapter over the same engine and storage.

Buttons are shown as numbered options; type the number to press one, or type text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.service import Conversations
from dialogues import Event, Reply

TERMINAL_CHAT_ID = 1
_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """Turn Telegram HTML into plain terminal text."""
    return html.unescape(_TAG.sub("", text))


def show(
    replies: list[Reply],
    write: Callable[[str], None],
    conversations: Conversations | None = None,
    export_dir: Path | None = None,
) -> list[str]:
    """Print replies; return the callback data of the last reply's buttons, numbered from 1."""
    options: list[str] = []
    for reply in replies:
        write(plain(reply.text))
        if reply.export and conversations is not None and export_dir is not None:
            name, data = conversations.export(TERMINAL_CHAT_ID, reply.export)
            export_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            (export_dir / name).write_bytes(data)
            write(f"→ {export_dir / name}")
        options = []
        for row in reply.buttons:
            cells = []
            for button in row:
                options.append(button.data)
                cells.append(f"[{len(options)}] {button.label}")
            write("   ".join(cells))
        write("")
    return options


def to_event(line: str, options: list[str], conversations: Conversations, user: str) -> Event:
    """Turn one typed line into an Event: a number presses a button, '/x' is a command."""
    base = {"chat_id": TERMINAL_CHAT_ID, "user_id": TERMINAL_CHAT_ID, "user_name": user}
    stripped = line.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(options):
        data = options[int(stripped) - 1]
        return Event(kind="button", data=data, at=conversations.clock(), **base)  # type: ignore[arg-type]
    kind = "command" if stripped.startswith("/") else "text"
    return Event(kind=kind, text=line, at=conversations.clock(), **base)  # type: ignore[arg-type]


def chat(
    conversations: Conversations,
    lines: Iterable[str],
    write: Callable[[str], None] = print,
    user: str = "Dig",
    export_dir: Path | None = None,
) -> None:
    """Run the chat over `lines` (stdin in real use) until they end or the user types /quit."""
    write("Inklusionsguiden i terminalen. Skriv /quit for at stoppe.\n")
    replies = conversations.handle(_start(conversations, user))
    options = show(replies, write, conversations, export_dir)
    for line in lines:
        if line.strip() in ("/quit", "/exit"):
            break
        event = to_event(line.rstrip("\n"), options, conversations, user)
        options = show(conversations.handle(event), write, conversations, export_dir)


def _start(conversations: Conversations, user: str) -> Event:
    return Event(
        chat_id=TERMINAL_CHAT_ID,
        user_id=TERMINAL_CHAT_ID,
        user_name=user,
        kind="command",
        text="/start",
        at=conversations.clock(),
    )
