"""GKE federation clusters: what the synthesized JSON of each ``gke-<cluster>`` stack promises."""

from __future__ import annotations

import ipaddress
import json
import re

import pytest
import yaml
from cdktf import TerraformOutput, TerraformStack

from constructs_lib.gcp.kubeconfig import AUTH_PLUGIN, kubeconfig_document
from constructs_lib.gcp.naming import bounded_name
from constructs_lib.gcp.nat import PORTS_PER_NAT_IP
from constructs_lib.gcp.private_google_access import RESTRICTED_GOOGLE_APIS_CIDR
from constructs_lib.gcp.service_account import IMAGE_PULL_ROLE, NODE_ROLE
from federation_spec import parse_spec
from policy.gke_access import cluster_access_problem
from stacks.naming import mandatory_tags, resource_prefix
from tests.synth_helpers import REMOTE_STATE, Synthesized, ref, refers_to

CLUSTER = "google_container_cluster"
POOL = "google_container_node_pool"
ADDRESS = "google_compute_address"
DNS_ENDPOINT = "control_plane_endpoints_config[0].dns_endpoint_config[0].endpoint"
SENSITIVE_OUTPUTS = {"endpoint", "ca_certificate", "kubeconfig"}


@pytest.fixture(scope="module")
def clusters(default_spec):
    """(stack name, cluster spec) for every GKE cluster of the default federation."""
    assert default_spec.gcp is not None, "the default federation.yaml must have a gcp section"
    return [(f"gke-{c.name}", c) for c in default_spec.gcp.clusters]


def only(resources: dict) -> tuple[str, dict]:
    assert len(resources) == 1, f"expected one, got {sorted(resources)}"
    return next(iter(resources.items()))


def physical_name(spec, cluster) -> str:
    return f"{resource_prefix(spec.federation)}-{cluster.name}"


# --- stacks and provider ---------------------------------------------------------------------


def test_one_stack_per_cluster(default_synth, clusters):
    gke_stacks = [name for name in default_synth.stack_names() if name.startswith("gke-")]
    assert gke_stacks == sorted(name for name, _ in clusters)
    assert len(clusters) >= 3, "the default federation should show primary, secondary and client clusters"
    assert {c.role for _, c in clusters} == {"primary", "secondary", "client"}


def test_default_gke_ranges_do_not_overlap_aws(default_spec):
    aws = [ipaddress.IPv4Network(r.cidr) for r in default_spec.aws.regions]
    for path, network in default_spec.network_claims():
        if path.startswith("gcp."):
            assert not any(network.overlaps(other) for other in aws), path


def test_provider_per_stack_with_project_region_and_default_labels(default_synth, default_spec, clusters):
    for stack, cluster in clusters:
        providers = default_synth.stack(stack)["provider"]["google"]
        assert len(providers) == 1
        provider = providers[0]
        assert provider["project"] == default_spec.gcp.project
        assert provider["region"] == cluster.region
        assert provider["default_labels"] == mandatory_tags(default_spec.federation)


def test_labels_come_from_the_provider_not_by_hand(default_synth, default_spec, clusters):
    mandatory = set(mandatory_tags(default_spec.federation))
    for stack, _ in clusters:
        for rtype, logical_id, config in default_synth.all_resources(stack):
            for key in ("labels", "resource_labels"):
                assert not mandatory & set(config.get(key, {})), f"{rtype}.{logical_id} sets mandatory tags by hand"


# --- network ---------------------------------------------------------------------------------


def test_custom_mode_network(default_synth, clusters, default_spec):
    for stack, cluster in clusters:
        network = default_synth.resource(stack, "google_compute_network")
        assert network["auto_create_subnetworks"] is False
        assert network["name"] == physical_name(default_spec, cluster)


def test_subnet_with_secondary_ranges_private_google_access_and_flow_logs(default_synth, clusters):
    for stack, cluster in clusters:
        (network_id, _) = only(default_synth.resources(stack, "google_compute_network"))
        subnet = default_synth.resource(stack, "google_compute_subnetwork")
        assert subnet["network"] == ref("google_compute_network", network_id)
        assert subnet["region"] == cluster.region
        assert subnet["ip_cidr_range"] == cluster.cidr
        ranges = {r["range_name"]: r["ip_cidr_range"] for r in subnet["secondary_ip_range"]}
        assert ranges == {"pods": cluster.pod_range(), "services": cluster.service_range()}
        assert subnet["private_ip_google_access"] is True
        assert subnet["log_config"]["metadata"] == "INCLUDE_ALL_METADATA"
        assert 0 < subnet["log_config"]["flow_sampling"] <= 1


def test_derived_ranges_reach_the_subnet(default_synth, default_spec):
    derived = [c for c in default_spec.gcp.clusters if c.pods_cidr is None and c.services_cidr is None]
    assert derived, "the default federation should exercise derived pod and service ranges"
    for cluster in derived:
        subnet = default_synth.resource(f"gke-{cluster.name}", "google_compute_subnetwork")
        ranges = {r["range_name"]: r["ip_cidr_range"] for r in subnet["secondary_ip_range"]}
        assert ranges["pods"] == cluster.pod_range() is not None
        assert ranges["services"] == cluster.service_range() is not None


def test_cloud_router_and_nat_for_the_subnet_only(default_synth, clusters):
    for stack, cluster in clusters:
        router_id, router = only(default_synth.resources(stack, "google_compute_router"))
        network_id, _ = only(default_synth.resources(stack, "google_compute_network"))
        subnet_id, _ = only(default_synth.resources(stack, "google_compute_subnetwork"))
        assert router["network"] == ref("google_compute_network", network_id)
        assert router["region"] == cluster.region
        nat = default_synth.resource(stack, "google_compute_router_nat")
        assert nat["router"] == ref("google_compute_router", router_id, "name")
        assert nat["region"] == cluster.region
        assert nat["source_subnetwork_ip_ranges_to_nat"] == "LIST_OF_SUBNETWORKS"
        assert [s["name"] for s in nat["subnetwork"]] == [ref("google_compute_subnetwork", subnet_id)]
        assert nat["log_config"]["enable"] is True


def nat_addresses(synth, stack) -> dict[str, dict]:
    """The reserved addresses the stack's Cloud NAT uses, by logical ID, in the NAT's order."""
    nat = synth.resource(stack, "google_compute_router_nat")
    addresses = synth.resources(stack, ADDRESS)
    ids = [next(i for i in addresses if ref(ADDRESS, i, "self_link") == link) for link in nat["nat_ips"]]
    return {i: addresses[i] for i in ids}


def test_nat_egress_leaves_only_from_reserved_addresses(default_synth, clusters):
    """MANUAL_ONLY: every translated flow uses one of the listed, reserved addresses (the ones
    partners and aggregators allow-list), never an ephemeral one Google picks."""
    for stack, cluster in clusters:
        nat = default_synth.resource(stack, "google_compute_router_nat")
        assert nat["nat_ip_allocate_option"] == "MANUAL_ONLY"
        addresses = nat_addresses(default_synth, stack)
        assert len(addresses) == len(nat["nat_ips"]) >= 2
        for address in addresses.values():
            assert address["address_type"] == "EXTERNAL"
            assert address["region"] == cluster.region
            assert not {"purpose", "subnetwork"} & set(address)
        assert len({a["name"] for a in addresses.values()}) == len(addresses)
        # The pool covers the most nodes the autoscaler can run, at the NAT's ports per node.
        most_nodes = cluster.node_pool.max_nodes * 3
        assert len(addresses) * PORTS_PER_NAT_IP >= most_nodes * nat["min_ports_per_vm"]
        outputs = default_synth.outputs(stack)
        assert outputs["nat_ips"]["value"] == [ref(ADDRESS, i, "address") for i in addresses]
        assert outputs["nat_ips"]["sensitive"] is False


def test_nat_address_pool_grows_with_the_largest_pool(synth):
    """3,000 nodes x 64 ports exceed two addresses (129,024 ports): the pool reserves three."""
    out = synth(
        """
federation: {name: fl, environment: dev}
gcp:
  project: fl-dev-4711
  clusters:
    - {name: big, region: us-east4, role: primary, cidr: 10.0.0.0/16, pods_cidr: 10.64.0.0/10, services_cidr: 10.1.0.0/20,
       master_cidr: 172.18.0.0/28, node_pool: {max_nodes: 1000}}
"""
    )
    nat = out.resource("gke-big", "google_compute_router_nat")
    assert len(nat["nat_ips"]) == 3
    assert len(nat_addresses(out, "gke-big")) == 3


# --- Private Google Access through private.googleapis.com ------------------------------------


def test_googleapis_resolve_to_the_private_range_inside_the_vpc(default_synth, clusters):
    for stack, _ in clusters:
        network_id, _ = only(default_synth.resources(stack, "google_compute_network"))
        zone_id, zone = only(default_synth.resources(stack, "google_dns_managed_zone"))
        assert zone["dns_name"] == "googleapis.com."
        assert zone["visibility"] == "private"
        assert zone["private_visibility_config"]["networks"] == [
            {"network_url": ref("google_compute_network", network_id)}
        ]
        records = {(r["name"], r["type"]): r for r in default_synth.resources(stack, "google_dns_record_set").values()}
        assert set(records) == {("*.googleapis.com.", "CNAME"), ("restricted.googleapis.com.", "A")}
        for record in records.values():
            assert record["managed_zone"] == ref("google_dns_managed_zone", zone_id, "name")
        assert records[("*.googleapis.com.", "CNAME")]["rrdatas"] == ["restricted.googleapis.com."]
        a_records = records[("restricted.googleapis.com.", "A")]["rrdatas"]
        assert a_records == ["199.36.153.4", "199.36.153.5", "199.36.153.6", "199.36.153.7"]
        assert {ipaddress.ip_address(a) for a in a_records} == set(ipaddress.ip_network(RESTRICTED_GOOGLE_APIS_CIDR))


def test_restricted_google_apis_range_is_routed_and_the_subnet_uses_private_access(default_synth, clusters):
    for stack, _ in clusters:
        network_id, _ = only(default_synth.resources(stack, "google_compute_network"))
        route = default_synth.resource(stack, "google_compute_route")
        assert route["dest_range"] == RESTRICTED_GOOGLE_APIS_CIDR
        assert route["next_hop_gateway"] == "default-internet-gateway"
        assert route["network"] == ref("google_compute_network", network_id)
        assert default_synth.resource(stack, "google_compute_subnetwork")["private_ip_google_access"] is True


def test_firewall_does_not_open_the_world(default_synth, clusters):
    for stack, cluster in clusters:
        network_id, _ = only(default_synth.resources(stack, "google_compute_network"))
        rules = default_synth.resources(stack, "google_compute_firewall")
        assert rules, f"{stack} has no firewall of its own"
        allows = [r for r in rules.values() if r.get("allow")]
        denies = [r for r in rules.values() if r.get("deny")]
        assert allows
        assert denies
        for rule in rules.values():
            assert rule["network"] == ref("google_compute_network", network_id)
        for rule in allows:
            assert rule["direction"] == "INGRESS"
            # Only the cluster's own node and pod ranges: nothing public, nothing from another site.
            assert set(rule["source_ranges"]) <= {cluster.cidr, cluster.pod_range()}
            assert rule["target_tags"], "allow rules must target the cluster's nodes, not the whole network"
        (deny,) = denies
        assert deny["deny"] == [{"protocol": "all"}]
        assert deny["priority"] > max(r["priority"] for r in allows)
        assert "log_config" in deny


def test_allow_rule_targets_the_node_tag(default_synth, clusters):
    for stack, _ in clusters:
        cluster = default_synth.resource(stack, CLUSTER)
        pool = default_synth.resource(stack, POOL)
        targets = {
            tag
            for r in default_synth.resources(stack, "google_compute_firewall").values()
            for tag in r.get("target_tags", [])
        }
        assert targets == set(pool["node_config"]["tags"]) == set(cluster["node_config"]["tags"])


# --- cluster ---------------------------------------------------------------------------------


def test_regional_private_cluster_in_its_own_network(default_synth, default_spec, clusters):
    for stack, spec_cluster in clusters:
        cluster = default_synth.resource(stack, CLUSTER)
        network_id, _ = only(default_synth.resources(stack, "google_compute_network"))
        subnet_id, subnet = only(default_synth.resources(stack, "google_compute_subnetwork"))
        assert cluster["name"] == physical_name(default_spec, spec_cluster)
        assert cluster["location"] == spec_cluster.region  # a region: regional control plane and nodes
        assert cluster["network"] == ref("google_compute_network", network_id)
        assert cluster["subnetwork"] == ref("google_compute_subnetwork", subnet_id)
        assert cluster["networking_mode"] == "VPC_NATIVE"
        range_names = {r["range_name"] for r in subnet["secondary_ip_range"]}
        policy = cluster["ip_allocation_policy"]
        assert {policy["cluster_secondary_range_name"], policy["services_secondary_range_name"]} == range_names
        private = cluster["private_cluster_config"]
        assert private["enable_private_nodes"] is True
        assert private["enable_private_endpoint"] is spec_cluster.private_endpoint is False
        assert private["master_ipv4_cidr_block"] == spec_cluster.master_cidr
        assert "master_global_access_config" not in private  # deprecated by the GKE API
        assert default_synth.resource(stack, POOL)["network_config"] == {"enable_private_nodes": True}


def test_control_plane_has_an_iam_authorized_dns_endpoint(default_synth, clusters):
    """Deployers reach the API through the DNS endpoint (IAM decides, from any network); the IP
    endpoints stay on for the nodes and admit only the authorized networks."""
    for stack, _ in clusters:
        cluster = default_synth.resource(stack, CLUSTER)
        assert cluster["control_plane_endpoints_config"] == {
            "dns_endpoint_config": {"allow_external_traffic": True},
            "ip_endpoints_config": {"enabled": True},
        }
        assert cluster_access_problem(cluster) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.pop("control_plane_endpoints_config"), "no external DNS endpoint"),
        (lambda c: c.pop("master_authorized_networks_config"), "open to every network"),
        (
            lambda c: c["master_authorized_networks_config"]["cidr_blocks"].append({"cidr_block": "0.0.0.0/0"}),
            "admits 0.0.0.0/0",
        ),
        (
            lambda c: c["master_authorized_networks_config"].update(gcp_public_cidrs_access_enabled=True),
            "all Google Cloud public IPs",
        ),
    ],
)
def test_control_plane_access_rule_fires_on_the_default_cluster_opened_up(default_synth, change, message):
    cluster = json.loads(json.dumps(default_synth.resource("gke-fl-us", CLUSTER)))
    change(cluster)
    assert message in cluster_access_problem(cluster)


def test_master_authorized_networks_default_to_the_subnet(default_synth, clusters):
    for stack, spec_cluster in clusters:
        config = default_synth.resource(stack, CLUSTER)["master_authorized_networks_config"]
        assert [b["cidr_block"] for b in config["cidr_blocks"]] == [spec_cluster.cidr]
        assert config["gcp_public_cidrs_access_enabled"] is False


def test_cluster_hardening(default_synth, default_spec, clusters):
    for stack, spec_cluster in clusters:
        cluster = default_synth.resource(stack, CLUSTER)
        assert cluster["workload_identity_config"]["workload_pool"] == f"{default_spec.gcp.project}.svc.id.goog"
        assert cluster["enable_shielded_nodes"] is True
        assert cluster["datapath_provider"] == "ADVANCED_DATAPATH"
        assert cluster["addons_config"]["network_policy_config"]["disabled"] is True  # Calico off under Dataplane V2
        assert cluster["release_channel"]["channel"] == spec_cluster.release_channel == "REGULAR"
        assert cluster["master_auth"]["client_certificate_config"]["issue_client_certificate"] is False
        assert cluster["enable_legacy_abac"] is False
        assert cluster["enable_intranode_visibility"] is True
        assert cluster["binary_authorization"]["evaluation_mode"] == "PROJECT_SINGLETON_POLICY_ENFORCE"
        assert cluster["deletion_protection"] is spec_cluster.deletion_protection is True
        assert cluster["resource_labels"] == {"fl-cluster": spec_cluster.name, "fl-role": spec_cluster.role}
        assert set(cluster["logging_config"]["enable_components"]) >= {"SYSTEM_COMPONENTS", "WORKLOADS"}
        assert cluster["monitoring_config"]["managed_prometheus"]["enabled"] is True
        assert "authenticator_groups_config" not in cluster  # opt-in: gcp.rbac_security_group


def test_no_latest_and_no_pinned_versions(default_synth, clusters):
    """Versions come from the release channel: nothing says ``latest``, nothing pins a version."""
    for stack, _ in clusters:
        text = json.dumps(default_synth.stack(stack)).lower()
        assert "latest" not in text
        cluster = default_synth.resource(stack, CLUSTER)
        pool = default_synth.resource(stack, POOL)
        assert not {"min_master_version", "node_version"} & set(cluster)
        assert "version" not in pool
        assert pool["management"] == {"auto_repair": True, "auto_upgrade": True}


def test_default_node_pool_removed_and_hardened_while_it_exists(default_synth, clusters):
    for stack, _ in clusters:
        cluster = default_synth.resource(stack, CLUSTER)
        account_id, _ = only(default_synth.resources(stack, "google_service_account"))
        assert cluster["remove_default_node_pool"] is True
        assert "node_pool" not in cluster
        node = cluster["node_config"]
        assert node["service_account"] == ref("google_service_account", account_id, "email")
        assert node["shielded_instance_config"] == {"enable_secure_boot": True, "enable_integrity_monitoring": True}
        assert node["workload_metadata_config"] == {"mode": "GKE_METADATA"}
        assert set(cluster["lifecycle"]["ignore_changes"]) >= {"node_config", "initial_node_count"}


def test_separate_autoscaling_node_pool(default_synth, clusters):
    for stack, spec_cluster in clusters:
        cluster_id, _ = only(default_synth.resources(stack, CLUSTER))
        account_id, _ = only(default_synth.resources(stack, "google_service_account"))
        pool = default_synth.resource(stack, POOL)
        assert pool["cluster"] == ref(CLUSTER, cluster_id)
        assert pool["location"] == spec_cluster.region
        assert pool["autoscaling"]["min_node_count"] == spec_cluster.node_pool.min_nodes
        assert pool["autoscaling"]["max_node_count"] == spec_cluster.node_pool.max_nodes
        # The pool starts at its minimum (fl-asia: 0, so no idle nodes holding CPU quota).
        assert pool["initial_node_count"] == spec_cluster.node_pool.min_nodes
        node = pool["node_config"]
        assert node["machine_type"] == spec_cluster.node_pool.machine_type
        assert node["image_type"] == "COS_CONTAINERD"
        assert node["service_account"] == ref("google_service_account", account_id, "email")
        assert node["shielded_instance_config"] == {"enable_secure_boot": True, "enable_integrity_monitoring": True}
        assert node["workload_metadata_config"] == {"mode": "GKE_METADATA"}
        assert node["metadata"]["disable-legacy-endpoints"] == "true"
        assert node["kubelet_config"]["insecure_kubelet_readonly_port_enabled"] == "FALSE"
        # Unset, google 6.50 would send cpuCfsQuota=false and turn CPU limits off on every node.
        assert node["kubelet_config"]["cpu_cfs_quota"] is True
        # Replacing the pool (e.g. a new machine type) creates the new one first.
        assert pool["lifecycle"]["create_before_destroy"] is True
        assert "name" not in pool
        assert pool["name_prefix"]


def test_dedicated_least_privilege_node_service_account(default_synth, default_spec, clusters):
    for stack, spec_cluster in clusters:
        account_id, account = only(default_synth.resources(stack, "google_service_account"))
        assert account["account_id"] == bounded_name(f"{physical_name(default_spec, spec_cluster)}-nodes", 30)
        members = default_synth.resources(stack, "google_project_iam_member")
        assert {m["role"] for m in members.values()} == {NODE_ROLE, IMAGE_PULL_ROLE}
        for member in members.values():
            assert member["member"] == ref("google_service_account", account_id, "member")
            assert member["project"] == default_spec.gcp.project
        # Nodes boot only after their roles exist (logs and image pulls work from the start).
        expected = sorted(f"google_project_iam_member.{logical_id}" for logical_id in members)
        assert sorted(default_synth.resource(stack, CLUSTER)["depends_on"]) == expected
        assert sorted(default_synth.resource(stack, POOL)["depends_on"]) == expected


def test_no_basic_or_impersonation_roles(default_synth, clusters):
    for stack, _ in clusters:
        for member in default_synth.resources(stack, "google_project_iam_member").values():
            assert member["role"] not in {"roles/owner", "roles/editor", "roles/viewer"}
            assert not re.match(r"roles/iam\.serviceAccount(User|TokenCreator)", member["role"])


# --- aggregator IP and outputs ---------------------------------------------------------------


def test_static_ip_only_where_the_aggregator_runs(default_synth, clusters):
    for stack, spec_cluster in clusters:
        nat = set(nat_addresses(default_synth, stack))
        addresses = {i: a for i, a in default_synth.resources(stack, ADDRESS).items() if i not in nat}
        outputs = default_synth.outputs(stack)
        if spec_cluster.role in {"primary", "secondary"}:
            address_id, address = only(addresses)
            assert address["address_type"] == "EXTERNAL"
            assert address["region"] == spec_cluster.region
            assert outputs["aggregator_ip"]["value"] == ref("google_compute_address", address_id, "address")
        else:
            assert addresses == {}
            assert "aggregator_ip" not in outputs


def test_outputs_and_their_sensitivity(default_synth, default_spec, clusters):
    for stack, spec_cluster in clusters:
        outputs = default_synth.outputs(stack)
        cluster_id, _ = only(default_synth.resources(stack, CLUSTER))
        assert {
            "cluster_name",
            "location",
            "dns_endpoint",
            "endpoint",
            "ca_certificate",
            "kubeconfig",
            "workload_identity_pool",
            "nat_ips",
        } <= set(outputs)
        assert outputs["cluster_name"]["value"] == physical_name(default_spec, spec_cluster)
        assert outputs["location"]["value"] == spec_cluster.region
        assert outputs["endpoint"]["value"] == ref(CLUSTER, cluster_id, "endpoint")
        assert outputs["dns_endpoint"]["value"] == ref(CLUSTER, cluster_id, DNS_ENDPOINT)
        assert outputs["ca_certificate"]["value"] == ref(CLUSTER, cluster_id, "master_auth[0].cluster_ca_certificate")
        assert outputs["workload_identity_pool"]["value"] == f"{default_spec.gcp.project}.svc.id.goog"
        for name, output in outputs.items():
            if name.startswith("cross-stack-output-"):
                continue  # written by cdktf for a consuming stack (e.g. dns reads aggregator IPs)
            assert output["description"], f"{stack} output {name} is undocumented"
            assert output["sensitive"] is (name in SENSITIVE_OUTPUTS), f"{stack} output {name} sensitivity"


def test_kubeconfig_output_is_rendered_by_terraform_from_structured_data(default_synth, clusters):
    for stack, _ in clusters:
        cluster_id, _ = only(default_synth.resources(stack, CLUSTER))
        value = default_synth.outputs(stack)["kubeconfig"]["value"]
        assert value.startswith("${yamlencode({")
        assert value.endswith("})}")
        assert f'"command" = "{AUTH_PLUGIN}"' in value
        assert refers_to(value, CLUSTER, cluster_id)
        # The server is the DNS endpoint, whose certificate is publicly issued: no cluster CA.
        assert f'"server" = "https://${{{CLUSTER}.{cluster_id}.{DNS_ENDPOINT}}}"' in value
        assert f"{CLUSTER}.{cluster_id}.endpoint" not in value
        assert "certificate-authority-data" not in value
        assert "master_auth" not in value
        assert "token" not in value.lower()
        assert "client-key" not in value


def test_kubeconfig_document_is_a_valid_exec_plugin_kubeconfig():
    doc = kubeconfig_document(context="gke_p_r_c", endpoint="gke-1.us-east4.gke.goog")
    parsed = yaml.safe_load(yaml.safe_dump(doc))
    assert parsed["current-context"] == "gke_p_r_c"
    (cluster,) = parsed["clusters"]
    assert cluster["cluster"] == {"server": "https://gke-1.us-east4.gke.goog"}
    with_ca = kubeconfig_document(context="gke_p_r_c", endpoint="10.0.0.2", ca_certificate="Q0E=")
    assert with_ca["clusters"][0]["cluster"] == {"server": "https://10.0.0.2", "certificate-authority-data": "Q0E="}
    (user,) = parsed["users"]
    assert user["user"]["exec"]["command"] == AUTH_PLUGIN
    assert user["user"]["exec"]["apiVersion"] == "client.authentication.k8s.io/v1beta1"
    (context,) = parsed["contexts"]
    assert context["context"] == {"cluster": cluster["name"], "user": user["name"]}


# --- cross-stack attributes --------------------------------------------------------------------


def test_stack_attributes_become_cross_stack_references(default_spec, tmp_path):
    """A consumer stack (like the workload and DNS stacks to come) receives the typed attributes;
    tokens must turn into outputs of the GKE stack and terraform_remote_state in the consumer."""
    from stacks import build_app
    from stacks.gke_cluster import GkeClusterStack

    app = build_app(default_spec, outdir=str(tmp_path))
    gke = {s.node.id: s for s in app.node.children if isinstance(s, GkeClusterStack)}
    assert sorted(gke) == sorted(f"gke-{c.name}" for c in default_spec.gcp.clusters)
    for spec_cluster in default_spec.gcp.clusters:
        stack = gke[f"gke-{spec_cluster.name}"]
        assert stack.cluster_name == physical_name(default_spec, spec_cluster)
        assert stack.location == spec_cluster.region
        assert stack.project == default_spec.gcp.project
        assert stack.role == spec_cluster.role
        assert stack.workload_identity_pool == f"{default_spec.gcp.project}.svc.id.goog"
        assert (stack.aggregator_ip is None) is (spec_cluster.role == "client")

    primary = next(s for s in gke.values() if s.role == "primary")
    consumer = TerraformStack(app, "consumer")
    TerraformOutput(consumer, "endpoint", value=primary.endpoint, sensitive=True)
    TerraformOutput(consumer, "ca", value=primary.ca_certificate, sensitive=True)
    TerraformOutput(consumer, "ip", value=primary.aggregator_ip)
    TerraformOutput(consumer, "dns", value=primary.dns_endpoint)
    TerraformOutput(consumer, "nat", value=primary.nat_ips)
    app.synth()
    out = Synthesized(tmp_path)

    assert out.dependencies("consumer") == [primary.node.id]
    remote = out.data("consumer", REMOTE_STATE)
    assert len(remote) == 1
    cross_outputs = {
        name for name, output in out.outputs(primary.node.id).items() if name.startswith("cross-stack-output-")
    }
    # endpoint, ca, ip, dns endpoint, and one per NAT address
    assert len(cross_outputs) == 4 + len(primary.nat_ips) >= 6
    assert all(out.outputs(primary.node.id)[name]["sensitive"] is True for name in cross_outputs)
    consumer_values = json.dumps(out.outputs("consumer"))
    assert consumer_values.count(f"data.{REMOTE_STATE}.") == 4 + len(primary.nat_ips)
    assert any(name.endswith("dns_endpoint_config0endpoint") for name in cross_outputs)


# --- a three-cluster spec with every switch --------------------------------------------------

THREE_CLUSTERS = """
federation: {name: fl, environment: prod, tags: {team: ml}}
gcp:
  project: fl-prod-4711
  rbac_security_group: gke-security-groups@example.org
  clusters:
    - name: us
      region: us-east4
      role: primary
      cidr: 10.100.0.0/20
      master_cidr: 172.18.0.0/28
      release_channel: STABLE
      master_authorized_networks: [198.51.100.0/24, 10.100.0.0/20]
      node_pool: {machine_type: n2-standard-8, min_nodes: 2, max_nodes: 5, disk_size_gb: 200, disk_type: pd-ssd}
    - name: eu
      region: europe-west4
      role: secondary
      cidr: 10.110.0.0/20
      master_cidr: 172.18.0.16/28
      private_endpoint: true
      master_authorized_networks: [10.110.0.0/20, 192.168.10.0/24]
    - name: ap
      region: asia-northeast1
      cidr: 10.120.0.0/20
      master_cidr: 172.18.0.32/28
      deletion_protection: false
      node_pool: {spot: true, min_nodes: 0, max_nodes: 1}
"""


@pytest.fixture(scope="module")
def three(tmp_path_factory) -> tuple[object, Synthesized]:
    from tests.synth_helpers import synth_yaml

    spec = parse_spec(THREE_CLUSTERS, "test.yaml")
    return spec, synth_yaml(THREE_CLUSTERS, tmp_path_factory.mktemp("three") / "out")


def test_three_cluster_spec_synthesizes(three):
    spec, out = three
    assert out.stack_names() == ["gke-ap", "gke-eu", "gke-us"]
    for cluster in spec.gcp.clusters:
        stack = f"gke-{cluster.name}"
        assert out.resource(stack, CLUSTER)["location"] == cluster.region
        assert out.stack(stack)["provider"]["google"][0]["default_labels"] == {
            "environment": "prod",
            "federation": "fl",
            "team": "ml",
        }
        assert out.dependencies(stack) == []


def test_three_cluster_switches_reach_the_json(three):
    _spec, out = three
    us, eu, ap = (out.resource(f"gke-{name}", CLUSTER) for name in ("us", "eu", "ap"))
    assert us["release_channel"]["channel"] == "STABLE"
    assert [b["cidr_block"] for b in us["master_authorized_networks_config"]["cidr_blocks"]] == [
        "198.51.100.0/24",
        "10.100.0.0/20",
    ]
    assert eu["private_cluster_config"]["enable_private_endpoint"] is True
    # With the public IP endpoint off, the DNS endpoint is still the deployer's way in.
    assert eu["control_plane_endpoints_config"]["dns_endpoint_config"]["allow_external_traffic"] is True
    assert cluster_access_problem(eu) is None
    assert ap["deletion_protection"] is False
    assert us["deletion_protection"] is True
    us_pool = out.resource("gke-us", POOL)
    assert us_pool["node_config"]["machine_type"] == "n2-standard-8"
    assert us_pool["node_config"]["disk_size_gb"] == 200
    assert us_pool["node_config"]["disk_type"] == "pd-ssd"
    assert (us_pool["autoscaling"]["min_node_count"], us_pool["autoscaling"]["max_node_count"]) == (2, 5)
    assert us_pool["initial_node_count"] == 2
    ap_pool = out.resource("gke-ap", POOL)
    assert ap_pool["node_config"]["spot"] is True
    # A pool that may scale to zero starts empty: no three idle nodes eating CPU quota.
    assert ap_pool["initial_node_count"] == 0
    assert ap_pool["autoscaling"]["min_node_count"] == 0
    assert "initial_node_count" in ap_pool["lifecycle"]["ignore_changes"]
    subnet = out.resource("gke-us", "google_compute_subnetwork")
    assert {r["ip_cidr_range"] for r in subnet["secondary_ip_range"]} == {"10.101.0.0/16", "10.102.0.0/20"}
    assert len(out.resources("gke-eu", ADDRESS)) == len(nat_addresses(out, "gke-eu")) + 1  # + aggregator
    assert len(out.resources("gke-ap", ADDRESS)) == len(nat_addresses(out, "gke-ap"))  # NAT only


def test_rbac_security_group_enables_google_groups(three):
    spec, out = three
    for cluster in spec.gcp.clusters:
        config = out.resource(f"gke-{cluster.name}", CLUSTER)["authenticator_groups_config"]
        assert config == {"security_group": spec.gcp.rbac_security_group}


def test_gcp_only_spec_has_no_aws_stacks(three):
    _, out = three
    assert not [name for name in out.stack_names() if name.startswith("aws-")]


def test_private_endpoint_clusters_still_take_workloads_through_the_dns_endpoint(synth):
    """``private_endpoint: true`` closes the public IP endpoint; the workload stacks still deploy,
    because their kubernetes providers use each cluster's DNS endpoint (synth also runs the
    ``kubernetes-via-iam-endpoint`` and ``gke-control-plane-access`` policies, which would fail it)."""
    from tests.conftest import DEFAULT_SPEC

    doc = yaml.safe_load(DEFAULT_SPEC.read_text())
    for cluster in doc["gcp"]["clusters"]:
        cluster["private_endpoint"] = True
    out = synth(yaml.safe_dump({key: doc[key] for key in ("federation", "gcp", "workload")}))
    for cluster in doc["gcp"]["clusters"]:
        gke, workload = f"gke-{cluster['name']}", f"workload-{cluster['name']}"
        cluster_id, config = only(out.resources(gke, CLUSTER))
        assert config["private_cluster_config"]["enable_private_endpoint"] is True
        assert config["control_plane_endpoints_config"]["dns_endpoint_config"]["allow_external_traffic"] is True
        (provider,) = out.stack(workload)["provider"]["kubernetes"]
        output = re.fullmatch(
            rf"https://\$\{{data\.{REMOTE_STATE}\.cross-stack-reference-input-{gke}\.outputs\.([\w-]+)\}}",
            provider["host"],
        )
        assert output, provider["host"]
        assert out.outputs(gke)[output.group(1)]["value"] == ref(CLUSTER, cluster_id, DNS_ENDPOINT)
        assert "cluster_ca_certificate" not in provider
