"""Stateful property tests: random conversations over the real engine and the SQLite store.

Hypothesis plays two chats (a private chat, and a group with an admin and a member)
against `Conversations` over a `SqliteStore` and a `SqliteNudgeStore` in a temporary
directory. It types any Unicode up to 4096 characters (and longer), presses current, stale
and forged buttons, sends commands, media and other updates, edits and deletes answers
through 'Mine svar', redelivers updates, lets nudges fall due, restarts the store and jumps
the clock. After every turn it checks:

* no exception escapes a turn (nor rendering an export file);
* the stored state round-trips through JSON and points at an existing flow and node, at a
  known screen, or nowhere yet (a chat whose only event was junk);
* a non-blank answer typed at a question (in a group: as a reply to the bot) is stored
  verbatim and answered; every acknowledged answer (one the bot replied to) stays stored
  with the same text until the user edits or deletes it at its question or in 'Mine svar',
  or deletes everything (/slet);
* every part of every reply, after `split_message`, is at most 4096 UTF-16 units (as
  Telegram counts; so also at most 4096 characters) and valid Telegram HTML, every button has a label and callback data of at most 64 bytes;
* a forged, stale or unknown press changes none of the user's data, and a redelivered
  update changes nothing at all.

The default run is small (PROPERTY_EXAMPLES, PROPERTY_STEPS); scripts/soak.py and
scripts/reliability_report.py raise them through those environment variables.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bot.chats import chat_key
from bot.service import Conversations
from dialogues import CONTENT_DIR, Button, ChatState, Event, Reply, callbacks, engine, load_library
from dialogues.library.model import Node
from dialogues.markup import TELEGRAM_LIMIT, is_valid_telegram_html, split_message
from dialogues.registry import REGISTRY
from dialogues.reminders import messages as nudge_buttons
from dialogues.reminders.planner import Nudge
from storage import MemoryStore, SqliteStore
from storage.nudges import SqliteNudgeStore
from tests.transcript import Transcript

EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "200"))
STEPS = int(os.environ.get("PROPERTY_STEPS", "25"))
LIBRARY = load_library(Path(os.environ.get("BOT_CONTENT_DIR") or CONTENT_DIR))
START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
MAX_INPUT = getattr(engine, "MAX_INPUT", 10**9)  # longer texts are refused as a whole
# media, edited, ...: what else a Telegram update becomes ("app" is a change from the Mini
# App, never an update; its refusals and bounds are tested in tests/test_planedit.py)
OTHER_KINDS = sorted(set(engine.HANDLERS) - {"text", "command", "button", "app"})
SCREENS = frozenset(s.name for s in REGISTRY.screens)
KNOWN_SCREENS = frozenset({"@svar", "@plan", "@eksport", "@paamind", "@sprog"})
# chat id -> (chat type, the users who write in it, their Telegram language codes)
CHATS: dict[int, tuple[str, tuple[int, ...], tuple[str, ...]]] = {
    101: ("private", (101,), ("da",)),
    -202: ("group", (11, 12), ("en-GB", "")),
}
CONTENT = LIBRARY.get(None)
FLOWS = sorted(CONTENT.flows)
FLOWS_WITH = {  # node kind -> the flows that have such nodes
    kind: sorted(
        f.id for f in CONTENT.flows.values() if any(n.kind == kind for n in f.nodes.values())
    )
    for kind in ("question", "choice", "checklist", "summary", "plan", "schedule", "custom")
    if any(n.kind == kind for f in CONTENT.flows.values() for n in f.nodes.values())
}
NODE_KEYS = sorted(f"{f.id}/{n}" for f in CONTENT.flows.values() for n in f.nodes) + [
    f"{s}/{page}" for s in sorted(KNOWN_SCREENS) for page in ("flows", "list", "edit", "pick")
]
OPTIONS = [
    "_next", "_skip", "_back", "_menu", "_restart", "_cont", "_keep", "_more", "yes", "cancel",
    "edit", "export", "refl", "all", "cad", "pdf", "json", "md", "ics", "docx", "l:en", "l:da",
    "l:xx", "f:anbefaling1", "f:nosuchflow", "e:q_vaerdi", "d:q_vaerdi", "e:", "d:", "t:deadline",
    "d", "p", "n", "w0", "w1", "m1", "wx",
]  # fmt: skip
COMMANDS = [
    "/start", "/menu", "/annuller", "/hjaelp", "/help", "/plan", "/svar", "/answers",
    "/eksport", "/export", "/paamindelser", "/reminders", "/sprog", "/language", "/cancel",
    "/start@inklusion_test_bot", "/menu@inklusion_test_bot extra", "/foo", "/", "/ start",
    "/START", "/sTaRt anbefaling2", "/start handleplan", "/start ../../etc", "/x/y", "/start x y",
    "/slet", "/delete", "/privatliv", "/mine_data", "/grupper",
]  # fmt: skip
SCREEN_COMMANDS = ["/svar", "/plan", "/eksport", "/paamindelser", "/sprog", "/slet"]
NUDGE_OPTIONS = ["d", "g", "x", "u", "o", "c", "f", "q"]
NUDGE_REFS = [
    "p:r1", "p:nosuch", "s:anbefaling1/skridt/s1", "s:x/y/z", "s:nosplit", "m:2027-01-12",
    "m:notadate", "m:", "f:trin1", "f:nosuch", "r:trin4", "deadline", "meeting", "unfinished",
]  # fmt: skip


def repeated(alphabet: str, most: int = TELEGRAM_LIMIT) -> st.SearchStrategy[str]:
    """One of the characters, repeated up to `most` times (long texts with a short repr)."""
    return st.builds(lambda ch, n: ch * n, st.sampled_from(alphabet), st.integers(1, most))


texts = st.one_of(
    st.text(max_size=40),
    st.text(max_size=TELEGRAM_LIMIT),
    st.sampled_from(["<b>", "</i>", "&amp;", "&", "a < b > c", "\u200b", "\u202eabc", " ", ""]),
    repeated("a &<😀\n\u200b"),
)
STATS: Counter[str] = Counter()
"""What the runs did (turns, answers acknowledged, edits, ...); PROPERTY_STATS names a file."""


def _write_stats() -> None:
    if os.environ.get("PROPERTY_STATS") and STATS:
        Path(os.environ["PROPERTY_STATS"]).write_text(json.dumps(dict(STATS), indent=1))


atexit.register(_write_stats)

chats = st.sampled_from(sorted(CHATS))
users = st.integers(0, 1)
answers = st.text(min_size=1, max_size=300).filter(lambda s: s.strip() and not s.startswith("/"))


@dataclass
class ChatLog:
    """What the test remembers of one chat: the buttons on screen and the acknowledged answers."""

    current: list[Button] = field(default_factory=list)
    older: list[Button] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)  # answer key -> text


def buttons_of(replies: list[Reply]) -> list[Button]:
    """Return every button of the replies."""
    return [b for reply in replies for row in reply.buttons for b in row]


def check_reply(reply: Reply) -> None:
    """Every part the adapter sends fits Telegram: length, HTML, buttons."""
    if reply.export is not None:
        assert len(reply.text) <= 1024 and is_valid_telegram_html(reply.text), reply.text
    else:
        parts = split_message(reply.text)
        assert parts, f"nothing to send for {reply.text!r}"
        for part in parts:
            # Telegram counts UTF-16 code units; the raw HTML is never shorter than what shows.
            assert 0 < len(part.encode("utf-16-le")) // 2 <= TELEGRAM_LIMIT, len(part)
            assert part.strip(), "an empty part"
            assert is_valid_telegram_html(part), part[:300]
    for button in buttons_of([reply]):
        assert button.label.strip(), button
        assert 1 <= len(button.data.encode("utf-8")) <= callbacks.MAX_BYTES, button.data


def user_data(state: ChatState) -> tuple[object, ...]:
    """The parts of a state that only the user's own actions may change."""
    settings = {k: v for k, v in state.settings.items() if k != "title"}  # the group's name
    return state.answers, state.plan, state.checklists, settings


def position_ok(state: ChatState) -> bool:
    """The state points at a node that exists, a known screen, or (never moved) nowhere."""
    if state.flow is None:
        return state.node is None
    if state.flow in KNOWN_SCREENS or state.flow in SCREENS:
        return state.flow in SCREENS and bool(state.node)
    flow = LIBRARY.get(state.lang).flows.get(state.flow)
    return flow is not None and state.node in flow.nodes


def node_at(state: ChatState, lang: str | None) -> Node | None:
    """Return the content node the state is at (None at a screen or nowhere)."""
    flow = LIBRARY.get(lang).flows.get(state.flow or "")
    return flow.nodes.get(state.node or "") if flow else None


def is_question(state: ChatState, lang: str | None) -> bool:
    """Tell whether the state is at a question node."""
    node = node_at(state, lang)
    return node is not None and node.kind == "question"


def question_of(key: str) -> str:
    """Return 'flow/node' of an answer key ('flow/node' or, in a group, 'flow/node#user')."""
    return key.split("#", 1)[0]


def tracked(key: str) -> bool:
    """Tell whether an answer key belongs to a typed answer (a question, or one's own)."""
    flow_id, _, node_id = question_of(key).partition("/")
    if node_id.startswith("+"):
        return True
    node = CONTENT.flows[flow_id].nodes.get(node_id) if flow_id in CONTENT.flows else None
    return node is not None and node.kind == "question"


def may_change(before: ChatState, event: Event, key: str) -> bool:
    """Tell whether this turn may change or remove the acknowledged answer under `key`."""
    question = question_of(key)
    target = f"{before.widget.get('flow')}/{before.widget.get('q')}"
    if event.kind == "text":
        here = f"{before.flow}/{before.node}"
        return question == here or (before.node == "edit" and question == target)
    return event.kind == "button" and before.node == "delete" and question == target


def changes_nothing(before: ChatState, data: str) -> bool:
    """Tell whether a press with this data must leave the user's data alone."""
    if nudge_buttons.decode(data) is not None or data.startswith("g:"):
        return False  # nudge and global buttons name an item or an action, not a position
    press = callbacks.decode(data)
    return press is None or press.turn != before.turn or press.node_key != before.node_key


def erased(document: dict[str, object] | None) -> bool:
    """Tell whether a chat's data is gone: nothing stored, or only the id of the update that
    erased it (kept so that a redelivery of that update is recognised)."""
    if document is None:
        return True
    state = ChatState.from_dict(document)
    blank = ChatState()
    blank.seen_updates = state.seen_updates
    return state.to_dict() == blank.to_dict()


def make_event(chat: int, who: int, kind: str, at: datetime, **fields: object) -> Event:
    """Build an event as the adapter would; fields the Event does not have (yet) are left out."""
    chat_type, users, langs = CHATS[chat]
    user = users[who % len(users)]
    values: dict[str, object] = {
        "chat_id": chat,
        "user_id": user,
        "user_name": f"User{user}",
        "kind": kind,
        "at": at,
        "chat_type": chat_type,
        "user_lang": langs[who % len(langs)],
        "is_admin": who % len(users) == 0,
        "chat_title": "Bestyrelsen" if chat_type != "private" else "",
        **fields,
    }
    known = Event.__dataclass_fields__
    return Event(**{k: v for k, v in values.items() if k in known})  # type: ignore[arg-type]


def must_store(before: ChatState, event: Event, lang: str | None) -> str | None:
    """Return the answer key a typed text must be stored under, or None when it need not be."""
    text = event.text
    if event.kind != "text" or not text.strip() or len(text) > MAX_INPUT:
        return None
    in_group = event.chat_type != "private"
    if in_group and not getattr(event, "reply_to_bot", True):
        return None  # table talk in a group is not an answer
    suffix = f"#{event.user_id}" if in_group else ""
    node = node_at(before, lang)
    if node is not None and node.kind == "question" and node.input == "text":
        return f"{before.flow}/{before.node}{suffix}"
    if before.flow == "@svar" and before.node == "edit" and before.widget.get("q"):
        return f"{before.widget['flow']}/{before.widget['q']}{suffix}"
    return None


class Conversation(RuleBasedStateMachine):
    """Random conversations in two chats over a real SQLite store."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="props-"))
        self.now = START
        self.logs = {chat: ChatLog() for chat in CHATS}
        self.update_id = 0
        self.last_event: Event | None = None
        STATS["examples"] += 1
        self._open()

    # ---- plumbing --------------------------------------------------------------------

    def _open(self) -> None:
        path = self.dir / "inklusionsguiden.sqlite"
        self.store = SqliteStore(path)
        self.nudges = SqliteNudgeStore(path)
        self.conversations = Conversations(LIBRARY, self.store, lambda: self.now, self.nudges)

    def _close(self) -> None:
        self.nudges.close()
        self.store.close()

    def teardown(self) -> None:
        self._close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def run(self, chat: int, who: int, kind: str, text: str = "", **fields: object) -> None:
        """Run one turn as a user would cause it, check it, and update the bookkeeping."""
        if kind == "text" and text.startswith("/"):
            kind = "command"
        self.update_id += 1
        event = make_event(chat, who, kind, self.now, text=text, update_id=self.update_id, **fields)
        self.last_event = event
        before = self.conversations.load(chat)
        replies = self.conversations.handle(event)
        STATS["turns"] += 1
        STATS[f"turns_{kind}"] += 1
        after = self.conversations.load(chat)
        for reply in replies:
            check_reply(reply)
            if reply.export is not None:
                name, body = self.conversations.export(chat, reply.export)
                assert name and body
        log = self.logs[chat]
        if erased(self.store.get(chat_key(chat))) and before.started:
            assert kind == "button" and replies, "a chat's data vanished without being deleted"
            log.answers.clear()  # the user deleted everything (/slet, then yes)
            STATS["chats_erased"] += 1
        else:
            self._track(log, before, after, event, replies)
        if kind == "button" and changes_nothing(before, event.data):
            assert user_data(after) == user_data(before), event.data
        if any(LIBRARY.get(after.lang).text("unknown_button") in r.text for r in replies):
            assert user_data(after) == user_data(before), event.data
        if buttons_of(replies):
            log.older = (log.older + log.current)[-300:]
            log.current = buttons_of(replies)

    def _track(
        self, log: ChatLog, before: ChatState, after: ChatState, event: Event, replies: list[Reply]
    ) -> None:
        """Check what the turn did to the answers, and learn which ones it acknowledged."""
        expected = must_store(before, event, after.lang)
        if expected is not None:
            stored = after.answers.get(expected)
            assert replies, f"no reply to an answer at {expected}"
            assert stored is not None and stored["text"] == event.text, f"{expected} not stored"
        for key, text in list(log.answers.items()):
            stored = after.answers.get(key)
            if stored is not None and stored["text"] == text:
                continue
            assert may_change(before, event, key), f"answer {key} changed by {event.kind}"
            assert replies, f"answer {key} changed without a word"
            if stored is None:
                del log.answers[key]
                STATS["answers_deleted"] += 1
            else:
                log.answers[key] = stored["text"]
                STATS["answers_changed"] += 1
        if event.kind != "text" or not replies:
            return
        for key, value in after.answers.items():
            old = before.answers.get(key)
            if tracked(key) and key not in log.answers and (old or {}).get("text") != value["text"]:
                assert value["text"] == event.text, f"{key} holds something else than was typed"
                log.answers[key] = value["text"]
                STATS["answers_acknowledged"] += 1

    def press_option(self, chat: int, option: str, who: int = 0) -> bool:
        """Press the current button carrying this option; False when there is none."""
        for button in reversed(self.logs[chat].current):
            if button.data.split(":", 3)[-1] == option:
                self.run(chat, who, "button", data=button.data)
                return True
        return False

    def open_answer(self, chat: int, key: str, action: str) -> str:
        """Open 'Mine svar' at one question's edit ('e') or delete ('d') page."""
        flow, node = question_of(key).split("/", 1)
        self.run(chat, 0, "command", text="/svar")
        assert self.press_option(chat, f"f:{flow}"), f"no {flow} in 'Mine svar'"
        assert self.press_option(chat, f"{action}:{node}"), f"no {action}:{node}"
        return question_of(key)

    # ---- rules -----------------------------------------------------------------------

    @rule(chat=chats, who=users, text=texts, reply=st.booleans())
    def type_text(self, chat: int, who: int, text: str, reply: bool) -> None:
        self.run(chat, who, "text", text=text, reply_to_bot=reply)

    @rule(chat=chats, who=users, text=answers)
    def type_answer(self, chat: int, who: int, text: str) -> None:
        self.run(chat, who, "text", text=f"svar {chat}: {text}", reply_to_bot=True)

    @rule(
        chat=chats,
        who=users,
        command=st.one_of(
            st.sampled_from(SCREEN_COMMANDS),
            st.sampled_from(COMMANDS),
            repeated("ax ").map(lambda s: f"/hjaelp {s}"),
            st.sampled_from(FLOWS).map(lambda f: f"/start {f}"),
            st.text(max_size=30).map(lambda s: f"/start {s}"),
        ),
    )
    def command(self, chat: int, who: int, command: str) -> None:
        self.run(chat, who, "command", text=command)

    @rule(
        chat=chats,
        flow=st.sampled_from(FLOWS_WITH["question"]),
        typed=st.lists(answers, max_size=3),
    )
    def walk_to_question(self, chat: int, flow: str, typed: list[str]) -> None:
        """Open a flow by deep link, press on until a question is asked, and answer some."""
        self.run(chat, 0, "command", text=f"/start {flow}")
        for _ in range(15):
            state = self.conversations.load(chat)
            if is_question(state, state.lang):
                break
            if not any(self.press_option(chat, o) for o in ("_next", "_skip", "_cont")):
                return
        for text in typed:
            self.run(chat, 0, "text", text=f"svar {chat}: {text}", reply_to_bot=True)

    @rule(chat=chats, data=st.data())
    def walk_to(self, chat: int, data: st.DataObject) -> None:
        """Open a flow by deep link and press on until a node of some kind is shown."""
        kind = data.draw(st.sampled_from(sorted(FLOWS_WITH)))
        self.run(chat, 0, "command", text=f"/start {data.draw(st.sampled_from(FLOWS_WITH[kind]))}")
        for _ in range(40):
            state = self.conversations.load(chat)
            node = node_at(state, state.lang)
            if node is None or node.kind == kind:
                return
            if not any(self.press_option(chat, o) for o in ("_next", "_skip", "_cont")):
                return

    @rule(chat=chats, who=users, kind=st.sampled_from(OTHER_KINDS), reply=st.booleans())
    def other_update(self, chat: int, who: int, kind: str, reply: bool) -> None:
        """Media, an edited message, the bot being added to a group, ..."""
        self.run(chat, who, kind, reply_to_bot=reply)

    @precondition(lambda self: any(log.current for log in self.logs.values()))
    @rule(data=st.data())
    def press_current(self, data: st.DataObject) -> None:
        chat = data.draw(st.sampled_from([c for c, log in self.logs.items() if log.current]))
        button = data.draw(st.sampled_from(self.logs[chat].current))
        self.run(chat, data.draw(users), "button", data=button.data)

    @precondition(lambda self: any(log.older for log in self.logs.values()))
    @rule(data=st.data())
    def press_stale(self, data: st.DataObject) -> None:
        chat = data.draw(st.sampled_from([c for c, log in self.logs.items() if log.older]))
        button = data.draw(st.sampled_from(self.logs[chat].older))
        STATS["presses_stale"] += 1
        self.run(chat, data.draw(users), "button", data=button.data)

    @rule(chat=chats, who=users, data=st.data())
    def press_forged(self, chat: int, who: int, data: st.DataObject) -> None:
        state = self.conversations.load(chat)
        forged = data.draw(
            st.one_of(
                st.text(max_size=80),
                st.builds(
                    callbacks.encode,
                    st.one_of(st.integers(0, 10**10), st.just(state.turn + 1), st.just(state.turn)),
                    st.one_of(st.sampled_from(NODE_KEYS), st.just(state.node_key), st.text()),
                    st.one_of(st.sampled_from(OPTIONS), st.text(min_size=1, max_size=20)),
                ),
                st.builds(
                    lambda o, r: f"{o}:{r}",
                    st.sampled_from(["2:" + o for o in NUDGE_OPTIONS] + ["g", "grp", "3"]),
                    st.one_of(st.sampled_from(NUDGE_REFS), st.text(max_size=40)),
                ),
            )
        )
        STATS["presses_forged"] += 1
        self.run(chat, who, "button", data=forged)

    @precondition(lambda self: any(log.current for log in self.logs.values()))
    @rule(data=st.data(), shift=st.integers(1, 3), move=st.booleans())
    def press_with_wrong_turn_or_node(self, data: st.DataObject, shift: int, move: bool) -> None:
        """A button on screen, its data changed to another turn or another node."""
        chat = data.draw(st.sampled_from([c for c, log in self.logs.items() if log.current]))
        button = data.draw(st.sampled_from(self.logs[chat].current))
        press = callbacks.decode(button.data)
        if press is None:
            return  # a nudge or global button: it names no position
        state = self.conversations.load(chat)
        node_key = data.draw(st.sampled_from(NODE_KEYS)) if move else press.node_key
        turn = max(0, state.turn - shift) if not move or data.draw(st.booleans()) else state.turn
        STATS["presses_forged"] += 1
        self.run(chat, 0, "button", data=callbacks.encode(turn, node_key, press.option))

    @precondition(lambda self: any(log.answers for log in self.logs.values()))
    @rule(data=st.data(), text=answers)
    def edit_answer(self, data: st.DataObject, text: str) -> None:
        """Change an acknowledged answer through 'Mine svar'."""
        chat = data.draw(st.sampled_from([c for c, log in self.logs.items() if log.answers]))
        key = data.draw(st.sampled_from(sorted(self.logs[chat].answers)))
        if "/+" in key:
            return  # questions of their own are not edited in 'Mine svar'
        question = self.open_answer(chat, key, "e")
        self.run(chat, 0, "text", text=f"rettet: {text}", reply_to_bot=True)
        stored = self.conversations.load(chat).answers
        assert any(
            question_of(k) == question and v["text"] == f"rettet: {text}" for k, v in stored.items()
        ), f"the edit of {question} was not stored"

    @precondition(lambda self: any(log.answers for log in self.logs.values()))
    @rule(data=st.data())
    def delete_answer(self, data: st.DataObject) -> None:
        """Delete an acknowledged answer through 'Mine svar' (as a group's admin)."""
        chat = data.draw(st.sampled_from([c for c, log in self.logs.items() if log.answers]))
        key = data.draw(st.sampled_from(sorted(self.logs[chat].answers)))
        if "/+" in key:
            return
        question = self.open_answer(chat, key, "d")
        assert self.press_option(chat, "yes"), key
        stored = self.conversations.load(chat).answers
        assert not any(question_of(k) == question for k in stored), f"{question} not deleted"
        assert not any(question_of(k) == question for k in self.logs[chat].answers)

    @rule(chat=chats)
    def delete_everything(self, chat: int) -> None:
        """/slet, then 'Ja, slet alt' (as the group's admin): nothing the users wrote is left."""
        self.run(chat, 0, "command", text="/slet")
        if self.press_option(chat, "yes"):
            assert erased(self.store.get(chat_key(chat)))
            assert not self.logs[chat].answers

    @precondition(lambda self: self.last_event is not None)
    @rule()
    def redeliver(self) -> None:
        """Telegram delivers the last update again (the bot died before confirming it)."""
        event = self.last_event
        assert event is not None
        if self.store.get(chat_key(event.chat_id)) is None:
            return  # the chat was erased by the nudger's purge, which keeps nothing at all
        before = self.conversations.load(event.chat_id)
        replies = self.conversations.handle(event)
        STATS["redeliveries"] += 1
        if before.seen_updates:  # duplicates are dropped by update id
            assert replies == []
            after = self.conversations.load(event.chat_id)
            assert after.to_dict() == before.to_dict()

    @rule()
    def restart(self) -> None:
        """Close the database and open it again, as a restarted bot does."""
        self._close()
        self._open()
        STATS["restarts"] += 1

    @rule(
        jump=st.one_of(
            st.integers(-7200, 0), st.integers(0, 3 * 86400), st.integers(0, 400 * 86400)
        )
    )
    def clock_jump(self, jump: int) -> None:
        self.now += timedelta(seconds=jump)
        STATS["clock_jumps"] += 1

    @rule()
    def nudges_fall_due(self) -> None:
        """Show the due nudges as the nudger would; their buttons become pressable."""
        erased: set[int] = set()
        for row in self.nudges.due(self.now.isoformat(), 50):
            if row.chat_id in erased:
                continue  # its reminders went with the chat: nothing left to claim
            if row.kind == "purge":  # retention: the nudger erases the chat, sends nothing
                assert self.nudges.claim(row.id)
                self.conversations.erase(row.chat_id)
                self.logs[row.chat_id].answers.clear()
                erased.add(row.chat_id)
                continue
            state = self.conversations.load(row.chat_id)
            nudge = Nudge(row.chat_id, row.kind, row.ref, datetime.fromisoformat(row.due))
            reply = nudge_buttons.render(
                LIBRARY.get(state.lang), state, nudge, self.now, LIBRARY.tz
            )
            assert self.nudges.claim(row.id)
            STATS["nudges_due"] += 1
            if reply is not None and row.chat_id in self.logs:
                check_reply(reply)
                self.logs[row.chat_id].current += buttons_of([reply])

    # ---- invariants ------------------------------------------------------------------

    @invariant()
    def stored_states_are_sound(self) -> None:
        for chat, log in self.logs.items():
            document = self.store.get(chat_key(chat))
            if document is None:
                assert not log.answers
                continue
            assert json.loads(json.dumps(document, ensure_ascii=False)) == document
            state = ChatState.from_dict(document)
            assert state.to_dict() == document
            assert position_ok(state), (state.flow, state.node)
            for key, text in log.answers.items():
                stored = state.answers.get(key)
                assert stored is not None, f"acknowledged answer {key} is gone"
                assert stored["text"] == text, f"acknowledged answer {key} changed"
                STATS["answer_checks"] += 1


Conversation.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
TestConversation = pytest.mark.slow(Conversation.TestCase)  # seconds of random walks


# ---- regressions: bugs these property tests found (fixed in 78973d9) -------------------


@pytest.mark.parametrize("data", ["2:u:m:", "2:u:m:notadate", "2:u:m:2027-13-45"])
def test_a_forged_postpone_button_is_answered_and_changes_nothing(data: str) -> None:
    """Forged nudge data naming a meeting that is no date raised ValueError out of step()."""
    conversations = Conversations(LIBRARY, MemoryStore(), lambda: START)
    conversations.handle(make_event(101, 0, "command", START, text="/start"))
    before = conversations.load(101)
    replies = conversations.handle(make_event(101, 0, "button", START, data=data))
    assert replies
    assert user_data(conversations.load(101)) == user_data(before)


def test_a_long_question_of_ones_own_is_echoed_in_valid_parts() -> None:
    """A question of one's own is echoed in <b>; split_message cut it with the tag open."""
    user = Transcript(LIBRARY)
    user.press_on("egne", flow="trin1")  # trin1's node for questions of one's own
    assert node_at(user.state, user.state.lang).kind == "custom"
    question = "Hvad & hvordan? " * 256  # 4096 characters: as much as one message holds
    reply = user.send(question)[0]
    assert is_valid_telegram_html(reply.text)
    assert all(is_valid_telegram_html(part) for part in split_message(reply.text))


def test_a_redelivered_delete_everything_press_changes_nothing() -> None:
    conversations = Conversations(LIBRARY, MemoryStore(), lambda: START)
    conversations.handle(make_event(101, 0, "command", START, text="/start", update_id=1))
    asked = conversations.handle(make_event(101, 0, "command", START, text="/slet", update_id=2))
    yes = next(b.data for b in buttons_of(asked) if b.data.endswith(":yes"))
    press = make_event(101, 0, "button", START, data=yes, update_id=3)
    assert conversations.handle(press)  # "everything is deleted"
    left = conversations.store.get(chat_key(101))
    ids = [entry[0] for entry in ChatState.from_dict(left).seen_updates]
    assert ids == [1, 2, 3]  # only the update ids: nothing anyone wrote
    assert left == ChatState(seen_updates=ChatState.from_dict(left).seen_updates).to_dict()
    again = conversations.handle(press)  # Telegram delivers the press again after a crash
    assert again == []  # recognised and dropped: no "old button" answer, nothing stored anew
    assert conversations.store.get(chat_key(101)) == left
