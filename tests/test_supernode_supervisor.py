"""The SuperNode supervisor, as synthesized: the same command on GKE and AWS, and what it does.

The behaviour tests run the ``supernode`` container's synthesized command (the embedded
supervisor) with a stand-in ``flower-supernode`` on PATH that records each start and its
arguments: the supervisor restarts an exiting child, follows the aggregator's DNS answer (via
its documented ``FLWR_SUPERVISOR_ADDRESS_FILE`` hook), leaves IP addresses alone, and forwards
SIGTERM and exits. Real Flower processes: ``tests/test_flower_failover.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.flower_pods import deployment_containers, task_containers
from tests.spec_helpers import assert_error
from tests.test_workload_spec import spec_text

GKE_STACK, AWS_STACK = "workload-fl-us", "aws-us-west-2"

FAKE_SUPERNODE = """
import json, os, signal, sys, time
record = os.environ["FAKE_RECORD"]
with open(record, "a") as f:
    f.write(json.dumps({"pid": os.getpid(), "argv": sys.argv[1:]}) + "\\n")
def stop(signum, frame):
    with open(record, "a") as f:
        f.write(json.dumps({"pid": os.getpid(), "signal": signum}) + "\\n")
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
if os.environ.get("FAKE_HANG"):
    import threading
    threading.Thread(target=time.sleep, args=(120,)).start()
    raise RuntimeError("main thread dies, a non-daemon thread lives on")
if os.environ.get("FAKE_EXIT"):
    sys.exit(int(os.environ["FAKE_EXIT"]))
time.sleep(120)
"""


@pytest.fixture(scope="module")
def supervisor_command(default_synth) -> list[str]:
    gke = deployment_containers(default_synth, GKE_STACK, "supernode")["supernode"]
    return gke.command


def test_gke_and_aws_supernodes_run_the_same_supervisor(default_synth):
    gke = deployment_containers(default_synth, GKE_STACK, "supernode")["supernode"]
    aws = task_containers(default_synth, AWS_STACK)["supernode"]
    assert gke.command == aws.command
    assert gke.command[:2] == ["python", "-c"]
    assert "supervisor: " in gke.command[2]
    assert gke.command[3:] == ["--resolve-every", "10", "--", "flower-supernode"]
    assert gke.args[0] == aws.args[0] == "--superlink"
    assert gke.args[1] == aws.args[1]


def test_resolve_interval_comes_from_the_spec(synth):
    out = synth(spec_text({"client": {"resolve_interval": 30}}))
    command = deployment_containers(out, GKE_STACK, "supernode")["supernode"].command
    assert command[3:5] == ["--resolve-every", "30"]


@pytest.mark.parametrize("value", [0, 301, "10"])
def test_resolve_interval_is_checked(value):
    assert_error(spec_text({"client": {"resolve_interval": value}}), "workload.client.resolve_interval")


class Supervised:
    """The synthesized supervisor command running the fake SuperNode in ``tmp``."""

    def __init__(self, tmp: Path, command: list[str], superlink: str, env: dict[str, str], every: str = "1", extra=()):
        bin_dir = tmp / "bin"
        bin_dir.mkdir(exist_ok=True)
        fake = bin_dir / "flower-supernode"
        fake.write_text(f"#!{sys.executable}\n{FAKE_SUPERNODE}")
        fake.chmod(0o755)
        self.record = tmp / "record.jsonl"
        argv = [sys.executable, *command[1:]]
        argv[argv.index("--resolve-every") + 1] = every
        self.log = (tmp / "supervisor.log").open("w")
        self.process = subprocess.Popen(
            [*argv, "--superlink", superlink, "--other", "flag", *extra],
            env={"PATH": f"{bin_dir}:/usr/bin:/bin", "FAKE_RECORD": str(self.record), **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def events(self) -> list[dict]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines()]

    def starts(self) -> list[list[str]]:
        return [e["argv"] for e in self.events() if "argv" in e]

    def wait(self, predicate, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.1)
        return predicate()

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture
def supervised(tmp_path, supervisor_command):
    started = []

    def start(superlink: str, env: dict[str, str] | None = None, every: str = "1") -> Supervised:
        started.append(Supervised(tmp_path, supervisor_command, superlink, env or {}, every))
        return started[-1]

    yield start
    for s in started:
        s.stop()


def test_restarts_the_supernode_when_it_exits(supervised):
    node = supervised("203.0.113.10:9092", {"FAKE_EXIT": "1"})
    assert node.wait(lambda: len(node.starts()) >= 3, timeout=10), node.events()
    assert all(argv == ["--superlink", "203.0.113.10:9092", "--other", "flag"] for argv in node.starts())
    assert node.process.poll() is None


def test_restarts_a_supernode_whose_main_thread_died(supervised):
    """Flower 1.25's SuperNode can die in its main thread and hang on its server threads."""
    node = supervised("203.0.113.10:9092", {"FAKE_HANG": "1"})
    assert node.wait(lambda: len(node.starts()) >= 2, timeout=10), node.events()


def test_follows_the_dns_answer_and_stops_the_old_node(supervised, tmp_path):
    answer = tmp_path / "answer"
    answer.write_text("127.0.0.1:1111\n")
    node = supervised("aggregator.example.test:9092", {"FLWR_SUPERVISOR_ADDRESS_FILE": str(answer)})
    assert node.wait(lambda: len(node.starts()) == 1), node.events()
    assert node.starts()[0][:2] == ["--superlink", "127.0.0.1:1111"]
    time.sleep(2.5)
    assert len(node.starts()) == 1, "an unchanged answer must not restart the node"
    answer.write_text("127.0.0.1:2222\n")
    assert node.wait(lambda: len(node.starts()) == 2, timeout=6), node.events()
    assert node.starts()[1][:2] == ["--superlink", "127.0.0.1:2222"]
    assert any(e.get("signal") == signal.SIGTERM for e in node.events()), "the old node was not stopped"


def test_the_last_superlink_flag_wins(supervised, supervisor_command, tmp_path):
    """Extra client arguments are appended to the preset's: a later ``--superlink=`` overrides."""
    node = Supervised(tmp_path, supervisor_command, "ignored.example:1", {}, extra=["--superlink=198.51.100.7:9092"])
    try:
        assert node.wait(lambda: len(node.starts()) == 1), node.events()
        assert node.starts()[0][-2:] == ["--superlink", "198.51.100.7:9092"]
        assert node.starts()[0][:2] == ["--superlink", "ignored.example:1"]
    finally:
        node.stop()


def test_an_ip_address_is_dialled_as_given(supervised, tmp_path):
    answer = tmp_path / "answer"
    answer.write_text("127.0.0.1:2222\n")
    node = supervised("203.0.113.10:9092", {"FLWR_SUPERVISOR_ADDRESS_FILE": str(answer)})
    time.sleep(3)
    assert [argv[:2] for argv in node.starts()] == [["--superlink", "203.0.113.10:9092"]]


def test_an_unresolvable_name_is_kept_until_it_resolves(supervised):
    node = supervised("aggregator.invalid:9092")
    assert node.wait(lambda: len(node.starts()) == 1), node.events()
    time.sleep(2.5)
    assert [argv[:2] for argv in node.starts()] == [["--superlink", "aggregator.invalid:9092"]]
    assert b"supervisor: cannot resolve aggregator.invalid" in (node.record.parent / "supervisor.log").read_bytes()


def test_sigterm_is_forwarded_and_the_supervisor_exits(supervised):
    node = supervised("203.0.113.10:9092")
    assert node.wait(lambda: len(node.starts()) == 1), node.events()
    node.process.send_signal(signal.SIGTERM)
    assert node.process.wait(timeout=10) == 0
    assert any(e.get("signal") == signal.SIGTERM for e in node.events())
    assert len(node.starts()) == 1
