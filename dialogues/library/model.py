"""The content model: flows of nodes, parsed once from YAML into frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo

from dialogues.dates import LOCAL, DateWords

# The node kinds and menu actions are declared in dialogues/registry.py.
INFO_STYLES = ("fakta", "tip", "eksempel")
INPUT_KINDS = ("text", "date", "week")
# What a flow is, for the code that needs one particular flow (content ids stay in content):
# the main menu (required), "Om guiden" (required when a menu offers it), recommendation 3's
# evaluation half a year after its steps, the flow a year's repeat reminder opens, and the
# follow-up flow whose schedule node sets the rhythm (required when a schedule node exists).
# Each at most once; without one, what it serves is simply not offered.
FLOW_ROLES = ("menu", "about", "evaluation", "repeat", "followup")
# What a question node is, where the plan document reads one answer: the organisation's name
# and the day of the meeting, both typed in the meeting guide. Each at most once.
NODE_ROLES = ("organisation", "meeting_date")


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
    role: str | None = None  # one of NODE_ROLES

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
    role: str | None = None  # one of FLOW_ROLES
    links: tuple[str, ...] = ()  # further deep-link names (start=<name>) that open this flow


@dataclass(frozen=True)
class Content:
    """Everything the engine needs to talk in one language."""

    lang: str
    flows: dict[str, Flow]
    ui: dict[str, str] = field(default_factory=dict)
    # the words of its dates (month names, the week's word, a date's pattern), from `ui`
    words: DateWords = field(init=False, repr=False, compare=False)
    # (flow id, node) of every node, by kind: built once with the content, never mutated
    _by_kind: dict[str, tuple[tuple[str, Node], ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        found: dict[str, list[tuple[str, Node]]] = {}
        for flow in self.flows.values():
            for node in flow.nodes.values():
                found.setdefault(node.kind, []).append((flow.id, node))
        object.__setattr__(self, "_by_kind", {k: tuple(v) for k, v in found.items()})
        object.__setattr__(self, "words", DateWords.from_ui(self.ui))

    def nodes_of_kind(self, kind: str) -> tuple[tuple[str, Node], ...]:
        """Return (flow id, node) of every node of a kind, in the content's order."""
        return self._by_kind.get(kind, ())

    def text(self, key: str, **values: object) -> str:
        """Return the interface string `key`, filled with `values`."""
        template = self.ui[key]
        if not values or "{" not in template:
            return template
        return template.format(**values)

    def role(self, role: str) -> Flow | None:
        """Return the flow with this role (see FLOW_ROLES), None when the content has none."""
        return next((f for f in self.flows.values() if f.role == role), None)

    @property
    def menu(self) -> Flow:
        """Return the main menu, the one flow every content has (the validator sees to it)."""
        flow = self.role("menu")
        if flow is None:
            raise KeyError("the content has no flow with role menu")
        return flow

    def node_role(self, role: str) -> tuple[Flow, Node] | None:
        """Return the flow and node with this role (see NODE_ROLES), None when none has it."""
        for flow in self.flows.values():
            for node in flow.nodes.values():
                if node.role == role:
                    return flow, node
        return None

    def linked(self, name: str) -> Flow | None:
        """Return the flow a deep link opens: its id, or one of its further link names."""
        found = self.flows.get(name)
        return found or next((f for f in self.flows.values() if name in f.links), None)


@dataclass(frozen=True)
class Library:
    """The content of every language, keyed by language code; the first is the default."""

    languages: dict[str, Content]
    default: str = "da"
    fallback: str = "en"  # for users whose Telegram language we do not speak
    operator: dict[str, str] = field(default_factory=dict)  # privacy contact, retention days
    tz: tzinfo = LOCAL  # the operator's time zone (BOT_TIMEZONE): local dates, 9:00, quiet hours

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
