"""The real content's words for tests that call the date or file-format functions directly.

Every language's date words and document labels live in its content (content/<lang>/ui.yaml);
these read them from there, loaded once, so a test names a language and never the words.
"""

from __future__ import annotations

from functools import cache

from dialogues import CONTENT_DIR, load_library
from dialogues.dates import DateWords
from dialogues.documents.build import labels
from dialogues.library.model import Content


@cache
def content(lang: str) -> Content:
    """Return one language of the real content."""
    return load_library(CONTENT_DIR).get(lang)


def words(lang: str) -> DateWords:
    """Return a language's date words (month names, the week's word, a date's pattern)."""
    return content(lang).words


def doc_labels(lang: str) -> dict[str, str]:
    """Return the labels a plan document in `lang` carries (documents.build.labels)."""
    return labels(content(lang))
