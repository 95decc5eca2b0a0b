"""Durable per-chat storage behind a small protocol, with a real and an in-memory store."""

from storage.base import DamagedValue, Document, Store
from storage.memory import MemoryStore
from storage.sqlite import DB_NAME, SqliteStore

__all__ = ["DB_NAME", "DamagedValue", "Document", "MemoryStore", "SqliteStore", "Store"]
