"""LIX, the Scandinavian readability index, over the content's texts."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dialogues.library.model import Content, Flow

_WORD = re.compile(r"[A-Za-zÆØÅæøåÉéÜü0-9]+")
_SENTENCE_END = re.compile(r"[.!?:]+(?:\s|$)|\n\s*\n|\n(?=\s*[-•–\d])")
_TAG = re.compile(r"<[^>]+>|\{[a-z0-9_]+\}")


def lix(text: str) -> float:
    """Return words per sentence plus the percentage of words longer than six letters."""
    clean = _TAG.sub(" ", text)
    words = [match.group() for match in _WORD.finditer(clean)]
    if not words:
        return 0.0
    sentences = max(1, len([s for s in _SENTENCE_END.split(clean) if _WORD.search(s)]))
    long_words = sum(1 for w in words if len(w) > 6)
    return len(words) / sentences + 100 * long_words / len(words)


def flow_texts(flow: Flow) -> Iterator[str]:
    """Yield every text a user reads in one flow."""
    yield flow.title
    for node in flow.nodes.values():
        yield from (t for t in (node.text, node.teaser, node.hint, node.group) if t)
        yield from (o.label for o in node.options + node.focus_options)
        yield from (i.text for i in node.items)


def average_lix(texts: list[str]) -> float:
    """Return the mean LIX of the texts that contain words."""
    scores = [lix(t) for t in texts if _WORD.search(t)]
    return sum(scores) / len(scores) if scores else 0.0


def content_lix(content: Content) -> float:
    """Return the mean LIX over all flows' texts of one language."""
    return average_lix([t for f in content.flows.values() for t in flow_texts(f)])


def sent_lix(content: Content) -> float:
    """Return the mean LIX over everything the bot sends: the flows and the interface texts."""
    texts = [t for f in content.flows.values() for t in flow_texts(f)]
    return average_lix(texts + list(content.ui.values()))
