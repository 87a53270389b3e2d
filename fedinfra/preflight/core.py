"""The pieces every preflight check shares: a finding (one printed line) and the deployer's
environment (PATH lookups, version probes, environment variables, files), injectable for tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

BLOCK = "block"
NOTE = "note"
PROBE_TIMEOUT_SECONDS = 3.0
"""Longest a version probe (``terraform version -json``) may take before it counts as failed."""


@dataclass(frozen=True)
class Finding:
    """One thing a first deploy still needs. ``block`` findings stop the deploy (exit 1); ``note``
    findings are steps preflight cannot verify offline and never change the exit code.
    ``subject`` is a spec field path (``gcp.project``) or a tool (``terraform``); ``text`` says
    what is wrong and what to do."""

    level: Literal["block", "note"]
    subject: str
    text: str

    def render(self) -> str:
        return f"{self.level}: {self.subject}: {self.text}"


def block(subject: str, text: str) -> Finding:
    return Finding(BLOCK, subject, text)


def note(subject: str, text: str) -> Finding:
    return Finding(NOTE, subject, text)


def _run_probe(argv: tuple[str, ...]) -> str | None:
    """stdout of ``argv`` (a version command), or None if it fails or outlasts the timeout."""
    try:
        result = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_SECONDS,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "CHECKPOINT_DISABLE": "1"},
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def _read_text(path: str) -> str | None:
    try:
        return Path(path).expanduser().read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


@dataclass(frozen=True)
class Environment:
    """What the tool checks may look at. The defaults read the real machine; tests pass fakes.

    ``which(name)`` -> path or None; ``probe(argv)`` -> stdout of a short command or None (failed
    or timed out); ``variables`` -> environment variables; ``read_text(path)`` -> a file's text or
    None; ``is_dir(path)`` -> whether a directory exists."""

    which: Callable[[str], str | None] = shutil.which
    probe: Callable[[tuple[str, ...]], str | None] = _run_probe
    variables: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    read_text: Callable[[str], str | None] = _read_text
    is_dir: Callable[[str], bool] = lambda path: Path(path).expanduser().is_dir()
