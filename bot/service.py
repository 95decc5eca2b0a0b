"""The turn loop shared by every adapter: load state, step, save durably, then reply."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import weakref
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

from bot import memberindex
from dialogues import ChatState, Event, Library, Reply, parse_command, step
from dialogues.exporters import filename, render
from dialogues.nudges import Nudge, wanted
from dialogues.safe import safe_step
from dialogues.state import POSTS_LIMIT, SEEN_LIMIT
from dialogues.wholeplan import build_document
from storage import DamagedValue, Store
from storage.nudges import NudgeRow, NudgeStore

log = logging.getLogger("inklusionsguiden.turn")
ERASE_AT_ONCE = "1970-01-01T00:00:00+00:00"  # due before anything: an interrupted erase
ALIASES_KEY = "migrations"  # old group id -> the supergroup it became
# Telegram keeps an update for at most 24 hours, so a redelivery comes within that time;
# ids older than this may come again by chance (after a quiet week ids restart at random).
SEEN_FOR = timedelta(hours=48)


def chat_key(chat_id: int) -> str:
    """Return the storage key of a chat's state."""
    return f"chat:{chat_id}"


def utcnow() -> datetime:
    """Return the current time, timezone-aware."""
    return datetime.now(UTC)


def seen(state: ChatState, event: Event) -> bool:
    """Tell whether this update was handled already (Telegram delivered it again).

    Only ids from the last SEEN_FOR count: an older one seen again is a new update whose id
    Telegram happened to choose again after a quiet week.
    """
    horizon = (event.at - SEEN_FOR).isoformat()
    return any(
        entry[0] == event.update_id and isinstance(entry[1], str) and entry[1] >= horizon
        for entry in state.seen_updates
    )


def _seen_safely(state: ChatState, event: Event) -> bool:
    try:
        return seen(state, event)
    except Exception:
        return False


def note_update(state: ChatState, event: Event) -> None:
    """Remember the update's id for a while, forgetting old ones (ids do not only grow)."""
    if not event.update_id:
        return
    horizon = (event.at - SEEN_FOR).isoformat()
    kept = [e for e in state.seen_updates if isinstance(e[1], str) and e[1] >= horizon]
    latest: list[int | str] = [event.update_id, event.at.isoformat()]
    state.seen_updates = [*kept, latest][-SEEN_LIMIT:]


def has_content(state: ChatState) -> bool:
    """Tell whether a chat holds anything people wrote or decided (not only a menu visit)."""
    return bool(state.answers or state.plan or state.checklists)


def to_row(nudge: Nudge) -> NudgeRow:
    """Turn the engine's nudge into a storage row."""
    return NudgeRow(nudge.id, nudge.chat_id, nudge.kind, nudge.ref, nudge.due.isoformat())


class Conversations:
    """Runs turns for many chats; a chat's turns run one at a time, in order."""

    def __init__(
        self,
        library: Library,
        store: Store,
        clock: Callable[[], datetime] = utcnow,
        nudges: NudgeStore | None = None,
    ) -> None:
        self.library = library
        self.store = store
        self.clock = clock
        self.nudges = nudges
        self._synced: dict[int, frozenset[str]] = {}  # per chat: the nudge ids last synced
        # A store several processes write (PostgreSQL) cannot trust what this one last wrote.
        self._shared = bool(getattr(store, "shared", False))
        # Weak values: a chat's lock lives only while a turn holds or awaits it.
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        # Old group id -> the supergroup it became (kept in memory: locks must not wait on I/O)
        stored = store.get(ALIASES_KEY) or {}
        self.aliases: dict[int, int] = {int(k): int(v) for k, v in stored.items()}

    def atomic(self, *chat_ids: int) -> contextlib.AbstractContextManager[None]:
        """One transaction holding these chats' locks across processes, where the store has
        them (PostgreSQL: storage/postgres/); the embedded store needs none (one process)."""
        session = getattr(self.store, "session", None)
        return session(*chat_ids) if session is not None else contextlib.nullcontext()

    def load(self, chat_id: int) -> ChatState:
        """Return the chat's stored state (a fresh one for a new chat)."""
        return ChatState.from_dict(self.store.get(chat_key(chat_id)))

    def save(self, chat_id: int, state: ChatState) -> None:
        """Commit a chat's state, then bring its nudges in line with it."""
        rows = self.wanted_rows(chat_id, state)  # before the write: all or nothing
        self.store.put(chat_key(chat_id), state.to_dict())
        self._sync_rows(chat_id, rows)

    def deactivate(self, chat_id: int) -> None:
        """The bot can no longer write to the chat (blocked, removed): stop its reminders.

        The data stays until the user deletes it or the retention period ends, so the
        retention nudges are kept; everything else is dropped by the sync.
        """
        with self.atomic(chat_id):
            state = self.load(chat_id)
            state.settings["inactive"] = True
            self.save(chat_id, state)

    def erase(self, chat_id: int) -> None:
        """Delete everything stored about a chat, for real (no soft delete).

        That is its state, its reminders, and its side of the member index: a person's list
        of groups (private chat) or a group's list of members, and the group in each of
        their lists. Crash-safe order: first the chat's reminders are replaced by one purge,
        due at once, in one transaction; then the index; then the state (erased, and the WAL
        checkpointed, so its bytes are overwritten); then the reminders go. After a crash
        anywhere in between, the sender's next tick finds the purge and runs this again.
        """
        with self.atomic(chat_id):
            self._erase(chat_id)

    def _erase(self, chat_id: int) -> None:
        self._synced.pop(chat_id, None)
        if self.nudges is not None:
            now = self.clock().isoformat()
            tag = hashlib.sha256(f"erase:{chat_id}:{now}".encode()).hexdigest()[:16]
            purge = NudgeRow(tag, chat_id, "purge", "x:erase", ERASE_AT_ONCE)
            self.nudges.sync(chat_id, [purge], now)  # drops the others not yet due
        memberindex.forget_chat(self.store, chat_id)
        self.store.erase(chat_key(chat_id))
        if self.nudges is not None:
            self.nudges.delete_chat(chat_id)
        log.info("chat erased chat=%s", chat_id)

    def expire_later(self, chat_id: int) -> None:
        """Purge what /slet keeps (the ids of the last updates) once no redelivery can come.

        Without this the chat's key, and so a private chat's Telegram id, would stay in the
        file for good. The purge is an ordinary reminder row: the sender erases the chat.
        """
        if self.nudges is None:
            return
        now = self.clock()
        tag = hashlib.sha256(f"expire:{chat_id}:{now.isoformat()}".encode()).hexdigest()[:16]
        row = NudgeRow(tag, chat_id, "purge", "x:expire", (now + SEEN_FOR).isoformat())
        self.nudges.sync(chat_id, [row], now.isoformat())

    def migrate(self, old_id: int, new_id: int) -> None:
        """Move a group's data to its new id (the group became a supergroup).

        Telegram announces it twice (`migrate_to_chat_id` in the old group,
        `migrate_from_chat_id` in the new one), in an order the docs do not promise, and the
        new supergroup may even be heard from first. Whichever comes first moves the data;
        the second finds nothing left to move. The old id is remembered as an alias, so a
        late update from the old group lands under the new id instead of starting afresh.
        Callers hold the locks of both ids.
        """
        if old_id == new_id or self.aliases.get(old_id) == new_id:
            return
        with self.atomic(old_id, new_id):
            self._migrate(old_id, new_id)

    def _migrate(self, old_id: int, new_id: int) -> None:
        old = self.store.get(chat_key(old_id))
        if old is not None:
            new = self.store.get(chat_key(new_id))
            if new is None or not has_content(ChatState.from_dict(new)):
                self.store.put(chat_key(new_id), old)
            else:
                log.warning("migration kept the new group's own data old=%s new=%s", old_id, new_id)
            memberindex.move_group(self.store, old_id, new_id)  # members' /grupper lists follow
            self.erase(old_id)
        self.aliases[old_id] = new_id
        self.store.put(ALIASES_KEY, {str(k): v for k, v in self.aliases.items()})
        if old is not None:
            self.sync_nudges(new_id, self.load(new_id))
        log.info("chat migrated old=%s new=%s", old_id, new_id)

    def sync_nudges(self, chat_id: int, state: ChatState) -> None:
        """Store the nudges the state calls for; drop future ones it no longer does."""
        self._sync_rows(chat_id, self.wanted_rows(chat_id, state))

    def wanted_rows(self, chat_id: int, state: ChatState) -> list[NudgeRow] | None:
        """Return the nudge rows the state calls for (None without a nudge store)."""
        if self.nudges is None:
            return None
        content = self.library.get(state.lang)
        retention = int(self.library.operator.get("retention_days") or 0) or None
        return [to_row(n) for n in wanted(content, state, chat_id, self.clock(), retention)]

    def _sync_rows(self, chat_id: int, rows: list[NudgeRow] | None) -> None:
        if self.nudges is None or rows is None:
            return
        ids = frozenset(r.id for r in rows)
        if not self._shared and self._synced.get(chat_id) == ids:
            return  # nothing changed since this process last synced the chat: no write
        self.nudges.sync(chat_id, rows, self.clock().isoformat())
        self._synced[chat_id] = ids

    def handle(self, event: Event) -> list[Reply]:
        """Run one turn synchronously: the new state is committed before this returns.

        The caller holds the chat's lock (see `locked`). A turn is all or nothing: when
        anything in it raises (the engine, rendering, planning reminders), nothing of it is
        stored; the chat's data rights and menu are then served by the safe path, which does
        not depend on the stored state being sound, and the error is logged with ids only.
        With a shared store the turn is one transaction holding the chat's lock across
        processes (see `atomic`).
        """
        with self.atomic(event.chat_id):
            return self._handle(event)

    def _handle(self, event: Event) -> list[Reply]:
        try:
            raw = self.store.get(chat_key(event.chat_id))
        except DamagedValue:
            return self._damaged(event)
        try:
            state = ChatState.from_dict(raw)
        except Exception as exc:
            return self._safe_turn(raw, event, exc)
        if event.update_id and _seen_safely(state, event):
            log.info(
                "duplicate update dropped chat=%s update_id=%s", event.chat_id, event.update_id
            )
            return []
        try:
            note_update(state, event)
            state.settings.pop("inactive", None)  # the user is here: the chat is active again
            if event.in_group and event.thread_id:
                state.settings["thread_id"] = event.thread_id  # reminders go to the board's topic
            new_state, replies = step(self.library, state, event)
            rows = None if new_state is None else self.wanted_rows(event.chat_id, new_state)
        except Exception as exc:
            return self._safe_turn(raw, event, exc)
        self._commit(event, state, new_state, rows)
        log.info("turn chat=%s kind=%s replies=%d", event.chat_id, event.kind, len(replies))
        return replies

    def _commit(
        self,
        event: Event,
        before: ChatState,
        new_state: ChatState | None,
        rows: list[NudgeRow] | None,
    ) -> None:
        """Store a turn's outcome: the new state and its reminders, or the erasure (/slet)."""
        if new_state is None:
            self.erase(event.chat_id)
            if event.update_id:
                # Only the update ids survive, so that Telegram redelivering this very press
                # after a crash is recognised and dropped; nothing the users wrote is kept.
                kept = ChatState(seen_updates=before.seen_updates)
                self.store.put(chat_key(event.chat_id), kept.to_dict())
                self.expire_later(event.chat_id)
        else:
            self.store.put(chat_key(event.chat_id), new_state.to_dict())
            self._sync_rows(event.chat_id, rows)

    def _safe_turn(self, raw: object, event: Event, error: Exception) -> list[Reply]:
        """A turn that raised: answer on the safe path (data rights, menu, an apology).

        Nothing of the failed turn is kept; what the safe path answers is committed like any
        turn (its repaired state, or the erasure after a confirmed /slet).
        """
        log.error(
            "turn failed chat=%s update_id=%s kind=%s error=%s; answered on the safe path",
            event.chat_id,
            event.update_id,
            event.kind,
            type(error).__name__,
        )
        try:
            new_state, replies = safe_step(self.library, raw, event)
            if new_state is not None:
                note_update(new_state, event)
            try:
                rows = None if new_state is None else self.wanted_rows(event.chat_id, new_state)
            except Exception:
                rows = None
            before = new_state if new_state is not None else ChatState()
            if new_state is None:
                note_update(before, event)
            self._commit(event, before, new_state, rows)
            return replies
        except Exception as exc:
            log.error("safe path failed chat=%s error=%s", event.chat_id, type(exc).__name__)
            return [Reply(text=self.library.get(None).text("turn_failed"))]

    def _damaged(self, event: Event) -> list[Reply]:
        """The chat's stored data cannot be decrypted or decoded: say so, offer a new start.

        /start (or /slet) sets the damaged data aside, kept for the operator and never served,
        and the chat begins anew; anything else only explains.
        """
        log.error("chat data damaged chat=%s update_id=%s", event.chat_id, event.update_id)
        content = self.library.get(self.library.pick(event.user_lang))
        command = parse_command(event.text) if event.kind == "command" else None
        if command is None or command[0] not in ("start", "slet", "delete"):
            return [Reply(text=content.text("data_damaged"))]
        self.store.set_aside(chat_key(event.chat_id))
        return [Reply(text=content.text("data_set_aside")), *self.handle(event)]

    async def handle_async(self, event: Event) -> list[Reply]:
        """Run one turn off the event loop; the caller holds the chat's lock."""
        return await asyncio.to_thread(self.handle, event)

    def resolve(self, chat_id: int) -> int:
        """Return the id a chat's data lives under (a group that became a supergroup moved)."""
        return self.aliases.get(chat_id, chat_id)

    def lock(self, chat_id: int) -> asyncio.Lock:
        """Return the lock that keeps one chat's turns (and nudges) in order."""
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        return lock

    @contextlib.asynccontextmanager
    async def locked(self, *chat_ids: int) -> AsyncIterator[None]:
        """Hold the locks of these chats (by the id their data lives under), in a fixed order.

        Only a migration holds two; taking them sorted keeps two holders from waiting on each
        other. If a chat moved while we waited, the locks are taken again for its new id.
        """
        while True:
            ids = sorted({self.resolve(c) for c in chat_ids})
            async with contextlib.AsyncExitStack() as stack:
                for chat_id in ids:
                    await stack.enter_async_context(self.lock(chat_id))
                if ids == sorted({self.resolve(c) for c in chat_ids}):
                    yield
                    return

    def remember_posts(self, chat_id: int, posts: list[tuple[int, str]]) -> None:
        """Note what the bot's new messages in a group show, by message id (a small write)."""
        with self.atomic(chat_id):
            try:
                state = self.load(chat_id)
            except Exception as exc:
                log.warning("posts not remembered chat=%s error=%s", chat_id, type(exc).__name__)
                return
            for message_id, tag in posts:
                state.posts[str(message_id)] = tag
            state.posts = dict(list(state.posts.items())[-POSTS_LIMIT:])
            self.store.put(chat_key(chat_id), state.to_dict())

    def _lang_of(self, state: ChatState | None) -> str:
        """Return the chat's language, the default one when it has none (or is unreadable)."""
        lang = state.lang if state is not None else None
        return lang if lang in self.library.languages else self.library.default

    def export(self, chat_id: int, fmt: str) -> tuple[str, bytes]:
        """Return (file name, bytes) of the chat's plan in `fmt`, or of all its data as JSON.

        The JSON (/mine_data) is produced even when the chat's stored state cannot be read:
        it then says so, and still lists the reminders and, privately, the person's groups.
        """
        raw: object = None
        try:
            state: ChatState | None = self.load(chat_id)
        except Exception:
            if fmt != "json":
                raise
            state = None
            with contextlib.suppress(Exception):  # decodable but not a sound state: as stored
                raw = self.store.get(chat_key(chat_id))
        now = self.clock()
        if fmt == "json":
            data = {
                "chat_id": chat_id,
                "exported_at": now.isoformat(),
                "state": state.to_dict() if state else raw,
                "state_unreadable": state is None and raw is None,
                "pending_nudges": [
                    {"kind": n.kind, "about": n.ref, "due": n.due}
                    for n in (self.nudges.pending(chat_id) if self.nudges else [])
                ],
            }
            if chat_id > 0:  # a private chat's id is the person's: their groups, and words
                data["groups"] = self._groups_of(chat_id)
            body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
            stem = (
                "inclusion-guide-data" if self._lang_of(state) == "en" else "inklusionsguiden-data"
            )
            return f"{stem}-{chat_id}-{now:%Y-%m-%d}.json", body
        assert state is not None
        doc = build_document(self.library.get(state.lang), state, now)
        return filename(doc, fmt), render(doc, fmt, calendar_id=str(chat_id))

    def _groups_of(self, user_id: int) -> list[dict[str, object]]:
        """Return the groups a person took part in, each with what they wrote there."""
        found: list[dict[str, object]] = []
        for group_id in memberindex.groups_of(self.store, user_id):
            group = self.load(group_id)
            mine = {k: a for k, a in group.answers.items() if _by(a) == user_id}
            rows = [row for row in group.plan if _by(row) == user_id]
            found.append(
                {
                    "group_id": group_id,
                    "title": group.settings.get("title") or "",
                    "your_answers": mine,
                    "your_plan_rows": rows,
                }
            )
        return found


def _by(record: object) -> object:
    """Return the Telegram id of whoever wrote a stored answer or plan row."""
    by = record.get("by") if isinstance(record, dict) else None
    return by.get("id") if isinstance(by, dict) else None
