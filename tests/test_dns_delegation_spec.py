"""Names that answer at first apply: reserved names are rejected, the zone is delegated one way
at most, and the spec decides which name (if any) SuperNodes dial. Every error is asserted as
the exact line ``validate`` prints."""

from __future__ import annotations

import pytest
import yaml

from federation_spec import parse_spec
from federation_spec.dns import SAMPLE_DOMAIN
from tests.cli_helpers import run_main
from tests.conftest import DEFAULT_SPEC
from tests.spec_helpers import errors_of
from tests.test_dns_spec import spec_text as dns_spec
from tests.test_workload_spec import spec_text as workload_spec

EXAMPLE = "RFC 2606 reserves example.{} for documentation and Route 53 refuses it (InvalidDomainName)"
RESERVED = [
    ("federated.example.com", EXAMPLE.format("com")),
    ("example.net", EXAMPLE.format("net")),
    ("fl.example.org", EXAMPLE.format("org")),
    ("fl.corp.test", "RFC 2606/6761 reserve .test for testing; the root zone never delegates it"),
    ("fl.example", "RFC 2606/6761 reserve .example for documentation; the root zone never delegates it"),
    ("fl.invalid", "RFC 2606/6761 reserve .invalid as a name that never resolves"),
    ("fl.localhost", "RFC 2606/6761 reserve .localhost for the loopback interface"),
    ("fl.local", "RFC 6762 reserves .local for multicast DNS; resolvers never send it to public DNS"),
    ("fl.corp.internal", "ICANN reserves .internal for private networks; the root zone never delegates it"),
    ("fl.home.arpa", "RFC 8375 reserves home.arpa for home networks; public DNS never answers for it"),
    ("fl.onion", "RFC 7686 reserves .onion for Tor; resolvers must answer NXDOMAIN"),
    ("fl.alt", "RFC 9476 reserves .alt for non-DNS namespaces; the root zone never delegates it"),
]


@pytest.mark.parametrize(("name", "reason"), RESERVED)
def test_reserved_domain_is_rejected(name, reason):
    assert errors_of(dns_spec(domain=name)) == [
        f"federation.yaml: dns.domain: {name!r} is reserved: {reason}; use a domain you own"
    ]


@pytest.mark.parametrize(("name", "reason"), RESERVED)
def test_reserved_aggregator_host_is_rejected(name, reason):
    host = f"agg.{name}"
    assert errors_of(workload_spec({"aggregator_host": host})) == [
        f"federation.yaml: workload.aggregator_host: {host!r} is reserved: {reason}; use a domain you own"
    ]


@pytest.mark.parametrize("name", ["example.com.au", "myexample.com", "fl.testing.net", "fl.localnet.org", "arpa.io"])
def test_names_that_only_look_reserved_are_accepted(name):
    assert parse_spec(dns_spec(domain=name)).dns.domain == name


def test_validate_exits_2_with_one_line_for_a_reserved_domain(tmp_path):
    doc = yaml.safe_load(DEFAULT_SPEC.read_text())
    doc["dns"]["domain"] = "federated.example.com"
    path = tmp_path / "federation.yaml"
    path.write_text(yaml.safe_dump(doc))
    result = run_main("validate", "--spec", str(path))
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "dns.domain: 'federated.example.com' is reserved: RFC 2606 reserves example.com for documentation and "
        "Route 53 refuses it (InvalidDomainName); use a domain you own"
    )
    assert "Traceback" not in result.stderr


# --- delegation ---------------------------------------------------------------------------------


def test_default_uses_the_placeholder_domain_and_dials_the_primary_ip(default_spec):
    assert default_spec.dns.domain == SAMPLE_DOMAIN
    assert default_spec.dns.answers_at_first_apply is False
    assert default_spec.supernode_dial_name is None


@pytest.mark.parametrize(
    ("fields", "answers"),
    [({}, False), ({"delegated": True}, True), ({"parent_zone_id": "Z0123456789ABCDEFGHIJ"}, True)],
)
def test_supernodes_dial_the_name_only_once_the_zone_is_delegated(fields, answers):
    spec = parse_spec(dns_spec(**fields))
    assert spec.dns.answers_at_first_apply is answers
    assert spec.supernode_dial_name == ("aggregator.federated.yourcompany.net" if answers else None)


def test_aggregator_host_is_the_users_name_and_is_dialled():
    doc = yaml.safe_load(dns_spec())
    doc["workload"] = {"aggregator_host": "fl.partners.yourcompany.net"}
    spec = parse_spec(yaml.safe_dump(doc))
    assert spec.dns.answers_at_first_apply is False
    assert spec.supernode_dial_name == "fl.partners.yourcompany.net"


@pytest.mark.parametrize(
    ("fields", "line"),
    [
        (
            {"parent_zone_id": "Z0123456789ABCDEFGHIJ", "delegated": True},
            "dns.delegated: parent_zone_id makes the dns stack publish the delegation itself (records that already "
            "exist make the apply fail); set one of them",
        ),
        (
            {"parent_zone_name": "yourcompany.net"},
            "dns.parent_zone_name: names the zone of parent_zone_id; set parent_zone_id too",
        ),
        (
            {"parent_zone_id": "Z0123456789ABCDEFGHIJ", "parent_zone_name": "othercompany.net"},
            "dns.parent_zone_name: 'federated.yourcompany.net' is not a subdomain of 'othercompany.net'",
        ),
        (
            {"parent_zone_id": "Z0123456789ABCDEFGHIJ", "parent_zone_name": "federated.yourcompany.net"},
            "dns.parent_zone_name: 'federated.yourcompany.net' is not a subdomain of 'federated.yourcompany.net'",
        ),
        (
            {"domain": "yourcompany.net", "parent_zone_id": "Z0123456789ABCDEFGHIJ"},
            "dns.parent_zone_id: 'yourcompany.net' is a registered domain (its parent is the top-level domain "
            "'net'): delegate it at your registrar and set delegated: true instead",
        ),
        (
            {"parent_zone_id": "/hostedzone/Z0123456789ABCDEFGHIJ"},
            "dns.parent_zone_id: '/hostedzone/Z0123456789ABCDEFGHIJ': write the ID without the '/hostedzone/' "
            "prefix ('Z0123456789ABCDEFGHIJ')",
        ),
        (
            {"parent_zone_id": "z0123abc"},
            "dns.parent_zone_id: 'z0123abc' is not a Route 53 hosted zone ID (Z followed by up to 31 uppercase "
            "letters/digits)",
        ),
        (
            {"parent_zone_id": "Z0123456789ABCDEFGHIJ", "parent_zone_name": "example.com"},
            "dns.parent_zone_name: 'example.com' is reserved: RFC 2606 reserves example.com for documentation and "
            "Route 53 refuses it (InvalidDomainName); use a domain you own",
        ),
        ({"delegated": "yes"}, "dns.delegated: input should be a valid boolean, got str 'yes'"),
    ],
)
def test_bad_delegation(fields, line):
    assert errors_of(dns_spec(**fields)) == [f"federation.yaml: {line}"]


def test_parent_zone_name_may_be_a_grandparent():
    spec = parse_spec(
        dns_spec(domain="fl.research.yourcompany.net", parent_zone_id="Z0ABC", parent_zone_name="yourcompany.net")
    )
    assert spec.dns.parent_zone == "yourcompany.net"
    assert parse_spec(dns_spec(parent_zone_id="Z0ABC")).dns.parent_zone == "yourcompany.net"
