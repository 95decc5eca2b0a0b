"""Telegram's documented delivery rules, as pure functions used by ``tests/fakebotapi.py``.

Each rule quotes the Bot API documentation (core.telegram.org/bots/api, /bots/features,
/bots/faq) it models, so a reader can check the fake against Telegram's own wording.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from typing import Any

JSONDict = dict[str, Any]

# Telegram's own accounts that appear as "from" of messages sent on behalf of a chat.
# Message.from: "For backward compatibility, the field contains a fake sender user in
# non-channel chats, if the message was sent on behalf of a chat."
GROUP_ANONYMOUS_BOT: JSONDict = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
CHANNEL_BOT: JSONDict = {
    "id": 136817688,
    "is_bot": True,
    "first_name": "Channel",
    "username": "Channel_Bot",
}
TELEGRAM_SERVICE_USER_ID = 777000
# Bot accounts whose messages are really people's messages (anonymous admins, channels).
PEOPLE_BEHIND_BOTS = frozenset({GROUP_ANONYMOUS_BOT["id"], CHANNEL_BOT["id"]})

# Message fields that make a message a service message. Privacy mode FAQ: "All bots,
# regardless of settings, will receive: All service messages."
SERVICE_FIELDS = frozenset(
    {
        "new_chat_members",
        "left_chat_member",
        "new_chat_title",
        "new_chat_photo",
        "delete_chat_photo",
        "group_chat_created",
        "supergroup_chat_created",
        "channel_chat_created",
        "message_auto_delete_timer_changed",
        "migrate_to_chat_id",
        "migrate_from_chat_id",
        "pinned_message",
        "forum_topic_created",
        "forum_topic_edited",
        "forum_topic_closed",
        "forum_topic_reopened",
        "general_forum_topic_hidden",
        "general_forum_topic_unhidden",
        "video_chat_scheduled",
        "video_chat_started",
        "video_chat_ended",
        "video_chat_participants_invited",
        "write_access_allowed",
        "users_shared",
        "chat_shared",
        "boost_added",
        "chat_background_set",
    }
)

# Update.allowed_updates / getUpdates: "Specify an empty list to receive all update types
# except chat_member, message_reaction, and message_reaction_count (default)."
NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

MENTION_RE = re.compile(r"(?<![A-Za-z0-9_])@([A-Za-z][A-Za-z0-9_]{3,31})")
HTML_USER_LINK_RE = re.compile(r"""<a\s+href\s*=\s*["']tg://user\?id=(\d+)["']""", re.I)
MARKDOWN_USER_LINK_RE = re.compile(r"\]\(tg://user\?id=(\d+)\)")


def utf16_slice(text: str, offset: int, length: int) -> str:
    """The part of `text` an entity covers (offsets and lengths count UTF-16 units)."""
    encoded = text.encode("utf-16-le")
    return encoded[2 * offset : 2 * (offset + length)].decode("utf-16-le", "replace")


def update_type(update: JSONDict) -> str | None:
    """The kind of an update: the one optional field present besides update_id."""
    return next((key for key in update if key != "update_id"), None)


def allowed(update: JSONDict, allowed_updates: Iterable[str] | None) -> bool:
    """Whether an update of this kind is delivered under an allowed_updates setting.

    getUpdates/setWebhook allowed_updates: "A JSON-serialized list of the update types you
    want your bot to receive ... Specify an empty list to receive all update types except
    chat_member, message_reaction, and message_reaction_count (default)."
    """
    kind = update_type(update)
    wanted = list(allowed_updates or [])
    if not wanted:
        return kind not in NOT_DEFAULT_UPDATES
    return kind in wanted


def is_service_message(message: JSONDict) -> bool:
    return any(field in message for field in SERVICE_FIELDS)


def bot_commands(message: JSONDict) -> list[str]:
    """The commands (with any @botname) of a message's bot_command entities."""
    text = str(message.get("text") or message.get("caption") or "")
    entities = message.get("entities") or message.get("caption_entities") or []
    return [
        utf16_slice(text, int(entity["offset"]), int(entity["length"]))
        for entity in entities
        if entity.get("type") == "bot_command"
    ]


def mentions_username(message: JSONDict, username: str) -> bool:
    """Whether the text mentions @username (a "mention" entity or plain @username text)."""
    text = str(message.get("text") or message.get("caption") or "")
    return any(name.lower() == username.lower() for name in MENTION_RE.findall(text))


def privacy_mode_delivers(
    message: JSONDict, bot_id: int, bot_username: str, spoke_last: bool = True
) -> bool:
    """Whether a group message reaches a bot in privacy mode.

    Bot FAQ, "What messages will my bot get?": "Bots with privacy mode enabled will
    receive: Commands explicitly meant for them (e.g., /command@this_bot). General commands
    from users (e.g. /start) if the bot was the last bot to send a message to the group.
    Messages sent via this bot. Replies to any messages implicitly or explicitly meant for
    this bot." and "All bots, regardless of settings, will receive: All service messages."
    BotFather's /setprivacy: "'Enable' - your bot will only receive messages that either
    start with the '/' symbol or mention the bot by username."

    `spoke_last`: this bot was the last bot to send a message to the group, so general
    commands (no @) reach it. A command addressed to another bot (/start@OtherBot) never
    does. "Note that each particular message can only be available to one privacy-enabled
    bot at a time, i.e., a reply to bot A containing an explicit command for bot B or sent
    via bot C will only be available to bot A. Replies have the highest priority."
    """
    if is_service_message(message):
        return True
    replied = message.get("reply_to_message")
    if isinstance(replied, dict):
        author = replied.get("from") or {}
        if author.get("id") == bot_id:
            return True
        if author.get("is_bot") and author.get("id") not in PEOPLE_BEHIND_BOTS:
            return False  # a reply to another bot is that bot's message
    via = message.get("via_bot")
    if isinstance(via, dict) and via.get("id") == bot_id:
        return True
    for command in bot_commands(message):
        _, at, target = command.partition("@")
        if target.lower() == bot_username.lower() or (not at and spoke_last):
            return True
    return mentions_username(message, bot_username)


def from_other_bot(message: JSONDict, bot_id: int) -> bool:
    """Bot FAQ: "bots will not be able to see messages from other bots regardless of mode".

    GroupAnonymousBot and Channel_Bot are fake senders standing for people (anonymous
    admins, members posting as a channel), so their messages are not "from other bots".
    """
    sender = message.get("from") or {}
    return (
        bool(sender.get("is_bot"))
        and sender.get("id") != bot_id
        and sender.get("id") not in PEOPLE_BEHIND_BOTS
    )


def mentioned_users(
    text: str,
    parse_mode: str | None,
    entities: Any,
    user_by_username: Callable[[str], int | None],
) -> set[int]:
    """User ids @mentioned in a message the bot sends (for selective ForceReply).

    Counts text_mention entities, mention entities and @username text (resolved through
    the users the fake knows), and tg://user?id=N links in HTML or Markdown texts.
    """
    found: set[int] = set()
    mode = (parse_mode or "").lower()
    shown = text
    if mode == "html":
        found.update(int(n) for n in HTML_USER_LINK_RE.findall(text))
        shown = html.unescape(re.sub(r"<[^<>]*>", "", text))
    elif mode.startswith("markdown"):
        found.update(int(n) for n in MARKDOWN_USER_LINK_RE.findall(text))
    for entity in entities if isinstance(entities, list) else []:
        if isinstance(entity, dict):
            found.update(_entity_users(entity, shown, user_by_username))
    for name in MENTION_RE.findall(shown):
        user_id = user_by_username(name)
        if user_id is not None:
            found.add(user_id)
    return found


def _entity_users(
    entity: JSONDict, shown: str, user_by_username: Callable[[str], int | None]
) -> set[int]:
    """Users a text_mention, text_link (tg://user?id=N) or mention entity points at."""
    kind = entity.get("type")
    if kind == "text_mention" and isinstance(entity.get("user"), dict):
        return {int(entity["user"]["id"])}
    if kind == "text_link":
        return {int(n) for n in re.findall(r"tg://user\?id=(\d+)", str(entity.get("url")))}
    if kind == "mention":
        name = utf16_slice(shown, int(entity["offset"]), int(entity["length"]))
        user_id = user_by_username(name.removeprefix("@"))
        return set() if user_id is None else {user_id}
    return set()


def reply_target(params: JSONDict) -> tuple[Any, int | None, bool]:
    """(chat_id or None, message_id, allow_sending_without_reply) a send replies to."""
    reply = params.get("reply_parameters")
    if isinstance(reply, dict) and reply.get("message_id") is not None:
        return (
            reply.get("chat_id"),
            int(reply["message_id"]),
            bool(reply.get("allow_sending_without_reply")),
        )
    if params.get("reply_to_message_id") not in (None, ""):
        return (
            None,
            int(params["reply_to_message_id"]),
            bool(params.get("allow_sending_without_reply")),
        )
    return None, None, False


# sendPhoto: "The photo must be at most 10 MB in size. The photo's width and height must not
# exceed 10000 in total. Width and height ratio must be at most 20." The error texts are the
# ones Telegram answers with (PHOTO_INVALID_DIMENSIONS, PHOTO_SAVE_FILE_INVALID for a photo
# over the size limit, IMAGE_PROCESS_FAILED for bytes that are no picture).
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_SIDES = 10000
MAX_PHOTO_RATIO = 20
# The sizes Telegram keeps of a photo: each fits a square of this side (s, m, x, y, w).
PHOTO_BOXES = (90, 320, 800, 1280, 2560)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk; None when the bytes are not a PNG.

    The fake reads PNG only (what the bot sends); Telegram also takes JPEG, WEBP and more."""
    if len(data) < 24 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def photo_problem(data: bytes) -> str | None:
    """The Bad Request text Telegram gives for an uploaded photo, or None when it is fine."""
    if len(data) > MAX_PHOTO_BYTES:
        return "Bad Request: PHOTO_SAVE_FILE_INVALID"
    size = png_size(data)
    if size is None or min(size) == 0:
        return "Bad Request: IMAGE_PROCESS_FAILED"
    width, height = size
    if width + height > MAX_PHOTO_SIDES or max(width, height) > MAX_PHOTO_RATIO * min(size):
        return "Bad Request: PHOTO_INVALID_DIMENSIONS"
    return None


def photo_sizes(width: int, height: int) -> list[tuple[int, int]]:
    """The (width, height) of the sizes Telegram keeps of a photo, smallest first: one per
    box smaller than the photo, then the photo itself (scaled to the largest box if over)."""
    longest = max(width, height)
    boxes = [box for box in PHOTO_BOXES if box < longest] + [min(longest, PHOTO_BOXES[-1])]
    return [
        (max(1, round(width * box / longest)), max(1, round(height * box / longest)))
        for box in boxes
    ]
