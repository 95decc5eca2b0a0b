"""The Mini App's JSON API: the plans a user may open, one plan, and one change to it.

A change goes the way a press in the chat goes: parsed into a bounded value
(dialogues/miniapp/change.py) before anything else, then an Event of kind "app" through
`Conversations.handle` under the chat's lock (the engine checks it again, applies it and
commits before anything is answered; reminders follow on commit), then the one-line notice
to a group through the bot's normal reply path, then the plan as it now is.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING

from telegram.error import TelegramError

from bot.outbox import Where
from bot.webapp.access import (
    Denied,
    Opened,
    WebApp,
    chat_param,
    load,
    open_plan,
    plans_of,
    reader_lang,
    start_chat,
)
from bot.webapp.auth import WebUser
from dialogues import ChatState, Event, Reply
from dialogues.miniapp.change import Change, Refusal, parse
from dialogues.miniapp.view import Reader, build, languages, page_texts

if TYPE_CHECKING:
    from bot.webapp.server import MiniApp

log = logging.getLogger("inklusionsguiden.webapp")
STATUS = {"ok": 200, "created": 201, "replayed": 409, "not_admin": 403}


async def get(handler: MiniApp, route: str, user: WebUser) -> None:
    """GET /app/api/plans or /app/api/plan?chat=<id>."""
    app = handler.webapp
    own = await load(app, user.id)
    handler.lang = reader_lang(app, user, own)
    if not asked_lang(handler):
        return
    if route == "/api/plans":
        plans = await plans_of(app, user)
        library = app.conversations.library
        content = library.get(handler.lang)
        handler.send_json(
            {
                "lang": handler.lang,
                "languages": languages(library),
                "texts": page_texts(content),
                "user": {"id": user.id, "name": user.first_name},
                "plans": [
                    {
                        "chat": str(p.chat_id),
                        "title": p.title or content.text("app_my_plan"),
                        "kind": "group" if p.in_group else "private",
                        "admin": p.admin,
                    }
                    for p in plans
                ],
                "start": start_chat(user, plans),
            }
        )
        return
    chat_id = chat_param(handler.get_query_argument("chat", ""))
    if chat_id is None:
        handler.fail(400, "bad_value", "chat")
        return
    try:
        opened = await open_plan(app, user, chat_id)
    except Denied as exc:
        handler.fail(exc.status, exc.code)
        return
    handler.send_json(view(handler, user, opened, opened.state))


def asked_lang(handler: MiniApp) -> bool:
    """Take the page's `?lang=<code>` (the language it shows; one the content has) over the
    chat's; refuse any other value with 400. Return False when refused."""
    asked = handler.get_query_argument("lang", None)
    if asked is None:
        return True
    if asked not in handler.webapp.conversations.library.languages:
        handler.fail(400, "bad_value", "lang")
        return False
    handler.lang = asked
    return True


def view(handler: MiniApp, user: WebUser, opened: Opened, state: ChatState) -> dict[str, object]:
    """Return the plan's JSON for this reader."""
    app = handler.webapp
    content = app.conversations.library.get(handler.lang)
    title = opened.title or content.text("app_my_plan")
    reader = Reader(user.id, user.first_name, opened.admin, opened.in_group)
    at = app.conversations.clock()
    return build(content, state, opened.chat_id, title, reader, at, app.conversations.library.tz)


async def change(handler: MiniApp, user: WebUser) -> None:
    """POST /app/api/change: parse, check who may, hand to the engine, answer the plan."""
    app = handler.webapp
    handler.lang = reader_lang(app, user, await load(app, user.id))
    if not asked_lang(handler):
        return
    try:
        body = json.loads(handler.body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reason
        handler.fail(400, "bad_request")
        return
    parsed = parse(body, app.conversations.clock(), app.conversations.library.tz)
    if isinstance(parsed, Refusal):
        handler.fail(400, parsed.code, parsed.field)
        return
    if (parsed.chat, parsed.request_id) in app.seen:
        handler.fail(409, "replayed")
        return
    try:
        opened = await open_plan(app, user, parsed.chat)
    except Denied as exc:
        handler.fail(exc.status, exc.code)
        return
    outcome, state = await _apply(handler, user, opened, parsed)
    code, _, field = outcome.partition(":")
    if code in ("ok", "created"):
        app.seen.add((parsed.chat, parsed.request_id))
        handler.send_json(view(handler, user, opened, state), STATUS[code])
    elif code in STATUS:
        handler.fail(STATUS[code], code)
    elif code in ("bad_value", "bad_request"):
        handler.fail(400, code, field)
    else:
        handler.fail(500, "failed")


async def _apply(
    handler: MiniApp, user: WebUser, opened: Opened, parsed: Change
) -> tuple[str, ChatState]:
    """Run the change as a turn under the chat's lock; send the group its notice."""
    app = handler.webapp
    conversations, chat_id = app.conversations, opened.chat_id
    kind = (
        "private" if chat_id > 0 else ("supergroup" if str(chat_id).startswith("-100") else "group")
    )
    event = Event(
        chat_id=chat_id,
        user_id=user.id,
        user_name=user.first_name,
        kind="app",
        at=conversations.clock(),
        data=parsed.to_data(),
        chat_type=kind,
        user_lang=user.language_code,
        is_admin=opened.admin,
        user_handle=user.username,
    )
    async with conversations.locked(chat_id):
        replies = await conversations.handle_async(event)  # committed here
        state = await asyncio.to_thread(conversations.load, chat_id)
    outcome = next((r.outcome for r in replies if r.outcome), "")
    notices = [r for r in replies if not r.outcome]
    if notices and outcome in ("ok", "created"):  # never the safe path's words, say
        # sent after the answer: the page need not wait on a group's 20 messages a minute
        app.application.create_task(_tell(handler.webapp, chat_id, state, notices))
    log.info("webapp change chat=%s op=%s outcome=%s", chat_id, parsed.op, outcome or "none")
    return outcome, state


async def _tell(app: WebApp, chat_id: int, state: ChatState, replies: list[Reply]) -> None:
    """Post the group's notice the way every reply goes, in the chat's order (its lock); a
    failure to send does not undo the change."""
    thread = state.settings.get("thread_id")
    where = Where(chat_id, thread if isinstance(thread, int) else 0)
    try:
        async with app.conversations.locked(chat_id):
            await app.outbox.send(where, replies)
    except TelegramError as exc:
        log.info("webapp notice not sent chat=%s error=%s", chat_id, type(exc).__name__)
