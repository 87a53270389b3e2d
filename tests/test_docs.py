"""The README documents what the code does: its spec reference is generated and must match."""

from __future__ import annotations

import typing

from pydantic import BaseModel

from federation_spec.model import FederationSpec
from federation_spec.reference import END, START, render_reference
from tests.conftest import ROOT


def _all_models(model: type[BaseModel], seen=None):
    seen = seen if seen is not None else set()
    if model in seen:
        return seen
    seen.add(model)
    for field in model.model_fields.values():
        stack = [field.annotation]
        while stack:
            item = stack.pop()
            if isinstance(item, type) and issubclass(item, BaseModel):
                _all_models(item, seen)
            stack.extend(typing.get_args(item))
    return seen


def test_readme_spec_reference_is_current():
    readme = (ROOT / "README.md").read_text()
    assert START in readme
    assert END in readme
    embedded = readme.split(START, 1)[1].split(END, 1)[0].strip()
    assert embedded == render_reference().strip(), "README spec reference is stale: run `make docs`"


def test_every_spec_key_is_documented():
    undocumented = [
        f"{model.__name__}.{name}"
        for model in _all_models(FederationSpec)
        for name, field in model.model_fields.items()
        if name != "backend" and not (field.description or "").strip()
    ]
    assert undocumented == [], "add a docstring under each of these fields"


def test_reference_lists_every_top_level_section_and_nested_key():
    text = render_reference()
    for section in FederationSpec.model_fields:
        assert f"#### `{section}`" in text
    assert "| `aws.regions[].cidr` |" in text
    assert "| `gcp.clusters[].node_pool.max_nodes` |" in text


def test_readme_stack_graph_is_current(default_synth):
    from fedinfra import graph
    from fedinfra.inspect import load_stacks, references

    stacks = load_stacks(default_synth.outdir)
    counts = {name: sum(len(v) for v in doc.get("resource", {}).values()) for name, doc in stacks.items()}
    expected = graph.splice(f"{graph.START}{graph.END}", graph.mermaid(counts, references(stacks)))
    readme = (ROOT / "README.md").read_text()
    embedded = graph.START + readme.split(graph.START, 1)[1].split(graph.END, 1)[0] + graph.END
    assert embedded == expected, "README stack graph is stale: run `make docs`"
