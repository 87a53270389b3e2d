"""Read a synthesized output directory: cross-stack references and per-stack inventories.

Everything here reads the JSON that Terraform will read, so graphs and inventories describe
what will be deployed, not what the Python code intended.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

_REMOTE_OUTPUT = re.compile(
    r"data\.terraform_remote_state\.cross-stack-reference-input-(?P<stack>[A-Za-z0-9_-]+?)\.outputs\.(?P<output>[A-Za-z0-9_.\-]+)"
)
_HASH_SUFFIX = re.compile(r"_[0-9A-F]{8}(?=\.|$)")


@dataclass(frozen=True)
class Reference:
    """Values flowing from ``producer`` to ``consumer`` through cdktf cross-stack outputs."""

    producer: str
    consumer: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class OutputInfo:
    name: str
    description: str
    sensitive: bool


@dataclass(frozen=True)
class StackInventory:
    name: str
    resource_types: tuple[tuple[str, int], ...]
    data_sources: tuple[tuple[str, int], ...]
    outputs: tuple[OutputInfo, ...]


def load_stacks(outdir: str | Path) -> dict[str, dict]:
    """Stack name -> parsed stack JSON, from the manifest."""
    outdir = Path(outdir)
    manifest = json.loads((outdir / "manifest.json").read_text())
    return {
        name: json.loads((outdir / entry["synthesizedStackPath"]).read_text())
        for name, entry in sorted(manifest["stacks"].items())
    }


def _readable(output_name: str, producer_doc: dict) -> str:
    """What a cross-stack output carries, from the producer's output value:
    ``${aws_ec2_transit_gateway.tgw_88034C56.id}`` -> ``aws_ec2_transit_gateway.tgw.id``."""
    value = producer_doc.get("output", {}).get(output_name, {}).get("value", output_name)
    text = value if isinstance(value, str) else output_name
    return _HASH_SUFFIX.sub("", text.removeprefix("${").removesuffix("}"))


def references(stacks: dict[str, dict]) -> list[Reference]:
    """Every producer -> consumer edge with the values it carries, sorted."""
    edges: dict[tuple[str, str], set[str]] = {}
    for consumer, doc in stacks.items():
        text = json.dumps({k: v for k, v in doc.items() if k != "data"}) + json.dumps(doc.get("data", {}))
        for match in _REMOTE_OUTPUT.finditer(text):
            producer = match["stack"]
            if producer in stacks:
                edges.setdefault((producer, consumer), set()).add(_readable(match["output"], stacks[producer]))
    return [Reference(p, c, tuple(sorted(v))) for (p, c), v in sorted(edges.items())]


def inventory(stacks: dict[str, dict]) -> list[StackInventory]:
    """Per stack: resource and data-source types with counts, outputs with sensitivity."""
    result = []
    for name, doc in stacks.items():
        resources = Counter({rtype: len(items) for rtype, items in doc.get("resource", {}).items()})
        data = Counter({dtype: len(items) for dtype, items in doc.get("data", {}).items()})
        outputs = tuple(
            OutputInfo(key, value.get("description", ""), bool(value.get("sensitive")))
            for key, value in sorted(doc.get("output", {}).items())
            if not key.startswith("cross-stack-output-")
        )
        result.append(StackInventory(name, tuple(sorted(resources.items())), tuple(sorted(data.items())), outputs))
    return result
