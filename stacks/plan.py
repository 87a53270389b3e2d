"""Which stacks a spec produces, what each needs, and in what order: computed from the spec
alone, without importing cdktf or any provider, so a selection (``synth --stacks 'aws-*'``) knows
which stack modules, and so which provider packages, it needs before loading any of them."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace

from federation_spec import FederationSpec
from federation_spec.aws_member import member_site_name


@dataclass(frozen=True)
class StackPlan:
    """One stack to build: its name, the builder module (``stacks.<module>``), the key its builder
    uses to find its part of the spec, the provider packages it loads, and the stacks it reads."""

    name: str
    module: str
    key: str
    providers: frozenset[str]
    depends_on: tuple[str, ...] = ()
    waits_for: tuple[str, ...] = ()
    """Stacks (also in ``depends_on``) to apply first although no value flows from them, so
    cdktf would not order them: ``build_app`` declares the dependency."""


def plan_stacks(spec: FederationSpec) -> list[StackPlan]:
    """Every stack of ``spec``, producers before consumers."""
    plans: list[StackPlan] = []
    members = aws_member_regions(spec)
    if spec.aws and not members:
        plans += _aws_plans(spec.aws)
    if spec.gcp:
        plans += [StackPlan(f"gke-{c.name}", "gke_cluster", c.name, frozenset({"google"})) for c in spec.gcp.clusters]
    if spec.azure:
        plans.append(StackPlan("azure-data-share", "azure_data_share", "", frozenset({"azurerm", "time"})))
    if spec.dns:
        plans.append(StackPlan(DNS_STACK, "dns", "", frozenset({"aws"}), _aggregator_stacks(spec.gcp)))
    if spec.gcp and spec.workload:
        plans += _workload_plans(
            spec.gcp,
            dns=bool(spec.dns),
            dials_dns=bool(spec.dns) and spec.supernode_dial_name == spec.dns.fqdn,
            aws=spec.aws if members else None,
            members=members,
        )
    if spec.monitoring:
        plans += _monitoring_plans(spec, members)
    return plans


MONITORING_AWS_STACK = "monitoring-aws"
MONITORING_GCP_STACK = "monitoring-gcp"


def _monitoring_plans(spec: FederationSpec, members: list[str]) -> list[StackPlan]:
    """``monitoring-aws`` (alarms on the dns stack's health checks and the member sites, which it
    reads) when there is a dns section or a member site; ``monitoring-gcp`` (alert policies on
    every GKE site, by cluster name) when there are GKE clusters. They come last: they watch."""
    plans = []
    if spec.aws_alarm_regions():
        reads = ([DNS_STACK] if spec.dns else []) + [aws_region_stack_name(region) for region in members]
        plans.append(StackPlan(MONITORING_AWS_STACK, "monitoring_aws", "", frozenset({"aws"}), tuple(reads)))
    if spec.gcp:
        plans.append(StackPlan(MONITORING_GCP_STACK, "monitoring_gcp", "", frozenset({"google", "time"})))
    return plans


def aws_member_regions(spec: FederationSpec) -> list[str]:
    """The AWS regions whose sites are federation members (``AwsRegion.is_member``), in spec order."""
    if not (spec.aws and spec.gcp and spec.workload):
        return []
    return [region.name for region in spec.aws.regions if region.is_member(True)]


def aws_region_stack_name(region: str) -> str:
    return f"aws-{region}"


def _aggregator_stacks(gcp) -> tuple[str, ...]:
    """The GKE stacks the DNS stack reads static IPs from: the primary's, then the secondary's."""
    order = {"primary": 0, "secondary": 1}
    clusters = sorted((c for c in gcp.clusters if c.runs_aggregator), key=lambda c: order[c.role])
    return tuple(f"gke-{c.name}" for c in clusters)


def _aws_plans(aws, member_reads: dict[str, tuple[str, ...]] | None = None) -> list[StackPlan]:
    """Direct Connect first (it reads nothing); then regions in spec order, each reading the
    regions before it (transit-gateway peering) and the Direct Connect gateway it associates;
    a member region also reads ``member_reads[region]`` (aggregators, trust, its key)."""
    plans = []
    dx_regions: set[str] = set()
    if aws.direct_connect:
        plans.append(StackPlan("aws-direct-connect", "aws_direct_connect", "", frozenset({"aws"})))
        dx_regions = set(aws.direct_connect.prefixes_by_region(aws.regions))
    earlier: list[str] = []
    for region in aws.regions:
        depends = list(earlier) if aws.transit_gateway else []
        if region.name in dx_regions:
            depends.append("aws-direct-connect")
        depends += (member_reads or {}).get(region.name, ())
        name = aws_region_stack_name(region.name)
        # A member site's image cache waits for its template role with the time provider.
        providers = frozenset({"aws", "time"}) if region.name in (member_reads or {}) else frozenset({"aws"})
        plans.append(StackPlan(name, "aws_region", region.name, providers, tuple(depends)))
        earlier.append(name)
    return plans


DNS_STACK = "dns"

PKI_STACK = "federation-pki"
"""The federation's CA and aggregator certificate (not ``workload-*``: a cluster may be named ``pki``).
Holds the CA and server private keys: only the aggregators' workload stacks read it."""

TRUST_STACK = "federation-trust"
"""Public material every site needs: the CA certificate and every site's SuperNode public key."""


def node_key_stack_name(cluster: str) -> str:
    """``node-key-<cluster>``: that site's SuperNode key pair, read only by its workload stack."""
    return f"node-key-{cluster}"


def _workload_plans(gcp, *, dns: bool, dials_dns: bool = False, aws=None, members: list[str] = ()) -> list[StackPlan]:
    """The PKI stack (its certificate names the aggregators' static IPs), a key stack per site,
    the trust stack (CA certificate and public keys), then one workload stack per cluster. Every
    workload stack reads its own cluster, the aggregator clusters (their static IPs), the trust
    stack and its own key. Aggregator clusters also read every cluster (their Cloud NAT addresses
    are the fleet port's sources), the PKI stack (server key and certificate) and the dns stack
    when there is one (the health checkers' ranges).

    AWS member sites (``members``) get a key stack each too (site ``aws-<region>``); their region
    stacks come after the trust stack (they read the aggregators' IPs, the trust stack and their
    key) and before the workload stacks, whose aggregators read their egress IPs.

    When SuperNodes dial the dns stack's name (``dials_dns``), every stack that runs one also
    comes after the dns stack, which creates the record (and, with ``parent_zone_id``, the
    delegation): started earlier, a SuperNode would get NXDOMAIN, cached for the parent zone's
    negative TTL."""
    after_dns = (DNS_STACK,) if dials_dns else ()
    clusters = [f"gke-{c.name}" for c in gcp.clusters]
    aggregators = [f"gke-{c.name}" for c in gcp.clusters if c.runs_aggregator]
    sites = [c.name for c in gcp.clusters] + [member_site_name(region) for region in members]
    keys = [node_key_stack_name(site) for site in sites]
    plans = [StackPlan(PKI_STACK, "workload_pki", "", frozenset({"tls"}), tuple(aggregators))]
    plans += [StackPlan(node_key_stack_name(site), "node_key", site, frozenset({"tls"})) for site in sites]
    plans.append(StackPlan(TRUST_STACK, "federation_trust", "", frozenset(), (PKI_STACK, *keys)))
    member_stacks = [aws_region_stack_name(region) for region in members]
    if aws is not None:
        reads = {r: (*aggregators, TRUST_STACK, node_key_stack_name(member_site_name(r)), *after_dns) for r in members}
        plans += [
            replace(plan, waits_for=after_dns) if plan.name in member_stacks else plan
            for plan in _aws_plans(aws, reads)
        ]
    for cluster in gcp.clusters:
        own = f"gke-{cluster.name}"
        read = clusters if cluster.runs_aggregator else aggregators
        depends = [own, *(name for name in read if name != own), TRUST_STACK, node_key_stack_name(cluster.name)]
        if cluster.runs_aggregator:
            depends.append(PKI_STACK)
            depends += member_stacks
            if dns:
                depends.append(DNS_STACK)
        else:
            depends += after_dns
        plans.append(
            StackPlan(
                f"workload-{cluster.name}",
                "workload",
                cluster.name,
                frozenset({"google", "kubernetes"}),
                tuple(depends),
                () if cluster.runs_aggregator else after_dns,
            )
        )
    return plans


class UnknownStackError(ValueError):
    """A ``--stacks`` pattern matched no stack."""


def select(plans: list[StackPlan], patterns: list[str] | None) -> list[StackPlan]:
    """The stacks matching any glob in ``patterns`` plus everything they depend on, in plan order;
    all stacks when ``patterns`` is empty."""
    if not patterns:
        return plans
    by_name = {plan.name: plan for plan in plans}
    wanted: set[str] = set()
    for pattern in patterns:
        matched = fnmatch.filter(by_name, pattern)
        if not matched:
            raise UnknownStackError(f"--stacks {pattern!r} matches no stack; stacks are: {', '.join(by_name)}")
        wanted.update(matched)
    pending = list(wanted)
    while pending:
        for dependency in by_name[pending.pop()].depends_on:
            if dependency not in wanted:
                wanted.add(dependency)
                pending.append(dependency)
    return [plan for plan in plans if plan.name in wanted]
