"""Keys, trust and reachability of the federation: per-site SuperNode key stacks, the public-only
trust stack, which states each workload stack may read, the certificate's names, and the fleet
port's sources (every cluster's Cloud NAT addresses, the Route 53 health checkers, partners)."""

from __future__ import annotations

import json

import yaml

from constructs_lib.k8s.network_policy import HEALTH_CHECKER_POLICY_PREFIX
from federation_spec.aws_member import member_site_name
from federation_spec.dns import HEALTH_CHECKER_REGIONS
from stacks.plan import DNS_STACK, PKI_STACK, TRUST_STACK, aws_member_regions, node_key_stack_name
from tests.conftest import DEFAULT_SPEC
from tests.synth_helpers import REMOTE_STATE
from tests.test_workload import SERVICE, by_name, only, policies, remote_output

IP_RANGES = "aws_ip_ranges"


def remote_states(synth, stack: str) -> set[str]:
    """The stacks whose state ``stack`` reads."""
    prefix = "cross-stack-reference-input-"
    return {name.removeprefix(prefix) for name in synth.data(stack, REMOTE_STATE)}


# --- key stacks and the trust stack ----------------------------------------------------------------


def test_one_p384_key_pair_per_site_in_its_own_stack(default_synth, default_spec):
    for cluster in default_spec.gcp.clusters:
        stack = node_key_stack_name(cluster.name)
        (key_id, key) = only(default_synth.resources(stack, "tls_private_key"))
        assert (key["algorithm"], key["ecdsa_curve"]) == ("ECDSA", "P384")
        assert set(default_synth.stack(stack)["resource"]) == {"tls_private_key"}
        public = default_synth.outputs(stack)["public_key_openssh"]
        assert public["value"] == f"${{tls_private_key.{key_id}.public_key_openssh}}"
        assert public["sensitive"] is False
        for name, output in default_synth.outputs(stack).items():
            if "private_key" in str(output["value"]) and "public_key" not in str(output["value"]):
                assert output["sensitive"] is True, name
        assert remote_states(default_synth, stack) == set()


def test_trust_stack_holds_only_public_material(default_synth, default_spec):
    stack = default_synth.stack(TRUST_STACK)
    assert "resource" not in stack, "no resources: the trust stack only relays values"
    assert "provider" not in stack
    text = json.dumps(stack)
    assert "private_key_openssh" not in text
    assert "private_key_pem" not in text
    reads = remote_states(default_synth, TRUST_STACK)
    sites = {c.name for c in default_spec.gcp.clusters} | {
        member_site_name(r) for r in aws_member_regions(default_spec)
    }
    assert reads == {PKI_STACK} | {node_key_stack_name(site) for site in sites}
    for local, value in stack["locals"].items():
        producer, expression = remote_output(default_synth, value)
        if producer == PKI_STACK:
            assert expression.startswith("${tls_self_signed_cert."), local
            assert expression.endswith(".cert_pem}")
        else:
            assert expression.endswith(".public_key_openssh}"), local
    outputs = default_synth.outputs(TRUST_STACK)
    assert set(outputs["node_public_keys"]["value"]) == sites


def test_client_only_sites_never_read_a_state_holding_a_foreign_private_key(default_synth, default_spec):
    """A client-only site reads its cluster, the aggregators' clusters (their IPs), the trust stack
    and its own key: never federation-pki (CA and server keys), never another site's key."""
    for cluster in default_spec.gcp.clusters:
        stack = f"workload-{cluster.name}"
        reads = remote_states(default_synth, stack)
        other_keys = {node_key_stack_name(c.name) for c in default_spec.gcp.clusters if c.name != cluster.name}
        assert not reads & other_keys, stack
        assert {TRUST_STACK, node_key_stack_name(cluster.name)} <= reads
        if cluster.runs_aggregator:
            assert PKI_STACK in reads, "the aggregator mounts the server key"
        else:
            assert PKI_STACK not in reads, f"{stack} must not read {PKI_STACK}"
            assert DNS_STACK not in reads


# --- certificate names ---------------------------------------------------------------------------


def test_certificate_names_the_failover_name_and_every_aggregators_site_name(default_synth, default_spec):
    (_, request) = only(default_synth.resources(PKI_STACK, "tls_cert_request"))
    assert default_spec.dns.site_records is True
    assert request["dns_names"][0] == default_spec.dns.fqdn
    for cluster in default_spec.gcp.clusters:
        name = f"{cluster.name}.{default_spec.dns.domain}"
        assert (name in request["dns_names"]) is cluster.runs_aggregator, name
    namespace = default_spec.workload.namespace
    assert f"superlink-control.{namespace}.svc.cluster.local" in request["dns_names"]


def test_without_site_records_the_certificate_names_no_site(synth):
    doc = yaml.safe_load(DEFAULT_SPEC.read_text())
    doc["dns"]["site_records"] = False
    doc = {key: doc[key] for key in ("federation", "gcp", "dns", "workload")}
    out = synth(yaml.safe_dump(doc))
    (_, request) = only(out.resources(PKI_STACK, "tls_cert_request"))
    assert not any(name.startswith(("fl-us.", "fl-eu.")) for name in request["dns_names"])


# --- fleet port sources --------------------------------------------------------------------------


def test_dns_stack_publishes_the_health_checkers_ranges(default_synth, default_spec):
    (data_id, ranges) = only(default_synth.data(DNS_STACK, IP_RANGES))
    assert ranges["services"] == ["route53_healthchecks"]
    # the checker regions, plus GLOBAL: Route 53 publishes a checker range (15.177.0.0/18) there too
    assert ranges["regions"] == [*default_spec.dns.health_check.regions, "GLOBAL"]
    assert set(ranges["regions"]) <= {*HEALTH_CHECKER_REGIONS, "GLOBAL"}
    output = default_synth.outputs(DNS_STACK)["health_checker_cidrs"]
    assert output["value"] == f"${{data.{IP_RANGES}.{data_id}.cidr_blocks}}"


def test_load_balancer_admits_nat_addresses_and_health_checkers_only(default_synth, default_spec):
    """The source ranges are references to every cluster's reserved NAT addresses (``/32``) plus
    the dns stack's health-checker ranges; no open range, no copied literal address."""
    nat_outputs = {}
    for cluster in default_spec.gcp.clusters:
        gke = f"gke-{cluster.name}"
        for name, output in default_synth.outputs(gke).items():
            if isinstance(output["value"], str) and output["value"].startswith("${google_compute_address.nat_"):
                nat_outputs[(gke, name)] = output["value"]
    assert len(nat_outputs) >= len(default_spec.gcp.clusters)
    for cluster in default_spec.gcp.clusters:
        if not cluster.runs_aggregator:
            continue
        stack = f"workload-{cluster.name}"
        lb = by_name(default_synth.resources(stack, SERVICE))["superlink-fleet"]
        ranges = lb["spec"]["load_balancer_source_ranges"]
        assert isinstance(ranges, str), "a concat() of NAT addresses and the health checkers' ranges"
        assert ranges.startswith("${concat([")
        referenced = {
            (gke, name)
            for gke, name in nat_outputs
            if f"cross-stack-reference-input-{gke}.outputs.{name}}}/32" in ranges
        }
        assert referenced == set(nat_outputs), "every NAT address of every cluster, as /32"
        dns_output = f"data.{REMOTE_STATE}.cross-stack-reference-input-{DNS_STACK}.outputs."
        assert dns_output in ranges
        producer, expression = remote_output(default_synth, ranges[ranges.index(dns_output) :])
        assert producer == DNS_STACK
        assert expression.startswith(f"${{data.{IP_RANGES}.")
        assert "0.0.0.0/0" not in ranges


def test_health_checkers_are_admitted_on_the_fleet_port_by_one_policy_per_range(default_synth, default_spec):
    fleet = str(default_spec.workload.aggregator.fleet_port)
    for cluster in default_spec.gcp.clusters:
        stack = f"workload-{cluster.name}"
        found = [
            config
            for config in default_synth.resources(stack, "kubernetes_network_policy_v1").values()
            if HEALTH_CHECKER_POLICY_PREFIX in config["metadata"]["name"]
        ]
        if not cluster.runs_aggregator:
            assert not found
            continue
        (policy,) = found
        producer, expression = remote_output(default_synth, policy["for_each"])
        assert producer == DNS_STACK
        assert expression.startswith(f"${{data.{IP_RANGES}.")
        spec = policy["spec"]
        assert spec["pod_selector"]["match_labels"] == {"federated-learning/role": "aggregator"}
        assert spec["ingress"] == [
            {"from": [{"ip_block": {"cidr": "${each.value}"}}], "ports": [{"port": fleet, "protocol": "TCP"}]}
        ]


def test_partner_ranges_are_added_to_the_defaults(synth):
    doc = yaml.safe_load(DEFAULT_SPEC.read_text())
    workload = {**doc["workload"], "aggregator": {"fleet_source_ranges": ["203.0.113.0/24"]}}
    doc = {key: doc[key] for key in ("federation", "state", "gcp", "dns")} | {"workload": workload}
    out = synth(yaml.safe_dump(doc))
    lb = by_name(out.resources("workload-fl-us", SERVICE))["superlink-fleet"]
    ranges = lb["spec"]["load_balancer_source_ranges"]
    assert '"203.0.113.0/24"' in ranges
    assert ranges.index("nat_address") < ranges.index("203.0.113.0/24")
    fleet_rule = policies(out, "workload-fl-us")["aggregator-ingress"]["ingress"][0]
    cidrs = [f["ip_block"]["cidr"] for f in fleet_rule["from"] if "ip_block" in f]
    assert cidrs[-1] == "203.0.113.0/24"
    assert len(cidrs) > 1


def test_adding_a_site_leaves_existing_sites_keys_and_clients_unchanged(synth, default_synth):
    """A new site adds its key stack and is registered on the aggregators; the other sites' key
    stacks and client-only workload stacks are byte-for-byte the same."""
    doc = yaml.safe_load(DEFAULT_SPEC.read_text())
    doc["gcp"]["clusters"].append(
        {
            "name": "fl-sa",
            "region": "southamerica-east1",
            "role": "client",
            "cidr": "10.60.0.0/20",
            "master_cidr": "172.16.0.48/28",
        }
    )
    out = synth(yaml.safe_dump(doc))
    for stack in ("node-key-fl-us", "node-key-fl-eu", "node-key-fl-asia", "workload-fl-asia"):
        assert out.stack(stack)["resource"] == default_synth.stack(stack)["resource"], stack
    keys = by_name(out.resources("workload-fl-us", "kubernetes_config_map_v1"))["supernode-registration-keys"]
    assert "fl-sa.pub" in keys["data"]
