"""Render flows as a Mermaid flowchart, for review and for the README."""

from __future__ import annotations

from dialogues import Content, Flow

_SHAPES = {"question": ('[/"', '"/]'), "menu": ('{{"', '"}}'), "choice": ('{"', '"}')}


def mermaid(content: Content, flow_id: str | None = None) -> str:
    """Return a Mermaid `flowchart TD` of one flow, or of every flow."""
    flows = [content.flows[flow_id]] if flow_id else list(content.flows.values())
    lines = ["flowchart TD"]
    for flow in flows:
        lines += _flow(flow, content)
    return "\n".join(lines)


def _label(text: str) -> str:
    return text.replace('"', "'").replace("\n", " ")[:40]


def _ref(flow_id: str, node_id: str) -> str:
    return f"{flow_id}__{node_id}"


def _flow(flow: Flow, content: Content) -> list[str]:
    lines = [f'  subgraph {flow.id}["{_label(flow.title)}"]']
    for node in flow.nodes.values():
        left, right = _SHAPES.get(node.kind, ('["', '"]'))
        lines.append(f"    {_ref(flow.id, node.id)}{left}{node.kind}: {node.id}{right}")
    lines.append("  end")
    for node in flow.nodes.values():
        for label, target in [(None, node.next)] + [(o.label, o.next) for o in node.options]:
            if not target:
                continue
            if target.startswith("flow:"):
                dest = _ref(target[5:], content.flows[target[5:]].start)
            else:
                dest = _ref(flow.id, target)
            arrow = f' -->|"{_label(label)}"| ' if label else " --> "
            lines.append(f"  {_ref(flow.id, node.id)}{arrow}{dest}")
    return lines
