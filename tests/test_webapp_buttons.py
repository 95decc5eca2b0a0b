"""'Åbn planen': the Mini App's button where BOT_WEBAPP_URL is set, and nowhere without it."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import AIORateLimiter, ExtBot

from bot.cli import main
from bot.config import Config, ConfigError
from bot.nudger import Nudger
from bot.terminal import show
from dialogues import Button, Library, Reply
from tests.conftest import bot_against
from tests.fakebotapi import ApiError, FakeBotAPI, check_markup, inline_buttons
from tests.test_nudges import NOW, close, open_stores, state_with_row
from tests.transcript import Clock

URL = "https://bot.example.org/app/"
GROUP = -1001234


def with_app(library: Library) -> Library:
    return dataclasses.replace(library, operator={**library.operator, "webapp_url": URL})


def link_buttons(fake: FakeBotAPI, chat: int) -> list[dict[str, Any]]:
    return [
        b
        for m in fake.messages(chat)
        for b in inline_buttons(m.get("reply_markup"))
        if "web_app" in b or "url" in b
    ]


async def wait_for(fake: FakeBotAPI, chat: int, count: int) -> None:
    await asyncio.to_thread(fake.wait_for_messages, chat, count)
    await asyncio.to_thread(fake.wait_idle)


async def test_buttons_on_the_menu_and_the_plan_in_private_and_a_link_in_a_group(
    fake: FakeBotAPI, library: Library, tmp_path: Path
) -> None:
    async with bot_against(fake, with_app(library), tmp_path):
        fake.send_text(42, "/start", user_id=42)
        await wait_for(fake, 42, 2)
        fake.send_text(42, "/plan", user_id=42)
        await wait_for(fake, 42, 3)
        fake.send_text(GROUP, "/start", user_id=42, chat_type="supergroup", title="Bestyrelsen")
        await wait_for(fake, GROUP, 1)
    private = link_buttons(fake, 42)
    assert private == [{"text": "📋 Åbn planen", "web_app": {"url": URL}}] * 2  # menu, plan
    assert "📋 Åbn planen" in fake.buttons(42)
    link = "https://t.me/inklusion_test_bot?startapp=g1001234"
    assert link_buttons(fake, GROUP) == [{"text": "📋 Åbn planen", "url": link}]


async def test_no_mini_app_buttons_without_its_address(
    fake: FakeBotAPI, library: Library, tmp_path: Path
) -> None:
    assert "webapp_url" not in library.operator
    async with bot_against(fake, library, tmp_path):
        fake.send_text(42, "/start", user_id=42)
        await wait_for(fake, 42, 2)
        fake.send_text(42, "/plan", user_id=42)
        fake.send_text(GROUP, "/start", user_id=42, chat_type="supergroup", title="Bestyrelsen")
        await wait_for(fake, GROUP, 1)
        await wait_for(fake, 42, 3)
    assert link_buttons(fake, 42) == [] and link_buttons(fake, GROUP) == []
    assert "📋 Åbn planen" not in fake.buttons(42)


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as server:
        yield server


@pytest.fixture
async def ext(fake_api: FakeBotAPI) -> AsyncIterator[ExtBot]:  # type: ignore[type-arg]
    bot = ExtBot(fake_api.token, base_url=fake_api.base_url, rate_limiter=AIORateLimiter())
    await bot.initialize()
    yield bot
    await bot.shutdown()


async def test_each_reminder_carries_the_button(
    fake_api: FakeBotAPI,
    ext: ExtBot,
    library: Library,
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    clock = Clock(NOW)
    conversations = open_stores(tmp_path, with_app(library), clock)
    conversations.save(5, state_with_row())
    conversations.save(-1005, state_with_row())
    clock.now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # the row's heads-up is due
    try:
        assert await Nudger(conversations).tick(ext) == 2
    finally:
        close(conversations)
    assert fake_api.buttons(5)[-1] == "📋 Åbn planen"
    assert link_buttons(fake_api, 5) == [{"text": "📋 Åbn planen", "web_app": {"url": URL}}]
    link = "https://t.me/inklusion_test_bot?startapp=g1005"
    assert link_buttons(fake_api, -1005) == [{"text": "📋 Åbn planen", "url": link}]


def keyboard(**button: object) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": "Åbn", **button}]]}


def test_the_fake_refuses_buttons_the_way_telegram_does() -> None:
    web_app = keyboard(web_app={"url": URL})
    check_markup(web_app, "private")
    for chat_type in ("group", "supergroup", "channel"):
        with pytest.raises(ApiError, match="BUTTON_TYPE_INVALID"):
            check_markup(web_app, chat_type)
    with pytest.raises(ApiError, match="Only HTTPS links are allowed"):
        check_markup(keyboard(web_app={"url": "http://bot.example.org/app/"}), "private")
    check_markup(keyboard(url="https://t.me/bot?startapp=g1"), "supergroup")
    check_markup(keyboard(url="tg://resolve?domain=bot"), "group")
    for bad in ("javascript:alert(1)", "ftp://x.org/", "https://"):
        with pytest.raises(ApiError, match="inline keyboard button URL"):
            check_markup(keyboard(url=bad), "group")


def test_the_terminal_prints_the_address_and_numbers_only_presses() -> None:
    lines: list[str] = []
    reply = Reply("Planen", ((Button("Redigér", "1:x"),), (Button("📋 Åbn planen", web_app=URL),)))
    options = show([reply], lines.append)
    assert options == ["1:x"]
    assert lines == ["Planen", "[1] Redigér", f"📋 Åbn planen: {URL}", ""]


@pytest.mark.parametrize(
    "url",
    [
        "http://bot.example.org/app/",
        "ftp://x/",
        "https://",
        "https://u:p@x.org/",
        "https://x.org/?a=1",
        "bot.example.org",
    ],
)
def test_a_bad_address_is_one_line_and_exit_code_2(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ConfigError, match="BOT_WEBAPP_URL must be"):
        Config.from_env({"BOT_WEBAPP_URL": url})
    monkeypatch.setenv("BOT_WEBAPP_URL", url)
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("configuration error: BOT_WEBAPP_URL must be") and err.count("\n") == 1


def test_the_address_and_its_settings() -> None:
    assert Config.from_env({}).webapp_url == ""
    config = Config.from_env(
        {"BOT_WEBAPP_URL": URL, "BOT_WEBAPP_PORT": "9000", "BOT_WEBAPP_MAX_AGE": "3600"}
    )
    assert (config.webapp_url, config.webapp_port, config.webapp_listen, config.webapp_max_age) == (
        URL,
        9000,
        "127.0.0.1",
        3600,
    )
    assert Config.from_env({"BOT_WEBAPP_URL": "http://127.0.0.1:8081/app/"}).webapp_url.startswith(
        "http://127"
    )
    with pytest.raises(ConfigError, match="BOT_WEBAPP_PORT"):
        Config.from_env({"BOT_WEBAPP_URL": URL, "BOT_WEBAPP_PORT": "99999"})
    with pytest.raises(ConfigError, match="BOT_WEBAPP_MAX_AGE"):
        Config.from_env({"BOT_WEBAPP_URL": URL, "BOT_WEBAPP_MAX_AGE": "10"})
