"""What comes off the disk is checked: a value of the wrong type in a row is a clear error
(or a damaged value the bot can set aside), never something that fails deep inside later."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage import DamagedValue, SqliteStore
from storage.crypto import new_key
from storage.nudges import NudgeRow, SqliteNudgeStore
from storage.rotate import reencrypt
from storage.rows import DamagedRow


def _damage(db: Path, sql: str, *args: object) -> None:
    """Write into the file past the stores, as a hand edit or a damaged disk would."""
    connection = sqlite3.connect(db)
    with connection:
        connection.execute(sql, args)
    connection.close()


@pytest.mark.parametrize(
    ("key", "reason"),
    [(None, "not a JSON object"), (new_key(), "not a valid ciphertext for the data key")],
    ids=["plain", "encrypted"],
)
@pytest.mark.parametrize("planted", [42, None, 1.5], ids=["integer", "null", "real"])
def test_a_value_neither_text_nor_bytes_is_refused_and_set_aside(
    tmp_path: Path, key: bytes | None, reason: str, planted: object
) -> None:
    db = tmp_path / "db.sqlite"
    store = SqliteStore(db, key=key)
    store.put("chat:1", {"ok": True})
    store.put("chat:2", {"ok": False})
    _damage(db, "UPDATE chats SET value = ? WHERE key = 'chat:2'", planted)
    with pytest.raises(DamagedValue) as caught:
        store.get("chat:2")
    assert (caught.value.key, caught.value.reason) == ("chat:2", reason)
    assert store.set_aside("chat:2")
    assert store.get("chat:2") is None and store.get("chat:1") == {"ok": True}
    assert list(store.keys()) == ["chat:1"]
    store.close()
    kept = sqlite3.connect(db)
    assert kept.execute("SELECT key, reason, value FROM damaged_values").fetchall() == [
        ("chat:2", reason, planted)
    ]  # kept as it lay, for the operator
    kept.close()


def test_rotation_sets_aside_a_value_neither_text_nor_bytes(tmp_path: Path) -> None:
    db, old, new = tmp_path / "db.sqlite", new_key(), new_key()
    store = SqliteStore(db, key=old)
    store.put("chat:1", {"ok": True})
    store.put("chat:2", {"ok": False})
    store.close()
    _damage(db, "UPDATE chats SET value = NULL WHERE key = 'chat:2'")
    assert reencrypt(db, old, new) == 2  # chat:1 and the key check
    again = SqliteStore(db, key=new)
    assert again.get("chat:1") == {"ok": True} and again.get("chat:2") is None
    assert again.damaged_count() == 1
    again.close()


@pytest.mark.parametrize(
    ("column", "planted"),
    [("chat_id", "not a number"), ("due", b"\x00\x01"), ("kind", b"followup")],
)
def test_a_damaged_reminder_row_names_its_column_not_its_value(
    tmp_path: Path, column: str, planted: object
) -> None:
    db = tmp_path / "db.sqlite"
    nudges = SqliteNudgeStore(db)
    row = NudgeRow("n1", 7, "followup", "ref", "2026-01-01T00:00:00+00:00")
    nudges.sync(7, [row], now="2025-01-01T00:00:00+00:00")
    assert nudges.due("2026-06-01T00:00:00+00:00") == [row]
    _damage(db, f"UPDATE nudges SET {column} = ? WHERE id = 'n1'", planted)
    with pytest.raises(DamagedRow) as caught:  # read by the sender, and by the chat's screens
        nudges.due("2026-06-01T00:00:00+00:00")  # (SQLite sorts a BLOB `due` after any text)
        nudges.pending(7)
    assert str(caught.value) == (
        f"nudges.{column} holds a value that is not "
        f"{'an integer' if column == 'chat_id' else 'text'}: the database is damaged"
    )
    nudges.close()
