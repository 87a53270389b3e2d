"""How many vCPUs the GKE clusters of the ``gcp`` section hold at the peak of their first apply,
per region and for the project, and whether the quotas the spec states cover that.

A pure function of the spec (no provider import, no API call): ``main.py synth`` prints it and
``preflight`` compares it with the project's real quotas. New projects commonly get a
``CPUS_ALL_REGIONS`` quota of 32 vCPUs, and an apply that needs more fails with
``GCE_QUOTA_EXCEEDED`` half-way through creating clusters.

The peak, per cluster (every stack deploys in parallel, so all clusters count at once):

- **The temporary default pool.** ``remove_default_node_pool`` still makes GKE create the cluster
  with a default pool of ``initial_node_count`` (1) node per zone, 3 zones for a regional cluster,
  of the API's default machine type ``e2-medium`` (2 vCPUs): 6 vCPUs. The provider deletes it
  and waits for the deletion inside the cluster's own create (google 6.50,
  ``resource_container_cluster.go`` lines 2806-2823), before the separate pool, which references
  the cluster's id, is created. So within one cluster the two never coexist.
- **The real pool's first nodes.** ``initial_node_count`` follows ``min_nodes`` per zone (x3 zones),
  but a pool that starts empty (``min_nodes: 0``) still gets one node during the first apply: the
  cluster's system pods and the site's SuperNode are pending until the autoscaler adds one.

The cluster's peak is the larger of the two; a region's is the sum over its clusters, the
project's the sum over all. Surge upgrade headroom is left out: nodes are created at the release
channel's current version, so no upgrade runs during the first apply (upgrades happen later, in
the maintenance window, one surge node per pool at a time). The autoscaler's ceiling
(``max_nodes``) is reported separately as ``at_max``: quota below it does not fail an apply, but
the autoscaler silently stops scaling there.
"""

from __future__ import annotations

from dataclasses import dataclass

from federation_spec.gcp import ZONES_PER_CLUSTER, GcpSection, GkeCluster
from federation_spec.machine_types import machine_vcpus

DEFAULT_POOL_MACHINE_TYPE = "e2-medium"
"""What GKE gives the default pool when the cluster's ``node_config`` names no machine type
(container API ``NodeConfig.machineType``: "If unspecified, the default machine type is e2-medium")."""
DEFAULT_POOL_NODES_PER_ZONE = 1
"""The cluster's ``initial_node_count`` (``constructs_lib.gcp.gke_cluster``)."""
NODES_AT_LEAST = 1
"""Nodes an initially empty pool still gets during the first apply (the autoscaler scales up for
the system pods and the workload)."""


@dataclass(frozen=True)
class ClusterVcpus:
    """One cluster's vCPUs: ``default_pool`` while it is created, ``first_nodes`` of its own pool
    once the default pool is gone, ``peak`` the larger, ``at_max`` with the pool at ``max_nodes``."""

    name: str
    region: str
    default_pool: int
    first_nodes: int
    at_max: int

    @property
    def peak(self) -> int:
        return max(self.default_pool, self.first_nodes)


@dataclass(frozen=True)
class VcpuNeed:
    """The first apply's peak vCPUs of the ``project``: ``total`` (what ``CPUS_ALL_REGIONS``
    must cover) and ``regions`` (region -> vCPUs, what each region's ``CPUS`` must cover, in the
    order the clusters list them); ``clusters`` the parts; ``at_max`` every pool at its maximum."""

    project: str
    total: int
    regions: tuple[tuple[str, int], ...]
    clusters: tuple[ClusterVcpus, ...]
    at_max: int

    def region(self, name: str) -> int:
        """The peak vCPUs of one region (0 if no cluster runs there)."""
        return dict(self.regions).get(name, 0)


def cluster_vcpus(cluster: GkeCluster) -> ClusterVcpus:
    """The vCPUs of one cluster during and after its creation (see the module docstring)."""
    pool = cluster.node_pool
    per_node = machine_vcpus(pool.machine_type)
    if per_node is None:  # the spec refuses such types; guard the function's other callers
        raise ValueError(f"{pool.machine_type!r}: unknown machine type, cannot count its vCPUs")
    first_nodes = max(pool.min_nodes * ZONES_PER_CLUSTER, NODES_AT_LEAST)
    default_pool = DEFAULT_POOL_NODES_PER_ZONE * ZONES_PER_CLUSTER * machine_vcpus(DEFAULT_POOL_MACHINE_TYPE)
    return ClusterVcpus(
        name=cluster.name,
        region=cluster.region,
        default_pool=default_pool,
        first_nodes=first_nodes * per_node,
        at_max=pool.max_nodes * ZONES_PER_CLUSTER * per_node,
    )


def vcpu_need(gcp: GcpSection) -> VcpuNeed:
    """The first apply's peak vCPU need of the project and of each region."""
    clusters = tuple(cluster_vcpus(c) for c in gcp.clusters)
    regions: dict[str, int] = {}
    for c in clusters:
        regions[c.region] = regions.get(c.region, 0) + c.peak
    return VcpuNeed(
        project=gcp.project,
        total=sum(c.peak for c in clusters),
        regions=tuple(regions.items()),
        clusters=clusters,
        at_max=sum(c.at_max for c in clusters),
    )


ADVICE = "request an increase or lower node_pool.min_nodes / machine_type"


def project_shortfall(need: VcpuNeed, quota: int) -> str | None:
    """What is wrong when the project's ``CPUS_ALL_REGIONS`` ``quota`` (stated in the spec or read
    from the project) is below the peak; None when it suffices."""
    if need.total <= quota:
        return None
    return (
        f"the first apply needs {need.total} vCPUs in project {need.project} at its peak "
        f"({render_regions(need)}), more than the CPUS_ALL_REGIONS quota of {quota}; {ADVICE}"
    )


def region_shortfall(need: VcpuNeed, region: str, quota: int) -> str | None:
    """What is wrong when ``region``'s ``CPUS`` ``quota`` is below its peak; None when it suffices."""
    if need.region(region) <= quota:
        return None
    return (
        f"the first apply needs {need.region(region)} vCPUs in {region} at its peak, "
        f"more than the CPUS quota of {quota}; {ADVICE}"
    )


def quota_problems(gcp: GcpSection) -> list[str]:
    """One line per quota stated in the spec (``gcp.cpu_quota``, ``gcp.region_cpu_quota``) that the
    first apply's peak exceeds, prefixed with the field, e.g. ``gcp.cpu_quota: the first apply
    needs 36 vCPUs ...``; empty when every stated quota suffices or none is stated. (A check
    against the project's real quotas calls ``project_shortfall``/``region_shortfall``.)"""
    need = vcpu_need(gcp)
    problems = []
    if gcp.cpu_quota is not None and (problem := project_shortfall(need, gcp.cpu_quota)):
        problems.append(f"gcp.cpu_quota: {problem}")
    for region, quota in gcp.region_cpu_quota.items():
        if problem := region_shortfall(need, region, quota):
            problems.append(f"gcp.region_cpu_quota.{region}: {problem}")
    return problems


def render_regions(need: VcpuNeed) -> str:
    """``us-central1 12, europe-west1 12``: each region's peak, in spec order."""
    return ", ".join(f"{region} {vcpus}" for region, vcpus in need.regions)


def summary_line(gcp: GcpSection) -> str:
    """One line for the synth summary: the project's and every region's peak, the quota if stated."""
    need = vcpu_need(gcp)
    quota = ""
    if gcp.cpu_quota is not None:
        short = " (too low)" if project_shortfall(need, gcp.cpu_quota) else ""
        quota = f"; stated quota {gcp.cpu_quota}{short}"
    return (
        f"GCP vCPU at first apply: project {need.project} {need.total} ({render_regions(need)}){quota}; "
        f"{need.at_max} with every pool at max_nodes"
    )
