"""Telegram HTML: escaping user text, checking content markup, splitting long messages."""

from __future__ import annotations

import html
import re

TELEGRAM_LIMIT = 4096
CONTENT_TAGS = ("b", "i")
TELEGRAM_TAGS = (
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "span",
    "a",
)
_TAG = re.compile(r"<(/?)([a-z-]+)(\s[^<>]*)?>")
_BAD_AMP = re.compile(r"&(?!(?:amp|lt|gt|quot|#\d+);)")


def escape(text: str) -> str:
    """Escape user text for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


def markup_problem(text: str, allowed: tuple[str, ...] = CONTENT_TAGS) -> str | None:
    """Describe what is wrong with `text` as Telegram HTML, or None when it is fine."""
    if _BAD_AMP.search(text):
        return "write & as &amp;"
    stack: list[str] = []
    for match in _TAG.finditer(text):
        closing, tag = match.group(1), match.group(2)
        if tag not in allowed:
            return f"tag <{tag}> is not allowed; use {', '.join(allowed)}"
        if not closing:
            stack.append(tag)
        elif not stack or stack.pop() != tag:
            return f"unbalanced </{tag}>"
    if stack:
        return f"unclosed <{stack[-1]}>"
    if "<" in _TAG.sub("", text) or ">" in _TAG.sub("", text):
        return "write < as &lt; and > as &gt;"
    return None


def is_valid_telegram_html(text: str) -> bool:
    """Tell whether `text` uses only Telegram's tags, balanced, with specials escaped."""
    return markup_problem(text, TELEGRAM_TAGS) is None


def size(text: str) -> int:
    """Return the length Telegram counts: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split `text` into parts of at most `limit` UTF-16 units, on paragraph boundaries first.

    Content tags never span paragraphs, so a split between paragraphs keeps markup balanced;
    a single paragraph longer than the limit is cut on lines, then words, then characters,
    never inside an HTML entity. Tags are counted too, which only makes parts shorter.
    """
    if size(text) <= limit:
        return [text]
    return _rebalance(_split(text, limit - TAG_ROOM))


TAG_ROOM = 120  # UTF-16 units kept free in each part for closing and re-opening tags


def _split(text: str, limit: int) -> list[str]:
    parts: list[str] = []
    current = ""
    for piece in _pieces(text, limit):
        joined = f"{current}{piece}" if current else piece.lstrip()
        if size(joined) <= limit:
            current = joined
        else:
            parts.append(current.rstrip())
            current = piece.lstrip()
    if current.strip():
        parts.append(current.rstrip())
    return [p for p in parts if p]


def _rebalance(parts: list[str]) -> list[str]:
    """Close the tags a part leaves open, and open them again at the start of the next part."""
    out: list[str] = []
    carried: list[tuple[str, str]] = []  # (tag name, the opening tag as written)
    for part in parts:
        opened = list(carried)
        for match in _TAG.finditer(part):
            if not match.group(1):
                opened.append((match.group(2), match.group(0)))
            elif opened and opened[-1][0] == match.group(2):
                opened.pop()
        prefix = "".join(tag for _, tag in carried)
        suffix = "".join(f"</{name}>" for name, _ in reversed(opened))
        out.append(prefix + part + suffix)
        carried = opened
    return out


def _pieces(text: str, limit: int, separators: tuple[str, ...] = ("\n\n", "\n", " ")) -> list[str]:
    """Break text into chunks of at most `limit`, each but the first led by its separator."""
    if size(text) <= limit:
        return [text]
    if not separators:
        return _hard_cut(text, limit)
    separator, finer = separators[0], separators[1:]
    out: list[str] = []
    for index, chunk in enumerate(text.split(separator)):
        sub = _pieces(chunk, limit - len(separator), finer)
        if index:
            sub[0] = separator + sub[0]
        out += sub
    return out


def _hard_cut(chunk: str, limit: int) -> list[str]:
    """Cut a chunk without spaces into pieces under the limit, never inside an entity."""
    pieces: list[str] = []
    while size(chunk) > limit - 1:
        cut, used = 0, 0
        while used + size(chunk[cut]) <= limit - 1:
            used += size(chunk[cut])
            cut += 1
        amp = chunk.rfind("&", max(0, cut - 8), cut)
        if amp > 0 and ";" not in chunk[amp:cut]:
            cut = amp
        tag = chunk.rfind("<", max(0, cut - 100), cut)
        if tag > 0 and ">" not in chunk[tag:cut]:
            cut = tag  # never inside a tag
        pieces.append(chunk[:cut])
        chunk = chunk[cut:]
    return [*pieces, chunk]
