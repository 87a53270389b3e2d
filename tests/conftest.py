"""Shared fixtures: the default federation is synthesized once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from federation_spec import load_spec
from fedinfra.synth import synthesize
from tests.synth_helpers import Synthesized, synth_yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = ROOT / "federation.yaml"


@pytest.fixture(scope="session")
def default_spec():
    return load_spec(DEFAULT_SPEC)


@pytest.fixture(scope="session")
def default_synth(default_spec, tmp_path_factory) -> Synthesized:
    """The default federation.yaml, synthesized once for the whole session."""
    project = tmp_path_factory.mktemp("default")
    return Synthesized(synthesize(default_spec, project / "cdktf.out", root=project))


@pytest.fixture
def synth(tmp_path):
    """Synthesize a spec given as YAML text: ``synth(text) -> Synthesized``."""
    counter = iter(range(1000))
    return lambda text: synth_yaml(text, tmp_path / f"out{next(counter)}")
