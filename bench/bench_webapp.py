"""Requests per second of the Mini App's `GET /app/api/plan` (issue 21).

Run from the repository root:

    .venv/bin/python bench/bench_webapp.py             # 5 s per case
    .venv/bin/python bench/bench_webapp.py --seconds 2

The real Application and the Mini App's handler (bot/webapp/server.py) run in this process
against the fake Bot API; a plan of `--rows` rows is built through the API first. Cases:
`private` (the user's own plan: sign-in, one state read, the view) and `group` (a group's
plan: the member index and getChatMember asked of the fake on every request). The pacing
is switched off. Figures only; nothing is asserted on them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bot.config import Config  # noqa: E402
from bot.service import Conversations  # noqa: E402
from bot.stores import open_stores  # noqa: E402
from bot.telegram_app import build_application  # noqa: E402
from bot.webapp.auth import sign  # noqa: E402
from bot.webapp.limits import Pacer  # noqa: E402
from bot.webapp.server import mount  # noqa: E402
from bot.webhook import WebhookServer  # noqa: E402
from dialogues import CONTENT_DIR, load_library  # noqa: E402
from tests.fakebotapi import FakeBotAPI  # noqa: E402

USER, GROUP = 42, -1001234


def header(token: str) -> dict[str, str]:
    user = json.dumps({"id": USER, "first_name": "Ane", "language_code": "da"})
    signed = sign({"auth_date": str(int(time.time())), "user": user}, token)
    return {"Authorization": "tma " + signed}


async def hammer(client: httpx.AsyncClient, path: str, auth: dict[str, str], seconds: float,
                 workers: int) -> dict[str, float]:  # fmt: skip
    """Send GETs from `workers` tasks for `seconds`; return the rate and latencies."""
    latencies: list[float] = []
    end = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < end:
            start = time.perf_counter()
            response = await client.get(path, headers=auth)
            assert response.status_code == 200, response.text
            latencies.append(time.perf_counter() - start)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    took = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=20)
    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / took, 1),
        "p50_ms": round(cuts[9] * 1000, 2),
        "p95_ms": round(cuts[18] * 1000, 2),
    }


async def main(seconds: float, rows: int, workers: int) -> None:
    with FakeBotAPI() as fake, tempfile.TemporaryDirectory() as tmp:
        config = Config(fake.token, fake.base_url, Path(tmp), CONTENT_DIR, "WARNING",
                        webapp_url="https://bot.example.org/app/")  # fmt: skip
        store, nudges = open_stores(config)
        conversations = Conversations(load_library(CONTENT_DIR), store, nudges=nudges)
        app = build_application(config, conversations)
        server = WebhookServer("127.0.0.1", 0)
        webapp = mount(server, app, config)
        webapp.pacer = Pacer(rate=1e9, burst=10**9)
        await app.initialize()
        await app.start()  # no polling: the one update is fetched below
        port = await server.start()
        fake.send_text(GROUP, "/start", user_id=USER, chat_type="supergroup", title="Bestyrelsen")
        await _fill_index(app)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                auth = header(fake.token)
                for n in range(rows):
                    fields = {"goal": f"Mål {n}", "who": "Ane", "status": "in_progress"}
                    rid = f"bench-request-{n:08d}"
                    body = {"chat": str(USER), "request_id": rid, "op": "add", "fields": fields}
                    response = await client.post("/app/api/change", headers=auth, json=body)
                    assert response.status_code == 201, response.text
                group = conversations.load(GROUP)
                group.plan = conversations.load(USER).plan  # the same plan, quietly
                conversations.save(GROUP, group)
                figures = {
                    name: await hammer(client, f"/app/api/plan?chat={chat}", auth, seconds, workers)
                    for name, chat in (("private", USER), ("group", GROUP))
                }
        finally:
            await server.stop()
            await app.stop()
            await app.shutdown()
            nudges.close()
            store.close()
    print(json.dumps({"rows": rows, "workers": workers, "seconds": seconds, **figures}, indent=2))


async def _fill_index(app: object) -> None:
    """Fetch the group's /start from the fake and process it (it fills the member index)."""
    from telegram.ext import Application

    assert isinstance(app, Application)
    updates = await app.bot.get_updates(timeout=1)
    for update in updates:
        await app.process_update(update)
    await app.bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.rows, args.workers))
