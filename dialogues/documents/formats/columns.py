"""Column widths from the content, so that no word has to be broken inside a table cell.

Each column gets at least its longest word and at most its longest line (no point being wider).
Between those bounds, widths follow how much text each column holds: a row is as tall as its
tallest cell, and a cell's height is roughly its text's length over its width, so widths in
proportion to the amount of text make the cells of a row about equally tall. Both the PDF
(exact font metrics) and the Word file (Arial's metrics, which are Helvetica's) use it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

__all__ = ["arial_width", "fit_widths"]

Measure = Callable[[str, bool], float]  # (text, bold) -> width in the caller's unit


def fit_widths(
    columns: Sequence[Sequence[tuple[str, bool]]],
    total: float,
    measure: Measure,
    padding: float,
    floor: float = 0.0,
    short_width: float = 0.0,
) -> list[float]:
    """Return one width per column that adds up to total.

    `columns` holds each column's cells as (text, bold), the heading first. `padding` is what a
    cell adds to its text on both sides together; `floor` is a smallest width for any column;
    a column no wider than `short_width` on one line keeps its lines whole when there is room.
    """
    least: list[float] = []
    most: list[float] = []
    paragraphs: list[list[list[float]]] = []  # per column, per row: paragraph widths
    for cells in columns:
        words = [measure(w, bold) for text, bold in cells for w in text.split()]
        rows = [[measure(p, bold) for p in text.split("\n")] for text, bold in cells]
        least.append(max([floor, *words]) + padding)
        most.append(max([floor, *(w for row in rows for w in row)]) + padding)
        paragraphs.append(rows)
    if sum(least) >= total:  # even the longest words do not fit: shrink them all alike
        return [total * width / sum(least) for width in least]
    if sum(most) <= total:  # every cell fits on one line: share out what is left evenly
        extra = (total - sum(most)) / len(most)
        return [width + extra for width in most]
    # A column whose cells are all short (a time, a status, a name) gets its one-line width
    # when the others can still have their longest words: "uge 2 (2027)" stays on one line.
    short = [m if m <= short_width else n for n, m in zip(least, most, strict=True)]
    if sum(short) < total:
        least = short
    amount = [sum(sum(row) for row in rows[1:]) + 1.0 for rows in paragraphs]
    widths = _share(total, least, most, amount)
    return _balance(widths, least, most, paragraphs, padding)


def _share(total: float, least: list[float], most: list[float], amount: list[float]) -> list[float]:
    """Share total in proportion to amount, each width kept between least and most."""
    widths = list(least)
    free = set(range(len(least)))  # columns not yet fixed at a bound
    while free:
        room = total - sum(widths[i] for i in range(len(widths)) if i not in free)
        weight = sum(amount[i] for i in free)
        wanted = {i: room * amount[i] / weight for i in free}
        low = {i for i in free if wanted[i] < least[i]}
        high = {i for i in free if wanted[i] > most[i]} - low
        if not low and not high:
            for i in free:
                widths[i] = wanted[i]
            break
        for i in low:
            widths[i] = least[i]
        for i in high:
            widths[i] = most[i]
        free -= low | high
    return widths


def _balance(
    widths: list[float],
    least: list[float],
    most: list[float],
    paragraphs: list[list[list[float]]],
    padding: float,
    step: float = 3.0,
    rounds: int = 30,
) -> list[float]:
    """Move width between columns while that makes the table (rows' tallest cells) shorter."""

    def lines(column: int, width: float) -> list[int]:
        inner = max(width - padding, 1.0)
        return [sum(max(1, math.ceil(w / inner)) for w in row) for row in paragraphs[column][1:]]

    def height(per_column: list[list[int]]) -> int:
        # The table's height first; fewer lines in all cells breaks ties (and escapes plateaus).
        rows = range(len(per_column[0]))
        tallest = sum(max(column[row] for column in per_column) for row in rows)
        return tallest * 10_000 + sum(sum(column) for column in per_column)

    current = [lines(i, w) for i, w in enumerate(widths)]
    best = height(current)
    count = len(widths)
    for _ in range(rounds):
        found = None
        wider = [
            lines(i, widths[i] + step) if widths[i] + step <= most[i] else None
            for i in range(count)
        ]
        narrower = [
            lines(i, widths[i] - step) if widths[i] - step >= least[i] else None
            for i in range(count)
        ]
        for gain, lose in ((g, k) for g in range(count) for k in range(count) if g != k):
            more, less = wider[gain], narrower[lose]
            if more is not None and less is not None:
                trial = list(current)
                trial[gain], trial[lose] = more, less
                if (total := height(trial)) < best:
                    best, found = total, (gain, lose, trial)
        if found is None:
            break
        gain, lose, current = found
        widths[gain] += step
        widths[lose] -= step
    return widths


def arial_width(text: str, bold: bool, size_pt: float) -> float:
    """Return the width of text in Arial (Helvetica's metrics) at size_pt, in millimetres."""
    from fpdf.fonts import CORE_FONTS_CHARWIDTHS

    widths = CORE_FONTS_CHARWIDTHS["helveticaB" if bold else "helvetica"]
    units = sum(widths.get(char, 600) for char in text)
    return units * size_pt / 1000 * 25.4 / 72
