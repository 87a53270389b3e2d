"""Every stack requires Terraform >= 1.10, and local state lands in ``<project>/<state.directory>``
(the project being the working directory at synth) whatever ``--out`` is: never inside it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli_helpers import run_main

TWO_REGIONS = """
federation: {name: fl}
aws:
  regions:
    - {name: us-west-2, cidr: 10.10.0.0/16, data_bucket: false}
    - {name: us-east-1, cidr: 10.20.0.0/16, data_bucket: false}
  transit_gateway: {amazon_side_asn: 64512}
"""


def test_every_stack_requires_terraform_1_10(default_synth):
    for name in default_synth.stack_names():
        assert default_synth.stack(name)["terraform"]["required_version"] == ">= 1.10", name


def _state_files(out: Path) -> dict[str, Path]:
    """Where each local state path (backend and remote-state reads) resolves, seen from the
    stack's working directory ``<out>/stacks/<stack>`` as Terraform sees it."""
    found = {}
    for stack_dir in sorted((out / "stacks").iterdir()):
        doc = json.loads((stack_dir / "cdk.tf.json").read_text())
        paths = {"backend": doc["terraform"]["backend"]["local"]["path"]}
        for reader, remote in doc.get("data", {}).get("terraform_remote_state", {}).items():
            paths[f"reads {reader}"] = remote["config"]["path"]
        for key, value in paths.items():
            found[f"{stack_dir.name} {key}"] = Path(os.path.normpath(stack_dir / value))
    return found


@pytest.mark.parametrize("absolute", [False, True], ids=["relative a/b/c", "absolute elsewhere"])
def test_local_state_lands_in_the_project_whatever_the_output_depth(tmp_path, absolute):
    project = tmp_path / "project"
    project.mkdir()
    (project / "federation.yaml").write_text(TWO_REGIONS)
    out = (tmp_path / "elsewhere" / "deep" / "out") if absolute else Path("a/b/c")
    result = run_main("synth", "--quiet", "--out", str(out), cwd=project)
    assert result.returncode == 0, result.stderr
    out = out if absolute else project / out
    resolved = _state_files(out)
    expected = {
        "aws-us-west-2 backend": project / "terraform-state" / "aws-us-west-2.tfstate",
        "aws-us-east-1 backend": project / "terraform-state" / "aws-us-east-1.tfstate",
    }
    for key, path in expected.items():
        assert resolved.pop(key) == path
    readers = {path for key, path in resolved.items() if " reads " in key}
    assert readers == {project / "terraform-state" / "aws-us-west-2.tfstate"}, resolved
    if not absolute:
        raw = json.loads((out / "stacks" / "aws-us-east-1" / "cdk.tf.json").read_text())
        assert raw["terraform"]["backend"]["local"]["path"] == "../../../../../terraform-state/aws-us-east-1.tfstate"


@pytest.mark.parametrize("directory", ["out/state", "out"])
def test_state_directory_inside_the_output_is_refused(tmp_path, directory):
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        TWO_REGIONS.replace(
            "federation: {name: fl}", f"federation: {{name: fl}}\nstate: {{backend: local, directory: {directory}}}"
        )
    )
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "marker").write_text("kept")
    result = run_main("synth", "--spec", str(spec), "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"error: state.directory {directory!r} lies inside the output directory 'out', which every synth "
        "replaces; move the state directory or choose another --out\n"
    )
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["marker"]
