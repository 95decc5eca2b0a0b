"""Telegram HTML: escaping and splitting long messages without breaking markup."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dialogues.markup import escape, is_valid_telegram_html, size, split_message


def test_escape_makes_user_text_safe() -> None:
    assert escape("<b>&x</b>") == "&lt;b&gt;&amp;x&lt;/b&gt;"
    assert is_valid_telegram_html(escape("<<>>&&"))


def test_short_text_is_one_part() -> None:
    assert split_message("hej") == ["hej"]


def test_split_prefers_paragraph_boundaries() -> None:
    paragraphs = ["<b>Overskrift</b>\n" + "ord " * 300 for _ in range(8)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    parts = split_message(text)
    assert len(parts) > 1
    assert all(len(p) <= 4096 for p in parts)
    assert all(p.startswith("<b>Overskrift</b>") for p in parts)
    assert all(is_valid_telegram_html(p) for p in parts)


def test_split_never_cuts_an_entity() -> None:
    text = escape("<" * 5000)
    parts = split_message(text)
    assert "".join(parts) == text
    assert all(is_valid_telegram_html(p) for p in parts)


def test_split_counts_utf16_units_as_telegram_does() -> None:
    text = "😀" * 2048 + " ord" * 100  # 2,148 characters, 4,496 UTF-16 units
    parts = split_message(text)
    assert len(parts) == 2
    assert all(size(p) <= 4096 for p in parts)
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")


@given(st.text(min_size=0, max_size=12000))
def test_split_keeps_every_visible_character_within_the_limit(raw: str) -> None:
    text = escape(raw)
    parts = split_message(text)
    assert all(size(p) <= 4096 for p in parts)
    assert all(is_valid_telegram_html(p) for p in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())


def test_a_long_tagged_paragraph_is_split_into_valid_parts() -> None:
    text = "<b>" + escape("Et spørgsmål & et svar " * 400) + "</b>"
    parts = split_message(text)
    assert len(parts) > 1
    assert all(is_valid_telegram_html(p) and size(p) <= 4096 for p in parts)
    assert all(p.startswith("<b>") and p.endswith("</b>") for p in parts)


def test_a_mention_link_is_reopened_with_its_address() -> None:
    text = '<a href="tg://user?id=7">' + "x" * 5000 + "</a>"
    parts = split_message(text)
    assert all(p.startswith('<a href="tg://user?id=7">') and p.endswith("</a>") for p in parts)
