"""The rig for the Mini App's browser tests (no tests here): the real bot process in polling
mode against the fake Bot API, serving the page on a local port; init data signed the way
Telegram signs it; headless Debian Chromium opening the page the way a Telegram client does.

Telegram's clients pass the launch parameters in the URL fragment (tgWebAppData,
tgWebAppVersion, tgWebAppPlatform, tgWebAppThemeParams) and, on Android and iOS, give the page
`window.TelegramWebviewProxy.postEvent` to talk back (MainButton, BackButton); they send events
with `window.Telegram.WebView.receiveEvent`. The rig does the same, and records what the page
asked the client to do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from tests.fakebotapi import FakeBotAPI

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The date picker's format follows the browser's own language (as on a Danish phone), which
# Chromium on Linux takes from LANGUAGE (its translations: Debian's chromium-l10n).
BROWSER_ENV = {**os.environ, "LANGUAGE": "da"}
# The page's public https address (Telegram opens only https pages, and the fake Bot API, like
# Telegram, refuses a web_app button with any other); the bot serves it on a local port.
PUBLIC_URL = "https://plan.example.org/app/"
ACTION = "Opslag på jobcentret"  # the first action of the row made in the chat
SHOTS = ROOT / "docs" / "screenshots"
# The screenshots show dates of the day they were taken, so a test run keeps the committed
# ones and writes new ones only when asked: BOT_WRITE_SCREENSHOTS=1 (then commit them).
WRITE_SHOTS = os.environ.get("BOT_WRITE_SCREENSHOTS") == "1"
VIEWPORT = {"width": 360, "height": 740}
LIGHT = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#707579",
    "link_color": "#2481cc",
    "button_color": "#2481cc",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#f1f1f4",
    "section_bg_color": "#f1f1f4",
    "destructive_text_color": "#cc2929",
}
DARK = {
    "bg_color": "#17212b",
    "text_color": "#f5f5f5",
    "hint_color": "#708499",
    "link_color": "#6ab3f3",
    "button_color": "#5288c1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#232e3c",
    "section_bg_color": "#232e3c",
    "destructive_text_color": "#ec3942",
}
# Telegram's Android client: postEvent(name, json) from the page; recorded for the test.
BRIDGE = """
window.__telegram = [];
window.TelegramWebviewProxy = {
  postEvent: (name, data) => window.__telegram.push([name, data ? JSON.parse(data) : null]),
};
"""


def chromium_or_skip() -> None:
    """Skip with the reason when the browser is missing; in CI (BOT_REQUIRE_BROWSER=1) fail."""
    missing = None
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} is not installed (apt-get install chromium chromium-driver)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "playwright (Python) is not installed: pip install -e '.[dev]'"
    if missing is None:
        return
    if os.environ.get("BOT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"BOT_REQUIRE_BROWSER=1 but {missing}")
    pytest.skip(missing)


def sign_init_data(token: str, user: dict[str, Any], start_param: str | None = None,
                   auth_date: int | None = None) -> str:  # fmt: skip
    """Init data as Telegram makes it: the fields, and `hash` = HMAC-SHA256 over the sorted
    "key=value" lines with the secret HMAC-SHA256("WebAppData", bot token)."""
    fields = {
        "query_id": "AAH" + secrets.token_urlsafe(12),
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
        "signature": secrets.token_urlsafe(64),
    }
    if start_param:
        fields["start_param"] = start_param
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields, quote_via=quote)


def launch_fragment(init_data: str, theme: dict[str, str]) -> str:
    return urlencode(
        {
            "tgWebAppData": init_data,
            "tgWebAppVersion": "8.0",
            "tgWebAppPlatform": "android",
            "tgWebAppThemeParams": json.dumps(theme, separators=(",", ":")),
        },
        quote_via=quote,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Running:
    fake: FakeBotAPI
    url: str  # the page's address, BOT_WEBAPP_URL

    def open_url(self, user: dict[str, Any], theme: dict[str, str] | None = None,
                 init_data: str | None = None) -> str:  # fmt: skip
        data = init_data if init_data is not None else sign_init_data(self.fake.token, user)
        return f"{self.url}#{launch_fragment(data, theme or LIGHT)}"

    # --- the chat side ---------------------------------------------------------------------

    def said(self, chat: int, needle: str) -> bool:
        """Whether one of the chat's newest messages shows `needle` (text or a button)."""
        recent = self.fake.messages(chat)[-4:]
        return any(needle in f"{m.get('text', '')}{m.get('reply_markup', '')}" for m in recent)

    def send(self, chat: int, text: str, expect: str) -> None:
        self.fake.send_text(chat, text, first_name="Ane")
        self.fake.wait_for(lambda: self.said(chat, expect), 30, f"{expect!r} after {text!r}")

    def press(self, chat: int, label: str, expect: str) -> None:
        self.fake.press_button(chat, label, first_name="Ane")
        self.fake.wait_for(lambda: self.said(chat, expect), 30, f"{expect!r} after {label!r}")

    def plan_row_by_chat(self, chat: int) -> None:
        """One row of the action plan, made in the chat as a user would."""
        self.send(chat, "/start handleplan", "Trin 3")
        self.press(chat, "Til handleplanen", "Ny række")
        self.press(chat, "Ny række", "Fleksibel organisering")
        self.press(chat, "Fleksibel organisering", "Hvad er målet")
        self.send(chat, "Flere frivillige med en anden baggrund", "delmål")
        self.send(chat, "To nye frivillige i foråret", "Hvad skal der gøres")
        self.send(chat, "Opslag på jobcentret\nÅbent hus i januar", "Hvornår")
        self.press(chat, "Næste uge", "Hvem gør hvad")
        self.send(chat, "Ane", "Rækken er gemt")

    def reflect_by_chat(self, chat: int, answer: str) -> None:
        """Answer the first question of the tool's step 1 in the chat."""
        self.send(chat, "/start trin1", "Til spørgsmålene")
        self.press(chat, "Til spørgsmålene", "Spørgsmål 1 af")
        self.send(chat, answer, "Spørgsmål 2 af")

    def open_buttons(self, chat: int) -> list[dict[str, Any]]:
        """The Mini App buttons (web_app) on the chat's newest message that has buttons."""
        for message in reversed(self.fake.messages(chat)):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            if rows:
                return [b for row in rows for b in row if "web_app" in b]
        return []

    def plan_text(self, chat: int, needle: str) -> str:
        """/plan in the chat; the text of the bot's answer (once it contains `needle`)."""
        before = len(self.fake.messages(chat))

        def answer() -> str:
            return "\n".join(str(m.get("text", "")) for m in self.fake.messages(chat)[before:])

        self.fake.send_text(chat, "/plan", first_name="Ane")
        self.fake.wait_for(lambda: needle in answer(), 30, f"/plan showing {needle!r}")
        return answer()


def _wait_until_served(url: str, process: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the bot exited ({process.returncode}): {log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} was never served")


@contextmanager
def bot_serving_the_page(box: Path) -> Iterator[Running]:
    """`python -m bot` polling the fake Bot API, its Mini App on a free local port."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/app/"  # where the reverse proxy would forward to
    with FakeBotAPI() as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=fake.token,
            TELEGRAM_BASE_URL=fake.base_url,
            BOT_DATA_DIR=str(box / "data"),
            BOT_KEY_FILE=str(box / "keys" / "data.key"),
            BOT_WEBAPP_URL=PUBLIC_URL,
            BOT_WEBAPP_PORT=str(port),
            BOT_WEBAPP_LISTEN="127.0.0.1",
            PYTHONDONTWRITEBYTECODE="1",
        )
        with (box / "bot.log").open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
            try:
                _wait_until_served(url, process, box / "bot.log")
                yield Running(fake, url)
            finally:
                process.terminate()
                process.wait(timeout=30)


def new_page(browser: Any, errors: list[str], lang: str = "da-DK") -> Any:
    """A phone-sized page with Telegram's bridge; its script errors are put in `errors`."""
    context = browser.new_context(viewport=VIEWPORT, locale=lang, device_scale_factor=1)
    page = context.new_page()
    page.add_init_script(BRIDGE)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return page


def shot(page: Any, name: str) -> None:
    """Take what the user sees (saved to docs/ with BOT_WRITE_SCREENSHOTS=1); first check it
    fits the phone's width (no sideways scroll)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"{name}: the page is {width} px wide"
    if not WRITE_SHOTS:
        page.screenshot(animations="disabled")  # rendered all the same, kept nowhere
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"webapp-{name}.png"), animations="disabled")


def telegram_events(page: Any, name: str) -> list[Any]:
    """What the page asked Telegram to do with `name` (e.g. web_app_setup_main_button)."""
    return [data for event, data in page.evaluate("window.__telegram") if event == name]


def press_main_button(page: Any) -> None:
    """The user presses Telegram's own Main button (drawn by the client, not the page)."""
    page.evaluate("window.Telegram.WebView.receiveEvent('main_button_pressed', null)")


def press_back_button(page: Any) -> None:
    page.evaluate("window.Telegram.WebView.receiveEvent('back_button_pressed', null)")


def user(uid: int) -> dict[str, Any]:
    return {"id": uid, "first_name": "Ane", "language_code": "da", "allows_write_to_pm": True}


def open_plan(running: Running, browser: Any, uid: int, errors: list[str], **kw: Any) -> Any:
    page = new_page(browser, errors)
    page.goto(running.open_url(user(uid), **kw))
    page.get_by_role("heading", name=ACTION).wait_for(timeout=15000)
    return page


def card(page: Any, title: str) -> Any:
    return page.locator("article.card").filter(has=page.get_by_role("heading", name=title))


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, env=BROWSER_ENV
        )
        yield chromium
        chromium.close()
