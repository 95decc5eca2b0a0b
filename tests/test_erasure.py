"""Nothing outlives /slet or retention, and the file without its key shows no one's id.

The member index (which groups a person answered in) is part of /mine_data, goes with a
private /slet, a group's /slet and either retention purge, and its keys are HMAC tags, not
Telegram ids. An erase interrupted by a crash is finished by the sender's next tick.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from telegram.ext import ExtBot

from bot import memberindex
from bot.chats import chat_key
from bot.groups import remember_member
from bot.nudger import Nudger
from bot.service import Conversations
from dialogues import ChatState, Library
from storage import SqliteStore
from storage.crypto import new_key
from storage.nudges import SqliteNudgeStore
from tests.conftest import bot_against
from tests.fakebotapi import FakeBotAPI
from tests.transcript import Clock

CANARY = "KANARIEFUGL-slet-4d2c"
EVA = 918273645  # the canary id: a member's Telegram id, also her private chat's id
ANNA = 771122334  # the board's admin, who never writes to the bot privately
GROUP = -1009988776655
NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # outside quiet hours


def all_bytes(folder: Path) -> Iterator[tuple[Path, bytes]]:
    """Every file under the folder, as it lies on disk."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield path, path.read_bytes()


def assert_nothing_about_eva(folder: Path) -> None:
    for path, data in all_bytes(folder):
        assert CANARY.encode() not in data, path
        assert str(EVA).encode() not in data, path


async def until(fake: FakeBotAPI, predicate) -> None:
    await asyncio.to_thread(fake.wait_for, predicate)


async def idle(fake: FakeBotAPI) -> None:
    await asyncio.to_thread(fake.wait_idle)


async def in_group(fake: FakeBotAPI, user: int, name: str, text: str, reply_to: int | None = None):
    count = len(fake.sent)
    fake.send_text(
        GROUP,
        text,
        user_id=user,
        first_name=name,
        chat_type="supergroup",
        title="Bestyrelsen",
        reply_to_message_id=reply_to,
    )
    await until(fake, lambda: len(fake.sent) > count)
    await idle(fake)


async def press(fake: FakeBotAPI, chat: int, label: str, user: int) -> None:
    count = len(fake.sent)
    fake.press_button(chat, label, user_id=user)
    await until(fake, lambda: len(fake.sent) > count)
    await idle(fake)


async def private(fake: FakeBotAPI, text: str) -> None:
    count = len(fake.sent)
    fake.send_text(EVA, text, user_id=EVA, first_name="Eva")
    await until(fake, lambda: len(fake.sent) > count)
    await idle(fake)


async def eva_answers_in_the_board(fake: FakeBotAPI) -> None:
    """Anna starts recommendation 1 in the group; Eva answers its first question."""
    fake.set_admins(GROUP, [ANNA])
    await in_group(fake, ANNA, "Anna", "/start anbefaling1")
    while "✍️ Svar" not in fake.buttons(GROUP):
        await press(fake, GROUP, "Videre", ANNA)
    await press(fake, GROUP, "Svar", EVA)
    prompt = fake.messages(GROUP)[-1]["message_id"]
    await in_group(fake, EVA, "Eva", f"Vi har en {CANARY}", reply_to=prompt)


@pytest.fixture
async def encrypted(
    fake: FakeBotAPI, library: Library, tmp_path: Path
) -> AsyncIterator[Conversations]:
    """The bot against the fake, its data encrypted in tmp_path/data (the key elsewhere)."""
    data = tmp_path / "data"
    operated = dataclasses.replace(library, operator={"retention_days": "540"})
    async with bot_against(fake, operated, data, key=new_key()) as conversations:
        yield conversations


@pytest.mark.slow
async def test_my_data_lists_a_members_groups_and_slet_leaves_nothing_behind(
    fake: FakeBotAPI, encrypted: Conversations, tmp_path: Path
) -> None:
    store = encrypted.store
    await eva_answers_in_the_board(fake)
    await private(fake, "/start")
    await private(fake, "/mine_data")
    await until(fake, lambda: any(s.get("document") for s in fake.sent_to(EVA)))
    data = json.loads(next(s for s in fake.sent_to(EVA) if s.get("document"))["document"])
    [group] = data["groups"]
    assert group["group_id"] == GROUP and group["title"] == "Bestyrelsen"
    [(key, answer)] = group["your_answers"].items()
    assert key.startswith("anbefaling1/q_vaerdi") and CANARY in answer["text"]
    index_keys = [k for k in store.keys() if k.startswith(("user:", "members:"))]
    assert len(index_keys) == 3  # Eva's list, Anna's list, the board's members
    assert not any(str(EVA) in k or str(GROUP) in k for k in index_keys)
    assert isinstance(store, SqliteStore)
    assert str(EVA).encode() not in b"".join(store.raw(k) or b"" for k in index_keys)

    files = dict(all_bytes(tmp_path / "data"))
    assert any(str(EVA).encode() in data for data in files.values())  # her chat's key, for now
    assert not any(str(ANNA).encode() in data for data in files.values())  # in no key at all
    await private(fake, "/slet")  # Eva deletes her own chat: her list goes with it
    await press(fake, EVA, "Ja, slet alt", EVA)
    assert memberindex.groups_of(store, EVA) == []
    await in_group(fake, ANNA, "Anna", "/slet")  # the board deletes its data
    await press(fake, GROUP, "Ja, slet alt", ANNA)
    assert [k for k in store.keys() if k.startswith(("user:", "members:"))] == []

    # What /slet keeps (the last update ids, against a redelivery) goes after 48 hours.
    encrypted.clock = lambda: datetime.now(UTC) + timedelta(days=3)
    await sweep(fake, encrypted)
    assert store.get(chat_key(EVA)) is None and store.get(chat_key(GROUP)) is None
    assert encrypted.nudges is not None and encrypted.nudges.due("9999", 10) == []
    assert_nothing_about_eva(tmp_path / "data")


async def sweep(fake: FakeBotAPI, conversations: Conversations) -> None:
    """Run the reminder sender once, as its job would, at the conversations' clock."""
    bot = ExtBot(fake.token, base_url=fake.base_url)
    await bot.initialize()
    try:
        await Nudger(conversations).tick(bot)
    finally:
        await bot.shutdown()


# --- retention and crashes, over the stores directly -------------------------------------


@pytest.fixture
def stores(library: Library, tmp_path: Path) -> Iterator[Conversations]:
    db = tmp_path / "data" / "db.sqlite"
    store, nudges = SqliteStore(db, key=new_key()), SqliteNudgeStore(db)
    operated = dataclasses.replace(library, operator={"retention_days": "540"})
    yield Conversations(operated, store, clock=Clock(NOON), nudges=nudges)
    nudges.close()
    store.close()


def eva_in_a_board(conversations: Conversations) -> None:
    """Eva has a private chat and answered in a board; Anna administers the board."""
    now = conversations.clock().isoformat()
    group = ChatState(lang="da", flow="menu", node="hoved", started=True, updated_at=now)
    group.answers["anbefaling1/q_vaerdi#1"] = {"text": CANARY, "by": {"id": EVA, "name": "Eva"}}
    group.settings["title"] = "Bestyrelsen"
    conversations.save(GROUP, group)
    own = ChatState(lang="da", flow="menu", node="hoved", started=True, updated_at=now)
    conversations.save(EVA, own)
    remember_member(conversations, EVA, GROUP)
    remember_member(conversations, ANNA, GROUP)


def index_keys(conversations: Conversations) -> list[str]:
    return [k for k in conversations.store.keys() if k.startswith(("user:", "members:"))]


def test_my_data_json_holds_the_group_index(stores: Conversations) -> None:
    eva_in_a_board(stores)
    data = json.loads(stores.export(EVA, "json")[1])
    assert [g["group_id"] for g in data["groups"]] == [GROUP]
    assert data["groups"][0]["your_answers"]["anbefaling1/q_vaerdi#1"]["text"] == CANARY
    assert "groups" not in json.loads(stores.export(GROUP, "json")[1])  # a group has none


async def test_retention_purge_of_a_private_chat_removes_the_persons_index(
    fake: FakeBotAPI, stores: Conversations
) -> None:
    eva_in_a_board(stores)
    assert memberindex.groups_of(stores.store, EVA) == [GROUP]
    group = stores.load(GROUP)
    group.updated_at = (NOON + timedelta(days=600)).isoformat()  # the board stays active
    stores.save(GROUP, group)
    stores.clock.now = NOON + timedelta(days=571)  # type: ignore[attr-defined]
    await sweep(fake, stores)
    assert stores.store.get(chat_key(EVA)) is None
    assert memberindex.groups_of(stores.store, EVA) == []
    assert memberindex.groups_of(stores.store, ANNA) == [GROUP]  # the board lives on


async def test_retention_purge_of_a_group_removes_it_from_every_index(
    fake: FakeBotAPI, stores: Conversations
) -> None:
    eva_in_a_board(stores)
    own = stores.load(EVA)
    own.updated_at = (NOON + timedelta(days=600)).isoformat()  # Eva stays active
    stores.save(EVA, own)
    stores.clock.now = NOON + timedelta(days=571)  # type: ignore[attr-defined]
    await sweep(fake, stores)
    assert stores.store.get(chat_key(GROUP)) is None
    assert memberindex.groups_of(stores.store, EVA) == []
    assert index_keys(stores) == []


async def test_a_purge_due_at_night_is_not_held_for_the_morning(
    fake: FakeBotAPI, stores: Conversations
) -> None:
    """Quiet hours hold back messages, not erasure: a chat past its retention is erased at
    23:30 as at noon, and nothing is sent."""
    eva_in_a_board(stores)
    group = stores.load(GROUP)
    group.updated_at = (NOON + timedelta(days=600)).isoformat()  # the board stays active
    stores.save(GROUP, group)
    night = (NOON + timedelta(days=571)).replace(hour=22, minute=30)  # 23:30 in Copenhagen
    stores.clock.now = night  # type: ignore[attr-defined]
    await sweep(fake, stores)
    assert stores.store.get(chat_key(EVA)) is None
    assert memberindex.groups_of(stores.store, EVA) == []
    assert fake.sent_to(EVA) == [] and fake.sent_to(GROUP) == []


class Crash(Exception):
    """A stand-in for the process dying at this point."""


@pytest.mark.parametrize("where", ["in the index", "before the state", "before the reminders"])
async def test_an_erase_cut_short_by_a_crash_is_finished_by_the_next_tick(
    fake: FakeBotAPI, stores: Conversations, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    eva_in_a_board(stores)
    state = stores.load(EVA)
    state.plan = [{"id": "r1", "maal": CANARY, "tid": {"label": "uge 30", "date": "2026-07-24"}}]
    stores.save(EVA, state)
    assert stores.nudges is not None and stores.nudges.pending(EVA)
    crash_at = {
        "in the index": (stores.store, "erase", "user:"),
        "before the state": (stores.store, "erase", chat_key(EVA)),
        "before the reminders": (stores.nudges, "delete_chat", EVA),
    }
    target, name, arg = crash_at[where]
    original = getattr(target, name)

    def crash(first: object, *rest: object) -> None:
        if first == arg or (isinstance(first, str) and first.startswith(str(arg))):
            raise Crash
        original(first, *rest)

    monkeypatch.setattr(target, name, crash)
    with pytest.raises(Crash):
        stores.erase(EVA)
    monkeypatch.setattr(target, name, original)
    stores._synced.clear()  # a new process
    await sweep(fake, stores)
    assert stores.store.get(chat_key(EVA)) is None
    assert [r for r in stores.nudges.due("9999", 50) if r.chat_id == EVA] == []
    assert memberindex.groups_of(stores.store, EVA) == []
    assert fake.sent_to(EVA) == []  # nothing was sent to a chat being erased


def test_old_user_id_keys_are_moved_to_tags_and_their_bytes_overwritten(
    library: Library, tmp_path: Path
) -> None:
    db, key = tmp_path / "db.sqlite", new_key()
    store = SqliteStore(db, key=key)
    store.put(chat_key(GROUP), ChatState(settings={"title": "B"}).to_dict())
    store.put(f"user:{EVA}", {"groups": [GROUP]})  # as the previous version wrote it
    store.close()
    store = SqliteStore(db, key=key)
    assert memberindex.migrate_legacy(store) == 1
    assert f"user:{EVA}" not in list(store.keys())
    assert memberindex.groups_of(store, EVA) == [GROUP]
    conversations = Conversations(library, store)
    conversations.erase(GROUP)
    assert memberindex.groups_of(store, EVA) == [] and index_keys(conversations) == []
    store.close()
    assert all(str(EVA).encode() not in data for _, data in all_bytes(tmp_path))


def test_rotating_the_key_keeps_the_index_readable(library: Library, tmp_path: Path) -> None:
    from storage.rotate import reencrypt

    db, old, new = tmp_path / "db.sqlite", new_key(), new_key()
    conversations = Conversations(library, SqliteStore(db, key=old))
    conversations.store.put(chat_key(GROUP), ChatState().to_dict())
    remember_member(conversations, EVA, GROUP)
    conversations.store.close()
    reencrypt(db, old, new)
    store = SqliteStore(db, key=new)
    assert memberindex.groups_of(store, EVA) == [GROUP]
    store.close()


# --- the terminal chat -----------------------------------------------------------------


def test_the_terminal_chat_leaves_no_export_file_behind(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re
    import tempfile

    from bot.terminal import TERMINAL_CHAT_ID, chat

    temp, data = tmp_path / "tmp", tmp_path / "data"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    legacy = data / "exports"  # where an older version wrote exports, 0644
    legacy.mkdir(parents=True)
    (legacy / "inklusionsguiden-plan-2026-01-01.md").write_text(CANARY)
    store, nudges = (
        SqliteStore(data / "db.sqlite", key=new_key()),
        SqliteNudgeStore(data / "db.sqlite"),
    )
    conversations = Conversations(library, store, clock=Clock(NOON), nudges=nudges)
    state = ChatState(lang="da", flow="menu", node="hoved", started=True)
    state.plan = [{"id": "r1", "maal": CANARY, "fokus": "", "tid": None, "roller": ""}]
    conversations.save(TERMINAL_CHAT_ID, state)
    out: list[str] = []
    written: list[Path] = []

    def write(text: str) -> None:
        out.append(text)
        if text.startswith("→ "):
            path = Path(text[2:])
            assert oct(path.stat().st_mode & 0o777) == "0o600"
            assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
            assert data not in path.parents
            written.append(path)

    def number(label: str) -> str:
        for line in reversed(out):
            found = re.search(r"\[(\d+)\] [^\[]*" + re.escape(label), line)
            if found:
                return found.group(1) + "\n"
        raise AssertionError(f"no option {label!r}")

    def first() -> Iterator[str]:
        yield "/eksport\n"
        yield number("PDF")
        assert written[-1].exists()
        yield "/mine_data\n"
        assert any('"chat_id": 1' in text and CANARY in text for text in out)  # printed
        yield "/quit\n"

    def second() -> Iterator[str]:
        yield "/eksport\n"
        yield number("PDF")
        assert written[-1].exists()
        yield "/slet\n"
        yield number("Ja, slet alt")
        assert not written[-1].exists()  # gone with the chat's data, while the chat runs
        yield "/menu\n"

    chat(conversations, first(), write=write, export_dir=legacy)
    assert len(written) == 1 and not written[0].exists()  # removed when the chat ended
    assert not legacy.exists()  # the older version's files are removed at the start
    chat(conversations, second(), write=write, export_dir=legacy)
    assert len(written) == 2 and list(temp.iterdir()) == []
    nudges.close(), store.close()
    assert all(CANARY.encode() not in data for _, data in all_bytes(tmp_path))


def test_a_group_that_becomes_a_supergroup_stays_in_its_members_lists(
    stores: Conversations,
) -> None:
    eva_in_a_board(stores)
    new = GROUP - 1
    stores.migrate(GROUP, new)
    assert memberindex.groups_of(stores.store, EVA) == [new]
    assert memberindex.groups_of(stores.store, ANNA) == [new]
    stores.erase(new)
    assert index_keys(stores) == []


def test_a_damaged_index_entry_never_blocks_slet_or_grupper(library: Library) -> None:
    from storage import MemoryStore

    store = MemoryStore()
    conversations = Conversations(library, store)
    conversations.save(GROUP, ChatState(settings={"title": "B"}))
    remember_member(conversations, EVA, GROUP)
    secret = memberindex._secret(store, create=False)
    assert secret is not None
    store.plant(memberindex.user_key(secret, EVA), "garbage, not ciphertext")
    assert memberindex.groups_of(store, EVA) == []  # read as empty, set aside for the operator
    assert store.damaged_count() == 1
    conversations.erase(EVA)
    conversations.erase(GROUP)
    assert index_keys(conversations) == []


def test_a_damaged_index_secret_starts_the_index_afresh(library: Library) -> None:
    from storage import MemoryStore

    store = MemoryStore()
    conversations = Conversations(library, store)
    conversations.save(GROUP, ChatState(settings={"title": "B"}))
    remember_member(conversations, EVA, GROUP)
    store.plant(memberindex.SECRET_KEY, "garbage")
    memberindex._secrets.pop(store, None)  # as after a restart
    assert memberindex.groups_of(store, EVA) == []
    assert index_keys(conversations) == []  # lists no one could find any more are gone
    remember_member(conversations, EVA, GROUP)
    assert memberindex.groups_of(store, EVA) == [GROUP]


def test_my_data_is_produced_even_when_the_chats_state_is_unreadable(library: Library) -> None:
    from storage import MemoryStore

    store = MemoryStore()
    conversations = Conversations(library, store)
    conversations.save(GROUP, ChatState(settings={"title": "B"}))
    remember_member(conversations, EVA, GROUP)
    store.plant(chat_key(EVA), "garbage, not ciphertext")
    data = json.loads(conversations.export(EVA, "json")[1])
    assert data["state"] is None and data["state_unreadable"] is True
    assert [g["group_id"] for g in data["groups"]] == [GROUP]
