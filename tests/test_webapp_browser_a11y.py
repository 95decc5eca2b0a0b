"""The Mini App with a keyboard only, and its text contrast (WCAG AA, 4.5:1) in Telegram's
light and dark themes: measured in the real browser on the page the real bot serves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.test_webapp_browser_rig import (
    DARK,
    LIGHT,
    Running,
    bot_serving_the_page,
    chromium_or_skip,
    launched_chromium,
    open_plan,
    telegram_events,
)

pytestmark = pytest.mark.slow  # a bot process and a browser

# Every text the page draws itself (server texts share these elements), in each state.
TEXTS = (
    "h1, .tab, .filter, .group-title, .card-title, .card-goal, .label, .card-meta dt,"
    " .card-meta dd, .source, .link-button, .chip, .notice, .lang, .segment span,"
    " .form label > span, .form legend, button.primary, button.danger, .error"
)

# The contrast of each visible text element against the first opaque background behind it.
# Colours are normalised by painting them on a canvas (computed colours may be color(srgb …)).
CONTRAST_JS = """(selector) => {
  const ctx = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
  const rgba = (css) => { ctx.clearRect(0, 0, 1, 1); ctx.fillStyle = "#000"; ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1); return Array.from(ctx.getImageData(0, 0, 1, 1).data); };
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const behind = (el) => { for (; el; el = el.parentElement) {
      const c = rgba(getComputedStyle(el).backgroundColor);
      if (getComputedStyle(el).backgroundColor !== "rgba(0, 0, 0, 0)" && c[3] === 255) return c; }
    return rgba(getComputedStyle(document.body).backgroundColor); };
  return Array.from(document.querySelectorAll(selector))
    .filter((el) => el.offsetParent !== null && el.textContent.trim())
    .map((el) => { const a = lum(rgba(getComputedStyle(el).color)), b = lum(behind(el));
      return [el.className || el.tagName, el.textContent.trim().slice(0, 30),
              Math.round(((Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)) * 100) / 100]; });
}"""


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    chromium_or_skip()
    with bot_serving_the_page(tmp_path_factory.mktemp("webapp-a11y")) as bot:
        yield bot


@pytest.fixture(scope="module")
def browser(running: Running) -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


def too_faint(page: Any) -> list[Any]:
    measured = page.evaluate(CONTRAST_JS, TEXTS)
    assert measured, "no text measured"
    return [m for m in measured if m[2] < 4.5]


@pytest.mark.parametrize("theme", [LIGHT, DARK], ids=["light", "dark"])
def test_every_text_has_aa_contrast_in_telegrams_themes(
    running: Running, browser: Any, theme: dict[str, str]
) -> None:
    uid = 201 if theme is LIGHT else 202
    running.plan_row_by_chat(uid)
    errors: list[str] = []
    page = open_plan(running, browser, uid, errors, theme=theme)
    page.get_by_role("button", name="Mine").click()  # a pressed filter: the accent colour
    assert too_faint(page) == []
    page.get_by_role("button", name="Ret: Opslag på jobcentret").click()
    page.get_by_role("radio", name="Gjort").check()
    assert too_faint(page) == []
    assert errors == []


def test_the_whole_edit_can_be_done_with_the_keyboard(running: Running, browser: Any) -> None:
    running.plan_row_by_chat(203)
    errors: list[str] = []
    from playwright.sync_api import expect  # waits until the page has moved the focus

    page = open_plan(running, browser, 203, errors)
    edit = page.locator("#edit-plan-r1")
    seen = []
    for _ in range(12):  # Tab through the page until the card's edit button
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        seen.append(focused)
        if focused == "Ret":
            break
    assert seen[-1] == "Ret", seen
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # the focus is visible
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Ret punkt").wait_for()
    page.keyboard.press("Escape")  # leaves the form as Telegram's Back button does
    page.get_by_role("heading", name="Ret punkt").wait_for(state="detached")
    expect(edit).to_be_focused()  # back where it began
    assert telegram_events(page, "web_app_setup_back_button")[-1] == {"is_visible": False}
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Ret punkt").wait_for()
    page.get_by_role("radio", name="Ikke startet").focus()
    page.keyboard.press("ArrowRight")  # a radio group: arrows move the status
    assert page.get_by_role("radio", name="I gang").is_checked()
    page.get_by_label("Hvem", exact=True).focus()
    page.keyboard.press("End")
    page.keyboard.type(" og Bo")
    page.keyboard.press("Enter")  # submits the form, as any form does
    page.get_by_role("status").filter(has_text="Gemt.").wait_for()
    card = page.locator("article.card")
    assert card.locator(".chip").inner_text() == "I gang"
    assert card.locator("dd").first.inner_text() == "Ane og Bo"
    running.plan_text(203, "Ane og Bo")
    expect(page.locator("article#card-plan-r1")).to_be_focused()  # on the edited card
    # Delete: Escape answers the question "no" and keeps the form; after the delete the
    # focus is on the list's heading.
    page.keyboard.press("Tab")
    expect(edit).to_be_focused()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Ret punkt").wait_for()
    page.get_by_role("button", name="Slet punkt").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Ja, slet det")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Slet punkt")).to_be_focused()
    assert page.get_by_role("heading", name="Ret punkt").is_visible()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Ja, slet det")).to_be_focused()
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Slettet.").wait_for()
    expect(page.locator("h2#plan-heading")).to_be_focused()
    assert page.locator("article.card").count() == 0
    assert errors == []
