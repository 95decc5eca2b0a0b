"""Durable per-chat storage behind two small protocols (`Store` for chat states,
`NudgeStore` for reminders), with the embedded SQLite backend and an in-memory one.
PostgreSQL's backend is `storage.postgres` (imported only when BOT_DATABASE_URL is set)."""

from storage.base import DamagedValue, Document, SharedStore, Store
from storage.memory import MemoryNudgeStore, MemoryStore
from storage.nudges import NudgeRow, NudgeStore, SqliteNudgeStore
from storage.sqlite import DB_NAME, SqliteStore

__all__ = [
    "DB_NAME",
    "DamagedValue",
    "Document",
    "MemoryNudgeStore",
    "MemoryStore",
    "NudgeRow",
    "NudgeStore",
    "SharedStore",
    "SqliteNudgeStore",
    "SqliteStore",
    "Store",
]
