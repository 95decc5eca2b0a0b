"""The Telegram adapter, the terminal chat and the CLI: the only package importing telegram."""

__all__: list[str] = []
