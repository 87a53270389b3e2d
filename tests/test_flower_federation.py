"""A real Flower federation, started from the synthesized workload stacks, trains a model.

The contract between the workload stacks and Flower: the SuperLink pod (``superlink`` +
``serverapp-executor``) of the primary aggregator, the SuperNode pods (``supernode`` +
``clientapp-executor``) of a GKE site and the SuperNode task (same containers, from the ECS task
definition) of an AWS member site, and the aggregator's SuperNode registration Job run here with
the command, arguments and environment of the default spec's synthesized JSON; only paths and
addresses are remapped onto a temporary directory and loopback (``tests/flower_pods.py``). The
certificates and node keys use the algorithms and SANs of the stacks' ``tls_*`` resources.

It registers both sites' public keys by running the Job's command (twice: the second run must
count "already in use" as done), runs the numpy FedAvg app in ``flower_app/`` with ``flwr run``,
and asserts the run completes and the global loss falls every round. A SuperNode whose key is not
registered must be refused, and one that trusts another CA must not connect. The monitoring's
log filters, as synthesized, must count each of those refusals in the processes' own log lines
and nothing of the healthy run (``tests/flower_log_monitoring.py``).
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from tests.flower_harness import (
    NO_PHONE_HOME,
    ROOT,
    Daemon,
    Federation,
    argv,
    base_env,
    flwr_json,
    make_pki,
    require_flower,
    run,
)
from tests.flower_log_monitoring import assert_filters_see_flower_failures
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
    without_flag,
)

AGGREGATOR_STACK = "workload-fl-us"
SITES = ("fl-us", "aws-us-west-2")
"""The primary aggregator's own GKE site (a Kubernetes pod) and an AWS member site (its ECS
Fargate task definition): both kinds of site connect, authenticate and train."""
REGISTRATION_MOUNT = "/app/registration"
APP = ROOT / "flower_app"
ROUNDS = 3
RUN_TIMEOUT = 100
"""Seconds from ``flwr run`` to a finished run (measured ~25 s on a quiet machine)."""

pytestmark = pytest.mark.slow


def _write(path: Path, data: bytes, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(mode)


def _env(pod_root: Path, container) -> dict[str, str]:
    return {**base_env(pod_root), **container.env, **NO_PHONE_HOME}


def _app_with_federation(workdir: Path, control: str, ca: Path) -> Path:
    """A copy of the test app whose pyproject names the SuperLink's Control API (Flower 1.25 reads
    the connection from ``[tool.flwr.federations.<name>]``)."""
    app = workdir / "app"
    shutil.copytree(APP, app, ignore=shutil.ignore_patterns("__pycache__", ".flwr"))
    with (app / "pyproject.toml").open("a") as f:
        f.write(f'\n[tool.flwr.federations.test]\naddress = "{control}"\nroot-certificates = "{ca}"\n')
    return app


def _mkdirs(*containers: Container) -> None:
    """Create every (remapped) mount of the containers, as the kubelet would."""
    for container in containers:
        for mount in container.mounts:
            Path(mount).mkdir(parents=True, exist_ok=True)


def _start_aggregator(fed: Federation, pod: dict[str, Container], pki_dir: Path, ports) -> PodRemap:
    """The SuperLink pod: the ``superlink`` container with the server certificate where its
    flags say, and the ``serverapp-executor``; returns the pod's remap (its port map)."""
    link_root = fed.workdir / "superlink"
    link = PodRemap(link_root, ports)
    superlink, executor = link.container(pod["superlink"]), link.container(pod["serverapp-executor"])
    for option, source in (
        ("--ssl-ca-certfile", "ca.crt"),
        ("--ssl-certfile", "server.pem"),
        ("--ssl-keyfile", "server.key"),
    ):
        _write(Path(flag(superlink.args, option)), (pki_dir / source).read_bytes(), 0o600)
    _mkdirs(superlink, executor)
    daemon = fed.start("superlink", argv(superlink), _env(link_root, superlink), link_root)
    fed.start("serverapp-executor", argv(executor), _env(link_root, executor), link_root)
    assert fed.wait_for(daemon, "Starting Fleet API", 30), fed.logs()
    return link


def _run_registration(job: Container, job_root: Path, key_names: dict, pki_dir: Path) -> None:
    """Run the registration Job's command twice (a re-run must succeed: "already in use" counts
    as done) with every site's public key and the CA where the Job finds them."""
    for site, name in key_names.items():
        _write(job_root / "registration" / name, (pki_dir / f"{site}.pub").read_bytes())
    _mkdirs(job)
    job_text = " ".join([*job.command, *job.args, *job.env.values()])
    ca_paths = set(re.findall(r"[^\s\"']+/ca\.crt", job_text))
    assert ca_paths, f"the registration Job names no CA file: {job_text}"
    for ca_path in ca_paths:
        _write(Path(ca_path), (pki_dir / "ca.crt").read_bytes())
    for attempt in ("first", "repeat"):
        done = run(argv(job), _env(job_root, job), job_root, timeout=60)
        assert done.returncode == 0, f"{attempt} registration: {done.stdout}\n{done.stderr}"


def _start_supernode(
    fed: Federation, name: str, remap: PodRemap, pod, ca: Path, key: Path | None, executor: bool
) -> Daemon:
    """A SuperNode pod trusting ``ca`` and holding ``key`` (plus its ClientApp executor). Without
    a key the SuperNode makes its own and asks the Fleet API to register it (what any stranger's
    SuperNode does)."""
    node = remap.container(pod["supernode"])
    _write(Path(flag(node.args, "--root-certificates")), ca.read_bytes())
    args = node.args
    if key is None:
        args = without_flag(args, "--auth-supernode-private-key")
    else:
        _write(Path(flag(args, "--auth-supernode-private-key")), key.read_bytes(), 0o600)
    _mkdirs(node)
    daemon = fed.start(f"supernode-{name}", argv(node, args), _env(remap.root, node), remap.root)
    if executor:
        client = remap.container(pod["clientapp-executor"])
        _mkdirs(client)
        fed.start(f"clientapp-executor-{name}", argv(client), _env(remap.root, client), remap.root)
    return daemon


def _wait_for_run(app: Path, run_id: str, env: dict[str, str], cwd: Path) -> str:
    """Poll ``flwr ls`` until the run has finished or ``RUN_TIMEOUT`` passed; its last status."""
    status = ""
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline and not status.startswith("finished"):
        time.sleep(2)
        listing = flwr_json(["ls", str(app), "test", "--run-id", run_id], env, cwd)
        status = listing["runs"][0]["status"] if listing.get("success") else status
    return status


def test_synthesized_flower_pods_train_a_model(default_synth, tmp_path):
    require_flower()
    ports = PortAllocator()
    pki = stack_pki(default_synth)
    assert "127.0.0.1" in pki.sans, f"the aggregator certificate must name 127.0.0.1: {pki.sans}"

    aggregator = deployment_containers(default_synth, AGGREGATOR_STACK, "superlink")
    sites = {
        # The task's ``node-files`` init container only writes the key and CA from Secrets
        # Manager into the task's volumes; the harness writes them itself.
        site: {k: v for k, v in task_containers(default_synth, site).items() if k != "node-files"}
        if site.startswith("aws-")
        else deployment_containers(default_synth, f"workload-{site}", "supernode")
        for site in SITES
    }
    job_containers, job_spec = job_pod(default_synth, AGGREGATOR_STACK, "supernode-registration")
    register = job_containers["register"]
    for container in [*aggregator.values(), *(c for pod in sites.values() for c in pod.values()), register]:
        require_command(container)
        assert container.env.get("FLWR_TELEMETRY_ENABLED") == "0", f"{container.name}: telemetry on"

    # PKI with the stacks' algorithms and SANs: CA, server certificate, one key pair per site
    # plus an unregistered one; a second CA that did not sign the server certificate.
    pki_dir = tmp_path / "pki"
    make_pki(pki_dir, pki.sans, [*SITES, "unregistered"], pki.curves)
    ca = pki_dir / "ca.crt"

    fed = Federation(tmp_path)
    try:
        link = _start_aggregator(fed, aggregator, pki_dir, ports)
        fleet_port = int(flag(aggregator["superlink"].args, "--fleet-api-address").rsplit(":", 1)[1])
        control_port = int(flag(aggregator["superlink"].args, "--control-api-address").rsplit(":", 1)[1])
        outside = {fleet_port: link.local(fleet_port), control_port: link.local(control_port)}

        job_root = tmp_path / "registration"
        key_names = registration_key_names(default_synth, AGGREGATOR_STACK, job_spec, REGISTRATION_MOUNT, SITES)
        _run_registration(PodRemap(job_root, ports, outside).container(register), job_root, key_names, pki_dir)
        app = _app_with_federation(tmp_path, f"127.0.0.1:{outside[control_port]}", ca)
        cli_env = {**base_env(tmp_path), "FLWR_HOME": str(tmp_path / "cli-home")}
        registered = flwr_json(["supernode", "list", str(app), "test"], cli_env, tmp_path)
        assert len(registered.get("nodes", [])) == len(SITES), registered

        for site, pod in sites.items():
            _start_supernode(fed, site, PodRemap(tmp_path / site, ports, outside), pod, ca, pki_dir / site, True)
        # The first site's SuperNode arguments with an unregistered key, with no key (it tries to
        # register itself), and with a registered key but trusting a CA that did not sign the
        # SuperLink's certificate.
        template = sites[SITES[0]]
        keyless = _start_supernode(
            fed, "keyless", PodRemap(tmp_path / "keyless", ports, outside), template, ca, None, False
        )
        rogue = _start_supernode(
            fed,
            "unregistered",
            PodRemap(tmp_path / "unregistered", ports, outside),
            template,
            ca,
            pki_dir / "unregistered",
            False,
        )
        stranger = _start_supernode(
            fed,
            "other-ca",
            PodRemap(tmp_path / "other-ca", ports, outside),
            template,
            pki_dir / "other-ca.crt",
            pki_dir / SITES[1],
            False,
        )

        # Refused before the run starts: the unregistered key, and a SuperNode registering itself
        # (each exits, and its supervisor keeps restarting it: refused again every time).
        assert fed.wait_for(rogue, "No SuperNode found with the given public key", 30), rogue.tail()
        assert fed.wait_for(keyless, "All SuperNodes must be registered via the CLI", 30), keyless.tail()

        loss_file = tmp_path / "losses.json"
        run_config = f'num-server-rounds={ROUNDS} loss-file="{loss_file}"'
        submitted = flwr_json(["run", str(app), "test", "--run-config", run_config], cli_env, tmp_path)
        assert submitted.get("success"), f"{submitted}\n{fed.logs()}"
        status = _wait_for_run(app, str(submitted["run-id"]), cli_env, tmp_path)
        assert status == "finished:completed", f"run status {status!r}\n{fed.logs()}"

        losses = json.loads(loss_file.read_text())["losses"]
        assert len(losses) == ROUNDS + 1, losses
        assert all(later < earlier for earlier, later in itertools.pairwise(losses)), losses
        assert losses[-1] < losses[0] / 4, losses

        # The SuperLink kept its state where the Deployment puts its persistent volume.
        assert Path(flag(link.container(aggregator["superlink"]).args, "--database")).exists()

        # The SuperNode trusting another CA never got past TLS.
        assert "CERTIFICATE_VERIFY_FAILED" in stranger.text(), stranger.tail()
        assert "SuperNode ID" not in stranger.text(), stranger.tail()
        for refused in (rogue, keyless):
            assert "SuperNode ID" not in refused.text(), refused.tail()

        # The monitoring's synthesized log filters (CloudWatch and Cloud Logging) count each of
        # those refusals, on the SuperNode's and the SuperLink's side, and nothing of the healthy run.
        assert_filters_see_flower_failures(default_synth, fed.workdir / "logs")
    finally:
        fed.stop_all()
