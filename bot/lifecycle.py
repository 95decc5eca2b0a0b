"""The life of a chat's data outside a turn: deactivation, erasure, and group migration."""

from __future__ import annotations

import contextlib
import hashlib
import logging

from bot import memberindex
from bot.chats import ALIASES_KEY, SEEN_FOR, ChatStore, chat_key, has_content
from dialogues import ChatState
from dialogues.state import DamagedState, JsonObject
from storage import DamagedValue
from storage.nudges import NudgeRow

log = logging.getLogger("inklusionsguiden.turn")
ERASE_AT_ONCE = "1970-01-01T00:00:00+00:00"  # due before anything: an interrupted erase


class ChatLifecycle(ChatStore):
    """Stops, erases and moves chats; every step keeps the reminders in line."""

    def deactivate(self, chat_id: int) -> None:
        """The bot can no longer write to the chat (blocked, removed): stop its reminders.

        The data stays until the user deletes it or the retention period ends, so the
        retention nudges are kept; everything else is dropped by the sync.
        """
        with self.atomic(chat_id):
            try:
                state = self.load(chat_id)
            except (DamagedValue, DamagedState):  # kept as stored: nothing is written over it
                log.warning("inactive chat not marked chat=%s: its data is damaged", chat_id)
                return
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
            if new is None or not _has_content(new):
                self.store.put(chat_key(new_id), old)
            else:
                log.warning("migration kept the new group's own data old=%s new=%s", old_id, new_id)
            memberindex.move_group(self.store, old_id, new_id)  # members' /grupper lists follow
            self.erase(old_id)
        self.aliases[old_id] = new_id
        self.store.put(ALIASES_KEY, {str(k): v for k, v in self.aliases.items()})
        if old is not None:
            with contextlib.suppress(DamagedState):  # a damaged state plans no reminders
                self.sync_nudges(new_id, self.load(new_id))
        log.info("chat migrated old=%s new=%s", old_id, new_id)


def _has_content(stored: JsonObject) -> bool:
    """Tell whether a stored state holds anything (a damaged one is kept as if it did)."""
    try:
        return has_content(ChatState.from_dict(stored))
    except DamagedState:
        return True
