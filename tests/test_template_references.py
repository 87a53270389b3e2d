"""Every Terraform template expression in the synthesized JSON names something Terraform knows.

Terraform reads every string of a ``.tf.json`` file as a template: ``${x.y}`` is a reference,
and a reference whose root is neither a resource type declared in the stack nor one of
Terraform's own roots (``data``, ``local``, ``var`` ...) nor a function call fails ``validate``
("Reference to undeclared resource") before any API call. Text meant literally (e.g. Cloud
Monitoring's ``${metric.labels.x}`` legend templates) must be escaped as ``$${``."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import ROOT
from tests.synth_helpers import synth_yaml

TERRAFORM_ROOTS = frozenset({"data", "local", "var", "module", "each", "count", "self", "path", "terraform"})
_EXPRESSION = re.compile(r"(?<!\$)\$\{\s*([A-Za-z_][A-Za-z0-9_-]*)\s*(\(?)")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def undeclared_references(doc: dict) -> list[str]:
    """``${root...`` expressions whose root is no declared resource type, Terraform root or function."""
    declared = set(doc.get("resource", {}))
    bad = []
    for text in _strings(doc):
        for match in _EXPRESSION.finditer(text):
            root, call = match.group(1), match.group(2)
            if call or root in TERRAFORM_ROOTS or root in declared:
                continue
            bad.append(text[match.start() : match.start() + 60])
    return bad


def test_the_scan_finds_an_unescaped_literal():
    doc = {"resource": {"google_monitoring_dashboard": {"d": {"dashboard_json": '{"t": "${metric.labels.x}"}'}}}}
    assert undeclared_references(doc) == ['${metric.labels.x}"}']
    doc["resource"]["google_monitoring_dashboard"]["d"]["dashboard_json"] = '{"t": "$${metric.labels.x}"}'
    assert undeclared_references(doc) == []


def test_default_estate_has_only_declared_references(default_synth):
    for name in default_synth.stack_names():
        assert undeclared_references(default_synth.stack(name)) == [], name


@pytest.mark.slow
def test_multi_cloud_example_has_only_declared_references(tmp_path):
    synth = synth_yaml((ROOT / "examples" / "multi-cloud.yaml").read_text(), tmp_path / "cdktf.out")
    for name in synth.stack_names():
        assert undeclared_references(synth.stack(name)) == [], name


def test_dashboard_legends_are_literal_for_terraform(default_synth):
    (dashboard,) = default_synth.resources("monitoring-gcp", "google_monitoring_dashboard").values()
    text = json.dumps(dashboard)
    assert "$${resource.labels.container_name}" in text
    assert "$${metric.labels.cluster}" in text
