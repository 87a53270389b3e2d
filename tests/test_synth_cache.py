"""`synth` never synthesizes the same inputs twice, and never serves a stale output.

One cold synth of a small spec in a copy of the project (run as the cdktf CLI runs the app:
``CDKTF_OUTDIR`` and the CLI's variables set, ``--quiet``), then: the unchanged re-run reuses it
(the output directory is the same inode: a synth swaps in a new directory); ``--force``,
``FEDINFRA_FORCE_SYNTH=1``, a hand edit in the output and a spec change synthesize again, to the
same bytes where the inputs are the same. Every other kind of input change is checked on the
key itself (``fedinfra.synth_inputs.gather``), which must match the key the CLI recorded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fedinfra.synth_cache import is_current, read_record, record_path
from fedinfra.synth_inputs import gather, synth_key
from tests.cli_helpers import copy_checkout, run_main, tree_bytes
from tests.conftest import ROOT

SPEC = "minimal.yaml"
CLI_ENV = {
    # What `cdktf synth`/`deploy`/`diff` pass to the app (@cdktf/cli-core synth-stack.js).
    "CDKTF_OUTDIR": "cdktf.out",
    "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS": "true",
    "CDKTF_CONTEXT_JSON": '{"cdktfRelativeModules":[]}',
    "SYNTH_HCL_OUTPUT": "false",
    "FEDERATION_SPEC": SPEC,
    "FEDINFRA_FORCE_SYNTH": "",
}
PINS = ("requirements.txt", "requirements-dev.txt", "package.json", "package-lock.json")


class Project:
    def __init__(self, root: Path):
        self.root = root
        self.out = root / "cdktf.out"

    def synth(self, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        return run_main("synth", *args, cwd=self.root, app_root=self.root, env={**CLI_ENV, **(env or {})})

    def inode(self) -> int:
        return self.out.stat().st_ino


def new_project(path: Path) -> Project:
    root = copy_checkout(path)
    for name in PINS:
        shutil.copy2(ROOT / name, root / name)
    shutil.copy2(ROOT / "examples" / "minimal-aws.yaml", root / SPEC)
    return Project(root)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    project = new_project(tmp_path_factory.mktemp("cache") / "project")
    result = project.synth("--quiet")
    assert result.returncode == 0, result.stderr
    assert (project.out / "manifest.json").exists()
    return project


def _environ(**changes: str | None) -> dict[str, str]:
    """The environment the CLI runs under in these tests (run_main's), with ``changes``."""
    environ = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", **CLI_ENV}
    for name, value in changes.items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    return environ


def _key(root: Path, *, spec=SPEC, outdir="cdktf.out", stacks=None, environ=None, cwd=None, search_path=None) -> str:
    return synth_key(
        gather(
            spec,
            outdir,
            stacks,
            app_root=root,
            environ=_environ() if environ is None else environ,
            cwd=cwd or root,
            search_path=search_path,
        )
    )


def test_unchanged_inputs_reuse_the_output(project):
    before, inode = tree_bytes(project.out), project.inode()
    quiet = project.synth("--quiet")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    loud = project.synth()
    assert loud.returncode == 0, loud.stderr
    key = read_record(project.out)["key"]
    assert f"cdktf.out is up to date (key {key[:12]}); nothing to synthesize" in loud.stdout
    assert "aws-eu-west-1" in loud.stdout  # the summary table, as after a synth
    assert "synthesizing" not in loud.stderr
    assert project.inode() == inode
    assert tree_bytes(project.out) == before


def test_the_record_sits_beside_the_output_not_in_it(project):
    assert record_path(project.out) == project.root / ".synth-key-cdktf.out.json"
    assert record_path(project.out).exists()
    assert not [name for name in tree_bytes(project.out) if "synth-key" in name]


def test_key_computed_here_is_the_key_the_cli_recorded(project):
    """So the input-change tests below test the key the CLI uses."""
    assert read_record(project.out)["key"] == _key(project.root)


def test_cache_hit_loads_neither_cdktf_nor_the_spec_model(project, tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import json, sys\n"
        f"sys.path.insert(0, {str(project.root)!r})\n"
        "from fedinfra.cli import main\n"
        "code = main(['synth', '--quiet'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'cdktf', 'jsii', 'federation_spec', 'stacks', 'pydantic'})\n"
        "print(json.dumps({'code': code, 'heavy': heavy}))\n"
    )
    result = subprocess.run(
        [sys.executable, str(probe)], cwd=project.root, env=_environ(), capture_output=True, text=True, check=False
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"code": 0, "heavy": []}, result.stderr


def test_force_and_the_variable_synthesize_again_to_the_same_bytes(project):
    before = tree_bytes(project.out)
    for args, env in ((("--force", "--quiet"), {}), (("--quiet",), {"FEDINFRA_FORCE_SYNTH": "1"})):
        inode = project.inode()
        result = project.synth(*args, env=env)
        assert result.returncode == 0, result.stderr
        assert project.inode() != inode, f"{args} {env} reused the output"
        assert tree_bytes(project.out) == before, "a fresh synth differs from the cached output"
    inode = project.inode()
    assert project.synth("--quiet").returncode == 0
    assert project.inode() == inode, "a forced synth did not record its key"


def test_a_hand_edit_in_the_output_is_not_reused(project):
    stack = project.out / "stacks" / "aws-eu-west-1" / "cdk.tf.json"
    original = stack.read_bytes()
    stack.write_bytes(original.replace(b"10.10.0.0/16", b"10.99.0.0/16"))
    inode = project.inode()
    result = project.synth()
    assert result.returncode == 0, result.stderr
    assert "cdktf.out is out of date (output changed)" in result.stderr
    assert project.inode() != inode
    assert stack.read_bytes() == original


@pytest.mark.parametrize(
    ("change", "reused"),
    [
        (lambda out: (out / "stacks" / "aws-eu-west-1" / ".terraform" / "providers").mkdir(parents=True), True),
        (lambda out: (out / "stacks" / "aws-eu-west-1" / ".terraform.lock.hcl").write_text("# lock"), True),
        (lambda out: (out / "stacks" / "aws-eu-west-1" / "plan").write_bytes(b"PK"), True),
        (lambda out: (out / "stacks" / "aws-eu-west-1" / "extra.tf.json").write_text("{}"), False),
        (lambda out: (out / "manifest.json").write_text((out / "manifest.json").read_text() + " "), False),
        (lambda out: (out / "stacks" / "aws-eu-west-1" / "cdk.tf.json").unlink(), False),
        (lambda out: shutil.rmtree(out), False),
    ],
    ids=["terraform init dir", "provider lock file", "cdktf diff plan", "added file", "edit", "deleted", "no output"],
)
def test_output_changes_that_prevent_reuse(project, tmp_path, change, reused):
    """Terraform's working files (cdktf deploy/diff, scripts/deploy.sh) do not count as edits."""
    out = tmp_path / "cdktf.out"
    shutil.copytree(project.out, out)
    shutil.copy2(record_path(project.out), record_path(out))
    key = read_record(out)["key"]
    assert is_current(out, key)
    change(out)
    assert is_current(out, key) is reused


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _append(path: Path, text: str = "\n# changed\n") -> None:
    path.write_text(path.read_text() + text)


def _fake_node(root: Path) -> dict[str, str]:
    _write(root / "bin" / "node", "#!/bin/sh\necho v99.0.0\n")
    (root / "bin" / "node").chmod(0o755)
    return {"PATH": f"{root / 'bin'}:{os.environ['PATH']}"}


INPUT_CHANGES = {
    # kind: (change the copy of the project, options of the key that change)
    "spec": (lambda root: (root / SPEC).write_text((root / SPEC).read_text().replace("fl-minimal", "fl-other")), {}),
    "source file": (lambda root: _append(root / "stacks" / "naming.py"), {}),
    "new module": (lambda root: _write(root / "constructs_lib" / "added.py", "X = 1\n"), {}),
    "new package": (lambda root: _write(root / "addedpkg" / "__init__.py", ""), {}),
    "data file in a package": (lambda root: _write(root / "stacks" / "templates" / "boot.sh", "echo\n"), {}),
    "main.py": (lambda root: _append(root / "main.py"), {}),
    "cdktf.json": (lambda root: _append(root / "cdktf.json", " "), {}),
    "requirements.txt": (lambda root: _append(root / "requirements.txt", "extra==1.0\n"), {}),
    "package-lock.json": (lambda root: _append(root / "package-lock.json", " "), {}),
    "installed package version": (
        lambda root: (root / "site" / "cdktf-0.21.1.dist-info").mkdir(parents=True),
        {"search_path": "site"},
    ),
    "node binary": (None, {"environ": "PATH"}),
    "--stacks": (None, {"stacks": ["aws-*"]}),
    "--out": (None, {"outdir": "other.out"}),
    "spec path": (lambda root: shutil.copy2(root / SPEC, root / "copy.yaml"), {"spec": "copy.yaml"}),
    "working directory": (lambda root: (root / "sub").mkdir(), {"cwd": "sub"}),
    "JSII_RUNTIME": (None, {"environ": {"JSII_RUNTIME": "/opt/jsii-runtime.js"}}),
    "JSII_NODE": (None, {"environ": {"JSII_NODE": "/usr/bin/node"}}),
    "CDKTF_CONTEXT_JSON": (None, {"environ": {"CDKTF_CONTEXT_JSON": '{"cdktfRelativeModules":["./mod"]}'}}),
    "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS": (
        None,
        {"environ": {"CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS": "false"}},
    ),
    "SYNTH_HCL_OUTPUT": (None, {"environ": {"SYNTH_HCL_OUTPUT": "true"}}),
    "FEDINFRA_EAGER_PROVIDERS": (None, {"environ": {"FEDINFRA_EAGER_PROVIDERS": "1"}}),
    "NODE_OPTIONS": (None, {"environ": {"NODE_OPTIONS": "--max-old-space-size=512"}}),
}
UNKEYED_CHANGES = {
    "tests": (lambda root: _write(root / "tests" / "test_new.py", "X = 1\n"), {}),
    "bytecode cache": (lambda root: _write(root / "stacks" / "__pycache__" / "naming.cpython-311.pyc", "x"), {}),
    "README": (lambda root: _write(root / "README.md", "changed\n"), {}),
    "FEDINFRA_FORCE_SYNTH": (None, {"environ": {"FEDINFRA_FORCE_SYNTH": "1"}}),
    "CDKTF_OUTDIR naming the same directory": (None, {"environ": {"CDKTF_OUTDIR": "./cdktf.out"}}),
    "--out naming the same directory": (None, {"outdir": "./x/../cdktf.out"}),
    "unrelated variable": (None, {"environ": {"EDITOR": "vi"}}),
    "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS unset (synth defaults it to true)": (
        None,
        {"environ": {"CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS": None}},
    ),
}


def _key_after(root: Path, change, options: dict) -> str:
    if change:
        change(root)
    kwargs = dict(options)
    if kwargs.get("search_path"):
        kwargs["search_path"] = [*sys.path, str(root / kwargs["search_path"])]
    if kwargs.get("cwd"):
        kwargs["cwd"] = root / kwargs["cwd"]
    if kwargs.get("environ") == "PATH":
        kwargs["environ"] = _environ(**_fake_node(root))
    elif kwargs.get("environ"):
        kwargs["environ"] = _environ(**kwargs["environ"])
    return _key(root, **kwargs)


@pytest.fixture
def copy(tmp_path):
    """A copy of the project's sources, pins and spec, for changes that need no real synth."""
    return new_project(tmp_path / "copy").root


@pytest.mark.parametrize("kind", INPUT_CHANGES)
def test_every_kind_of_input_change_changes_the_key(copy, kind):
    before = _key(copy)
    change, options = INPUT_CHANGES[kind]
    assert _key_after(copy, change, options) != before


@pytest.mark.parametrize("kind", UNKEYED_CHANGES)
def test_changes_that_cannot_change_the_output_keep_the_key(copy, kind):
    before = _key(copy)
    change, options = UNKEYED_CHANGES[kind]
    assert _key_after(copy, change, options) == before


def test_the_key_is_content_not_timestamps(copy):
    before = _key(copy)
    os.utime(copy / "stacks" / "naming.py", (0, 0))
    os.utime(copy / SPEC, (0, 0))
    assert _key(copy) == before


def test_spec_path_resolution_matches_the_loader(tmp_path):
    """synth_inputs mirrors federation_spec.loader.resolve_spec_path (without importing the spec model)."""
    from federation_spec.loader import resolve_spec_path
    from fedinfra.synth_inputs import resolve_spec_path as mirrored

    for cli, env in ((None, {}), (None, {"FEDERATION_SPEC": "a.yaml"}), ("b.yaml", {"FEDERATION_SPEC": "a.yaml"})):
        saved = os.environ.pop("FEDERATION_SPEC", None)
        os.environ.update(env)
        try:
            assert mirrored(cli) == resolve_spec_path(cli)
        finally:
            os.environ.pop("FEDERATION_SPEC", None)
            if saved is not None:
                os.environ["FEDERATION_SPEC"] = saved


def test_a_spec_change_synthesizes_again(project):
    """Last: it leaves the project's output synthesized from the changed spec."""
    spec = project.root / SPEC
    spec.write_text(spec.read_text().replace("10.10.0.0/16", "10.20.0.0/16"))
    inode = project.inode()
    result = project.synth()
    assert result.returncode == 0, result.stderr
    assert "cdktf.out is out of date (spec changed)" in result.stderr
    assert project.inode() != inode
    stack = (project.out / "stacks" / "aws-eu-west-1" / "cdk.tf.json").read_text()
    assert "10.20.0.0/16" in stack
    assert "10.10.0.0/16" not in stack
