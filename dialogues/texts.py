"""The interface texts the code needs from content/<lang>/ui.yaml."""

from __future__ import annotations

REQUIRED_UI = (
    "btn_next", "btn_back", "btn_skip", "btn_menu", "btn_keep", "btn_more", "btn_continue",
    "btn_restart", "progress", "previous_answer", "saved", "skipped", "style_fakta", "style_tip",
    "style_eksempel", "stale", "unknown_button", "use_buttons", "text_only", "empty_answer",
    "unknown_command", "welcome", "resume", "cancelled", "flow_done", "help", "cmd_start",
    "cmd_menu", "cmd_hjaelp", "cmd_annuller", "summary_empty", "summary_skipped", "summary_by",
    "checklist_progress", "checklist_suggested", "checklist_now", "mark_done", "mark_planned",
    "mark_na", "btn_done", "btn_plan", "btn_na", "ask_who", "ask_when", "ask_when_text", "btn_w0",
    "btn_w1", "btn_m1", "btn_pick_time", "bad_time", "summary_steps", "btn_edit_answers",
    "btn_cancel", "btn_yes_delete", "btn_no", "answers_pick", "answers_type_new",
    "answers_confirm_delete", "answers_deleted", "answers_changed", "cmd_svar", "bad_date",
    "plan_rows", "plan_empty", "btn_add_row", "btn_from_example", "plan_confirm_delete",
    "plan_fokus", "plan_maal", "plan_delmaal", "plan_handlinger", "plan_tid", "plan_roller",
    "plan_pick_field", "btn_row_done", "btn_delete_row", "plan_pick_example", "btn_own_focus",
    "ask_fokus", "ask_fokus_text", "ask_maal", "ask_delmaal", "ask_handlinger", "ask_tid",
    "ask_tid_text", "ask_roller", "plan_row_saved", "plan_from_example", "plan_row_deleted",
    "ask_next_meeting", "schedule_now", "schedule_cadence", "cad_month", "cad_quarter",
    "cad_halfyear", "cad_none", "status_done", "status_progress", "status_stuck", "meeting_title",
    "plan_title", "credit_catalogue", "credit_tool", "label_fokus", "label_maal", "label_delmaal",
    "label_handlinger", "label_tid", "label_roller", "label_status", "label_plan",
    "label_reflections", "label_meetings", "label_organisation", "label_date", "label_empty_plan",
    "label_credits", "btn_reflections", "btn_edit_plan", "cmd_plan",
)

COMMANDS = ("start", "menu", "plan", "svar", "hjaelp", "annuller")
"""Commands in the order of Telegram's command menu; each has a `cmd_<name>` text."""
