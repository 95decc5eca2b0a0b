"""PostgreSQL storage for several workers sharing one database (psycopg 3 and its pool).

The same two protocols as the embedded mode (`Store`, `NudgeStore`), the same encryption
(every value a Fernet token under the same data key), and what a second process needs:

- `PgDatabase.session(*chat_ids)`: one transaction on one pooled connection, bound to the
  calling thread, holding a transaction-scoped advisory lock per chat id. Every store call
  the thread makes inside it uses that transaction, so a turn's load -> step -> save (and
  its reminders) is atomic and no other worker runs a turn of the same chat meanwhile.
  Sessions nest (the inner one takes its extra locks in the outer transaction).
- reminders are claimed with a conditional UPDATE (pending -> sent) that only one worker can
  win; a worker dying after a claim loses that one reminder, never the others;
- schema changes are numbered, appended migrations recorded in `schema_migrations`, run at
  start-up under an advisory lock, so workers starting together do not race;
- every running worker holds a shared advisory lock (`WORKERS_LOCK`) for its lifetime;
  `rotate-key` takes it exclusively, so it is refused while any worker runs. PostgreSQL
  drops a dead worker's locks with its connection (SIGKILL included).
- a shared send pace (`take_send_slot`) keeps Telegram's limits for the bot as a whole.

Where to look: `database.py` (pool, sessions, locks, send pace), `migrations.py` (the
schema), `chats.py` (the chat store and rotate-key's re-encryption), `nudges.py` (the
reminder store), `from_sqlite.py` (the one-time move from the embedded file).
"""

from storage.base import KEYCHECK, SharedStore
from storage.nudges import NudgeStore
from storage.postgres.chats import PgStore, reencrypt
from storage.postgres.database import (
    CHAT_LOCK_SPACE,
    KEY_LOCK_SPACE,
    MIGRATIONS_LOCK,
    WORKERS_LOCK,
    Connection,
    PgDatabase,
    is_postgres_url,
)
from storage.postgres.from_sqlite import NotEmpty, copy_from_sqlite
from storage.postgres.migrations import MIGRATIONS
from storage.postgres.nudges import PgNudgeStore

__all__ = [
    "CHAT_LOCK_SPACE",
    "KEYCHECK",
    "KEY_LOCK_SPACE",
    "MIGRATIONS",
    "MIGRATIONS_LOCK",
    "WORKERS_LOCK",
    "Connection",
    "NotEmpty",
    "PgDatabase",
    "PgNudgeStore",
    "PgStore",
    "copy_from_sqlite",
    "is_postgres_url",
    "reencrypt",
]


def _conforms(store: PgStore, nudges: PgNudgeStore) -> tuple[SharedStore, NudgeStore]:
    """Never called: mypy proves here that this backend implements the protocols."""
    return store, nudges
