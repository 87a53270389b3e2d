"""The command line as a user meets it: exit codes, one-line errors, atomic output."""

from __future__ import annotations

import pytest

from tests.cli_helpers import run_main, tree_bytes
from tests.conftest import ROOT

BAD_CIDR = "federation: {name: fedlearn}\naws: {regions: [{name: us-west-2, cidr: 10.10.0.1/16}]}\n"


@pytest.fixture
def existing_output(tmp_path):
    out = tmp_path / "cdktf.out"
    (out / "stacks" / "aws-us-west-2").mkdir(parents=True)
    (out / "manifest.json").write_text('{"previous": true}')
    (out / "stacks" / "aws-us-west-2" / "cdk.tf.json").write_text("{}")
    return out


@pytest.mark.parametrize(
    ("spec_text", "expected"),
    [
        (BAD_CIDR, "bad.yaml: aws.regions[0].cidr: '10.10.0.1/16' has host bits set; did you mean 10.10.0.0/16?"),
        ("", "bad.yaml: file is empty; expected a mapping with a 'federation' section"),
        ("federation: {name: [}", "bad.yaml: malformed YAML: line 1"),
    ],
)
def test_bad_spec_exits_2_with_one_line_and_keeps_output(tmp_path, existing_output, spec_text, expected):
    spec = tmp_path / "bad.yaml"
    spec.write_text(spec_text)
    before = tree_bytes(existing_output)
    result = run_main("synth", "--spec", "bad.yaml", "--out", str(existing_output), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("bad.yaml")]
    assert error_lines
    assert error_lines[0].startswith(expected)
    assert tree_bytes(existing_output) == before


def test_default_command_is_synth_and_prints_summary(tmp_path):
    result = run_main("--spec", str(ROOT / "federation.yaml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "manifest.json").exists()
    header = result.stdout.splitlines()[0].split()
    assert header == ["stack", "resources", "data", "outputs", "depends", "on"]
    assert "aws-us-west-2" in result.stdout
    # The first apply's peak GKE vCPUs (spec.gcp_capacity): what the CPU quotas must hold.
    assert (
        "GCP vCPU at first apply: project fl-project-123 30 (us-central1 12, europe-west1 12, asia-southeast1 6); "
        "96 with every pool at max_nodes"
    ) in result.stdout.splitlines()


def test_failed_synth_replaces_nothing_and_successful_synth_replaces_all(tmp_path, existing_output):
    result = run_main("synth", "--spec", str(ROOT / "federation.yaml"), "--out", str(existing_output), "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "previous" not in (existing_output / "manifest.json").read_text()
    assert not list(tmp_path.glob(".cdktf.out*")), "staging or backup directories left behind"


def test_validate_prints_ok_without_importing_providers(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from fedinfra.cli import main\n"
        f"code = main(['validate', '--spec', {str(ROOT / 'federation.yaml')!r}])\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('cdktf', 'jsii')))\n"
        "print('LOADED', loaded)\n"
        "sys.exit(code)\n"
    )
    import subprocess
    import sys

    result = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "ok"
    assert "LOADED []" in result.stdout


def test_validate_reports_every_error_and_exits_2(tmp_path):
    spec = tmp_path / "fed.yaml"
    spec.write_text("federation: {name: fedlearn}\naws: {regions: [{name: us-west-9, cidr: 10.10.0.1/16}]}\n")
    result = run_main("validate", "--spec", str(spec))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{spec}: aws.regions[0].") for line in lines)


def test_spec_path_from_environment(tmp_path):
    spec = tmp_path / "from-env.yaml"
    spec.write_text(BAD_CIDR)
    result = run_main("validate", env={"FEDERATION_SPEC": str(spec)})
    assert result.returncode == 2
    assert result.stderr.startswith(f"{spec}: aws.regions[0].cidr")
    explicit = run_main("validate", "--spec", str(ROOT / "federation.yaml"), env={"FEDERATION_SPEC": str(spec)})
    assert explicit.returncode == 0, "--spec must win over FEDERATION_SPEC"


def test_missing_default_spec(tmp_path):
    result = run_main("validate", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "federation.yaml: file not found"


def test_unknown_option_is_a_usage_error_not_a_traceback():
    result = run_main("synth", "--sepc", "x.yaml")
    assert result.returncode == 2
    assert "unrecognized arguments: --sepc" in result.stderr
    assert "Traceback" not in result.stderr
