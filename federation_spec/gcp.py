"""The ``gcp`` section: private, hardened GKE clusters in several regions, one per federation member.

Each cluster names its own node, pod, service and control-plane ranges (pods and services may be
derived from the node range); every range joins the estate-wide overlap check in ``federation_spec.model``.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from federation_spec.base import (
    Name,
    NonEmpty,
    SpecModel,
    StrictBool,
    StrictInt,
    StrictStr,
    cidr_with_prefix,
    parse_cidr,
)
from federation_spec.machine_types import EXPECTED as MACHINE_TYPES_EXPECTED
from federation_spec.machine_types import machine_vcpus
from federation_spec.regions import GcpRegionName

CLUSTER_NAME_LIMIT = 40
"""GKE cluster names are at most 40 characters; the physical name is ``<name>-<environment>-<cluster>``
(checked with every other physical name in ``federation_spec.names``)."""

ZONES_PER_CLUSTER = 3
"""A regional cluster runs its node pool in three of the region's zones; node counts are per zone."""

POD_RANGE_PER_NODE_PREFIX = 24
"""At the default 110 pods per node, GKE gives every node a /24 of the pod range."""

NODE_RANGE_RESERVED = 4
"""Addresses Google reserves in every subnet's primary range (network, gateway, two at the top)."""

MAX_AUTHORIZED_NETWORKS = 50
AUTHORIZED_NETWORK_MIN_PREFIX = 8

Role = Literal["primary", "secondary", "client"]
"""Who runs the federated-learning aggregator: the primary, a standby secondary, or neither (client)."""

AGGREGATOR_ROLES = frozenset({"primary", "secondary"})

_PROJECT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_RBAC_GROUP = re.compile(r"^gke-security-groups@[a-z0-9-]+(\.[a-z0-9-]+)+$")


def _project_id(value: str) -> str:
    if not _PROJECT_ID.match(value):
        raise ValueError(
            f"{value!r} is not a GCP project ID (6-30 lowercase letters, digits and hyphens, "
            "starting with a letter, not ending with a hyphen)"
        )
    if "google" in value:
        raise ValueError(f"{value!r} is not a GCP project ID (project IDs cannot contain 'google')")
    return value


def _machine_type(value: str) -> str:
    """Only types whose vCPUs the name tells (``federation_spec.machine_types``): the CPU quota need is
    computed from them (``federation_spec.gcp_capacity``)."""
    if machine_vcpus(value) is None:
        raise ValueError(
            f"{value!r} is not a Compute Engine machine type this tool can size ({MACHINE_TYPES_EXPECTED})"
        )
    return value


def _master_cidr(value: str) -> str:
    prefix = parse_cidr(value).prefixlen
    if prefix != 28:
        raise ValueError(f"{value!r} has prefix /{prefix}; the GKE control-plane range must be a /28")
    return value


def _authorized_network(value: str) -> str:
    """Any IPv4 block in canonical form (office and CI egress ranges are usually public), never
    the whole internet: a /0 or any block wider than /8 would make the allow list meaningless."""
    try:
        network = ipaddress.IPv4Network(value, strict=False)
    except ValueError:
        raise ValueError(f"{value!r} is not a valid IPv4 CIDR block (expected e.g. 203.0.113.0/24)") from None
    if "/" not in value:
        raise ValueError(f"{value!r} has no prefix length (expected e.g. {value}/32)")
    if str(network) != value:
        raise ValueError(f"{value!r} has host bits set; did you mean {network}?")
    if network.prefixlen == 0:
        raise ValueError(
            "0.0.0.0/0 would open the Kubernetes API to the whole internet; list the networks that need it"
        )
    if network.prefixlen < AUTHORIZED_NETWORK_MIN_PREFIX:
        raise ValueError(
            f"{value!r} is wider than /{AUTHORIZED_NETWORK_MIN_PREFIX}; list the specific networks that need the API"
        )
    return value


def _rbac_group(value: str) -> str:
    if not _RBAC_GROUP.match(value):
        raise ValueError(f"{value!r} must be the group gke-security-groups@<your domain> (Google Groups for RBAC)")
    return value


GcpProjectId = Annotated[StrictStr, AfterValidator(_project_id)]
MachineType = Annotated[StrictStr, AfterValidator(_machine_type)]
MasterCidr = Annotated[StrictStr, AfterValidator(_master_cidr)]
AuthorizedNetwork = Annotated[StrictStr, AfterValidator(_authorized_network)]
RbacGroup = Annotated[StrictStr, AfterValidator(_rbac_group)]


class GkeNodePool(SpecModel):
    """The cluster's autoscaling node pool. ``min_nodes``/``max_nodes`` count nodes per zone (a
    regional cluster has three zones), as GKE's autoscaler does."""

    machine_type: MachineType = "e2-standard-4"
    """Compute Engine machine type of the workers: `<family>-<standard|highmem|highcpu>-<vCPUs>`, `[<family>-]custom-<vCPUs>-<MB>` or shared-core `e2-micro/small/medium`, `f1-micro`, `g1-small` (the CPU quota need is computed from the name)."""
    min_nodes: Annotated[StrictInt, Field(ge=0, le=1000)] = 1
    """Autoscaling minimum per zone (GKE regional pools span 3 zones); at most `max_nodes`."""
    max_nodes: Annotated[StrictInt, Field(ge=1, le=1000)] = 3
    """Autoscaling maximum per zone; x3 zones must fit the node subnet and the pod range (one /24 per node)."""
    disk_size_gb: Annotated[StrictInt, Field(ge=10, le=65536)] = 100
    """Boot disk size."""
    disk_type: Literal["pd-balanced", "pd-ssd", "pd-standard"] = "pd-balanced"
    """Boot disk type."""
    spot: StrictBool = False
    """Use Spot VMs."""


class GkeCluster(SpecModel):
    """One regional private GKE cluster and its VPC. ``cidr`` is the node subnet; ``pods_cidr`` and
    ``services_cidr`` default to the /16 after the node range's /16 and the first /20 of the /16
    after that (10.30.0.0/20 -> 10.31.0.0/16 and 10.32.0.0/20). ``master_authorized_networks``
    (the IP endpoints' allow list) defaults to the node subnet only; people and CI reach the API
    through the cluster's DNS endpoint, which IAM authorizes from any network."""

    name: Name
    """Cluster name; `<federation>-<environment>-<name>` must be at most 40 characters; unique."""
    region: GcpRegionName
    """A known GCP region."""
    role: Role = "client"
    """`primary`/`secondary` run an aggregator (at most one each) and get a reserved static IP; `client` runs training only."""
    cidr: cidr_with_prefix(16, 26)
    """Node subnet: private CIDR /16 to /26."""
    pods_cidr: cidr_with_prefix(9, 21) | None = None
    """Pod range, private /9 to /21; default: the /16 after `cidr`'s /16."""
    services_cidr: cidr_with_prefix(16, 27) | None = None
    """Service range, private /16 to /27; default: the first /20 of the /16 after the pod range."""
    master_cidr: MasterCidr
    """Control-plane range: a private /28."""
    node_pool: GkeNodePool = Field(default_factory=GkeNodePool)
    """The autoscaling worker pool (the default pool is removed)."""
    release_channel: Literal["RAPID", "REGULAR", "STABLE", "EXTENDED"] = "REGULAR"
    """GKE release channel; sets control-plane and node versions (never `latest`)."""
    deletion_protection: StrictBool = True
    """Terraform refuses to destroy the cluster while true."""
    private_endpoint: StrictBool = False
    """`true` turns the API's public IP endpoint off (authorized networks must then be private); deployers keep using the IAM-authorized DNS endpoint. Decide before the first apply: GKE does not switch it on an existing cluster with a `master_cidr` (VPC peering)."""
    master_authorized_networks: (
        Annotated[tuple[AuthorizedNetwork, ...], NonEmpty, Field(max_length=MAX_AUTHORIZED_NETWORKS)] | None
    ) = None
    """CIDRs allowed on the API's IP endpoints; default: the node subnet only. Deployers need no entry (they use the DNS endpoint, authorized by IAM). 1 to 50 entries, never 0.0.0.0/0 or wider than /8."""

    @property
    def runs_aggregator(self) -> bool:
        """Primary and secondary clusters get a reserved static IP for the aggregator."""
        return self.role in AGGREGATOR_ROLES

    def _derived(self, offset: int, prefix: int) -> str | None:
        base = parse_cidr(self.cidr).supernet(new_prefix=16)
        try:
            start = ipaddress.IPv4Address(int(base.network_address) + offset * base.num_addresses)
        except ipaddress.AddressValueError:
            return None
        candidate = ipaddress.IPv4Network(f"{start}/{prefix}")
        return str(candidate) if candidate.is_private else None

    def pod_range(self) -> str | None:
        """``pods_cidr``, else the derived range (None if it cannot be derived)."""
        return self.pods_cidr or self._derived(1, 16)

    def service_range(self) -> str | None:
        """``services_cidr``, else the derived range (None if it cannot be derived)."""
        return self.services_cidr or self._derived(2, 20)

    def authorized_networks(self) -> tuple[str, ...]:
        """The networks allowed to reach the control plane: as listed, else the node subnet."""
        return self.master_authorized_networks or (self.cidr,)

    def issues(self, path: str) -> list[tuple[str, str]]:
        """Cross-field checks of one cluster: derivable ranges, node counts against the ranges."""
        issues = []
        pods, services = self.pod_range(), self.service_range()
        for key, value in (("pods_cidr", pods), ("services_cidr", services)):
            if value is None:
                issues.append(
                    (f"{path}.{key}", f"cannot be derived from cidr {self.cidr} (it would leave RFC 1918); set it")
                )
        pool = self.node_pool
        if pool.min_nodes > pool.max_nodes:
            issues.append(
                (f"{path}.node_pool.min_nodes", f"{pool.min_nodes} is more than max_nodes ({pool.max_nodes})")
            )
        most = pool.max_nodes * ZONES_PER_CLUSTER
        usable = parse_cidr(self.cidr).num_addresses - NODE_RANGE_RESERVED
        if most > usable:
            issues.append(
                (
                    f"{path}.node_pool.max_nodes",
                    f"{pool.max_nodes} per zone is {most} nodes in {ZONES_PER_CLUSTER} zones; "
                    f"cidr {self.cidr} has only {usable} node addresses",
                )
            )
        if pods is not None:
            pod_slots = 2 ** max(0, POD_RANGE_PER_NODE_PREFIX - parse_cidr(pods).prefixlen)
            if most > pod_slots:
                issues.append(
                    (
                        f"{path}.node_pool.max_nodes",
                        f"{pool.max_nodes} per zone is {most} nodes in {ZONES_PER_CLUSTER} zones; "
                        f"pod range {pods} holds only {pod_slots} nodes (a /{POD_RANGE_PER_NODE_PREFIX} each)",
                    )
                )
        if self.private_endpoint:
            for i, network in enumerate(self.master_authorized_networks or ()):
                if not ipaddress.IPv4Network(network).is_private:
                    issues.append(
                        (
                            f"{path}.master_authorized_networks[{i}]",
                            f"{network} is public, but private_endpoint is true: it could never reach the API",
                        )
                    )
        seen = set()
        for i, network in enumerate(self.master_authorized_networks or ()):
            if network in seen:
                issues.append((f"{path}.master_authorized_networks[{i}]", f"lists {network} twice"))
            seen.add(network)
        return issues


_ACCESS_POLICY = re.compile(r"^[0-9]{1,20}$")
_GOOGLE_SERVICE = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*\.googleapis\.com$")


def _access_policy(value: str) -> str:
    if not _ACCESS_POLICY.match(value):
        raise ValueError(f"{value!r} is not an Access Context Manager policy number (e.g. 123456789012)")
    return value


DEPLOYER_SERVICES = frozenset(
    {
        "container.googleapis.com",
        "compute.googleapis.com",
        "iam.googleapis.com",
        "dns.googleapis.com",
        "cloudresourcemanager.googleapis.com",
        "accesscontextmanager.googleapis.com",
    }
)
"""APIs the deployer calls from outside the perimeter on every apply: restricting one would lock
the next `cdktf deploy` out of the estate it manages."""


def _google_service(value: str) -> str:
    if not _GOOGLE_SERVICE.match(value):
        raise ValueError(f"{value!r} is not a Google API service name (e.g. storage.googleapis.com)")
    if value in DEPLOYER_SERVICES:
        raise ValueError(
            f"{value} is what the deployer calls from outside the perimeter; restricting it would lock "
            "the next apply out: list data services only (e.g. storage.googleapis.com)"
        )
    return value


class VpcServiceControls(SpecModel):
    """A VPC Service Controls perimeter around the project (in the primary cluster's stack): the
    ``restricted_services`` then accept calls only from inside the perimeter, so a workload's
    Google identity cannot copy data to a bucket or dataset in another project. The deployer
    needs ``roles/accesscontextmanager.policyEditor`` on the policy; calls from outside the
    perimeter (the deployer's own, a console) to these services are refused too, so list only
    the data services (e.g. ``storage.googleapis.com``, ``bigquery.googleapis.com``)."""

    access_policy: Annotated[StrictStr, AfterValidator(_access_policy)]
    """Access Context Manager policy number of the organization (`gcloud access-context-manager policies list`)."""
    restricted_services: Annotated[tuple[Annotated[StrictStr, AfterValidator(_google_service)], ...], NonEmpty]
    """Services the perimeter protects, e.g. `[storage.googleapis.com, bigquery.googleapis.com]`."""


class GcpSection(SpecModel):
    """The Google Cloud project and its GKE clusters: at most one primary and one secondary (the
    clusters that run the aggregator), any number of clients. ``rbac_security_group`` turns on
    Google Groups for RBAC (needs a Cloud Identity or Workspace domain)."""

    project: GcpProjectId
    """GCP project ID: 6-30 characters `[a-z0-9-]`, starts with a letter, no trailing `-`, no `google`."""
    clusters: Annotated[tuple[GkeCluster, ...], NonEmpty]
    """One private regional GKE cluster per entry; names unique."""
    rbac_security_group: RbacGroup | None = None
    """`gke-security-groups@<domain>`: enables Google Groups for RBAC (needs Cloud Identity)."""
    cpu_quota: Annotated[StrictInt, Field(ge=1)] | None = None
    """The project's `CPUS_ALL_REGIONS` quota (vCPUs, all regions), as the console's Quotas page shows it; the synth summary and `preflight` compare the first apply's peak vCPU need with it. Never fails `validate`."""
    region_cpu_quota: dict[GcpRegionName, Annotated[StrictInt, Field(ge=1)]] = Field(default_factory=dict)
    """The regional `CPUS` quota per region (region -> vCPUs), for regions whose quota you know; compared like `cpu_quota`. Each key must be a region of some cluster."""
    vpc_service_controls: VpcServiceControls | None = None
    """A VPC Service Controls perimeter around the project (needs an organization access policy); without it, a site with `workload.google_apis` can reach any project's data services."""

    def issues(self, path: str) -> list[tuple[str, str]]:
        """Cross-field checks of the section: one primary, one secondary, each cluster."""
        issues = []
        regions = {cluster.region for cluster in self.clusters}
        for region in self.region_cpu_quota:
            if region not in regions:
                issues.append(
                    (f"{path}.region_cpu_quota.{region}", f"no cluster runs in {region}; list only clusters' regions")
                )
        first_with_role: dict[str, int] = {}
        for i, cluster in enumerate(self.clusters):
            if cluster.role in AGGREGATOR_ROLES:
                if cluster.role in first_with_role:
                    j = first_with_role[cluster.role]
                    issues.append(
                        (
                            f"{path}.clusters[{i}].role",
                            f"a second {cluster.role} cluster ({self.clusters[j].name} at {path}.clusters[{j}] "
                            f"is already {cluster.role}); at most one of each",
                        )
                    )
                else:
                    first_with_role[cluster.role] = i
            issues += cluster.issues(f"{path}.clusters[{i}]")
        return issues
