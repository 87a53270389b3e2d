"""The global aggregator endpoint: a DNSSEC-signed, query-logged public Route 53 zone whose
aggregator name fails over from the primary to the secondary aggregator's static IP.

Its own stack because it is global (one per federation, not per region or cluster) and because
it reads the GKE stacks: the reserved aggregator IPs arrive as cross-stack references, so the
records always carry the addresses Terraform manages there, never copies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_ip_ranges import DataAwsIpRanges
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from cdktf_cdktf_provider_aws.route53_record import Route53Record
from constructs import Construct

from constructs_lib.aws.context import AwsContext
from constructs_lib.aws.dnssec import DNSSEC_REGION, ZoneSigning, ZoneSigningProps, ksk_name_for
from constructs_lib.aws.failover_record import FailoverRecord, FailoverRecordProps, FailoverTarget
from constructs_lib.aws.health_check import EndpointHealthCheck, EndpointHealthCheckProps
from constructs_lib.aws.hosted_zone import PublicHostedZone, PublicHostedZoneProps
from constructs_lib.aws.query_logging import ZoneQueryLogging, ZoneQueryLoggingProps
from constructs_lib.aws.zone_delegation import ZoneDelegation, ZoneDelegationProps
from federation_spec.dns import DnsSection
from stacks.base import FederationStack
from stacks.gke_cluster import gke_stack_name
from stacks.plan import DNS_STACK

HEALTH_CHECKER_SERVICE = "route53_healthchecks"
"""The ``ROUTE53_HEALTHCHECKS`` service of AWS's published ip-ranges.json (lower case for the data source)."""
GLOBAL_RANGES = "GLOBAL"
"""The ip-ranges.json ``region`` of ranges not tied to one region. Route 53 publishes its checkers'
``15.177.0.0/18`` there, and the ``aws_ip_ranges`` data source matches ``regions`` exactly (case
aside), so a filter naming only the checker regions drops it and the aggregators refuse those
checkers (false failovers)."""


@dataclass(frozen=True)
class Aggregator:
    """An aggregator as the DNS stack sees it: the spec ``cluster`` name (the site record's label),
    its ``role`` (primary or secondary) and its reserved ``ip`` (a token from the GKE stack)."""

    cluster: str
    role: str
    ip: str


def build(app: Construct, spec, plan, built: dict) -> DnsStack:
    """Builder used by ``build_app``: the aggregators of the GKE stacks this plan depends on."""
    by_stack = {gke_stack_name(c.name): c for c in spec.gcp.clusters}
    aggregators = []
    for name in plan.depends_on:
        stack = built[name]
        aggregators.append(Aggregator(cluster=by_stack[name].name, role=stack.role, ip=stack.aggregator_ip))
    return DnsStack(app, dns=spec.dns, federation=spec.federation, state=spec.state, aggregators=aggregators)


class DnsStack(FederationStack):
    """The stack ``dns`` (AWS provider in us-east-1, where DNSSEC keys and query logs must live).

    ``aggregators`` holds the primary and, optionally, the secondary. With both, the aggregator
    name is a PRIMARY/SECONDARY failover pair, each record with its own health check; with only a
    primary it is a simple record (and the primary's health check still runs, for monitoring).
    With ``dns.parent_zone_id`` it also publishes the zone's NS and DS records in that parent
    zone, after DNSSEC signing is on, so the names answer from the first apply.
    Exposes ``fqdn`` (literal), ``zone``, ``health_checks`` (by cluster name) and
    ``health_checker_cidrs`` (a list token: the IPv4 ranges the health checkers of the configured
    regions probe from, plus Route 53's ``GLOBAL`` checker range, which the aggregators must admit
    on the fleet port)."""

    def __init__(self, scope: Construct, *, dns: DnsSection, federation, state, aggregators: Sequence[Aggregator]):
        super().__init__(scope, DNS_STACK, federation=federation, state=state)
        roles = [a.role for a in aggregators]
        if roles not in (["primary"], ["primary", "secondary"]):
            raise ValueError(
                f"DnsStack needs a primary aggregator and at most one secondary, in that order; got {roles}"
            )
        self.fqdn = dns.fqdn
        AwsProvider(self, "aws", region=DNSSEC_REGION, default_tags=[AwsProviderDefaultTags(tags=self.tags)])
        context = AwsContext.lookup(self, DNSSEC_REGION)

        self.zone = PublicHostedZone(
            self,
            "zone",
            props=PublicHostedZoneProps(
                domain=dns.domain, comment=f"Federated-learning endpoints of {self.prefix} (managed by cdktf)"
            ),
        )
        signing = ZoneSigning(
            self,
            "dnssec",
            zone_id=self.zone.zone_id,
            zone_arn=self.zone.arn,
            context=context,
            props=ZoneSigningProps(
                alias=f"{self.prefix}-dnssec",
                description=f"{self.prefix}: DNSSEC key-signing key of {dns.domain}",
                ksk_name=ksk_name_for(self.prefix),
            ),
        )
        if dns.parent_zone_id:
            ZoneDelegation(
                self,
                "delegation",
                name_servers=self.zone.name_servers,
                ds_record=signing.ds_record,
                signed=[signing.signing],
                props=ZoneDelegationProps(
                    parent_zone_id=dns.parent_zone_id, domain=dns.domain, parent_zone_name=dns.parent_zone
                ),
            )
        query_logging = ZoneQueryLogging(
            self,
            "query_logging",
            zone_id=self.zone.zone_id,
            zone_arn=self.zone.arn,
            context=context,
            props=ZoneQueryLoggingProps(
                domain=dns.domain,
                key_alias=f"{self.prefix}-dns-query-logs",
                policy_name=f"{self.prefix}-route53-query-logs",
                retention_days=dns.query_log_retention_days,
            ),
        )

        check = dns.health_check
        checker_ranges = DataAwsIpRanges(
            self,
            "health_checker_ranges",
            services=[HEALTH_CHECKER_SERVICE],
            regions=[*check.regions, GLOBAL_RANGES],
        )
        self.health_checker_cidrs = checker_ranges.cidr_blocks
        self.health_checks: dict[str, EndpointHealthCheck] = {}
        for aggregator in aggregators:
            self.health_checks[aggregator.cluster] = EndpointHealthCheck(
                self,
                f"health_check_{aggregator.cluster}",
                ip_address=aggregator.ip,
                props=EndpointHealthCheckProps(
                    name=f"{self.prefix}-{aggregator.cluster}-aggregator",
                    type=check.type,
                    port=check.port,
                    failure_threshold=check.failure_threshold,
                    request_interval=check.request_interval,
                    resource_path=check.resource_path,
                    search_string=check.search_string,
                    regions=check.regions,
                ),
            )
        targets = [
            FailoverTarget(
                ip=a.ip, health_check_id=self.health_checks[a.cluster].id, set_identifier=f"{a.role}-{a.cluster}"
            )
            for a in aggregators
        ]
        self.record = FailoverRecord(
            self,
            "aggregator",
            zone_id=self.zone.zone_id,
            primary=targets[0],
            secondary=targets[1] if len(targets) > 1 else None,
            props=FailoverRecordProps(name=dns.fqdn, ttl=dns.ttl),
        )

        site_names = {}
        if dns.site_records:
            for aggregator in aggregators:
                name = dns.site_fqdn(aggregator.cluster)
                Route53Record(
                    self,
                    f"site_{aggregator.cluster}",
                    zone_id=self.zone.zone_id,
                    name=name,
                    type="A",
                    ttl=dns.ttl,
                    records=[aggregator.ip],
                )
                site_names[aggregator.cluster] = name

        self.output(
            "federated_dns_name",
            dns.fqdn,
            "The aggregator's name: clients connect here; it follows the healthy aggregator.",
        )
        self.output("zone_id", self.zone.zone_id, "ID of the public hosted zone.")
        where = (
            f"published in the parent zone {dns.parent_zone_id} by this stack"
            if dns.parent_zone_id
            else "to publish in the parent zone"
        )
        self.output(
            "name_servers",
            self.zone.name_servers,
            f"Name servers of {dns.domain}: the NS record {where}.",
        )
        self.output(
            "dnssec_ds_record",
            signing.ds_record,
            f"DS record for {dns.domain} {where} (completes the DNSSEC chain of trust).",
        )
        self.output(
            "health_check_ids",
            {cluster: hc.id for cluster, hc in self.health_checks.items()},
            "Route 53 health check IDs by cluster (CloudWatch metric AWS/Route53 HealthCheckStatus).",
        )
        self.output(
            "query_log_group_arn", query_logging.log_group_arn, "CloudWatch log group of the zone's DNS query logs."
        )
        self.output(
            "health_checker_cidrs",
            self.health_checker_cidrs,
            "IPv4 ranges of the Route 53 health checkers (AWS ip-ranges.json); the aggregators admit them on the fleet port.",
        )
        if site_names:
            self.output("site_dns_names", site_names, "Per-cluster names of the aggregators (no failover).")
