"""Start and stop real Flower processes for the federation test, safely and within bounds.

Every daemon runs in its own process group (so the executors' app subprocesses die with it) with a
parent-death signal (so nothing outlives a killed test runner), logs to a file, and is killed by
group when the test ends. Every wait is bounded. Flower comes from ``<repo>/.venv-flower`` (built
by ``make setup`` from ``requirements-flower.txt``); its absence fails the test, never skips it.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.flower_pods import Container

ROOT = Path(__file__).resolve().parent.parent
FLOWER_VENV = ROOT / ".venv-flower"
FLOWER_BIN = FLOWER_VENV / "bin"
PKI_SCRIPT = ROOT / "tests" / "flower_pki.py"

NO_PHONE_HOME = {"FLWR_TELEMETRY_ENABLED": "0", "FLWR_DISABLE_UPDATE_CHECK": "1"}
"""Set for every process the test starts, on top of what the containers themselves set."""

_PR_SET_PDEATHSIG = 1


def require_flower() -> None:
    """Fail (not skip) with the fix when the Flower virtualenv is missing: CI builds it."""
    if not (FLOWER_BIN / "flower-superlink").exists():
        pytest.fail(
            f"{FLOWER_VENV} is missing: run `make setup` (it installs requirements-flower.txt, "
            "the Flower version the workload images pin, into .venv-flower)",
            pytrace=False,
        )


def _die_with_parent() -> None:
    """Child side of fork: SIGKILL this process when the test runner dies."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def base_env(home: Path) -> dict[str, str]:
    """A minimal environment: Flower's executables first on PATH, a private HOME."""
    return {
        "PATH": f"{FLOWER_BIN}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        **NO_PHONE_HOME,
    }


def argv(container: Container, args: list[str] | None = None) -> list[str]:
    """``command + args``, the executable resolved in the Flower virtualenv when it is there."""
    command = list(container.command)
    local = FLOWER_BIN / command[0]
    if "/" not in command[0] and local.exists():
        command[0] = str(local)
    return [*command, *(container.args if args is None else args)]


@dataclass
class Daemon:
    name: str
    process: subprocess.Popen
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 25) -> str:
        return f"--- {self.name} (exit {self.process.poll()}) ---\n" + "\n".join(self.text().splitlines()[-lines:])


@dataclass
class Federation:
    """The processes of one test; ``stop()`` kills every process group it started."""

    workdir: Path
    daemons: list[Daemon] = field(default_factory=list)

    def start(self, name: str, command: list[str], env: dict[str, str], cwd: Path) -> Daemon:
        log = self.workdir / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        daemon = Daemon(name, process, log)
        self.daemons.append(daemon)
        return daemon

    def logs(self) -> str:
        return "\n".join(d.tail() for d in self.daemons)

    def wait_for(self, daemon: Daemon, needle: str, timeout: float) -> bool:
        """Whether ``needle`` appears in the daemon's log within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in daemon.text():
                return True
            if daemon.process.poll() is not None:
                return needle in daemon.text()
            time.sleep(0.2)
        return False

    def wait_exit(self, daemon: Daemon, timeout: float) -> int | None:
        try:
            return daemon.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, daemon: Daemon) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(daemon.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            daemon.process.wait(timeout=10)

    def stop_all(self) -> None:
        for daemon in reversed(self.daemons):
            self.stop(daemon)


def run(command: list[str], env: dict[str, str], cwd: Path, timeout: float) -> subprocess.CompletedProcess:
    """Run a one-shot command (the registration Job, ``flwr``) to completion within ``timeout``."""
    return subprocess.run(
        command,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        start_new_session=True,
        preexec_fn=_die_with_parent,
        check=False,
    )


def flwr_json(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60) -> dict:
    """``flwr <args> --format json``, parsed (``flwr`` 1.25 exits 0 even on failure)."""
    done = run([str(FLOWER_BIN / "flwr"), *args, "--format", "json"], env, cwd, timeout)
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError as err:
        raise AssertionError(f"flwr {args}: not JSON: {done.stdout}\n{done.stderr}") from err


def make_pki(out: Path, sans: list[str], nodes: list[str], curves: dict[str, str]) -> None:
    """CA, server certificate and node keys via ``tests/flower_pki.py`` in the Flower venv."""
    command = [str(FLOWER_BIN / "python"), str(PKI_SCRIPT), str(out), "--ca-only", "other-ca"]
    command += [f"--{role}-curve={curve}" for role, curve in curves.items()]
    for san in sans:
        command += ["--san", san]
    for node in nodes:
        command += ["--node", node]
    done = run(command, base_env(out), out.parent, timeout=60)
    assert done.returncode == 0, done.stderr
