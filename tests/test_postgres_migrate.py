"""`python -m bot migrate-to`: a database made by the embedded mode, copied into PostgreSQL in
one verified transaction, compared value by value; the SQLite file is left as it was."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot import memberindex
from bot.service import Conversations
from dialogues import Library
from storage import SqliteStore
from storage.crypto import create_key_file
from storage.nudges import SqliteNudgeStore
from storage.postgres import PgDatabase, PgNudgeStore, PgStore
from storage.sqlite import DB_NAME
from tests.test_catalogue import walk_to_summary
from tests.transcript import Transcript

pytestmark = pytest.mark.slow  # the command runs as a process
ROOT = Path(__file__).resolve().parent.parent


def test_migrate_to_copies_everything_and_leaves_the_file(
    library: Library, pg_url: str, tmp_path: Path
) -> None:
    data, key_file = tmp_path / "data", tmp_path / "keys" / "data.key"
    key = create_key_file(key_file)
    db = data / DB_NAME
    store, nudges = SqliteStore(db, key=key), SqliteNudgeStore(db)
    conversations = Conversations(library, store, nudges=nudges)
    for chat_id, flow in ((11, "anbefaling1"), (12, "anbefaling2")):
        user = Transcript(library, store, chat_id=chat_id)
        user.conversations = conversations
        walk_to_summary(user, flow)
    memberindex.add(store, 11, -500)
    planter = sqlite3.connect(db)  # a value written past the cipher
    with planter:
        planter.execute("INSERT INTO chats VALUES ('chat:13', ?)", (b"planted",))
    planter.close()
    store.set_aside("chat:13")
    before = {k: store.get(k) for k in store.keys()}
    reminders = sorted(nudges.pending(11) + nudges.pending(12), key=str)
    nudges.close()
    store.close()
    assert not db.with_name(DB_NAME + "-wal").exists()  # all of it is in the file
    fingerprint = hashlib.sha256(db.read_bytes()).hexdigest()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    env.update(BOT_DATA_DIR=str(data), BOT_KEY_FILE=str(key_file))

    def migrate() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "migrate-to", pg_url],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    result = migrate()
    assert result.returncode == 0, result.stderr
    assert "(verified)" in result.stdout and "1 values set aside" in result.stdout
    assert hashlib.sha256(db.read_bytes()).hexdigest() == fingerprint

    pg = PgDatabase(pg_url)
    copy, copy_nudges = PgStore(pg, key), PgNudgeStore(pg)
    assert {k: copy.get(k) for k in copy.keys()} == before
    assert memberindex.groups_of(copy, 11) == []  # the group has no state: dropped, as before
    assert sorted(copy_nudges.pending(11) + copy_nudges.pending(12), key=str) == reminders
    assert reminders
    assert copy.damaged_count() == 1
    pg.close()

    again = migrate()  # the target holds data now: refused, one line
    assert again.returncode == 2 and "not empty" in again.stderr
    assert again.stderr.count("\n") == 1


def test_migrate_to_refuses_a_damaged_row_in_one_line(pg_url: str, tmp_path: Path) -> None:
    data, key_file = tmp_path / "data", tmp_path / "keys" / "data.key"
    key = create_key_file(key_file)
    db = data / DB_NAME
    SqliteStore(db, key=key).close()
    planter = sqlite3.connect(db)  # a value that is neither text nor bytes: damage
    with planter:
        planter.execute("INSERT INTO chats VALUES ('chat:13', 42)")
    planter.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    env.update(BOT_DATA_DIR=str(data), BOT_KEY_FILE=str(key_file))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate-to", pg_url],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert "damaged" in result.stderr and "restore the latest backup" in result.stderr
    assert "42" not in result.stderr.replace(str(tmp_path), "")  # the value is never shown
