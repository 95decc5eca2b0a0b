"""The PDF's font: DejaVu Sans Condensed and the text it can draw.

The font ships in ./fonts (wide Unicode coverage, narrow enough for a seven-column table; see
fonts/LICENSE) and is parsed once per process; every document gets its own copy. Characters
the font lacks never reach fpdf2: `sanitise` drops emoji and other missing pictographic
symbols (with their joiners, variation selectors and skin-tone modifiers, and one neighbouring
space) and replaces any other missing character with "?".
"""

from __future__ import annotations

import copy
import logging
import re
import unicodedata
from collections.abc import Container
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import TTFFont

from dialogues.documents.formats import clean_text
from dialogues.documents.formats.pdflayout import FAMILY

__all__ = ["FONT_FILES", "add_fonts", "font_coverage", "sanitise"]

FONT_DIR = Path(__file__).resolve().with_name("fonts")
FONT_FILES = {
    "": FONT_DIR / "DejaVuSansCondensed.ttf",
    "B": FONT_DIR / "DejaVuSansCondensed-Bold.ttf",
}

# Parts of emoji sequences: zero-width joiner, keycap, variation selectors, skin tones, tags.
_EMOJI_PARTS = frozenset((0x200D, 0x20E3)).union(
    range(0xFE00, 0xFE10), range(0x1F3FB, 0x1F400), range(0xE0020, 0xE0080)
)
_DROPPED = "\x00"  # marks a dropped emoji; clean_text has removed every real NUL
# A dropped emoji takes one neighbouring space with it: "🎉 Tak 🎉 alle 🎉." → "Tak alle."
_DROPPED_GAP = re.compile(r"^\x00+ ?| ?\x00+(?=[ \n.,;:!?)]|$)|\x00+", re.MULTILINE)

# fpdf2 subsets the fonts with fontTools, which logs a few dozen INFO lines per document.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)
logging.getLogger("fontTools.ttLib").setLevel(logging.WARNING)


class _FontFile(Protocol):
    """The part of fontTools' (untyped) TTFont that font_coverage reads."""

    def __enter__(self) -> _FontFile: ...
    def __exit__(self, *exc: object) -> None: ...
    def getBestCmap(self) -> dict[int, str]: ...  # code point -> glyph name


@lru_cache(maxsize=1)
def font_coverage() -> frozenset[int]:
    """Return the code points that both the regular and the bold font can draw."""
    maps: list[set[int]] = []
    for path in FONT_FILES.values():
        opened: _FontFile = TTFont(str(path), lazy=True)
        with opened as font:
            maps.append(set(font.getBestCmap()))
    return frozenset(set.intersection(*maps))


def _is_emoji(char: str) -> bool:
    """Tell whether char is (part of) an emoji: a pictograph, symbol, joiner or modifier."""
    code = ord(char)
    return code in _EMOJI_PARTS or 0x1F000 <= code <= 0x1FAFF or unicodedata.category(char) == "So"


def sanitise(text: str, coverage: Container[int] | None = None) -> str:
    """Return text the font can draw: drop missing emoji, turn other missing characters to "?"."""
    covered = font_coverage() if coverage is None else coverage
    kept: list[str] = []
    for char in clean_text(text).replace("\t", "    "):
        if ord(char) in _EMOJI_PARTS:  # the invisible glue of an emoji sequence
            kept.append(_DROPPED)
        elif char == "\n" or ord(char) in covered:
            kept.append(char)
        else:
            kept.append(_DROPPED if _is_emoji(char) else "?")
    result = "".join(kept)
    return _DROPPED_GAP.sub("", result) if _DROPPED in result else result


@lru_cache(maxsize=1)
def _parsed_fonts() -> dict[str, TTFFont]:
    """Parse the font files once per process (widths, glyph map), for every render to copy."""
    pdf = FPDF()
    for style, path in FONT_FILES.items():
        pdf.add_font(FAMILY, style, str(path))
    return {key: font for key, font in pdf.fonts.items() if isinstance(font, TTFFont)}


def add_fonts(pdf: FPDF) -> None:
    """Give pdf its own copies of the parsed fonts, in the order they were parsed."""
    for (key, font), path in zip(_parsed_fonts().items(), FONT_FILES.values(), strict=True):
        own = copy.deepcopy(font)  # own width map and subset; shares the read-only tables
        # output() subsets the fontTools font in place, so every document opens its own.
        own.ttfont = TTFont(str(path), recalcTimestamp=False, lazy=True)
        pdf.fonts[key] = own
