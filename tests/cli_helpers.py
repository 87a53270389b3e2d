"""Run the app as a user does: ``python main.py ...`` in a subprocess, from a chosen directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SOURCES = (
    "main.py",
    "cdktf.json",
    "federation.yaml",
    "federation_spec",
    "stacks",
    "constructs_lib",
    "fedinfra",
    "policy",
)


def run_main(
    *args: str, cwd: Path = ROOT, app_root: Path = ROOT, env: dict | None = None, timeout: int = 600
) -> subprocess.CompletedProcess:
    """``python <app_root>/main.py args`` run in ``cwd`` with the test interpreter; stdin closed, like CI."""
    full_env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", **(env or {})}
    return subprocess.run(
        [sys.executable, str(Path(app_root) / "main.py"), *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )


def copy_checkout(destination: Path) -> Path:
    """Copy the app's sources (not virtualenvs or output) to ``destination``: a second checkout."""
    import shutil

    destination.mkdir(parents=True)
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, destination / name)
    return destination


def tree_bytes(directory: Path) -> dict[str, bytes]:
    """Relative path -> content of every file below ``directory``."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}
