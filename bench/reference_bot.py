"""The usual alternative, for comparison: recommendation 1 with PTB's ConversationHandler.

A few states, each asking the next question; answers kept in `context.user_data`, which
PicklePersistence writes to a pickle file every `update_interval` (60 s by default) and at
shutdown. So unlike our bot, a turn is *not* durable when its reply goes out: a crash loses
up to a minute of answers, and every write rewrites the whole file.

It reads the texts of content/da/anbefaling1.yaml and uses the same button labels as our
bot, so bench/common.SCRIPT walks it the same way: the deep link, five info pages, six
questions, five first steps (mark; planned ones ask who, then when).
"""

from __future__ import annotations

import html
import re
import warnings
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)
from telegram.warnings import PTBUserWarning

FLOW_FILE = Path(__file__).resolve().parent.parent / "content" / "da" / "anbefaling1.yaml"
INFO, QUESTION, MARK, WHO, WHEN, WHEN_TEXT = range(6)
GREETING = (
    "Hej! Jeg er <b>Inklusionsguiden</b>. Jeg stiller spørgsmål ét ad gangen og samler "
    "jeres svar til en handleplan."
)
WEEK = re.compile(r"uge\s*(\d{1,2})", re.IGNORECASE)


def _load(path: Path = FLOW_FILE) -> dict[str, Any]:
    """Info pages, questions, first steps and summary text of the flow, in walking order."""
    flow = yaml.safe_load(path.read_text(encoding="utf-8"))
    nodes = {n["id"]: n for n in flow["nodes"]}
    ordered, node_id = [], flow["start"]
    while node_id in nodes:
        ordered.append(nodes[node_id])
        node_id = nodes[node_id].get("next", "")
    return {
        "title": flow["title"],
        "pages": [n["text"].strip() for n in ordered if n["kind"] == "info"],
        "questions": [n for n in ordered if n["kind"] == "question"],
        "steps": next(n["items"] for n in ordered if n["kind"] == "checklist"),
        "summary": next(n["text"] for n in ordered if n["kind"] == "summary"),
    }


FLOW = _load()


def _keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


NEXT = _keyboard([("Videre ➡️", "next")])
SKIP = _keyboard([("Spring over", "skip")])
MARKS = _keyboard([("✅ Gjort", "done"), ("🗓 Planlæg", "plan"), ("➖ Ikke relevant", "na")])
WHENS = _keyboard(
    [("Denne uge", "w0"), ("Næste uge", "w1"), ("Om en måned", "m1")],
    [("Vælg uge eller dato", "wx")],
)


async def _send(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, markup: Any) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id, text, parse_mode=ParseMode.HTML, reply_markup=markup
    )


async def _answer(update: Update) -> str:
    query = update.callback_query
    assert query is not None
    await query.answer()
    return query.data or ""


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/start: greet, then the first info page."""
    data: dict[str, Any] = context.user_data  # type: ignore[assignment]
    data.update(page=0, question=0, item=0)
    data.setdefault("answers", {})
    data.setdefault("steps", {})
    await _send(update, context, GREETING, None)
    await _send(update, context, FLOW["pages"][0], NEXT)
    return INFO


async def next_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Videre: the next info page, after the last one the first question."""
    await _answer(update)
    data: dict[str, Any] = context.user_data  # type: ignore[assignment]
    data["page"] += 1
    if data["page"] < len(FLOW["pages"]):
        await _send(update, context, FLOW["pages"][data["page"]], NEXT)
        return INFO
    return await _ask(update, context)


async def _ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data: dict[str, Any] = context.user_data  # type: ignore[assignment]
    questions = FLOW["questions"]
    if data["question"] >= len(questions):
        return await _show_step(update, context)
    node = questions[data["question"]]
    text = f"<b>Spørgsmål {data['question'] + 1} af {len(questions)}</b>\n\n{node['text']}"
    if node.get("hint"):
        text += f"\n\n<i>{node['hint']}</i>"
    await _send(update, context, text, SKIP)
    return QUESTION


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A typed answer: keep it, ask the next question."""
    assert update.message is not None
    data: dict[str, Any] = context.user_data  # type: ignore[assignment]
    node = FLOW["questions"][data["question"]]
    data["answers"][node["id"]] = update.message.text or ""
    data["question"] += 1
    return await _ask(update, context)


async def skip(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Spring over: the next question without an answer."""
    await _answer(update)
    context.user_data["question"] += 1  # type: ignore[index]
    return await _ask(update, context)


async def _show_step(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data: dict[str, Any] = context.user_data  # type: ignore[assignment]
    steps = FLOW["steps"]
    if data["item"] >= len(steps):
        await _send(update, context, _summary(data), None)
        return ConversationHandler.END
    text = f"<b>Skridt {data['item'] + 1} af {len(steps)}</b>\n\n{steps[data['item']]['text']}"
    await _send(update, context, text, MARKS)
    return MARK


async def mark(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Gjort / Ikke relevant: record and go on; Planlæg: ask who."""
    choice = await _answer(update)
    data: dict[str, Any] = context.user_data  # type: ignore[assignment]
    item = FLOW["steps"][data["item"]]["id"]
    if choice == "plan":
        data["steps"][item] = {"status": "planned"}
        await _send(update, context, "Hvem står for det? Skriv et navn eller en rolle.", None)
        return WHO
    data["steps"][item] = {"status": choice}
    data["item"] += 1
    return await _show_step(update, context)


async def who(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The person: keep it, ask when."""
    assert update.message is not None
    data: dict[str, Any] = context.user_data  # type: ignore[assignment]
    data["steps"][FLOW["steps"][data["item"]]["id"]]["who"] = update.message.text or ""
    await _send(update, context, "Hvornår skal det være gjort?", WHENS)
    return WHEN


def _friday(day: date) -> date:
    return day + timedelta(days=4 - day.weekday())


async def when(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A week button, or Vælg uge eller dato: ask for it in writing."""
    choice = await _answer(update)
    if choice == "wx":
        await _send(update, context, "Skriv en uge (fx <i>uge 12</i>) eller en dato.", None)
        return WHEN_TEXT
    today = date.today()
    due = {"w0": _friday(today), "w1": _friday(today + timedelta(days=7))}.get(
        choice, today + timedelta(days=30)
    )
    return await _planned(update, context, due)


async def when_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A written week: `uge N` (this year or next); anything else is asked again."""
    assert update.message is not None
    found = WEEK.search(update.message.text or "")
    if found is None or not 1 <= int(found.group(1)) <= 52:
        await _send(update, context, "Det kunne jeg ikke læse. Skriv fx <i>uge 12</i>.", None)
        return WHEN_TEXT
    today = date.today()
    due = date.fromisocalendar(today.year, int(found.group(1)), 5)
    if due < today:
        due = date.fromisocalendar(today.year + 1, int(found.group(1)), 5)
    return await _planned(update, context, due)


async def _planned(update: Update, context: ContextTypes.DEFAULT_TYPE, due: date) -> int:
    data: dict[str, Any] = context.user_data  # type: ignore[assignment]
    data["steps"][FLOW["steps"][data["item"]]["id"]]["when"] = due.isoformat()
    data["item"] += 1
    return await _show_step(update, context)


def _summary(data: dict[str, Any]) -> str:
    lines = [f"<b>{FLOW['title']}</b>", FLOW["summary"], ""]
    for node in FLOW["questions"]:
        text = data["answers"].get(node["id"])
        lines.append(f"• {node['text']}\n  {html.escape(text) if text else '–'}")
    for item in FLOW["steps"]:
        step = data["steps"].get(item["id"], {})
        extra = f" – {html.escape(step.get('who', ''))}, {step.get('when', '')}"
        lines.append(
            f"• {item['text']} ({step.get('status', '–')}{extra if 'who' in step else ''})"
        )
    return "\n".join(lines)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/annuller: leave the conversation (answers stay in user_data)."""
    await _send(update, context, "Du er tilbage ved start. Dine svar er gemt.", None)
    return ConversationHandler.END


def conversation() -> ConversationHandler:  # type: ignore[type-arg]
    """The ConversationHandler of recommendation 1, persistent by name."""
    text = filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():
        # "per_message=False: CallbackQueryHandler will not be tracked for every message":
        # intended, as in most bots of this kind.
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states={
                INFO: [CallbackQueryHandler(next_page, pattern="^next$")],
                QUESTION: [MessageHandler(text, answer), CallbackQueryHandler(skip, "^skip$")],
                MARK: [CallbackQueryHandler(mark, pattern="^(done|plan|na)$")],
                WHO: [MessageHandler(text, who)],
                WHEN: [CallbackQueryHandler(when, pattern="^(w0|w1|m1|wx)$")],
                WHEN_TEXT: [MessageHandler(text, when_text)],
            },
            fallbacks=[CommandHandler("annuller", cancel)],
            allow_reentry=True,
            name="anbefaling1",
            persistent=True,
        )


def build_reference(builder: ApplicationBuilder, pickle_path: Path) -> Application:  # type: ignore[type-arg]
    """Finish `builder` (token, request or base URL already set) into the reference bot."""
    application = builder.persistence(PicklePersistence(filepath=pickle_path)).build()
    application.add_handler(conversation())
    return application
