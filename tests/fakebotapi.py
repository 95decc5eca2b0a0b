"""A fake Telegram Bot API server for end-to-end tests.

``FakeBotAPI`` is a small HTTP server (stdlib only) that speaks enough of the Telegram Bot
API for a python-telegram-bot application to run against it unchanged: point the bot at
``fake.base_url`` (and ``fake.base_file_url``) and the bot's real HTTP stack talks to this
server instead of api.telegram.org.

The test side plays the users: ``send_text`` / ``send_update`` queue updates that the bot
receives through real long polling (``getUpdates``), ``press`` / ``press_button`` click
inline buttons, and the ``wait_*`` helpers block until the bot has reacted.  Everything the
bot does is recorded (``calls``, ``sent``, ``messages()``), and faults such as flood
limits (429), blocked users (403) or slow responses can be injected.

Like the real server it rejects some mistakes a bot can make: malformed HTML in
``parse_mode="HTML"`` texts, texts over 4096 characters, ``callback_data`` over 64 bytes,
edits that change nothing ("message is not modified"), replies to missing messages and
answers to unknown callback queries.

It also behaves like Telegram where the bot depends on it (each rule quotes the Bot API
docs next to its code; the pure rules live in ``tests/fakebotapi_rules.py``):

- update ids: sequential, but ``quiet_week()`` makes the next one random and lower, and
  ``next_update_id = n`` sets it; an update is confirmed by the getUpdates offset only once
  it was delivered, so jumped ids still reach the bot as they do on Telegram;
- getUpdates: a second poll terminates the waiting one with 409, and getUpdates while a
  webhook is set answers 409;
- webhook mode: ``setWebhook`` makes the fake POST updates to the URL (secret token header,
  retries after a failure, in order); ``getWebhookInfo``; ``deleteWebhook``;
- group privacy mode on by default (``privacy_mode=``, ``set_privacy()``,
  ``set_bot_admin()``): group messages that would not reach the bot go to ``not_delivered``;
- selective ForceReply: ``force_reply_targets()`` and ``reply_box_shown()``;
- flood limits on by default (``enforce_limits=False`` turns them off), ``flood_chat()``;
- forum topics: ``send_text(..., thread_id=)``, ``messages(chat, thread_id=)``;
- ``remove_method()`` (404), ``fail_next()``, ``set_blocked()``, ``set_chat_not_found()``,
  ``set_kicked()``, ``set_deactivated()``;
- sendPhoto: Telegram's photo limits (10 MB, width + height at most 10000, ratio at most 20;
  PNG read by the fake), and the sizes Telegram keeps of a photo in ``Message.photo``;
- ``migrate_to_supergroup(order=...)``; anonymous admins and members posting as a channel
  (``send_text(..., anonymous_admin=True)`` / ``sender_channel_id=``).

Example::

    with FakeBotAPI() as fake:
        app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
        ...
        fake.send_text(42, "/start")
        fake.wait_for_messages(42, 1)
        fake.press_button(42, "Videre")
"""

from __future__ import annotations

import copy
import html
import json
import math
import random
import re
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

from tests import fakebotapi_rules as rules

JSONDict = dict[str, Any]
Params = dict[str, Any]

# Parameters that are always strings, even when they look like JSON numbers ("42", "true").
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "data",
        "callback_query_id",
        "inline_message_id",
        "parse_mode",
        "action",
        "url",
        "file_id",
        "document",
        "photo",
        "description",
        "short_description",
        "name",
        "language_code",
        "title",
    }
)
# Update fields that carry a Message object.
MESSAGE_UPDATE_KEYS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_message",
    "edited_business_message",
)
# Tags Telegram accepts with parse_mode="HTML".
HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "blockquote",
    }
)
HTML_TAG_RE = re.compile(r"<(/?)([^\s<>/]*)[^<>]*>|<")
COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
DEFAULT_GROUP_USER_ID = 1000
BLOCKED_DESCRIPTION = "Forbidden: bot was blocked by the user"
CHAT_NOT_FOUND = "Bad Request: chat not found"
USER_DEACTIVATED = "Forbidden: user is deactivated"
MIGRATED = "Bad Request: group chat was upgraded to a supergroup chat"
REPLY_NOT_FOUND = "Bad Request: message to be replied not found"
# getUpdates while another getUpdates waits: the Bot API server answers the waiting
# (older) request with this 409 and serves the new one.
CONFLICT_POLLING = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
ADMIN_RIGHTS = (
    "can_be_edited",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
)
RESTRICTED_RIGHTS = (  # ChatMemberRestricted's fields besides status, user, until_date
    "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
    "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
    "can_send_other_messages", "can_add_web_page_previews", "can_change_info",
    "can_invite_users", "can_pin_messages", "can_manage_topics", "can_react_to_messages",
    "can_edit_tag",
)  # fmt: skip


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status == error_code."""

    def __init__(
        self,
        code: int,
        description: str,
        retry_after: int | None = None,
        parameters: JSONDict | None = None,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.parameters = dict(parameters or {})

    def payload(self) -> JSONDict:
        """The error body; ResponseParameters carry retry_after / migrate_to_chat_id."""
        body: JSONDict = {"ok": False, "error_code": self.code, "description": self.description}
        parameters = dict(self.parameters)
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if parameters:
            body["parameters"] = parameters
        return body


@dataclass
class UploadedFile:
    """A file part of a multipart/form-data request."""

    filename: str | None
    content: bytes
    content_type: str | None = None


# --------------------------------------------------------------------------------------
# Request parsing
# --------------------------------------------------------------------------------------


def decode_value(key: str, value: Any) -> Any:
    """Decode a JSON-encoded parameter (PTB JSON-encodes every non-string value)."""
    if not isinstance(value, str) or key in STRING_PARAMS:
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    if isinstance(decoded, dict | list | int | float | bool):
        return decoded
    return value


def _header_param(header: str, name: str) -> str | None:
    """Extract name="value" from a Content-Disposition header (httpx HTML5 escaping)."""
    match = re.search(rf'(?:^|;)\s*{name}="((?:[^"\\]|\\.)*)"', header)
    if match is None:
        return None
    return unquote(match.group(1).replace("\\\\", "\\"))


def _split_part(part: bytes) -> tuple[dict[str, str], bytes]:
    head, _, content = part.partition(b"\r\n\r\n")
    headers: dict[str, str] = {}
    for line in head.decode("utf-8", "replace").split("\r\n"):
        key, sep, value = line.partition(":")
        if sep:
            headers[key.strip().lower()] = value.strip()
    return headers, content


def parse_multipart(content_type: str, body: bytes) -> tuple[Params, dict[str, UploadedFile]]:
    """Split a multipart/form-data body into plain fields and uploaded files."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match is None:
        raise ApiError(400, "Bad Request: multipart boundary missing")
    delimiter = b"\r\n--" + match.group(1).encode()
    params: Params = {}
    files: dict[str, UploadedFile] = {}
    for raw in (b"\r\n" + body).split(delimiter)[1:]:
        if raw.startswith(b"--"):
            break
        headers, content = _split_part(raw.removeprefix(b"\r\n"))
        disposition = headers.get("content-disposition", "")
        name = _header_param(disposition, "name") or ""
        filename = _header_param(disposition, "filename")
        if filename is not None or "content-type" in headers:
            files[name] = UploadedFile(filename, content, headers.get("content-type"))
        else:
            params[name] = content.decode("utf-8")
    return params, files


def parse_request(
    content_type: str, body: bytes, query: str
) -> tuple[Params, dict[str, UploadedFile]]:
    """Parse query string plus a JSON, urlencoded or multipart body into parameters."""
    params: Params = dict(parse_qsl(query, keep_blank_values=True))
    files: dict[str, UploadedFile] = {}
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json" and body.strip():
        loaded = json.loads(body)
        if not isinstance(loaded, dict):
            raise ApiError(400, "Bad Request: JSON body must be an object")
        params.update(loaded)
    elif kind == "application/x-www-form-urlencoded":
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif kind == "multipart/form-data":
        fields, files = parse_multipart(content_type, body)
        params.update(fields)
    return {key: decode_value(key, value) for key, value in params.items()}, files


# --------------------------------------------------------------------------------------
# Validation helpers mirroring the real server's checks
# --------------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


def check_html(text: str) -> None:
    """Raise like Telegram does for unsupported or unbalanced HTML tags."""
    stack: list[str] = []
    for match in HTML_TAG_RE.finditer(text):
        offset = len(text[: match.start()].encode())
        closing, name = match.group(1), (match.group(2) or "").lower()
        if match.group(0) == "<" or (not closing and name not in HTML_TAGS):
            raise ApiError(
                400,
                f'Bad Request: can\'t parse entities: Unsupported start tag "{name}" '
                f"at byte offset {offset}",
            )
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            raise ApiError(
                400,
                f"Bad Request: can't parse entities: Unexpected end tag at byte offset {offset}",
            )
    if stack:
        raise ApiError(
            400,
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1]}"',
        )


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text as the user sees it (tags removed for HTML); validates HTML."""
    if parse_mode is None or parse_mode.lower() != "html":
        return text
    check_html(text)
    return html.unescape(re.sub(r"<[^<>]*>", "", text))


def check_text(text: Any, parse_mode: str | None, *, caption: bool = False) -> None:
    """Validate a message text or caption."""
    if text is None and caption:
        return
    shown = visible_text(str(text if text is not None else ""), parse_mode)
    if not caption and not shown.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    limit, what = (MAX_CAPTION, "caption") if caption else (MAX_TEXT, "message")
    if utf16_len(shown) > limit:
        raise ApiError(400, f"Bad Request: {what} is too long")


def check_markup(markup: Any, chat_type: str = "private") -> None:
    """Validate an inline keyboard the way Telegram does."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not str(button.get("text", "")).strip():
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            check_link_buttons(button, chat_type)


def check_link_buttons(button: JSONDict, chat_type: str) -> None:
    """InlineKeyboardButton: `url` is an "HTTP or tg:// URL"; `web_app` (WebAppInfo.url "An
    HTTPS URL of a Web App") is "Available only in private chats between a user and the
    bot": elsewhere Telegram answers BUTTON_TYPE_INVALID."""
    if "web_app" in button:
        if chat_type != "private":
            raise ApiError(400, "Bad Request: BUTTON_TYPE_INVALID")
        info = button["web_app"]
        url = info.get("url") if isinstance(info, dict) else None
        if (
            not isinstance(url, str)
            or urlsplit(url).scheme != "https"
            or not urlsplit(url).hostname
        ):
            raise ApiError(
                400,
                f"Bad Request: inline keyboard button Web App URL '{url}' is invalid: "
                "Only HTTPS links are allowed",
            )
    if "url" in button:
        parts = urlsplit(str(button["url"]))
        if parts.scheme not in ("http", "https", "tg") or (
            parts.scheme != "tg" and not parts.hostname
        ):
            raise ApiError(
                400,
                f"Bad Request: inline keyboard button URL '{button['url']}' is invalid: "
                "Unsupported URL protocol",
            )


def inline_buttons(markup: Any) -> list[JSONDict]:
    """All buttons of an inline keyboard, row by row."""
    if not isinstance(markup, dict):
        return []
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def command_entities(text: str) -> list[JSONDict]:
    """A bot_command entity when the text starts with a command (also /cmd@botname)."""
    match = COMMAND_RE.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]


def chat_key(value: Any) -> int | str:
    """Normalise a chat_id parameter: numeric ids become int, @usernames stay str."""
    if isinstance(value, int):
        return value
    text = str(value)
    return int(text) if re.fullmatch(r"-?\d+", text) else text


# --------------------------------------------------------------------------------------
# Flood limits
# --------------------------------------------------------------------------------------


class RateLimiter:
    """Sliding-window approximation of Telegram's flood limits.

    The Bot FAQ states two hard figures: "no more than 30 messages per second" to different
    users and "no more than 20 messages per minute" in a group. For one private chat it only
    asks to "avoid sending more than one message per second" and says short bursts over that
    are allowed: no figure, so that bucket is off unless `private=True` (a test that wants a
    strict private chat turns it on).
    """

    LIMITS: ClassVar[dict[str, tuple[int, float]]] = {
        "global": (30, 1.0),
        "private": (3, 3.0),
        "group": (20, 60.0),
    }

    def __init__(self, private: bool = False) -> None:
        self._hits: dict[tuple[str, Any], deque[float]] = {}
        self.private = private

    def _wait(self, kind: str, key: Any, now: float) -> float:
        limit, window = self.LIMITS[kind]
        hits = self._hits.setdefault((kind, key), deque())
        while hits and hits[0] <= now - window:
            hits.popleft()
        return 0.0 if len(hits) < limit else hits[0] + window - now

    def _buckets(self, chat_id: Any, chat_type: str) -> list[tuple[str, Any]]:
        if chat_type == "private":
            return [("global", None), ("private", chat_id)] if self.private else [("global", None)]
        return [("global", None), ("group", chat_id)]

    def check(self, chat_id: Any, chat_type: str, register: bool = True) -> int | None:
        """Return retry_after seconds when one more message exceeds a limit; otherwise
        None, and the message is counted when `register`."""
        now = time.monotonic()
        buckets = self._buckets(chat_id, chat_type)
        wait = max(self._wait(kind, key, now) for kind, key in buckets)
        if wait > 0:
            return max(1, math.ceil(wait))
        if register:
            self.register(chat_id, chat_type)
        return None

    def register(self, chat_id: Any, chat_type: str) -> None:
        """Count a message that was sent."""
        now = time.monotonic()
        for kind, key in self._buckets(chat_id, chat_type):
            self._hits.setdefault((kind, key), deque()).append(now)


# --------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """Routes every HTTP request to the owning FakeBotAPI."""

    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        body = self._read_body()
        fake = self.server.fake
        if path.startswith("/file/"):
            status, content_type, data = fake._serve_file(path)
        else:
            content_type = "application/json"
            status, payload = fake._handle_http(
                path, url.query, self.headers.get("Content-Type", ""), body
            )
            data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The listen backlog: a bot sending to many chats at once opens many connections, which
    # Telegram's servers accept; the stdlib default of 5 would reset them.
    request_queue_size = 256

    def __init__(self, fake: FakeBotAPI) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that gave up (cancelled long polls) are normal; stay silent about them.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


# --------------------------------------------------------------------------------------
# The fake server
# --------------------------------------------------------------------------------------


class FakeBotAPI:
    """In-process fake of the Telegram Bot API; see the module docstring."""

    def __init__(
        self,
        token: str = "123:TEST",
        bot_username: str = "inklusion_test_bot",
        *,
        enforce_limits: bool = True,
        strict_private: bool = False,
        privacy_mode: bool = True,
        first_update_id: int = 1,
        seed: int | None = None,
        webhook_retry_delay: float = 0.2,
        webhook_max_attempts: int = 50,
    ) -> None:
        """Options model BotFather's and Telegram's defaults.

        enforce_limits: answer 429 like Telegram's flood limits (30/s overall, 20/min per
            group); on by default, off only for tests that measure something else.
        strict_private: also limit one private chat to 3 messages in 3 s (the FAQ's soft
            "one per second" with a short burst; off by default, see RateLimiter).
        privacy_mode: BotFather's group privacy (on by default, as for every new bot).
        first_update_id: "Update identifiers start from a certain positive number".
        seed: for the random update id after quiet_week().
        webhook_retry_delay / webhook_max_attempts: a failed webhook delivery is retried
            after this delay and given up after this many attempts.
        """
        self.token = token
        self.bot_username = bot_username
        self.bot_id = int(token.split(":", 1)[0])
        self.enforce_limits = enforce_limits
        self.strict_private = strict_private
        self.privacy_mode = privacy_mode
        self.first_update_id = first_update_id
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_max_attempts = webhook_max_attempts
        self._random = random.Random(seed)
        self._cond = threading.Condition(threading.RLock())
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._reset_records()
        self._reset_state()
        self._methods = self._method_table()
        self._canonical = {name.lower(): name for name in self._methods}

    def _method_table(self) -> dict[str, Callable[[Params, dict[str, UploadedFile]], Any]]:
        """Bot API method name -> handler."""
        return {
            "getMe": self._get_me,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "getFile": self._get_file,
            "sendChatAction": self._send_chat_action,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "setChatMenuButton": self._true,
            "setMyDescription": self._true,
            "setMyShortDescription": self._true,
            "close": self._true,
            "logOut": self._true,
        }

    def _reset_records(self) -> None:
        self.calls: list[tuple[str, Params]] = []
        self.sent: list[JSONDict] = []
        self.unknown_methods: list[str] = []
        self.answered: dict[str, Params] = {}
        self.deleted: list[tuple[int | str, int]] = []
        self.count_429 = 0
        # Group messages privacy mode kept from the bot (they never became updates).
        self.not_delivered: list[JSONDict] = []
        # Webhook POSTs: (update_id, HTTP status or 0 for a network error, headers sent).
        self.webhook_requests: list[tuple[int, int, dict[str, str]]] = []
        # Updates the webhook gave up on after webhook_max_attempts failed deliveries.
        self.webhook_dropped: list[JSONDict] = []

    def _reset_state(self) -> None:
        self._updates: list[JSONDict] = []
        self._delivered: set[int] = set()  # id() of queued updates handed out at least once
        self._update_seq = self.first_update_id - 1  # the last update_id handed out
        self._next_update_id: int | None = None
        self._poll_generation = 0
        self._webhook: JSONDict | None = None
        self._webhook_generation = 0
        self._webhook_thread: threading.Thread | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._allowed_updates: list[str] | None = None
        self._removed_methods: set[str] = set()
        self._chat_errors: dict[int | str, ApiError] = {}
        self._floods: dict[int | str, float] = {}
        self._migrated: dict[int | str, int] = {}
        self._bot_admin_in: set[int | str] = set()
        self._other_bot_spoke_last: set[int | str] = set()
        self._query_seq = 0
        self._file_seq = 0
        self._message_seq: dict[int | str, int] = {}
        self._bot_messages: dict[int | str, dict[int, JSONDict]] = {}
        self._user_messages: dict[tuple[int | str, int], JSONDict] = {}
        self._chats: dict[int | str, JSONDict] = {}
        self._users: dict[int, JSONDict] = {}
        self._queries: dict[str, JSONDict] = {}
        self._files: dict[str, tuple[UploadedFile, JSONDict]] = {}
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._admins: dict[int | str, set[int]] = {}
        self._left: dict[int | str, set[int]] = {}
        self._statuses: dict[tuple[int | str, int], JSONDict] = {}  # set_status
        self._creators: dict[int | str, int] = {}
        self._blocked: set[int | str] = set()
        self._faults: dict[str, list[ApiError]] = {}
        self._delays: dict[str, float] = {}
        self._limiter = RateLimiter(private=self.strict_private)
        self._inflight = 0
        self._last_activity = time.monotonic()

    # ---- lifecycle -------------------------------------------------------------------

    def start(self) -> FakeBotAPI:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("FakeBotAPI already started")
        self._stopping = False
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="FakeBotAPI",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; wakes pending long polls."""
        if self._server is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._webhook_thread is not None:
            self._webhook_thread.join(timeout=5)
            self._webhook_thread = None
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeBotAPI is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """Pass to Bot(base_url=...) / ApplicationBuilder().base_url(...)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Pass to Bot(base_file_url=...) / ApplicationBuilder().base_file_url(...)."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def bot_user(self) -> JSONDict:
        """The bot's User object as it appears in the "from" field of its messages."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Test Bot",
            "username": self.bot_username,
        }

    # ---- HTTP entry points -----------------------------------------------------------

    def _handle_http(
        self, path: str, query: str, content_type: str, body: bytes
    ) -> tuple[int, JSONDict]:
        token, _, method = path.removeprefix("/bot").partition("/")
        if not path.startswith("/bot") or not method:
            return 404, ApiError(404, "Not Found").payload()
        if token != self.token:
            return 401, ApiError(401, "Unauthorized").payload()
        try:
            params, files = parse_request(content_type, body, query)
        except (ApiError, ValueError) as err:
            error = err if isinstance(err, ApiError) else ApiError(400, f"Bad Request: {err}")
            return error.code, error.payload()
        return self._dispatch(method, params, files)

    def _dispatch(
        self, method: str, params: Params, files: dict[str, UploadedFile]
    ) -> tuple[int, JSONDict]:
        name = self._canonical.get(method.lower())
        polling = name == "getUpdates"
        self._begin_call(method, params, files, polling)
        try:
            delay = self._delays.get((name or method).lower(), 0.0)
            if delay:
                time.sleep(delay)
            result = self._run(name, method, params, files)
            return 200, {"ok": True, "result": result}
        except ApiError as err:
            return err.code, self._error_payload(err)
        finally:
            self._end_call(polling)

    def _run(
        self, name: str | None, method: str, params: Params, files: dict[str, UploadedFile]
    ) -> Any:
        if name is None or name.lower() in self._removed_methods:
            # The real server answers 404 "Not Found" for a method it does not have.
            with self._cond:
                self.unknown_methods.append(method)
            raise ApiError(404, f"Not Found: method {method}")
        with self._cond:
            self._check_faults(name)
            self._check_chat(name, params)
            self._check_blocked(name, params)
            self._check_flood(name, params)
        result = self._methods[name](params, files)
        if self._counts_for_limits(name):
            # Only messages that were really sent count against the flood limits.
            with self._cond:
                chat_id = chat_key(params.get("chat_id", ""))
                self._limiter.register(chat_id, self._chat_obj(chat_id)["type"])
        return result

    @staticmethod
    def _counts_for_limits(name: str) -> bool:
        return name.startswith("send") and name != "sendChatAction"

    def _begin_call(
        self, method: str, params: Params, files: dict[str, UploadedFile], polling: bool
    ) -> None:
        recorded = dict(params)
        for field, upload in files.items():
            recorded.setdefault(field, upload)
        with self._cond:
            self.calls.append((method, recorded))
            if not polling:
                self._inflight += 1
                self._last_activity = time.monotonic()
            self._cond.notify_all()

    def _end_call(self, polling: bool) -> None:
        with self._cond:
            if not polling:
                self._inflight -= 1
                self._last_activity = time.monotonic()
            self._cond.notify_all()

    def _error_payload(self, err: ApiError) -> JSONDict:
        if err.code == 429:
            with self._cond:
                self.count_429 += 1
        return err.payload()

    def _serve_file(self, path: str) -> tuple[int, str, bytes]:
        prefix = f"/file/bot{self.token}/"
        with self._cond:
            for upload, info in self._files.values():
                if path == prefix + info["file_path"]:
                    return 200, upload.content_type or "application/octet-stream", upload.content
        return 404, "text/plain", b"Not Found"

    # ---- fault injection -------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with this error."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        with self._cond:
            queue = self._faults.setdefault(method.lower(), [])
            queue.extend(ApiError(error_code, description, retry_after) for _ in range(times))

    def set_blocked(self, chat_id: int | str, blocked: bool = True) -> None:
        """Every send/edit to this chat answers 403 "bot was blocked by the user"."""
        with self._cond:
            if blocked:
                self._blocked.add(chat_key(chat_id))
            else:
                self._blocked.discard(chat_key(chat_id))

    def remove_method(self, method: str, removed: bool = True) -> None:
        """Answer `method` with 404 Not Found, like an emulator that lacks it."""
        with self._cond:
            if removed:
                self._removed_methods.add(method.lower())
            else:
                self._removed_methods.discard(method.lower())

    def set_chat_error(self, chat_id: int | str, error: ApiError | None) -> None:
        """Answer every call about this chat (any method with its chat_id) with `error`."""
        with self._cond:
            if error is None:
                self._chat_errors.pop(chat_key(chat_id), None)
            else:
                self._chat_errors[chat_key(chat_id)] = error

    def set_chat_not_found(self, chat_id: int | str, on: bool = True) -> None:
        """Calls about this chat answer 400 "Bad Request: chat not found"."""
        self.set_chat_error(chat_id, ApiError(400, CHAT_NOT_FOUND) if on else None)

    def set_kicked(self, chat_id: int | str, on: bool = True) -> None:
        """Calls about this group answer 403 "Forbidden: bot was kicked from the ... chat"."""
        kind = "supergroup" if self._chat_obj(chat_key(chat_id))["type"] != "group" else "group"
        error = ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        self.set_chat_error(chat_id, error if on else None)

    def set_deactivated(self, chat_id: int | str, on: bool = True) -> None:
        """Calls about this private chat answer 403 "Forbidden: user is deactivated"."""
        self.set_chat_error(chat_id, ApiError(403, USER_DEACTIVATED) if on else None)

    def flood_chat(self, chat_id: int | str, retry_after: int = 20) -> None:
        """Every message sent or edited in this chat answers 429 with the seconds left of
        `retry_after`, until they have passed; other chats are not affected.

        Bot API, ResponseParameters.retry_after: "In case of exceeding flood control, the
        number of seconds left to wait before the request can be repeated".
        """
        with self._cond:
            self._floods[chat_key(chat_id)] = time.monotonic() + retry_after

    def delay(self, method: str, seconds: float) -> None:
        """Sleep `seconds` before answering each call of `method` (0 removes the delay)."""
        with self._cond:
            self._delays[method.lower()] = seconds

    def set_admins(
        self, chat_id: int | str, user_ids: Iterable[int], creator: int | None = None
    ) -> None:
        """getChatMember answers "administrator" for these users ("creator" for creator)."""
        with self._cond:
            self._admins[chat_key(chat_id)] = set(user_ids)
            if creator is not None:
                self._creators[chat_key(chat_id)] = creator

    def set_left(self, chat_id: int | str, user_ids: Iterable[int]) -> None:
        """getChatMember answers "left" for these users (they left the group)."""
        with self._cond:
            self._left[chat_key(chat_id)] = set(user_ids)

    def set_status(
        self, chat_id: int | str, user_id: int, status: str, is_member: bool = False
    ) -> None:
        """getChatMember answers `status` for this user: "restricted" (still in the group
        when `is_member`, else restricted and gone), "kicked", "left", "member"."""
        member: JSONDict = {"status": status}
        if status == "restricted":
            member.update(dict.fromkeys(RESTRICTED_RIGHTS, False), is_member=is_member)
        if status in ("restricted", "kicked"):
            member["until_date"] = 0
        with self._cond:
            self._statuses[(chat_key(chat_id), user_id)] = member

    def _check_faults(self, name: str) -> None:
        queue = self._faults.get(name.lower())
        if queue:
            raise queue.pop(0)

    def _check_chat(self, name: str, params: Params) -> None:
        if params.get("chat_id") in (None, ""):
            return
        chat_id = chat_key(params["chat_id"])
        if chat_id in self._migrated:
            # ResponseParameters.migrate_to_chat_id: "The group has been migrated to a
            # supergroup with the specified identifier."
            new_id = self._migrated[chat_id]
            raise ApiError(400, MIGRATED, parameters={"migrate_to_chat_id": new_id})
        if chat_id in self._chat_errors:
            error = self._chat_errors[chat_id]
            raise ApiError(error.code, error.description, error.retry_after, error.parameters)

    def _check_blocked(self, name: str, params: Params) -> None:
        if not name.startswith(("send", "edit")) or "chat_id" not in params:
            return
        if chat_key(params["chat_id"]) in self._blocked:
            raise ApiError(403, BLOCKED_DESCRIPTION)

    def _check_flood(self, name: str, params: Params) -> None:
        """Bot FAQ, "My bot is hitting limits, how do I avoid this?": "avoid sending more
        than one message per second" in a single chat, "the API will not allow more than 30
        messages per second or so" overall, and in a group "bots are not be able to send
        more than 20 messages per minute"; beyond that the bot receives 429 errors."""
        if not name.startswith(("send", "edit")) or name == "sendChatAction":
            return
        chat_id = chat_key(params.get("chat_id", ""))
        until = self._floods.get(chat_id)
        if until is not None and time.monotonic() < until:
            wait = max(1, math.ceil(until - time.monotonic()))
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        if not self.enforce_limits or not self._counts_for_limits(name):
            return
        retry_after = self._limiter.check(chat_id, self._chat_obj(chat_id)["type"], register=False)
        if retry_after is not None:
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )

    # ---- test-side input -------------------------------------------------------------

    def send_update(self, update: JSONDict) -> JSONDict:
        """Queue an arbitrary update for the bot; fills update_id, message ids and dates.

        A group message that privacy mode keeps from the bot, or an update of a kind
        outside allowed_updates, is not queued: it goes to `not_delivered` and the returned
        copy has no update_id.
        """
        with self._cond:
            update = copy.deepcopy(update)
            self._fill_message_defaults(update)
            if not self._reaches_bot(update):
                update.pop("update_id", None)
                self.not_delivered.append(copy.deepcopy(update))
                self._last_activity = time.monotonic()
                self._cond.notify_all()
                return copy.deepcopy(update)
            if "update_id" in update:
                self._update_seq = max(self._update_seq, int(update["update_id"]))
            else:
                update["update_id"] = self._take_update_id()
            self._updates.append(update)
            self._last_activity = time.monotonic()
            self._cond.notify_all()
            return copy.deepcopy(update)

    # ---- update ids ------------------------------------------------------------------

    def _take_update_id(self) -> int:
        """Update.update_id: "Update identifiers start from a certain positive number and
        increase sequentially. ... If there are no new updates for at least a week, then
        identifier of the next update will be chosen randomly instead of sequentially."
        """
        if self._next_update_id is not None:
            self._update_seq, self._next_update_id = self._next_update_id, None
        else:
            self._update_seq += 1
        return self._update_seq

    @property
    def next_update_id(self) -> int:
        """The update_id the next queued update will get (settable)."""
        with self._cond:
            return self._next_update_id or self._update_seq + 1

    @next_update_id.setter
    def next_update_id(self, value: int) -> None:
        if value < 1:
            raise ValueError("update ids are positive")
        with self._cond:
            self._next_update_id = int(value)

    def quiet_week(self) -> int:
        """Simulate a week without updates: the next update_id is random and LOWER than the
        last one handed out (the worst case of "chosen randomly"); later ones follow it
        sequentially. Returns the id the next update will get.

        The bot's getUpdates offset is then the old, higher id + 1. The Bot API server
        (telegram-bot-api, TQueue::get) refuses an offset "in the future" (more than 10
        past its queue's last id) and reads the queue from its head, so the bot still
        receives the updates with the new, lower ids; the fake gets the same result by
        confirming only updates it has already delivered.
        """
        with self._cond:
            last = self._update_seq
            if last < 2:
                raise ValueError(
                    "no lower positive update id exists yet; send updates first or use "
                    "first_update_id / next_update_id"
                )
            self._next_update_id = self._random.randint(1, last - 1)
            return self._next_update_id

    # ---- who receives what -----------------------------------------------------------

    def _reaches_bot(self, update: JSONDict) -> bool:
        if not rules.allowed(update, self._allowed_updates):
            return False
        for key in ("message", "edited_message"):
            message = update.get(key)
            if not isinstance(message, dict):
                continue
            chat = message.get("chat") or {}
            if chat.get("type") not in ("group", "supergroup"):
                continue
            if rules.from_other_bot(message, self.bot_id):
                return False
            if self._reads_all_messages(chat.get("id")):
                continue
            spoke_last = chat_key(chat.get("id")) not in self._other_bot_spoke_last
            if not rules.privacy_mode_delivers(message, self.bot_id, self.bot_username, spoke_last):
                return False
        return True

    def _reads_all_messages(self, chat_id: Any) -> bool:
        """Bot FAQ: "Bot admins and bots with privacy mode disabled will receive all
        messages except messages sent by other bots." """
        key = chat_key(chat_id)
        return (
            not self.privacy_mode
            or key in self._bot_admin_in
            or self.bot_id in self._admins.get(key, set())
            or self._creators.get(key) == self.bot_id
        )

    def set_privacy(self, enabled: bool) -> None:
        """Switch group privacy mode (BotFather's /setprivacy) for new messages."""
        with self._cond:
            self.privacy_mode = enabled

    def other_bot_wrote(self, chat_id: int | str) -> None:
        """Another bot sent the group's latest bot message: until this bot sends a message
        there, general commands (/start without @) go to that bot, not to this one."""
        with self._cond:
            self._other_bot_spoke_last.add(chat_key(chat_id))

    def set_bot_admin(self, chat_id: int | str, admin: bool = True) -> None:
        """Make the bot an administrator of the group (it then receives all messages)."""
        with self._cond:
            key = chat_key(chat_id)
            admins = self._admins.setdefault(key, set())
            if admin:
                self._bot_admin_in.add(key)
                admins.add(self.bot_id)
            else:
                self._bot_admin_in.discard(key)
                admins.discard(self.bot_id)

    def send_text(
        self,
        chat_id: int,
        text: str,
        user_id: int | None = None,
        first_name: str = "Test",
        chat_type: str = "private",
        title: str | None = None,
        reply_to_message_id: int | None = None,
        *,
        reply_to: int | None = None,
        username: str | None = None,
        thread_id: int | None = None,
        forum: bool | None = None,
        anonymous_admin: bool = False,
        author_signature: str | None = None,
        sender_channel_id: int | None = None,
        sender_channel_title: str | None = None,
    ) -> JSONDict:
        """Queue a text message from a user; commands get a bot_command entity.

        reply_to (= reply_to_message_id): the message replied to. username: the sender's
        @username (for mentions). thread_id: the forum topic (the supergroup becomes a
        forum); a reply to a message in a topic is in that topic too. anonymous_admin: sent
        by an anonymous group admin: "from" is GroupAnonymousBot and sender_chat the group
        itself. sender_channel_id: a member posting as their channel: "from" is Channel_Bot
        and sender_chat that channel. Message.sender_chat: "Sender of the message when sent
        on behalf of a chat. For example, ... the supergroup itself for messages sent by its
        anonymous administrators"; Message.from: "For backward compatibility, the field
        contains a fake sender user in non-channel chats, if the message was sent on behalf
        of a chat."

        A group message that privacy mode keeps from the bot is recorded in
        `not_delivered`; the returned update then has no update_id.
        """
        reply_to = reply_to if reply_to is not None else reply_to_message_id
        with self._cond:
            if thread_id is not None and forum is None:
                forum = True
            chat = self._register_chat(chat_id, chat_type, title, first_name, forum=forum)
            user_id = self._default_user(chat_id, chat_type, user_id)
            user = self._register_user(user_id, first_name, username)
            message: JSONDict = {
                "message_id": self._next_message_id(chat_id),
                "date": int(time.time()),
                "chat": chat,
                "from": user,
                "text": text,
            }
            self._on_behalf_of_chat(
                message, anonymous_admin, sender_channel_id, sender_channel_title
            )
            if author_signature is not None:
                message["author_signature"] = author_signature
            if entities := command_entities(text):
                message["entities"] = entities
            if reply_to is not None:
                replied = self._lookup_message(chat_id, reply_to)
                replied.pop("reply_to_message", None)
                message["reply_to_message"] = replied
                if thread_id is None:
                    thread_id = self._reply_thread(chat, replied)
            if thread_id is not None:
                # Message.message_thread_id: "Unique identifier of a message thread or forum
                # topic to which the message belongs"; is_topic_message: "True, if the
                # message is sent to a topic in a forum supergroup".
                message["message_thread_id"] = thread_id
                if chat.get("is_forum"):
                    message["is_topic_message"] = True
            self._user_messages[(chat_id, message["message_id"])] = message
            return self.send_update({"message": message})

    @staticmethod
    def _on_behalf_of_chat(
        message: JSONDict,
        anonymous_admin: bool,
        sender_channel_id: int | None,
        sender_channel_title: str | None,
    ) -> None:
        """Set "from" and sender_chat for a message sent on behalf of a chat."""
        if anonymous_admin:
            message["from"] = dict(rules.GROUP_ANONYMOUS_BOT)
            message["sender_chat"] = dict(message["chat"])
        elif sender_channel_id is not None:
            message["from"] = dict(rules.CHANNEL_BOT)
            message["sender_chat"] = {
                "id": sender_channel_id,
                "type": "channel",
                "title": sender_channel_title or f"Channel {sender_channel_id}",
            }

    @staticmethod
    def _reply_thread(chat: JSONDict, replied: JSONDict) -> int | None:
        """The thread a user's reply belongs to: the replied message's forum topic; in a
        supergroup without topics, the replied message's thread (it carries
        message_thread_id, but no is_topic_message, as real updates show)."""
        if replied.get("message_thread_id") is not None:
            return int(replied["message_thread_id"])
        if chat.get("type") == "supergroup" and not chat.get("is_forum"):
            return int(replied["message_id"])
        return None

    def add_user(
        self, user_id: int, first_name: str = "Test", username: str | None = None
    ) -> JSONDict:
        """Make a user (and their @username) known to the fake, e.g. for mentions."""
        with self._cond:
            return self._register_user(user_id, first_name, username)

    def migrate_to_supergroup(
        self,
        chat_id: int,
        new_chat_id: int | None = None,
        *,
        order: str = "to_first",
        user_id: int | None = None,
    ) -> int:
        """Turn a basic group into a supergroup, as Telegram does; returns the new id.

        Two service messages arrive: in the old group one with migrate_to_chat_id ("The
        group has been migrated to a supergroup with the specified identifier"), in the new
        supergroup one with migrate_from_chat_id ("The supergroup has been migrated from a
        group with the specified identifier"). The docs do not say which comes first, so
        `order` chooses: "to_first" or "from_first". Afterwards every call about the old
        id answers 400 with ResponseParameters.migrate_to_chat_id.
        """
        if order not in ("to_first", "from_first"):
            raise ValueError("order must be 'to_first' or 'from_first'")
        old = chat_key(chat_id)
        new = new_chat_id if new_chat_id is not None else int(f"-100{abs(int(old)):010d}")
        with self._cond:
            previous = self._chats.get(old, {})
            title = previous.get("title") or f"Test group {old}"
            old_chat = {"id": old, "type": "group", "title": title}
            new_chat = {"id": new, "type": "supergroup", "title": title}
            self._chats[old] = old_chat
            self._chats[new] = dict(new_chat)
            sender = self._user_obj(user_id if user_id is not None else DEFAULT_GROUP_USER_ID)
            for members in (self._admins, self._left):
                if old in members:
                    members[new] = set(members[old])
            if old in self._creators:
                self._creators[new] = self._creators[old]
            if old in self._bot_admin_in:
                self._bot_admin_in.add(new)
            to_update = {"message": {"chat": old_chat, "from": sender, "migrate_to_chat_id": new}}
            from_update = {
                "message": {"chat": new_chat, "from": sender, "migrate_from_chat_id": old}
            }
            pair = [to_update, from_update]
            if order == "from_first":
                pair.reverse()
            for update in pair:
                self.send_update(update)
            self._migrated[old] = new
            return new

    def press(
        self,
        chat_id: int | str,
        message_id: int,
        data: str,
        user_id: int | None = None,
        first_name: str = "Test",
    ) -> str:
        """Queue a callback_query for a bot message; returns the callback query id."""
        with self._cond:
            record = self._bot_messages.get(chat_key(chat_id), {}).get(message_id)
            if record is None:
                raise self._failure(f"no bot message {message_id} in chat {chat_id} to press")
            chat = self._chat_obj(chat_key(chat_id))
            user_id = self._default_user(chat["id"], chat["type"], user_id)
            self._query_seq += 1
            query_id = str(8_000_000_000 + self._query_seq)
            query = {
                "id": query_id,
                "from": self._register_user(user_id, first_name),
                "message": self._message_obj(record),
                "chat_instance": f"instance-{chat_id}",
                "data": data,
            }
            self._queries[query_id] = query
            self.send_update({"callback_query": query})
            return query_id

    def press_button(
        self, chat_id: int | str, label: str, user_id: int | None = None, first_name: str = "Test"
    ) -> str:
        """Press the button labelled `label` on the newest bot message that has it."""
        with self._cond:
            found = self._find_button(chat_key(chat_id), label)
            if found is None:
                raise self._failure(
                    f"no button {label!r} in chat {chat_id}; buttons: {self.buttons(chat_id)}"
                )
            record, button = found
            if "callback_data" not in button:
                raise self._failure(f"button {label!r} has no callback_data: {button}")
            return self.press(
                chat_id, record["message_id"], button["callback_data"], user_id, first_name
            )

    # ---- queries on what the bot did -------------------------------------------------

    def messages(self, chat_id: int | str, thread_id: int | None = None) -> list[JSONDict]:
        """Current state (edits applied, deletions removed) of the bot's messages, in order;
        with thread_id only those in that forum topic (message_thread_id)."""
        with self._cond:
            records = self._bot_messages.get(chat_key(chat_id), {}).values()
            return [
                copy.copy(record)
                for record in records
                if thread_id is None or record.get("message_thread_id") == thread_id
            ]

    def force_reply_targets(self, chat_id: int | str, message_id: int) -> set[int]:
        """Users the reply box of this bot message's ForceReply is shown to.

        Selective: the users the docs name (mentioned, or the sender of the message it
        replies to). Not selective: every user the fake has seen in the chat. No ForceReply:
        nobody.
        """
        with self._cond:
            record = self._bot_messages.get(chat_key(chat_id), {}).get(message_id)
            if record is None:
                raise self._failure(f"no bot message {message_id} in chat {chat_id}")
            targets = record.get("force_reply_targets")
            if targets is None:
                return {
                    int(message["from"]["id"])
                    for (chat, _), message in self._user_messages.items()
                    if chat == chat_key(chat_id) and isinstance(message.get("from"), dict)
                }
            return set(targets)

    def reply_box_shown(self, chat_id: int | str, message_id: int, user_id: int) -> bool:
        """Whether this user's client opens the reply box for the bot's ForceReply message."""
        with self._cond:
            record = self._bot_messages.get(chat_key(chat_id), {}).get(message_id)
            if record is None:
                raise self._failure(f"no bot message {message_id} in chat {chat_id}")
            targets = record.get("force_reply_targets")
            return targets is None or user_id in targets

    def last_message(self, chat_id: int | str) -> JSONDict:
        """The newest bot message in the chat; AssertionError when there is none."""
        current = self.messages(chat_id)
        if not current:
            raise self._failure(f"no bot messages in chat {chat_id}")
        return current[-1]

    def buttons(self, chat_id: int | str) -> list[str]:
        """Labels on the newest bot message in the chat that has an inline keyboard."""
        for record in reversed(self.messages(chat_id)):
            labels = [button["text"] for button in inline_buttons(record["reply_markup"])]
            if labels:
                return labels
        return []

    def sent_to(self, chat_id: int | str) -> list[JSONDict]:
        """The `sent` records (sends and edits) for one chat."""
        key = chat_key(chat_id)
        with self._cond:
            return [record for record in self.sent if record["chat_id"] == key]

    def commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """Commands set with setMyCommands for this scope and language."""
        with self._cond:
            return list(self._commands.get(self._commands_key(scope, language_code), []))

    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by the bot (via the getUpdates offset)."""
        with self._cond:
            return copy.deepcopy(self._updates)

    # ---- waiting ---------------------------------------------------------------------

    def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 10, what: str | None = None
    ) -> Any:
        """Block until predicate() is truthy (re-checked on every server event)."""
        with self._cond:
            result = self._cond.wait_for(predicate, timeout)
            if not result:
                raise self._failure(f"timed out after {timeout}s waiting for {what or predicate}")
            return result

    def wait_for_messages(
        self, chat_id: int | str, count: int, timeout: float = 10
    ) -> list[JSONDict]:
        """Block until the chat has at least `count` sent records; returns them."""
        self.wait_for(
            lambda: len(self.sent_to(chat_id)) >= count,
            timeout,
            f"{count} sent message(s) in chat {chat_id} (have {len(self.sent_to(chat_id))})",
        )
        return self.sent_to(chat_id)

    def wait_answered(self, callback_query_id: str, timeout: float = 10) -> Params:
        """Block until answerCallbackQuery was called for this id; returns its parameters."""
        self.wait_for(
            lambda: callback_query_id in self.answered,
            timeout,
            f"answerCallbackQuery({callback_query_id})",
        )
        return self.answered[callback_query_id]

    def wait_idle(self, quiet: float = 0.3, timeout: float = 10) -> None:
        """Block until no call (other than getUpdates) arrived for `quiet` seconds.

        Queued updates that the bot has not fetched yet count as "busy".
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                now = time.monotonic()
                quiet_for = now - self._last_activity
                undelivered = any(id(u) not in self._delivered for u in self._updates)
                if not self._inflight and not undelivered and quiet_for >= quiet:
                    return
                if now >= deadline:
                    raise self._failure(f"bot not idle for {quiet}s within {timeout}s")
                self._cond.wait(min(deadline - now, max(quiet - quiet_for, 0.02)))

    def _failure(self, message: str) -> AssertionError:
        return AssertionError(f"{message}\nlast calls: {self._summary()}")

    def _summary(self, count: int = 20) -> str:
        """Recent calls as 'method(chat=id)', collapsing repeats; no message contents."""
        with self._cond:
            labels = [
                f"{method}(chat={params['chat_id']})" if "chat_id" in params else method
                for method, params in self.calls
            ]
        collapsed: list[list[Any]] = []
        for label in labels:
            if collapsed and collapsed[-1][0] == label:
                collapsed[-1][1] += 1
            else:
                collapsed.append([label, 1])
        parts = [label if n == 1 else f"{label} x{n}" for label, n in collapsed[-count:]]
        return ", ".join(parts) or "(none)"

    # ---- chats, users, messages ------------------------------------------------------

    def _register_chat(
        self,
        chat_id: int | str,
        chat_type: str,
        title: str | None,
        first_name: str,
        forum: bool | None = None,
    ) -> JSONDict:
        chat: JSONDict = {"id": chat_id, "type": chat_type}
        previous = self._chats.get(chat_id, {})
        if chat_type == "private":
            chat["first_name"] = first_name
        else:
            chat["title"] = title or previous.get("title") or f"Test {chat_type} {chat_id}"
        if forum is None:
            forum = bool(previous.get("is_forum"))
        if forum and chat_type == "supergroup":
            chat["is_forum"] = True  # Chat.is_forum: "True, if the supergroup chat is a forum"
        self._chats[chat_id] = chat
        return dict(chat)

    def _register_user(
        self, user_id: int, first_name: str, username: str | None = None
    ) -> JSONDict:
        user: JSONDict = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": "da",
        }
        username = username or self._users.get(user_id, {}).get("username")
        if username:
            user["username"] = username
        self._users[user_id] = user
        return dict(user)

    def _user_by_username(self, username: str) -> int | None:
        for user in self._users.values():
            if str(user.get("username", "")).lower() == username.lower():
                return int(user["id"])
        return None

    @staticmethod
    def _default_user(chat_id: int | str, chat_type: str, user_id: int | None) -> int:
        if user_id is not None:
            return user_id
        if chat_type == "private" and isinstance(chat_id, int):
            return chat_id
        return DEFAULT_GROUP_USER_ID

    def _chat_type(self, chat_id: Any) -> str:
        """The type of the chat a call names ("private" when it names none: inline messages)."""
        if chat_id in (None, ""):
            return "private"
        return str(self._chat_obj(chat_key(chat_id))["type"])

    def _chat_obj(self, chat_id: int | str) -> JSONDict:
        if chat_id in self._chats:
            return dict(self._chats[chat_id])
        if isinstance(chat_id, str):
            return {"id": -1_000_000_000_000, "type": "channel", "title": chat_id}
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Test"}
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": f"Test {kind} {chat_id}"}

    def _user_obj(self, user_id: int) -> JSONDict:
        if user_id == self.bot_id:
            return self.bot_user
        return dict(
            self._users.get(user_id, {"id": user_id, "is_bot": False, "first_name": "User"})
        )

    def _next_message_id(self, chat_id: int | str) -> int:
        self._message_seq[chat_id] = self._message_seq.get(chat_id, 0) + 1
        return self._message_seq[chat_id]

    def _fill_message_defaults(self, update: JSONDict) -> None:
        for key in MESSAGE_UPDATE_KEYS:
            message = update.get(key)
            if not isinstance(message, dict) or not isinstance(message.get("chat"), dict):
                continue
            chat_id = message["chat"]["id"]
            self._chats.setdefault(chat_id, dict(message["chat"]))
            if "message_id" not in message:
                message["message_id"] = self._next_message_id(chat_id)
            message.setdefault("date", int(time.time()))
            if key.startswith("edited_"):
                message.setdefault("edit_date", int(time.time()))
            elif key == "message":
                self._user_messages.setdefault((chat_id, message["message_id"]), message)

    def _lookup_message(self, chat_id: int | str, message_id: int) -> JSONDict:
        if (chat_id, message_id) in self._user_messages:
            return copy.deepcopy(self._user_messages[(chat_id, message_id)])
        record = self._bot_messages.get(chat_id, {}).get(message_id)
        if record is not None:
            return self._message_obj(record, with_reply=False)
        return {"message_id": message_id, "date": int(time.time()), "chat": self._chat_obj(chat_id)}

    def _message_obj(self, record: JSONDict, with_reply: bool = True) -> JSONDict:
        """The Telegram Message object for a recorded bot message.

        Message.reply_to_message: "Note that the Message object in this field will not
        contain further reply_to_message fields even if it itself is a reply."
        """
        message: JSONDict = {
            "message_id": record["message_id"],
            "date": record["date"],
            "chat": self._chat_obj(record["chat_id"]),
            "from": self.bot_user,
        }
        if record.get("message_thread_id") is not None:
            message["message_thread_id"] = record["message_thread_id"]
            if self._chats.get(record["chat_id"], {}).get("is_forum"):
                message["is_topic_message"] = True
        if with_reply and record.get("reply_to_message_id") is not None:
            replied = self._lookup_message(record["chat_id"], record["reply_to_message_id"])
            replied.pop("reply_to_message", None)
            message["reply_to_message"] = replied
        if record["text"] is not None:
            message["text"] = record["text"]
        if record.get("edit_date"):
            message["edit_date"] = record["edit_date"]
        if record["file_id"] is not None:
            self._add_media(message, record)
        if inline_buttons(record["reply_markup"]):
            message["reply_markup"] = record["reply_markup"]
        return message

    def _add_media(self, message: JSONDict, record: JSONDict) -> None:
        """Put a recorded file into its Message: a photo's sizes or a document, and a caption."""
        if record.get("photo_sizes"):
            message["photo"] = copy.deepcopy(record["photo_sizes"])
        else:
            message["document"] = dict(self._files[record["file_id"]][1])
        if record["caption"] is not None:
            message["caption"] = record["caption"]

    def _find_button(self, chat_id: int | str, label: str) -> tuple[JSONDict, JSONDict] | None:
        records = list(reversed(self._bot_messages.get(chat_id, {}).values()))
        for exact in (True, False):
            for record in records:
                for button in inline_buttons(record["reply_markup"]):
                    text = str(button.get("text", ""))
                    if text == label if exact else label in text:
                        return record, button
        return None

    def _new_record(
        self, chat_id: int | str, method: str, params: Params, **fields: Any
    ) -> JSONDict:
        """Store a new bot message and append it to `sent`."""
        replied = self._replied_message(chat_id, params)
        thread_id = params.get("message_thread_id")
        if thread_id not in (None, "", 0) and self._chats.get(chat_id, {}).get("is_forum"):
            self._check_topic(chat_id, int(thread_id))
        if thread_id in (None, "", 0) and replied is not None:
            # A reply goes where the message it answers is: the same forum topic.
            thread_id = replied.get("message_thread_id")
        record: JSONDict = {
            "method": method,
            "chat_id": chat_id,
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "text": None,
            "caption": None,
            "parse_mode": params.get("parse_mode"),
            "reply_markup": params.get("reply_markup"),
            "document": None,
            "photo": None,
            "photo_sizes": None,
            "filename": None,
            "file_id": None,
            "edited": False,
            "params": params,
            "message_thread_id": None if thread_id in (None, "", 0) else int(thread_id),
            "reply_to_message_id": None if replied is None else replied["message_id"],
        }
        record.update(fields)
        record["force_reply_targets"] = self._force_reply_targets(record, replied)
        self._other_bot_spoke_last.discard(chat_id)
        self._bot_messages.setdefault(chat_id, {})[record["message_id"]] = record
        self.sent.append(copy.copy(record))
        self._cond.notify_all()
        return record

    def _check_topic(self, chat_id: int | str, thread_id: int) -> None:
        """sendMessage message_thread_id: "Unique identifier for the target message thread
        (topic) of the forum; for forum supergroups only". The General topic is sent to
        without one: message_thread_id=1 answers "message thread not found", as does a
        topic no message of the fake's has been in."""
        known = any(
            message.get("message_thread_id") == thread_id
            for (chat, _), message in self._user_messages.items()
            if chat == chat_id
        ) or any(
            record.get("message_thread_id") == thread_id
            for record in self._bot_messages.get(chat_id, {}).values()
        )
        if thread_id == 1 or not known:
            raise ApiError(400, "Bad Request: message thread not found")

    def _replied_message(self, chat_id: int | str, params: Params) -> JSONDict | None:
        """The message a send replies to (reply_parameters or reply_to_message_id).

        ReplyParameters.allow_sending_without_reply: "Pass True if the message should be
        sent even if the specified message to be replied to is not found"; otherwise
        Telegram answers 400 "message to be replied not found".
        """
        reply_chat, message_id, without_reply = rules.reply_target(params)
        if message_id is None:
            return None
        target_chat = chat_id if reply_chat in (None, "") else chat_key(reply_chat)
        found = (target_chat, message_id) in self._user_messages or message_id in (
            self._bot_messages.get(target_chat, {})
        )
        if not found:
            if without_reply:
                return None
            raise ApiError(400, REPLY_NOT_FOUND)
        if target_chat != chat_id:
            return None  # a reply into another chat is shown as a quote, not a thread reply
        return self._lookup_message(target_chat, message_id)

    def _force_reply_targets(self, record: JSONDict, replied: JSONDict | None) -> set[int] | None:
        """Who is shown the reply box of a ForceReply (None: everyone; absent: nobody).

        ForceReply.selective: "Use this parameter if you want to force reply from specific
        users only. Targets: 1) users that are @mentioned in the text of the Message object;
        2) if the bot's message is a reply to a message in the same chat and forum topic,
        sender of the original message."
        """
        markup = record.get("reply_markup")
        if not isinstance(markup, dict) or not markup.get("force_reply"):
            return set()
        if not markup.get("selective"):
            return None
        params = record["params"]
        text = str(record.get("text") or record.get("caption") or "")
        entities = params.get("entities") or params.get("caption_entities")
        targets = rules.mentioned_users(
            text, record.get("parse_mode"), entities, self._user_by_username
        )
        same_topic = replied is not None and replied.get("message_thread_id") == record.get(
            "message_thread_id"
        )
        if replied is not None and same_topic:
            sender = replied.get("from") or {}
            if sender.get("id") is not None and sender.get("id") not in rules.PEOPLE_BEHIND_BOTS:
                targets.add(int(sender["id"]))
        return targets

    def _apply_edit(self, record: JSONDict, method: str, params: Params, new: JSONDict) -> None:
        if all(record.get(key) == value for key, value in new.items() if key != "parse_mode"):
            raise ApiError(400, NOT_MODIFIED)
        record.update(new)
        record.update(method=method, params=params, edited=True, edit_date=int(time.time()))
        self.sent.append(copy.copy(record))
        self._cond.notify_all()

    def _require_chat(self, params: Params) -> int | str:
        if params.get("chat_id") in (None, ""):
            raise ApiError(400, "Bad Request: chat_id is empty")
        return chat_key(params["chat_id"])

    def _target_record(self, params: Params, missing: str) -> JSONDict:
        chat_id = self._require_chat(params)
        record = self._bot_messages.get(chat_id, {}).get(int(params.get("message_id") or 0))
        if record is None:
            raise ApiError(400, f"Bad Request: {missing}")
        return record

    # ---- Bot API methods -------------------------------------------------------------

    def _true(self, params: Params, files: dict[str, UploadedFile]) -> bool:
        return True

    def _get_me(self, params: Params, files: dict[str, UploadedFile]) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_updates(self, params: Params, files: dict[str, UploadedFile]) -> list[JSONDict]:
        """getUpdates: "This method will not work if an outgoing webhook is set up."

        A getUpdates that arrives while another one waits makes the waiting one answer 409
        "Conflict: terminated by other getUpdates request; make sure that only one bot
        instance is running" (as the Bot API server does); the new one is served.
        """
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        with self._cond:
            if self._webhook is not None:
                raise ApiError(409, CONFLICT_WEBHOOK)
            if isinstance(params.get("allowed_updates"), list):
                self._allowed_updates = list(params["allowed_updates"])
            self._poll_generation += 1
            generation = self._poll_generation
            self._cond.notify_all()
            self._confirm(offset)
            self._cond.wait_for(
                lambda: (
                    self._updates
                    or self._stopping
                    or self._poll_generation != generation
                    or self._webhook is not None
                ),
                timeout,
            )
            if self._poll_generation != generation:
                raise ApiError(409, CONFLICT_POLLING)
            if self._webhook is not None:
                raise ApiError(409, CONFLICT_WEBHOOK)
            queued = self._updates[:limit]
            self._delivered.update(id(update) for update in queued)
            if queued:
                self._last_activity = time.monotonic()
                self._cond.notify_all()
            return copy.deepcopy(queued)

    def _confirm(self, offset: int) -> None:
        """getUpdates offset: "An update is considered confirmed as soon as getUpdates is
        called with an offset higher than its update_id. The negative offset can be
        specified to retrieve updates starting from -offset update from the end of the
        updates queue. All previous updates will be forgotten."

        Only updates already delivered can be confirmed. On Telegram the two agree, since
        queued ids always increase; the fake also sees test-made ids (quiet_week,
        next_update_id, explicit ids): an offset above a not yet delivered update is then
        "in the future" for it, and the Bot API server reads its queue from the head.
        """
        if offset > 0:
            self._updates = [
                update
                for update in self._updates
                if id(update) not in self._delivered or update["update_id"] >= offset
            ]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._delivered &= {id(update) for update in self._updates}
        self._cond.notify_all()

    # ---- webhook mode ----------------------------------------------------------------

    def _set_webhook(self, params: Params, files: dict[str, UploadedFile]) -> bool:
        """setWebhook: "Whenever there is an update for the bot, we will send an HTTPS POST
        request to the specified URL, containing a JSON-serialized Update. In case of an
        unsuccessful request (a request with response HTTP status code different from
        2XY), we will repeat the request and give up after a reasonable amount of
        attempts." secret_token: "A secret token to be sent in a header
        'X-Telegram-Bot-Api-Secret-Token' in every webhook request, 1-256 characters. Only
        characters A-Z, a-z, 0-9, _ and - are allowed."

        Kinder than Telegram: any http(s) URL and port is accepted (tests listen on
        127.0.0.1), and updates are posted over one connection, in order (Telegram may use
        up to max_connections at once).
        """
        url = str(params.get("url") or "")
        if not url:  # "Use an empty string to remove webhook integration"
            return self._delete_webhook(params, files)
        if not url.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        with self._cond:
            if params.get("drop_pending_updates"):
                self._drop_pending()
            if isinstance(params.get("allowed_updates"), list):
                self._allowed_updates = list(params["allowed_updates"])
            self._webhook_generation += 1
            self._webhook = {
                "url": url,
                "secret_token": None if secret is None else str(secret),
                "max_connections": int(params.get("max_connections") or 40),
                "generation": self._webhook_generation,
            }
            self._webhook_error = None
            thread = threading.Thread(
                target=self._webhook_loop,
                args=(self._webhook_generation,),
                name="FakeBotAPI-webhook",
                daemon=True,
            )
            self._webhook_thread = thread
            self._cond.notify_all()
        thread.start()
        return True

    def _delete_webhook(self, params: Params, files: dict[str, UploadedFile]) -> bool:
        """deleteWebhook: "Use this method to remove webhook integration if you decide to
        switch back to getUpdates." drop_pending_updates: "Pass True to drop all pending
        updates"."""
        with self._cond:
            if params.get("drop_pending_updates"):
                self._drop_pending()
            self._webhook = None
            self._webhook_generation += 1
            self._cond.notify_all()
        return True

    def _get_webhook_info(self, params: Params, files: dict[str, UploadedFile]) -> JSONDict:
        """getWebhookInfo: "If the bot is using getUpdates, will return an object with the
        url field empty." pending_update_count: "Number of updates awaiting delivery"."""
        with self._cond:
            info: JSONDict = {
                "url": self._webhook["url"] if self._webhook else "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
            if self._webhook:
                info["max_connections"] = self._webhook["max_connections"]
                if self._allowed_updates:
                    info["allowed_updates"] = list(self._allowed_updates)
                if self._webhook_error:
                    info["last_error_date"], info["last_error_message"] = self._webhook_error
            return info

    def _drop_pending(self) -> None:
        self._updates = []
        self._delivered = set()
        self._cond.notify_all()

    def _webhook_loop(self, generation: int) -> None:
        """Post queued updates to the webhook one at a time, in order, until it changes."""
        attempts = 0

        def current() -> bool:
            hook = self._webhook
            return not self._stopping and hook is not None and hook["generation"] == generation

        while True:
            with self._cond:
                self._cond.wait_for(lambda: not current() or bool(self._updates))
                if not current():
                    return
                update = self._updates[0]
                hook = dict(self._webhook or {})
                body = json.dumps(update).encode()
            status, error = self._post_webhook(hook, body)
            with self._cond:
                headers = {"Content-Type": "application/json"}
                if hook.get("secret_token") is not None:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
                self.webhook_requests.append((update["update_id"], status, headers))
                ok = 200 <= status < 300
                if ok:
                    attempts = 0
                else:
                    attempts += 1
                    self._webhook_error = (int(time.time()), error)
                if ok or attempts >= self.webhook_max_attempts:
                    if not ok:
                        self.webhook_dropped.append(copy.deepcopy(update))
                        attempts = 0
                    self._updates = [u for u in self._updates if u is not update]
                    self._delivered &= {id(u) for u in self._updates}
                    self._last_activity = time.monotonic()
                self._cond.notify_all()
                if not ok:
                    self._cond.wait_for(lambda: not current(), self.webhook_retry_delay)

    @staticmethod
    def _post_webhook(hook: JSONDict, body: bytes) -> tuple[int, str]:
        """POST one update; returns (HTTP status or 0, error message)."""
        headers = {"Content-Type": "application/json"}
        if hook.get("secret_token") is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
        request = urllib.request.Request(hook["url"], data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
                return response.status, ""
        except urllib.error.HTTPError as err:
            with err:
                return err.code, f"Wrong response from the webhook: {err.code} {err.reason}"
        except (OSError, ValueError) as err:
            return 0, f"Connection failed: {err}"

    def _send_message(self, params: Params, files: dict[str, UploadedFile]) -> JSONDict:
        chat_id = self._require_chat(params)
        check_text(params.get("text"), params.get("parse_mode"))
        check_markup(params.get("reply_markup"), self._chat_type(chat_id))
        with self._cond:
            record = self._new_record(chat_id, "sendMessage", params, text=str(params["text"]))
            return self._message_obj(record)

    def _edit_message_text(self, params: Params, files: dict[str, UploadedFile]) -> Any:
        check_text(params.get("text"), params.get("parse_mode"))
        check_markup(params.get("reply_markup"), self._chat_type(params.get("chat_id")))
        with self._cond:
            if params.get("inline_message_id"):
                return True
            record = self._target_record(params, "message to edit not found")
            if record["text"] is None:
                raise ApiError(400, "Bad Request: there is no text in the message to edit")
            new = {
                "text": str(params["text"]),
                "parse_mode": params.get("parse_mode"),
                "reply_markup": params.get("reply_markup"),
            }
            self._apply_edit(record, "editMessageText", params, new)
            return self._message_obj(record)

    def _edit_message_reply_markup(self, params: Params, files: dict[str, UploadedFile]) -> Any:
        check_markup(params.get("reply_markup"), self._chat_type(params.get("chat_id")))
        with self._cond:
            if params.get("inline_message_id"):
                return True
            record = self._target_record(params, "message to edit not found")
            new = {"reply_markup": params.get("reply_markup")}
            self._apply_edit(record, "editMessageReplyMarkup", params, new)
            return self._message_obj(record)

    def _delete_message(self, params: Params, files: dict[str, UploadedFile]) -> bool:
        with self._cond:
            chat_id = self._require_chat(params)
            message_id = int(params.get("message_id") or 0)
            removed = self._bot_messages.get(chat_id, {}).pop(message_id, None)
            removed = removed or self._user_messages.pop((chat_id, message_id), None)
            if removed is None:
                raise ApiError(400, "Bad Request: message to delete not found")
            self.deleted.append((chat_id, message_id))
            self._cond.notify_all()
            return True

    def _answer_callback_query(self, params: Params, files: dict[str, UploadedFile]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        with self._cond:
            if query_id not in self._queries:
                raise ApiError(
                    400,
                    "Bad Request: query is too old and response timeout expired or query ID is "
                    "invalid",
                )
            self.answered[query_id] = params
            self._cond.notify_all()
            return True

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        return json.dumps(scope or {"type": "default"}, sort_keys=True), str(language_code or "")

    def _set_my_commands(self, params: Params, files: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: commands must be a list")
        for command in commands:
            if not BOT_COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        # "A two-letter ISO 639-1 language code": a region ("zh-hans") is refused
        language = params.get("language_code")
        if language and not re.fullmatch(r"[a-z]{2}", str(language)):
            raise ApiError(400, "Bad Request: invalid language code specified")
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        with self._cond:
            self._commands[key] = commands
        return True

    def _get_my_commands(self, params: Params, files: dict[str, UploadedFile]) -> list[JSONDict]:
        return self.commands(params.get("scope"), params.get("language_code") or "")

    def _delete_my_commands(self, params: Params, files: dict[str, UploadedFile]) -> bool:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        with self._cond:
            self._commands.pop(key, None)
        return True

    def _send_document(self, params: Params, files: dict[str, UploadedFile]) -> JSONDict:
        chat_id = self._require_chat(params)
        check_text(params.get("caption"), params.get("parse_mode"), caption=True)
        check_markup(params.get("reply_markup"), self._chat_type(chat_id))
        with self._cond:
            file_id = self._resolve_document(params.get("document"), files)
            upload, info = self._files[file_id]
            record = self._new_record(
                chat_id,
                "sendDocument",
                params,
                caption=params.get("caption"),
                document=upload.content,
                filename=info.get("file_name"),
                file_id=file_id,
            )
            return self._message_obj(record)

    def _send_photo(self, params: Params, files: dict[str, UploadedFile]) -> JSONDict:
        """sendPhoto: an uploaded PNG, checked against Telegram's photo limits (see
        rules.photo_problem); the message carries the sizes Telegram keeps of it."""
        chat_id = self._require_chat(params)
        check_text(params.get("caption"), params.get("parse_mode"), caption=True)
        check_markup(params.get("reply_markup"))
        with self._cond:
            file_id = self._resolve_document(params.get("photo"), files, "photo")
            upload, info = self._files[file_id]
            problem = rules.photo_problem(upload.content)
            if problem is not None:
                del self._files[file_id]
                raise ApiError(400, problem)
            width, height = rules.png_size(upload.content) or (0, 0)
            sizes = [
                {
                    "file_id": f"{file_id}_{n}",
                    "file_unique_id": f"{info['file_unique_id']}_{n}",
                    "width": w,
                    "height": h,
                }
                for n, (w, h) in enumerate(rules.photo_sizes(width, height))
            ]
            # The largest size is the uploaded file (getFile fetches it); Telegram re-encodes.
            sizes[-1].update(file_id=file_id, file_size=len(upload.content))
            record = self._new_record(
                chat_id,
                "sendPhoto",
                params,
                caption=params.get("caption"),
                photo=upload.content,
                photo_sizes=sizes,
                file_id=file_id,
            )
            return self._message_obj(record)

    def _resolve_document(
        self, value: Any, files: dict[str, UploadedFile], name: str = "document"
    ) -> str:
        """Store an uploaded document (or find a known file_id); returns the file_id."""
        if isinstance(value, str) and value.startswith("attach://"):
            name = value.removeprefix("attach://")
        elif isinstance(value, str):
            if value in self._files:
                return value
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        upload = files.get(name)
        if upload is None:
            raise ApiError(400, f"Bad Request: there is no {name} in the request")
        return self._store_file(upload)

    def _store_file(self, upload: UploadedFile) -> str:
        self._file_seq += 1
        file_id = f"BQACAgIAAxkBAAI{self._file_seq:06d}"
        info: JSONDict = {
            "file_id": file_id,
            "file_unique_id": f"AgAD{self._file_seq:06d}",
            "file_size": len(upload.content),
            "file_path": f"documents/file_{self._file_seq}",
        }
        if upload.filename:
            info["file_name"] = upload.filename
        if upload.content_type:
            info["mime_type"] = upload.content_type
        self._files[file_id] = (upload, info)
        return file_id

    def _get_file(self, params: Params, files: dict[str, UploadedFile]) -> JSONDict:
        with self._cond:
            entry = self._files.get(str(params.get("file_id", "")))
            if entry is None:
                raise ApiError(400, "Bad Request: invalid file_id")
            info = entry[1]
            keys = ("file_id", "file_unique_id", "file_size", "file_path")
            return {key: info[key] for key in keys}

    def _send_chat_action(self, params: Params, files: dict[str, UploadedFile]) -> bool:
        self._require_chat(params)
        if not params.get("action"):
            raise ApiError(400, "Bad Request: action is empty")
        return True

    def _member(self, chat_id: int | str, user_id: int) -> JSONDict:
        user = self._user_obj(user_id)
        if (chat_id, user_id) in self._statuses:
            return {**self._statuses[(chat_id, user_id)], "user": user}
        if self._creators.get(chat_id) == user_id:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id in self._admins.get(chat_id, set()):
            rights = dict.fromkeys(ADMIN_RIGHTS, True)
            return {"status": "administrator", "user": user, "is_anonymous": False, **rights}
        if user_id in self._left.get(chat_id, set()):
            return {"status": "left", "user": user}
        return {"status": "member", "user": user}

    def _get_chat_member(self, params: Params, files: dict[str, UploadedFile]) -> JSONDict:
        chat_id = self._require_chat(params)
        if "user_id" not in params:
            raise ApiError(400, "Bad Request: user_id is empty")
        with self._cond:
            return self._member(chat_id, int(params["user_id"]))

    def _get_chat_administrators(
        self, params: Params, files: dict[str, UploadedFile]
    ) -> list[JSONDict]:
        chat_id = self._require_chat(params)
        with self._cond:
            user_ids = set(self._admins.get(chat_id, set()))
            if chat_id in self._creators:
                user_ids.add(self._creators[chat_id])
            return [self._member(chat_id, user_id) for user_id in sorted(user_ids)]
