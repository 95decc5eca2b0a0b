"""A turn is all or nothing, and a chat whose stored data breaks the engine still answers.

These run through `Conversations` (the turn loop every adapter uses) with real stores: a turn
that raises commits nothing and is answered on the safe path; junk stored for a chat leaves
/menu, /mine_data and /slet working; data that cannot be decrypted is never served and is set
aside when the user chooses to start over.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

import bot.chats
from bot.chats import chat_key
from dialogues import Library
from storage import SqliteStore
from storage.nudges import SqliteNudgeStore
from tests.transcript import Transcript

KEY = Fernet.generate_key()


@pytest.fixture
def anna(library: Library, tmp_path: Path) -> Transcript:
    store = SqliteStore(tmp_path / "db.sqlite", key=KEY)
    user = Transcript(library, store)
    user.conversations.nudges = SqliteNudgeStore(tmp_path / "db.sqlite")
    user.send("/start")
    return user


def test_a_turn_that_raises_commits_nothing_and_is_answered(
    anna: Transcript, monkeypatch: pytest.MonkeyPatch
) -> None:
    anna.send("/start trin1")
    before = anna.state.to_dict()
    pending = anna.conversations.nudges.pending(anna.chat_id)

    def broken(*_: object) -> object:
        raise OverflowError("date value out of range")

    monkeypatch.setattr(bot.chats, "wanted", broken)  # reminders fail after the engine ran
    replies = anna.send("/menu")
    assert replies[-1].buttons  # the menu, from the safe path
    after = anna.state.to_dict()
    # Nothing of the failed turn is kept (the safe path's menu position aside).
    assert after["answers"] == before["answers"] and after["plan"] == before["plan"]
    assert anna.conversations.nudges.pending(anna.chat_id) == pending
    monkeypatch.undo()
    assert anna.send("/menu")[-1].buttons  # and the next turn works as ever


@pytest.mark.parametrize(
    ("junk", "fields"),
    [
        ({"answers": [1, 2, 3], "flow": 5, "node": None}, "answers"),
        ({"plan": "not a list", "settings": [], "schema_version": 2}, "plan,settings"),
        ({"history": {"a": 1}, "widget": "x", "turn": "many"}, "turn,history,widget"),
    ],
)
def test_junk_in_the_store_is_kept_and_leaves_the_data_rights_working(
    anna: Transcript, junk: dict[str, object], fields: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = anna.conversations.store
    store.put(chat_key(anna.chat_id), junk)
    explained = anna.send("/menu")
    assert [r.text.startswith("Jeg kan ikke bruge de data") for r in explained] == [True]
    assert "/mine_data" in explained[0].text and "/start" in explained[0].text
    assert store.get(chat_key(anna.chat_id)) == junk  # nothing thrown away
    assert [r.export for r in anna.send("/mine_data")] == ["json"]
    _, body = anna.conversations.export(anna.chat_id, "json")
    assert json.loads(body)["state"] == junk  # what the user typed, as it was stored
    assert f"fields={fields}" in caplog.text  # the log names the fields, not their values
    assert "not a list" not in caplog.text and "many" not in caplog.text
    asked = anna.send("/slet")
    assert asked[0].text == "De gamle data er lagt til side. Vi begynder forfra."
    assert asked[-1].text.startswith("Vil I slette alt") and store.damaged_count() == 1
    anna.press_option("yes")
    assert store.get(chat_key(anna.chat_id)) in (None, anna.state.to_dict())
    assert anna.state.answers == {} and anna.state.plan == []
    assert store.damaged_count() == 0  # the set-aside copy went with the rest


def _damage(db: Path, key: str) -> None:
    """Overwrite a stored value with bytes that are no valid ciphertext."""
    with sqlite3.connect(db) as connection:
        tables = [
            r[0] for r in connection.execute("select name from sqlite_master where type='table'")
        ]
        for table in tables:
            columns = [r[1] for r in connection.execute(f"pragma table_info({table})")]
            if table == "chats" and columns[:2] == ["key", "value"]:
                connection.execute(f"update {table} set value=? where key=?", (b"\x00garbage", key))


def test_undecryptable_data_is_never_served_and_set_aside_on_a_new_start(
    anna: Transcript, tmp_path: Path
) -> None:
    anna.send("/start trin1")
    anna.conversations.store.close()
    _damage(tmp_path / "db.sqlite", chat_key(anna.chat_id))
    store = SqliteStore(tmp_path / "db.sqlite", key=KEY)
    anna.conversations.store = store
    replies = anna.send("/menu")
    assert len(replies) == 1 and "/start" in replies[0].text  # explained, nothing served
    assert [r.export for r in anna.send("/mine_data")] == ["json"]  # a data right still works
    _, body = anna.conversations.export(anna.chat_id, "json")
    assert json.loads(body)["state_unreadable"] is True and store.damaged_count() == 0
    replies = anna.send("/start")
    assert "lagt til side" in replies[0].text and replies[-1].buttons  # a fresh start
    assert store.damaged_count() == 1  # kept apart for the operator
    assert anna.state.flow == "menu"


@pytest.mark.parametrize(
    ("lang", "stem"), [("da", "inklusionsguiden-data"), ("en", "inclusion-guide-data")]
)
def test_all_data_as_json_is_named_in_the_readers_language(
    library: Library, lang: str, stem: str
) -> None:
    user = Transcript(library, lang=lang)
    user.send("/start")
    name, _ = user.conversations.export(user.chat_id, "json")
    assert name.startswith(f"{stem}-{user.chat_id}-") and name.endswith(".json")


def test_all_data_as_json_holds_junk_as_it_was_stored(anna: Transcript) -> None:
    junk = {"answers": [1, 2, 3], "flow": 5}
    anna.conversations.store.put(chat_key(anna.chat_id), junk)
    _, body = anna.conversations.export(anna.chat_id, "json")
    data = json.loads(body)
    assert data["state"] == junk and data["state_unreadable"] is False
