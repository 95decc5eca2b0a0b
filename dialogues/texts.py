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
    "label_credits", "btn_reflections", "btn_edit_plan", "cmd_plan", "own_answer", "own_count",
    "nudge_heads_up", "nudge_due", "nudge_when", "nudge_who", "nudge_how", "btn_nudge_done",
    "btn_nudge_going", "btn_nudge_stuck", "btn_nudge_later", "btn_nudge_off", "nudge_meeting",
    "followup_agenda", "nudge_unfinished", "nudge_evaluation", "nudge_repeat",
    "nudge_switched_off", "nudge_gone", "nudge_postponed", "nudge_noted", "nudge_stuck_advice",
    "nudge_meeting_moved", "status_none", "btn_export", "export_pick", "btn_export_pdf",
    "btn_export_docx", "btn_export_ics", "btn_export_md", "btn_export_json", "export_empty",
    "export_no_dates", "export_caption_pdf", "export_caption_docx", "export_caption_ics",
    "export_caption_md", "export_caption_json", "cmd_eksport", "label_page", "label_of",
    "reminders_title", "reminders_none", "reminders_more", "reminders_all_off", "kind_heads_up",
    "kind_due", "kind_meeting", "kind_evaluation", "kind_repeat", "kind_unfinished",
    "category_deadline", "category_meeting", "category_evaluation", "category_unfinished",
    "btn_all_off", "btn_all_on", "btn_change_cadence", "cmd_paamindelser", "lang_name",
    "lang_pick", "lang_set", "cmd_sprog", "btn_privacy", "privacy", "btn_my_data",
    "btn_delete_all", "btn_yes_delete_all", "delete_confirm", "deleted", "retention_kept",
    "retention_warning", "btn_keep_data", "too_long", "cmd_privatliv", "cmd_mine_data", "cmd_slet",
    "welcome_group", "btn_answer", "board_how", "board_prompt", "admins_only",
    "answers_none_of_yours", "edited_hint", "groups_pick", "groups_none", "groups_not_member",
    "cmd_grupper", "date_out_of_range", "too_many_lines", "plan_full", "own_full",
    "meeting_unknown", "safe_apology",
)  # fmt: skip


COMMANDS = (
    "start", "menu", "plan", "svar", "eksport", "paamindelser", "sprog", "privatliv",
    "mine_data", "slet", "grupper", "hjaelp", "annuller",
)  # fmt: skip
"""Commands in the order of Telegram's command menu; each has a `cmd_<name>` text."""

ENGLISH_NAMES = {
    "hjaelp": "help", "sprog": "language", "eksport": "export", "paamindelser": "reminders",
    "annuller": "cancel", "svar": "answers", "privatliv": "privacy", "mine_data": "my_data",
    "slet": "delete", "grupper": "groups",
}  # fmt: skip
"""Command names in English menus; the bot answers to both names."""
ALIASES = {english: danish for danish, english in ENGLISH_NAMES.items()}
