"""The first apply's peak GKE vCPU need (``federation_spec.gcp_capacity``) and the machine-type sizes it rests on."""

from __future__ import annotations

import pytest
import yaml

from federation_spec import parse_spec
from federation_spec.gcp_capacity import project_shortfall, quota_problems, region_shortfall, summary_line, vcpu_need
from federation_spec.machine_types import machine_vcpus
from tests.spec_helpers import assert_error


def cluster(name: str, region: str, n: int, role: str = "client", **node_pool) -> dict:
    """A valid cluster whose ranges are numbered by ``n``; ``node_pool`` keys as in the spec."""
    body = {
        "name": name,
        "region": region,
        "role": role,
        "cidr": f"10.{n}0.0.0/20",
        "master_cidr": f"172.16.0.{16 * n}/28",
    }
    if node_pool:
        body["node_pool"] = node_pool
    return body


def gcp_text(*clusters: dict, **section) -> str:
    doc = {
        "federation": {"name": "fedlearn", "environment": "dev"},
        "gcp": {"project": "fl-project-123", "clusters": list(clusters), **section},
    }
    return yaml.safe_dump(doc, sort_keys=False)


def gcp(*clusters: dict, **section):
    return parse_spec(gcp_text(*clusters, **section)).gcp


# --- machine types ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("machine_type", "vcpus"),
    [
        ("e2-standard-4", 4),
        ("n2-highmem-16", 16),
        ("n2d-highcpu-224", 224),
        ("c3-highcpu-22-lssd", 22),
        ("c3d-standard-8-nolssd", 8),
        ("n2-custom-6-24576", 6),
        ("custom-2-7680", 2),  # N1 custom types have no family prefix
        ("n2-custom-4-32768-ext", 4),
        # Shared-core types count their guestCpus: 2 for E2 (they run on a fraction of that), 1 for N1's.
        ("e2-micro", 2),
        ("e2-small", 2),
        ("e2-medium", 2),
        ("e2-custom-medium-4096", 2),
        ("f1-micro", 1),
        ("g1-small", 1),
    ],
)
def test_machine_vcpus_read_from_the_name(machine_type, vcpus):
    assert machine_vcpus(machine_type) == vcpus


@pytest.mark.parametrize(
    "machine_type", ["a2-highgpu-1g", "m1-ultramem-40", "e2-standard", "e2-standard-0", "n2-custom-4", "e2-large"]
)
def test_unknown_machine_types_are_not_sized(machine_type):
    assert machine_vcpus(machine_type) is None


def test_spec_refuses_a_machine_type_it_cannot_size():
    text = gcp_text(cluster("fl-us", "us-central1", 3, role="primary", machine_type="a2-highgpu-1g"))
    assert_error(text, "gcp.clusters[0].node_pool.machine_type", "'a2-highgpu-1g'", "can size", "custom")


# --- the first apply's peak ------------------------------------------------------------------


def test_default_federation_peak(default_spec):
    # fl-us, fl-eu: e2-standard-4, min 1 per zone x 3 zones = 12 vCPUs, more than the temporary
    # default pool (1 e2-medium per zone = 3 x 2 = 6), which is gone before the pool is created.
    # fl-asia: min 0 starts empty; the autoscaler adds one node (4) for the pending pods, so the
    # default pool's 6 is its peak. 12 + 12 + 6 = 30: fits the common 32-vCPU CPUS_ALL_REGIONS,
    # which the old start of one node per zone in every pool (3 x 12 = 36) did not.
    need = vcpu_need(default_spec.gcp)
    assert need.project == "fl-project-123"
    assert need.regions == (("us-central1", 12), ("europe-west1", 12), ("asia-southeast1", 6))
    assert need.total == 30
    assert [(c.name, c.default_pool, c.first_nodes, c.peak) for c in need.clusters] == [
        ("fl-us", 6, 12, 12),
        ("fl-eu", 6, 12, 12),
        ("fl-asia", 6, 4, 6),
    ]
    assert need.at_max == 3 * 3 * 4 + 3 * 3 * 4 + 2 * 3 * 4  # max_nodes x 3 zones x 4 vCPUs


def test_empty_pool_still_counts_one_node():
    need = vcpu_need(gcp(cluster("big", "us-east4", 3, role="primary", machine_type="n2-standard-16", min_nodes=0)))
    assert need.clusters[0].first_nodes == 16  # one node, not three, and not zero
    assert need.total == 16


def test_clusters_in_one_region_add_up_and_default_pools_count_when_larger():
    need = vcpu_need(
        gcp(
            cluster("a", "us-east4", 3, role="primary", machine_type="n2-custom-6-24576", min_nodes=2),
            cluster("b", "us-east4", 4, machine_type="e2-micro", min_nodes=0),
            cluster("c", "europe-west4", 5, machine_type="e2-medium", min_nodes=2),
        )
    )
    # a: 2 x 3 x 6 = 36; b: one e2-micro (2) < default pool 6; c: 2 x 3 x 2 = 12.
    assert [c.peak for c in need.clusters] == [36, 6, 12]
    assert need.regions == (("us-east4", 42), ("europe-west4", 12))
    assert need.region("us-east4") == 42
    assert need.region("asia-east1") == 0
    assert need.total == 54


# --- stated quotas ---------------------------------------------------------------------------

DEFAULT_LIKE = (
    cluster("fl-us", "us-central1", 3, role="primary", min_nodes=1),
    cluster("fl-eu", "europe-west1", 4, role="secondary", min_nodes=1),
    cluster("fl-asia", "asia-southeast1", 5, min_nodes=0, max_nodes=2),
)


def test_no_problem_when_the_stated_quota_suffices_or_none_is_stated():
    assert quota_problems(gcp(*DEFAULT_LIKE)) == []
    assert quota_problems(gcp(*DEFAULT_LIKE, cpu_quota=32, region_cpu_quota={"us-central1": 12})) == []


def test_a_quota_below_the_peak_is_reported_but_never_fails_validate():
    section = gcp(*DEFAULT_LIKE, cpu_quota=24, region_cpu_quota={"europe-west1": 8, "us-central1": 24})
    assert section.cpu_quota == 24  # parsed: validate does not refuse it
    assert quota_problems(section) == [
        "gcp.cpu_quota: the first apply needs 30 vCPUs in project fl-project-123 at its peak "
        "(us-central1 12, europe-west1 12, asia-southeast1 6), more than the CPUS_ALL_REGIONS quota of 24; "
        "request an increase or lower node_pool.min_nodes / machine_type",
        "gcp.region_cpu_quota.europe-west1: the first apply needs 12 vCPUs in europe-west1 at its peak, "
        "more than the CPUS quota of 8; request an increase or lower node_pool.min_nodes / machine_type",
    ]


def test_real_quotas_compare_the_same_way(default_spec):
    # What preflight calls with the quotas it reads from the project.
    need = vcpu_need(default_spec.gcp)
    assert project_shortfall(need, 32) is None
    assert project_shortfall(need, 29).startswith("the first apply needs 30 vCPUs in project fl-project-123")
    assert region_shortfall(need, "asia-southeast1", 6) is None
    assert "needs 12 vCPUs in us-central1" in region_shortfall(need, "us-central1", 8)


def test_region_quota_must_name_a_cluster_region():
    text = gcp_text(*DEFAULT_LIKE, region_cpu_quota={"us-east4": 24})
    assert_error(text, "gcp.region_cpu_quota.us-east4", "no cluster runs in us-east4")


def test_quotas_must_be_positive():
    assert_error(gcp_text(*DEFAULT_LIKE, cpu_quota=0), "gcp.cpu_quota")


def test_summary_line_names_project_regions_and_quota():
    assert summary_line(gcp(*DEFAULT_LIKE, cpu_quota=32)) == (
        "GCP vCPU at first apply: project fl-project-123 30 (us-central1 12, europe-west1 12, asia-southeast1 6); "
        "stated quota 32; 96 with every pool at max_nodes"
    )
    assert "; stated quota 24 (too low); " in summary_line(gcp(*DEFAULT_LIKE, cpu_quota=24))
