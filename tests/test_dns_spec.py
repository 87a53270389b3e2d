"""The ``dns`` spec section: one bad input per validation rule, each naming its exact field path."""

from __future__ import annotations

import pytest
import yaml

from federation_spec import parse_spec
from federation_spec.dns import DNS_NAME_LIMIT, FLOWER_FLEET_PORT, HEALTH_CHECKER_REGIONS
from tests.spec_helpers import assert_error

FEDERATION = {"name": "fedlearn", "environment": "dev"}


def cluster(name: str, role: str, n: int) -> dict:
    return {
        "name": name,
        "region": "us-central1",
        "role": role,
        "cidr": f"10.{n}0.0.0/20",
        "master_cidr": f"172.16.0.{16 * n}/28",
    }


DEFAULT_CLUSTERS = (cluster("fl-us", "primary", 3), cluster("fl-eu", "secondary", 4), cluster("fl-asia", "client", 5))


def spec_text(dns: dict | None = None, clusters=DEFAULT_CLUSTERS, gcp: bool = True, aws: bool = False, **fields) -> str:
    doc: dict = {"federation": FEDERATION}
    if aws:
        doc["aws"] = {"regions": [{"name": "us-west-2", "cidr": "10.10.0.0/16"}]}
    if gcp:
        doc["gcp"] = {"project": "fl-project-123", "clusters": list(clusters)}
    body = {"domain": "federated.yourcompany.net", **(dns or {}), **fields}
    doc["dns"] = {k: v for k, v in body.items() if v is not None}
    return yaml.safe_dump(doc, sort_keys=False)


def health(**fields) -> dict:
    return {"health_check": fields}


# --- valid specs ------------------------------------------------------------------------------


def test_minimal_dns_section_gets_documented_defaults():
    dns = parse_spec(spec_text()).dns
    assert dns.fqdn == "aggregator.federated.yourcompany.net"
    assert dns.ttl == 60
    assert dns.site_records is False
    assert dns.query_log_retention_days == 365
    check = dns.health_check
    assert (check.type, check.port, check.failure_threshold, check.request_interval) == (
        "TCP",
        FLOWER_FLEET_PORT,
        3,
        30,
    )
    assert check.regions == HEALTH_CHECKER_REGIONS
    assert (check.resource_path, check.search_string) == (None, None)
    assert dns.failover_seconds() == 3 * 30 + 60


def test_primary_without_secondary_is_valid():
    spec = parse_spec(spec_text(clusters=(cluster("solo", "primary", 3),), site_records=True))
    assert spec.dns.site_fqdn("solo") == "solo.federated.yourcompany.net"


def test_http_checks_accept_a_path_and_string_match_a_search_string():
    spec = parse_spec(spec_text(health(type="HTTPS_STR_MATCH", resource_path="/healthz?full=1", search_string="ok")))
    assert spec.dns.health_check.resource_path == "/healthz?full=1"
    parse_spec(spec_text(health(type="HTTP", port=8080, resource_path="/")))


def test_the_dns_section_is_optional():
    doc = yaml.safe_load(spec_text())
    del doc["dns"]
    assert parse_spec(yaml.safe_dump(doc)).dns is None


# --- domain and record label ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "fragment"),
    [
        ("federated.yourcompany.net.", "trailing dot"),
        ("Federated.Example.com", "lowercase"),
        ("localhost", "not a domain you can delegate"),
        ("-fl.example.com", "invalid label '-fl'"),
        ("fl-.example.com", "invalid label 'fl-'"),
        ("fl..example.com", "invalid label ''"),
        ("fl_ops.example.com", "invalid label 'fl_ops'"),
        (f"{'a' * 64}.example.com", "invalid label"),
        ("10.20.30.40", "looks like an IP address"),
        (".".join(["abcdefghi"] * 26), f"at most {DNS_NAME_LIMIT}"),
    ],
)
def test_domain_must_be_a_valid_dns_name(domain, fragment):
    assert_error(spec_text(domain=domain), "dns.domain", fragment)


def test_domain_is_required():
    doc = yaml.safe_load(spec_text())
    del doc["dns"]["domain"]
    assert_error(yaml.safe_dump(doc), "dns.domain")


@pytest.mark.parametrize("label", ["Aggregator", "agg_regator", "fl.aggregator", "-agg", "a" * 64, ""])
def test_aggregator_record_must_be_one_dns_label(label):
    assert_error(spec_text(aggregator_record=label), "dns.aggregator_record", "DNS label")


def test_aggregator_name_must_fit_in_dns():
    domain = ".".join(["a" * 60] * 4)  # 243 characters: valid alone, too long with a 10-letter label
    assert_error(spec_text(domain=domain, aggregator_record="aggregator"), "dns.aggregator_record", "at most 253")


@pytest.mark.parametrize("ttl", [0, 301, "60"])
def test_ttl_is_a_short_positive_integer(ttl):
    assert_error(spec_text(ttl=ttl), "dns.ttl")


def test_unknown_key_is_an_error():
    assert_error(spec_text(healthcheck={"port": 9092}), "dns.healthcheck")


@pytest.mark.parametrize("days", [42, 0, "365"])
def test_query_log_retention_is_a_cloudwatch_period(days):
    assert_error(spec_text(query_log_retention_days=days), "dns.query_log_retention_days")


# --- health check -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["UDP", "tcp", "CLOUDWATCH_METRIC", "CALCULATED"])
def test_health_check_type_is_an_endpoint_check_route53_offers(kind):
    assert_error(spec_text(health(type=kind)), "dns.health_check.type")


@pytest.mark.parametrize("port", [0, 65536, -1, "9092"])
def test_health_check_port_is_a_tcp_port(port):
    assert_error(spec_text(health(port=port)), "dns.health_check.port")


@pytest.mark.parametrize("threshold", [0, 11])
def test_failure_threshold_is_1_to_10(threshold):
    assert_error(spec_text(health(failure_threshold=threshold)), "dns.health_check.failure_threshold")


@pytest.mark.parametrize("interval", [5, 15, 60, "30"])
def test_request_interval_is_10_or_30(interval):
    assert_error(spec_text(health(request_interval=interval)), "dns.health_check.request_interval")


def test_resource_path_needs_an_http_check():
    assert_error(spec_text(health(type="TCP", resource_path="/healthz")), "dns.health_check.resource_path", "TCP")


@pytest.mark.parametrize("path", ["healthz", "/with space", "/" + "a" * 255])
def test_resource_path_is_a_url_path(path):
    assert_error(spec_text(health(type="HTTP", resource_path=path)), "dns.health_check.resource_path", "URL path")


def test_string_match_needs_a_search_string():
    assert_error(spec_text(health(type="HTTP_STR_MATCH")), "dns.health_check.search_string", "needs")


def test_search_string_needs_a_string_match_check():
    assert_error(spec_text(health(type="HTTPS", search_string="ok")), "dns.health_check.search_string", "HTTPS")


def test_search_string_is_at_most_255_characters():
    assert_error(spec_text(health(type="HTTP_STR_MATCH", search_string="x" * 256)), "dns.health_check.search_string")


@pytest.mark.parametrize(
    ("regions", "fragment"),
    [
        (["us-east-1", "eu-west-1"], "at least 3"),
        (["us-east-1", "eu-west-1", "eu-central-1"], "no health checkers in ['eu-central-1']"),
        (["us-east-1", "us-east-1", "eu-west-1"], "twice"),
    ],
)
def test_checker_regions_are_three_or_more_route53_checker_regions(regions, fragment):
    assert_error(spec_text(health(regions=regions)), "dns.health_check.regions", fragment)


# --- cross-section rules ----------------------------------------------------------------------


def test_dns_without_gcp_is_an_error():
    assert_error(spec_text(gcp=False, aws=True), "dns", "needs a gcp section with a primary cluster")


def test_dns_without_a_primary_cluster_is_an_error():
    clusters = (cluster("fl-eu", "secondary", 4), cluster("fl-asia", "client", 5))
    assert_error(spec_text(clusters=clusters), "dns", "no cluster in gcp.clusters has role primary")


def test_dns_with_only_clients_is_an_error():
    assert_error(spec_text(clusters=(cluster("fl-asia", "client", 5),)), "dns", "role primary")


def test_site_record_may_not_take_the_aggregator_name():
    clusters = (cluster("aggregator", "primary", 3), cluster("fl-eu", "secondary", 4))
    assert_error(
        spec_text(clusters=clusters, site_records=True), "dns.site_records", "gcp.clusters[0].name", "aggregator"
    )
    # Without site records the cluster name is irrelevant to DNS.
    parse_spec(spec_text(clusters=clusters))


def test_site_records_must_fit_in_dns():
    domain = ".".join(["a" * 61] * 3 + ["b" * 52])  # 238 characters
    clusters = (cluster("fl-us", "primary", 3), cluster("a-very-long-cluster-name", "secondary", 4))
    assert_error(
        spec_text(clusters=clusters, domain=domain, aggregator_record="agg", site_records=True),
        "dns.site_records",
        "gcp.clusters[1].name",
        "at most 253",
    )


def test_site_records_is_a_boolean():
    assert_error(spec_text(site_records="yes"), "dns.site_records")
