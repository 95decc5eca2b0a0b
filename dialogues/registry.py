"""The one table of what the engine can show and answer: node kinds, screens and commands.

Each node kind and each screen is declared once, in `REGISTRY` below, with everything the
rest of the bot learns about it: its name, the commands that open it (in Danish and in
English), the menu action that opens it, the interface texts it needs and, for a kind, the
section it adds to a flow's summary. The engine dispatches through it (`Turn.registry`), the
validator checks content against it, the Telegram adapter sets the command menus from it.
Nothing registers itself anywhere: to add a kind or a screen, write its module, add its
line here and its texts to content/*/ui.yaml. What a kind, a screen, a command and a menu
action are is in `parts.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dialogues.kinds import basic, checklist, own_questions, plan, plan_input, rhythm, summary
from dialogues.library.ui_keys import CORE_UI
from dialogues.parts import Action, Command, NodeKind, ScreenKind
from dialogues.reminders import planner
from dialogues.screens import answers, export, language, privacy, reminders
from dialogues.screens import groups as groups_screen
from dialogues.screens import plan as plan_screen
from dialogues.turn import Turn


@dataclass(frozen=True)
class Registry:
    """Node kinds, screens (in the order of their commands in the menu) and the engine's own
    commands and actions; lookups by name are built once."""

    kinds: tuple[NodeKind, ...]
    screens: tuple[ScreenKind, ...]
    first_commands: tuple[Command, ...] = ()  # in the menu before the screens' commands
    last_commands: tuple[Command, ...] = ()  # and after them
    own_actions: tuple[Action, ...] = ()
    ui: tuple[str, ...] = ()  # the texts the code outside kinds and screens needs
    _kinds: dict[str, NodeKind] = field(init=False, repr=False, compare=False)
    _screens: dict[str, ScreenKind] = field(init=False, repr=False, compare=False)
    _commands: dict[str, Command] = field(init=False, repr=False, compare=False)
    _actions: dict[str, Action] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # a command's names, the English one only when it differs
        names = [n for c in self.commands for n in {c.name: 0, c.english: 0}]
        actions = [*self.own_actions, *(s.action for s in self.screens if s.action)]
        for what, found in (
            ("kind", [k.name for k in self.kinds]),
            ("screen", [s.name for s in self.screens]),
            ("command", names),
            ("action", [a.name for a in actions]),
        ):
            twice = sorted({n for n in found if found.count(n) > 1})
            if twice:
                raise ValueError(f"{what} declared twice: {', '.join(twice)}")
        kinds: dict[str, NodeKind] = {k.name: k for k in self.kinds}
        screens: dict[str, ScreenKind] = {s.name: s for s in self.screens}
        commands: dict[str, Command] = {n: c for c in self.commands for n in (c.name, c.english)}
        by_name: dict[str, Action] = {a.name: a for a in actions}
        object.__setattr__(self, "_kinds", kinds)
        object.__setattr__(self, "_screens", screens)
        object.__setattr__(self, "_commands", commands)
        object.__setattr__(self, "_actions", by_name)

    @property
    def commands(self) -> tuple[Command, ...]:
        """Return every command in the order of Telegram's command menu."""
        own = tuple(c for s in self.screens for c in s.commands)
        return self.first_commands + own + self.last_commands

    @property
    def actions(self) -> tuple[str, ...]:
        """Return the names of the menu actions content may use."""
        return tuple(self._actions)

    @property
    def required_ui(self) -> tuple[str, ...]:
        """Return every interface text the code needs, each once."""
        keys = [*self.ui, *(f"cmd_{c.name}" for c in self.commands)]
        keys += [k for kind in self.kinds for k in kind.ui]
        keys += [k for screen in self.screens for k in screen.ui]
        return tuple({key: None for key in keys})

    def kind(self, name: str) -> NodeKind | None:
        """Return the node kind called `name`."""
        return self._kinds.get(name)

    def screen(self, name: str | None) -> ScreenKind | None:
        """Return the screen at position `name` ('@plan'), None for a flow."""
        return self._screens.get(name or "")

    def command(self, name: str) -> Command | None:
        """Return the command called `name` in either language."""
        return self._commands.get(name)

    def act(self, turn: Turn, action: str) -> None:
        """Run the menu action `action` (the validator has checked that it exists)."""
        self._actions[action].run(turn)

    def render(self, turn: Turn) -> None:
        """Show the current node or screen; a position that no longer exists shows the menu."""
        screen = self.screen(turn.state.flow)
        if screen is not None:
            screen.screen.render(turn)
            return
        node = turn.node
        if node is None:
            turn.goto(f"flow:{turn.content.menu.id}")
            node = turn.node
            assert node is not None
        self._kinds[node.kind].kind.render(turn, node)


def _ui(*groups: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(k for g in groups for k in g)


_QUESTION_UI = ("progress", "previous_answer", "btn_keep", "btn_answer", "board_how")
_BOARD_UI = ("board_prompt", "board_old_question", "board_saved_earlier")
_CHECKLIST_UI = (
    "checklist_progress",
    "checklist_suggested",
    "checklist_now",
    "btn_change_who",
    "btn_change_when",
)
_MARK_UI = ("btn_done", "btn_plan", "btn_na")
_TIME_UI = ("ask_who", "ask_when", "ask_when_text", "btn_w0", "btn_w1", "btn_m1", "btn_pick_time")
_PLAN_UI = ("plan_rows", "plan_empty", "btn_add_row", "btn_from_example", "plan_confirm_delete")
_PLAN_STEPS_UI = ("plan_pick_field", "btn_row_done", "btn_delete_row", "plan_pick_example")
_PLAN_DONE_UI = (
    "plan_row_saved",
    "plan_from_example",
    "plan_row_deleted",
    "plan_full",
    "field_now",
)
_PLAN_FIELDS = ("fokus", "maal", "delmaal", "handlinger", "tid", "roller")
_SCHEDULE_UI = ("ask_next_meeting", "schedule_now", "schedule_cadence")
_ANSWERS_UI = (
    "answers_pick",
    "answers_type_new",
    "answers_confirm_delete",
    "answers_deleted",
    "answers_nothing_to_delete",
    "own_confirm_delete",
    "own_deleted",
    "own_type_question",
    "own_question_changed",
    "btn_own_reword",
)
_PRIVACY_UI = ("privacy", "btn_privacy", "btn_my_data", "btn_delete_all", "btn_yes_delete_all")
_REMINDER_KINDS = ("week", "meeting", "evaluation", "repeat", "unfinished")

REGISTRY = Registry(
    kinds=(
        NodeKind("info", basic.INFO, ui=("btn_more", "style_fakta", "style_tip", "style_eksempel")),
        NodeKind("question", basic.QUESTION, _ui(_QUESTION_UI, _BOARD_UI), needs_next=True),
        NodeKind("choice", basic.CHOICE),
        NodeKind("menu", basic.CHOICE),
        NodeKind(
            "checklist",
            checklist.CHECKLIST,
            _ui(_CHECKLIST_UI, [f"mark_{m}" for m in checklist.ICONS], _MARK_UI, _TIME_UI),
            needs_next=True,
        ),
        NodeKind(
            "summary",
            summary.SUMMARY,
            (
                "summary_empty",
                "summary_skipped",
                "summary_by",
                "summary_steps",
                "summary_steps_hint",
                "plan_steps_hint",
                "btn_edit_answers",
                "btn_edit_plan",
                "btn_whole_plan",
            ),
        ),
        NodeKind(
            "plan",
            plan_input.PLAN,
            _ui(
                _PLAN_UI,
                _PLAN_STEPS_UI,
                ("btn_own_focus", "ask_fokus_text", "ask_tid_text", "btn_yes_delete"),
                [f"{p}{f}" for f in _PLAN_FIELDS for p in ("plan_", "ask_")],
                _PLAN_DONE_UI,
                ("btn_pick_time",),
            ),
            needs_next=True,
            summary=plan.summary_section,
        ),
        NodeKind(
            "schedule",
            rhythm.SCHEDULE,
            _ui(_SCHEDULE_UI, [f"cad_{c}" for c in rhythm.CADENCES]),
            needs_next=True,
            summary=rhythm.summary_section,
        ),
        NodeKind(
            "custom", own_questions.CUSTOM, ("own_answer", "own_count", "own_full"), needs_next=True
        ),
    ),
    first_commands=(Command("start", "start", help=True), Command("menu", "menu", help=True)),
    screens=(
        ScreenKind(
            plan_screen.PLAN_SCREEN,
            plan_screen.SCREEN,
            (Command("plan", "plan", plan_screen.open_plan, help=True),),
            Action("plan", plan_screen.open_plan),
            (
                "btn_reflections",
                "btn_edit_plan",
                "btn_timeline",
                "timeline_caption",
                "timeline_counts",
                "timeline_empty",
            ),
        ),
        ScreenKind(
            summary.ANSWER_SCREEN,
            answers.SCREEN,
            (Command("svar", "answers", answers.open_answers, help=True),),
            Action("answers", answers.open_answers),
            _ui(_ANSWERS_UI, ("answers_changed", "answers_none_of_yours", "btn_yes_delete")),
        ),
        ScreenKind(
            export.EXPORT_SCREEN,
            export.SCREEN,
            (Command("eksport", "export", export.open_export, help=True),),
            Action("export", export.open_export),
            _ui(
                ("export_pick", "export_empty", "export_no_dates"),
                [f"btn_export_{f}" for f in export.FORMATS],
                [f"export_caption_{f}" for f in export.FORMATS],
            ),
        ),
        ScreenKind(
            reminders.REMINDER_SCREEN,
            reminders.SCREEN,
            (Command("paamindelser", "reminders", reminders.open_reminders, help=True),),
            Action("reminders", reminders.open_reminders),
            _ui(
                ("reminders_title", "reminders_none", "reminders_more", "reminders_all_off"),
                [f"kind_{k}" for k in _REMINDER_KINDS],
                [f"category_{c}" for c in planner.CATEGORIES],
                ("btn_all_off", "btn_all_on", "btn_change_cadence"),
            ),
        ),
        ScreenKind(
            language.LANGUAGE_SCREEN,
            language.SCREEN,
            (Command("sprog", "language", language.open_languages, help=True),),
            Action("language", language.open_languages),
            ("lang_name", "lang_pick", "lang_set"),
        ),
        ScreenKind(
            privacy.DELETE_SCREEN,
            privacy.SCREEN,
            (
                Command("privatliv", "privacy", privacy.show_privacy, help=True),
                Command("mine_data", "my_data", privacy.send_my_data, help=True),
                Command("slet", "delete", privacy.ask_delete, help=True),
            ),
            None,
            _ui(_PRIVACY_UI, ("delete_confirm", "deleted", "retention_kept")),
        ),
        ScreenKind(
            groups_screen.GROUPS_SCREEN,
            groups_screen.SCREEN,
            (Command("grupper", "groups", groups_screen.open_groups, help=True),),
            None,
            ("groups_pick", "groups_none", "groups_not_member", "groups_refused"),
        ),
    ),
    last_commands=(
        Command("hjaelp", "help", help=True),
        Command("annuller", "cancel", help=True),
    ),
    own_actions=(Action("help", basic.show_help), Action("about", basic.open_about)),
    ui=CORE_UI,
)
