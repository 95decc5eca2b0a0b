"""The pure dialogue engine: content model, loader and validation, state machine, rendering.

Nothing here imports telegram or does I/O beyond reading the content files at start-up.
"""

from dialogues.engine import parse_command, step
from dialogues.events import Button, Event, Reply
from dialogues.library.errors import ContentError, Problem
from dialogues.library.loader import CONTENT_DIR
from dialogues.library.model import Content, Flow, Library, Node
from dialogues.registry import load_library
from dialogues.state import SCHEMA_VERSION, ChatState

__all__ = [
    "CONTENT_DIR",
    "SCHEMA_VERSION",
    "Button",
    "ChatState",
    "Content",
    "ContentError",
    "Event",
    "Flow",
    "Library",
    "Node",
    "Problem",
    "Reply",
    "load_library",
    "parse_command",
    "step",
]
