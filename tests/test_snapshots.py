"""Snapshots of every synthesized stack: they catch unintended drift, never replace semantic tests.

Update deliberately with ``make snapshot-update`` and say why in the commit message.
"""

from __future__ import annotations

import pytest
from syrupy.extensions.json import JSONSnapshotExtension


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def test_stack_snapshots(default_synth, snapshot_json):
    names = default_synth.stack_names()
    assert names, "the default federation synthesized no stacks"
    for name in names:
        assert default_synth.stack(name) == snapshot_json(name=name), f"stack {name} drifted from its snapshot"


def test_manifest_snapshot(default_synth, snapshot_json):
    """Stack set and inter-stack dependencies, as the cdktf CLI will read them."""
    assert default_synth.manifest == snapshot_json
