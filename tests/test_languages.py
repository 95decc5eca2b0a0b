"""Both languages: the language follows the user, can be switched, and every flow walks."""

from __future__ import annotations

import re

import pytest

from dialogues import Library, dates
from dialogues.documents.build import build_document
from tests.transcript import Clock, Transcript


def walk(user: Transcript, library: Library, flow_id: str) -> None:
    """Walk a flow by option ids (language-neutral) from its deep link to where it ends."""
    user.send(f"/start {flow_id}")
    content = library.get(user.state.lang)
    for _ in range(300):
        if user.state.flow != flow_id:
            return
        node = content.flows[flow_id].nodes[user.state.node]
        stage = user.state.widget.get("stage", "")
        if node.kind == "summary":
            return
        if node.kind == "question" and node.input != "text":
            user.send("12.1.2027")
        elif node.kind in ("question", "custom") and (node.kind == "question" or stage):
            user.send(f"answer {node.id}")
        elif user.state.widget.get("expects_text"):
            user.send("12.1.2027")
        elif node.kind in ("choice", "menu"):
            user.press_option(node.options[0].id if node.kind == "choice" else "_menu")
        elif node.kind == "checklist":
            user.press_option("d")
        elif node.kind == "schedule":
            user.press_option("quarter")
        else:
            user.press_option("_next")
    raise AssertionError(f"stuck in {flow_id} at {user.state.node}")


FLOWS = [
    "anbefaling1",
    "anbefaling2",
    "anbefaling3",
    "anbefaling4",
    "trin1",
    "trin2",
    "trin3",
    "trin4",
    "moede",
    "katalog",
    "vaerktoej",
]


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("flow_id", FLOWS)
def test_every_flow_walks_in_both_languages(library: Library, lang: str, flow_id: str) -> None:
    user = Transcript(library, lang=lang)
    walk(user, library, flow_id)
    assert user.state.lang == lang
    texts = " ".join(r.text for r in user.history)
    labels = {b.label for r in user.history for row in r.buttons for b in row}
    assert not re.search(r"\{[a-z_]+\}", texts), "a placeholder was left unfilled"
    danish_only = {"Videre ➡️", "⬅️ Tilbage", "Spring over", "Læs mere"}
    english_only = {"Next ➡️", "⬅️ Back", "Skip", "Read more"}
    assert not labels & (danish_only if lang == "en" else english_only)
    assert labels & (english_only if lang == "en" else danish_only)


@pytest.mark.parametrize(
    ("code", "expected"), [("da", "da"), ("da-DK", "da"), ("en-GB", "en"), ("de", "en"), ("", "da")]
)
def test_language_follows_the_users_telegram_language(
    library: Library, code: str, expected: str
) -> None:
    user = Transcript(library, lang=code)
    user.send("/start")
    assert user.state.lang == expected


def test_the_language_stays_with_the_chat_once_chosen(library: Library) -> None:
    user = Transcript(library, lang="de")
    user.send("/start")
    user.lang = "da"
    user.send("/menu")
    assert user.state.lang == "en"


def test_switching_language_keeps_answers_as_written(library: Library) -> None:
    user = Transcript(library, lang="da")
    user.press_on("q_vaerdi", flow="anbefaling1")
    user.send("Tillid og erfaring")
    user.send("/language")
    assert user.last.text.startswith("Vælg sprog.")
    user.press("English")
    assert user.state.lang == "en"
    assert user.last.text.startswith("I'll speak English from now on.")
    user.send("/svar")
    user.press_option("f:anbefaling1")
    assert user.last.text.startswith(
        "<b>Recommendation 1: Put volunteers' own experience to work</b>\n\n"
        "<b>1. What could a former user give your organisation that other volunteers can't? ✦"
        "</b>\nTillid og erfaring\n\n"
    )


def test_exports_come_in_the_chats_language(library: Library) -> None:
    user = Transcript(library, lang="en", clock=Clock())
    user.send("/start")
    doc = build_document(library.get("en"), user.state, user.clock(), tz=dates.LOCAL)
    assert doc.labels["fokus"] == "Focus"
    assert doc.title == library.get("en").text("plan_title")
