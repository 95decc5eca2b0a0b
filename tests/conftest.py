"""Shared fixtures: the real content, a small test content, transcripts and stores."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from dialogues import CONTENT_DIR, Library, load_library
from storage import MemoryStore
from tests.transcript import Clock, Transcript

DATA = Path(__file__).parent / "data"
# PTB 22 warns on every RetryAfter unless told to use timedelta already; tests treat
# warnings as errors, so opt in to the coming behaviour.
os.environ.setdefault("PTB_TIMEDELTA", "true")
# A bot process started by a test must never write its data key into the working tree.
os.environ.setdefault("BOT_KEY_FILE", os.path.join(tempfile.mkdtemp(prefix="botkey-"), "data.key"))


@pytest.fixture(scope="session")
def library() -> Library:
    """The real content, loaded and validated once (BOT_CONTENT_DIR may point elsewhere)."""
    return load_library(Path(os.environ.get("BOT_CONTENT_DIR") or CONTENT_DIR))


@pytest.fixture(scope="session")
def demo_library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """A small content set (tests/data/demo) with the real interface texts."""
    root = tmp_path_factory.mktemp("demo_content")
    shutil.copytree(DATA / "demo", root / "da")
    shutil.copy(CONTENT_DIR / "da" / "ui.yaml", root / "da" / "ui.yaml")
    return load_library(root)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def user(library: Library, clock: Clock) -> Transcript:
    """A user chatting with the real content."""
    return Transcript(library, MemoryStore(), clock=clock)


@pytest.fixture
def demo(demo_library: Library, clock: Clock) -> Transcript:
    """A user chatting with the demo content."""
    return Transcript(demo_library, MemoryStore(), clock=clock)
