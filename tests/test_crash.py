"""Crash safety: SIGKILL the real bot process at random moments; nothing it answered is lost.

The bot runs as `python -m bot` against the fake Bot API. A scripted user walks through the
catalogue's questions and answers them, one message at a time. The process is killed with
SIGKILL at a random moment, or 0-15 ms after an answer was typed (while the turn is being
committed and answered; sometimes the fake also delays sendMessage). After each kill:

* `PRAGMA integrity_check` on the database file, opened read-only, says "ok";
* every answer the bot acknowledged (it replied "Gemt" after the answer was typed) is
  stored with that text, unless the user typed a later answer to the same question;
* every stored answer is one the user typed at that very question (nothing was filed under
  the wrong question, e.g. by handling a redelivered update twice).

Then the bot is started again; the user asks where they are (/start, Fortsæt), since the
last message they saw may be older than the state, and carries on. `CrashSoak` is shared with
scripts/soak.py, which runs hundreds of iterations and prints the figures.
"""

from __future__ import annotations

import inspect
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from dialogues import CONTENT_DIR, load_library
from storage import SqliteStore
from tests.fakebotapi import FakeBotAPI

pytestmark = pytest.mark.slow  # SIGKILL soak: processes killed and restarted

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "inklusionsguiden.sqlite"
CHAT = 6161
SAVED = "✔️ Gemt."
PROGRESS = re.compile(r"Spørgsmål (\d+) af (\d+)")
ITERATIONS = int(os.environ.get("CRASH_ITERATIONS", "3"))


def plain(html: str) -> str:
    """Return text without its tags."""
    return re.sub(r"<[^>]+>", "", html)


def question_index() -> tuple[list[str], dict[str, tuple[str, ...]]]:
    """Return the flows with questions and, per question key, the snippets that identify it.

    Two questions may share a text (trin1 and trin2 both ask "Noter fra trinnet"), so the
    hint is part of the identity; the index refuses to be ambiguous.
    """
    content = load_library(Path(os.environ.get("BOT_CONTENT_DIR") or CONTENT_DIR)).get("da")
    flows, signatures = [], {}
    for flow in content.flows.values():
        if not flow.questions or flow.id == "moede":
            continue
        flows.append(flow.id)
        for node_id in flow.questions:
            node = flow.nodes[node_id]
            parts = [plain(node.text).split("{")[0].strip()[:60]]
            parts += [plain(node.hint).split("{")[0].strip()[:60]] if node.hint else []
            signatures[f"{flow.id}/{node_id}"] = tuple(p for p in parts if p)
    assert len(set(signatures.values())) == len(signatures), "two questions look the same"
    return flows, signatures


FLOWS, SIGNATURES = question_index()


def integrity(db: Path) -> str:
    """Run PRAGMA integrity_check on the file opened read-only; 'ok' when it is sound."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    finally:
        connection.close()
    return "; ".join(str(row[0]) for row in rows)


def stored_answers(db: Path, key_file: Path) -> dict[str, str]:
    """Open the bot's store as the bot does (with its data key, if it has one); read answers."""
    kwargs: dict[str, Any] = {}
    if key_file.exists() and "key" in inspect.signature(SqliteStore).parameters:
        kwargs["key"] = key_file.read_bytes().strip()
    store = SqliteStore(db, **kwargs)
    try:
        state = store.get(f"chat:{CHAT}") or {}
    finally:
        store.close()
    return {key: value["text"] for key, value in (state.get("answers") or {}).items()}


@dataclass
class Ledger:
    """What the user typed, and what the bot acknowledged, per question."""

    sent: dict[str, set[str]] = field(default_factory=dict)  # every text typed at a question
    acked: dict[str, str] = field(default_factory=dict)  # the last acknowledged text
    later: dict[str, set[str]] = field(default_factory=dict)  # typed after it, not acked
    pending: tuple[str, str, int] | None = None  # (key, text, messages before it)
    acks: int = 0  # how many answers were acknowledged

    def typed(self, key: str, text: str, before: int) -> None:
        self.sent.setdefault(key, set()).add(text)
        self.later.setdefault(key, set()).add(text)
        self.pending = (key, text, before)

    def resolve(self, messages: list[dict[str, Any]]) -> bool | None:
        """Settle the answer in flight: acknowledged if a 'Gemt' reply came after it."""
        if self.pending is None:
            return None
        key, text, before = self.pending
        self.pending = None
        if any(str(m.get("text") or "").startswith(SAVED) for m in messages[before:]):
            self.acked[key] = text
            self.later[key] = set()
            self.acks += 1
            return True
        return False

    def problems(self, stored: dict[str, str]) -> list[str]:
        """Return every acknowledged answer that is gone or changed, and every misfiled one."""
        found = []
        for key, text in self.acked.items():
            if stored.get(key) != text and stored.get(key) not in self.later.get(key, set()):
                found.append(f"lost: {key} acknowledged {text!r}, stored {stored.get(key)!r}")
        for key, text in stored.items():
            if key in SIGNATURES and text not in self.sent.get(key, set()):
                found.append(f"misfiled: {key} holds {text!r}, never typed there")
        return found


@dataclass
class Figures:
    """What a soak did."""

    kills: int = 0
    kills_with_answer_in_flight: int = 0  # typed, not yet acknowledged when the bot died
    answers_typed: int = 0
    answers_acked: int = 0
    answers_lost: int = 0
    integrity_failures: int = 0
    problems: list[str] = field(default_factory=list)


class CrashSoak:
    """Starts, drives, kills and checks the bot process; one `iteration` per kill."""

    def __init__(self, fake: FakeBotAPI, workdir: Path, seed: int = 0) -> None:
        self.fake = fake
        self.data_dir = workdir / "data"
        self.key_file = workdir / "key" / "data.key"
        self.log = workdir / "bot.log"
        self.random = random.Random(seed)
        self.ledger = Ledger()
        self.figures = Figures()
        self.flow_index = -1
        self.counter = 0
        self.answers_this_run = 0
        self.snipe: tuple[int, float] | None = None  # kill this long after the n-th answer

    @property
    def db(self) -> Path:
        return self.data_dir / DB_NAME

    def start(self) -> subprocess.Popen[bytes]:
        """Start `python -m bot` against the fake and wait until it polls."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=self.fake.token,
            TELEGRAM_BASE_URL=self.fake.base_url,
            BOT_DATA_DIR=str(self.data_dir),
            BOT_KEY_FILE=str(self.key_file),
            BOT_LOG_LEVEL="WARNING",
        )
        since = len(self.fake.calls)
        with self.log.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        self.fake.wait_for(
            lambda: (
                any(m == "getUpdates" for m, _ in self.fake.calls[since:])
                or process.poll() is not None
            ),
            timeout=30,
            what="the bot to poll",
        )
        assert process.poll() is None, self.log.read_text(errors="replace")[-2000:]
        return process

    def iteration(self) -> None:
        """Start the bot, let the user talk, SIGKILL it at a random moment, then check.

        Half the kills come at a random moment; the other half a few milliseconds after the
        n-th answer of the run is typed, where the turn is committed and the reply is sent.
        """
        self.fake.delay("sendMessage", self.random.choice([0, 0, 0.15]))
        self.answers_this_run = 0
        self.snipe = None
        if self.random.random() < 0.5:
            self.snipe = (self.random.randint(1, 3), self.random.uniform(0.0, 0.015))
        process = self.start()
        self.settle(process)
        killer = threading.Timer(
            self.random.uniform(0.3, 2.5 if self.snipe is None else 6.0),
            process.send_signal,
            [signal.SIGKILL],
        )
        killer.start()
        try:
            self.resume(process)
            while process.poll() is None:
                self.act(process)
        finally:
            killer.cancel()
            process.kill()
            process.wait()
        self.fake.delay("sendMessage", 0)
        self.figures.kills += 1
        self.check()

    def finish(self) -> None:
        """Start once more, show the user where they are, stop cleanly, check again."""
        process = self.start()
        try:
            self.settle(process)
            self.say(process, "/start")
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        self.check()

    def resume(self, process: subprocess.Popen[bytes]) -> None:
        """After a restart the user asks where they are (the last message may be stale)."""
        self.ledger.resolve(self.fake.sent_to(CHAT))
        if self.say(process, "/start") and any("Fortsæt" in b for b in self.fake.buttons(CHAT)):
            self.say(process, label="Fortsæt")

    def settle(self, process: subprocess.Popen[bytes], quiet: float = 0.3) -> None:
        """Wait until the bot has handled what is queued (e.g. redelivered updates)."""
        deadline = time.monotonic() + 15
        while process.poll() is None and time.monotonic() < deadline:
            try:
                self.fake.wait_idle(quiet=quiet, timeout=1)
                return
            except AssertionError:
                continue

    def say(
        self,
        process: subprocess.Popen[bytes],
        text: str = "",
        label: str = "",
        kill_after: float | None = None,
    ) -> bool:
        """Send a text or press a button, then wait (up to 5 s) for the bot's next message."""
        before = len(self.fake.sent_to(CHAT))
        if label:
            self.fake.press_button(CHAT, label)
        else:
            self.fake.send_text(CHAT, text)
        if kill_after is not None:
            threading.Timer(kill_after, process.send_signal, [signal.SIGKILL]).start()
        deadline = time.monotonic() + 5
        while process.poll() is None and time.monotonic() < deadline:
            try:
                self.fake.wait_for(lambda: len(self.fake.sent_to(CHAT)) > before, timeout=0.2)
                self.settle(process, quiet=0.08)
                return True
            except AssertionError:
                continue
        return False

    def act(self, process: subprocess.Popen[bytes]) -> None:
        """Do what a user would do next, looking at the bot's last message."""
        self.ledger.resolve(self.fake.sent_to(CHAT))
        messages = self.fake.messages(CHAT)
        last = str(messages[-1]["text"] or "") if messages else ""
        buttons = self.fake.buttons(CHAT)
        key = self.question_in(last)
        if key is not None and PROGRESS.search(last):
            self.counter += 1
            text = f"svar {self.counter} til {key.split('/')[1]}"
            self.ledger.typed(key, text, len(self.fake.sent_to(CHAT)))
            self.figures.answers_typed += 1
            self.answers_this_run += 1
            snipe = self.snipe and self.snipe[0] == self.answers_this_run
            self.say(process, text, kill_after=self.snipe[1] if snipe and self.snipe else None)
        elif any("Fortsæt" in b for b in buttons):
            self.say(process, label="Fortsæt")
        elif "Videre ➡️" in buttons:
            self.say(process, label="Videre")
        elif any("Spring over" in b for b in buttons):  # a teaser, a checklist
            self.say(process, label="Spring over")
        else:
            self.flow_index = (self.flow_index + 1) % len(FLOWS)
            self.say(process, f"/start {FLOWS[self.flow_index]}")

    @staticmethod
    def question_in(text: str) -> str | None:
        """Return the key of the question a message asks, if it asks one (the most specific
        match: a question whose text another one shares is told apart by its hint)."""
        shown = plain(text)
        found = [(k, s) for k, s in SIGNATURES.items() if all(part in shown for part in s)]
        found.sort(key=lambda ks: -sum(len(part) for part in ks[1]))
        return found[0][0] if found else None

    def check(self) -> None:
        """Integrity first (read-only), then the answers, as they lie in the file."""
        if self.ledger.resolve(self.fake.sent_to(CHAT)) is False:
            self.figures.kills_with_answer_in_flight += 1
        result = integrity(self.db)
        if result != "ok":
            self.figures.integrity_failures += 1
            self.figures.problems.append(f"integrity_check: {result}")
        problems = self.ledger.problems(stored_answers(self.db, self.key_file))
        self.figures.answers_lost += sum(1 for p in problems if p.startswith("lost"))
        self.figures.problems += problems
        self.figures.answers_acked = self.ledger.acks


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as server:
        yield server


def test_sigkill_at_random_moments_loses_no_acknowledged_answer(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    soak = CrashSoak(fake, tmp_path, seed=int(os.environ.get("CRASH_SEED", "7")))
    for _ in range(ITERATIONS):
        soak.iteration()
    soak.finish()
    figures = soak.figures
    assert figures.problems == []
    assert figures.kills == ITERATIONS
    assert figures.answers_acked > 0, "the user never got an answer acknowledged"
