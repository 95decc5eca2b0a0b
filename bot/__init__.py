"""The Telegram adapter, the terminal chat and the CLI: the only package importing telegram."""

import os

# Opt in to PTB 22's coming timedelta values (RetryAfter.retry_after) and silence its warning.
os.environ.setdefault("PTB_TIMEDELTA", "true")

__all__: list[str] = []
