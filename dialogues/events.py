"""What goes into the engine (Event) and what comes out (Reply): frozen plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from dialogues.state import ChatState

EventKind = Literal["text", "command", "button", "media", "joined", "edited", "app"]
"""`app`: a change from the Mini App; `data` holds it as parsed JSON (dialogues/miniapp/edit.py)."""


GroupsOutcome = Literal["list", "plan", "not_member", "refused"]


@dataclass(frozen=True)
class GroupsView:
    """What the adapter found out just before a turn, for /grupper in a private chat.

    The adapter asks its member index and Telegram (is the person in the group right now?);
    the engine only shows what this says and never reads a group id from callback data.
    `groups`: the person's groups they are in now, as (id, title), for the list; `outcome`
    of a 'show this plan' press; `plan`: the group's stored state when it may be shown.
    """

    groups: tuple[tuple[int, str], ...] = ()
    outcome: GroupsOutcome = "list"
    plan: ChatState | None = None


@dataclass(frozen=True)
class Event:
    """One thing a user did: typed text, sent a command, pressed a button, sent media."""

    chat_id: int
    user_id: int
    user_name: str
    kind: EventKind
    at: datetime
    text: str = ""
    data: str = ""
    chat_type: str = "private"
    user_lang: str = ""  # the user's Telegram language code, e.g. "da" or "en-GB"
    update_id: int = 0  # Telegram's update id (0 when the event did not come from Telegram)
    is_admin: bool = True  # in a group: whether the sender is one of its admins
    reply_to_bot: bool = False  # the message answers one of the bot's messages
    chat_title: str = ""  # a group's title
    message_id: int = 0  # the id of the user's message (0 for a press)
    reply_to_message_id: int = 0  # the bot's message this message replies to (0: none)
    thread_id: int = 0  # the forum topic the event came from (0: none, or not a forum)
    user_handle: str = ""  # the sender's @username without the @, if they have one
    groups: GroupsView | None = None  # for /grupper: what the adapter checked (None: nothing)

    @property
    def in_group(self) -> bool:
        """Tell whether the event comes from a group chat."""
        return self.chat_type in ("group", "supergroup")


@dataclass(frozen=True)
class Button:
    """An inline button: its label and its callback data, or else a link to open.

    `url` opens an address; `web_app` opens the Mini App at its https address (Telegram
    allows that only in private chats: in a group the adapter links to the bot's main Mini
    App instead, with the group named in `startapp`).
    """

    label: str
    data: str = ""
    url: str = ""
    web_app: str = ""


@dataclass(frozen=True)
class Reply:
    """One message to send: Telegram HTML text and rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    export: str | None = None  # a file format: the adapter sends the plan as a document
    force_reply: bool = False  # ask Telegram to open a reply to this message (groups)
    edit_message_id: int = 0  # replace this message of the bot's instead of sending a new one
    tag: str = ""  # in groups, what the message shows ("q:flow/node"), remembered by message id
    outcome: str = ""  # for a Mini App change: what became of it, for the adapter (never sent)

    def labels(self) -> list[str]:
        """Return the button labels, row by row flattened (handy in tests and the terminal)."""
        return [b.label for row in self.buttons for b in row]
