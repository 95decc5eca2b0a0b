"""Short, versioned callback data for buttons: version, turn, node and option.

Format: ``1:<turn>:<flow>/<node>:<option>``. Telegram allows 64 bytes; the validator
checks that every button of the content fits even with a ten-digit turn counter.
"""

from __future__ import annotations

from dataclasses import dataclass

VERSION = "1"
MAX_BYTES = 64
LONGEST_TURN = 10**10 - 1


@dataclass(frozen=True)
class Press:
    """A decoded button press."""

    turn: int
    node_key: str
    option: str


def encode(turn: int, node_key: str, option: str) -> str:
    """Build the callback data for one button."""
    return f"{VERSION}:{turn}:{node_key}:{option}"


def decode(data: str | None) -> Press | None:
    """Decode callback data; None for anything we did not make (forged, old format, junk)."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    parts = data.split(":", 3)
    if len(parts) != 4 or parts[0] != VERSION or not parts[1].isdigit():
        return None
    if not parts[2] or not parts[3]:
        return None
    return Press(turn=int(parts[1]), node_key=parts[2], option=parts[3])


def fits(node_key: str, option: str) -> bool:
    """Tell whether a button for this node and option fits Telegram's limit."""
    return len(encode(LONGEST_TURN, node_key, option).encode("utf-8")) <= MAX_BYTES
