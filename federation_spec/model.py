"""The root of the federation spec and its cross-field rules (run once, after parsing)."""

from __future__ import annotations

import ipaddress
from itertools import combinations

from pydantic import Field

from federation_spec.aws import AwsSection
from federation_spec.aws_interconnect import interconnect_issues
from federation_spec.aws_member import member_issues
from federation_spec.azure import AzureSection
from federation_spec.base import SpecModel, parse_cidr
from federation_spec.dns import DnsSection, dns_issues
from federation_spec.errors import SpecIssue
from federation_spec.federation import Federation, LocalState, StateConfig, state_issues
from federation_spec.gcp import GcpSection
from federation_spec.monitoring import MonitoringSection, sns_topic_region
from federation_spec.names import name_issues
from federation_spec.workload import WorkloadSection


class FederationSpec(SpecModel):
    """A whole federated-learning estate. Absent cloud sections mean that cloud is not used."""

    federation: Federation
    """Identity of the estate: names and mandatory tags."""
    state: StateConfig = Field(default_factory=LocalState)
    """Where Terraform state lives, one state file per stack; cross-stack references read other
    stacks' outputs through the same backend. `backend` picks one of `local`, `s3`, `gcs`,
    `azurerm`."""
    aws: AwsSection | None = None
    """AWS data sites (stack `aws-<region>` each) and their private interconnect."""
    gcp: GcpSection | None = None
    """Private GKE clusters (stack `gke-<name>` each) that run the aggregator and training clients."""
    azure: AzureSection | None = None
    """Governed dataset exchange with partner sites through Azure Data Share (stack `azure-data-share`)."""
    dns: DnsSection | None = None
    """One global name for the aggregator with health-checked Route 53 failover (stack `dns`)."""
    workload: WorkloadSection | None = None
    """Federated-learning workloads on every GKE cluster (stacks `federation-pki`, `node-key-<cluster>`, `federation-trust` and `workload-<cluster>`)."""
    monitoring: MonitoringSection | None = None
    """Alerts on every aggregator and site, and one dashboard per cloud (stacks `monitoring-aws`, `monitoring-gcp`); absent: the estate deploys but nobody is told when it breaks."""

    @property
    def notifies(self) -> bool:
        """Whether anyone is told when an aggregator or a site stops (a monitoring section exists)."""
        return self.monitoring is not None

    def aws_alarm_regions(self) -> tuple[str, ...]:
        """Regions that hold CloudWatch alarms with a monitoring section: us-east-1 for the Route 53
        health checks (their metrics exist only there), then every AWS member site's region."""
        regions = ["us-east-1"] if self.dns else []
        if self.aws and self.gcp and self.workload:
            regions += [r.name for r in self.aws.regions if r.is_member(True) and r.name not in regions]
        return tuple(regions)

    @property
    def supernode_dial_name(self) -> str | None:
        """The DNS name every SuperNode dials, or ``None`` when they dial the primary aggregator's
        static IP. Only a name that answers from the first apply, with no manual step, qualifies:
        ``workload.aggregator_host`` (a name the user manages and vouches for), else the ``dns``
        failover name when ``dns.answers_at_first_apply`` (the stack or the user delegated it)."""
        if self.workload and self.workload.aggregator_host:
            return self.workload.aggregator_host
        if self.dns and self.dns.answers_at_first_apply:
            return self.dns.fqdn
        return None

    def network_claims(self) -> list[tuple[str, ipaddress.IPv4Network]]:
        """Every CIDR block the estate routes, with its field path: the input of the overlap rule."""
        claims = []
        if self.aws:
            for i, region in enumerate(self.aws.regions):
                claims.append((f"aws.regions[{i}].cidr", parse_cidr(region.cidr)))
            if self.aws.direct_connect:
                for k, cidr in enumerate(self.aws.direct_connect.on_premises_cidrs):
                    claims.append((f"aws.direct_connect.on_premises_cidrs[{k}]", parse_cidr(cidr)))
        if self.gcp:
            for i, cluster in enumerate(self.gcp.clusters):
                path = f"gcp.clusters[{i}]"
                ranges = {
                    "cidr": cluster.cidr,
                    "pods_cidr": cluster.pod_range(),
                    "services_cidr": cluster.service_range(),
                    "master_cidr": cluster.master_cidr,
                }
                claims += [(f"{path}.{key}", parse_cidr(value)) for key, value in ranges.items() if value]
        return claims


def _duplicates(values: list[tuple[str, str]], what: str) -> list[SpecIssue]:
    seen: dict[str, str] = {}
    issues = []
    for path, value in values:
        if value in seen:
            issues.append(SpecIssue(path, f"duplicate {what} {value!r} (already at {seen[value]})"))
        else:
            seen[value] = path
    return issues


def _overlaps(claims: list[tuple[str, ipaddress.IPv4Network]]) -> list[SpecIssue]:
    issues = []
    for (path_a, net_a), (path_b, net_b) in combinations(claims, 2):
        if net_a.overlaps(net_b):
            issues.append(SpecIssue(path_b, f"{net_b} overlaps {net_a} at {path_a}"))
    return issues


def cross_field_issues(spec: FederationSpec) -> list[SpecIssue]:
    """Rules that span fields or sections: duplicates, CIDR overlaps across clouds, ASNs, and the
    length and characters of every physical name (``federation_spec.names``)."""
    issues = [SpecIssue(path, message) for path, message in state_issues(spec.state)]
    if spec.aws is None and spec.gcp is None and spec.azure is None:
        issues.append(SpecIssue("", "the spec declares no cloud: add an 'aws', 'gcp' or 'azure' section"))
    if spec.aws:
        names = [(f"aws.regions[{i}].name", r.name) for i, r in enumerate(spec.aws.regions)]
        issues += _duplicates(names, "AWS region")
        for i, region in enumerate(spec.aws.regions):
            issues += [SpecIssue(path, message) for path, message in region.zone_issues(f"aws.regions[{i}]")]
            issues += [SpecIssue(path, message) for path, message in region.loader_issues(f"aws.regions[{i}]")]
        issues += [SpecIssue(path, message) for path, message in interconnect_issues(spec.aws)]
        issues += [
            SpecIssue(path, message)
            for path, message in member_issues(
                spec.aws, spec.workload, tuple(c.name for c in spec.gcp.clusters) if spec.gcp else ()
            )
        ]
    if spec.gcp:
        names = [(f"gcp.clusters[{i}].name", c.name) for i, c in enumerate(spec.gcp.clusters)]
        issues += _duplicates(names, "GKE cluster name")
        issues += [SpecIssue(path, message) for path, message in spec.gcp.issues("gcp")]
    if spec.azure:
        issues += [SpecIssue(path, message) for path, message in spec.azure.data_share.issues("azure.data_share")]
    if spec.dns:
        issues += [SpecIssue(path, message) for path, message in dns_issues(spec.dns, spec.gcp)]
    if spec.workload:
        issues += _workload_issues(spec)
    if spec.monitoring:
        issues += _monitoring_issues(spec)
    issues += _overlaps(spec.network_claims())
    issues += name_issues(spec)
    return issues


def _workload_issues(spec: FederationSpec) -> list[SpecIssue]:
    """The workload runs on the GKE clusters and needs a primary one for its aggregator."""
    issues = [SpecIssue(path, message) for path, message in spec.workload.issues("workload")]
    if spec.gcp is None:
        issues.append(SpecIssue("workload", "runs on the GKE clusters of the gcp section; add a gcp section"))
    elif not any(cluster.role == "primary" for cluster in spec.gcp.clusters):
        issues.append(SpecIssue("workload", "needs a gcp cluster with role primary to run the aggregator; none has it"))
    if spec.gcp is not None:
        clusters = [cluster.name for cluster in spec.gcp.clusters]
        for i, site in enumerate(spec.workload.google_apis):
            if site not in clusters:
                issues.append(
                    SpecIssue(
                        f"workload.google_apis[{i}]",
                        f"{site!r} is not a gcp cluster; expected one of: {', '.join(clusters)}",
                    )
                )
        for i, operator in enumerate(spec.workload.operators):
            if operator.startswith("group:") and spec.gcp.rbac_security_group is None:
                issues.append(
                    SpecIssue(
                        f"workload.operators[{i}]",
                        "a group needs Google Groups for RBAC: set gcp.rbac_security_group (and make the group a member of it)",
                    )
                )
    return issues


def _monitoring_issues(spec: FederationSpec) -> list[SpecIssue]:
    """Destinations must be usable: an SNS topic only by alarms of its region, Google channels only
    by a spec with GKE clusters."""
    monitoring = spec.monitoring
    issues = [SpecIssue(path, message) for path, message in monitoring.issues("monitoring")]
    regions = spec.aws_alarm_regions()
    for i, arn in enumerate(monitoring.sns_topic_arns):
        if sns_topic_region(arn) not in regions:
            where = ", ".join(regions) or "none (no dns section and no AWS member site)"
            issues.append(
                SpecIssue(
                    f"monitoring.sns_topic_arns[{i}]",
                    f"no alarm runs in {sns_topic_region(arn)} to notify it; alarm regions: {where}",
                )
            )
    if monitoring.google_channels and spec.gcp is None:
        issues.append(SpecIssue("monitoring.google_channels", "needs a gcp section (alert policies live there)"))
    return issues
