"""The interface text keys (content/<lang>/ui.yaml) that code outside kinds and screens needs.

Node kinds, screens and commands declare their own keys in `dialogues/registry.py`; the
registry adds these, and the validator checks that every language has them all.
"""

from __future__ import annotations

# The Mini App page's own texts (webapp/), as `page_<name>` in ui.yaml: the API sends them to
# the page by <name> (dialogues/miniapp/view.py page_texts), so the page carries no language.
PAGE_UI = (
    "language_name", "title", "loading", "plan", "plans", "timeline", "reflections", "views",
    "filters", "mine", "this_month", "stuck", "empty", "empty_filtered", "add", "edit",
    "edit_title", "add_title", "save", "saved", "added", "deleted", "back", "cancel", "delete",
    "confirm_delete", "delete_ask", "goal", "subgoals", "actions", "who", "when", "due",
    "no_date", "precision", "day", "week", "plus_week", "status", "focus", "other_focus",
    "goal_required", "not_started", "in_progress", "done", "no_reflections", "no_events",
    "week_short", "late", "meeting", "deadline", "network", "outside", "read_only", "step",
    "nobody", "no_due",
)  # fmt: skip

CORE_UI = (
    # the engine: navigation, commands, what it says about input
    "btn_next", "btn_back", "btn_skip", "btn_menu", "btn_continue", "btn_restart", "btn_cancel",
    "btn_no", "btn_export", "saved", "skipped", "stale", "unknown_button", "use_buttons",
    "summary_typed", "text_only", "empty_answer", "unknown_command", "welcome", "welcome_group",
    "resume", "cancelled", "flow_done", "help", "edited_hint", "admins_only", "safe_apology",
    "too_long",
    # values typed anywhere (dates, times, lists)
    "bad_date", "bad_time", "date_out_of_range", "too_many_lines",
    # the plan document and its exports
    "status_done", "status_progress", "status_stuck", "status_none", "status_not_started",
    "meeting_title",
    "plan_title", "credit_catalogue", "credit_tool", "label_fokus", "label_maal", "label_delmaal",
    "label_handlinger", "label_tid", "label_roller", "label_status", "label_plan",
    "label_reflections", "label_meetings", "label_organisation", "label_date", "label_empty_plan",
    "label_credits", "label_page", "label_of", "label_made", "label_guide_meeting",
    "label_followup", "label_agenda", "label_agenda_item", "label_routine", "label_routine_1",
    "label_routine_2", "label_routine_3", "label_routine_4", "label_next_meetings",
    "label_no_meetings", "label_status_count", "label_timeline", "label_today",
    "label_overdue", "label_meeting", "label_undated", "label_more_rows", "file_plan",
    "file_data",
    # dates in the language's words (dialogues/dates.py WORD_KEYS; the validator checks them)
    "date_months", "date_week", "date_pattern", "date_week_words",
    # the command names this language's menu and /hjaelp show (parts.COMMAND_NAMES)
    "command_names",
    # reminders and the follow-up
    "nudge_week", "nudge_line", "nudge_how", "nudge_how_many", "btn_nudge_done",
    "btn_nudge_going", "btn_nudge_stuck", "btn_nudge_later", "btn_nudge_off", "nudge_meeting",
    "followup_agenda", "nudge_unfinished", "nudge_evaluation", "nudge_repeat",
    "nudge_switched_off", "nudge_gone", "nudge_postponed", "nudge_noted", "nudge_stuck_advice",
    "nudge_meeting_moved", "meeting_unknown", "retention_warning", "btn_keep_data",
    # the Telegram adapter: a turn that failed or found its data damaged
    "turn_failed", "data_damaged", "data_set_aside",
    # the Mini App (issue 21): its button, the notices to a group, the page's refusals
    "btn_open_plan", "app_my_plan", "app_added", "app_changed", "app_moved", "app_status",
    "app_deleted", "app_error_auth_missing", "app_error_auth_invalid", "app_error_auth_expired",
    "app_error_not_member", "app_error_not_admin", "app_error_no_plan", "app_error_bad_request",
    "app_error_bad_value", "app_error_replayed", "app_error_too_large", "app_error_too_many",
    "app_error_failed",
    *(f"page_{name}" for name in PAGE_UI),
)  # fmt: skip
