"""Data never leaves its silo: from the synthesized JSON alone, what every workload can reach and
act as (``tests/reachability.py`` evaluates the NetworkPolicies, service accounts, RBAC, security
groups, routes and endpoint policies). The ClientApp runs code chosen by whoever submits a run,
next to the site's data, so its reach must be exactly: the aggregators' fleet port, DNS, and what
the spec explicitly allows for its site (``workload.google_apis``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from constructs_lib.gcp.private_google_access import RESTRICTED_GOOGLE_APIS_CIDR
from tests import reachability
from tests.synth_helpers import ref, synth_yaml

ROOT = Path(__file__).resolve().parent.parent
FLEET = "9092/TCP"
DNS = {
    ("kube-dns", "53/UDP"),
    ("kube-dns", "53/TCP"),
    ("169.254.20.10/32", "53/UDP"),
    ("169.254.20.10/32", "53/TCP"),
}
GOOGLE_APIS = reachability.METADATA_SERVER | {(RESTRICTED_GOOGLE_APIS_CIDR, "443/TCP")}
OPERATORS = ["user:alice@corp.com", "group:fl-ops@corp.com"]


def _by_role(stack: dict) -> dict[str, dict]:
    return {pod["labels"]["federated-learning/role"]: pod for pod in reachability.pods(stack).values()}


def _clusters(spec_doc: dict) -> list[dict]:
    return spec_doc["gcp"]["clusters"]


def _expected_client_reach(cluster: dict, google_apis: bool) -> set[tuple[str, str]]:
    expected = DNS | {("aggregator-ip", FLEET)}
    if cluster.get("role") in ("primary", "secondary"):
        expected.add(("pod:aggregator", FLEET))  # in-cluster traffic to the load balancer IP
    return expected | GOOGLE_APIS if google_apis else expected


def _default_doc() -> dict:
    return yaml.safe_load((ROOT / "federation.yaml").read_text())


def _wide_doc() -> dict:
    """The default estate plus every GKE-side opt-in: Google APIs for one client-only site (inside
    a VPC Service Controls perimeter) and named Control API operators."""
    doc = _default_doc()
    doc["gcp"]["rbac_security_group"] = "gke-security-groups@corp.com"
    doc["gcp"]["vpc_service_controls"] = {
        "access_policy": "123456789012",
        "restricted_services": ["storage.googleapis.com", "bigquery.googleapis.com"],
    }
    doc["workload"]["google_apis"] = ["fl-asia"]
    doc["workload"]["operators"] = OPERATORS
    return doc


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    doc = _wide_doc()
    return doc, synth_yaml(yaml.safe_dump(doc), tmp_path_factory.mktemp("wide") / "cdktf.out")


def _assert_site_pods(synth, doc: dict) -> None:
    for cluster in _clusters(doc):
        stack = synth.stack(f"workload-{cluster['name']}")
        pods = _by_role(stack)
        allowed = cluster["name"] in doc["workload"].get("google_apis", [])
        client = pods["client"]
        reach = reachability.egress(stack, client["labels"])
        assert reach == _expected_client_reach(cluster, allowed), cluster["name"]
        identity = reachability.google_identity(stack, client["service_account"], reach)
        assert (identity is not None) == allowed, f"{cluster['name']}: Google identity {identity}"
        if "aggregator" in pods:
            aggregator = pods["aggregator"]
            reach = reachability.egress(stack, aggregator["labels"])
            assert reach == DNS, f"{cluster['name']}: the aggregator pod reaches {reach - DNS}"
            assert reachability.google_identity(stack, aggregator["service_account"], reach) is None
            assert aggregator["service_account"] != client["service_account"]
            operator = pods["operator"]  # the registration Job: the Control API and DNS only
            assert reachability.egress(stack, operator["labels"]) == DNS | {("pod:aggregator", "9093/TCP")}


def test_default_site_pods_reach_only_the_aggregators_and_dns(default_synth):
    """Finding 1: no Google API, no metadata server, no Google identity for any site pod."""
    _assert_site_pods(default_synth, _default_doc())


def test_default_estate_grants_no_one_the_control_api(default_synth):
    for cluster in _clusters(_default_doc()):
        assert reachability.port_forwarders(default_synth.stack(f"workload-{cluster['name']}")) == set()


def test_google_apis_open_only_the_named_site_through_restricted_vip(wide):
    doc, synth = wide
    _assert_site_pods(synth, doc)
    stack = synth.stack("workload-fl-asia")
    client = _by_role(stack)["client"]
    identity = reachability.google_identity(
        stack, client["service_account"], reachability.egress(stack, client["labels"])
    )
    assert identity.startswith("${google_service_account.")
    (binding,) = synth.resources("workload-fl-asia", "google_service_account_iam_member").values()
    name = reachability.service_account_name(stack, client["service_account"])
    assert binding["member"].endswith(f"[federated-learning/{name}]")


def test_google_apis_resolve_to_the_restricted_vip(default_synth):
    records = {
        (r["name"], r["type"]): r["rrdatas"]
        for r in default_synth.resources("gke-fl-us", "google_dns_record_set").values()
    }
    assert records[("*.googleapis.com.", "CNAME")] == ["restricted.googleapis.com."]
    assert records[("restricted.googleapis.com.", "A")] == [
        "199.36.153.4",
        "199.36.153.5",
        "199.36.153.6",
        "199.36.153.7",
    ]


def test_perimeter_encloses_the_project_when_the_spec_names_a_policy(wide, default_synth):
    _, synth = wide
    (perimeter,) = synth.resources("gke-fl-us", "google_access_context_manager_service_perimeter").values()
    assert perimeter["parent"] == "accessPolicies/123456789012"
    assert perimeter["name"].startswith("accessPolicies/123456789012/servicePerimeters/")
    (project_id,) = synth.data("gke-fl-us", "google_project")
    assert perimeter["status"]["resources"] == [f"projects/${{data.google_project.{project_id}.number}}"]
    assert perimeter["status"]["restricted_services"] == ["bigquery.googleapis.com", "storage.googleapis.com"]
    for name in ("gke-fl-eu", "gke-fl-asia"):
        assert not synth.resources(name, "google_access_context_manager_service_perimeter")
    assert not default_synth.resources("gke-fl-us", "google_access_context_manager_service_perimeter")


def test_only_named_operators_may_port_forward_to_the_control_api(wide):
    """Finding 2: who can push code to every site is a list in the spec, bound by RBAC on the
    aggregator clusters only; in-cluster, only operator-labelled pods reach the control port."""
    doc, synth = wide
    expected = {"User:alice@corp.com", "Group:fl-ops@corp.com"}
    for cluster in _clusters(doc):
        stack = synth.stack(f"workload-{cluster['name']}")
        forwarders = reachability.port_forwarders(stack)
        runs_aggregator = cluster.get("role") in ("primary", "secondary")
        assert forwarders == (expected if runs_aggregator else set()), cluster["name"]
        for role, pod in _by_role(stack).items():
            reaches_control = any(port == "9093/TCP" for _, port in reachability.egress(stack, pod["labels"]))
            assert reaches_control == (role == "operator"), role
    (role,) = synth.resources("workload-fl-us", "kubernetes_role_v1").values()
    rules = {tuple(rule["resources"]): rule for rule in role["rule"]}
    (control,) = [
        logical_id
        for logical_id, service in synth.resources("workload-fl-us", "kubernetes_service_v1").items()
        if service["metadata"]["name"] == "superlink-control"
    ]
    assert rules[("services",)]["resource_names"] == [ref("kubernetes_service_v1", control, "metadata[0].name")]
    assert rules[("pods/portforward",)]["verbs"] == ["create"]
    assert set(rules) == {("services",), ("pods",), ("pods/portforward",)}


# --- AWS member sites (ECS Fargate: the SuperNode and ClientApp share one task) -------------------

AWS_MEMBER = "aws-us-west-2"


def _supernode_sg(synth) -> str:
    (service,) = synth.resources(AWS_MEMBER, "aws_ecs_service").values()
    (group,) = service["network_configuration"]["security_groups"]
    return reachability.ref_id(group)


def _sg_id(synth, description_start: str) -> str:
    found = [
        logical_id
        for logical_id, group in synth.resources(AWS_MEMBER, "aws_security_group").items()
        if group["description"].startswith(description_start)
    ]
    assert len(found) == 1, found
    return found[0]


def test_ecs_clientapp_reaches_only_the_aggregators_and_its_site(default_synth):
    """The task's security group admits the aggregators' fleet port, the site's own interface
    endpoints, S3 through the gateway endpoint and the site's EFS, nothing else; the private
    route tables send only the aggregators' /32s to the internet (NAT)."""
    group = _supernode_sg(default_synth)
    endpoints = _sg_id(default_synth, "HTTPS to the")
    nfs = _sg_id(default_synth, "NFS to")
    assert reachability.ecs_egress(default_synth.stack(AWS_MEMBER), group) == {
        ("aggregator-ip", "9092-9092/tcp"),
        (f"sg:{endpoints}", "443-443/tcp"),
        ("prefix-list", "443-443/tcp"),
        (f"sg:{nfs}", "2049-2049/tcp"),
    }
    internet = [
        route
        for route in default_synth.resources(AWS_MEMBER, "aws_route").values()
        if "nat_gateway_id" in route or "gateway_id" in route
    ]
    for route in internet:
        if "nat_gateway_id" in route:
            assert route["destination_cidr_block"].endswith("/32")
            assert "aggregator_address" in route["destination_cidr_block"]
        else:  # the internet gateway serves only the NAT gateway's public subnet
            assert "egress_public" in route["route_table_id"]


def test_ecs_endpoint_policies_keep_calls_in_the_site(default_synth):
    """S3 only to the site's buckets (and ECR's layer bucket, read-only); interface endpoints
    only for this account's principals."""
    (policy,) = default_synth.resources(AWS_MEMBER, "aws_vpc_endpoint_policy").values()
    statements = {s["Sid"]: s for s in json.loads(policy["policy"])["Statement"]}
    assert all("${aws_s3_bucket." in resource for resource in statements["SiteBuckets"]["Resource"])
    assert statements["EcrImageLayers"]["Action"] == "s3:GetObject"
    for endpoint in default_synth.resources(AWS_MEMBER, "aws_vpc_endpoint").values():
        if endpoint["vpc_endpoint_type"] == "Interface":
            (statement,) = json.loads(endpoint["policy"])["Statement"]
            assert statement["Condition"] == {
                "StringEquals": {"aws:PrincipalAccount": "${data.aws_caller_identity.caller_identity.account_id}"}
            }


def test_efs_write_only_for_named_writer_roles(default_synth):
    """EFS ClientWrite is granted to named writer roles only, never to ``*``."""
    (policy,) = default_synth.resources(AWS_MEMBER, "aws_efs_file_system_policy").values()
    for statement in json.loads(policy["policy"])["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if statement["Effect"] == "Allow" and "elasticfilesystem:ClientWrite" in actions:
            assert statement["Principal"] != {"AWS": "*"}, statement["Sid"]


def test_efs_nfs_only_from_the_supernode_task_and_named_writers(default_synth):
    """The NFS security group admits the SuperNode task's security group (and named writers),
    never the whole VPC CIDR."""
    nfs = _sg_id(default_synth, "NFS to")
    for rule in default_synth.resources(AWS_MEMBER, "aws_vpc_security_group_ingress_rule").values():
        if reachability.ref_id(rule["security_group_id"]) == nfs:
            assert "cidr_ipv4" not in rule, f"NFS open to {rule['cidr_ipv4']}"
