"""One contract for every backend: the chat store and the reminder store, over SQLite and
PostgreSQL alike (the PostgreSQL half is skipped with its reason where none can be had), and
the reminder store over memory too (the in-memory backend has no encryption to test)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import DamagedValue, SqliteStore, Store
from storage.crypto import Cipher, new_key
from storage.memory import MemoryNudgeStore
from storage.nudges import NudgeRow, NudgeStore, SqliteNudgeStore

TRICKY = {"text": "æøå <b>&amp; 🎉 \u200b\u202e", "n": 1, "nested": {"list": [1, None, True]}}


class Backend:
    def __init__(self, store: Store, nudges: NudgeStore, reopen, plant) -> None:
        self.store, self.nudges, self.reopen, self.plant = store, nudges, reopen, plant


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    key = new_key()
    if request.param == "sqlite":
        db = tmp_path / "db.sqlite"
        opened: list = []

        def reopen(k: bytes = key) -> Store:
            store = SqliteStore(db, key=k)
            opened.append(store)
            return store

        def plant(key_: str, raw: bytes) -> None:
            import sqlite3

            with sqlite3.connect(db) as conn:
                conn.execute('INSERT OR REPLACE INTO "chats" VALUES (?, ?)', (key_, raw))

        store, nudges = reopen(), SqliteNudgeStore(db)
        yield Backend(store, nudges, reopen, plant)
        nudges.close()
        for s in opened:
            s.close()
    else:
        from storage.postgres import PgDatabase, PgNudgeStore, PgStore

        url = request.getfixturevalue("pg_url")
        dbs: list[PgDatabase] = []

        def reopen_pg(k: bytes = key) -> Store:
            pgdb = PgDatabase(url, max_size=4)
            dbs.append(pgdb)
            pgdb.migrate()
            return PgStore(pgdb, k)

        store = reopen_pg()
        yield Backend(store, PgNudgeStore(dbs[0]), reopen_pg, store.plant)  # type: ignore[attr-defined]
        for d in dbs:
            d.close()


def test_round_trip_reopen_delete(backend: Backend) -> None:
    store = backend.store
    store.put("chat:1", TRICKY)
    store.put("chat:2", {"a": 1})
    assert store.get("chat:1") == TRICKY
    assert store.get("chat:3") is None
    assert backend.reopen().get("chat:1") == TRICKY
    store.delete("chat:2")
    store.delete("chat:404")
    assert sorted(store.keys()) == ["chat:1"]  # the key check is metadata, not listed
    store.erase("chat:1")
    assert list(store.keys()) == []


def test_a_wrong_key_is_refused(backend: Backend) -> None:
    from storage.crypto import DataKeyError

    backend.store.put("chat:1", TRICKY)
    with pytest.raises(DataKeyError):
        backend.reopen(new_key())


def test_a_damaged_value_is_refused_set_aside_and_erased(backend: Backend) -> None:
    store = backend.store
    store.put("chat:1", TRICKY)
    backend.plant("chat:2", b'{"planted": true}')
    with pytest.raises(DamagedValue):
        store.get("chat:2")
    assert store.set_aside("chat:1") is False
    assert store.set_aside("chat:2") is True
    assert store.get("chat:2") is None
    assert store.damaged_count() == 1
    store.erase("chat:2")
    assert store.damaged_count() == 0


def test_a_readable_but_unsound_value_is_set_aside_only_when_told_why(backend: Backend) -> None:
    store = backend.store
    store.put("chat:1", TRICKY)
    assert store.set_aside("chat:3", "fields of the wrong type: answers") is False  # absent
    assert store.set_aside("chat:1", "fields of the wrong type: answers") is True
    assert store.get("chat:1") is None and store.damaged_count() == 1
    store.erase("chat:1")
    assert store.damaged_count() == 0


def test_values_are_tokens_under_the_key(backend: Backend) -> None:
    backend.store.put("chat:7", {"canary": "CANARY-77"})
    raw = backend.store.raw("chat:7")  # type: ignore[attr-defined]
    assert raw is not None and b"CANARY" not in raw


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def reminders(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NudgeStore]:
    if request.param == "memory":
        yield MemoryNudgeStore()
    elif request.param == "sqlite":
        nudges = SqliteNudgeStore(tmp_path / "db.sqlite")
        yield nudges
        nudges.close()
    else:
        from storage.postgres import PgDatabase, PgNudgeStore

        db = PgDatabase(request.getfixturevalue("pg_url"), max_size=2)
        db.migrate()
        yield PgNudgeStore(db)
        db.close()


def test_reminders_sync_due_claim_defer(reminders: NudgeStore) -> None:
    nudges = reminders
    past, future = "2026-01-01T08:00:00+00:00", "2030-01-01T08:00:00+00:00"
    rows = [NudgeRow("a", 5, "due", "p:1", past), NudgeRow("b", 5, "due", "p:2", future)]
    nudges.sync(5, rows, "2026-06-01T00:00:00+00:00")
    nudges.sync(5, rows, "2026-06-01T00:00:00+00:00")  # idempotent
    assert [r.id for r in nudges.due("2026-06-01T00:00:00+00:00")] == ["a"]
    assert [r.id for r in nudges.pending(5)] == ["a", "b"]
    nudges.sync(5, rows[:1], "2026-06-01T00:00:00+00:00")  # future unwanted dropped
    assert [r.id for r in nudges.pending(5)] == ["a"]
    assert nudges.claim("a") is True
    assert nudges.claim("a") is False  # one claim wins
    assert nudges.count("sent") == 1 and nudges.count("pending") == 0
    nudges.defer("a", future)
    assert [r.due for r in nudges.pending(5)] == [future]
    nudges.delete_chat(5)
    assert nudges.pending(5) == [] and nudges.count("sent") == 0


def test_only_a_store_several_processes_write_is_shared(backend: Backend) -> None:
    from storage import MemoryStore, SharedStore

    shared = isinstance(backend.store, SharedStore)
    assert shared == (type(backend.store).__name__ == "PgStore")
    assert getattr(backend.store, "shared", False) is shared  # what bot/service.py reads
    assert not isinstance(MemoryStore(), SharedStore)


def test_the_cipher_is_the_same_scheme(backend: Backend) -> None:
    backend.store.put("chat:9", TRICKY)
    raw = backend.store.raw("chat:9")  # type: ignore[attr-defined]
    assert raw is not None
    # Whatever the backend, a value is a Fernet token of the JSON under the data key.
    with pytest.raises(ValueError):
        Cipher(new_key()).decode(raw)


def test_reminders_keep_their_order_limit_and_other_chats(reminders: NudgeStore) -> None:
    now = "2026-06-01T00:00:00+00:00"
    early, mid, late = (f"2026-0{m}-01T08:00:00+00:00" for m in (1, 2, 3))
    rows = [
        NudgeRow("late", 5, "due", "p:1", late),
        NudgeRow("early", 5, "meeting", "m:1", early),
        NudgeRow("other", 6, "due", "p:1", mid),
    ]
    reminders.sync(5, rows[:2], now)
    reminders.sync(6, rows[2:], now)
    assert reminders.due(now) == [
        NudgeRow("early", 5, "meeting", "m:1", early),
        NudgeRow("other", 6, "due", "p:1", mid),
        NudgeRow("late", 5, "due", "p:1", late),
    ]
    assert [r.id for r in reminders.due(now, limit=1)] == ["early"]
    assert reminders.due("2025-12-31T00:00:00+00:00") == []
    reminders.sync(5, [], "2025-01-01T00:00:00+00:00")  # both of chat 5 are future then: gone
    assert [r.id for r in reminders.due(now)] == ["other"]
    assert reminders.claim("missing") is False and reminders.count() == 1
    reminders.delete_chat(6)
    assert reminders.count("pending") == 0 and reminders.pending(6) == []
