"""The Flower 1.25 deployment model in the synthesized workload stacks: process isolation with the
user's app image, authenticated SuperNodes registered by the deployment, telemetry off, state on
the persistent volume, and pods that roll when their credentials change."""

from __future__ import annotations

import pytest
import yaml

from constructs_lib.k8s import flower
from federation_spec.aws_member import member_site_name
from stacks.plan import TRUST_STACK, aws_member_regions, node_key_stack_name
from tests.conftest import DEFAULT_SPEC
from tests.test_workload import (
    CLAIM,
    DEPLOYMENT,
    JOB,
    ROLE,
    SECRET,
    by_name,
    only,
    pod_containers,
    policies,
    remote_output,
)

FLOWER_EXECUTABLES = {"flower-superlink", "flower-supernode", "flower-superexec"}
CHECKSUM = "federated-learning/credentials-sha256"
PARTNER_KEY = (
    "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBCMdoEmCG3ceZ9OWfMSRhLnwtLhScS+puQ/"
    "TuiQvBq1NirdaYd47y/8ehvt8HGLQPCvoYR1Yqn6fLsvnpbnUMFANkaiynLC1ZrQWGbOmI1ptdZkWptBgHMxvqtdhLtix4Q== partner"
)


@pytest.fixture(scope="module")
def aggregator_stacks(default_spec):
    return [(f"workload-{c.name}", c) for c in default_spec.gcp.clusters if c.runs_aggregator]


@pytest.fixture(scope="module")
def site_stacks(default_spec):
    return [(f"workload-{c.name}", c) for c in default_spec.gcp.clusters]


def arg(container: dict, flag: str) -> str:
    args = container["args"]
    assert flag in args, f"{container['name']} lacks {flag}"
    return args[args.index(flag) + 1]


def env(container: dict) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", [])}


def mounts(container: dict) -> dict[str, dict]:
    return {m["mount_path"]: m for m in container.get("volume_mount", [])}


def volume_sources(pod: dict) -> dict[str, dict]:
    return {v["name"]: v for v in pod["volume"]}


def pod_of(synth, stack: str, deployment: str) -> dict:
    return by_name(synth.resources(stack, DEPLOYMENT))[deployment]["spec"]["template"]


# --- process isolation -------------------------------------------------------------------------


def test_superlink_runs_with_tls_node_auth_process_isolation_and_state_on_the_volume(
    default_synth, default_spec, aggregator_stacks
):
    agg = default_spec.workload.aggregator
    for stack, _ in aggregator_stacks:
        template = pod_of(default_synth, stack, "superlink")
        server = {c["name"]: c for c in template["spec"]["container"]}["superlink"]
        assert "--enable-supernode-auth" in server["args"]
        assert "--insecure" not in server["args"]
        assert arg(server, "--isolation") == "process"
        assert arg(server, "--fleet-api-address") == f"0.0.0.0:{agg.fleet_port}"
        assert arg(server, "--control-api-address") == f"0.0.0.0:{agg.control_port}"
        assert arg(server, "--serverappio-api-address") == f"127.0.0.1:{flower.SERVERAPPIO_PORT}"
        # Database and app bundles (FABs) live on the state claim, not in a scratch directory.
        volumes = volume_sources(template["spec"])
        state = mounts(server)[flower.STATE_DIR]
        assert state["read_only"] is False
        claim = volumes[state["name"]]["persistent_volume_claim"]["claim_name"]
        claims = default_synth.resources(stack, CLAIM)
        assert any(claim.startswith(f"${{{CLAIM}.{claim_id}.") for claim_id in claims)
        for flag in ("--database", "--storage-dir"):
            assert arg(server, flag).startswith(f"{flower.STATE_DIR}/")
        for path, mount in mounts(server).items():
            if "empty_dir" in volumes[mount["name"]]:
                assert path in flower.SCRATCH_DIRS, f"{path} is an emptyDir but not declared scratch"
                assert not path.startswith(flower.STATE_DIR)


def test_serverapp_executor_runs_the_app_image_on_the_pods_loopback(default_synth, default_spec, aggregator_stacks):
    app = default_spec.workload.app
    for stack, _ in aggregator_stacks:
        executor = pod_containers(default_synth, stack, "superlink")["serverapp-executor"]
        assert executor["image"] == app.image
        assert executor["command"] == ["flower-superexec"]
        assert arg(executor, "--plugin-type") == "serverapp"
        assert arg(executor, "--appio-api-address") == f"127.0.0.1:{flower.SERVERAPPIO_PORT}"
        assert "port" not in executor, "the executor dials out inside the pod; it serves nothing"
        assert executor["resources"]["limits"] == {
            "cpu": app.serverapp_resources.cpu_limit,
            "memory": app.serverapp_resources.memory_limit,
        }
        assert set(mounts(executor)) == set(flower.SCRATCH_DIRS), "no certificate, key or state in the executor"


def test_supernode_authenticates_with_the_sites_key_and_the_clientapp_executor_trains(
    default_synth, default_spec, site_stacks
):
    app = default_spec.workload.app
    for stack, _ in site_stacks:
        pod = pod_containers(default_synth, stack, "supernode")
        supernode, executor = pod["supernode"], pod["clientapp-executor"]
        assert arg(supernode, "--auth-supernode-private-key") == f"{flower.NODE_KEY_DIR}/{flower.NODE_KEY_FILE}"
        assert arg(supernode, "--isolation") == "process"
        assert arg(supernode, "--clientappio-api-address") == f"127.0.0.1:{flower.CLIENTAPPIO_PORT}"
        assert executor["image"] == app.image
        assert executor["command"] == ["flower-superexec"]
        assert arg(executor, "--plugin-type") == "clientapp"
        assert arg(executor, "--appio-api-address") == f"127.0.0.1:{flower.CLIENTAPPIO_PORT}"
        assert flower.DATA_DIR in mounts(executor)
        assert flower.DATA_DIR not in mounts(supernode)


def test_every_flower_container_disables_telemetry_and_update_checks(default_synth, site_stacks):
    seen = set()
    for stack, _ in site_stacks:
        for rtype in (DEPLOYMENT, JOB):
            for config in default_synth.resources(stack, rtype).values():
                for container in config["spec"]["template"]["spec"]["container"]:
                    variables = env(container)
                    assert variables["FLWR_TELEMETRY_ENABLED"] == "0", container["name"]
                    assert variables["FLWR_DISABLE_UPDATE_CHECK"] == "1", container["name"]
                    assert variables["FLWR_HOME"] == flower.FLWR_HOME
                    command = container["command"]
                    # The SuperNode runs under its supervisor: python -c <script> ... -- flower-supernode
                    seen.add(command[-1] if command[0] == "python" else command[0])
    assert seen == FLOWER_EXECUTABLES | {"sh"}, "every Flower process and the registration Job"


def test_only_the_supernode_container_mounts_the_sites_private_key(default_synth, site_stacks):
    for stack, cluster in site_stacks:
        secret_id, secret = next(
            (i, s)
            for i, s in default_synth.resources(stack, SECRET).items()
            if s["metadata"]["name"] == "supernode-node-key"
        )
        (value,) = secret["data"].values()
        producer, expression = remote_output(default_synth, value)
        assert producer == node_key_stack_name(cluster.name), "the site's own key stack, nobody else's"
        assert expression.startswith("${tls_private_key.")
        assert expression.endswith(".private_key_openssh}")
        readers = []
        for _, name, pod in (
            (k, c["metadata"]["name"], c["spec"]["template"]["spec"])
            for k in (DEPLOYMENT, JOB)
            for c in default_synth.resources(stack, k).values()
        ):
            holding = {
                v["name"]
                for v in pod["volume"]
                if v.get("secret", {}).get("secret_name", "").startswith(f"${{{SECRET}.{secret_id}.")
            }
            for container in pod["container"]:
                for mount in container.get("volume_mount", []):
                    if mount["name"] in holding:
                        readers.append((name, container["name"], mount["mount_path"], mount["read_only"]))
        assert readers == [("supernode", "supernode", flower.NODE_KEY_DIR, True)], readers


def test_only_the_superlink_container_mounts_the_server_key(default_synth, aggregator_stacks):
    for stack, _ in aggregator_stacks:
        containers = pod_containers(default_synth, stack, "superlink")
        holders = [name for name, c in containers.items() if flower.CERT_DIR in mounts(c)]
        assert holders == ["superlink"]


def test_pods_roll_when_their_certificates_or_keys_change(default_synth, site_stacks):
    """A hash of the mounted credentials in the pod template: renewal changes it, so the pods are
    replaced (Flower reads certificates and keys only at start)."""
    for stack, cluster in site_stacks:
        client = pod_of(default_synth, stack, "supernode")["metadata"]["annotations"][CHECKSUM]
        assert client.startswith("${sha256(")
        assert f"cross-stack-reference-input-{node_key_stack_name(cluster.name)}." in client
        assert f"cross-stack-reference-input-{TRUST_STACK}." in client
        if cluster.runs_aggregator:
            server = pod_of(default_synth, stack, "superlink")["metadata"]["annotations"][CHECKSUM]
            assert server.startswith("${sha256(")
            for output in ("tls_locally_signed_cert", "tls_self_signed_cert", "tls_private_key"):
                assert f"cross-stack-output-{output}" in server, output


def test_client_deployment_does_not_block_the_apply_on_registration(default_synth, site_stacks):
    for stack, _ in site_stacks:
        assert by_name(default_synth.resources(stack, DEPLOYMENT))["supernode"]["wait_for_rollout"] is False


# --- registration --------------------------------------------------------------------------------


def registration(synth, stack) -> tuple[dict, dict]:
    (_, job) = only(synth.resources(stack, JOB))
    keys = by_name(synth.resources(stack, "kubernetes_config_map_v1"))["supernode-registration-keys"]
    return job, keys


def test_registration_job_only_on_aggregators(default_synth, site_stacks):
    for stack, cluster in site_stacks:
        assert bool(default_synth.resources(stack, JOB)) is cluster.runs_aggregator


def test_registration_job_registers_every_sites_public_key_on_its_aggregator(
    default_synth, default_spec, aggregator_stacks
):
    sites = sorted(
        [c.name for c in default_spec.gcp.clusters] + [member_site_name(r) for r in aws_member_regions(default_spec)]
    )
    namespace = default_spec.workload.namespace
    control_port = default_spec.workload.aggregator.control_port
    for stack, _ in aggregator_stacks:
        job, keys = registration(default_synth, stack)
        assert sorted(keys["data"]) == [f"{site}.pub" for site in sites]
        for site in sites:
            producer, expression = remote_output(default_synth, keys["data"][f"{site}.pub"])
            assert producer == TRUST_STACK, "public keys come from the trust stack"
            local = expression.removeprefix("${local.").removesuffix("}")
            relayed = default_synth.stack(TRUST_STACK)["locals"][local]
            key_stack, key_expression = remote_output(default_synth, relayed)
            assert key_stack == node_key_stack_name(site)
            assert key_expression.endswith(".public_key_openssh}")
        # The Job's name changes with the key set, so a new key re-runs the registration.
        name = job["metadata"]["name"]
        assert name.startswith("supernode-registration-${substr(sha256(jsonencode(")
        for site in sites:
            assert f'"{site}.pub" = ' in name
        assert job["wait_for_completion"] is True
        assert job["spec"]["backoff_limit"] >= 1
        assert job["spec"]["active_deadline_seconds"] <= 3600
        assert job["timeouts"]["create"]
        assert any(dep.startswith("kubernetes_deployment_v1.aggregator_deployment") for dep in job["depends_on"])
        pod = job["spec"]["template"]
        assert pod["metadata"]["labels"][ROLE] == "operator", "only operator pods may reach the control port"
        assert pod["spec"]["restart_policy"] == "Never"
        (container,) = pod["spec"]["container"]
        command = container["command"]
        assert command[:2] == ["sh", "-c"]
        script = command[2]
        assert f'address = "superlink-control.{namespace}.svc.cluster.local:{control_port}"' in script
        assert f'root-certificates = "{flower.CA_DIR}/ca.crt"' in script
        assert f"for key in {flower.REGISTRATION_DIR}/*.pub" in script
        assert "flwr supernode register" in script
        assert "--format json" in script
        assert "already in use" in script, "a key registered before counts as done"
        assert "${" not in script, "the script holds no Terraform interpolation"
        volumes = volume_sources(pod["spec"])
        by_path = mounts(container)
        assert volumes[by_path[flower.REGISTRATION_DIR]["name"]]["config_map"]["name"].startswith(
            "${kubernetes_config_map_v1.registration_keys"
        )
        assert volumes[by_path[flower.CA_DIR]["name"]]["config_map"]["name"].startswith(
            "${kubernetes_config_map_v1.client_federation_ca"
        )
        assert by_path[flower.FLWR_HOME]["read_only"] is False, "flwr writes the project and credentials there"


def test_operators_reach_only_the_control_port(default_synth, default_spec, aggregator_stacks):
    control = str(default_spec.workload.aggregator.control_port)
    for stack, _ in aggregator_stacks:
        spec = policies(default_synth, stack)["operator-to-control"]
        assert spec["pod_selector"]["match_labels"] == {ROLE: "operator"}
        assert spec["egress"] == [
            {
                "ports": [{"port": control, "protocol": "TCP"}],
                "to": [{"pod_selector": {"match_labels": {ROLE: "aggregator"}}}],
            }
        ]


def test_partner_keys_are_registered_too(synth):
    doc = yaml.safe_load(DEFAULT_SPEC.read_text())
    workload = {**doc["workload"], "partner_node_keys": [PARTNER_KEY]}
    doc = {"federation": doc["federation"], "gcp": doc["gcp"], "workload": workload}
    out = synth(yaml.safe_dump(doc))
    for cluster in doc["gcp"]["clusters"]:
        stack = f"workload-{cluster['name']}"
        if cluster.get("role") not in {"primary", "secondary"}:
            continue
        job, keys = registration(out, stack)
        assert keys["data"]["partner-0.pub"] == PARTNER_KEY
        assert '"partner-0.pub" = "ecdsa-sha2-nistp384 ' in job["metadata"]["name"]
