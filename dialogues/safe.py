"""The safe path: the data rights and the menu for a chat whose stored state breaks a turn.

When `step()` (or anything after it: rendering, planning reminders) raises, the adapter
calls `safe_step` with the chat's raw stored document. It does not run the flow engine and
renders nothing from the stored data, so /slet, /mine_data, /privatliv and /menu keep
working however broken the data is; everything else gets a short apology that names them.
"""

from __future__ import annotations

from dialogues import callbacks
from dialogues.engine import parse_command
from dialogues.events import Button, Event, Reply
from dialogues.library.model import Content, Library
from dialogues.registry import REGISTRY
from dialogues.rules import permitted
from dialogues.screens.privacy import DELETE_SCREEN, GLOBAL
from dialogues.state import ChatState, JsonObject, migrate

CONFIRM = f"{DELETE_SCREEN}/confirm"  # the confirmation's node key, as the normal path has it
MENU_COMMANDS = ("menu", "start", "annuller")


def safe_step(
    library: Library, raw_state: object, event: Event
) -> tuple[ChatState | None, list[Reply]]:
    """Answer an event without the flow engine; never raises.

    The contract:

    * It takes ANY `raw_state` (None, a dict with junk, wrong types or missing keys, even
      something that is not a dict) and any event, and never raises.
    * It does not call `step()` and renders nothing from the stored data.
    * It returns `(None, replies)` only when someone permitted (in a group: an admin)
      confirmed deleting everything: the caller erases the chat, exactly as after `step()`.
    * Otherwise it returns `(state, replies)`: the stored data repaired to ChatState's shape
      (a field of the wrong type, or an entry of the wrong shape, reset; every other value
      kept as stored) with the chat's position set as the answer leaves it (/menu and
      /start: the main menu; /slet: its confirmation). Storing it is safe and makes the
      chat usable again through /menu.

    It answers /slet (/delete) and its confirmation button, /mine_data (/my_data: the
    adapter sends the stored data as a file), /privatliv (/privacy) and their buttons,
    /menu, /start and /annuller (the main menu), /hjaelp (/help), the retention warning's
    "keep"; anything else gets a short apology naming /slet and /mine_data. In a group,
    table talk (a message that is no reply to the bot) stays unanswered, as on the normal
    path.
    """
    state = repaired(raw_state)
    try:
        if state.lang not in library.languages:
            state.lang = library.pick(event.user_lang)
        state.updated_at = event.at.isoformat()
        return _answer(library, state, event)
    except Exception:  # the last line of defence must not raise
        return state, [Reply(_apology_text(library, state))]


def _answer(
    library: Library, state: ChatState, event: Event
) -> tuple[ChatState | None, list[Reply]]:
    content = library.get(state.lang)
    if event.kind == "command":
        parsed = parse_command(event.text)
        command = REGISTRY.command(parsed[0]) if parsed else None
        return _command(library, content, state, event, command.name if command else "")
    if event.kind == "button":
        return _button(library, content, state, event)
    if event.in_group and not event.reply_to_bot and event.kind in ("text", "media"):
        return state, []
    return state, [Reply(_text(library, content, "safe_apology"))]


def _command(
    library: Library, content: Content, state: ChatState, event: Event, name: str
) -> tuple[ChatState, list[Reply]]:
    if name in MENU_COMMANDS:
        return state, [_menu(content, state)]
    if name == "slet":
        return state, [_ask_delete(library, content, state, event)]
    if name == "mine_data":
        return state, [Reply(_text(library, content, "export_caption_json"), export="json")]
    if name == "privatliv":
        return state, [_privacy(library, content)]
    if name == "hjaelp":
        return state, [Reply(_text(library, content, "help"))]
    return state, [Reply(_text(library, content, "safe_apology"))]


def _button(
    library: Library, content: Content, state: ChatState, event: Event
) -> tuple[ChatState | None, list[Reply]]:
    prefix, _, name = event.data.partition(":")
    if prefix == GLOBAL and name == "privacy":
        return state, [_privacy(library, content)]
    if prefix == GLOBAL and name == "mydata":
        return state, [Reply(_text(library, content, "export_caption_json"), export="json")]
    if prefix == GLOBAL and name == "delete":
        return state, [_ask_delete(library, content, state, event)]
    if prefix == GLOBAL and name == "keep":
        return state, [Reply(_text(library, content, "retention_kept"))]
    press = callbacks.decode(event.data)
    if press is None or press.node_key != CONFIRM or state.node_key != CONFIRM:
        return state, [Reply(_text(library, content, "safe_apology"))]
    if press.turn != state.turn:
        return state, [Reply(_text(library, content, "stale")), _menu(content, state)]
    if press.option == "no":
        return state, [_menu(content, state)]
    if press.option != "yes":
        return state, [Reply(_text(library, content, "safe_apology"))]
    if not permitted(event, "delete_all"):
        return state, [Reply(_text(library, content, "admins_only"))]
    return None, [Reply(_text(library, content, "deleted"))]


def _ask_delete(library: Library, content: Content, state: ChatState, event: Event) -> Reply:
    """Ask for the confirmation, with the same buttons as the normal path."""
    if not permitted(event, "delete_all"):
        return Reply(_text(library, content, "admins_only"))
    _move(state, DELETE_SCREEN, "confirm")
    yes = Button(content.text("btn_yes_delete_all"), callbacks.encode(state.turn, CONFIRM, "yes"))
    no = Button(content.text("btn_no"), callbacks.encode(state.turn, CONFIRM, "no"))
    return Reply(_text(library, content, "delete_confirm"), ((yes, no),))


def _menu(content: Content, state: ChatState) -> Reply:
    """Move to the main menu and show it from the content alone (nothing stored is read)."""
    flow = content.menu
    node = flow.nodes[flow.start]
    _move(state, flow.id, node.id)
    key = f"{flow.id}/{node.id}"
    buttons = tuple(
        (Button(o.label, callbacks.encode(state.turn, key, o.id)),) for o in node.options
    )
    return Reply(node.text, buttons)


def _privacy(library: Library, content: Content) -> Reply:
    buttons = (
        (Button(content.text("btn_my_data"), f"{GLOBAL}:mydata"),),
        (Button(content.text("btn_delete_all"), f"{GLOBAL}:delete"),),
    )
    return Reply(_text(library, content, "privacy"), buttons)


def _move(state: ChatState, flow: str, node: str) -> None:
    state.flow, state.node, state.widget = flow, node, {}
    state.turn += 1


def _text(library: Library, content: Content, key: str) -> str:
    return content.text(key, **library.operator)


def _apology_text(library: Library, state: ChatState) -> str:
    try:
        return _text(library, library.get(state.lang), "safe_apology")
    except Exception:  # content without the text: still answer something
        return "Something went wrong with this chat's data. /delete deletes it, /my_data sends it."


# ---- repairing the stored data ----------------------------------------------------------


def repaired(raw: object) -> ChatState:
    """Return the stored data in ChatState's shape; never raises.

    Migrations run when they can; then every field of the wrong type is reset to its
    default and entries of the wrong shape are dropped from its lists and mappings
    (ChatState.readable). Everything else is kept as stored.
    """
    data = _stored(raw)
    try:
        data = migrate(dict(data)) if data else {}
    except Exception:  # a newer or broken schema: repair what is there
        data = dict(data)
    state = ChatState.readable(data)
    if not 0 <= state.turn <= callbacks.LONGEST_TURN:
        state.turn = 0  # a counter that would not fit a button's 64 bytes starts again
    return state


def _stored(raw: object) -> JsonObject:
    """Return the stored document if it is a mapping (it was decoded from JSON), else {}."""
    if not isinstance(raw, dict):
        return {}
    stored: JsonObject = raw
    return stored
