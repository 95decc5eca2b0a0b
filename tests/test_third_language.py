"""A third language is its content folder and nothing else (issue 17).

German is made here the way a translator would start: content/en copied to content/de and
its words changed (month names, the week's word, a date's pattern, a few labels). With no
code change it is loaded, validated, picked for a German Telegram user, offered by the
command menu and the Mini App, and its own words show in a deadline in the chat, in the plan
document (file and time line) and in the plan's JSON for the Mini App; a Danish reader of the
same plan still reads Danish.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import pytest

from dialogues import CONTENT_DIR, ChatState, Library, load_library
from dialogues.documents.build import build_document
from dialogues.documents.formats import filename, render
from dialogues.documents.formats.timeline import layout
from dialogues.documents.formats.timelinedraw import Text
from dialogues.library.errors import ContentError
from dialogues.miniapp.view import Reader, build, languages, page_texts
from tests.fakebotapi import FakeBotAPI
from tests.test_webapp_api import ANE, mini_app
from tests.transcript import Clock, Transcript

GERMAN = {
    "date_months": "Januar Februar März April Mai Juni Juli August September Oktober November "
    "Dezember",
    "date_week": "Woche",
    "date_pattern": "{day}. {month} {year}",
    "date_week_words": "woche kw w",
    "label_made": "Erstellt am",
    "label_timeline": "Zeitleiste",
    "file_plan": "inklusionsplan-de",
    "page_language_name": "Deutsch",
    "page_loading": "Der Plan wird geladen …",
}


def german(root: Path, words: dict[str, str] = GERMAN) -> Path:
    """Copy the content to `root` and add content/de: English with German words."""
    shutil.copytree(CONTENT_DIR, root)
    shutil.copytree(root / "en", root / "de")
    ui = root / "de" / "ui.yaml"
    text = ui.read_text(encoding="utf-8")
    for key, value in words.items():
        text, found = re.subn(rf"(?m)^{key}: .*$", f'{key}: "{value}"', text)
        assert found == 1, key
    ui.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    return load_library(german(tmp_path_factory.mktemp("lang") / "content"))


def plan_two_steps(library: Library) -> Transcript:
    """A German user plans two first steps: one by a typed date, one by a typed week."""
    user = Transcript(library, lang="de-DE", clock=Clock())
    user.press_on("skridt", flow="anbefaling1")
    for when in ("15.3.2027", "Woche 12"):
        user.press_option("p")
        user.send("Ane")
        user.press_option("wx")
        user.send(when)
    return user


def test_a_third_language_is_loaded_validated_and_picked(library: Library) -> None:
    assert list(library.languages) == ["da", "de", "en"]
    assert library.pick("de-AT") == "de"
    assert library.get("de").words.months[2] == "März"
    assert {"code": "de", "name": "Deutsch"} in languages(library)
    assert page_texts(library.get("de"))["loading"] == "Der Plan wird geladen …"


def test_its_words_show_in_the_chat_the_document_and_the_plan_json(library: Library) -> None:
    user = plan_two_steps(library)
    assert user.state.lang == "de"
    user.send("/plan")  # the chat's own list of the plan
    said = user.last.text
    assert "<b>Time:</b> 15. März 2027 ·" in said and "<b>Time:</b> Woche 12 (2027) ·" in said
    # The document: its file, its time line picture
    state, at = user.state, user.clock()
    doc = build_document(library.get("de"), state, at, library.tz)
    times = [row.tid for row in doc.rows if row.tid]
    assert times == ["15. März 2027", "Woche 12 (2027)"]
    markdown = render(doc, "md").decode("utf-8")
    assert "15. März 2027" in markdown and "Erstellt am 23. November 2026" in markdown
    assert filename(doc, "md") == "inklusionsplan-de-plan-2026-11-23.md"
    words = {part.text for part in layout(doc).parts if isinstance(part, Text)}
    assert {"Dez. 2026", "Januar 2027", "Februar", "März", "Woche"} <= words  # the axis
    assert "Zeitleiste · Woche 48 (2026) – Woche 10 (2027)" in words
    # The plan as the Mini App gets it
    reader = Reader(user.user_id, "Ane", admin=True, in_group=False)
    plan = build(library.get("de"), state, user.chat_id, "Mein Plan", reader, at, library.tz)
    items = plan["items"]
    assert isinstance(items, list)
    assert [item["due_label"] for item in items] == ["15. März 2027", "Woche 12 (2027)"]


def test_a_danish_reader_reads_the_same_deadlines_in_danish(library: Library) -> None:
    state: ChatState = plan_two_steps(library).state
    doc = build_document(library.get("da"), state, Clock()(), library.tz)
    assert [row.tid for row in doc.rows if row.tid] == ["15. marts 2027", "uge 12 (2027)"]


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("date_months", "Januar Februar", "2 month names; 12 wanted"),
        ("date_week", "die Woche", "one word, e.g. week"),
        ("date_pattern", "{day}. {month}", "{day}, {month} and {year} once each, and no '('"),
        ("date_pattern", "{day}. {month} {}", "{day}, {month} and {year} once each, and no '('"),
        ("date_pattern", "{day}. {month} {year", "{day}, {month} and {year} once each, and no '('"),
        (
            "date_pattern",
            "{month} {day} ({year})",
            "{day}, {month} and {year} once each, and no '('",
        ),
    ],
)
def test_the_validator_names_words_that_cannot_make_a_label(
    tmp_path: Path, key: str, value: str, problem: str
) -> None:
    root = german(tmp_path / "content", GERMAN | {key: value})
    with pytest.raises(ContentError) as raised:
        load_library(root)
    assert [(p.path, p.message) for p in raised.value.problems] == [(key, problem)]


async def test_the_mini_app_and_the_command_menu_offer_it(
    library: Library, fake: FakeBotAPI, tmp_path: Path
) -> None:
    async with mini_app(fake, library, tmp_path) as (page, _):
        fake.send_text(ANE, "/start", user_id=ANE, first_name="Ane")
        await asyncio.to_thread(fake.wait_for_messages, ANE, 1)
        plans = (await page.call("GET", "/app/api/plans?lang=de")).json()
        assert (plans["lang"], plans["texts"]["loading"]) == ("de", "Der Plan wird geladen …")
        assert [lang["name"] for lang in plans["languages"]] == ["Dansk", "Deutsch", "English"]
        plan = (await page.call("GET", f"/app/api/plan?chat={ANE}&lang=de")).json()
        assert plan["lang"] == "de"
        await asyncio.to_thread(fake.wait_idle)
        # The German menu: the English names its content chose, its own descriptions
        menu = fake.commands(language_code="de")
        assert [c["command"] for c in menu] == [c["command"] for c in fake.commands(None, "en")]
        assert menu[0] == {"command": "start", "description": library.get("de").text("cmd_start")}
