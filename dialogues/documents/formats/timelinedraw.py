"""Drawing the time line: the picture's parts as plain values, painted into a PNG with Pillow.

`timeline.layout` decides what goes where (texts, shapes, in the reader's language) and returns
a `Picture`; `paint` draws it, in order, onto a white canvas and returns the PNG's bytes. The
fonts are the bundled DejaVu Sans Condensed (./fonts), loaded once per size; `fit` cuts a text
to a width in them (characters the font lacks dropped or replaced, as in the PDF).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from dialogues.documents.formats.pdffont import FONT_FILES, sanitise

__all__ = ["Picture", "Shape", "Text", "box", "fit", "font", "paint", "text_width"]

Box = tuple[int, int, int, int]  # left, top, right, bottom
FontType = ImageFont.FreeTypeFont


@dataclass(frozen=True)
class Text:
    """A line of text; (x, y) is its anchor point, Pillow's anchor names how it sits there."""

    x: int
    y: int
    text: str
    size: int
    colour: str
    bold: bool = False
    anchor: str = "lm"  # left, middle; "mm" centred, "rm" right-aligned
    boxed: bool = False  # on a white box, to stay readable over lines and bars


@dataclass(frozen=True)
class Shape:
    """A filled area, a line or a status mark inside `box`.

    kinds: "rect" (filled), "line" (from the box's top-left to its bottom-right), "dashed"
    (a vertical dashed line), "open" (ring), "half" (half-filled ring), "done" (disc with a
    tick), "stuck" (triangle), "meeting" (diamond), "late" (a ring around another mark).
    """

    kind: str
    box: Box
    colour: str
    width: int = 3


@dataclass(frozen=True)
class Picture:
    """Everything to draw, in drawing order, on a white canvas of width × height pixels."""

    width: int
    height: int
    parts: tuple[Text | Shape, ...]

    @property
    def texts(self) -> list[str]:
        """Return the picture's texts in drawing order (what a reader can read in it)."""
        return [part.text for part in self.parts if isinstance(part, Text)]


@lru_cache(maxsize=16)
def font(size: int, bold: bool = False) -> FontType:
    """Return the bundled font at `size` pixels, loaded once."""
    return ImageFont.truetype(str(FONT_FILES["B" if bold else ""]), size)


def text_width(text: str, size: int, bold: bool = False) -> int:
    """Return the width in pixels of `text` in the bundled font."""
    return round(font(size, bold).getlength(text))


def fit(text: str, width: int, size: int, bold: bool = False) -> str:
    """Return text on one line, shortened with an ellipsis to fit `width` pixels."""
    text = " ".join(sanitise(text).split())
    if text_width(text, size, bold) <= width:
        return text
    short, long = 0, len(text)  # the longest start that fits with "…": a binary search
    while short < long:
        middle = (short + long + 1) // 2
        if text_width(text[:middle].rstrip() + "…", size, bold) <= width:
            short = middle
        else:
            long = middle - 1
    return text[:short].rstrip() + "…"


def box(x: int, y: int, size: int = 30) -> Box:
    """Return the box of a mark centred on (x, y)."""
    return (x - size // 2, y - size // 2, x + size // 2, y + size // 2)


def paint(picture: Picture) -> bytes:
    """Draw the picture and return it as PNG bytes (no time stamp or other metadata)."""
    image = Image.new("RGB", (picture.width, picture.height), "#ffffff")
    draw = ImageDraw.Draw(image)
    for part in picture.parts:
        if isinstance(part, Text):
            shown = font(part.size, part.bold)
            if part.boxed:
                left, top, right, bottom = draw.textbbox(
                    (part.x, part.y), part.text, font=shown, anchor=part.anchor
                )
                draw.rounded_rectangle((left - 6, top - 4, right + 6, bottom + 4), 6, "#ffffff")
            draw.text(
                (part.x, part.y),
                part.text,
                fill=part.colour,
                font=shown,
                anchor=part.anchor,
            )
        else:
            _shape(draw, part)
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=6)
    return out.getvalue()


def _shape(draw: ImageDraw.ImageDraw, shape: Shape) -> None:
    """Draw one shape."""
    left, top, right, bottom = shape.box
    mid_x, mid_y = (left + right) // 2, (top + bottom) // 2
    if shape.kind == "rect":
        draw.rectangle(shape.box, fill=shape.colour)
    elif shape.kind == "line":
        draw.line(shape.box, fill=shape.colour, width=shape.width)
    elif shape.kind == "dashed":
        for y in range(top, bottom, 16):
            draw.line((left, y, left, min(y + 8, bottom)), fill=shape.colour, width=shape.width)
    elif shape.kind in ("open", "late"):
        draw.ellipse(shape.box, outline=shape.colour, width=shape.width, fill="#ffffff")
    elif shape.kind == "half":
        draw.ellipse(shape.box, outline=shape.colour, width=shape.width, fill="#ffffff")
        draw.pieslice(shape.box, 90, 270, fill=shape.colour)
    elif shape.kind == "done":
        draw.ellipse(shape.box, fill=shape.colour)
        size = right - left
        tick = [
            (left + size * 0.27, mid_y),
            (left + size * 0.44, top + size * 0.70),
            (left + size * 0.75, top + size * 0.32),
        ]
        draw.line(tick, fill="#ffffff", width=max(3, size // 8), joint="curve")
    elif shape.kind == "stuck":
        draw.polygon([(mid_x, top), (right, bottom), (left, bottom)], fill=shape.colour)
        bar = max(2, (right - left) // 10)
        draw.rectangle((mid_x - bar, top + (bottom - top) // 3, mid_x + bar, bottom - 10), "#fff")
    elif shape.kind == "meeting":
        draw.polygon([(mid_x, top), (right, mid_y), (mid_x, bottom), (left, mid_y)], shape.colour)
    else:
        raise ValueError(f"unknown shape {shape.kind!r}")
