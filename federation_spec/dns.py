"""The ``dns`` section: one public name for the federation's aggregator, which Route 53 moves from
the primary to the secondary aggregator when the primary's health check fails.

The name is ``<aggregator_record>.<domain>``; the aggregators are the ``primary`` and
``secondary`` clusters of the ``gcp`` section (their reserved static IPs). Which clusters those
are is checked in ``federation_spec.model`` (it spans sections).

A new hosted zone answers only once its parent zone delegates to it (NS, and DS for DNSSEC).
``answers_at_first_apply`` says whether that is true after the first ``apply``: the stack
publishes the delegation itself (``parent_zone_id``) or the user did it (``delegated``). Only
then do SuperNodes dial the name (see ``FederationSpec.supernode_dial_name``).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from federation_spec.aws import LogRetentionDays
from federation_spec.base import DnsLabel, SpecModel, StrictBool, StrictInt, StrictStr
from federation_spec.reserved_names import reject_reserved

SAMPLE_DOMAIN = "federated.yourcompany.net"
"""The placeholder ``dns.domain`` of the sample ``federation.yaml``: it synthesizes and deploys
(nobody delegates it, so SuperNodes dial the primary's IP), but it is not yours; ``preflight``
flags it."""

DNS_NAME_LIMIT = 253
"""Longest DNS name in presentation form, without the trailing dot (RFC 1035: 255 octets on the wire)."""

HEALTH_CHECKER_REGIONS = (
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
)
"""Every region Route 53 runs health checkers in (the API's HealthCheckRegion values)."""

MIN_HEALTH_CHECKER_REGIONS = 3
"""Route 53 needs at least three checker regions when you list them."""

FLOWER_FLEET_PORT = 9092
"""The aggregator's client-facing port: Flower's SuperLink Fleet API listens on 9092."""

MAX_RECORD_TTL = 300
"""Failover records need a short TTL: resolvers keep a failed aggregator's address for that long."""

HTTP_TYPES = frozenset({"HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH"})
STRING_MATCH_TYPES = frozenset({"HTTP_STR_MATCH", "HTTPS_STR_MATCH"})

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_RESOURCE_PATH = re.compile(r"^/[\x21-\x7e]*$")


def _domain(value: str) -> str:
    """A public DNS name in canonical form: lowercase labels of letters, digits and inner hyphens,
    at least two labels, a top-level label that is not all digits, no trailing dot."""
    if value.endswith("."):
        raise ValueError(f"{value!r} ends with a dot; write it without the trailing dot ({value.rstrip('.')!r})")
    if value != value.lower():
        raise ValueError(f"{value!r} has uppercase letters; write it in lowercase ({value.lower()!r})")
    if len(value) > DNS_NAME_LIMIT:
        raise ValueError(f"{value!r} is {len(value)} characters; DNS names have at most {DNS_NAME_LIMIT}")
    labels = value.split(".")
    if len(labels) < 2:
        raise ValueError(f"{value!r} is not a domain you can delegate (expected e.g. {SAMPLE_DOMAIN})")
    for label in labels:
        if not _LABEL.match(label):
            raise ValueError(
                f"{value!r} has an invalid label {label!r} (1-63 lowercase letters, digits and hyphens, "
                "not starting or ending with a hyphen)"
            )
    if labels[-1].isdigit():
        raise ValueError(f"{value!r} looks like an IP address, not a domain name")
    return reject_reserved(value)


_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")


def _zone_id(value: str) -> str:
    """A Route 53 hosted zone ID as the API returns it without its ``/hostedzone/`` prefix."""
    if value.startswith("/hostedzone/"):
        raise ValueError(f"{value!r}: write the ID without the '/hostedzone/' prefix ({value.rsplit('/', 1)[1]!r})")
    if not _ZONE_ID.match(value):
        raise ValueError(
            f"{value!r} is not a Route 53 hosted zone ID (Z followed by up to 31 uppercase letters/digits)"
        )
    return value


def _resource_path(value: str) -> str:
    if len(value) > 255 or not _RESOURCE_PATH.match(value):
        raise ValueError(f"{value!r} is not a URL path (starts with '/', at most 255 printable characters, no spaces)")
    return value


def _checker_regions(value: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [region for region in value if region not in HEALTH_CHECKER_REGIONS]
    if unknown:
        raise ValueError(f"Route 53 has no health checkers in {unknown}; choose from {list(HEALTH_CHECKER_REGIONS)}")
    if len(set(value)) != len(value):
        raise ValueError("lists a region twice")
    if len(value) < MIN_HEALTH_CHECKER_REGIONS:
        raise ValueError(f"Route 53 needs at least {MIN_HEALTH_CHECKER_REGIONS} health checker regions")
    return value


DomainName = Annotated[StrictStr, AfterValidator(_domain)]
HostedZoneId = Annotated[StrictStr, AfterValidator(_zone_id)]
ResourcePath = Annotated[StrictStr, AfterValidator(_resource_path)]
CheckerRegions = Annotated[tuple[StrictStr, ...], AfterValidator(_checker_regions)]


class HealthCheck(SpecModel):
    """How Route 53 probes each aggregator's static IP. ``type`` TCP (default) opens a connection to
    ``port``; HTTP/HTTPS also need a 2xx/3xx answer on ``resource_path``; the ``*_STR_MATCH`` types
    also need ``search_string`` in the first 5,120 bytes of the body. An endpoint is unhealthy after
    ``failure_threshold`` (1-10) failed probes ``request_interval`` (10 or 30) seconds apart, as
    seen by the ``regions`` checkers (default: all eight)."""

    type: Literal["TCP", "HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH"] = "TCP"
    """Route 53 health-check type; `*_STR_MATCH` also needs `search_string`."""
    port: Annotated[StrictInt, Field(ge=1, le=65535)] = FLOWER_FLEET_PORT
    """Port probed on each aggregator's static IP (default: Flower's Fleet API, 9092)."""
    failure_threshold: Annotated[StrictInt, Field(ge=1, le=10)] = 3
    """Consecutive failed probes before an aggregator counts as down."""
    request_interval: Literal[10, 30] = 30
    """Seconds between probes (10 costs extra)."""
    resource_path: ResourcePath | None = None
    """HTTP/HTTPS types only: path to request, starting with `/`."""
    search_string: Annotated[StrictStr, Field(min_length=1, max_length=255)] | None = None
    """Required for, and only for, `*_STR_MATCH`: text the response must contain."""
    regions: CheckerRegions = HEALTH_CHECKER_REGIONS
    """At least 3 Route 53 health-checker regions; default: all 8."""

    def issues(self, path: str) -> list[tuple[str, str]]:
        """Fields that only some check types accept (or need)."""
        issues = []
        if self.resource_path is not None and self.type not in HTTP_TYPES:
            issues.append((f"{path}.resource_path", f"only HTTP and HTTPS checks request a path; type is {self.type}"))
        if self.type in STRING_MATCH_TYPES and self.search_string is None:
            issues.append((f"{path}.search_string", f"type {self.type} needs the string to look for"))
        if self.search_string is not None and self.type not in STRING_MATCH_TYPES:
            issues.append(
                (f"{path}.search_string", f"only HTTP_STR_MATCH and HTTPS_STR_MATCH use it; type is {self.type}")
            )
        return issues

    def detection_seconds(self) -> int:
        """Seconds of consecutive failed probes before Route 53 marks an endpoint unhealthy."""
        return self.failure_threshold * self.request_interval


class DnsSection(SpecModel):
    """A public Route 53 zone for ``domain`` (DNSSEC-signed, query-logged) holding the aggregator
    name ``<aggregator_record>.<domain>`` with a ``ttl`` of at most 300 s. With ``site_records``,
    every cluster that runs an aggregator also gets ``<cluster name>.<domain>`` (its own static
    IP, no failover). ``query_log_retention_days`` is a CloudWatch Logs retention period.

    The zone answers only once the parent zone delegates to it. With ``parent_zone_id`` (a
    Route 53 zone of the deployer's account) the stack publishes the NS and DS records there
    itself; ``delegated: true`` says the user already did. Otherwise SuperNodes dial the primary
    aggregator's static IP instead of the name."""

    domain: DomainName
    """Public DNS name of the hosted zone (at least 2 labels, lowercase, no trailing dot, not reserved)."""
    parent_zone_id: HostedZoneId | None = None
    """Route 53 hosted zone ID of the parent zone (deployer's account): the stack publishes the NS and DS delegation there, so SuperNodes can dial the name from the first apply."""
    parent_zone_name: DomainName | None = None
    """Name of the `parent_zone_id` zone, if not `domain` minus its first label (e.g. a grandparent zone); `domain` must lie under it."""
    delegated: StrictBool = False
    """You have published the NS and DS records of `domain` in its parent zone yourself: SuperNodes dial the name."""
    aggregator_record: DnsLabel = "aggregator"
    """Label of the name clients use: `<aggregator_record>.<domain>`."""
    ttl: Annotated[StrictInt, Field(ge=1, le=MAX_RECORD_TTL)] = 60
    """Record TTL in seconds, at most 300: nodes follow a failover about failure_threshold x request_interval + ttl + workload.client.resolve_interval + a few seconds later."""
    health_check: HealthCheck = Field(default_factory=HealthCheck)
    """How Route 53 decides an aggregator is healthy."""
    site_records: StrictBool = False
    """Also publish `<cluster>.<domain>` for each aggregator cluster (clients have no public IP)."""
    query_log_retention_days: LogRetentionDays = 365
    """Retention of the DNS query logs; a CloudWatch Logs retention value."""

    @property
    def answers_at_first_apply(self) -> bool:
        """Whether the zone's names resolve right after the first ``apply`` with no manual step:
        the stack delegates it (``parent_zone_id``) or the user says it is delegated."""
        return self.parent_zone_id is not None or self.delegated

    @property
    def parent_zone(self) -> str:
        """The parent zone's name: ``parent_zone_name``, else ``domain`` minus its first label."""
        return self.parent_zone_name or self.domain.split(".", 1)[1]

    @property
    def fqdn(self) -> str:
        """The name clients use: ``<aggregator_record>.<domain>``."""
        return f"{self.aggregator_record}.{self.domain}"

    def site_fqdn(self, cluster: str) -> str:
        return f"{cluster}.{self.domain}"

    def failover_seconds(self) -> int:
        """Worst case until clients reach the secondary: detection plus one TTL of cached answers."""
        return self.health_check.detection_seconds() + self.ttl


def dns_issues(dns: DnsSection, gcp) -> list[tuple[str, str]]:
    """Rules that span ``dns`` and ``gcp``: a primary aggregator to point at, names that fit in
    DNS and do not collide, and the health-check fields each check type accepts."""
    issues = dns.health_check.issues("dns.health_check") + delegation_issues(dns)
    if len(dns.fqdn) > DNS_NAME_LIMIT:
        issues.append(
            (
                "dns.aggregator_record",
                f"{dns.fqdn!r} is {len(dns.fqdn)} characters; DNS names have at most {DNS_NAME_LIMIT}",
            )
        )
    if gcp is None:
        issues.append(
            ("dns", "the aggregator name needs a gcp section with a primary cluster (role: primary) to point at")
        )
        return issues
    aggregators = [(i, c) for i, c in enumerate(gcp.clusters) if c.runs_aggregator]
    if not any(c.role == "primary" for _, c in aggregators):
        issues.append(
            (
                "dns",
                "no cluster in gcp.clusters has role primary; the aggregator name needs one "
                "(set role: primary on the cluster that runs the aggregator)",
            )
        )
    if dns.site_records:
        for i, cluster in aggregators:
            name = dns.site_fqdn(cluster.name)
            if cluster.name == dns.aggregator_record:
                issues.append(
                    (
                        "dns.site_records",
                        f"cluster {cluster.name!r} (gcp.clusters[{i}].name) would get the aggregator's own name "
                        f"{name!r}; rename the cluster or change dns.aggregator_record",
                    )
                )
            elif len(name) > DNS_NAME_LIMIT:
                issues.append(
                    (
                        "dns.site_records",
                        f"{name!r} (gcp.clusters[{i}].name) is {len(name)} characters; DNS names have at most "
                        f"{DNS_NAME_LIMIT}",
                    )
                )
    return issues


def delegation_issues(dns: DnsSection) -> list[tuple[str, str]]:
    """One way to delegate the zone, and a parent zone that can hold the delegation: a proper
    ancestor of ``domain`` that is not a top-level domain (those are the registrar's)."""
    issues = []
    if dns.parent_zone_id and dns.delegated:
        issues.append(
            (
                "dns.delegated",
                "parent_zone_id makes the dns stack publish the delegation itself (records that already exist "
                "make the apply fail); set one of them",
            )
        )
    if dns.parent_zone_name and not dns.parent_zone_id:
        issues.append(("dns.parent_zone_name", "names the zone of parent_zone_id; set parent_zone_id too"))
    if not dns.parent_zone_id:
        return issues
    parent = dns.parent_zone
    if not dns.domain.endswith(f".{parent}"):
        issues.append(("dns.parent_zone_name", f"{dns.domain!r} is not a subdomain of {parent!r}"))
    elif "." not in parent:
        issues.append(
            (
                "dns.parent_zone_id",
                f"{dns.domain!r} is a registered domain (its parent is the top-level domain {parent!r}): "
                "delegate it at your registrar and set delegated: true instead",
            )
        )
    return issues
