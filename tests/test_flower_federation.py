"""A real Flower federation, started from the synthesized workload stacks, trains a model.

The contract between the workload stacks and Flower: the SuperLink pod (``superlink`` +
``serverapp-executor``) of the primary aggregator, the SuperNode pods (``supernode`` +
``clientapp-executor``) of two sites and the aggregator's SuperNode registration Job run here with
the command, arguments and environment of the default spec's synthesized JSON; only paths and
addresses are remapped onto a temporary directory and loopback (``tests/flower_pods.py``). The
certificates and node keys use the algorithms and SANs of the stacks' ``tls_*`` resources.

It registers both sites' public keys by running the Job's command (twice: the second run must
count "already in use" as done), runs the numpy FedAvg app in ``flower_app/`` with ``flwr run``,
and asserts the run completes and the global loss falls every round. A SuperNode whose key is not
registered must be refused, and one that trusts another CA must not connect.
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
    Federation,
    argv,
    base_env,
    flwr_json,
    make_pki,
    require_flower,
    run,
)
from tests.flower_pods import (
    PodRemap,
    PortAllocator,
    deployment_containers,
    flag,
    job_pod,
    registration_key_names,
    require_command,
    stack_pki,
)

AGGREGATOR_STACK = "workload-fl-us"
SITES = ("fl-us", "fl-asia")
"""The primary aggregator's own site and a client-only site."""
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


def test_synthesized_flower_pods_train_a_model(default_synth, tmp_path):
    require_flower()
    ports = PortAllocator()
    pki = stack_pki(default_synth)
    assert "127.0.0.1" in pki.sans, f"the aggregator certificate must name 127.0.0.1: {pki.sans}"

    aggregator = deployment_containers(default_synth, AGGREGATOR_STACK, "superlink")
    sites = {site: deployment_containers(default_synth, f"workload-{site}", "supernode") for site in SITES}
    job_containers, job_spec = job_pod(default_synth, AGGREGATOR_STACK, "supernode-registration")
    register = job_containers["register"]
    everything = [*aggregator.values(), *(c for pod in sites.values() for c in pod.values()), register]
    for container in everything:
        require_command(container)
        assert container.env.get("FLWR_TELEMETRY_ENABLED") == "0", f"{container.name}: telemetry on"

    # PKI with the stacks' algorithms and SANs: CA, server certificate, one key pair per site
    # plus an unregistered one; a second CA that did not sign the server certificate.
    pki_dir = tmp_path / "pki"
    make_pki(pki_dir, pki.sans, [*SITES, "unregistered"], pki.curves)

    fed = Federation(tmp_path)
    try:
        # SuperLink pod.
        link_root = tmp_path / "superlink"
        link = PodRemap(link_root, ports)
        superlink = link.container(aggregator["superlink"])
        executor = link.container(aggregator["serverapp-executor"])
        for option, source in (
            ("--ssl-ca-certfile", "ca.crt"),
            ("--ssl-certfile", "server.pem"),
            ("--ssl-keyfile", "server.key"),
        ):
            _write(Path(flag(superlink.args, option)), (pki_dir / source).read_bytes(), 0o600)
        for mount in {*superlink.mounts, *executor.mounts}:
            Path(mount).mkdir(parents=True, exist_ok=True)
        superlink_proc = fed.start("superlink", argv(superlink), _env(link_root, superlink), link_root)
        fed.start("serverapp-executor", argv(executor), _env(link_root, executor), link_root)
        assert fed.wait_for(superlink_proc, "Starting Fleet API", 30), fed.logs()

        fleet_port = int(flag(aggregator["superlink"].args, "--fleet-api-address").rsplit(":", 1)[1])
        control_port = int(flag(aggregator["superlink"].args, "--control-api-address").rsplit(":", 1)[1])
        outside = {fleet_port: link.local(fleet_port), control_port: link.local(control_port)}

        # Registration Job, run the way Kubernetes runs it, twice (idempotent).
        job_root = tmp_path / "registration"
        job = PodRemap(job_root, ports, aggregator_ports=outside).container(register)
        key_names = registration_key_names(default_synth, AGGREGATOR_STACK, job_spec, REGISTRATION_MOUNT, SITES)
        for site in SITES:
            _write(job_root / "registration" / key_names[site], (pki_dir / f"{site}.pub").read_bytes())
        for mount in job.mounts:
            Path(mount).mkdir(parents=True, exist_ok=True)
        job_text = " ".join([*job.command, *job.args, *job.env.values()])
        ca_paths = set(re.findall(r"[^\s\"']+/ca\.crt", job_text))
        assert ca_paths, f"the registration Job names no CA file: {job_text}"
        for ca_path in ca_paths:
            _write(Path(ca_path), (pki_dir / "ca.crt").read_bytes())
        for attempt in ("first", "repeat"):
            done = run(argv(job), _env(job_root, job), job_root, timeout=60)
            assert done.returncode == 0, f"{attempt} registration: {done.stdout}\n{done.stderr}"
        app = _app_with_federation(tmp_path, f"127.0.0.1:{outside[control_port]}", pki_dir / "ca.crt")
        cli_env = {**base_env(tmp_path), "FLWR_HOME": str(tmp_path / "cli-home")}
        registered = flwr_json(["supernode", "list", str(app), "test"], cli_env, tmp_path)
        assert len(registered.get("nodes", [])) == len(SITES), f"{registered}\n{done.stdout}"

        # Two sites' SuperNode pods.
        for site, pod in sites.items():
            root = tmp_path / site
            remap = PodRemap(root, ports, aggregator_ports=outside)
            node, client = remap.container(pod["supernode"]), remap.container(pod["clientapp-executor"])
            _write(Path(flag(node.args, "--root-certificates")), (pki_dir / "ca.crt").read_bytes())
            _write(Path(flag(node.args, "--auth-supernode-private-key")), (pki_dir / site).read_bytes(), 0o600)
            for mount in {*node.mounts, *client.mounts}:
                Path(mount).mkdir(parents=True, exist_ok=True)
            fed.start(f"supernode-{site}", argv(node), _env(root, node), root)
            fed.start(f"clientapp-executor-{site}", argv(client), _env(root, client), root)

        # The same SuperNode arguments with an unregistered key, and with a CA that did not sign
        # the SuperLink's certificate.
        template = sites[SITES[0]]["supernode"]
        rogue_root, stranger_root = tmp_path / "unregistered", tmp_path / "other-ca"
        rogue = PodRemap(rogue_root, ports, aggregator_ports=outside).container(template)
        stranger = PodRemap(stranger_root, ports, aggregator_ports=outside).container(template)
        _write(Path(flag(rogue.args, "--root-certificates")), (pki_dir / "ca.crt").read_bytes())
        _write(Path(flag(rogue.args, "--auth-supernode-private-key")), (pki_dir / "unregistered").read_bytes(), 0o600)
        _write(Path(flag(stranger.args, "--root-certificates")), (pki_dir / "other-ca.crt").read_bytes())
        _write(Path(flag(stranger.args, "--auth-supernode-private-key")), (pki_dir / SITES[1]).read_bytes(), 0o600)
        rogue_proc = fed.start("supernode-unregistered", argv(rogue), _env(rogue_root, rogue), rogue_root)
        stranger_proc = fed.start("supernode-other-ca", argv(stranger), _env(stranger_root, stranger), stranger_root)

        # Run the app.
        loss_file = tmp_path / "losses.json"
        submitted = flwr_json(
            ["run", str(app), "test", "--run-config", f'num-server-rounds={ROUNDS} loss-file="{loss_file}"'],
            cli_env,
            tmp_path,
        )
        assert submitted.get("success"), f"{submitted}\n{fed.logs()}"

        status = ""
        deadline = time.monotonic() + RUN_TIMEOUT
        while time.monotonic() < deadline and not status.startswith("finished"):
            time.sleep(2)
            listing = flwr_json(["ls", str(app), "test", "--run-id", str(submitted["run-id"])], cli_env, tmp_path)
            status = listing["runs"][0]["status"] if listing.get("success") else status
        assert status == "finished:completed", f"run status {status!r}\n{fed.logs()}"

        losses = json.loads(loss_file.read_text())["losses"]
        assert len(losses) == ROUNDS + 1, losses
        assert all(later < earlier for earlier, later in itertools.pairwise(losses)), losses
        assert losses[-1] < losses[0] / 4, losses

        # The SuperLink kept its state where the Deployment puts its persistent volume.
        assert Path(flag(superlink.args, "--database")).exists()

        # The unregistered key was refused at once; the stranger never got past TLS.
        rogue_exit = fed.wait_exit(rogue_proc, 30)
        assert rogue_exit not in (None, 0), fed.logs()
        assert "No SuperNode found with the given public key" in rogue_proc.text(), rogue_proc.tail()
        assert "CERTIFICATE_VERIFY_FAILED" in stranger_proc.text(), stranger_proc.tail()
        assert "SuperNode ID" not in stranger_proc.text(), stranger_proc.tail()
    finally:
        fed.stop_all()
