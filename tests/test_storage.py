"""Storage: JSON round trip, reopen, permissions, migration, and no acknowledged write lost."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dialogues import SCHEMA_VERSION, ChatState
from dialogues.state import migrate
from storage import MemoryStore, SqliteStore

ROOT = Path(__file__).resolve().parent.parent
TRICKY = {"text": "æøå <b>&amp; 🎉 \u200b\u202e", "n": 1, "nested": {"list": [1, None, True]}}


@pytest.mark.parametrize("make", [MemoryStore, lambda: None], ids=["memory", "sqlite"])
def test_json_round_trip(make, tmp_path: Path) -> None:
    store = make() or SqliteStore(tmp_path / "db.sqlite")
    store.put("chat:1", TRICKY)
    assert store.get("chat:1") == TRICKY
    assert store.get("chat:2") is None
    store.delete("chat:1")
    store.delete("chat:1")  # deleting twice is fine
    assert store.get("chat:1") is None


def test_memory_store_refuses_what_json_cannot_hold() -> None:
    with pytest.raises(TypeError):
        MemoryStore().put("chat:1", {"when": object()})


def test_values_are_json_in_the_file_never_pickle(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "db.sqlite")
    store.put("chat:1", {"a": "b"})
    store.close()
    import sqlite3

    connection = sqlite3.connect(tmp_path / "db.sqlite")
    row = connection.execute("SELECT value FROM chats").fetchone()
    connection.close()
    assert json.loads(row[0]) == {"a": "b"}


def test_reopen_keeps_everything(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "db.sqlite")
    for i in range(50):
        store.put(f"chat:{i}", {"i": i})
    store.close()
    again = SqliteStore(tmp_path / "db.sqlite")
    assert sorted(again.keys(), key=lambda k: int(k.split(":")[1])) == [
        f"chat:{i}" for i in range(50)
    ]
    assert again.get("chat:49") == {"i": 49}


def test_durability_settings(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "db.sqlite")
    assert store.pragma("journal_mode") == "wal"
    assert store.pragma("synchronous") == 2  # FULL
    assert store.pragma("secure_delete") == 1


def test_files_are_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        store = SqliteStore(tmp_path / "data" / "db.sqlite")
        store.put("chat:1", {"x": 1})
        for path in (tmp_path / "data").iterdir():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
        assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    finally:
        os.umask(old)


def test_state_round_trips_through_json() -> None:
    state = ChatState(flow="demo", node="q1", turn=3, answers={"demo/q1": {"text": "x"}})
    data = json.loads(json.dumps(state.to_dict()))
    assert data["schema_version"] == SCHEMA_VERSION
    assert ChatState.from_dict(data) == state


def test_version_0_state_is_migrated() -> None:
    old = {"flow": "anbefaling1", "node": "q2", "answers": {"anbefaling1/q1": "gammelt svar"}}
    state = ChatState.from_dict(old)
    assert state.answers["anbefaling1/q1"] == {"text": "gammelt svar", "by": None, "at": None}
    assert (state.flow, state.node) == ("anbefaling1", "q2")
    assert migrate(dict(old))["schema_version"] == SCHEMA_VERSION


def test_state_from_the_future_is_refused() -> None:
    with pytest.raises(ValueError, match="newer"):
        ChatState.from_dict({"schema_version": SCHEMA_VERSION + 1})


WRITER = """
import sys
from storage import SqliteStore
store = SqliteStore(sys.argv[1])
i = 0
while True:
    store.put(f"chat:{i}", {"answer": "x" * 200, "i": i})
    print(i, flush=True)
    i += 1
"""


@pytest.mark.slow
def test_sigkill_loses_no_acknowledged_write(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    for round_ in range(3):
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        acked = -1
        deadline = time.monotonic() + 0.3 + 0.2 * round_
        while time.monotonic() < deadline:
            acked = int(child.stdout.readline())
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        store = SqliteStore(db)
        assert acked >= 0
        for i in range(acked + 1):
            assert store.get(f"chat:{i}") == {"answer": "x" * 200, "i": i}
        assert store.pragma("integrity_check") == "ok"
        store.close()


def test_memory_store_refuses_and_sets_aside_a_damaged_value() -> None:
    from storage import DamagedValue

    store = MemoryStore()
    store.put("chat:1", {"ok": True})
    store.plant("chat:2", '{"half": ')
    with pytest.raises(DamagedValue) as caught:
        store.get("chat:2")
    assert (caught.value.key, caught.value.reason) == ("chat:2", "not a JSON object")
    assert not store.set_aside("chat:1") and not store.set_aside("chat:3")
    assert store.set_aside("chat:2") and store.get("chat:2") is None
    assert store.damaged_count() == 1
    store.erase("chat:2")
    assert store.damaged_count() == 0 and store.get("chat:1") == {"ok": True}


def test_sqlite_store_without_a_key_refuses_a_value_that_is_not_json(tmp_path: Path) -> None:
    from storage import DamagedValue

    store = SqliteStore(tmp_path / "db.sqlite")
    store.put("chat:1", {"ok": True})
    store._db["chat:2"] = {"x": 1}  # a real row, then damaged in place below
    store._aux.execute("UPDATE chats SET value = ? WHERE key = 'chat:2'", (b"\x00\xff",))
    with pytest.raises(DamagedValue):
        store.get("chat:2")
    assert store.set_aside("chat:2") and store.damaged_count() == 1
    assert store.get("chat:2") is None and store.get("chat:1") == {"ok": True}
    store.close()
