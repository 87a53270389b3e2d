"""Federated-learning workloads: what each ``workload-<cluster>`` stack and the PKI stack promise."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from constructs_lib.gcp.private_google_access import RESTRICTED_GOOGLE_APIS_CIDR
from constructs_lib.k8s import flower
from constructs_lib.k8s.network_policy import METADATA_SERVER, NODE_LOCAL_DNS
from constructs_lib.tls.pki import HOURS_PER_DAY
from federation_spec.aws_member import member_site_name
from federation_spec.workload import split_image
from stacks.plan import (
    DNS_STACK,
    PKI_STACK,
    TRUST_STACK,
    aws_member_regions,
    aws_region_stack_name,
    node_key_stack_name,
    plan_stacks,
)
from stacks.workload_addressing import LOOPBACK_IP, LOOPBACK_NAME
from tests.conftest import DEFAULT_SPEC
from tests.synth_helpers import REMOTE_STATE, ref

DEPLOYMENT = "kubernetes_deployment_v1"
JOB = "kubernetes_job_v1"
SERVICE = "kubernetes_service_v1"
POLICY = "kubernetes_network_policy_v1"
CLAIM = "kubernetes_persistent_volume_claim_v1"
SECRET = "kubernetes_secret_v1"  # noqa: S105 - a resource type, not a password
ROLE = "federated-learning/role"
REMOTE = re.compile(
    r"data\.terraform_remote_state\.cross-stack-reference-input-([a-z0-9-]+)\.outputs\.([A-Za-z0-9_-]+)"
)


@pytest.fixture(scope="module")
def sites(default_spec):
    """(workload stack, gke stack, cluster spec) for every cluster of the default federation."""
    assert default_spec.workload is not None, "the default federation.yaml must have a workload section"
    return [(f"workload-{c.name}", f"gke-{c.name}", c) for c in default_spec.gcp.clusters]


@pytest.fixture(scope="module")
def primary(default_spec):
    return next(c for c in default_spec.gcp.clusters if c.role == "primary")


def remote_output(synth, value: str) -> tuple[str, str]:
    """(producer stack, producer output expression) of a value that reads another stack's output."""
    match = REMOTE.search(value)
    assert match, f"{value!r} is not a cross-stack reference"
    stack, output = match.groups()
    producer = synth.outputs(stack)[output]
    assert producer["sensitive"] is True, "cross-stack outputs must be sensitive"
    return stack, producer["value"]


def only(resources: dict) -> tuple[str, dict]:
    assert len(resources) == 1, f"expected one, got {sorted(resources)}"
    return next(iter(resources.items()))


def by_name(resources: dict) -> dict[str, dict]:
    return {config["metadata"]["name"]: config for config in resources.values()}


def pod_specs(synth, stack):
    """(kind, name, pod spec) of every Deployment and Job in ``stack``."""
    for rtype in (DEPLOYMENT, JOB):
        for config in synth.resources(stack, rtype).values():
            yield rtype, config["metadata"]["name"], config["spec"]["template"]["spec"]


def containers(synth, stack):
    for _, name, pod in pod_specs(synth, stack):
        for container in pod["container"]:
            yield name, container


def pod_containers(synth, stack, deployment: str) -> dict[str, dict]:
    """Container name -> container of the Deployment named ``deployment`` in ``stack``."""
    pod = by_name(synth.resources(stack, DEPLOYMENT))[deployment]["spec"]["template"]["spec"]
    return {c["name"]: c for c in pod["container"]}


def nat_address_refs(synth, gke_stack: str) -> list[tuple[str, str]]:
    """(stack, expression) of every reserved Cloud NAT address of ``gke_stack``."""
    addresses = synth.resources(gke_stack, "google_compute_address")
    return [
        (gke_stack, ref("google_compute_address", address_id, "address"))
        for address_id in addresses
        if address_id.startswith("nat_")
    ]


def aggregator_ip_ref(synth, gke_stack: str) -> str:
    """The remote-state expression a consumer uses for ``gke_stack``'s static aggregator IP."""
    aggregator = {i: a for i, a in synth.resources(gke_stack, "google_compute_address").items() if "aggregator" in i}
    (address_id, _) = only(aggregator)  # the cluster's other addresses are its Cloud NAT egress IPs
    return ref("google_compute_address", address_id, "address")


# --- stacks, plan and providers --------------------------------------------------------------


def test_one_workload_stack_per_cluster_a_key_stack_per_site_and_the_pki_and_trust_stacks(
    default_synth, default_spec, sites
):
    names = default_synth.stack_names()
    assert sorted(n for n in names if n.startswith("workload-")) == sorted(s for s, _, _ in sites)
    assert sorted(n for n in names if n.startswith("node-key-")) == sorted(
        [node_key_stack_name(c.name) for *_, c in sites]
        + [node_key_stack_name(member_site_name(r)) for r in aws_member_regions(default_spec)]
    )
    assert {PKI_STACK, TRUST_STACK} <= set(names)


def test_plan_dependencies_and_providers(default_spec, sites):
    plans = {p.name: p for p in plan_stacks(default_spec)}
    clusters = {f"gke-{c.name}" for c in default_spec.gcp.clusters}
    aggregators = {f"gke-{c.name}" for c in default_spec.gcp.clusters if c.runs_aggregator}
    keys = {node_key_stack_name(c.name) for c in default_spec.gcp.clusters}
    keys |= {node_key_stack_name(member_site_name(r)) for r in aws_member_regions(default_spec)}
    members = {aws_region_stack_name(r) for r in aws_member_regions(default_spec)}
    assert set(plans[PKI_STACK].depends_on) == aggregators
    assert plans[PKI_STACK].providers == frozenset({"tls"})
    assert set(plans[TRUST_STACK].depends_on) == {PKI_STACK} | keys
    for key in keys:
        assert plans[key].providers == frozenset({"tls"})
        assert plans[key].depends_on == ()
    order = list(plans)
    for stack, gke, cluster in sites:
        assert plans[stack].providers == frozenset({"google", "kubernetes"})
        own_key = node_key_stack_name(cluster.name)
        if cluster.runs_aggregator:
            # Every cluster's and AWS member site's NAT addresses, the server key, the checkers' ranges.
            expected = clusters | members | {TRUST_STACK, own_key, PKI_STACK, DNS_STACK}
        else:
            expected = {gke} | aggregators | {TRUST_STACK, own_key}
        assert set(plans[stack].depends_on) == expected
        assert all(order.index(dep) < order.index(stack) for dep in plans[stack].depends_on)


def test_manifest_dependencies(default_synth, sites):
    for stack, gke, cluster in sites:
        dependencies = set(default_synth.dependencies(stack))
        assert {gke, TRUST_STACK, node_key_stack_name(cluster.name)} <= dependencies
        assert (PKI_STACK in dependencies) is cluster.runs_aggregator
        others = {node_key_stack_name(c.name) for *_, c in sites if c.name != cluster.name}
        assert not others & dependencies, f"{stack} must read no other site's key"


def test_kubernetes_provider_reads_the_cluster_through_cross_stack_references(default_synth, sites):
    for stack, gke, _ in sites:
        (provider,) = default_synth.stack(stack)["provider"]["kubernetes"]
        (cluster_id, _) = only(default_synth.resources(gke, "google_container_cluster"))
        # The cluster's own DNS endpoint (IAM-authorized, reachable from the deployer's network).
        assert provider["host"].startswith("https://${data.terraform_remote_state.")
        assert remote_output(default_synth, provider["host"]) == (
            gke,
            ref(
                "google_container_cluster",
                cluster_id,
                "control_plane_endpoints_config[0].dns_endpoint_config[0].endpoint",
            ),
        )
        # That endpoint's certificate is publicly issued; pinning the cluster CA would break TLS.
        assert "cluster_ca_certificate" not in provider
        (config_id, _) = only(default_synth.data(stack, "google_client_config"))
        assert provider["token"] == f"${{data.google_client_config.{config_id}.access_token}}"
        assert set(default_synth.data(stack, REMOTE_STATE)) >= {f"cross-stack-reference-input-{gke}"}
        assert not {"client_key", "client_certificate", "password", "config_path", "insecure"} & set(provider)


def test_second_apply_keeps_the_neg_annotations_gke_adds_to_services(default_synth, sites):
    # GKE's NEG controller annotates every Service of a VPC-native cluster; the kubernetes
    # provider hides only *.kubernetes.io keys, so unless it ignores these, each plan removes them.
    gke_written = ["cloud.google.com/neg", "cloud.google.com/neg-status"]
    ours = ["cloud.google.com/l4-rbs", "iam.gke.io/gcp-service-account", "x-cloud.google.com/neg"]
    for stack, _, _ in sites:
        (provider,) = default_synth.stack(stack)["provider"]["kubernetes"]
        patterns = provider["ignore_annotations"]
        for key in gke_written:  # Go's regexp.MatchString, like re.search: unanchored
            assert any(re.search(p, key) for p in patterns), key
        for key in ours:
            assert not any(re.search(p, key) for p in patterns), key
        for service in default_synth.resources(stack, SERVICE).values():
            assert not set(service["metadata"].get("annotations") or {}) & set(gke_written)


def test_google_provider_per_workload_stack(default_synth, default_spec, sites):
    for stack, _, cluster in sites:
        (provider,) = default_synth.stack(stack)["provider"]["google"]
        assert provider["project"] == default_spec.gcp.project
        assert provider["region"] == cluster.region


# --- namespace and identity ------------------------------------------------------------------


def test_namespace_enforces_restricted_pod_security(default_synth, default_spec, sites):
    for stack, _, _ in sites:
        (_, namespace) = only(default_synth.resources(stack, "kubernetes_namespace_v1"))
        assert namespace["metadata"]["name"] == default_spec.workload.namespace
        labels = namespace["metadata"]["labels"]
        for mode in ("enforce", "audit", "warn"):
            assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"


def test_no_site_pod_has_a_google_identity_by_default(default_synth, sites):
    """Without ``workload.google_apis`` no Google service account exists for the workloads and
    no Kubernetes service account is annotated with one (the ClientApp runs a run submitter's
    code next to the site's data); the aggregator runs as an account of its own."""
    for stack, _, cluster in sites:
        assert not default_synth.resources(stack, "google_service_account")
        assert not default_synth.resources(stack, "google_service_account_iam_member")
        accounts = {
            ksa["metadata"]["name"]: ksa
            for ksa in default_synth.resources(stack, "kubernetes_service_account_v1").values()
        }
        expected = {f"fl-{cluster.name}"} | ({f"fl-{cluster.name}-aggregator"} if cluster.runs_aggregator else set())
        assert set(accounts) == expected
        for ksa in accounts.values():
            assert "annotations" not in ksa["metadata"]
            assert ksa["automount_service_account_token"] is False
        assert not default_synth.resources(stack, "google_project_iam_member"), "no project roles granted blindly"
        for kind, name, pod in pod_specs(default_synth, stack):
            if kind == JOB:
                # The registration Job needs no Google identity: the namespace's plain account.
                assert name.startswith("supernode-registration-")
                assert pod["service_account_name"] == "default"
            else:
                assert pod["service_account_name"].startswith("${kubernetes_service_account_v1.")


def test_google_apis_site_binds_its_ksa_to_a_dedicated_gsa(synth):
    doc = yaml.safe_load(DEFAULT_SPEC.read_text())
    doc = {"federation": doc["federation"], "gcp": doc["gcp"], "workload": {"google_apis": ["fl-eu"]}}
    out = synth(yaml.safe_dump(doc))
    for cluster in doc["gcp"]["clusters"]:
        stack = f"workload-{cluster['name']}"
        specs = policies(out, stack)
        if cluster["name"] != "fl-eu":
            assert not out.resources(stack, "google_service_account")
            assert "client-google-apis" not in specs
            assert "client-metadata-server" not in specs
            continue
        (gsa_id, gsa) = only(out.resources(stack, "google_service_account"))
        assert len(gsa["account_id"]) <= 30
        (_, binding) = only(out.resources(stack, "google_service_account_iam_member"))
        assert binding["role"] == "roles/iam.workloadIdentityUser"
        assert binding["service_account_id"] == ref("google_service_account", gsa_id, "name")
        assert binding["member"] == f"serviceAccount:{doc['gcp']['project']}.svc.id.goog[federated-learning/fl-fl-eu]"
        accounts = {k["metadata"]["name"]: k for k in out.resources(stack, "kubernetes_service_account_v1").values()}
        assert accounts["fl-fl-eu"]["metadata"]["annotations"] == {
            "iam.gke.io/gcp-service-account": ref("google_service_account", gsa_id, "email")
        }
        assert "annotations" not in accounts["fl-fl-eu-aggregator"]["metadata"]
        for name in ("client-google-apis", "client-metadata-server"):
            assert specs[name]["pod_selector"] == {"match_labels": {ROLE: "client"}}, name
        (rule,) = specs["client-google-apis"]["egress"]
        assert rule["ports"] == [{"port": "443", "protocol": "TCP"}]
        assert rule["to"] == [{"ip_block": {"cidr": RESTRICTED_GOOGLE_APIS_CIDR}}]
        metadata = specs["client-metadata-server"]["egress"]
        assert sorted((e["to"][0]["ip_block"]["cidr"], int(e["ports"][0]["port"])) for e in metadata) == sorted(
            METADATA_SERVER
        )
        assert out.outputs(stack)["google_service_account"]["value"] == ref("google_service_account", gsa_id, "email")


def test_each_site_has_its_own_kubernetes_service_account_name(default_synth, sites):
    """One Workload Identity pool serves every cluster of the project: a GSA trusts
    ``[namespace/ksa]`` on all of them, so the client's KSA name must differ per site."""
    names = []
    for stack, _, cluster in sites:
        (deployment,) = [
            d
            for d in default_synth.resources(stack, "kubernetes_deployment_v1").values()
            if d["metadata"]["name"] == "supernode"
        ]
        ksa_id = deployment["spec"]["template"]["spec"]["service_account_name"].split(".")[1]
        name = default_synth.resources(stack, "kubernetes_service_account_v1")[ksa_id]["metadata"]["name"]
        assert name == f"fl-{cluster.name}"
        names.append(name)
    assert len(set(names)) == len(sites)


# --- hardened pods ---------------------------------------------------------------------------


def test_every_image_is_pinned(default_synth, sites):
    """Tag or digest, never ``latest`` (the control CKV_K8S_43's skip would otherwise hide)."""
    seen = 0
    for stack, _, _ in sites:
        for name, container in containers(default_synth, stack):
            _, tag, digest = split_image(container["image"])
            assert digest or (tag and tag != "latest"), f"{stack}/{name} image {container['image']} is not pinned"
            assert container["image_pull_policy"] == "Always"
            seen += 1
    assert seen >= 2 * len(sites)


def test_every_container_is_hardened(default_synth, sites):
    for stack, _, _ in sites:
        for name, container in containers(default_synth, stack):
            context = container["security_context"]
            assert context["run_as_non_root"] is True, name
            assert int(context["run_as_user"]) >= 1000
            assert context["read_only_root_filesystem"] is True
            assert context["allow_privilege_escalation"] is False
            assert context["privileged"] is False
            assert context["capabilities"]["drop"] == ["ALL"]
            assert "add" not in context["capabilities"]
            assert context["seccomp_profile"]["type"] == "RuntimeDefault"
            resources = container["resources"]
            assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}


def test_every_pod_is_hardened(default_synth, sites):
    for stack, _, _ in sites:
        for _, name, pod in pod_specs(default_synth, stack):
            assert pod["automount_service_account_token"] is False, name
            assert pod["enable_service_links"] is False
            assert pod["security_context"]["run_as_non_root"] is True
            assert pod["security_context"]["seccomp_profile"]["type"] == "RuntimeDefault"
            assert not {"host_network", "host_pid", "host_ipc"} & set(pod)
            volumes = {v["name"]: v for v in pod["volume"]}
            assert not any("host_path" in v for v in volumes.values())
            for container in pod["container"]:
                for mount in container["volume_mount"]:
                    if not mount["read_only"]:
                        volume = volumes[mount["name"]]
                        assert "empty_dir" in volume or "persistent_volume_claim" in volume, (
                            f"{stack}/{name} writes to {mount['mount_path']}, which is neither scratch nor a claim"
                        )


def test_long_running_containers_have_grpc_probes_on_their_health_server(default_synth, sites):
    """Every Flower daemon serves gRPC health on 0.0.0.0:<port> (``--health-server-address``) and
    the kubelet probes exactly that port; the AppIO ports on 127.0.0.1 could not be probed."""
    seen = 0
    for stack, _, _ in sites:
        for deployment in default_synth.resources(stack, DEPLOYMENT).values():
            for container in deployment["spec"]["template"]["spec"]["container"]:
                args = container["args"]
                host, port = args[args.index("--health-server-address") + 1].rsplit(":", 1)
                assert host == "0.0.0.0"  # noqa: S104 - the kubelet probes the pod IP
                assert int(port) not in {p["container_port"] for p in container.get("port", [])}
                for probe in ("liveness_probe", "readiness_probe"):
                    assert container[probe]["grpc"] == [{"port": int(port)}], f"{stack}/{container['name']}"
                    assert "tcp_socket" not in container[probe]
                seen += 1
    assert seen == 2 * len(sites) + 2 * 2, "SuperNode + executor per site, SuperLink + executor per aggregator"


# --- aggregator --------------------------------------------------------------------------------


def test_aggregator_only_on_primary_and_secondary(default_synth, sites):
    for stack, _, cluster in sites:
        names = set(by_name(default_synth.resources(stack, DEPLOYMENT)))
        assert ("superlink" in names) is cluster.runs_aggregator, stack
        secrets = by_name(default_synth.resources(stack, SECRET))
        assert ("superlink-tls" in secrets) is cluster.runs_aggregator


def test_aggregator_deployment(default_synth, default_spec, sites):
    agg = default_spec.workload.aggregator
    for stack, _, cluster in sites:
        if not cluster.runs_aggregator:
            continue
        deployment = by_name(default_synth.resources(stack, DEPLOYMENT))["superlink"]
        assert deployment["spec"]["replicas"] == "1"
        assert deployment["spec"]["strategy"]["type"] == "Recreate"
        container = pod_containers(default_synth, stack, "superlink")["superlink"]
        assert container["command"] == ["flower-superlink"]
        assert container["image"] == agg.image
        assert {p["name"]: p["container_port"] for p in container["port"]} == {
            "fleet": agg.fleet_port,
            "control": agg.control_port,
        }
        args = container["args"]
        assert "--insecure" not in args
        assert args[args.index("--fleet-api-address") + 1] == f"0.0.0.0:{agg.fleet_port}"
        assert args[args.index("--control-api-address") + 1] == f"0.0.0.0:{agg.control_port}"
        for flag, file in (
            ("--ssl-ca-certfile", "ca.crt"),
            ("--ssl-certfile", "tls.crt"),
            ("--ssl-keyfile", "tls.key"),
        ):
            assert args[args.index(flag) + 1] == f"{flower.CERT_DIR}/{file}"
        assert container["resources"]["requests"] == {
            "cpu": agg.resources.cpu_request,
            "memory": agg.resources.memory_request,
        }
        assert container["resources"]["limits"] == {
            "cpu": agg.resources.cpu_limit,
            "memory": agg.resources.memory_limit,
        }
        assert container["security_context"]["run_as_user"] == str(flower.FLOWER_UID)
        mounts = {m["mount_path"]: m for m in container["volume_mount"]}
        assert mounts[flower.CERT_DIR]["read_only"] is True
        assert mounts[flower.STATE_DIR]["read_only"] is False
        claims = by_name(default_synth.resources(stack, CLAIM))
        assert claims["superlink-state"]["spec"]["resources"]["requests"] == {"storage": agg.state_storage}


def test_load_balancer_on_the_static_ip_exposes_only_the_fleet_port(default_synth, default_spec, sites):
    agg = default_spec.workload.aggregator
    for stack, gke, cluster in sites:
        services = by_name(default_synth.resources(stack, SERVICE))
        load_balancers = [s for s in services.values() if s["spec"].get("type") == "LoadBalancer"]
        if not cluster.runs_aggregator:
            assert not services
            continue
        (lb,) = load_balancers
        assert remote_output(default_synth, lb["spec"]["load_balancer_ip"]) == (
            gke,
            aggregator_ip_ref(default_synth, gke),
        )
        assert [(p["name"], p["port"]) for p in lb["spec"]["port"]] == [("fleet", agg.fleet_port)]
        assert "0.0.0.0/0" not in lb["spec"]["load_balancer_source_ranges"]
        assert lb["spec"]["external_traffic_policy"] == "Local", "client source IPs must reach the NetworkPolicy"
        assert lb["spec"]["selector"][ROLE] == "aggregator"
        control = services["superlink-control"]
        assert control["spec"]["type"] == "ClusterIP"
        assert [(p["name"], p["port"]) for p in control["spec"]["port"]] == [("control", agg.control_port)]


# --- clients, storage and training ---------------------------------------------------------


def _supernode_target(synth, stack) -> str:
    container = pod_containers(synth, stack, "supernode")["supernode"]
    return container["args"][container["args"].index("--superlink") + 1]


def test_client_dials_the_primary_static_ip_over_tls_until_the_zone_is_delegated(
    default_synth, default_spec, sites, primary
):
    """The default's dns zone is not delegated (no parent_zone_id, not delegated), so its name
    answers NXDOMAIN after the first apply: every client dials the primary's reserved static IP
    (a cross-stack reference), which the certificate names too; the certificate still names the
    failover host first, so switching to it later re-issues nothing."""
    agg = default_spec.workload.aggregator
    primary_gke = f"gke-{primary.name}"
    for stack, _, _ in sites:
        client = by_name(default_synth.resources(stack, DEPLOYMENT))["supernode"]
        assert client["spec"]["replicas"] == str(default_spec.workload.client.replicas)
        container = pod_containers(default_synth, stack, "supernode")["supernode"]
        # flower-supernode under the supervisor that follows the name (tests/test_supernode_supervisor.py)
        assert container["command"][:2] == ["python", "-c"]
        assert container["command"][-2:] == ["--", "flower-supernode"]
        assert container["image"] == default_spec.workload.client.image
        args = container["args"]
        target = _supernode_target(default_synth, stack)
        host, port = target.rsplit(":", 1)
        assert port == str(agg.fleet_port)
        assert remote_output(default_synth, host) == (primary_gke, aggregator_ip_ref(default_synth, primary_gke))
        assert args[args.index("--root-certificates") + 1] == f"{flower.CA_DIR}/ca.crt"
        assert "--insecure" not in args
        assert default_synth.outputs(stack)["aggregator_address"]["value"] == target
    (_, request) = only(default_synth.resources(PKI_STACK, "tls_cert_request"))
    assert request["dns_names"][0] == default_spec.dns.fqdn, "the certificate must name the failover host"
    ip_sans = [remote_output(default_synth, ip) for ip in request["ip_addresses"] if ip.startswith("${")]
    assert (primary_gke, aggregator_ip_ref(default_synth, primary_gke)) in ip_sans


def test_without_dns_clients_dial_the_primary_static_ip(synth, default_spec, primary):
    doc = yaml.safe_load(DEFAULT_SPEC.read_text())
    doc = {"federation": doc["federation"], "gcp": doc["gcp"], "workload": doc["workload"]}
    out = synth(yaml.safe_dump(doc))
    primary_gke = f"gke-{primary.name}"
    for cluster in doc["gcp"]["clusters"]:
        host, port = _supernode_target(out, f"workload-{cluster['name']}").rsplit(":", 1)
        assert port == str(default_spec.workload.aggregator.fleet_port)
        assert remote_output(out, host) == (primary_gke, aggregator_ip_ref(out, primary_gke))


def test_site_data_claim_is_mounted_only_into_the_clientapp_executor_read_only(default_synth, default_spec, sites):
    client = default_spec.workload.client
    assert default_spec.workload.app.data_read_only is True
    for stack, _, _ in sites:
        claims = default_synth.resources(stack, CLAIM)
        site_id, site = next((i, c) for i, c in claims.items() if c["metadata"]["name"] == "site-data")
        assert site["spec"]["resources"]["requests"] == {"storage": client.storage}
        assert site["spec"]["storage_class_name"] == client.storage_class
        assert site["spec"]["access_modes"] == ["ReadWriteOnce"]
        users = []
        for _, name, pod in pod_specs(default_synth, stack):
            volumes = {v["name"]: v for v in pod["volume"]}
            claim = {
                volume_name
                for volume_name, v in volumes.items()
                if v.get("persistent_volume_claim", {}).get("claim_name", "").startswith(f"${{{CLAIM}.{site_id}.")
            }
            for container in pod["container"]:
                mounts = [m for m in container.get("volume_mount", []) if m["name"] in claim]
                if mounts:
                    users.append((name, container["name"]))
                    assert mounts == [{"name": mounts[0]["name"], "mount_path": flower.DATA_DIR, "read_only": True}]
            if claim:
                # ReadWriteOnce: every pod using the claim is pinned to the same node.
                (term,) = pod["affinity"]["pod_affinity"]["required_during_scheduling_ignored_during_execution"]
                assert term["topology_key"] == "kubernetes.io/hostname"
                assert term["label_selector"][0]["match_labels"] == {"federated-learning/site-data": "site-data"}
        assert users == [("supernode", "clientapp-executor")], f"{stack}: {users}"


def test_site_data_can_be_mounted_writable(synth):
    doc = yaml.safe_load(DEFAULT_SPEC.read_text())
    doc = {"federation": doc["federation"], "gcp": doc["gcp"], "workload": {"app": {"data_read_only": False}}}
    out = synth(yaml.safe_dump(doc))
    for cluster in doc["gcp"]["clusters"]:
        executor = pod_containers(out, f"workload-{cluster['name']}", "supernode")["clientapp-executor"]
        (data,) = [m for m in executor["volume_mount"] if m["mount_path"] == flower.DATA_DIR]
        assert data["read_only"] is False


# --- TLS ---------------------------------------------------------------------------------------


def test_no_private_key_material_in_any_stack(default_synth):
    for name in default_synth.stack_names():
        text = json.dumps(default_synth.stack(name))
        assert "PRIVATE KEY" not in text, name
        assert "BEGIN CERTIFICATE" not in text, name


def test_pki_signs_one_server_certificate_for_both_aggregators(default_synth, default_spec):
    keys = default_synth.resources(PKI_STACK, "tls_private_key")
    assert {k["algorithm"] for k in keys.values()} == {"ECDSA"}
    (ca_id, ca) = only(default_synth.resources(PKI_STACK, "tls_self_signed_cert"))
    assert ca["is_ca_certificate"] is True
    assert "cert_signing" in ca["allowed_uses"]
    (_, request) = only(default_synth.resources(PKI_STACK, "tls_cert_request"))
    (_, cert) = only(default_synth.resources(PKI_STACK, "tls_locally_signed_cert"))
    assert cert["ca_cert_pem"] == ref("tls_self_signed_cert", ca_id, "cert_pem")
    assert cert["ca_private_key_pem"] == ca["private_key_pem"]
    assert "server_auth" in cert["allowed_uses"]
    assert "cert_signing" not in cert["allowed_uses"]
    assert cert["validity_period_hours"] == default_spec.workload.certificate_validity_days * HOURS_PER_DAY
    namespace = default_spec.workload.namespace
    assert f"superlink-fleet.{namespace}.svc.cluster.local" in request["dns_names"]
    assert LOOPBACK_NAME in request["dns_names"]
    aggregators = [f"gke-{c.name}" for c in default_spec.gcp.clusters if c.runs_aggregator]
    ips = request["ip_addresses"]
    assert ips[-1] == LOOPBACK_IP
    assert sorted(remote_output(default_synth, ip) for ip in ips[:-1]) == sorted(
        (gke, aggregator_ip_ref(default_synth, gke)) for gke in aggregators
    )


def test_aggregator_tls_secret_reads_key_and_cert_from_the_pki_stack(default_synth, sites):
    pki_outputs = default_synth.outputs(PKI_STACK)
    for stack, _, cluster in sites:
        if not cluster.runs_aggregator:
            continue
        secret = by_name(default_synth.resources(stack, SECRET))["superlink-tls"]
        assert secret["type"] == "kubernetes.io/tls"
        sources = {key: remote_output(default_synth, value) for key, value in secret["data"].items()}
        assert {stack_name for stack_name, _ in sources.values()} == {PKI_STACK}
        assert sources["tls.key"][1].startswith("${tls_private_key.")
        assert sources["tls.crt"][1].startswith("${tls_locally_signed_cert.")
        assert sources["ca.crt"][1].startswith("${tls_self_signed_cert.")
        key_outputs = [o for o in pki_outputs.values() if o["value"].startswith("${tls_private_key.")]
        assert key_outputs
        assert all(o["sensitive"] is True for o in key_outputs)


def test_clients_trust_only_the_ca_certificate_relayed_by_the_trust_stack(default_synth, sites):
    (_, _ca) = only(default_synth.resources(PKI_STACK, "tls_self_signed_cert"))
    for stack, _, _ in sites:
        config_map = by_name(default_synth.resources(stack, "kubernetes_config_map_v1"))["federation-ca"]
        assert list(config_map["data"]) == ["ca.crt"]
        producer, expression = remote_output(default_synth, config_map["data"]["ca.crt"])
        assert producer == TRUST_STACK
        local = expression.removeprefix("${local.").removesuffix("}")
        relayed = default_synth.stack(TRUST_STACK)["locals"][local]
        assert remote_output(default_synth, relayed)[1].startswith("${tls_self_signed_cert.")


def test_aggregator_host_and_source_ranges_reach_clients_certificate_and_policies(synth):
    doc = yaml.safe_load(DEFAULT_SPEC.read_text())
    workload = {"aggregator_host": "agg.fl.yourcompany.net", "aggregator": {"fleet_source_ranges": ["203.0.113.0/24"]}}
    doc = {"federation": doc["federation"], "gcp": doc["gcp"], "workload": workload}
    out = synth(yaml.safe_dump(doc))
    primary_stack = next(f"workload-{c['name']}" for c in doc["gcp"]["clusters"] if c.get("role") == "primary")
    lb = by_name(out.resources(primary_stack, SERVICE))["superlink-fleet"]
    nat_sources = [
        f"${{{expr[2:-1]}}}/32" for c in doc["gcp"]["clusters"] for _, expr in nat_address_refs(out, f"gke-{c['name']}")
    ]
    ranges = lb["spec"]["load_balancer_source_ranges"]
    assert ranges[-1] == "203.0.113.0/24", "partners are added after the NAT addresses"
    assert len(ranges) == len(nat_sources) + 1, "without a dns section there are no health checkers"
    fleet_rule = policies(out, primary_stack)["aggregator-ingress"]["ingress"][0]
    assert [f["ip_block"]["cidr"] for f in fleet_rule["from"] if "ip_block" in f] == ranges
    (_, request) = only(out.resources(PKI_STACK, "tls_cert_request"))
    assert request["dns_names"][0] == "agg.fl.yourcompany.net"
    assert request["subject"][0]["common_name"] == "agg.fl.yourcompany.net"
    for cluster in doc["gcp"]["clusters"]:
        stack = f"workload-{cluster['name']}"
        assert _supernode_target(out, stack) == "agg.fl.yourcompany.net:9092"
        assert out.outputs(stack)["aggregator_address"]["value"] == "agg.fl.yourcompany.net:9092"


# --- network policies --------------------------------------------------------------------------


def policies(synth, stack) -> dict[str, dict]:
    return {name: config["spec"] for name, config in by_name(synth.resources(stack, POLICY)).items()}


def test_default_deny_for_every_pod(default_synth, sites):
    for stack, _, _ in sites:
        deny = policies(default_synth, stack)["default-deny"]
        assert deny["pod_selector"] == {}
        assert sorted(deny["policy_types"]) == ["Egress", "Ingress"]
        assert "ingress" not in deny
        assert "egress" not in deny


def test_dns_is_the_only_egress_every_pod_gets(default_synth, sites):
    for stack, _, _ in sites:
        specs = policies(default_synth, stack)
        everyone = {name for name, spec in specs.items() if spec.get("pod_selector") == {}}
        assert everyone == {"default-deny", "allow-dns"}
        assert "client-metadata-server" not in specs, "no metadata server (Workload Identity token) by default"
        assert "client-google-apis" not in specs
        (dns,) = specs["allow-dns"]["egress"]
        assert sorted((p["port"], p["protocol"]) for p in dns["ports"]) == [("53", "TCP"), ("53", "UDP")]
        assert {"ip_block": {"cidr": NODE_LOCAL_DNS}} in dns["to"]
        assert any(t.get("pod_selector", {}).get("match_labels") == {"k8s-app": "kube-dns"} for t in dns["to"])


def test_aggregator_ingress_is_the_fleet_port_and_operator_control(default_synth, default_spec, sites):
    agg = default_spec.workload.aggregator
    for stack, _, cluster in sites:
        specs = policies(default_synth, stack)
        if not cluster.runs_aggregator:
            assert "aggregator-ingress" not in specs
            continue
        ingress = specs["aggregator-ingress"]
        assert ingress["pod_selector"]["match_labels"] == {ROLE: "aggregator"}
        fleet, control = ingress["ingress"]
        assert fleet["ports"] == [{"port": str(agg.fleet_port), "protocol": "TCP"}]
        sources = [f["ip_block"]["cidr"] for f in fleet["from"] if "ip_block" in f]
        assert all(source.endswith("/32") for source in sources)
        member_nats = [
            (aws_region_stack_name(r), ref_)
            for r in aws_member_regions(default_spec)
            for ref_ in default_synth.outputs(aws_region_stack_name(r))["egress_ips"]["value"]
        ]
        assert sorted(remote_output(default_synth, source[: -len("/32")]) for source in sources) == sorted(
            [ref_ for c in default_spec.gcp.clusters for ref_ in nat_address_refs(default_synth, f"gke-{c.name}")]
            + member_nats
        ), "the fleet port admits exactly every site's NAT addresses, GKE and AWS (plus the health checkers)"
        assert {ROLE: "client"} in [f["pod_selector"]["match_labels"] for f in fleet["from"] if "pod_selector" in f]
        assert control["ports"] == [{"port": str(agg.control_port), "protocol": "TCP"}]
        assert control["from"] == [{"pod_selector": {"match_labels": {ROLE: "operator"}}}]
        for name, spec in specs.items():
            if name not in {"aggregator-ingress", "default-deny"} and "fleet-from-checker-" not in name:
                assert "Ingress" not in spec["policy_types"], name


def test_clients_reach_only_the_aggregators_on_the_fleet_port(default_synth, default_spec, sites):
    fleet = str(default_spec.workload.aggregator.fleet_port)
    aggregators = [f"gke-{c.name}" for c in default_spec.gcp.clusters if c.runs_aggregator]
    for stack, _, cluster in sites:
        spec = policies(default_synth, stack)["client-to-aggregator"]
        assert spec["pod_selector"]["match_labels"] == {ROLE: "client"}
        (rule,) = spec["egress"]
        assert rule["ports"] == [{"port": fleet, "protocol": "TCP"}]
        blocks = [t["ip_block"]["cidr"] for t in rule["to"] if "ip_block" in t]
        assert all(b.endswith("/32") for b in blocks)
        assert sorted(remote_output(default_synth, b[: -len("/32")]) for b in blocks) == sorted(
            (gke, aggregator_ip_ref(default_synth, gke)) for gke in aggregators
        )
        in_cluster = [t for t in rule["to"] if "pod_selector" in t]
        assert bool(in_cluster) is cluster.runs_aggregator


def test_no_policy_opens_the_internet(default_synth, sites):
    for stack, _, _ in sites:
        for name, spec in policies(default_synth, stack).items():
            for egress in spec.get("egress", []):
                assert egress.get("to"), f"{stack}/{name} allows every destination"
                for to in egress["to"]:
                    assert to.get("ip_block", {}).get("cidr") != "0.0.0.0/0", f"{stack}/{name} allows the internet"


# --- outputs -----------------------------------------------------------------------------------


def test_outputs(default_synth, default_spec, sites):
    for stack, gke, cluster in sites:
        outputs = default_synth.outputs(stack)
        expected = {"aggregator_address", "namespace", "kubernetes_service_account"}
        if cluster.runs_aggregator:
            expected |= {"served_aggregator_address", "control_address", "registration_job"}
        assert set(outputs) == expected
        for name, output in outputs.items():
            assert output["description"], name
            assert output["sensitive"] is False, name
        assert outputs["namespace"]["value"].startswith("${kubernetes_namespace_v1.")
        if cluster.runs_aggregator:
            served = outputs["served_aggregator_address"]["value"]
            assert served.endswith(f":{default_spec.workload.aggregator.fleet_port}")
            assert remote_output(default_synth, served)[0] == gke
    pki = default_synth.outputs(PKI_STACK)
    assert pki["ca_certificate_pem"]["sensitive"] is False
    assert pki["ca_certificate_pem"]["value"].startswith("${tls_self_signed_cert.")
