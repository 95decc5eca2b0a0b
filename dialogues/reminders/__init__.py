"""Reminders: which nudges a chat should get, their messages and what their buttons do."""
