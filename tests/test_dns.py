"""The global aggregator endpoint: what the synthesized ``dns`` stack promises.

The default federation has a primary (fl-us), a secondary (fl-eu) and a client (fl-asia); the
aggregator name must fail over between the first two, with values read from their GKE stacks.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from cdktf import App, TerraformStack

from constructs_lib.aws.context import AwsContext
from constructs_lib.aws.dnssec import ZoneSigning, ZoneSigningProps, ksk_name_for
from constructs_lib.aws.failover_record import FailoverRecord, FailoverRecordProps, FailoverTarget
from constructs_lib.aws.health_check import CHECKER_REGIONS, EndpointHealthCheckProps
from constructs_lib.aws.query_logging import ZoneQueryLogging, ZoneQueryLoggingProps
from federation_spec import parse_spec
from federation_spec.dns import HEALTH_CHECKER_REGIONS
from stacks.naming import mandatory_tags, resource_prefix
from stacks.plan import plan_stacks, select
from tests.synth_helpers import REMOTE_STATE, Synthesized, ref, synth_yaml

STACK = "dns"
ZONE = "aws_route53_zone"
RECORD = "aws_route53_record"
HEALTH_CHECK = "aws_route53_health_check"
KMS_KEY = "aws_kms_key"
KSK = "aws_route53_key_signing_key"
DNSSEC = "aws_route53_hosted_zone_dnssec"
LOG_GROUP = "aws_cloudwatch_log_group"
LOG_POLICY = "aws_cloudwatch_log_resource_policy"
QUERY_LOG = "aws_route53_query_log"
ADDRESS = "google_compute_address"
ACCOUNT = "${data.aws_caller_identity.caller_identity.account_id}"
PARTITION = "${data.aws_partition.partition.partition}"

_INTERPOLATION = re.compile(r"^\$\{(.+)\}$")
_REMOTE = re.compile(
    r"^data\.terraform_remote_state\.cross-stack-reference-input-(?P<stack>.+)\.outputs\.(?P<output>.+)$"
)
_RESOURCE = re.compile(r"^(?P<type>[a-z0-9_]+)\.(?P<id>[A-Za-z0-9_\-]+)\.(?P<attr>[a-z_]+)$")


def resolve(synth: Synthesized, stack: str, value: str) -> tuple[str, str, str, str]:
    """Follow an interpolation (through cross-stack remote state) to the resource attribute it
    reads: (stack, resource type, logical id, attribute). Fails on anything else, e.g. a literal."""
    inner = _INTERPOLATION.match(value)
    assert inner, f"{value!r} is not a reference"
    remote = _REMOTE.match(inner.group(1))
    if remote:
        producer = remote.group("stack")
        assert f"cross-stack-reference-input-{producer}" in synth.data(stack, REMOTE_STATE)
        output = synth.outputs(producer)[remote.group("output")]
        return resolve(synth, producer, output["value"])
    match = _RESOURCE.match(inner.group(1))
    assert match, f"unexpected expression {inner.group(1)!r}"
    assert match.group("id") in synth.resources(stack, match.group("type")), f"{value} not in {stack}"
    return stack, match.group("type"), match.group("id"), match.group("attr")


def only(resources: dict) -> tuple[str, dict]:
    assert len(resources) == 1, f"expected one, got {sorted(resources)}"
    return next(iter(resources.items()))


def address_of(synth: Synthesized, cluster: str) -> tuple[str, str, str, str]:
    """Where a cluster's reserved aggregator IP lives: (stack, type, id, 'address')."""
    stack = f"gke-{cluster}"
    # The cluster's other addresses are its Cloud NAT egress IPs (logical IDs nat_address_<n>).
    logical_id, _ = only({i: a for i, a in synth.resources(stack, ADDRESS).items() if "aggregator" in i})
    return stack, ADDRESS, logical_id, "address"


def statements(policy: str) -> dict[str, dict]:
    return {s["Sid"]: s for s in json.loads(policy)["Statement"]}


def failover_records(synth: Synthesized) -> dict[str, dict]:
    return {k: v for k, v in synth.resources(STACK, RECORD).items() if "failover_routing_policy" in v}


def record_named(synth: Synthesized, name: str) -> list[tuple[str, dict]]:
    return [(k, v) for k, v in synth.resources(STACK, RECORD).items() if v["name"] == name]


@pytest.fixture(scope="module")
def dns(default_spec):
    assert default_spec.dns is not None, "the default federation.yaml must have a dns section"
    return default_spec.dns


@pytest.fixture(scope="module")
def aggregators(default_spec) -> dict[str, str]:
    """role -> cluster name of the default federation's aggregators."""
    return {c.role: c.name for c in default_spec.gcp.clusters if c.runs_aggregator}


@pytest.fixture(scope="module")
def zone_id(default_synth):
    return only(default_synth.resources(STACK, ZONE))[0]


# --- stack, plan and provider ----------------------------------------------------------------


def test_dns_stack_depends_on_the_aggregator_gke_stacks_only(default_synth, aggregators):
    assert STACK in default_synth.stack_names()
    assert default_synth.dependencies(STACK) == sorted(f"gke-{c}" for c in aggregators.values())
    assert set(default_synth.data(STACK, REMOTE_STATE)) == {
        f"cross-stack-reference-input-gke-{c}" for c in aggregators.values()
    }


def test_plan_lists_dns_after_its_producers_primary_first(default_spec, aggregators):
    plans = plan_stacks(default_spec)
    names = [p.name for p in plans]
    dns_plan = next(p for p in plans if p.name == STACK)
    assert dns_plan.depends_on == (f"gke-{aggregators['primary']}", f"gke-{aggregators['secondary']}")
    assert dns_plan.providers == frozenset({"aws"})
    assert all(names.index(d) < names.index(STACK) for d in dns_plan.depends_on)
    # Selecting the dns stack alone brings the GKE stacks it reads, and nothing else.
    selected = [p.name for p in select(plans, ["dns"])]
    assert set(selected) == {*dns_plan.depends_on, STACK}
    assert selected[-1] == STACK


def test_provider_is_us_east_1_with_mandatory_default_tags(default_synth, default_spec):
    (provider,) = default_synth.stack(STACK)["provider"]["aws"]
    assert provider["region"] == "us-east-1"
    assert provider["default_tags"] == [{"tags": mandatory_tags(default_spec.federation)}]


def test_gke_stacks_export_the_aggregator_address_and_clients_do_not(default_synth, default_spec):
    for cluster in default_spec.gcp.clusters:
        values = [
            o["value"] for name, o in default_synth.outputs(f"gke-{cluster.name}").items() if "cross-stack" in name
        ]
        if cluster.runs_aggregator:
            _, _, logical_id, _ = address_of(default_synth, cluster.name)
            assert ref(ADDRESS, logical_id, "address") in values
        else:  # clients export their endpoint to their workload stack, never an aggregator address
            assert not [v for v in values if f"{ADDRESS}.aggregator" in v]


# --- zone, DNSSEC, query logging -------------------------------------------------------------


def test_public_hosted_zone_for_the_domain(default_synth, dns):
    _, zone = only(default_synth.resources(STACK, ZONE))
    assert zone["name"] == dns.domain
    assert "vpc" not in zone, "the aggregator zone must be public"
    assert zone["force_destroy"] is False


def test_dnssec_signing_key_is_an_asymmetric_p256_key_only_route53_can_sign_with(default_synth, zone_id):
    _ksk_id, ksk = only(default_synth.resources(STACK, KSK))
    key_stack, key_type, key_id, key_attr = resolve(default_synth, STACK, ksk["key_management_service_arn"])
    assert (key_stack, key_type, key_attr) == (STACK, KMS_KEY, "arn")
    key = default_synth.resources(STACK, KMS_KEY)[key_id]
    assert key["customer_master_key_spec"] == "ECC_NIST_P256"
    assert key["key_usage"] == "SIGN_VERIFY"
    assert not key.get("enable_key_rotation"), "asymmetric keys cannot rotate automatically"
    assert 7 <= key["deletion_window_in_days"] <= 30
    policy = statements(key["policy"])
    sign = policy["Route53DnssecSignsThisZone"]
    assert sign["Principal"] == {"Service": "dnssec-route53.amazonaws.com"}
    assert set(sign["Action"]) == {"kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"}
    assert sign["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert sign["Condition"]["ArnLike"] == {"aws:SourceArn": ref(ZONE, zone_id, "arn")}
    grant = policy["Route53DnssecCreatesGrantsForAwsResources"]
    assert grant["Principal"] == {"Service": "dnssec-route53.amazonaws.com"}
    assert grant["Action"] == "kms:CreateGrant"
    assert grant["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    admin = policy["AccountAdministers"]
    assert admin["Principal"] == {"AWS": f"arn:{PARTITION}:iam::{ACCOUNT}:root"}
    assert all(s["Principal"] != "*" and s["Principal"] != {"AWS": "*"} for s in policy.values())


def test_key_signing_key_signs_the_zone_and_signing_waits_for_it(default_synth, default_spec, zone_id):
    ksk_id, ksk = only(default_synth.resources(STACK, KSK))
    assert ksk["hosted_zone_id"] == ref(ZONE, zone_id, "zone_id")
    assert ksk["status"] == "ACTIVE"
    assert re.fullmatch(r"[A-Za-z0-9_]{3,128}", ksk["name"])
    assert ksk["name"] == ksk_name_for(resource_prefix(default_spec.federation))
    _, signing = only(default_synth.resources(STACK, DNSSEC))
    assert signing["signing_status"] == "SIGNING"
    assert signing["depends_on"] == [f"{KSK}.{ksk_id}"]
    assert resolve(default_synth, STACK, signing["hosted_zone_id"])[:3] == (STACK, KSK, ksk_id)


def test_query_logs_go_to_an_encrypted_us_east_1_log_group_with_retention(default_synth, dns, zone_id):
    group_id, group = only(default_synth.resources(STACK, LOG_GROUP))
    assert group["name"] == f"/aws/route53/{dns.domain}"
    assert group["retention_in_days"] == dns.query_log_retention_days
    _, _, key_id, attr = resolve(default_synth, STACK, group["kms_key_id"])
    assert attr == "arn"
    key = default_synth.resources(STACK, KMS_KEY)[key_id]
    assert key["enable_key_rotation"] is True
    group_arn = f"arn:{PARTITION}:logs:us-east-1:{ACCOUNT}:log-group:{group['name']}"
    (logs,) = [s for s in statements(key["policy"]).values() if "Service" in s["Principal"]]
    assert logs["Principal"] == {"Service": ["logs.us-east-1.amazonaws.com"]}
    assert logs["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": group_arn}}

    _, query_log = only(default_synth.resources(STACK, QUERY_LOG))
    assert query_log["zone_id"] == ref(ZONE, zone_id, "zone_id")
    assert query_log["cloudwatch_log_group_arn"] == ref(LOG_GROUP, group_id, "arn")
    policy_id, policy = only(default_synth.resources(STACK, LOG_POLICY))
    assert query_log["depends_on"] == [f"{LOG_POLICY}.{policy_id}"]
    (write,) = json.loads(policy["policy_document"])["Statement"]
    assert write["Principal"] == {"Service": "route53.amazonaws.com"}
    assert set(write["Action"]) == {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert write["Resource"] == f"{group_arn}:*"
    assert write["Condition"] == {
        "ArnLike": {"aws:SourceArn": ref(ZONE, zone_id, "arn")},
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
    }


# --- health checks and the failover pair -----------------------------------------------------


def test_one_health_check_per_aggregator_on_its_static_ip(default_synth, dns, aggregators):
    checks = default_synth.resources(STACK, HEALTH_CHECK)
    assert len(checks) == len(aggregators) == 2
    probed = set()
    for check in checks.values():
        assert "fqdn" not in check
        assert check["ip_address"].startswith(f"${{data.{REMOTE_STATE}.")
        stack, rtype, _, attr = resolve(default_synth, STACK, check["ip_address"])
        assert (rtype, attr) == (ADDRESS, "address")
        probed.add(stack)
        assert check["type"] == dns.health_check.type == "TCP"
        assert check["port"] == dns.health_check.port == 9092
        assert check["failure_threshold"] == dns.health_check.failure_threshold
        assert check["request_interval"] == dns.health_check.request_interval
        assert check["measure_latency"] is False
        assert sorted(check["regions"]) == sorted(dns.health_check.regions)
        assert len(check["regions"]) >= 3
        assert "resource_path" not in check
    assert probed == {f"gke-{c}" for c in aggregators.values()}


def test_failover_pair_is_one_name_one_type_one_primary_one_secondary(default_synth, dns):
    pair = failover_records(default_synth)
    assert len(pair) == 2
    records = list(pair.values())
    assert {r["name"] for r in records} == {dns.fqdn}
    assert {r["type"] for r in records} == {"A"}
    assert sorted(r["failover_routing_policy"]["type"] for r in records) == ["PRIMARY", "SECONDARY"]
    assert len({r["set_identifier"] for r in records}) == 2
    for record in records:
        assert record["ttl"] == dns.ttl <= 300
    # Nothing else answers for the aggregator name (a simple record would break the pair).
    assert {k for k, _ in record_named(default_synth, dns.fqdn)} == set(pair)


def test_each_failover_record_carries_the_health_check_of_its_own_aggregator(default_synth, aggregators):
    checks = default_synth.resources(STACK, HEALTH_CHECK)
    by_role = {r["failover_routing_policy"]["type"]: r for r in failover_records(default_synth).values()}
    for role, cluster in (("PRIMARY", aggregators["primary"]), ("SECONDARY", aggregators["secondary"])):
        record = by_role[role]
        (value,) = record["records"]
        assert resolve(default_synth, STACK, value) == address_of(default_synth, cluster)
        _, rtype, check_id, attr = resolve(default_synth, STACK, record["health_check_id"])
        assert (rtype, attr) == (HEALTH_CHECK, "id")
        assert checks[check_id]["ip_address"] == value, f"{role} is judged by another endpoint's check"
        assert cluster in record["set_identifier"]


def test_secondary_is_created_after_the_primary(default_synth):
    by_role = {r["failover_routing_policy"]["type"]: (k, r) for k, r in failover_records(default_synth).items()}
    primary_id, _ = by_role["PRIMARY"]
    _, secondary = by_role["SECONDARY"]
    assert secondary["depends_on"] == [f"{RECORD}.{primary_id}"]


def test_every_a_record_points_at_a_reserved_gke_address(default_synth, default_spec):
    """The control behind the CKV2_AWS_23 skip: no A record carries an address this estate does
    not own; each is a cross-stack reference to an aggregator cluster's google_compute_address."""
    aggregator_stacks = {f"gke-{c.name}" for c in default_spec.gcp.clusters if c.runs_aggregator}
    a_records = [r for r in default_synth.resources(STACK, RECORD).values() if r["type"] == "A"]
    assert a_records
    for record in a_records:
        assert "alias" not in record
        (value,) = record["records"]
        stack, rtype, _, attr = resolve(default_synth, STACK, value)
        assert stack in aggregator_stacks
        assert (rtype, attr) == (ADDRESS, "address")


def test_site_records_name_each_aggregator_cluster_and_no_client(default_synth, default_spec, dns):
    assert dns.site_records is True
    for cluster in default_spec.gcp.clusters:
        found = record_named(default_synth, dns.site_fqdn(cluster.name))
        if not cluster.runs_aggregator:
            assert found == [], f"client cluster {cluster.name} has no aggregator IP to name"
            continue
        ((_, record),) = found
        assert record["type"] == "A"
        assert record["ttl"] == dns.ttl
        assert "set_identifier" not in record
        assert "health_check_id" not in record
        assert resolve(default_synth, STACK, record["records"][0]) == address_of(default_synth, cluster.name)


# --- outputs ---------------------------------------------------------------------------------


def test_outputs_name_the_endpoint_and_what_to_delegate(default_synth, dns, zone_id, aggregators):
    outputs = default_synth.outputs(STACK)
    assert outputs["federated_dns_name"]["value"] == f"{dns.aggregator_record}.{dns.domain}"
    assert outputs["federated_dns_name"]["value"] == "aggregator.federated.yourcompany.net"
    assert outputs["zone_id"]["value"] == ref(ZONE, zone_id, "zone_id")
    assert outputs["name_servers"]["value"] == ref(ZONE, zone_id, "name_servers")
    ksk_id, _ = only(default_synth.resources(STACK, KSK))
    assert outputs["dnssec_ds_record"]["value"] == ref(KSK, ksk_id, "ds_record")
    checks = outputs["health_check_ids"]["value"]
    assert set(checks) == set(aggregators.values())
    for cluster, value in checks.items():
        _, _rtype, check_id, _ = resolve(default_synth, STACK, value)
        check = default_synth.resources(STACK, HEALTH_CHECK)[check_id]
        assert resolve(default_synth, STACK, check["ip_address"]) == address_of(default_synth, cluster)
    group_id, _ = only(default_synth.resources(STACK, LOG_GROUP))
    assert outputs["query_log_group_arn"]["value"] == ref(LOG_GROUP, group_id, "arn")
    assert outputs["site_dns_names"]["value"] == {c: dns.site_fqdn(c) for c in aggregators.values()}
    for name, output in outputs.items():
        if name.startswith("cross-stack-output-"):
            continue  # what the workload stacks read (cdktf makes every cross-stack output sensitive)
        assert output["sensitive"] is False, name
        assert output["description"], name
    assert outputs["health_checker_cidrs"]["value"].endswith(".cidr_blocks}")


# Entries as AWS publishes them in ip-ranges.json (https://ip-ranges.amazonaws.com/ip-ranges.json):
# Route 53's checkers have per-region ranges and one GLOBAL range, 15.177.0.0/18.
IP_RANGES_SAMPLE = {
    "syncToken": "1700000000",
    "createDate": "2026-01-01-00-00-00",
    "prefixes": [
        {"ip_prefix": "15.177.0.0/18", "region": "GLOBAL", "service": "ROUTE53_HEALTHCHECKS"},
        {"ip_prefix": "107.23.255.0/26", "region": "us-east-1", "service": "ROUTE53_HEALTHCHECKS"},
        {"ip_prefix": "54.244.52.192/26", "region": "us-west-2", "service": "ROUTE53_HEALTHCHECKS"},
        {"ip_prefix": "54.228.16.0/26", "region": "eu-west-1", "service": "ROUTE53_HEALTHCHECKS"},
        {"ip_prefix": "120.52.22.96/27", "region": "GLOBAL", "service": "CLOUDFRONT"},
    ],
}


def provider_filter(document: dict, regions: list[str] | None, services: list[str]) -> list[str]:
    """What ``data.aws_ip_ranges`` returns as ``cidr_blocks``: the provider's ``matchFilter``
    (internal/service/meta/ip_ranges_data_source.go): region and service compared lower-cased and
    exactly, no region filter matches every region; sorted."""
    wanted_regions = [r.lower() for r in regions or []]
    wanted_services = [s.lower() for s in services]
    return sorted(
        p["ip_prefix"]
        for p in document["prefixes"]
        if (not wanted_regions or p["region"].lower() in wanted_regions) and p["service"].lower() in wanted_services
    )


def test_health_checker_ranges_include_route53s_global_checker_range(default_synth, dns):
    """The aggregators admit what this data source returns; a filter on the checker regions alone
    drops the GLOBAL 15.177.0.0/18, whose checkers would then be refused (false failovers)."""
    (source,) = default_synth.data(STACK, "aws_ip_ranges").values()
    cidrs = provider_filter(IP_RANGES_SAMPLE, source.get("regions"), source["services"])
    assert "15.177.0.0/18" in cidrs
    assert "120.52.22.96/27" not in cidrs  # only the checkers' service
    in_checker_regions = {
        p["ip_prefix"] for p in IP_RANGES_SAMPLE["prefixes"] if p["region"] in dns.health_check.regions
    }
    assert in_checker_regions <= set(cidrs)
    outputs = default_synth.outputs(STACK)
    assert outputs["health_checker_cidrs"]["value"].startswith("${data.aws_ip_ranges.")


# --- a federation with only a primary aggregator ---------------------------------------------


PRIMARY_ONLY = {
    "federation": {"name": "fedlearn", "environment": "dev"},
    "gcp": {
        "project": "fl-project-123",
        "clusters": [
            {
                "name": "solo",
                "region": "us-central1",
                "role": "primary",
                "cidr": "10.30.0.0/20",
                "master_cidr": "172.16.0.0/28",
            },
            {"name": "edge", "region": "europe-west1", "cidr": "10.40.0.0/20", "master_cidr": "172.16.0.16/28"},
        ],
    },
    "dns": {
        "domain": "fl.yourcompany.net",
        "parent_zone_id": "Z0PARENTZONE1",
        "aggregator_record": "fleet",
        "ttl": 30,
        "site_records": True,
        "health_check": {
            "type": "HTTPS",
            "port": 8443,
            "resource_path": "/healthz",
            "failure_threshold": 2,
            "request_interval": 10,
            "regions": ["us-east-1", "eu-west-1", "ap-southeast-1"],
        },
    },
}


@pytest.fixture(scope="module")
def primary_only(tmp_path_factory) -> Synthesized:
    return synth_yaml(yaml.safe_dump(PRIMARY_ONLY), tmp_path_factory.mktemp("dns-primary-only"))


def test_primary_only_gets_a_simple_record_at_the_primarys_address(primary_only, default_synth):
    records = record_named(primary_only, "fleet.fl.yourcompany.net")
    ((logical_id, record),) = records
    for absent in ("failover_routing_policy", "set_identifier", "health_check_id"):
        assert absent not in record, f"a lone aggregator gets a simple record, not {absent}"
    assert record["type"] == "A"
    assert record["ttl"] == 30
    assert resolve(primary_only, STACK, record["records"][0]) == address_of(primary_only, "solo")
    # Same Terraform address as the PRIMARY record of a pair: adding a secondary later updates
    # this record in place instead of destroying it.
    primary_id = next(
        k for k, r in failover_records(default_synth).items() if r["failover_routing_policy"]["type"] == "PRIMARY"
    )
    assert logical_id == primary_id


def test_primary_only_still_health_checks_the_primary_with_the_spec_settings(primary_only):
    _, check = only(primary_only.resources(STACK, HEALTH_CHECK))
    assert resolve(primary_only, STACK, check["ip_address"]) == address_of(primary_only, "solo")
    assert (check["type"], check["port"], check["resource_path"]) == ("HTTPS", 8443, "/healthz")
    assert (check["failure_threshold"], check["request_interval"]) == (2, 10)
    assert check["regions"] == ["us-east-1", "eu-west-1", "ap-southeast-1"]
    assert primary_only.outputs(STACK)["health_check_ids"]["value"].keys() == {"solo"}


def test_primary_only_depends_on_the_primary_and_names_only_it(primary_only):
    assert primary_only.dependencies(STACK) == ["gke-solo"]
    assert primary_only.outputs(STACK)["federated_dns_name"]["value"] == "fleet.fl.yourcompany.net"
    assert primary_only.outputs(STACK)["site_dns_names"]["value"] == {"solo": "solo.fl.yourcompany.net"}
    assert record_named(primary_only, "edge.fl.yourcompany.net") == []


def test_parent_zone_id_publishes_ns_and_ds_in_the_parent_only_after_signing(primary_only):
    """The delegation that makes the names answer at first apply: NS to the new zone's name
    servers and DS of its key-signing key, in the parent zone, after DNSSEC signing is on (a DS
    for an unsigned zone makes validating resolvers answer SERVFAIL)."""
    zone_id, _ = only(primary_only.resources(STACK, ZONE))
    ksk_id, _ = only(primary_only.resources(STACK, KSK))
    signing_id, _ = only(primary_only.resources(STACK, DNSSEC))
    (parent_id, parent) = only(primary_only.data(STACK, "aws_route53_zone"))
    assert parent["zone_id"] == "Z0PARENTZONE1"
    # the plan fails (before the zone, its key and signing exist) unless the ID names the public parent
    (check,) = parent["lifecycle"]["postcondition"]
    assert check["condition"] == 'trimsuffix(self.name, ".") == "yourcompany.net" && !self.private_zone'
    delegation = {
        r["type"]: r
        for r in primary_only.resources(STACK, RECORD).values()
        if r["zone_id"] == ref("data.aws_route53_zone", parent_id, "zone_id")
    }
    assert sorted(delegation) == ["DS", "NS"]
    assert delegation["NS"]["records"] == ref(ZONE, zone_id, "name_servers")
    assert delegation["DS"]["records"] == [ref(KSK, ksk_id, "ds_record")]
    for record in delegation.values():
        assert record["name"] == "fl.yourcompany.net"
        assert record["depends_on"] == [f"{DNSSEC}.{signing_id}"]
    assert (
        "published in the parent zone Z0PARENTZONE1" in primary_only.outputs(STACK)["dnssec_ds_record"]["description"]
    )


def test_without_parent_zone_id_the_stack_publishes_no_delegation(default_synth, dns):
    assert dns.parent_zone_id is None
    types = {r["type"] for r in default_synth.resources(STACK, RECORD).values()}
    assert not types & {"NS", "DS"}
    assert "to publish in the parent zone" in default_synth.outputs(STACK)["name_servers"]["description"]


def test_no_dns_section_means_no_dns_stack(default_spec):
    spec = parse_spec(yaml.safe_dump({k: v for k, v in PRIMARY_ONLY.items() if k != "dns"}))
    assert STACK not in [p.name for p in plan_stacks(spec)]
    assert default_spec.dns is not None
    assert STACK in [p.name for p in plan_stacks(default_spec)]


def test_failover_time_is_detection_plus_ttl():
    spec = parse_spec(yaml.safe_dump(PRIMARY_ONLY))
    assert spec.dns.health_check.detection_seconds() == 2 * 10
    assert spec.dns.failover_seconds() == 2 * 10 + 30


# --- construct guards (what a direct user of the constructs is told) ------------------------


def test_construct_checker_regions_match_the_spec():
    assert set(HEALTH_CHECKER_REGIONS) == CHECKER_REGIONS


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"type": "UDP"}, "type"),
        ({"port": 0}, "port"),
        ({"failure_threshold": 11}, "failure_threshold"),
        ({"request_interval": 20}, "request_interval"),
        ({"resource_path": "/healthz"}, "resource_path"),
        ({"type": "HTTP_STR_MATCH"}, "search_string"),
        ({"regions": ("us-east-1", "eu-west-1")}, "regions"),
        ({"regions": ("us-east-1", "eu-west-1", "eu-central-1")}, "regions"),
    ],
)
def test_health_check_props_reject_what_route53_rejects(change, fragment):
    with pytest.raises(ValueError, match=fragment):
        EndpointHealthCheckProps(**{"name": "x", "port": 9092, **change})


def test_failover_record_props_and_targets_are_checked():
    with pytest.raises(ValueError, match="ttl"):
        FailoverRecordProps(name="a.fl.yourcompany.net", ttl=3600)
    app = App()
    stack = TerraformStack(app, "s")
    same = FailoverTarget(ip="192.0.2.1", health_check_id="hc", set_identifier="one")
    with pytest.raises(ValueError, match="distinct set identifiers"):
        FailoverRecord(stack, "r", zone_id="Z1", primary=same, secondary=same, props=FailoverRecordProps(name="a.b.c"))


def test_signing_and_query_logging_refuse_regions_other_than_us_east_1():
    app = App()
    stack = TerraformStack(app, "s")
    context = AwsContext(account_id="111122223333", partition="aws", region="eu-west-1")
    with pytest.raises(ValueError, match="us-east-1"):
        ZoneSigning(
            stack, "sig", zone_id="Z1", zone_arn="arn", context=context, props=ZoneSigningProps("a", "d", "ksk_1")
        )
    with pytest.raises(ValueError, match="us-east-1"):
        ZoneQueryLogging(
            stack, "log", zone_id="Z1", zone_arn="arn", context=context, props=ZoneQueryLoggingProps("a.b", "k", "p")
        )
    with pytest.raises(ValueError, match="ksk_name"):
        ZoneSigningProps("a", "d", "has-hyphens")
