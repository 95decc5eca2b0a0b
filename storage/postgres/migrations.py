"""The PostgreSQL schema as numbered migrations: appended, never edited.

A database records the numbers it has run in `schema_migrations`; `PgDatabase.migrate`
runs the missing ones at start-up, under an advisory lock, so workers starting together do
not race.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "values, damaged values, reminders",
        """
        CREATE TABLE kv (key TEXT PRIMARY KEY, value BYTEA NOT NULL);
        CREATE TABLE damaged_values (
            id BIGSERIAL PRIMARY KEY,
            key TEXT NOT NULL,
            set_aside_at TEXT NOT NULL,
            reason TEXT NOT NULL,
            value BYTEA
        );
        CREATE INDEX damaged_values_key ON damaged_values (key);
        CREATE TABLE nudges (
            id TEXT PRIMARY KEY,
            chat_id BIGINT NOT NULL,
            kind TEXT NOT NULL,
            ref TEXT NOT NULL,
            due TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
        );
        CREATE INDEX nudges_due ON nudges (state, due);
        CREATE INDEX nudges_chat_due ON nudges (chat_id, state, due);
        """,
    ),
    (
        2,
        "a send pace shared by all workers",
        """
        CREATE TABLE send_pace (
            chat_id BIGINT PRIMARY KEY,  -- 0: the bot as a whole
            next_slot TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE send_hits (chat_id BIGINT NOT NULL, at TIMESTAMPTZ NOT NULL);
        CREATE INDEX send_hits_chat ON send_hits (chat_id, at);
        """,
    ),
]
