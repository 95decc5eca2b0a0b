"""The interface texts the code needs from content/<lang>/ui.yaml."""

from __future__ import annotations

REQUIRED_UI = (
    "btn_next",
    "btn_back",
    "btn_skip",
    "btn_menu",
    "btn_keep",
    "btn_more",
    "btn_continue",
    "btn_restart",
    "progress",
    "previous_answer",
    "saved",
    "skipped",
    "style_fakta",
    "style_tip",
    "style_eksempel",
    "stale",
    "unknown_button",
    "use_buttons",
    "text_only",
    "empty_answer",
    "unknown_command",
    "welcome",
    "resume",
    "cancelled",
    "flow_done",
    "help",
    "cmd_start",
    "cmd_menu",
    "cmd_hjaelp",
    "cmd_annuller",
    "summary_empty",
    "summary_skipped",
    "summary_by",
)

COMMANDS = ("start", "menu", "svar", "hjaelp", "annuller")
"""Commands in the order of Telegram's command menu; each has a `cmd_<name>` text."""
