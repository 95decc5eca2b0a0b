"""Shared pieces of the benchmarks: the scripted walk, an offline Bot API, update builders.

Nothing here opens a socket. `OfflineRequest` is a python-telegram-bot request object that
answers every Bot API call with canned JSON, so a `Bot` goes through its whole HTTP layer
(parameters, JSON encoding, response parsing, `de_json` of the result) without a network.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# PTB 22 warns on every RetryAfter unless told to use timedelta already (as tests/conftest.py).
os.environ.setdefault("PTB_TIMEDELTA", "true")

import telegram  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import AIORateLimiter, Application, ExtBot  # noqa: E402
from telegram.request import BaseRequest, HTTPXRequest, RequestData  # noqa: E402

TOKEN = "123:BENCH"
OFFLINE_BASE_URL = "http://127.0.0.1:9/bot"  # never contacted: OfflineRequest answers instead
BOT_USER = {"id": 123, "is_bot": True, "first_name": "Bench Bot", "username": "bench_bot"}
FIXED_NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # the transcripts' clock: a Monday

# One complete walk of recommendation 1 (24 turns), as tests/test_catalogue.py walks it:
# the deep link, five info pages, six typed answers, five first steps (three planned with
# a person and a time, one done, one not relevant). Presses name a button by its label.
ANSWER = (
    "Vi har brugere, der kender hverdagen indefra, og som taler et sprog, de nye forstår. "
    "Svar nummer {n}."
)
SCRIPT: tuple[tuple[str, str], ...] = (
    ("command", "/start anbefaling1"),
    *(("press", "Videre") for _ in range(5)),
    *(("text", ANSWER.format(n=n)) for n in range(1, 7)),
    ("press", "🗓 Planlæg"),
    ("text", "Person 0"),
    ("press", "Næste uge"),
    ("press", "✅ Gjort"),
    ("press", "🗓 Planlæg"),
    ("text", "Person 2"),
    ("press", "Vælg uge eller dato"),
    ("text", "uge 12"),
    ("press", "➖ Ikke relevant"),
    ("press", "🗓 Planlæg"),
    ("text", "Person 4"),
    ("press", "Næste uge"),
)
LAST_NODE = "opsummering"  # where our bot stands after SCRIPT


class BotMisbehaved(Exception):
    """A reply was missing, extra or in the wrong chat: the benchmark exits non-zero."""


# --------------------------------------------------------------------------------------
# The offline Bot API
# --------------------------------------------------------------------------------------


@dataclass
class Call:
    """One Bot API call seen by OfflineRequest."""

    method: str
    chat_id: int | None
    params: dict[str, Any]


class OfflineRequest(BaseRequest):
    """A BaseRequest that answers from memory: canned JSON results, no sockets.

    It records every call, and for each chat the newest message that carried an inline
    keyboard, so a driver can press the buttons the bot actually sent.
    """

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.keyboards: dict[int, dict[str, Any]] = {}  # chat -> Message JSON with a keyboard
        self._message_ids: dict[int, int] = {}
        self._date = int(time.time())

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answer one call; encodes the parameters as HTTPXRequest would, then replies."""
        name = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = {}
        if request_data is not None:
            _ = request_data.json_parameters  # the encoding the real HTTP request performs
            params = request_data.parameters
        chat = params.get("chat_id")
        chat_id = (
            int(chat) if isinstance(chat, int | str) and str(chat).lstrip("-").isdigit() else None
        )
        self.calls.append(Call(name, chat_id, params))
        result = self._result(name, chat_id, params)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _result(self, name: str, chat_id: int | None, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return {
                **BOT_USER,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if name == "getUpdates":
            return []
        if name.startswith(("send", "edit")) and name != "sendChatAction" and chat_id is not None:
            return self._message(chat_id, params)
        return True

    def _message(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any]:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        message: dict[str, Any] = {
            "message_id": self._message_ids[chat_id],
            "date": self._date,
            "chat": chat_obj(chat_id),
            "from": BOT_USER,
            "text": str(params.get("text") or params.get("caption") or ""),
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
            self.keyboards[chat_id] = message
        return message

    def sends(self, since: int = 0) -> list[Call]:
        """The messages sent (send*, not chat actions) from call index `since` on."""
        return [c for c in self.calls[since:] if is_send(c.method)]


def is_send(method: str) -> bool:
    """Tell whether a Bot API method delivers a message to a chat."""
    return method.startswith("send") and method != "sendChatAction"


def chat_obj(chat_id: int) -> dict[str, Any]:
    """A private chat for positive ids, a group otherwise."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Test"}
    return {"id": chat_id, "type": "group", "title": f"Gruppe {chat_id}"}


def unpaced_limiter() -> AIORateLimiter:
    """Our AIORateLimiter (max_retries=3) with the pacing switched off (rates 0).

    The turn benchmarks measure what a turn costs; with Telegram's 30 messages/s pacing the
    figure would be the limiter's sleep, not the cost. The bursts benchmark uses the real one.
    """
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)


def offline_bot(request: OfflineRequest, *, rate_limiter: AIORateLimiter | None) -> ExtBot:  # type: ignore[type-arg]
    """An ExtBot whose every call (getMe included) is answered by `request`."""
    return ExtBot(
        TOKEN,
        base_url=OFFLINE_BASE_URL,
        request=request,
        get_updates_request=OfflineRequest(),
        rate_limiter=rate_limiter,
    )


def loopback_bot(base_url: str, *, rate_limiter: AIORateLimiter | None) -> ExtBot:  # type: ignore[type-arg]
    """An ExtBot over HTTP to `base_url` with ApplicationBuilder's default pool size."""
    return ExtBot(
        TOKEN,
        base_url=base_url,
        request=HTTPXRequest(connection_pool_size=256),
        get_updates_request=HTTPXRequest(),
        rate_limiter=rate_limiter,
    )


# --------------------------------------------------------------------------------------
# Updates
# --------------------------------------------------------------------------------------


# Update ids only grow, across runs and processes too (the bot drops an update whose id is
# not above the newest its chat has seen, as a redelivery): start from the clock, in ms.
_UPDATE_IDS = itertools.count(int(time.time() * 1000))


class Updates:
    """Builds Update JSON like Telegram sends it: texts, commands, button presses."""

    def __init__(self) -> None:
        self.query_id = 0
        self.message_ids: dict[int, int] = {}
        self.date = int(time.time())

    @staticmethod
    def user(chat_id: int) -> dict[str, Any]:
        return {"id": abs(chat_id), "is_bot": False, "first_name": "Test", "language_code": "da"}

    def message(self, chat_id: int, text: str) -> dict[str, Any]:
        """A text message; a leading /command gets its bot_command entity."""
        self.message_ids[chat_id] = self.message_ids.get(chat_id, 0) + 1
        message: dict[str, Any] = {
            "message_id": 10_000 + self.message_ids[chat_id],
            "date": self.date,
            "chat": chat_obj(chat_id),
            "from": self.user(chat_id),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": next(_UPDATE_IDS), "message": message}

    def callback(self, chat_id: int, message: dict[str, Any], data: str) -> dict[str, Any]:
        """A press of a button (callback data `data`) on the bot's `message`."""
        self.query_id += 1
        query = {
            "id": str(9_000_000 + self.query_id),
            "from": self.user(chat_id),
            "message": message,
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        return {"update_id": next(_UPDATE_IDS), "callback_query": query}


def pick_button(message: dict[str, Any], label: str, *, strict: bool) -> str:
    """The callback data of the button labelled `label` (exact, else containing it).

    With strict=False (the echo bot, which has one button) the first button is taken.
    """
    markup = message.get("reply_markup") or {}
    buttons = [b for row in markup.get("inline_keyboard", []) for b in row if "callback_data" in b]
    for matches in (lambda t: t == label, lambda t: label in t):
        for button in buttons:
            if matches(str(button.get("text", ""))):
                return str(button["callback_data"])
    if not strict and buttons:
        return str(buttons[0]["callback_data"])
    labels = [b.get("text") for b in buttons]
    raise BotMisbehaved(f"no button {label!r} in chat {message['chat']['id']}; buttons: {labels}")


# --------------------------------------------------------------------------------------
# Running the script offline through Application.process_update
# --------------------------------------------------------------------------------------


@dataclass
class TurnRun:
    """What one bot did with the script in N chats."""

    bot: str
    chats: int
    turns: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)
    messages: int = 0
    sends_per_step: list[int] = field(default_factory=list)  # for the first chat
    extra: dict[str, Any] = field(default_factory=dict)

    def figures(self) -> dict[str, float]:
        """turns/s, CPU µs per turn, p50 and p99 latency (ms), messages per turn."""
        return {
            "turns_per_s": self.turns / self.wall if self.wall else 0.0,
            "cpu_us_per_turn": self.cpu / self.turns * 1e6 if self.turns else 0.0,
            "p50_ms": percentile(self.latencies, 50) * 1000,
            "p99_ms": percentile(self.latencies, 99) * 1000,
            "messages_per_turn": self.messages / self.turns if self.turns else 0.0,
        }


async def run_offline(
    bot_name: str,
    app: Application,  # type: ignore[type-arg]
    request: OfflineRequest,
    chat_ids: Sequence[int],
    *,
    strict: bool = True,
    script: Sequence[tuple[str, str]] = SCRIPT,
    updates: Updates | None = None,
) -> TurnRun:
    """Walk `script` in every chat, a turn of each chat in turn, through process_update.

    A turn is `Update.de_json` plus `Application.process_update` (sequential, as PTB runs
    updates by default). Checks every turn: at least one message, all in the turn's own
    chat, and every button press answered.
    """
    updates = updates or Updates()
    run = TurnRun(bot_name, len(chat_ids))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for step, (kind, arg) in enumerate(script):
        for chat_id in chat_ids:
            if kind == "press":
                shown = request.keyboards.get(chat_id)
                if shown is None:
                    raise BotMisbehaved(f"{bot_name}: no keyboard in chat {chat_id} to press")
                raw = updates.callback(chat_id, shown, pick_button(shown, arg, strict=strict))
            else:
                raw = updates.message(chat_id, arg)
            mark = len(request.calls)
            start = time.perf_counter()
            await app.process_update(Update.de_json(raw, app.bot))
            run.latencies.append(time.perf_counter() - start)
            sent = check_turn(bot_name, request.calls[mark:], chat_id, raw, step)
            run.messages += sent
            if chat_id == chat_ids[0]:
                run.sends_per_step.append(sent)
    run.cpu = time.process_time() - cpu0
    run.wall = time.perf_counter() - wall0
    run.turns = len(run.latencies)
    return run


def check_turn(
    bot_name: str, calls: list[Call], chat_id: int, raw: dict[str, Any], step: int
) -> int:
    """Return the number of messages a turn sent; raise BotMisbehaved when it went wrong."""
    sends = [c for c in calls if is_send(c.method)]
    if not sends:
        raise BotMisbehaved(f"{bot_name}: no reply in chat {chat_id} at step {step + 1}")
    stray = {c.chat_id for c in calls if c.chat_id is not None and c.chat_id != chat_id}
    if stray:
        raise BotMisbehaved(f"{bot_name}: a reply for chat {chat_id} went to {sorted(stray)}")
    if "callback_query" in raw:
        query_id = raw["callback_query"]["id"]
        answered = [c for c in calls if c.method == "answerCallbackQuery"]
        if not any(str(c.params.get("callback_query_id")) == query_id for c in answered):
            raise BotMisbehaved(f"{bot_name}: button press {query_id} not answered")
    return len(sends)


# --------------------------------------------------------------------------------------
# Figures, tables and the machine
# --------------------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], first: int = 16) -> str:
    """A plain text table: the first column left-aligned, the others right-aligned."""
    widths = [max(first, len(headers[0]))] + [max(11, len(h) + 2) for h in headers[1:]]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(str(cell)) + (0 if i == 0 else 2))
    lines = []
    for row in (headers, *rows):
        cells = [f"{row[0]!s:<{widths[0]}}"] + [
            f"{cell!s:>{widths[i]}}" for i, cell in enumerate(row) if i
        ]
        lines.append("".join(cells).rstrip())
    return "\n".join(lines)


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc), else the peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return maxrss_mb()


def maxrss_mb() -> float:
    """Peak resident set size of this process in MB (getrusage; KiB on Linux)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def filesystem_of(path: Path) -> str:
    """The file system type holding `path` (best effort, Linux)."""
    try:
        mounts = [line.split() for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return "unknown"
    best = ("", "unknown")
    resolved = str(path.resolve())
    for mount in mounts:
        point = mount[1]
        inside = resolved == point or resolved.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best[0]):
            best = (point, mount[2])
    return best[1]


def cpu_model() -> str:
    """The CPU's model name (Linux /proc/cpuinfo), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    import tempfile

    return {
        "platform": platform.platform(),
        "cpu": f"{cpu_model()} × {os.cpu_count()}",
        "python": platform.python_version(),
        "python-telegram-bot": telegram.__version__,
        "sqlite": sqlite3.sqlite_version,
        "temp dir file system": filesystem_of(Path(tempfile.gettempdir())),
    }


def write_json(path: str | None, data: dict[str, Any]) -> None:
    """Write the results for run_all.py (when asked to)."""
    if path:
        Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def target(name: str, value: str, goal: str, met: bool | None) -> dict[str, Any]:
    """One row of the targets table in docs/BENCHMARKS.md."""
    return {"name": name, "value": value, "target": goal, "met": met}


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Call fn(); return (its result, seconds)."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


# --------------------------------------------------------------------------------------
# Our bot
# --------------------------------------------------------------------------------------


@dataclass
class Ours:
    """Our Application from build_application, over SqliteStore + SqliteNudgeStore."""

    app: Application  # type: ignore[type-arg]
    conversations: Any  # bot.service.Conversations
    db_path: Path

    def close(self) -> None:
        """Close both stores (after the Application has shut down)."""
        nudges = self.conversations.nudges
        if nudges is not None:
            nudges.close()
        self.conversations.store.close()


def replace_bot(app: Application, bot: ExtBot) -> None:  # type: ignore[type-arg]
    """Give a built Application (and its Updater) another bot."""
    app.bot = bot
    if app.updater is not None:
        app.updater.bot = bot


def build_ours(
    data_dir: Path,
    library: Any,
    *,
    base_url: str = OFFLINE_BASE_URL,
    bot: ExtBot | None = None,  # type: ignore[type-arg]
    clock: Callable[[], datetime] | None = None,
    conversations_class: type | None = None,
) -> Ours:
    """Open the stores in `data_dir` and build our Application exactly as bot/run.py does.

    With `bot`, the bot of the Application and its Updater is replaced after building (to
    answer offline, or to send without pacing); handlers, bot_data and job queue stay.
    """
    from bot.config import Config
    from bot.service import Conversations
    from bot.telegram_app import build_application
    from dialogues import CONTENT_DIR
    from storage import SqliteStore
    from storage.nudges import SqliteNudgeStore

    config = Config(TOKEN, base_url, data_dir, CONTENT_DIR, "WARNING")
    store = SqliteStore(config.db_path)
    nudges = SqliteNudgeStore(config.db_path)
    extra: dict[str, Any] = {"nudges": nudges}
    if clock is not None:
        extra["clock"] = clock
    conversations = (conversations_class or Conversations)(library, store, **extra)
    app = build_application(config, conversations)
    if bot is not None:
        replace_bot(app, bot)
    return Ours(app, conversations, config.db_path)
