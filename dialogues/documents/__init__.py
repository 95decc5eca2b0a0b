"""The plan document: built from a chat's state, shown as Telegram HTML, and written as PDF,
Word, calendar, Markdown and a picture (`formats/`)."""
