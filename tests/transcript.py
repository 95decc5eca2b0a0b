"""A fake user for transcript tests: types, presses buttons by label, reads what came back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.service import Conversations
from dialogues import Event, Library, Reply
from storage import MemoryStore, Store


class Clock:
    """A controllable clock: starts at a fixed moment, moves only when told."""

    def __init__(self, start: datetime = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Transcript:
    """One chat as seen by a user; every call runs a real turn through Conversations."""

    def __init__(
        self,
        library: Library,
        store: Store | None = None,
        chat_id: int = 100,
        user_id: int = 7,
        name: str = "Anna",
        clock: Clock | None = None,
        lang: str = "",
        chat_type: str = "private",
    ) -> None:
        self.clock = clock or Clock()
        self.conversations = Conversations(library, store or MemoryStore(), clock=self.clock)
        self.chat_id, self.user_id, self.name, self.lang = chat_id, user_id, name, lang
        self.chat_type, self.is_admin, self.replying = chat_type, True, False
        self.replies: list[Reply] = []
        self.history: list[Reply] = []
        self.posted: list[tuple[int, Reply]] = []  # (message id, reply) as the outbox posts them
        self.reply_to = 0

    def _post(self, replies: list[Reply]) -> None:
        """Give each new message an id and note what it shows, as the Telegram outbox does."""
        posts = []
        for reply in replies:
            if reply.edit_message_id:
                self.posted.append((reply.edit_message_id, reply))  # same message, new text
                continue
            message_id = 1000 + len(self.posted)
            self.posted.append((message_id, reply))
            if reply.tag:
                posts.append((message_id, reply.tag))
        if posts:
            self.conversations.remember_posts(self.chat_id, posts)

    def message_id(self, reply: Reply) -> int:
        """Return the id the outbox gave to this reply's message (0: never posted)."""
        return next((m for m, r in reversed(self.posted) if r is reply), 0)

    def _run(self, kind: str, text: str = "", data: str = "", message_id: int = 0) -> list[Reply]:
        event = Event(
            chat_id=self.chat_id,
            user_id=self.user_id,
            user_name=self.name,
            kind=kind,
            at=self.clock(),
            text=text,
            data=data,
            user_lang=self.lang,
            chat_type=self.chat_type,
            is_admin=self.is_admin,
            reply_to_bot=self.replying,
            reply_to_message_id=self.reply_to if self.replying else 0,
            message_id=message_id,
        )
        self.replies = self.conversations.handle(event)
        self._post(self.replies)
        self.history += self.replies
        return self.replies

    def send(self, text: str) -> list[Reply]:
        """Type a message (a command when it starts with '/')."""
        return self._run("command" if text.startswith("/") else "text", text=text)

    def reply(self, text: str, to: Reply | None = None) -> list[Reply]:
        """Answer one of the bot's messages with Telegram's reply (what a group member does):
        `to`, else the bot's last message."""
        self.replying = True
        self.reply_to = self.message_id(to) if to is not None else self.posted[-1][0]
        try:
            return self.send(text)
        finally:
            self.replying = False

    def as_member(self, user_id: int, name: str, admin: bool = False) -> Transcript:
        """Return another member of the same chat, sharing store, clock and history."""
        other = Transcript.__new__(Transcript)
        other.__dict__.update(self.__dict__)
        other.user_id, other.name, other.is_admin = user_id, name, admin
        return other

    def media(self) -> list[Reply]:
        """Send a sticker, photo or voice message."""
        return self._run("media")

    def press(self, label: str, reply: Reply | None = None) -> list[Reply]:
        """Press the button with this label (exact, else the first whose label contains it)."""
        source = reply or self.keyboard
        return self._run(
            "button", data=self.data_of(label, reply), message_id=self.message_id(source)
        )

    def press_data(self, data: str) -> list[Reply]:
        """Press a button carrying exactly this callback data (forged or old)."""
        return self._run("button", data=data)

    def press_option(self, option: str) -> list[Reply]:
        """Press the button of the last keyboard whose callback data names this option."""
        buttons = [b for row in self.keyboard.buttons for b in row]
        found = [b for b in buttons if b.data.split(":", 3)[-1] == option]
        assert found, f"no option {option!r}; buttons: {[b.data for b in buttons]}"
        return self.press_data(found[0].data)

    def press_on(self, node: str, flow: str | None = None) -> list[Reply]:
        """Press on as a user in a hurry does, Next, else Skip, else Continue, on the keyboard
        shown, until the chat is at `node`; first open `flow` by its deep link when given.
        Return the replies that showed the node; fail naming where the walk got stuck."""
        if flow is not None:
            self.send(f"/start {flow}")
        for _ in range(60):
            if self.state.node == node:
                return self.replies
            options = [b.data.split(":", 3)[-1] for row in self.keyboard.buttons for b in row]
            onward = next((o for o in ("_next", "_skip", "_cont") if o in options), None)
            assert onward, f"stuck at {self.state.flow}/{self.state.node}: {options}"
            self.press_option(onward)
        raise AssertionError(f"never reached {node}; at {self.state.flow}/{self.state.node}")

    def data_of(self, label: str, reply: Reply | None = None) -> str:
        """Return the callback data of a button on `reply` (default: the last with buttons)."""
        source = reply or self.keyboard
        buttons = [b for row in source.buttons for b in row]
        for match in (lambda b: b.label == label, lambda b: label in b.label):
            found = [b for b in buttons if match(b)]
            if found:
                return found[0].data
        raise AssertionError(f"no button {label!r}; buttons: {[b.label for b in buttons]}")

    @property
    def last(self) -> Reply:
        """Return the last reply of the last turn."""
        assert self.replies, "the bot did not reply"
        return self.replies[-1]

    @property
    def keyboard(self) -> Reply:
        """Return the last reply that carries buttons."""
        with_buttons = [r for r in self.replies if r.buttons]
        assert with_buttons, f"no buttons in: {[r.text for r in self.replies]}"
        return with_buttons[-1]

    def labels(self) -> list[str]:
        """Return the labels of the last keyboard."""
        return self.keyboard.labels()

    @property
    def state(self):
        """Return the chat's stored state."""
        return self.conversations.load(self.chat_id)
