"""Aggregator failover and failback keep one federation: real Flower processes switched over.

Both aggregators' SuperLink pods (``workload-fl-us`` primary, ``workload-fl-eu`` secondary), the
GKE site ``fl-us``'s SuperNode pod and the AWS member site ``aws-us-west-2``'s task run with the
synthesized command, arguments and environment (the SuperNode under the supervisor the stacks
embed); each aggregator's registration Job registers every key on it. Only paths and addresses
are remapped (``tests/flower_pods.py``), and the test plays Route 53 two ways:

- the GKE SuperNode keeps dialling the aggregator's DNS name; its supervisor "resolves" it
  through ``FLWR_SUPERVISOR_ADDRESS_FILE`` (the supervisor's documented test hook), which the
  test rewrites when the active aggregator changes: the re-resolve path;
- the AWS SuperNode dials a loopback TCP switch (``tests/flower_switch.py``) that the test points
  at the active aggregator, dropping existing connections: a node whose connection breaks dials
  the other SuperLink with its old node ID, exits, and its supervisor restarts it.

1. A run trains on the primary with both nodes. 2. The primary is killed and the answer moves to
the secondary: within ``CONVERGE_BOUND`` seconds both nodes are online on the secondary and no
TCP connection to the primary's Fleet port remains; a run completes there. 3. The primary comes
back (same state volume) and the answer moves back: within the same bound both nodes are online
on the primary and no connection to the secondary's Fleet port remains; a run completes there.
No node process is ever restarted by the test: every supervisor and executor started at the
beginning is still running at the end.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import DEFAULT_SPEC
from tests.flower_harness import ROOT, Daemon, Federation, argv, base_env, flwr_json, make_pki, require_flower
from tests.flower_pods import (
    Container,
    PodRemap,
    PortAllocator,
    deployment_containers,
    flag,
    job_pod,
    registration_key_names,
    require_command,
    stack_pki,
    task_containers,
)
from tests.flower_switch import TcpSwitch
from tests.synth_helpers import synth_yaml
from tests.test_flower_federation import _env, _mkdirs, _run_registration, _write

PRIMARY, SECONDARY = "workload-fl-us", "workload-fl-eu"
GKE_SITE, AWS_SITE = "fl-us", "aws-us-west-2"
SITES = (GKE_SITE, AWS_SITE)
REGISTRATION_MOUNT = "/app/registration"
APP = ROOT / "flower_app"
ROUNDS = 2
RUN_TIMEOUT = 120
CONVERGE_BOUND = 75
"""Seconds from the answer changing to every node on the active aggregator and none on the other:
the supervisor's lookup interval (10 s), Flower's reconnect backoff (at most 20 s), the
supervisor's restart backoff (at most 10 s) and start-up. Failback here also waits out the
nodes' online lease on the restarted primary (Flower 1.25 refuses ActivateNode with
FAILED_PRECONDITION until 2 x 30 s after the node's last heartbeat there; a real failover takes
longer than that, so in production the lease has long expired). Measured over four runs:
failover 9-17 s, failback 12-33 s."""
SUPERVISED = "supervisor: starting"

pytestmark = pytest.mark.slow


def _app(workdir: Path, controls: dict[str, str], ca: Path) -> Path:
    """A copy of the test app with one federation per aggregator Control API."""
    app = workdir / "app"
    shutil.copytree(APP, app, ignore=shutil.ignore_patterns("__pycache__", ".flwr"))
    with (app / "pyproject.toml").open("a") as f:
        for name, address in controls.items():
            f.write(f'\n[tool.flwr.federations.{name}]\naddress = "{address}"\nroot-certificates = "{ca}"\n')
    return app


def _established_to(port: int) -> int:
    """Established IPv4/IPv6 TCP connections to 127.0.0.1:``port`` (from /proc/net)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                remote, state = fields[2], fields[3]
                if state == "01" and int(remote.rsplit(":", 1)[1], 16) == port:
                    count += 1
    return count


class Aggregator:
    """One SuperLink pod (``superlink`` + ``serverapp-executor``) that can be killed and restarted."""

    def __init__(self, fed: Federation, name: str, pod: dict[str, Container], pki_dir: Path, ports):
        self.fed, self.name = fed, name
        self.remap = PodRemap(fed.workdir / name, ports)
        self.superlink = self.remap.container(pod["superlink"])
        self.executor = self.remap.container(pod["serverapp-executor"])
        for option, source in (
            ("--ssl-ca-certfile", "ca.crt"),
            ("--ssl-certfile", "server.pem"),
            ("--ssl-keyfile", "server.key"),
        ):
            _write(Path(flag(self.superlink.args, option)), (pki_dir / source).read_bytes(), 0o600)
        _mkdirs(self.superlink, self.executor)
        self.fleet = int(flag(self.superlink.args, "--fleet-api-address").rsplit(":", 1)[1])
        self.daemons: list[Daemon] = []
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        env = _env(self.remap.root, self.superlink)
        link = self.fed.start(f"{self.name}-superlink-{self.starts}", argv(self.superlink), env, self.remap.root)
        env = _env(self.remap.root, self.executor)
        self.daemons = [
            link,
            self.fed.start(f"{self.name}-executor-{self.starts}", argv(self.executor), env, self.remap.root),
        ]
        assert self.fed.wait_for(link, "Starting Fleet API", 30), self.fed.logs()

    def kill(self) -> None:
        for daemon in self.daemons:
            self.fed.stop(daemon)


def _start_node(fed: Federation, site: str, pod, remap: PodRemap, superlink: str, env_extra, pki_dir: Path):
    """The site's SuperNode (its supervisor, as synthesized, dialling ``superlink``) and executor."""
    node = remap.container(pod["supernode"])
    require_command(node)
    assert "--superlink" in node.command or "--superlink" in node.args
    _write(Path(flag(node.args, "--root-certificates")), (pki_dir / "ca.crt").read_bytes())
    _write(Path(flag(node.args, "--auth-supernode-private-key")), (pki_dir / site).read_bytes(), 0o600)
    args = list(node.args)
    args[args.index("--superlink") + 1] = superlink
    _mkdirs(node)
    supervisor = fed.start(f"supernode-{site}", argv(node, args), {**_env(remap.root, node), **env_extra}, remap.root)
    executor = remap.container(pod["clientapp-executor"])
    _mkdirs(executor)
    fed.start(f"clientapp-executor-{site}", argv(executor), _env(remap.root, executor), remap.root)
    return supervisor


def _online(app: Path, federation: str, env, cwd: Path) -> int:
    listing = flwr_json(["supernode", "list", str(app), federation], env, cwd)
    return sum(1 for node in listing.get("nodes", []) if node.get("status") == "online")


def _converge(app, active: str, active_fleet: int, other_fleet: int, env, cwd, since: float) -> float:
    """Seconds from ``since`` until every node is online on ``active`` and no connection to the
    other aggregator's Fleet port remains; fails after ``CONVERGE_BOUND``."""
    while time.monotonic() - since < CONVERGE_BOUND:
        if (
            _established_to(other_fleet) == 0
            and _established_to(active_fleet) >= len(SITES)
            and _online(app, active, env, cwd) == len(SITES)
        ):
            return time.monotonic() - since
        time.sleep(1)
    raise AssertionError(
        f"not converged on {active} within {CONVERGE_BOUND} s: online={_online(app, active, env, cwd)}, "
        f"connections to the other aggregator={_established_to(other_fleet)}"
    )


def _train(app: Path, federation: str, env, cwd: Path, fed: Federation) -> float:
    """Submit a run to ``federation`` and wait for it to complete; its duration."""
    start = time.monotonic()
    submitted = flwr_json(["run", str(app), federation, "--run-config", f"num-server-rounds={ROUNDS}"], env, cwd)
    assert submitted.get("success"), f"{submitted}\n{fed.logs()}"
    run_id, status = str(submitted["run-id"]), ""
    while time.monotonic() - start < RUN_TIMEOUT and not status.startswith("finished"):
        time.sleep(2)
        listing = flwr_json(["ls", str(app), federation, "--run-id", run_id], env, cwd)
        status = listing["runs"][0]["status"] if listing.get("success") else status
    assert status == "finished:completed", f"{federation} run status {status!r}\n{fed.logs()}"
    return time.monotonic() - start


@pytest.fixture(scope="module")
def delegated_synth(tmp_path_factory):
    """The default estate with ``dns.parent_zone_id``: the dns stack delegates its zone itself, so
    the zone answers at first apply and every SuperNode dials the aggregator name (the default,
    undelegated spec dials the primary's IP and so has no failover to prove)."""
    data = yaml.safe_load(DEFAULT_SPEC.read_text())
    data["dns"]["parent_zone_id"] = "Z0123456789ABCDEFGHIJ"
    outdir = tmp_path_factory.mktemp("delegated") / "cdktf.out"
    return synth_yaml(yaml.safe_dump(data, sort_keys=False), outdir)


def test_failover_and_failback_keep_one_federation(delegated_synth, tmp_path):
    default_synth = delegated_synth  # the helpers below read the synthesized stacks by that name
    require_flower()
    ports = PortAllocator()
    pki = stack_pki(default_synth)
    pki_dir = tmp_path / "pki"
    make_pki(pki_dir, pki.sans, list(SITES), pki.curves)
    pods = {name: deployment_containers(default_synth, name, "superlink") for name in (PRIMARY, SECONDARY)}
    sites = {
        GKE_SITE: deployment_containers(default_synth, f"workload-{GKE_SITE}", "supernode"),
        AWS_SITE: task_containers(default_synth, AWS_SITE),
    }
    # Both kinds of site run the same supervisor, identically embedded.
    gke_command, aws_command = sites[GKE_SITE]["supernode"].command, sites[AWS_SITE]["supernode"].command
    assert gke_command == aws_command, "GKE and AWS SuperNodes must run the same supervisor"
    dns_host = flag(sites[GKE_SITE]["supernode"].args, "--superlink").rsplit(":", 1)[0]
    assert "${" not in dns_host, f"not a DNS name: {dns_host}"
    assert not dns_host.replace(".", "").isdigit(), f"not a DNS name: {dns_host}"

    fed = Federation(tmp_path)
    switch = None
    timings: dict[str, float] = {}
    try:
        aggregators = {name: Aggregator(fed, name, pod, pki_dir, ports) for name, pod in pods.items()}
        for aggregator in aggregators.values():
            aggregator.start()
        primary, secondary = aggregators[PRIMARY], aggregators[SECONDARY]
        controls = {}
        for name, aggregator in aggregators.items():
            control_port = int(flag(pods[name]["superlink"].args, "--control-api-address").rsplit(":", 1)[1])
            fleet_port = int(flag(pods[name]["superlink"].args, "--fleet-api-address").rsplit(":", 1)[1])
            outside = {fleet_port: aggregator.fleet, control_port: aggregator.remap.local(control_port)}
            controls[name] = f"127.0.0.1:{outside[control_port]}"
            job, job_spec = job_pod(default_synth, name, "supernode-registration")
            job_root = tmp_path / f"registration-{name}"
            key_names = registration_key_names(default_synth, name, job_spec, REGISTRATION_MOUNT, SITES)
            _run_registration(
                PodRemap(job_root, ports, outside).container(job["register"]), job_root, key_names, pki_dir
            )
        app = _app(tmp_path, {"primary": controls[PRIMARY], "secondary": controls[SECONDARY]}, pki_dir / "ca.crt")
        cli = {**base_env(tmp_path), "FLWR_HOME": str(tmp_path / "cli-home")}

        answer = tmp_path / "dns-answer"
        answer.write_text(f"127.0.0.1:{primary.fleet}\n")
        switch = TcpSwitch(primary.fleet)
        fleet_port = flag(sites[GKE_SITE]["supernode"].args, "--superlink").rsplit(":", 1)[1]
        nodes = {
            GKE_SITE: _start_node(
                fed,
                GKE_SITE,
                sites[GKE_SITE],
                PodRemap(tmp_path / GKE_SITE, ports),
                f"{dns_host}:{fleet_port}",
                {"FLWR_SUPERVISOR_ADDRESS_FILE": str(answer)},
                pki_dir,
            ),
            AWS_SITE: _start_node(
                fed,
                AWS_SITE,
                sites[AWS_SITE],
                PodRemap(tmp_path / AWS_SITE, ports),
                f"127.0.0.1:{switch.port}",
                {},
                pki_dir,
            ),
        }
        node_side = [d for d in fed.daemons if d.name.startswith(("supernode-", "clientapp-executor-"))]

        # 1. Everyone on the primary; a run trains there.
        timings["join"] = _converge(app, "primary", primary.fleet, secondary.fleet, cli, tmp_path, time.monotonic())
        timings["run on primary"] = _train(app, "primary", cli, tmp_path, fed)

        # 2. The primary dies; the answer moves to the secondary.
        primary.kill()
        since = time.monotonic()
        answer.write_text(f"127.0.0.1:{secondary.fleet}\n")
        switch.point_at(secondary.fleet)
        timings["failover"] = _converge(app, "secondary", secondary.fleet, primary.fleet, cli, tmp_path, since)
        timings["run on secondary"] = _train(app, "secondary", cli, tmp_path, fed)

        # 3. The primary is back (same state volume); the answer moves back while the secondary is healthy.
        primary.start()
        since = time.monotonic()
        answer.write_text(f"127.0.0.1:{primary.fleet}\n")
        switch.point_at(primary.fleet)
        timings["failback"] = _converge(app, "primary", primary.fleet, secondary.fleet, cli, tmp_path, since)
        timings["run on primary again"] = _train(app, "primary", cli, tmp_path, fed)
        assert set(switch.upstream_ports()) <= {primary.fleet}, switch.upstream_ports()

        # 4. Both paths were taken, by the supervisor alone: the GKE node followed the answer twice,
        # the AWS node's Flower process exited on the other SuperLink and was restarted in place.
        gke_log, aws_log = nodes[GKE_SITE].text(), nodes[AWS_SITE].text()
        assert gke_log.count(f"{dns_host} now answers") == 2, nodes[GKE_SITE].tail(60)
        assert "exited with" in aws_log, nodes[AWS_SITE].tail(60)
        assert aws_log.count(SUPERVISED) >= 3, nodes[AWS_SITE].tail(60)
        assert "not found" in aws_log, nodes[AWS_SITE].tail(60)
        for daemon in node_side:
            assert daemon.process.poll() is None, f"{daemon.name} exited: a restart from outside\n{daemon.tail()}"
        print("\nfailover test timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    finally:
        if switch is not None:
            switch.close()
        fed.stop_all()
