"""The content model: flows of nodes, parsed once from YAML into frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field

NODE_KINDS = (
    "info",
    "question",
    "choice",
    "menu",
    "checklist",
    "summary",
    "plan",
    "schedule",
    "custom",
)
INFO_STYLES = ("fakta", "tip", "eksempel")
INPUT_KINDS = ("text", "date", "week")
MENU_ACTIONS = ("answers", "plan", "export", "reminders", "help", "about")


@dataclass(frozen=True)
class Option:
    """A button of a choice or menu node."""

    id: str
    label: str
    next: str | None = None
    action: str | None = None


@dataclass(frozen=True)
class ChecklistItem:
    """One first step of a checklist node."""

    id: str
    text: str


@dataclass(frozen=True)
class PlanTemplate:
    """An example action-plan row the user may start from."""

    fokus: str
    maal: str
    delmaal: tuple[str, ...]
    handlinger: tuple[str, ...]
    tid: str
    roller: str


@dataclass(frozen=True)
class Node:
    """One step of a flow; which fields matter depends on `kind`."""

    id: str
    kind: str
    text: str
    next: str | None = None
    style: str | None = None
    teaser: str | None = None
    group: str | None = None
    hint: str | None = None
    input: str = "text"
    options: tuple[Option, ...] = ()
    items: tuple[ChecklistItem, ...] = ()
    suggested: bool = False
    focus_options: tuple[Option, ...] = ()
    templates: tuple[PlanTemplate, ...] = ()

    def option(self, option_id: str) -> Option | None:
        """Return the option with this id, if the node has one."""
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Flow:
    """A small graph of nodes with one start."""

    id: str
    title: str
    start: str
    nodes: dict[str, Node]
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Content:
    """Everything the engine needs to talk in one language."""

    lang: str
    flows: dict[str, Flow]
    ui: dict[str, str] = field(default_factory=dict)

    def text(self, key: str, **values: object) -> str:
        """Return the interface string `key`, filled with `values`."""
        template = self.ui[key]
        if not values or "{" not in template:
            return template
        return template.format(**values)


@dataclass(frozen=True)
class Library:
    """The content of every language, keyed by language code; the first is the default."""

    languages: dict[str, Content]
    default: str = "da"
    fallback: str = "en"  # for users whose Telegram language we do not speak
    operator: dict[str, str] = field(default_factory=dict)  # privacy contact, retention days

    def get(self, lang: str | None) -> Content:
        """Return the content for `lang`, falling back to the default language."""
        return self.languages.get(lang or self.default, self.languages[self.default])

    def pick(self, code: str | None) -> str:
        """Return the language for a Telegram language code: our own, else the fallback."""
        lang = (code or "").split("-")[0].lower()
        if lang in self.languages:
            return lang
        if not code:
            return self.default
        return self.fallback if self.fallback in self.languages else self.default
