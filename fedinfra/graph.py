"""Render the stacks and their cross-stack references as Mermaid (README, pull requests) or DOT."""

from __future__ import annotations

import re

from fedinfra.inspect import Reference

MAX_LABEL_VALUES = 3


def _node_id(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def _label(values: tuple[str, ...]) -> str:
    shown = [v.split(".", 1)[-1] if v.count(".") >= 2 else v for v in values[:MAX_LABEL_VALUES]]
    more = len(values) - MAX_LABEL_VALUES
    return ", ".join(shown) + (f" +{more} more" if more > 0 else "")


def mermaid(stacks: dict[str, int], refs: list[Reference]) -> str:
    """``stacks`` maps stack name -> resource count; edges point from producer to consumer."""
    lines = ["flowchart LR"]
    for name, count in sorted(stacks.items()):
        lines.append(f'  {_node_id(name)}["{name}<br/>{count} resources"]')
    for ref in refs:
        lines.append(f'  {_node_id(ref.producer)} -->|"{_label(ref.values)}"| {_node_id(ref.consumer)}')
    return "\n".join(lines) + "\n"


def dot(stacks: dict[str, int], refs: list[Reference]) -> str:
    """Graphviz DOT of the same graph."""
    lines = ["digraph federation {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    for name, count in sorted(stacks.items()):
        lines.append(f'  "{name}" [label="{name}\\n{count} resources"];')
    for ref in refs:
        label = _label(ref.values).replace('"', "'")
        lines.append(f'  "{ref.producer}" -> "{ref.consumer}" [label="{label}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"
