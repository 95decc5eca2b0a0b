"""The turn loop shared by every adapter: load state, step, save durably, then reply."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from bot.chats import SEEN_FOR, chat_key, utcnow
from bot.datarights import DataExports
from bot.lifecycle import ChatLifecycle
from dialogues import ChatState, Event, Library, Reply, parse_command, step
from dialogues.registry import REGISTRY
from dialogues.rules import permitted
from dialogues.safe import safe_step
from dialogues.screens.privacy import GLOBAL
from dialogues.state import POSTS_LIMIT, SEEN_LIMIT, DamagedState
from storage import DamagedValue, Store
from storage.nudges import NudgeRow, NudgeStore

log = logging.getLogger("inklusionsguiden.turn")


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


def data_right(event: Event) -> str:
    """Return which of /start and the data rights an event asks for ('' for none): a command
    in either language, or a button of the privacy notice."""
    if event.kind == "button":
        prefix, _, name = event.data.partition(":")
        wishes = {"mydata": "mine_data", "privacy": "privatliv", "delete": "slet"}
        return wishes.get(name, "") if prefix == GLOBAL else ""
    parsed = parse_command(event.text) if event.kind == "command" else None
    command = REGISTRY.command(parsed[0]) if parsed else None
    return command.name if command else ""


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


class Conversations(ChatLifecycle, DataExports):
    """Runs turns for many chats; a chat's turns run one at a time, in order."""

    def __init__(
        self,
        library: Library,
        store: Store,
        clock: Callable[[], datetime] = utcnow,
        nudges: NudgeStore | None = None,
    ) -> None:
        super().__init__(library, store, clock, nudges)
        # Weak values: a chat's lock lives only while a turn holds or awaits it.
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

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
        except DamagedState as exc:
            return self._damaged(event, exc.fields)
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

    def _damaged(self, event: Event, fields: tuple[str, ...] = ()) -> list[Reply]:
        """The chat's stored data cannot be served: it cannot be decrypted or decoded, or
        `fields` are not of their types. It stays as stored, changed by nothing.

        /mine_data sends what is stored, /privatliv the notice; /start (or /slet) sets the
        data aside, kept for the operator and never served, and the chat begins anew (/slet
        then asks its confirmation), in a group only by an admin; anything else explains.
        """
        log.error(
            "chat data damaged chat=%s update_id=%s fields=%s",
            event.chat_id,
            event.update_id,
            ",".join(fields) or "-",
        )
        if event.in_group and not event.reply_to_bot and event.kind in ("text", "media"):
            return []  # table talk: as on every path, the bot stays quiet
        content = self.library.get(self.library.pick(event.user_lang))
        wish = data_right(event)
        if wish in ("mine_data", "privatliv"):
            return safe_step(self.library, None, event)[1]  # from the content; nothing stored
        if wish not in ("start", "slet"):
            return [Reply(text=content.text("data_damaged"))]
        if not permitted(event, "restart" if wish == "start" else "delete_all"):
            return [Reply(text=content.text("admins_only"))]
        unsound = f"fields of the wrong type: {', '.join(fields)}" if fields else ""
        self.store.set_aside(chat_key(event.chat_id), unsound)
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
