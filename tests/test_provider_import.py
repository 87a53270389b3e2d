"""The lazy provider import changes speed, never output (fedinfra/provider_import.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.cli_helpers import run_main, tree_bytes
from tests.conftest import ROOT


@pytest.mark.slow
def test_lazy_import_output_is_byte_identical_to_eager_import(tmp_path, default_synth):
    # Run from tmp_path into ./cdktf.out: the project layout default_synth has (same state paths).
    eager_out = tmp_path / "cdktf.out"
    spec = str(ROOT / "federation.yaml")
    result = run_main(
        "synth", "--quiet", "--spec", spec, "--out", "cdktf.out", cwd=tmp_path, env={"FEDINFRA_EAGER_PROVIDERS": "1"}
    )
    assert result.returncode == 0, result.stderr
    assert tree_bytes(eager_out) == tree_bytes(default_synth.outdir)


def _loaded_submodules(eager: bool) -> int:
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from fedinfra import provider_import\n"
        "import stacks\n"
        "from cdktf_cdktf_provider_aws.vpc import Vpc\n"
        "print(sum(1 for m in sys.modules if m.startswith('cdktf_cdktf_provider_aws.')))\n"
    )
    env = {
        **os.environ,
        "FEDINFRA_EAGER_PROVIDERS": "1" if eager else "0",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return int(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_lazy_import_loads_only_what_is_used():
    lazy = _loaded_submodules(eager=False)
    assert lazy < 10, f"lazy import loaded {lazy} AWS submodules"
    assert _loaded_submodules(eager=True) > 1000
