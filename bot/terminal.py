"""The terminal chat: a second adapter over the same engine and storage.

Buttons are shown as numbered options; type the number to press one, or type text.

Exports leave no plaintext behind: Markdown and the JSON of all data are printed in the
terminal; a PDF, Word, calendar or picture (the time line, png) file is written (0600) to a
private temporary folder (0700) outside the data folder, its path shown, and the folder is
removed when the chat ends and after /slet. Copy a file elsewhere while the chat runs to
keep it. Export files an older version left in the data folder are removed at the start.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.chats import chat_key
from bot.outbox import Outbox, Where
from bot.service import Conversations
from dialogues import Event, Reply

TERMINAL_CHAT_ID = 1
_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """Turn Telegram HTML into plain terminal text."""
    return html.unescape(_TAG.sub("", text))


PRINTED = ("md", "json")  # text formats: shown in the terminal, never written to a file


class Exports:
    """Where the chat's export files live while it runs: a private temporary folder."""

    def __init__(self) -> None:
        self._folder: Path | None = None

    def write(self, name: str, data: bytes) -> Path:
        """Write one export (0600) into the folder (0700), created on first use."""
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="inklusionsguiden-"))  # 0700
        path = self._folder / Path(name).name
        fd = os.open(path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return path

    def remove(self) -> None:
        """Delete the folder and every file in it."""
        if self._folder is not None:
            shutil.rmtree(self._folder)
            self._folder = None


def show(
    replies: list[Reply],
    write: Callable[[str], None],
    conversations: Conversations | None = None,
    exports: Exports | None = None,
) -> list[str]:
    """Print replies; return the callback data of all their buttons, numbered from 1.

    The numbers run on across the replies of one turn, so a welcome's button and the menu's
    below it never share a number.
    """
    options: list[str] = []
    for reply in replies:
        write(plain(reply.text))
        if reply.export and conversations is not None and exports is not None:
            name, data = conversations.export(TERMINAL_CHAT_ID, reply.export)
            if reply.export in PRINTED:
                write(f"----- {name} -----\n{data.decode('utf-8')}\n----- end -----")
            else:
                write(f"→ {exports.write(name, data)}")
        for row in reply.buttons:
            cells = []
            for button in row:
                link = button.web_app or button.url
                if link:  # nothing to press here: show the address to open in a browser
                    cells.append(f"{button.label}: {link}")
                    continue
                options.append(button.data)
                cells.append(f"[{len(options)}] {button.label}")
            write("   ".join(cells))
        write("")
    return options


class TerminalOutbox:
    """Prints a turn's replies (an Outbox); `options` holds their buttons' callback data,
    numbered from 1, for the next typed number to press."""

    def __init__(
        self,
        write: Callable[[str], None],
        conversations: Conversations | None = None,
        exports: Exports | None = None,
    ) -> None:
        self.write, self.conversations, self.exports = write, conversations, exports
        self.options: list[str] = []

    async def send(self, where: Where, replies: list[Reply]) -> None:
        """Print every reply, in order (the terminal has one chat: `where` is it)."""
        self.options = show(replies, self.write, self.conversations, self.exports)


def _conforms(terminal: TerminalOutbox) -> Outbox:
    """Never called: mypy proves here that the terminal's sender is an Outbox."""
    return terminal


def remove_old_exports(folder: Path, write: Callable[[str], None]) -> None:
    """Delete export files that an older version wrote into the data folder."""
    if not folder.is_dir():
        return
    old = [p for p in folder.iterdir() if p.is_file() and p.name.startswith("inklusionsguiden")]
    for path in old:
        path.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()  # only if nothing else is in it
    if old:
        write(f"({len(old)} old export files removed from {folder}.)\n")


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
    user: str = "",
    export_dir: Path | None = None,
) -> None:
    """Run the chat over `lines` (stdin in real use) until they end or the user types /quit.

    `export_dir` is where older versions wrote export files; any found there are removed.
    The one person at the terminal has no name, so answers and exports are signed by none.
    """
    write("Inklusionsguiden i terminalen. Skriv /quit for at stoppe.\n")
    if export_dir is not None:
        remove_old_exports(export_dir, write)
    exports = Exports()
    try:
        outbox = TerminalOutbox(write, conversations, exports)
        asyncio.run(_converse(conversations, lines, outbox, user))
    finally:
        exports.remove()


async def _converse(
    conversations: Conversations, lines: Iterable[str], outbox: TerminalOutbox, user: str
) -> None:
    """Run the turns: each line's replies are handed to the outbox, whose numbered options
    the next line may press (so this loop takes the terminal's own sender)."""
    where = Where(TERMINAL_CHAT_ID)
    await outbox.send(where, conversations.handle(_start(conversations, user)))
    for line in lines:
        if line.strip() in ("/quit", "/exit"):
            break
        event = to_event(line.rstrip("\n"), outbox.options, conversations, user)
        await outbox.send(where, conversations.handle(event))
        if conversations.store.get(chat_key(TERMINAL_CHAT_ID)) is None and outbox.exports:
            outbox.exports.remove()  # /slet: the chat's files go with its data


def _start(conversations: Conversations, user: str) -> Event:
    return Event(
        chat_id=TERMINAL_CHAT_ID,
        user_id=TERMINAL_CHAT_ID,
        user_name=user,
        kind="command",
        text="/start",
        at=conversations.clock(),
    )
