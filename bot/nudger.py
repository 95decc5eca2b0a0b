"""Sends the nudges that are due: once each, outside quiet hours, within Telegram's limits.

The scheduler keeps no state of its own: every tick asks storage for what is due (an indexed
query, so its cost follows what is due, not the number of chats). A restart therefore loses
nothing, and a nudge that fell due while the bot was down goes out at the first tick.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import datetime, timedelta, tzinfo

from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.outbox import Outbox, Where
from bot.sending import TelegramOutbox
from bot.service import Conversations
from dialogues.events import Reply
from dialogues.parts import app_row, rows
from dialogues.reminders import messages
from dialogues.reminders.planner import Nudge, deadlines, in_quiet_hours, switched_off, week_of
from dialogues.state import ChatState, DamagedState
from storage import DamagedValue
from storage.nudges import NudgeRow

log = logging.getLogger("inklusionsguiden.nudges")
TICK_SECONDS = 30
BATCH = 200
RETRY_LATER = timedelta(hours=1)  # a reminder that failed before anything was sent
# reminders that carry "Åbn planen" when the Mini App is set: a week's deadlines, an old
# single item's, a meeting's
APP_KINDS = ("week", "heads_up", "due", "meeting")


STORED_BEFORE_WEEKS = ("heads_up", "due")  # one item's reminder, from before weeks were grouped
GONE = ("chat not found", "user is deactivated", "bot was kicked", "group chat was deactivated")


def gone(error: BadRequest) -> bool:
    """Tell whether Telegram says the chat can no longer be written to (not a passing fault)."""
    return any(reason in str(error).lower() for reason in GONE)


class Nudger:
    """One tick sends every due nudge (up to a batch); the rate limiter paces the sending."""

    def __init__(
        self, conversations: Conversations, tz: tzinfo | None = None, outbox: Outbox | None = None
    ) -> None:
        assert conversations.nudges is not None
        self.conversations = conversations
        self.outbox = outbox  # None: Telegram's, through the bot each tick is given
        self.nudges = conversations.nudges
        self.tz = conversations.library.tz if tz is None else tz  # the library's, by default

    async def tick(self, bot: object) -> int:
        """Send what is due now; return how many nudges went out."""
        now = self.conversations.clock()
        # No message at night, but an erasure does not wait for the morning.
        only = "purge" if in_quiet_hours(now, self.tz) else None
        rows = await asyncio.to_thread(self.nudges.due, now.isoformat(), BATCH, only)
        sent = 0
        for row in rows:
            async with self.conversations.locked(row.chat_id):
                try:
                    sent += await self._send_one(bot, row, now)
                except Exception as exc:
                    log.error(
                        "nudge failed chat=%s kind=%s error=%s",
                        row.chat_id,
                        row.kind,
                        type(exc).__name__,
                    )
        if rows:
            log.info("nudge tick due=%d sent=%d", len(rows), sent)
        return sent

    async def _send_one(self, bot: object, row: NudgeRow, now: datetime) -> int:
        if row.kind == "purge":
            return await self._purge(row)
        try:
            prepared = await self._prepare(row, now)
        except (DamagedValue, DamagedState):
            # Data that cannot be read reminds of nothing: the nudge is claimed, so it is not
            # tried again every minute (nor crowds out other chats' nudges); /start sets the
            # data aside and plans the chat's reminders anew.
            if await asyncio.to_thread(self.nudges.claim, row.id):
                log.warning("nudge dropped chat=%s kind=%s reason=damaged", row.chat_id, row.kind)
            return 0
        except Exception as exc:
            # A fault of ours in one chat's reminder (nothing was sent): it is tried again in
            # an hour, so it neither fills the log every minute nor holds back the others.
            later = (now + RETRY_LATER).isoformat()
            await asyncio.to_thread(self.nudges.defer, row.id, later)
            log.error(
                "nudge failed chat=%s kind=%s error=%s retry=%s",
                row.chat_id,
                row.kind,
                type(exc).__name__,
                later,
            )
            return 0
        if prepared is None:
            return 0
        state, reply = prepared
        if not await asyncio.to_thread(self.nudges.claim, row.id) or reply is None:
            return 0  # already sent, or nothing left to remind of: claimed so it stays quiet
        thread = state.settings.get("thread_id")
        where = Where(row.chat_id, thread if isinstance(thread, int) else 0)
        try:
            outbox = self.outbox or TelegramOutbox(self.conversations, lambda: bot)
            await outbox.send(where, [reply])
        except (Forbidden, BadRequest) as exc:
            if isinstance(exc, BadRequest) and not gone(exc):
                raise
            # Blocked, kicked, the chat or the user gone: stop writing there; the run goes on.
            await asyncio.to_thread(self.conversations.deactivate, row.chat_id)
            log.info("chat inactive chat=%s reason=%s", row.chat_id, type(exc).__name__)
            return 0
        except RetryAfter as exc:
            wait = (
                exc.retry_after
                if isinstance(exc.retry_after, timedelta)
                else timedelta(seconds=float(exc.retry_after))
            )
            await asyncio.to_thread(self.nudges.defer, row.id, (now + wait).isoformat())
            log.warning("nudge deferred chat=%s retry_after=%s", row.chat_id, wait)
            return 0
        log.info("nudge sent chat=%s kind=%s", row.chat_id, row.kind)
        return 1

    async def _prepare(self, row: NudgeRow, now: datetime) -> tuple[ChatState, Reply | None] | None:
        """Load the chat and render its reminder (None for the reply: nothing to say); None
        when the week's message took it over (claimed here)."""
        state = await asyncio.to_thread(self.conversations.load, row.chat_id)
        nudge = Nudge(row.chat_id, row.kind, row.ref, datetime.fromisoformat(row.due))
        off = switched_off(state)
        muted = nudge.category != "retention" and (
            state.settings.get("inactive") or state.settings.get("nudges_off_all")
        )
        content = self.conversations.library.get(state.lang)
        if row.kind in STORED_BEFORE_WEEKS and await self._before_weeks(row, state, now):
            await asyncio.to_thread(self.nudges.claim, row.id)  # the week's message has it
            return None
        reply = (
            None
            if muted or nudge.category in off
            else messages.render(content, state, nudge, now, self.tz)
        )
        if reply is not None and nudge.kind in APP_KINDS:  # the item or meeting, in the page
            app = app_row(self.conversations.library.operator, content.text("btn_open_plan"))
            reply = dataclasses.replace(reply, buttons=rows(*reply.buttons, app))
        return state, reply

    async def _before_weeks(self, row: NudgeRow, state: ChatState, now: datetime) -> bool:
        """A reminder of one item stored before a week's deadlines were grouped: plan the
        chat's reminders anew (its week messages replace the old ones still ahead), and
        claim the item's other old reminders already due, so the item comes once.

        Return True when the item's week message is still to be sent (it names the item,
        so this old reminder is dropped); False when it must go out itself, once."""
        await asyncio.to_thread(self.conversations.sync_nudges, row.chat_id, state)
        content = self.conversations.library.get(state.lang)
        day = dict(deadlines(content, state)).get(row.ref)
        week = f"w:{week_of(day).isoformat()}" if day is not None else None
        covered = False
        for other in await asyncio.to_thread(self.nudges.pending, row.chat_id):
            same = other.kind in STORED_BEFORE_WEEKS and other.ref == row.ref
            if same and other.id != row.id and other.due <= now.isoformat():
                await asyncio.to_thread(self.nudges.claim, other.id)
            covered = covered or (other.kind == "week" and other.ref == week)
        return covered

    async def _purge(self, row: NudgeRow) -> int:
        """Erase a chat whose data outlived the retention period (no message is sent)."""
        if await asyncio.to_thread(self.nudges.claim, row.id):
            await asyncio.to_thread(self.conversations.erase, row.chat_id)
            log.info("chat purged chat=%s reason=retention", row.chat_id)
        return 0
