"""Shared fixtures: the real content, a small test content, transcripts and stores."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.config import Config
from bot.service import Conversations
from bot.telegram_app import build_application
from dialogues import CONTENT_DIR, Library, load_library
from storage import MemoryStore, SqliteStore
from storage.nudges import SqliteNudgeStore
from tests.fakebotapi import FakeBotAPI
from tests.transcript import Clock, Transcript

DATA = Path(__file__).parent / "data"
WEBHOOK_SECRET = "test-webhook-secret-0123456789"
# PTB 22 warns on every RetryAfter unless told to use timedelta already; tests treat
# warnings as errors, so opt in to the coming behaviour.
os.environ.setdefault("PTB_TIMEDELTA", "true")
# A bot process started by a test must never write its data key into the working tree.
os.environ.setdefault("BOT_KEY_FILE", os.path.join(tempfile.mkdtemp(prefix="botkey-"), "data.key"))


@pytest.fixture(scope="session")
def library() -> Library:
    """The real content, loaded and validated once (BOT_CONTENT_DIR may point elsewhere)."""
    return load_library(Path(os.environ.get("BOT_CONTENT_DIR") or CONTENT_DIR))


@pytest.fixture(scope="session")
def demo_library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """A small content set (tests/data/demo) with the real interface texts."""
    root = tmp_path_factory.mktemp("demo_content")
    shutil.copytree(DATA / "demo", root / "da")
    shutil.copy(CONTENT_DIR / "da" / "ui.yaml", root / "da" / "ui.yaml")
    return load_library(root)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def user(library: Library, clock: Clock) -> Transcript:
    """A user chatting with the real content."""
    return Transcript(library, MemoryStore(), clock=clock)


@pytest.fixture
def demo(demo_library: Library, clock: Clock) -> Transcript:
    """A user chatting with the demo content."""
    return Transcript(demo_library, MemoryStore(), clock=clock)


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    """A fake Telegram Bot API server on 127.0.0.1."""
    with FakeBotAPI() as server:
        yield server


@asynccontextmanager
async def bot_against(
    fake: FakeBotAPI,
    library: Library,
    data_dir: Path,
    key: bytes | None = None,
    log_level: str = "INFO",
    base_url: str | None = None,
    webhook: bool = False,
) -> AsyncIterator[Conversations]:
    """Run the real Application (PTB's HTTP stack) in this loop against the fake: long
    polling, or with `webhook` our own webhook server, to which the fake POSTs the updates."""
    config = Config(fake.token, base_url or fake.base_url, data_dir, CONTENT_DIR, log_level)
    store, nudges = SqliteStore(config.db_path, key=key), SqliteNudgeStore(config.db_path)
    conversations = Conversations(library, store, nudges=nudges)
    app = build_application(config, conversations)
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    server = None
    if webhook:
        from bot.webhook import WebhookServer

        server = WebhookServer("127.0.0.1", 0)
        server.mount_telegram("hook", app, WEBHOOK_SECRET)
        port = await server.start()
        await app.bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token=WEBHOOK_SECRET)
    else:
        await app.updater.start_polling(
            poll_interval=0,
            timeout=1,
            # As Application.run_polling does (bot/run.py): polling errors reach on_error.
            error_callback=lambda exc: app.create_task(app.process_error(update=None, error=exc)),
        )
    try:
        yield conversations
    finally:
        if server is not None:
            await app.bot.delete_webhook()
            await server.stop()
        else:
            await app.updater.stop()
        await app.stop()
        await app.shutdown()
        nudges.close()
        store.close()


@pytest.fixture(params=["polling", "webhook"])
async def live(
    request: pytest.FixtureRequest, fake: FakeBotAPI, library: Library, tmp_path: Path
) -> AsyncIterator[Conversations]:
    """The bot against the fake in each of its two modes: long polling and webhook."""
    async with bot_against(fake, library, tmp_path, webhook=request.param == "webhook") as c:
        yield c


@pytest.fixture
async def running(
    fake: FakeBotAPI, library: Library, tmp_path: Path
) -> AsyncIterator[Conversations]:
    """The bot running against the fake, with an unencrypted store in a temporary folder."""
    async with bot_against(fake, library, tmp_path) as conversations:
        yield conversations


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server for the whole run: BOT_TEST_DATABASE_URL, or a throw-away
    cluster (tests/pgcluster.py); skipped with the reason when neither can be had."""
    from tests import pgcluster

    given = os.environ.get("BOT_TEST_DATABASE_URL", "").strip()
    if given:
        yield given
        return
    # CI (.ci/run) sets BOT_REQUIRE_POSTGRES=1: there a missing PostgreSQL is a failure.
    give_up = pytest.fail if os.environ.get("BOT_REQUIRE_POSTGRES") == "1" else pytest.skip
    try:
        cm = pgcluster.cluster()
        url = cm.__enter__()
    except (FileNotFoundError, OSError) as exc:
        give_up(f"no PostgreSQL for the tests: {exc}")
    except Exception as exc:  # initdb or pg_ctl failed: say why, do not pass silently
        detail = getattr(exc, "stderr", b"") or b""
        give_up(f"PostgreSQL could not start: {exc} {detail.decode(errors='replace')[-300:]}")
    try:
        yield url
    finally:
        cm.__exit__(None, None, None)


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """The URL of a new, empty database on the test server."""
    from tests import pgcluster

    return pgcluster.fresh_database(pg_server)
