"""One turn of a conversation: the working copy of the state and the replies being built."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dialogues import callbacks, navigation
from dialogues.events import Button, Event, Reply
from dialogues.library.model import Content, Flow, Library, Node
from dialogues.rules import permitted
from dialogues.state import HISTORY_LIMIT, ChatState, JsonValue
from dialogues.values import Problem

if TYPE_CHECKING:  # the registry imports every kind and screen, and they import Turn
    from dialogues.registry import Registry


@dataclass
class Turn:
    """The context every handler works on; only `step` creates one."""

    library: Library
    state: ChatState
    event: Event
    registry: Registry  # the node kinds, screens, commands and menu actions
    replies: list[Reply] = field(default_factory=list)
    prefix: list[str] = field(default_factory=list)
    erase: bool = False  # set by /slet: the adapter deletes everything of the chat

    def show(self) -> None:
        """Show the current node or screen (the renderer of its kind)."""
        self.registry.render(self)

    def advance(self) -> None:
        """Go to the current node's `next`, or finish the flow and show the menu; a node a
        screen opened for one task returns to that screen instead."""
        node, flow = self.node, self.flow
        back = self.state.settings.get("detour")
        if (
            isinstance(back, list)
            and len(back) == 4
            and back[2:] == [self.state.flow, self.state.node]
        ):
            self.state.settings.pop("detour", None)
            self._move(str(back[0]), str(back[1]), remember=False)
            self.show()
            return
        if node is not None and node.next:
            self.goto(node.next)
        else:
            if flow is not None and flow.id != self.menu_flow:
                self.note(self.t("flow_done", title=flow.title))
                self.state.visits.setdefault(flow.id, {})["finished"] = self.event.at.isoformat()
            self.goto(f"flow:{self.menu_flow}")
        self.show()

    @property
    def menu_flow(self) -> str:
        """Return the id of the main menu, the flow whose role is menu."""
        return self.content.menu.id

    @property
    def content(self) -> Content:
        """Return the content in the chat's language (it can change during a turn)."""
        return self.library.get(self.state.lang)

    def t(self, key: str, **values: object) -> str:
        """Return an interface text in the chat's language (operator settings fill in too)."""
        return self.content.text(key, **{**self.library.operator, **values})

    @property
    def flow(self) -> Flow | None:
        """Return the current flow, if the chat is somewhere that still exists."""
        return self.content.flows.get(self.state.flow or "")

    @property
    def node(self) -> Node | None:
        """Return the current node, if it still exists in the content."""
        flow = self.flow
        return flow.nodes.get(self.state.node or "") if flow else None

    def say(self, text: str, buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
        """Queue a message; pending prefix lines (such as 'Saved') go in front of it."""
        if self.prefix:
            text = "\n".join([*self.prefix, "", text])
            self.prefix.clear()
        self.replies.append(Reply(text=text, buttons=buttons, tag=self.tag("n")))

    def tag(self, kind: str, node_key: str | None = None) -> str:
        """In a group, name what a message shows ("q:flow/node"), for replies to find it."""
        if not self.event.in_group:
            return ""
        return f"{kind}:{self.state.node_key if node_key is None else node_key}"

    def posted(self, tag: str) -> int:
        """Return the id of the newest message of the bot's that shows `tag` (0: none known)."""
        found = [int(m) for m, t in self.state.posts.items() if t == tag and m.isdigit()]
        return max(found, default=0)

    def restart_refused(self, flow_id: str) -> bool:
        """Tell (and say) when opening a part at its start is a restart the sender may not do.

        Opening another part is navigation, for everyone; putting a board back at the start
        of the part it is in is "Start forfra", for admins (see dialogues/rules.py).
        """
        flow = self.content.flows.get(flow_id)
        if flow is None or self.state.flow != flow_id or self.state.node == flow.start:
            return False
        return not permitted(self, "restart")

    def refuse(self, problem: Problem) -> None:
        """Say why a value was refused and show the current node again; nothing is changed."""
        self.note(self.t(problem.key, **problem.values))
        self.show()

    def send_file(self, fmt: str, caption: str) -> None:
        """Queue the plan as a file in `fmt`; the adapter renders and sends it."""
        self.replies.append(Reply(text=caption, export=fmt))

    def note(self, text: str) -> None:
        """Add a short line that leads the next message instead of sending one of its own."""
        self.prefix.append(text)

    def button(self, label: str, option: str) -> Button:
        """Make a button for the current node, stamped with the current turn."""
        return Button(label, callbacks.encode(self.state.turn, self.state.node_key, option))

    def goto(self, target: str) -> None:
        """Move to a node of this flow or to 'flow:<id>', remembering where we were."""
        if target.startswith("flow:"):
            flow = self.content.flows[target[5:]]
            # Opened again from elsewhere: where the work is (in the same part it is a restart)
            again = flow.id != self.state.flow
            landing = navigation.revisit_landing(flow, self.state) if again else None
            self._move(flow.id, flow.start, remember=True)
            if landing is not None:  # the start stays one Back away
                self._move(flow.id, landing, remember=True)
        else:
            self._move(self.state.flow or self.menu_flow, target, remember=True)

    def open(self, flow_id: str, node_id: str, **widget: JsonValue) -> None:
        """Move to a position by flow and node (also screens such as '@svar'), remembering."""
        self._move(flow_id, node_id, remember=True)
        self.state.widget = dict(widget)

    def jump(self, flow_id: str, node_id: str, **widget: JsonValue) -> None:
        """Move to a position without remembering the current one (it was a detour)."""
        self._move(flow_id, node_id, remember=False)
        self.state.widget = dict(widget)

    def set_widget(self, **widget: JsonValue) -> None:
        """Change the current node's inner step; old buttons of the node become stale."""
        self.state.widget = dict(widget)
        self.state.turn += 1

    def back(self) -> bool:
        """Return to the node the user actually saw before; False when there is none."""
        while self.state.history:
            flow_id, node_id = self.state.history.pop()
            flow = self.content.flows.get(flow_id)
            if (flow and node_id in flow.nodes) or flow_id.startswith("@"):
                self._move(flow_id, node_id, remember=False)
                return True
        return False

    def detour(self, flow_id: str, node_id: str) -> None:
        """Open a node of a flow for one task from a screen; when it is done (the node moves
        on), the chat returns to the screen instead of going on in that flow."""
        here = [self.state.flow, self.state.node]
        self._move(flow_id, node_id, remember=True)
        self.state.settings["detour"] = [*here, flow_id, node_id]

    def _move(self, flow_id: str, node_id: str, remember: bool) -> None:
        self.state.settings.pop("detour", None)  # moving anywhere else ends a detour
        flow_now, node_now = self.state.flow, self.state.node
        if remember and flow_now and node_now and (flow_now, node_now) != (flow_id, node_id):
            self.state.history = [*self.state.history, [flow_now, node_now]][-HISTORY_LIMIT:]
        self.state.flow, self.state.node = flow_id, node_id
        self.state.widget = {}
        self.state.turn += 1
        self._visit(flow_id, node_id)

    def _visit(self, flow_id: str, node_id: str) -> None:
        """Keep counts for usage figures: when a flow was started, left off and finished."""
        flow = self.library.get(self.state.lang).flows.get(flow_id)
        if flow is None or flow_id == self.menu_flow:
            return
        at = self.event.at.isoformat()
        visit = self.state.visits.setdefault(flow_id, {"started": at})
        visit["last"] = node_id
        visit["at"] = at  # when the part was last worked in: /start offers the latest
        if flow.nodes[node_id].kind == "summary":
            visit["finished"] = at
