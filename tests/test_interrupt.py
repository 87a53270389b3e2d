"""Ctrl-C during a synth: SIGINT to the whole process group, as a terminal sends it, kills the
jsii kernel too. The CLI must say ``interrupted`` (no traceback), exit 130, and leave the output
directory exactly as it was, staging directory removed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli_helpers import tree_bytes
from tests.conftest import ROOT

STAGING_WAIT = 60
"""Seconds to wait for the synth to reach its staging directory (spec validated, kernel up)."""


def _staging(parent: Path, name: str) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.startswith(f".{name}.")]


@pytest.mark.parametrize("delay", [0.0, 2.0], ids=["while loading providers", "later in the synth"])
def test_sigint_to_the_process_group_says_interrupted_and_keeps_the_output(tmp_path, delay):
    out = tmp_path / "X"
    out.mkdir()
    (out / "marker").write_text("previous output")
    before = tree_bytes(out)
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "CHECKPOINT_DISABLE": "1"}
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "synth", "--out", str(out)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + STAGING_WAIT
        while not _staging(tmp_path, "X") and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.poll() is None, "synth ended before it could be interrupted"
        assert _staging(tmp_path, "X"), f"no staging directory after {STAGING_WAIT} s"
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert lines[-1] == "interrupted", stderr
    assert [line for line in lines[:-1] if not line.startswith("synthesizing ")] == [], stderr
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X"], "staging or backup directory left behind"


ECHO_AFTER_SIGINT = """
import os, signal, sys, threading, time
from fedinfra import interrupt

interrupt.install()
done_r, done_w = os.pipe()

def kernel_echo():
    time.sleep(0.5)  # the main thread is in os.read by now
    os.kill(os.getpid(), signal.SIGINT)  # delivered here: the main thread blocks SIGINT
    print("b'Error on jsii API channel to child process: Error: read ECONNRESET'", file=sys.stderr)
    sys.stderr.buffer.write(b"kernel console line\\n")
    sys.stdout.buffer.write(b"kernel stdout line\\n")
    os.write(done_w, b"x")

threading.Thread(target=kernel_echo, daemon=True).start()
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
try:
    os.read(done_r, 1)  # no bytecode runs in the main thread until the echo thread is done
    time.sleep(10)  # the Python-level handler raises before this ends
    sys.exit("no KeyboardInterrupt")
except KeyboardInterrupt:
    interrupt.exit_interrupted()
"""


def test_the_dying_kernels_echo_is_dropped_even_before_the_main_thread_handles_sigint():
    """The race CI lost once: jsii's echo thread copies the dying kernel's ``ECONNRESET`` line onto
    stderr before the main thread has run its SIGINT handler. Here the main thread blocks SIGINT,
    so the signal is delivered in the echo thread and the handler can only run later, on purpose."""
    result = subprocess.run(
        [sys.executable, "-c", ECHO_AFTER_SIGINT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 130, result.stderr
    assert result.stderr.splitlines() == ["interrupted"], result.stderr
    assert result.stdout == ""
