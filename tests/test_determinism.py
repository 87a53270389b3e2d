"""Deterministic output: two synths, from any checkout path, give byte-identical JSON."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.cli_helpers import copy_checkout, run_main, tree_bytes
from tests.conftest import ROOT


@pytest.mark.slow
def test_two_checkouts_at_different_paths_synthesize_identical_bytes(tmp_path, default_synth):
    first = copy_checkout(tmp_path / "a")
    second = copy_checkout(tmp_path / "deeper" / "path" / "b")
    outputs = []
    for checkout in (first, second):
        result = run_main("synth", "--quiet", cwd=checkout, app_root=checkout)
        assert result.returncode == 0, result.stderr
        outputs.append(tree_bytes(checkout / "cdktf.out"))
    assert outputs[0] == outputs[1]
    assert outputs[0] == tree_bytes(default_synth.outdir), "CLI output differs from the in-process synth"
    for content in outputs[0].values():
        assert str(tmp_path).encode() not in content, "an absolute path leaked into the output"


@pytest.mark.slow
def test_cdktf_cli_synth_writes_the_same_stacks(tmp_path, default_synth):
    """`npx cdktf synth` runs the app command from cdktf.json and must produce the same JSON."""
    cli = ROOT / "node_modules" / ".bin" / "cdktf"
    assert cli.exists(), "cdktf-cli is not installed; `make setup` runs `npm ci`"
    assert shutil.which("node"), "node is required for the cdktf CLI"
    checkout = copy_checkout(tmp_path / "checkout")
    (checkout / ".venv").symlink_to(ROOT / ".venv")
    (checkout / "node_modules").symlink_to(ROOT / "node_modules")
    env = {
        **os.environ,
        "CHECKPOINT_DISABLE": "1",
        "CDKTF_DISABLE_PLUGIN_CACHE_ENV": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "CI": "true",
    }

    def cdktf_synth() -> None:
        result = subprocess.run(
            [str(cli), "synth", "--output", "cdktf.out"],
            cwd=checkout,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=900,
            check=False,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    cdktf_synth()
    produced = tree_bytes(checkout / "cdktf.out")
    expected = tree_bytes(default_synth.outdir)
    assert {k: v for k, v in produced.items() if k in expected} == expected
    # Nothing changed: the second `cdktf synth` (as `cdktf deploy`/`diff` run it) reuses the output
    # (a synth would swap in a new directory) and leaves the same bytes.
    inode = (checkout / "cdktf.out").stat().st_ino
    cdktf_synth()
    assert (checkout / "cdktf.out").stat().st_ino == inode, "the unchanged second cdktf synth synthesized again"
    assert tree_bytes(checkout / "cdktf.out") == produced
