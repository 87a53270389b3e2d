"""`make deploy` / scripts/deploy.sh: preflight first, one shared provider plugin cache (created),
one provider lock file made once and copied into every stack, then `cdktf deploy --skip-synth`.
Terraform and npx are fakes that record how they were called."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fedinfra.provider_lock import ProviderPinError, required_providers
from tests.conftest import DEFAULT_SPEC, ROOT
from tests.preflight_helpers import fake_tools, write_ready_spec

SCRIPT = ROOT / "scripts" / "deploy.sh"
BASH = shutil.which("bash") or "/bin/bash"
MAKE = shutil.which("make") or "/usr/bin/make"
PROVIDERS = ("aws", "azurerm", "google", "kubernetes", "time", "tls")

# Fake terraform: `version -json` for preflight; every other call is logged with the plugin cache
# it saw; `providers lock` writes a lock file, `init` copies the configuration it was given.
FAKE_TERRAFORM = """\
if [ "$1" = "version" ]; then echo '{"terraform_version": "1.11.4"}'; exit 0; fi
dir="${1#-chdir=}"; shift
echo "$* | cache=$TF_PLUGIN_CACHE_DIR | break=${TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE:-}" >> "$LOG/terraform.log"
case "$1" in
  providers) echo '# fake lock' > "$dir/.terraform.lock.hcl" ;;
  init) cp "$dir/providers.tf.json" "$LOG/providers.tf.json"; cmp "$dir/.terraform.lock.hcl" "$PROVIDERS_LOCK" ;;
esac
"""
FAKE_NPX = 'echo "$* | cache=$TF_PLUGIN_CACHE_DIR" >> "$LOG/npx.log"\n'


def test_script_is_valid_bash():
    subprocess.run([BASH, "-n", str(SCRIPT)], check=True)


def test_make_targets():
    # Under `make test` this runs as a sub-make: without the parent's MAKE* variables and with
    # --no-print-directory, it prints only the recipe (no "Entering/Leaving directory" lines).
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    make = [MAKE, "--no-print-directory", "-n"]
    deploy = subprocess.run(
        [*make, "deploy", "ARGS=--auto-approve"], cwd=ROOT, capture_output=True, text=True, check=True, env=env
    )
    assert deploy.stdout.splitlines()[-1] == "PYTHON=.venv/bin/python scripts/deploy.sh --auto-approve"
    preflight = subprocess.run([*make, "preflight"], cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    assert preflight.stdout.splitlines()[-1] == ".venv/bin/python main.py preflight"


@pytest.fixture
def deploy(tmp_path, default_synth):
    """Run the script on a copy of the default synth output with fake tools; returns a runner."""
    out = tmp_path / "cdktf.out"
    shutil.copytree(default_synth.outdir, out)
    logs = tmp_path / "logs"
    logs.mkdir()
    tools = fake_tools(tmp_path / "bin", scripts={"terraform": FAKE_TERRAFORM, "npx": FAKE_NPX})
    env = {
        "PATH": f"{tools}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "PYTHON": sys.executable,
        "CDKTF_OUTDIR": str(out),
        "PROVIDERS_LOCK": str(tmp_path / "providers.lock.hcl"),
        "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE": "1",
        "LOG": str(logs),
    }

    def run(spec: Path, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [BASH, str(SCRIPT), "--skip-synth", *args],
            env={**env, "FEDERATION_SPEC": str(spec)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    run.out, run.logs, run.lock, run.cache = (
        out,
        logs,
        Path(env["PROVIDERS_LOCK"]),
        tmp_path / "home" / ".terraform.d" / "plugin-cache",
    )
    return run


def test_deploy_uses_one_cache_and_one_lock_file(deploy, tmp_path):
    result = deploy(write_ready_spec(tmp_path / "ready.yaml"), "--auto-approve")
    assert result.returncode == 0, result.stdout + result.stderr
    assert deploy.cache.is_dir()
    cache = f"cache={deploy.cache}"
    calls = (deploy.logs / "terraform.log").read_text().splitlines()
    platforms = " ".join(
        f"-platform={p}" for p in ("linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64", "windows_amd64")
    )
    assert calls == [
        f"providers lock {platforms} | {cache} | break=",
        f"init -backend=false -input=false -lockfile=readonly | {cache} | break=",
    ]
    config = json.loads((deploy.logs / "providers.tf.json").read_text())
    assert sorted(config["terraform"]["required_providers"]) == sorted(PROVIDERS)
    assert deploy.lock.read_text() == "# fake lock\n"
    stacks = sorted(p for p in (deploy.out / "stacks").iterdir())
    assert len(stacks) == 20  # every stack of the default estate
    assert all((stack / ".terraform.lock.hcl").read_text() == "# fake lock\n" for stack in stacks)
    assert (deploy.logs / "npx.log").read_text().splitlines() == [
        f"cdktf deploy * --skip-synth --output {deploy.out} --auto-approve | {cache}"
    ]

    again = deploy(write_ready_spec(tmp_path / "ready.yaml"))
    assert again.returncode == 0, again.stderr
    calls = (deploy.logs / "terraform.log").read_text().splitlines()
    assert [call.split(" |")[0] for call in calls[2:]] == ["init -backend=false -input=false -lockfile=readonly"]


def test_deploy_stops_when_preflight_blocks(deploy):
    result = deploy(DEFAULT_SPEC)
    assert result.returncode == 1
    assert "block: gcp.project: fl-project-123 is the sample project ID" in result.stdout
    assert not (deploy.logs / "npx.log").exists()
    assert not (deploy.logs / "terraform.log").exists()
    assert not deploy.lock.exists()


def test_required_providers_are_one_pin_each(default_synth, tmp_path):
    pins = required_providers(default_synth.outdir)
    assert sorted(pins) == sorted(PROVIDERS)
    assert all(pin["version"][0].isdigit() for pin in pins.values()), pins
    out = tmp_path / "out"
    shutil.copytree(default_synth.outdir, out)
    stack = out / "stacks" / "gke-fl-us" / "cdk.tf.json"
    document = json.loads(stack.read_text())
    document["terraform"]["required_providers"]["google"]["version"] = "5.0.0"
    stack.write_text(json.dumps(document))
    with pytest.raises(ProviderPinError, match="google"):
        required_providers(out)
