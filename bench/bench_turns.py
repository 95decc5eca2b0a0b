"""Benchmark what a turn costs: our bot against PTB's floor and the usual alternative.

Run from the repository root:

    .venv/bin/python bench/bench_turns.py             # 40 chats × 24 turns per bot
    .venv/bin/python bench/bench_turns.py --quick     # 6 chats
    .venv/bin/python bench/bench_turns.py --profile   # cProfile of our turns, top 15

Every chat walks recommendation 1 (bench/common.SCRIPT: the deep link, five pages, six
typed answers, five first steps) in three bots:

- echo: a bare Application whose MessageHandler and CallbackQueryHandler just reply with
  one button: the framework's floor;
- reference: bench/reference_bot.py, ConversationHandler + PicklePersistence;
- ours: build_application over SqliteStore + SqliteNudgeStore in a temporary directory.

First offline: Update.de_json + Application.process_update, with a Bot whose requests are
answered by bench/common.OfflineRequest (no sockets). Then through tests/fakebotapi.py on
127.0.0.1 with real long polling, all chats in flight at once. Each bot first walks two
warm-up chats that are not counted. The figures are printed, never asserted; the script
exits 1 only when a bot misbehaves (a reply missing, extra or in another chat).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import html
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update  # noqa: E402
from telegram.constants import ParseMode  # noqa: E402
from telegram.ext import (  # noqa: E402
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bench.common import (  # noqa: E402
    LAST_NODE,
    SCRIPT,
    TOKEN,
    BotMisbehaved,
    OfflineRequest,
    TurnRun,
    build_ours,
    loopback_bot,
    machine,
    offline_bot,
    pick_button,
    replace_bot,
    run_offline,
    table,
    target,
    unpaced_limiter,
    write_json,
)
from bench.reference_bot import build_reference  # noqa: E402

BOTS = ("echo", "reference", "ours")
WARM_CHATS = (900_001, 900_002)
FIRST_CHAT = 1_000
REPEAT_SHIFT = 100_000  # chat ids of repetition r: FIRST_CHAT + r * REPEAT_SHIFT + i
TURN_TIMEOUT = 30.0  # seconds without any reply before a loopback run gives up
ECHO_KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Videre ➡️", callback_data="echo")]])

# --------------------------------------------------------------------------------------
# The echo bot
# --------------------------------------------------------------------------------------


async def echo_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the text (escaped) and one button."""
    assert update.effective_chat is not None and update.effective_message is not None
    text = html.escape(update.effective_message.text or "…")
    await context.bot.send_message(
        update.effective_chat.id, text, parse_mode=ParseMode.HTML, reply_markup=ECHO_KEYBOARD
    )


async def echo_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the press, then reply with one button."""
    assert update.callback_query is not None and update.effective_chat is not None
    await update.callback_query.answer()
    await context.bot.send_message(
        update.effective_chat.id,
        "Du trykkede.",
        parse_mode=ParseMode.HTML,
        reply_markup=ECHO_KEYBOARD,
    )


def build_echo(builder: ApplicationBuilder) -> Application:  # type: ignore[type-arg]
    """Finish `builder` into the echo bot."""
    application = builder.build()
    application.add_handler(CallbackQueryHandler(echo_button))
    application.add_handler(MessageHandler(filters.ALL, echo_message))
    return application


# --------------------------------------------------------------------------------------
# Building the three bots
# --------------------------------------------------------------------------------------


class Built:
    """An Application plus what must be closed after its shutdown."""

    def __init__(
        self, app: Application, close: Callable[[], None] = lambda: None, ours: Any = None
    ) -> None:  # type: ignore[type-arg]
        self.app, self.close, self.ours = app, close, ours


def build(
    name: str,
    tmp: Path,
    library: Any,
    *,
    request: OfflineRequest | None = None,
    base_url: str | None = None,
    limiter: bool = True,
    conversations_class: type | None = None,
) -> Built:
    """Build bot `name` offline (with `request`) or against `base_url` (the fake)."""
    tmp.mkdir(parents=True, exist_ok=True)
    if name == "ours":
        if request is not None:
            bot = offline_bot(request, rate_limiter=unpaced_limiter() if limiter else None)
            ours = build_ours(tmp, library, bot=bot, conversations_class=conversations_class)
        else:
            assert base_url is not None
            bot = loopback_bot(base_url, rate_limiter=unpaced_limiter())
            ours = build_ours(tmp, library, base_url=base_url, bot=bot)
        return Built(ours.app, ours.close, ours)
    if name == "ours, memory stores":
        return build_ours_in_memory(library, request)
    builder = ApplicationBuilder().token(TOKEN)
    if request is not None:
        builder = builder.request(request).get_updates_request(OfflineRequest()).updater(None)
    else:
        assert base_url is not None
        builder = builder.base_url(base_url)
    if name == "echo":
        return Built(build_echo(builder))
    return Built(build_reference(builder, tmp / "reference.pickle"))


def build_ours_in_memory(library: Any, request: OfflineRequest | None) -> Built:
    """Our Application over MemoryStore + MemoryNudgeStore: the turn without durability."""
    from bot.config import Config
    from bot.service import Conversations
    from bot.telegram_app import build_application
    from dialogues import CONTENT_DIR
    from storage import MemoryStore
    from storage.memory import MemoryNudgeStore

    assert request is not None
    config = Config(TOKEN, "http://127.0.0.1:9/bot", Path("."), CONTENT_DIR, "WARNING")
    nudges = MemoryNudgeStore()
    app = build_application(config, Conversations(library, MemoryStore(), nudges=nudges))
    replace_bot(app, offline_bot(request, rate_limiter=unpaced_limiter()))
    return Built(app, nudges.close)


def check_ours(built: Built, chat_ids: Sequence[int]) -> None:
    """Every chat of our bot stands at the summary with its six answers stored."""
    conversations = built.app.bot_data["conversations"]
    for chat_id in chat_ids:
        state = conversations.load(chat_id)
        if (state.flow, state.node, len(state.answers)) != ("anbefaling1", LAST_NODE, 6):
            raise BotMisbehaved(f"ours: chat {chat_id} ended at {state.flow}/{state.node}")


# --------------------------------------------------------------------------------------
# Offline
# --------------------------------------------------------------------------------------


async def offline(
    name: str, chats: Sequence[int], tmp: Path, library: Any, repeats: int, **kw: Any
) -> TurnRun:
    """Warm up, then run the script in `chats` for one bot, offline; the best of `repeats`.

    Each repetition walks fresh chats (the ids shifted), so every run starts the same.
    """
    request = OfflineRequest()
    built = build(name, tmp, library, request=request, **kw)
    await built.app.initialize()
    strict = name != "echo"
    try:
        await run_offline(name, built.app, request, WARM_CHATS, strict=strict)
        runs = []
        for repeat in range(repeats):
            shifted = [chat + REPEAT_SHIFT * repeat for chat in chats]
            runs.append(await run_offline(name, built.app, request, shifted, strict=strict))
            if name == "ours":
                check_ours(built, shifted)
        run = min(runs, key=lambda r: r.wall)
        run.sends_per_step = runs[0].sends_per_step
        if name == "reference":
            start = time.perf_counter()
            await built.app.update_persistence()
            run.extra["pickle_write_s"] = time.perf_counter() - start
            run.extra["pickle_bytes"] = (tmp / "reference.pickle").stat().st_size
    finally:
        await built.app.shutdown()
        built.close()
    return run


# --------------------------------------------------------------------------------------
# Through the fake Bot API (loopback, polling)
# --------------------------------------------------------------------------------------


class Driver:
    """Plays the users of `chat_ids` against the fake, all in flight at once (a thread)."""

    def __init__(self, fake: Any, name: str, chat_ids: Sequence[int], expected: list[int]) -> None:
        self.fake, self.name, self.expected = fake, name, expected
        self.strict = name != "echo"
        self.run = TurnRun(name, len(chat_ids))
        self.pos = dict.fromkeys(chat_ids, 0)
        self.got = dict.fromkeys(chat_ids, 0)
        self.need: dict[int, int] = {}
        self.sent_at: dict[int, float] = {}
        self.keyboards: dict[int, dict[str, Any]] = {}
        self.queries: list[str] = []

    def send(self, chat_id: int) -> None:
        kind, arg = SCRIPT[self.pos[chat_id]]
        self.need[chat_id] = self.got[chat_id] + self.expected[self.pos[chat_id]]
        self.sent_at[chat_id] = time.perf_counter()
        if kind != "press":
            self.fake.send_text(chat_id, arg)
            return
        record = self.keyboards.get(chat_id)
        if record is None:
            raise BotMisbehaved(f"{self.name}: no keyboard in chat {chat_id} to press")
        shown = {"chat": {"id": chat_id}, "reply_markup": record["reply_markup"]}
        data = pick_button(shown, arg, strict=self.strict)
        self.queries.append(self.fake.press(chat_id, record["message_id"], data))

    def take(self, record: dict[str, Any], now: float) -> None:
        chat_id = record["chat_id"]
        if chat_id not in self.got:
            raise BotMisbehaved(f"{self.name}: a message went to chat {chat_id}, not in the run")
        self.got[chat_id] += 1
        if self.pos[chat_id] >= len(SCRIPT) or self.got[chat_id] > self.need[chat_id]:
            raise BotMisbehaved(f"{self.name}: an extra message in chat {chat_id}")
        if (record.get("reply_markup") or {}).get("inline_keyboard"):
            self.keyboards[chat_id] = record
        if self.got[chat_id] == self.need[chat_id]:
            self.run.latencies.append(now - self.sent_at[chat_id])
            self.pos[chat_id] += 1
            if self.pos[chat_id] < len(SCRIPT):
                self.send(chat_id)

    def __call__(self, bound: float) -> TurnRun:
        """Run every chat to the end of the script; at most `bound` seconds."""
        fake = self.fake
        seen = len(fake.sent)
        deadline = time.monotonic() + bound
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for chat_id in self.pos:
            self.send(chat_id)
        while any(p < len(SCRIPT) for p in self.pos.values()):
            try:
                fake.wait_for(lambda n=seen: len(fake.sent) > n, timeout=TURN_TIMEOUT)
            except AssertionError:
                waiting = [c for c, p in self.pos.items() if p < len(SCRIPT)]
                raise BotMisbehaved(
                    f"{self.name}: no reply for {TURN_TIMEOUT:.0f} s in chats {waiting[:5]}"
                ) from None
            new = fake.sent[seen:]
            seen += len(new)
            now = time.perf_counter()
            for record in new:
                if not record.get("edited"):
                    self.take(record, now)
            if time.monotonic() > deadline:
                raise BotMisbehaved(f"{self.name}: the run took longer than {bound:.0f} s")
        self.run.cpu = time.process_time() - cpu0
        self.run.wall = time.perf_counter() - wall0
        self.run.turns = len(self.run.latencies)
        self.run.messages = sum(self.got.values())
        try:
            fake.wait_for(lambda: all(q in fake.answered for q in self.queries), timeout=10)
        except AssertionError:
            raise BotMisbehaved(f"{self.name}: a button press was not answered") from None
        return self.run


async def loopback(
    name: str, chats: Sequence[int], tmp: Path, library: Any, expected: list[int]
) -> TurnRun:
    """Warm up, then run the script in `chats` through the fake Bot API with polling."""
    from tests.fakebotapi import FakeBotAPI

    # Cost, not Telegram's limits (bench_bursts.py and bench_isolation.py measure those).
    with FakeBotAPI(token=TOKEN, enforce_limits=False) as fake:
        built = build(name, tmp, library, base_url=fake.base_url)
        app = built.app
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            await asyncio.to_thread(Driver(fake, name, WARM_CHATS, expected), 120)
            bound = 60 + 0.5 * len(chats) * len(SCRIPT)
            run = await asyncio.to_thread(Driver(fake, name, chats, expected), bound)
            if name == "ours":
                check_ours(built, chats)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
            built.close()
    return run


# --------------------------------------------------------------------------------------
# Profile
# --------------------------------------------------------------------------------------


def inline_conversations() -> type:
    """Conversations that run the turn in the event loop's thread, so cProfile sees it all.

    (cProfile follows one thread; the bot runs turns in a worker thread via to_thread.)
    """
    from bot.service import Conversations

    class InlineConversations(Conversations):
        async def handle_async(self, event: Any) -> Any:
            async with self.lock(event.chat_id):
                return self.handle(event)

    return InlineConversations


# (label, ((file path suffix, function name), ...)): the first alternative found counts, so
# the breakdown survives the bot's code moving between modules; "–" when none is found.
KEY_FUNCTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Update.de_json", (("telegram/_update.py", "de_json"),)),
    ("Application.process_update", (("_application.py", "process_update"),)),
    ("CallbackQuery.answer", (("telegram/_callbackquery.py", "answer"),)),
    ("Conversations.handle (the turn)", (("bot/service.py", "handle"),)),
    ("  load state (SqliteStore.get)", (("storage/sqlite.py", "get"),)),
    ("  dialogues.step (engine)", (("dialogues/engine.py", "step"),)),
    ("  save state (SqliteStore.put)", (("storage/sqlite.py", "put"),)),
    ("  nudges (sync_nudges)", (("bot/chats.py", "sync_nudges"),)),
    ("    wanted() (which nudges)", (("dialogues/reminders/planner.py", "wanted"),)),
    ("    SqliteNudgeStore.sync", (("storage/nudges.py", "sync"),)),
    ("sending the replies", (("bot/sending.py", "send"), ("bot/telegram_app.py", "send_replies"))),
    ("across the turn:", ()),
    ("  copy.deepcopy (state copies)", (("copy.py", "deepcopy"),)),
    ("  dataclasses.asdict (to_dict)", (("dataclasses.py", "asdict"),)),
    ("  sqlitedict stack capture", (("traceback.py", "extract_stack"),)),
)


async def profile(chats: Sequence[int], tmp: Path, library: Any) -> dict[str, Any]:
    """Profile our offline turns (inline, so one thread holds the whole turn)."""
    request = OfflineRequest()
    built = build("ours", tmp, library, request=request, conversations_class=inline_conversations())
    await built.app.initialize()
    try:
        await run_offline("ours", built.app, request, WARM_CHATS)
        profiler = cProfile.Profile()
        profiler.enable()
        run = await run_offline("ours", built.app, request, chats)
        profiler.disable()
    finally:
        await built.app.shutdown()
        built.close()
    stats = pstats.Stats(profiler)
    total = run.wall
    breakdown = []
    entries = stats.stats.items()  # type: ignore[attr-defined]
    for label, alternatives in KEY_FUNCTIONS:
        cumulative = None
        for path, func in alternatives:
            found = [
                value[3]
                for (filename, _, name), value in entries
                if name == func and filename.replace("\\", "/").endswith(path)
            ]
            if found:
                cumulative = sum(found)
                break
        if cumulative is None:
            breakdown.append((label, None, None))
        else:
            breakdown.append((label, cumulative / run.turns * 1e6, 100 * cumulative / total))
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(15)
    return {
        "turns": run.turns,
        "wall": total,
        "breakdown": breakdown,
        "top": _tidy(buffer.getvalue()),
    }


def _tidy(text: str) -> str:
    """Shorten the paths in a pstats listing."""
    import telegram

    site = str(Path(telegram.__file__).resolve().parent.parent) + "/"
    lines = text.replace(site, "").replace(str(ROOT) + "/", "").splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(line.rstrip() for line in lines[start:] if line.strip())


def print_profile(result: dict[str, Any]) -> None:
    print(f"cProfile of our bot, offline: {result['turns']} turns in {result['wall']:.2f} s")
    print("(turns run inline in the event loop's thread; profiling slows them down)")
    print()
    rows = [
        (label, "" if label.endswith(":") else "–", "")
        if us is None
        else (label, f"{us:.0f}", f"{pct:.1f}")
        for label, us, pct in result["breakdown"]
    ]
    print(table(("function (cumulative)", "µs/turn", "% of run"), rows, first=34))
    print()
    print("top 15 by cumulative time:")
    print(result["top"])


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def _rows(runs: dict[str, TurnRun]) -> list[tuple[str, ...]]:
    rows = []
    for name, run in runs.items():
        f = run.figures()
        rows.append(
            (
                name,
                f"{f['turns_per_s']:.0f}",
                f"{f['cpu_us_per_turn']:.0f}",
                f"{f['p50_ms']:.2f}",
                f"{f['p99_ms']:.2f}",
                f"{f['messages_per_turn']:.2f}",
            )
        )
    return rows


def _ratios(runs: dict[str, TurnRun]) -> dict[str, float]:
    ours, echo, ref = (runs[n].figures() for n in BOTS[::-1])
    return {
        "throughput_ours_echo": ours["turns_per_s"] / echo["turns_per_s"],
        "throughput_ours_reference": ours["turns_per_s"] / ref["turns_per_s"],
        "cpu_ours_echo": ours["cpu_us_per_turn"] / echo["cpu_us_per_turn"],
        "cpu_ours_reference": ours["cpu_us_per_turn"] / ref["cpu_us_per_turn"],
    }


def report(title: str, runs: dict[str, TurnRun]) -> dict[str, float]:
    """Print one table plus the ratios; return the ratios."""
    print(title)
    headers = ("bot", "turns/s", "CPU µs/turn", "p50 ms", "p99 ms", "msgs/turn")
    print(table(headers, _rows(runs), first=22))
    ratios = _ratios(runs)
    print(
        f"ours/echo:      throughput {ratios['throughput_ours_echo']:.2f}× "
        f"(target ≥ 0.5), CPU {ratios['cpu_ours_echo']:.2f}×"
    )
    print(
        f"ours/reference: throughput {ratios['throughput_ours_reference']:.2f}× "
        f"(target ≥ 1), CPU {ratios['cpu_ours_reference']:.2f}×"
    )
    print()
    return ratios


NOTES = """\
notes:
- every one of our turns is durable before its reply: the chat state is committed
  (SQLite WAL, synchronous=FULL) and the nudges synced, in SqliteStore/SqliteNudgeStore,
  before the first message goes out; the reference keeps answers in user_data, which
  PicklePersistence writes only every 60 s (update_interval) and at shutdown, so a
  crash loses up to a minute of answers and each write rewrites the whole pickle.
- our Application is build_application's, with its bot's rate limiter switched to one
  without pacing so the figures are cost, not Telegram's 30 messages/s; the limiter itself
  is measured by bench_bursts.py and bench_isolation.py.
- offline CPU counts the whole process (the bot and the OfflineRequest's JSON); over
  loopback it also counts the fake Bot API server and the driver in this process.
- loopback: all chats in flight at once. echo and reference run PTB's default (one update
  at a time); ours runs chats concurrently (bot/processor.py), one chat's updates in order.
  A turn's latency still includes waiting for the CPU: the fake server, the driver and the
  bot share this process and its two cores."""


def _targets(offline_ratios: dict[str, float], loop_ratios: dict[str, float] | None) -> list[Any]:
    rows = []
    for label, ratios in (("offline", offline_ratios), ("loopback", loop_ratios)):
        if ratios is None:
            continue
        echo, ref = ratios["throughput_ours_echo"], ratios["throughput_ours_reference"]
        rows.append(
            target(f"turn throughput ours/echo ({label})", f"{echo:.2f}×", "≥ 0.5×", echo >= 0.5)
        )
        rows.append(
            target(f"turn throughput ours/reference ({label})", f"{ref:.2f}×", "≥ 1×", ref >= 1)
        )
    return rows


async def measure(n_chats: int, with_loopback: bool, repeats: int) -> dict[str, Any]:
    from dialogues import CONTENT_DIR, load_library

    library = load_library(CONTENT_DIR)
    chats = list(range(FIRST_CHAT, FIRST_CHAT + n_chats))
    print(
        f"Turn cost: recommendation 1 walked in {n_chats} chats × {len(SCRIPT)} turns = "
        f"{n_chats * len(SCRIPT)} turns per bot (after {len(WARM_CHATS)} warm-up chats)"
    )
    if repeats > 1:
        print(f"offline: the fastest of {repeats} runs, each in fresh chats; loopback: one run")
    print()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-turns-") as tmp:
        runs = {n: await offline(n, chats, Path(tmp) / f"off-{n}", library, repeats) for n in BOTS}
        off_ratios = report(
            "offline: Update.de_json + Application.process_update, no sockets", runs
        )
        variants = {
            "ours, no rate limiter": await offline(
                "ours", chats, Path(tmp) / "off-nolimit", library, repeats, limiter=False
            ),
            "ours, memory stores": await offline(
                "ours, memory stores", chats, Path(tmp), library, repeats
            ),
        }
        print("offline variants of ours (for the analysis; not targets):")
        headers = ("bot", "turns/s", "CPU µs/turn", "p50 ms", "p99 ms", "msgs/turn")
        print(table(headers, _rows(variants), first=22))
        print()
        pickle = runs["reference"].extra
        print(
            f"reference: one PicklePersistence write of "
            f"{repeats * n_chats + len(WARM_CHATS)} users took "
            f"{pickle['pickle_write_s'] * 1000:.0f} ms ({pickle['pickle_bytes'] / 1024:.0f} KiB)"
        )
        print()
        results["offline"] = {n: r.figures() for n, r in {**runs, **variants}.items()}
        results["offline_ratios"] = off_ratios
        results["pickle"] = pickle
        loop_ratios = None
        if with_loopback:
            expected = {n: runs[n].sends_per_step for n in BOTS}
            loops = {
                n: await loopback(n, chats, Path(tmp) / f"loop-{n}", library, expected[n])
                for n in BOTS
            }
            loop_ratios = report(
                f"loopback: the fake Bot API on 127.0.0.1, long polling, {n_chats} chats in flight",
                loops,
            )
            results["loopback"] = {n: r.figures() for n, r in loops.items()}
            results["loopback_ratios"] = loop_ratios
    print(NOTES)
    results["targets"] = _targets(off_ratios, loop_ratios)
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or the profile) and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="6 chats instead of 40")
    parser.add_argument("--chats", type=int, help="number of chats (overrides --quick)")
    parser.add_argument("--profile", action="store_true", help="cProfile our turns instead")
    parser.add_argument("--no-loopback", action="store_true", help="offline only")
    parser.add_argument("--json", help="also write the figures to this file (for run_all.py)")
    args = parser.parse_args(argv)
    n_chats = max(1, min(args.chats or (6 if args.quick else 40), 1000))
    try:
        if args.profile:
            from dialogues import CONTENT_DIR, load_library

            library = load_library(CONTENT_DIR)
            chats = list(range(FIRST_CHAT, FIRST_CHAT + n_chats))
            with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
                result = asyncio.run(profile(chats, Path(tmp), library))
            print_profile(result)
            write_json(args.json, {"profile": result, "machine": machine()})
            return 0
        repeats = 1 if args.quick else 3
        results = asyncio.run(measure(n_chats, not args.no_loopback, repeats))
    except BotMisbehaved as exc:
        print(f"\nBOT MISBEHAVED: {exc}", file=sys.stderr)
        return 1
    results["machine"] = machine()
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
