"""Exports of a chat: its plan as a document, and all its data as JSON (/mine_data)."""

from __future__ import annotations

import contextlib
import json

from bot import memberindex
from bot.chats import ChatStore, chat_key
from dialogues import ChatState
from dialogues.documents.build import build_document
from dialogues.documents.formats import filename, render
from dialogues.state import DamagedState
from storage import DamagedValue


class DataExports(ChatStore):
    """Hands a chat its plan in a format, or everything stored about it."""

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
            stem = self.library.get(self._lang_of(state)).text("file_data")
            return f"{stem}-{chat_id}-{now:%Y-%m-%d}.json", body
        assert state is not None
        doc = build_document(self.library.get(state.lang), state, now, self.library.tz)
        return filename(doc, fmt), render(doc, fmt, calendar_id=str(chat_id))

    def _groups_of(self, user_id: int) -> list[dict[str, object]]:
        """Return the groups a person took part in, each with what they wrote there."""
        found: list[dict[str, object]] = []
        for group_id in memberindex.groups_of(self.store, user_id):
            try:
                group = self.load(group_id)
            except (DamagedValue, DamagedState):  # the group's data is not served: say so
                found.append({"group_id": group_id, "state_unreadable": True})
                continue
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
