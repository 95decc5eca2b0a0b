"""PostgreSQL mode: migrations under their lock, turns kept apart across processes, each
reminder claimed once, the shared send pace, the operator commands, and start-up faults.

Two `PgDatabase` objects have two pools, as two worker processes would; the end-to-end test
with real worker processes is tests/test_workers_e2e.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

from bot import ops
from bot.service import Conversations
from dialogues import Library
from storage.crypto import new_key
from storage.nudges import NudgeRow
from storage.postgres import MIGRATIONS, PgDatabase, PgNudgeStore, PgStore
from tests.test_catalogue import walk_to_summary
from tests.transcript import Transcript

ROOT = Path(__file__).resolve().parent.parent


def opened(url: str, key: bytes) -> tuple[PgDatabase, PgStore, PgNudgeStore]:
    db = PgDatabase(url, max_size=6)
    db.migrate()
    return db, PgStore(db, key), PgNudgeStore(db)


def test_workers_starting_together_run_each_migration_once(pg_url: str) -> None:
    dbs = [PgDatabase(pg_url, max_size=2) for _ in range(4)]
    ran: list[list[int]] = []
    threads = [threading.Thread(target=lambda d=d: ran.append(d.migrate())) for d in dbs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(v for r in ran for v in r) == [m[0] for m in MIGRATIONS]
    assert dbs[0].schema_version() == MIGRATIONS[-1][0]
    assert dbs[0].migrate() == []
    for d in dbs:
        d.close()


def test_a_chats_turns_never_overlap_across_processes(pg_url: str) -> None:
    key = new_key()
    pairs = [opened(pg_url, key) for _ in range(2)]
    pairs[0][1].put("chat:5", {"n": 0})

    def bump(db: PgDatabase, store: PgStore) -> None:
        for _ in range(25):
            with db.session(5):  # load -> change -> save, as a turn does
                value = store.get("chat:5") or {"n": 0}
                store.put("chat:5", {"n": value["n"] + 1})

    threads = [
        threading.Thread(target=bump, args=(db, store)) for db, store, _ in pairs for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert pairs[1][1].get("chat:5") == {"n": 150}  # no lost update
    for db, _, _ in pairs:
        db.close()


def test_a_failed_turn_stores_nothing(pg_url: str) -> None:
    db, store, nudges = opened(pg_url, new_key())
    store.put("chat:1", {"n": 1})
    with pytest.raises(RuntimeError), db.session(1):
        store.put("chat:1", {"n": 2})
        nudges.sync(1, [NudgeRow("x", 1, "due", "p:1", "2030-01-01T00:00:00+00:00")], "2026")
        raise RuntimeError("the turn broke")
    assert store.get("chat:1") == {"n": 1} and nudges.pending(1) == []
    db.close()


def test_each_due_reminder_is_claimed_by_exactly_one_worker(pg_url: str) -> None:
    key = new_key()
    workers = [opened(pg_url, key) for _ in range(3)]
    rows = [NudgeRow(f"n{i}", i, "due", "p:1", "2026-01-01T08:00:00+00:00") for i in range(60)]
    for row in rows:
        workers[0][2].sync(row.chat_id, [row], "2025-01-01T00:00:00+00:00")
    won: Counter[str] = Counter()
    lock = threading.Lock()

    def tick(nudges: PgNudgeStore) -> None:
        for row in nudges.due("2026-06-01T00:00:00+00:00"):
            if nudges.claim(row.id):
                with lock:
                    won[row.id] += 1

    threads = [threading.Thread(target=tick, args=(w[2],)) for w in workers for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert won == Counter({r.id: 1 for r in rows})
    assert workers[1][2].count("sent") == 60
    for db, _, _ in workers:
        db.close()


def test_a_groups_window_is_shared_by_all_workers(pg_url: str) -> None:
    key = new_key()
    (a, _, _), (b, _, _) = opened(pg_url, key), opened(pg_url, key)
    waits = [db.take_chat_slot(-100, 3, 60.0) for db in (a, b, a, b)]
    assert waits[:3] == [0.0, 0.0, 0.0] and waits[3] > 0  # the fourth in a minute waits
    with a.connection() as conn:  # a group that last wrote two minutes ago
        conn.execute("INSERT INTO send_hits VALUES (-300, clock_timestamp() - interval '2 min')")
    assert a.take_chat_slot(-200, 3, 60.0) == 0.0  # another group has its own window
    with a.connection() as conn:  # and the old group's id is gone from the table
        assert conn.execute("SELECT count(*) FROM send_hits WHERE chat_id = -300").fetchone() == (
            0,
        )
    slots = [db.take_send_slot(0.5) for db in (a, b, a, b)]
    assert slots == sorted(slots) and slots[-1] > slots[0]  # one pace, slots handed in turn
    a.close()
    b.close()


def test_turns_slet_status_and_stats_on_postgres(library: Library, pg_url: str) -> None:
    db, store, nudges = opened(pg_url, new_key())
    conversations = Conversations(library, store, nudges=nudges)
    user = Transcript(library, store)
    user.conversations = conversations
    walk_to_summary(user, "anbefaling1")
    status = ops.status(Path("unused"), store, nudges)
    assert status["chats"] == 1 and status["pending_nudges"] >= 1
    assert status["database_bytes"] > 0
    assert ops.stats(library, store, nudges)["journeys"]["anbefaling1"]["finished"] == 1
    conversations.erase(user.chat_id)
    assert store.get(f"chat:{user.chat_id}") is None and nudges.pending(user.chat_id) == []
    db.close()


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _env(tmp_path: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    env.update(
        BOT_DATA_DIR=str(tmp_path / "data"),
        BOT_KEY_FILE=str(tmp_path / "keys" / "data.key"),
        BOT_DATABASE_URL=url,
    )
    return env


@pytest.mark.slow
def test_operator_commands_on_postgres(pg_url: str, tmp_path: Path) -> None:
    env = _env(tmp_path, pg_url)
    first = _cli(env, "status")
    assert first.returncode == 2 and "start the bot once" in first.stderr
    db, store, _ = opened(pg_url, new_key())  # a database made with another key
    store.put("chat:1", {"x": 1})
    db.close()
    wrong = _cli(env, "status")
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1 and "key" in wrong.stderr

    url2 = pg_url.rsplit("/", 1)[0] + "/postgres"
    env = _env(tmp_path / "b", url2.rsplit("/", 1)[0] + "/" + _fresh(url2))
    assert _cli(env, "init-key").returncode == 0
    db = PgDatabase(env["BOT_DATABASE_URL"])
    db.migrate()
    key = Path(env["BOT_KEY_FILE"]).read_bytes().strip()
    PgStore(db, key).put("chat:7", {"settings": {}})
    status = _cli(env, "status")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["chats"] == 1
    backup = _cli(env, "backup", str(tmp_path / "x"))
    assert backup.returncode == 2 and "pg_dump" in backup.stderr
    db.hold_worker_lock()  # a worker runs
    refused = _cli(env, "rotate-key")
    assert refused.returncode == 2 and "workers are running" in refused.stderr
    db.close()
    rotated = _cli(env, "rotate-key")
    assert rotated.returncode == 0, rotated.stderr
    new = Path(env["BOT_KEY_FILE"]).read_bytes().strip()
    assert new != key
    db = PgDatabase(env["BOT_DATABASE_URL"])
    assert PgStore(db, new).get("chat:7") == {"settings": {}}
    db.close()


def _fresh(server_url: str) -> str:
    from tests.pgcluster import fresh_database

    return fresh_database(server_url).rsplit("/", 1)[1]


@pytest.mark.slow
def test_start_up_faults_are_one_line_without_the_password(tmp_path: Path) -> None:
    env = _env(tmp_path, "postgresql://bot:s3cret-pw@127.0.0.1:1/nowhere")
    result = _cli(env, "status")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "s3cret-pw" not in result.stderr
    assert "127.0.0.1:1/nowhere" in result.stderr
    env["BOT_DATABASE_URL"] = "mysql://x"
    result = _cli(env, "status")
    assert result.returncode == 2 and "BOT_DATABASE_URL" in result.stderr


async def test_retention_purge_and_export_on_postgres(library: Library, pg_url: str) -> None:
    from datetime import UTC, datetime

    from bot.nudger import Nudger

    db, store, nudges = opened(pg_url, new_key())
    noon = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    conversations = Conversations(library, store, clock=lambda: noon, nudges=nudges)
    user = Transcript(library, store, chat_id=77)
    user.conversations = conversations
    user.send("/start anbefaling1")
    name, body = conversations.export(77, "json")
    assert json.loads(body)["chat_id"] == 77 and name.endswith(".json")
    # The retention period ended: the sender's purge erases the chat, reminders and all.
    purge = NudgeRow("purge77", 77, "purge", "x:retention", "2000-01-01T00:00:00+00:00")
    nudges.sync(77, [purge, *nudges.pending(77)], noon.isoformat())
    assert await Nudger(conversations, UTC).tick(bot=None) == 0
    assert store.get("chat:77") is None and nudges.pending(77) == []
    db.close()
