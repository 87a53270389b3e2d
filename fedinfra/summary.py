"""What a synthesized output directory contains: per stack, resources, outputs and dependencies.

Read from ``manifest.json`` and the stack JSON, so it describes exactly what Terraform will see.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StackSummary:
    name: str
    resources: int
    data_sources: int
    outputs: int
    depends_on: tuple[str, ...]


def summarize(outdir: str | Path) -> list[StackSummary]:
    """One summary per synthesized stack, in manifest (alphabetical) order."""
    outdir = Path(outdir)
    manifest = json.loads((outdir / "manifest.json").read_text())
    rows = []
    for name, entry in sorted(manifest["stacks"].items()):
        doc = json.loads((outdir / entry["synthesizedStackPath"]).read_text())
        rows.append(
            StackSummary(
                name=name,
                resources=sum(len(v) for v in doc.get("resource", {}).values()),
                data_sources=sum(len(v) for v in doc.get("data", {}).values()),
                outputs=len(doc.get("output", {})),
                depends_on=tuple(sorted(entry.get("dependencies", []))),
            )
        )
    return rows


def render_table(rows: list[StackSummary]) -> str:
    """An aligned plain-text table (stack, resources, data sources, outputs, depends on)."""
    header = ("stack", "resources", "data", "outputs", "depends on")
    body = [
        (r.name, str(r.resources), str(r.data_sources), str(r.outputs), ", ".join(r.depends_on) or "-") for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(widths[i]) if i in (0, 4) else cell.rjust(widths[i]) for i, cell in enumerate(line)
        ).rstrip()
        for line in [header, *body]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    total = sum(r.resources for r in rows)
    lines.append(f"{len(rows)} stacks, {total} resources")
    return "\n".join(lines)
