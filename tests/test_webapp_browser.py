"""The Mini App in a real browser (headless Debian Chromium via Playwright), served by the
real bot process, opened with init data signed like Telegram's, checked against the chat.

Each scenario takes a screenshot of what a user sees (360×740); with BOT_WRITE_SCREENSHOTS=1
they are written to docs/screenshots/ (otherwise a run leaves the repository unchanged).
Without chromium these are skipped with the reason; with BOT_REQUIRE_BROWSER=1 (CI) they fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from tests.test_webapp_browser_rig import (
    ACTION,
    DARK,
    PUBLIC_URL,
    Running,
    bot_serving_the_page,
    card,
    chromium_or_skip,
    launched_chromium,
    new_page,
    open_plan,
    press_back_button,
    press_main_button,
    shot,
    sign_init_data,
    telegram_events,
    user,
)

pytestmark = pytest.mark.slow  # a bot process and a browser


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    chromium_or_skip()
    with bot_serving_the_page(tmp_path_factory.mktemp("webapp")) as bot:
        yield bot


@pytest.fixture(scope="module")
def browser(running: Running) -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


def chat_label(running: Running, chat: int) -> str:
    """The row's deadline as the chat showed it when the row was saved ("… · uge 50 (2026)")."""
    text = "\n".join(str(m.get("text", "")) for m in running.fake.messages(chat))
    found = re.findall(r"Flere frivillige med en anden baggrund · ([^\n]+)", text)
    assert found, text
    return str(found[-1])


def test_the_plan_made_in_the_chat_opens_as_cards_and_a_time_line(
    running: Running, browser: Any
) -> None:
    running.plan_row_by_chat(101)
    due = chat_label(running, 101)
    running.plan_text(101, "Flere frivillige med en anden baggrund")
    assert [(b["text"], b["web_app"]) for b in running.open_buttons(101)] == [
        ("📋 Åbn planen", {"url": PUBLIC_URL})
    ]
    errors: list[str] = []
    page = open_plan(running, browser, 101, errors)
    row = card(page, ACTION)
    assert page.locator("h1").inner_text() == "Min plan"
    assert page.locator("h3.group-title").all_inner_texts() == ["FLEKSIBEL ORGANISERING"]
    assert row.locator(".chip").inner_text() == "Ikke startet"
    assert row.locator("dd").all_inner_texts() == ["Ane", due]
    assert "Flere frivillige med en anden baggrund" in row.inner_text()
    assert "Åbent hus i januar" in row.inner_text()
    # Telegram's Main button offers to add an item; no Back button on the first screen.
    assert telegram_events(page, "web_app_setup_main_button")[-1]["text"] == "Tilføj punkt"
    assert telegram_events(page, "web_app_setup_main_button")[-1]["is_visible"] is True
    shot(page, "plan")
    page.get_by_role("button", name="Tidslinje").click()
    event = page.locator("li.event-deadline")
    assert event.locator(".event-text").inner_text() == ACTION
    assert event.locator(".event-when").inner_text() == due
    assert telegram_events(page, "web_app_setup_back_button")[-1] == {"is_visible": True}
    shot(page, "timeline")
    press_back_button(page)
    page.get_by_role("heading", name=ACTION).wait_for()
    # The filters: the row is Ane's ("Hvem: Ane"), not stuck.
    page.get_by_role("button", name="Kørt fast").click()
    assert page.get_by_text("Ingen punkter passer til filteret.").is_visible()
    page.get_by_role("button", name="Kørt fast").click()
    page.get_by_role("button", name="Mine").click()
    assert card(page, ACTION).is_visible()
    assert errors == []


def test_edit_the_deadline_and_status_and_the_chat_shows_it(running: Running, browser: Any) -> None:
    running.plan_row_by_chat(102)
    errors: list[str] = []
    page = open_plan(running, browser, 102, errors)
    new_due = date.today() + timedelta(weeks=10)
    week, year = new_due.isocalendar().week, new_due.isocalendar().year
    card(page, ACTION).get_by_role("button", name=re.compile("^Ret")).click()
    page.get_by_label("Frist", exact=True).fill(new_due.isoformat())
    precision = page.get_by_label("Hvor præcis")
    assert precision.locator("option").all_inner_texts() == ["Dag", "Uge"]  # what the bot stores
    precision.select_option("week")
    page.get_by_role("radio", name="Kørt fast").check()
    assert telegram_events(page, "web_app_setup_main_button")[-1]["text"] == "Gem"
    shot(page, "edit")
    press_main_button(page)
    page.get_by_role("status").filter(has_text="Gemt.").wait_for()
    row = card(page, ACTION)
    assert row.locator(".chip").inner_text() == "Kørt fast"
    assert row.locator("dd").all_inner_texts() == ["Ane", f"uge {week} ({year})"]
    shot(page, "edited")
    text = running.plan_text(102, f"uge {week} ({year})")
    assert "<b>Status:</b> Kørt fast" in text
    assert errors == []


def test_an_overdue_deadline_says_so_in_words_not_only_in_colour(
    running: Running, browser: Any
) -> None:
    from dialogues.dates import date_label
    from tests.langwords import words

    running.plan_row_by_chat(110)
    errors: list[str] = []
    page = open_plan(running, browser, 110, errors)
    past = date.today() - timedelta(days=14)
    card(page, ACTION).get_by_role("button", name=re.compile("^Ret")).click()
    page.get_by_label("Frist", exact=True).fill(past.isoformat())
    page.get_by_label("Hvor præcis").select_option("day")
    press_main_button(page)
    page.get_by_role("status").filter(has_text="Gemt.").wait_for()
    page.get_by_role("button", name="Tidslinje").click()
    event = page.locator("li.event-deadline.late")
    assert (
        event.locator(".event-when").inner_text()
        == f"{date_label(past, words('da'))} · overskredet"
    )
    page.get_by_role("button", name="English").click()
    page.locator("h1").filter(has_text="My plan").wait_for()
    assert event.locator(".event-when").inner_text() == f"{date_label(past, words('en'))} · overdue"
    assert errors == []


def test_add_and_delete_an_item(running: Running, browser: Any) -> None:
    running.plan_row_by_chat(103)
    errors: list[str] = []
    page = open_plan(running, browser, 103, errors)
    sent: list[Any] = []
    page.on("request", lambda r: sent.append(r) if "/api/" in r.url else None)
    press_main_button(page)  # "Tilføj punkt"
    page.get_by_role("heading", name="Nyt punkt").wait_for()
    page.get_by_label("Fokus").fill("Rummelig kultur")
    page.get_by_label("Mål", exact=True).fill("Nye frivillige får en makker")
    page.get_by_label("Handlinger (én pr. linje)").fill("Lav en makkerliste")
    page.get_by_label("Hvem", exact=True).fill("Bo")
    shot(page, "add")
    press_main_button(page)
    page.get_by_role("status").filter(has_text="Tilføjet.").wait_for()
    assert card(page, "Lav en makkerliste").locator(".chip").inner_text() == "Ikke startet"
    assert "RUMMELIG KULTUR" in page.locator("h3.group-title").all_inner_texts()
    running.plan_text(103, "Nye frivillige får en makker")
    card(page, "Lav en makkerliste").get_by_role("button", name=re.compile("^Ret")).click()
    page.get_by_role("button", name="Slet punkt").click()
    shot(page, "delete")
    page.get_by_role("button", name="Ja, slet det").click()
    page.get_by_role("status").filter(has_text="Slettet.").wait_for()
    assert card(page, "Lav en makkerliste").count() == 0
    assert card(page, ACTION).count() == 1
    text = running.plan_text(103, ACTION)
    assert "Nye frivillige får en makker" not in text
    # Every call carried the init data; each change its own request id.
    assert sent and all(r.headers.get("authorization", "").startswith("tma ") for r in sent)
    ids = [r.post_data_json["request_id"] for r in sent if r.method == "POST"]
    assert len(ids) == 2 and len(set(ids)) == 2
    assert errors == []


def test_switch_to_english(running: Running, browser: Any) -> None:
    running.plan_row_by_chat(104)
    errors: list[str] = []
    page = open_plan(running, browser, 104, errors)
    page.get_by_role("button", name="English").click()
    # The server's labels follow the page's language: the plan's title and the focus.
    page.locator("h1").filter(has_text="My plan").wait_for()
    assert page.locator("h3.group-title").all_inner_texts() == ["FLEXIBLE ORGANISATION"]
    row = card(page, ACTION)
    assert row.locator(".chip").inner_text() == "Not started"
    assert row.locator("dt").all_inner_texts() == ["Who", "When"]
    assert re.fullmatch(r"week \d+ \(\d{4}\)", row.locator("dd").all_inner_texts()[1])
    assert page.locator("html").get_attribute("lang") == "en"
    assert [b.inner_text() for b in page.locator("nav button").all()] == [
        "Plan", "Time line", "Reflections",
    ]  # fmt: skip
    shot(page, "english")
    page.get_by_role("button", name="Dansk").click()
    page.locator("h1").filter(has_text="Min plan").wait_for()
    assert page.locator("h3.group-title").all_inner_texts() == ["FLEKSIBEL ORGANISERING"]
    assert row.locator(".chip").inner_text() == "Ikke startet"
    assert errors == []


def test_dark_theme_uses_telegrams_colours(running: Running, browser: Any) -> None:
    running.plan_row_by_chat(105)
    running.reflect_by_chat(105, "Vi har mest pensionister som frivillige.")
    errors: list[str] = []
    page = open_plan(running, browser, 105, errors, theme=DARK)
    colours = page.evaluate(
        "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]"
    )
    assert colours == ["rgb(23, 33, 43)", "rgb(245, 245, 245)"]  # bg_color, text_color
    assert page.locator("html").get_attribute("data-scheme") == "dark"
    shot(page, "dark")
    page.get_by_role("button", name="Refleksioner").click()
    step = page.locator("details.reflection")
    assert step.locator("summary").inner_text() == "Trin 1: Beskriv praksis"
    assert step.locator("dd").inner_text() == "Vi har mest pensionister som frivillige. — Ane"
    assert page.locator("textarea, input").count() == 0  # read only
    shot(page, "reflections")
    assert errors == []


def test_forged_init_data_is_refused_in_the_users_language(running: Running, browser: Any) -> None:
    errors: list[str] = []
    page = new_page(browser, errors)
    forged = sign_init_data("123:NOT-THE-TOKEN", user(106))
    page.goto(running.open_url(user(106), init_data=forged))
    alert = page.get_by_role("alert")
    alert.wait_for(timeout=15000)
    assert alert.inner_text() == "Jeg kunne ikke bekræfte, hvem I er. Åbn planen igen fra chatten."
    assert page.locator("article.card").count() == 0
    shot(page, "refused")


def test_a_board_member_opens_the_groups_plan_adds_but_may_not_delete(
    running: Running, browser: Any
) -> None:
    group, ida, bo = -1009876, 108, 107
    for uid, name in ((ida, "Ida"), (bo, "Bo")):
        running.fake.send_text(
            group,
            "/start",
            user_id=uid,
            first_name=name,
            chat_type="supergroup",
            title="Bestyrelsen",
        )
    running.fake.set_admins(group, [ida])
    running.fake.wait_for_messages(group, 2, timeout=30)
    errors: list[str] = []
    page = new_page(browser, errors)
    start = sign_init_data(running.fake.token, {**user(bo), "first_name": "Bo"}, "g1009876")
    page.goto(running.open_url(user(bo), init_data=start))
    page.get_by_text("Ingen punkter her endnu. Tilføj jeres første.").wait_for(timeout=15000)
    switcher = page.get_by_label("Vælg plan")
    assert switcher.locator("option").all_inner_texts() == ["Min plan", "Bestyrelsen"]
    assert page.locator("h1").inner_text() == "Bestyrelsen"
    press_main_button(page)
    page.get_by_label("Mål", exact=True).fill("Mentorordning")
    page.get_by_label("Handlinger (én pr. linje)").fill("Find tre mentorer")
    press_main_button(page)
    page.get_by_role("status").filter(has_text="Tilføjet.").wait_for()
    running.fake.wait_for(
        lambda: "Bo tilføjede" in str(running.fake.last_message(group).get("text", "")), 30
    )
    shot(page, "group")
    card(page, "Find tre mentorer").get_by_role("button", name=re.compile("^Ret")).click()
    page.get_by_role("heading", name="Ret punkt").wait_for()
    assert page.get_by_role("button", name="Slet punkt").count() == 0  # only admins delete
    press_back_button(page)
    switcher.select_option(label="Min plan")
    page.locator("h1").filter(has_text="Min plan").wait_for()
    assert card(page, "Find tre mentorer").count() == 0
    assert errors == []


def test_a_refused_change_shows_the_servers_reason_and_changes_nothing(
    running: Running, browser: Any
) -> None:
    running.plan_row_by_chat(109)
    errors: list[str] = []
    page = open_plan(running, browser, 109, errors)
    card(page, ACTION).get_by_role("button", name=re.compile("^Ret")).click()
    goal = page.get_by_label("Mål", exact=True)
    goal.fill("")  # a row keeps its goal, as in the chat
    press_main_button(page)
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "En af værdierne går ikke. Intet er ændret."
    assert goal.get_attribute("aria-invalid") == "true"
    shot(page, "refused-change")
    press_back_button(page)
    assert "Flere frivillige med en anden baggrund" in card(page, ACTION).inner_text()
    assert [e for e in errors if "400" not in e] == []  # the browser logs the 400 itself


def test_outside_telegram_the_page_says_where_to_open_it(running: Running, browser: Any) -> None:
    errors: list[str] = []
    page = new_page(browser, errors)
    calls: list[str] = []
    page.on("request", lambda r: calls.append(r.url) if "/api/" in r.url else None)
    page.goto(running.url)  # no launch parameters: a plain browser, not Telegram
    page.get_by_text("Åbn siden fra Telegram for at se jeres plan.").wait_for(timeout=15000)
    assert calls == []  # without init data the page asks the server nothing
    assert errors == []
