"""The plan as a Telegram Mini App: sign-in, the JSON API and the page's files (issue 21)."""

__all__: list[str] = []
