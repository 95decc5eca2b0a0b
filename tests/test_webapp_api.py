"""The Mini App's API, through the real bot against the fake Bot API (docs/WEBAPP.md)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import Config
from bot.service import Conversations
from bot.stores import open_stores
from bot.telegram_app import build_application
from bot.webapp.access import WebApp
from bot.webapp.auth import sign
from bot.webapp.limits import RecentIds
from bot.webapp.server import mount, serve_separately
from bot.webhook import WebhookServer
from dialogues import CONTENT_DIR, Library, dates
from dialogues.miniapp.view import page_texts
from tests.conftest import WEBHOOK_SECRET
from tests.fakebotapi import FakeBotAPI
from tests.langwords import words

GROUP = -1001234
ANE, PETER, IDA, EVE = 42, 43, 44, 45  # Ida administers the group; Eve is in no group
HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors https://web.telegram.org https://*.telegram.org; "
        "base-uri 'none'; form-action 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


class Page:
    """The Mini App as a page sees it: signed init data, JSON in and out."""

    def __init__(self, client: httpx.AsyncClient, fake: FakeBotAPI, webapp: WebApp) -> None:
        self.client, self.fake, self.webapp = client, fake, webapp
        self.seq = 0

    def init_data(
        self, user_id: int, name: str = "Ane", age: int = 5, token: str = "", **extra: str
    ) -> str:
        fields = {
            "auth_date": str(int(time.time()) - age),
            "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
            "user": json.dumps({"id": user_id, "first_name": name, "language_code": "da"}),
            **extra,
        }
        return sign(fields, token or self.fake.token)

    async def call(
        self, method: str, path: str, user: int | None = ANE, raw: str | None = None, **kw: Any
    ) -> httpx.Response:
        headers = {}
        if raw is not None:
            headers["Authorization"] = raw
        elif user is not None:
            names = {ANE: "Ane", PETER: "Peter", IDA: "Ida", EVE: "Eve"}
            headers["Authorization"] = "tma " + self.init_data(user, names[user])
        response = await self.client.request(method, path, headers=headers, **kw)
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (path, name)
        assert "set-cookie" not in response.headers
        if path.startswith("/app/api/"):
            assert response.headers["cache-control"] == "no-store"
        return response

    async def plan(self, chat: int, user: int = ANE) -> httpx.Response:
        return await self.call("GET", f"/app/api/plan?chat={chat}", user)

    async def change(
        self, chat: int, op: str, user: int = ANE, item: str = "", rid: str = "", **fields: Any
    ) -> httpx.Response:
        self.seq += 1
        body = {
            "chat": str(chat),
            "request_id": rid or f"request-{self.seq:012d}",
            "op": op,
            "item": item,
            "fields": fields,
        }
        return await self.call("POST", "/app/api/change", user, json=body)


@asynccontextmanager
async def mini_app(
    fake: FakeBotAPI, library: Library, data_dir: Path, webhook: bool = False
) -> AsyncIterator[tuple[Page, Conversations]]:
    """The bot against the fake with the Mini App, mounted as bot/run.py mounts it: on its
    own port while polling, or under /app/ on the webhook's server beside the updates."""
    config = Config(
        fake.token,
        fake.base_url,
        data_dir,
        CONTENT_DIR,
        "INFO",
        webapp_url="https://bot.example.org/app/",
        webapp_port=0,
    )
    store, nudges = open_stores(config)
    conversations = Conversations(library, store, nudges=nudges)
    app = build_application(config, conversations)
    server = WebhookServer("127.0.0.1", 0)
    if webhook:
        server.mount_telegram("hook", app, WEBHOOK_SECRET)
        mount(server, app, config)
    else:
        serve_separately(app, config)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()
    assert app.updater is not None
    if webhook:
        port = await server.start()
        await app.bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token=WEBHOOK_SECRET)
    else:
        await app.updater.start_polling(poll_interval=0, timeout=1)
        port = app.bot_data["webapp_server"].port
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            yield Page(client, fake, app.bot_data["webapp"]), conversations
    finally:
        if webhook:
            await app.bot.delete_webhook()
            await server.stop()
        else:
            await app.updater.stop()
        await app.stop()
        if app.post_stop is not None:
            await app.post_stop(app)
        await app.shutdown()
        nudges.close()
        store.close()


@pytest.fixture(params=["polling", "webhook"])
async def page(
    request: pytest.FixtureRequest, fake: FakeBotAPI, library: Library, tmp_path: Path
) -> AsyncIterator[Page]:
    """Ane has a private chat; the board's group has Ane, Peter and Ida (its admin)."""
    async with mini_app(fake, library, tmp_path, webhook=request.param == "webhook") as (page, _):
        fake.send_text(ANE, "/start", user_id=ANE, first_name="Ane")
        await asyncio.to_thread(fake.wait_for_messages, ANE, 1)
        for user, name in ((IDA, "Ida"), (ANE, "Ane"), (PETER, "Peter")):
            fake.send_text(
                GROUP,
                "/start",
                user_id=user,
                first_name=name,
                chat_type="supergroup",
                title="Bestyrelsen",
            )
        fake.set_admins(GROUP, [IDA])
        await asyncio.to_thread(fake.wait_for_messages, GROUP, 3)
        await asyncio.to_thread(fake.wait_idle)
        yield page


def in_weeks(weeks: int) -> date:
    return dates.today(Conversations.__init__.__globals__["utcnow"](), dates.LOCAL) + timedelta(
        weeks=weeks
    )


async def test_every_endpoint_refuses_missing_forged_expired_and_foreign_init_data(
    page: Page,
) -> None:
    forged = page.init_data(ANE).replace("Ane", "Eve")
    cases = {
        None: "auth_missing",
        "Bearer x": "auth_missing",
        "tma " + forged: "auth_invalid",
        "tma " + page.init_data(ANE, token="999:OtherBot"): "auth_invalid",
        "tma " + page.init_data(ANE, age=86401): "auth_expired",
        "tma " + page.init_data(ANE, age=-3600): "auth_expired",
    }
    for raw, code in cases.items():
        for method, path, kw in (
            ("GET", "/app/api/plans", {}),
            ("GET", f"/app/api/plan?chat={ANE}", {}),
            ("POST", "/app/api/change", {"json": {"chat": str(ANE), "op": "add"}}),
        ):
            response = await page.call(method, path, user=None, raw=raw or "", **kw)
            assert (response.status_code, response.json()["error"]) == (401, code), (raw, path)
            assert response.headers["www-authenticate"] == "tma"
    # Signed in, but asking for another user's private plan or a group they are not in
    for chat in (PETER, GROUP):
        response = await page.plan(chat, user=EVE if chat == GROUP else ANE)
        assert (response.status_code, response.json()["error"]) == (403, "not_member")
    response = await page.change(PETER, "add", goal="Ikke din plan")
    assert (response.status_code, response.json()["error"]) == (403, "not_member")


async def test_the_plans_a_user_may_open(page: Page, library: Library) -> None:
    response = await page.call(
        "GET", "/app/api/plans", raw="tma " + page.init_data(ANE, start_param="g1001234")
    )
    assert response.status_code == 200
    answer = response.json()
    # the page's own texts, in the answer's language, from the content (page_* in ui.yaml)
    texts = answer.pop("texts")
    assert texts == page_texts(library.get("da")) and texts["loading"] == "Henter planen …"
    assert answer == {
        "lang": "da",
        "languages": [{"code": "da", "name": "Dansk"}, {"code": "en", "name": "English"}],
        "user": {"id": ANE, "name": "Ane"},
        "plans": [
            {"chat": str(ANE), "title": "Min plan", "kind": "private", "admin": True},
            {"chat": str(GROUP), "title": "Bestyrelsen", "kind": "group", "admin": False},
        ],
        "start": str(GROUP),
    }
    eve = (await page.call("GET", "/app/api/plans", EVE)).json()
    assert [p["chat"] for p in eve["plans"]] == [str(EVE)] and eve["start"] is None


async def test_a_member_who_left_loses_access_at_once(page: Page) -> None:
    assert (await page.plan(GROUP)).status_code == 200
    page.fake.set_left(GROUP, [ANE])
    response = await page.plan(GROUP)
    assert (response.status_code, response.json()["error"]) == (403, "not_member")
    assert response.json()["message"] == "Den plan kan I ikke se: I er ikke med i gruppen lige nu."
    plans = (await page.call("GET", "/app/api/plans")).json()["plans"]
    assert [p["chat"] for p in plans] == [str(ANE)]
    response = await page.change(GROUP, "add", goal="Alligevel")
    assert response.status_code == 403


async def test_a_change_goes_through_the_engine_and_shows_in_the_chat(page: Page) -> None:
    due = in_weeks(6)
    quiet = len(page.fake.sent_to(ANE))
    response = await page.change(
        ANE, "add", goal="Nye frivillige", who="Ane", due=due.isoformat(), precision="week"
    )
    assert response.status_code == 201
    item = response.json()["items"][0]
    week = dates.week_label(due, words("da"))
    assert (item["id"], item["goal"], item["due_label"], item["status"]) == (
        "plan-r1",
        "Nye frivillige",
        week,
        "not_started",
    )
    response = await page.change(ANE, "edit", item="plan-r1", status="stuck")
    assert response.status_code == 200 and response.json()["items"][0]["status"] == "stuck"
    await asyncio.to_thread(page.fake.wait_idle)
    assert len(page.fake.sent_to(ANE)) == quiet  # a private chat is not told what its user did
    page.fake.send_text(ANE, "/plan", user_id=ANE, first_name="Ane")
    await asyncio.to_thread(page.fake.wait_for_messages, ANE, quiet + 1)
    await asyncio.to_thread(page.fake.wait_idle)
    text = "\n".join(m.get("text", "") for m in page.fake.sent_to(ANE)[quiet:])
    assert "Nye frivillige" in text and week in text and "Kørt fast" in text


async def test_in_a_group_a_member_edits_only_an_admin_deletes_and_the_board_is_told(
    page: Page,
) -> None:
    response = await page.change(GROUP, "add", user=PETER, goal="Mentorordning")
    assert response.status_code == 201 and response.json()["can_delete"] is False
    await asyncio.to_thread(
        page.fake.wait_for,
        lambda: "Peter tilføjede" in page.fake.last_message(GROUP).get("text", ""),
    )
    due = in_weeks(8)
    response = await page.change(
        GROUP, "edit", user=PETER, item="plan-r1", due=due.isoformat(), precision="week"
    )
    assert response.status_code == 200
    notice = f"Peter flyttede fristen for «Mentorordning» til {dates.week_label(due, words('da'))}."
    await asyncio.to_thread(
        page.fake.wait_for, lambda: page.fake.last_message(GROUP).get("text") == notice
    )
    page.fake.send_text(
        GROUP, "/plan", user_id=ANE, first_name="Ane", chat_type="supergroup", title="Bestyrelsen"
    )
    await asyncio.to_thread(
        page.fake.wait_for,
        lambda: (
            "Mentorordning" in page.fake.last_message(GROUP).get("text", "")
            and "uge" in page.fake.last_message(GROUP).get("text", "")
        ),
    )
    assert (
        dates.week_label(due, words("da")) in page.fake.last_message(GROUP)["text"]
    )  # the board's /plan shows it
    await asyncio.to_thread(page.fake.wait_idle)
    count = len(page.fake.sent_to(GROUP))
    response = await page.change(GROUP, "delete", user=PETER, item="plan-r1")
    assert (response.status_code, response.json()["error"]) == (403, "not_admin")
    assert [i["id"] for i in (await page.plan(GROUP)).json()["items"]] == ["plan-r1"]
    assert len(page.fake.sent_to(GROUP)) == count  # a refusal tells the group nothing
    response = await page.change(GROUP, "delete", user=IDA, item="plan-r1")
    assert response.status_code == 200 and response.json()["items"] == []
    await asyncio.to_thread(
        page.fake.wait_for,
        lambda: (
            page.fake.last_message(GROUP).get("text")
            == "Ida slettede «Mentorordning» fra handleplanen."
        ),
    )


async def test_a_replayed_request_is_refused_and_changes_nothing_twice(page: Page) -> None:
    assert (
        await page.change(ANE, "add", rid="same-request-0001", goal="Én gang")
    ).status_code == 201
    response = await page.change(ANE, "add", rid="same-request-0001", goal="Én gang")
    assert (response.status_code, response.json()["error"]) == (409, "replayed")
    page.webapp.seen = RecentIds()  # as after a restart: the engine remembers it in the state
    response = await page.change(ANE, "add", rid="same-request-0001", goal="Én gang")
    assert response.status_code == 409
    assert [i["goal"] for i in (await page.plan(ANE)).json()["items"]] == ["Én gang"]


async def test_values_out_of_bounds_are_refused_and_change_nothing(page: Page) -> None:
    await page.change(ANE, "add", goal="Mål")
    before = (await page.plan(ANE)).json()
    far = (date.today() + timedelta(days=4000)).isoformat()
    cases = [
        ({"item": "plan-r1", "due": far, "precision": "day"}, "due"),
        ({"item": "plan-r1", "status": "finished"}, "status"),
        ({"item": "plan-r1", "who": "x" * 201}, "who"),
        ({"item": "plan-r1", "actions": ["x"] * 21}, "actions"),
        ({"item": "plan-r9", "goal": "Ukendt"}, "item"),
        ({"item": "anbefaling1-s1", "who": "Bo"}, "item"),  # a step that was never planned
    ]
    for fields, field in cases:
        response = await page.change(ANE, "edit", **fields)
        assert (response.status_code, response.json().get("field")) == (400, field), fields
    response = await page.call("POST", "/app/api/change", content=b"{not json")
    assert (response.status_code, response.json()["error"]) == (400, "bad_request")
    assert (await page.plan(ANE)).json() == before


async def test_the_page_may_ask_for_its_language_and_nothing_else(page: Page) -> None:
    due = in_weeks(6)
    response = await page.call(
        "POST",
        "/app/api/change?lang=en",
        json={
            "chat": str(ANE),
            "request_id": "lang-request-0001",
            "op": "add",
            "fields": {
                "goal": "Nye frivillige",
                "due": due.isoformat(),
                "precision": "week",
                "focus": "rekruttering",
            },
        },
    )
    assert response.status_code == 201
    plan = response.json()
    assert (plan["lang"], plan["title"], plan["items"][0]["due_label"]) == (
        "en",
        "My plan",
        dates.week_label(due, words("en")),
    )
    english = (await page.call("GET", f"/app/api/plan?chat={ANE}&lang=en")).json()
    danish = (await page.call("GET", f"/app/api/plan?chat={ANE}&lang=da")).json()
    assert english == plan and danish == (await page.plan(ANE)).json()  # Ane's chat is Danish
    assert danish["title"] == "Min plan" and danish["items"][0]["due_label"] == dates.week_label(
        due, words("da")
    )
    assert english["focus_options"] != danish["focus_options"]  # server-made labels follow
    assert [o["id"] for o in english["focus_options"]] == [o["id"] for o in danish["focus_options"]]
    plans = (await page.call("GET", "/app/api/plans?lang=en")).json()
    assert (plans["lang"], [p["title"] for p in plans["plans"]]) == (
        "en",
        ["My plan", "Bestyrelsen"],
    )
    assert plans["texts"]["loading"] == "Loading the plan …"  # the page's own texts follow too
    for path in (
        "/app/api/plans?lang=fr",
        f"/app/api/plan?chat={ANE}&lang=",
        f"/app/api/plan?chat={ANE}&lang=EN",
    ):
        response = await page.call("GET", path)
        assert (response.status_code, response.json()) == (
            400,
            {
                "error": "bad_value",
                "message": "En af værdierne går ikke. Intet er ændret.",
                "field": "lang",
            },
        ), path
    response = await page.call(
        "POST",
        "/app/api/change?lang=de",
        json={
            "chat": str(ANE),
            "request_id": "lang-request-0002",
            "op": "add",
            "fields": {"goal": "Nej"},
        },
    )
    assert (response.status_code, response.json()["field"]) == (400, "lang")
    assert [i["goal"] for i in (await page.plan(ANE)).json()["items"]] == ["Nye frivillige"]


async def test_too_large_and_too_fast(page: Page) -> None:
    response = await page.call("POST", "/app/api/change", content=b"x" * (16 * 1024 + 1))
    assert (response.status_code, response.json()["error"]) == (413, "too_large")
    statuses = [(await page.call("GET", "/app/api/plans", EVE)).status_code for _ in range(25)]
    assert statuses.count(429) >= 1 and statuses[0] == 200
    assert (await page.call("GET", "/app/api/plans", ANE)).status_code == 200  # others go on


async def test_the_page_and_its_files(page: Page, tmp_path: Path) -> None:
    page.webapp.static = tmp_path / "none"  # a checkout whose page was never built
    response = await page.call("GET", "/app/")
    assert (response.status_code, response.text) == (
        503,
        "The Mini App's page is not built: bot/webapp/static/index.html is missing.\n",
    )
    static = tmp_path / "static"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text("<!doctype html><title>Plan</title>")
    (static / "assets" / "app-1a2b.js").write_text("console.log(1)")
    page.webapp.static = static
    response = await page.call("GET", "/app/")
    assert (
        response.status_code == 200
        and response.headers["content-type"] == "text/html; charset=utf-8"
    )
    response = await page.call("GET", "/app/assets/app-1a2b.js")
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "text/javascript"
    )
    for path in (
        "/app/assets/../index.html",
        "/app/assets/.env",
        "/app/assets/missing.js",
        "/app/nothing",
    ):
        assert (await page.call("GET", path)).status_code == 404, path
    assert (await page.call("POST", "/app/", content=b"")).status_code == 405
    response = await page.call("GET", "/app")
    assert response.status_code == 301 and response.headers["location"] == "/app/"


async def test_a_prefix_mount_serves_everything_under_it_and_nothing_beside_it() -> None:
    from bot.webhook import StreamingHandler, WebhookServer

    class Echo(StreamingHandler):
        def get(self, rest: str | None = None) -> None:
            self.finish(f"prefix:{rest}")

    class Exact(StreamingHandler):
        def get(self) -> None:
            self.finish("exact")

    server = WebhookServer("127.0.0.1", 0)
    server.mount("app", Echo, prefix=True)
    server.mount("hook", Exact)
    port = await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            got = {
                p: (await client.get(p))
                for p in ("/app", "/app/", "/app/api/plan", "/apple", "/hook", "/hook/x")
            }
    finally:
        await server.stop()
    assert {p: (r.status_code, r.text) for p, r in got.items()} == {
        "/app": (200, "prefix:None"),
        "/app/": (200, "prefix:/"),
        "/app/api/plan": (200, "prefix:/api/plan"),
        "/apple": (404, ""),
        "/hook": (200, "exact"),
        "/hook/x": (404, ""),
    }


@pytest.mark.slow
def test_the_bot_process_serves_the_mini_app_while_polling_and_stops_it(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    """`python -m bot` with BOT_WEBAPP_URL: the page's API on its own port, gone after SIGTERM;
    a port in use is one line and exit code 2."""
    import os
    import signal
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(
        os.environ,
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_BASE_URL=fake.base_url,
        BOT_DATA_DIR=str(tmp_path / "data"),
        BOT_KEY_FILE=str(tmp_path / "keys" / "data.key"),
        BOT_WEBAPP_URL="https://bot.example.org/app/",
        BOT_WEBAPP_PORT=str(port),
    )
    log = tmp_path / "bot.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        fields = {
            "auth_date": str(int(time.time())),
            "user": json.dumps({"id": ANE, "first_name": "Ane"}),
        }
        headers = {"Authorization": "tma " + sign(fields, fake.token)}
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/app/api/plans", headers=headers)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline and process.poll() is None, log.read_text()
                time.sleep(0.1)
        assert response.status_code == 200 and response.json()["plans"][0]["chat"] == str(ANE)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/app/api/plans", headers=headers)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = subprocess.run(
            [sys.executable, "-m", "bot"],
            env={**env, "BOT_DATA_DIR": str(tmp_path / "other")},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert (
        result.stderr
        == f"error: cannot listen on 127.0.0.1:{port} (Address already in use): check BOT_WEBAPP_LISTEN and BOT_WEBAPP_PORT\n"
    )


async def test_odd_requests_get_a_refusal_never_a_trace(
    page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    response = await page.call("PUT", "/app/api/change", content=b"{}")
    assert (response.status_code, response.json()["error"]) == (405, "bad_request")
    response = await page.call("POST", "/app/api/change", content=b"[" * 5000 + b"]" * 5000)
    assert (response.status_code, response.json()["error"]) == (400, "bad_request")
    from dialogues.miniapp import edit

    def broken(turn: object, change: object) -> str:
        raise RuntimeError("a fault in the engine")

    monkeypatch.setitem(edit.APPLY, "add", broken)
    count = len(page.fake.sent_to(GROUP))
    response = await page.change(GROUP, "add", goal="Aldrig")
    assert (response.status_code, response.json()["error"]) == (500, "failed")
    assert (await page.plan(GROUP)).json()["items"] == []
    await asyncio.to_thread(page.fake.wait_idle)
    assert len(page.fake.sent_to(GROUP)) == count  # the safe path's apology is not posted
