"""The ``gcp`` spec section: one bad input per validation rule, each naming its exact field path."""

from __future__ import annotations

import ipaddress

import pytest
import yaml

from federation_spec import parse_spec
from federation_spec.gcp import CLUSTER_NAME_LIMIT, ZONES_PER_CLUSTER
from tests.spec_helpers import assert_error, errors_of

FEDERATION = {"federation": {"name": "fedlearn", "environment": "dev"}}


def cluster(name="fl-us", region="us-central1", role="primary", n=3, **extra) -> dict:
    """A valid cluster whose ranges are numbered by ``n`` (10.n0/20, 10.n1/16, 10.n2/20, 172.16.0.(16n)/28)."""
    body = {
        "name": name,
        "region": region,
        "role": role,
        "cidr": f"10.{n}0.0.0/20",
        "pods_cidr": f"10.{n}1.0.0/16",
        "services_cidr": f"10.{n}2.0.0/20",
        "master_cidr": f"172.16.0.{16 * n}/28",
    }
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


def spec_text(*clusters: dict, aws: bool = False, federation: dict | None = None, **section) -> str:
    doc = {"federation": federation or FEDERATION["federation"]}
    if aws:
        doc["aws"] = {"regions": [{"name": "us-west-2", "cidr": "10.10.0.0/16"}]}
    doc["gcp"] = {"project": "fl-project-123", "clusters": list(clusters), **section}
    return yaml.safe_dump(doc, sort_keys=False)


# --- valid specs and derived values ---------------------------------------------------------


def test_gcp_only_spec_is_a_cloud():
    spec = parse_spec(spec_text(cluster()))
    assert spec.aws is None
    assert [c.name for c in spec.gcp.clusters] == ["fl-us"]


def test_defaults_of_a_minimal_cluster():
    spec = parse_spec(spec_text(cluster(role=None, pods_cidr=None, services_cidr=None)))
    c = spec.gcp.clusters[0]
    assert c.role == "client"
    assert c.release_channel == "REGULAR"
    assert c.deletion_protection is True
    assert c.private_endpoint is False
    assert c.authorized_networks() == (c.cidr,)
    assert (c.node_pool.machine_type, c.node_pool.min_nodes, c.node_pool.max_nodes) == ("e2-standard-4", 1, 3)


def test_pod_and_service_ranges_are_derived_from_the_node_range():
    c = parse_spec(spec_text(cluster(cidr="10.30.0.0/20", pods_cidr=None, services_cidr=None))).gcp.clusters[0]
    # The documented rule: the /16 after the node range's /16, then the first /20 of the next /16.
    assert c.pod_range() == "10.31.0.0/16"
    assert c.service_range() == "10.32.0.0/20"


def test_explicit_ranges_win_over_derivation():
    c = parse_spec(spec_text(cluster(pods_cidr="10.60.0.0/14", services_cidr="10.64.0.0/20"))).gcp.clusters[0]
    assert (c.pod_range(), c.service_range()) == ("10.60.0.0/14", "10.64.0.0/20")


def test_network_claims_include_every_gke_range_including_the_control_plane():
    spec = parse_spec(spec_text(cluster(), cluster("fl-eu", "europe-west1", "secondary", n=4), aws=True))
    claims = dict(spec.network_claims())
    for i, c in enumerate(spec.gcp.clusters):
        assert claims[f"gcp.clusters[{i}].cidr"] == ipaddress.IPv4Network(c.cidr)
        assert claims[f"gcp.clusters[{i}].pods_cidr"] == ipaddress.IPv4Network(c.pod_range())
        assert claims[f"gcp.clusters[{i}].services_cidr"] == ipaddress.IPv4Network(c.service_range())
        assert claims[f"gcp.clusters[{i}].master_cidr"] == ipaddress.IPv4Network(c.master_cidr)
    assert "aws.regions[0].cidr" in claims


def test_public_authorized_networks_are_allowed_with_the_public_endpoint():
    c = parse_spec(spec_text(cluster(master_authorized_networks=["203.0.113.0/24", "10.30.0.0/20"]))).gcp.clusters[0]
    assert c.authorized_networks() == ("203.0.113.0/24", "10.30.0.0/20")


def test_no_cloud_message_names_gcp():
    text = yaml.safe_dump(FEDERATION)
    assert any("add an 'aws', 'gcp' or 'azure' section" in line for line in errors_of(text))


# --- project and section ---------------------------------------------------------------------


@pytest.mark.parametrize("project", ["Fl-Project", "short", "1project-id", "project-", "a" * 31])
def test_project_id_format(project):
    assert_error(spec_text(cluster(), project=project), "gcp.project", "not a GCP project ID")


def test_project_id_cannot_contain_google():
    assert_error(spec_text(cluster(), project="my-google-proj"), "gcp.project", "cannot contain 'google'")


def test_clusters_must_not_be_empty():
    assert_error(spec_text(), "gcp.clusters", "at least one")


def test_rbac_security_group_format():
    assert_error(
        spec_text(cluster(), rbac_security_group="admins@example.com"),
        "gcp.rbac_security_group",
        "gke-security-groups@",
    )


def test_unknown_cluster_key_suggests_the_right_one():
    assert_error(spec_text(cluster(master_cdir="172.16.0.0/28")), "gcp.clusters[0].master_cdir", "master_cidr")


# --- cluster fields ---------------------------------------------------------------------------


def test_unknown_region():
    assert_error(spec_text(cluster(region="us-central9")), "gcp.clusters[0].region", "unknown GCP region")


def test_aws_region_name_is_not_a_gcp_region():
    assert_error(spec_text(cluster(region="us-east-1")), "gcp.clusters[0].region", "unknown GCP region")


def test_unknown_role():
    assert_error(spec_text(cluster(role="aggregator")), "gcp.clusters[0].role", "primary")


def test_at_most_one_primary():
    text = spec_text(cluster(), cluster("fl-eu", "europe-west1", "primary", n=4))
    assert_error(text, "gcp.clusters[1].role", "second primary", "fl-us")


def test_at_most_one_secondary():
    text = spec_text(
        cluster(),
        cluster("fl-eu", "europe-west1", "secondary", n=4),
        cluster("fl-asia", "asia-southeast1", "secondary", n=5),
    )
    assert_error(text, "gcp.clusters[2].role", "second secondary", "fl-eu")


def test_many_clients_are_fine():
    text = spec_text(
        cluster(role="client"), cluster("fl-eu", "europe-west1", "client", n=4), cluster("fl-b", role="client", n=5)
    )
    assert len(parse_spec(text).gcp.clusters) == 3


def test_unique_names():
    text = spec_text(cluster(), cluster("fl-us", "europe-west1", "secondary", n=4))
    assert_error(text, "gcp.clusters[1].name", "duplicate GKE cluster name 'fl-us'")


def test_physical_cluster_name_fits_gke_limit():
    federation = {"name": "a-very-long-federation", "environment": "production"}
    lines = errors_of(spec_text(cluster(name="fl-us-central"), federation=federation))
    assert any(
        line.startswith("federation.yaml: gcp.clusters[0].name: ") and f"(limit {CLUSTER_NAME_LIMIT})" in line
        for line in lines
    ), lines


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("cidr", "10.30.0.0", "no prefix length"),
        ("cidr", "10.30.0.300/20", "not a valid IPv4 CIDR"),
        ("cidr", "10.30.0.1/20", "host bits set"),
        ("cidr", "10.16.0.0/12", "expected /16 to /26"),
        ("pods_cidr", "10.31.0.5/16", "host bits set"),
        ("pods_cidr", "10.31.0.0/24", "expected /9 to /21"),
        ("services_cidr", "8.8.0.0/20", "not a private"),
        ("services_cidr", "10.32.0.0/28", "expected /16 to /27"),
        ("master_cidr", "172.16.0.0/24", "must be a /28"),
        ("master_cidr", "172.16.0.1/28", "host bits set"),
        ("master_cidr", "34.1.2.0/28", "not a private"),
    ],
)
def test_every_cidr_is_well_formed(key, value, fragment):
    assert_error(spec_text(cluster(**{key: value})), f"gcp.clusters[0].{key}", fragment)


def test_ranges_that_cannot_be_derived_must_be_set():
    text = spec_text(cluster(cidr="10.255.0.0/20", pods_cidr=None, services_cidr=None))
    assert_error(text, "gcp.clusters[0].pods_cidr", "cannot be derived")
    assert_error(text, "gcp.clusters[0].services_cidr", "cannot be derived")


@pytest.mark.parametrize(
    ("second", "path", "other"),
    [
        ({"cidr": "10.30.8.0/21"}, "gcp.clusters[1].cidr", "gcp.clusters[0].cidr"),
        ({"pods_cidr": "10.31.128.0/17"}, "gcp.clusters[1].pods_cidr", "gcp.clusters[0].pods_cidr"),
        ({"services_cidr": "10.32.0.0/22"}, "gcp.clusters[1].services_cidr", "gcp.clusters[0].services_cidr"),
        ({"master_cidr": "172.16.0.48/28"}, "gcp.clusters[1].master_cidr", "gcp.clusters[0].master_cidr"),
        ({"cidr": "10.31.0.0/20"}, "gcp.clusters[1].cidr", "gcp.clusters[0].pods_cidr"),
    ],
)
def test_ranges_do_not_overlap_across_clusters(second, path, other):
    text = spec_text(cluster(), cluster("fl-eu", "europe-west1", "secondary", n=4, **second))
    assert_error(text, path, "overlaps", other)


def test_ranges_within_one_cluster_do_not_overlap():
    assert_error(
        spec_text(cluster(services_cidr="10.31.0.0/20")), "gcp.clusters[0].services_cidr", "gcp.clusters[0].pods_cidr"
    )


def test_derived_ranges_join_the_overlap_check():
    # fl-eu's derived pod range (10.41.0.0/16) collides with fl-us's explicit node range.
    text = spec_text(
        cluster(cidr="10.41.0.0/20", pods_cidr="10.50.0.0/16", services_cidr="10.60.0.0/20"),
        cluster("fl-eu", "europe-west1", "secondary", n=4, pods_cidr=None, services_cidr=None),
    )
    assert_error(text, "gcp.clusters[1].pods_cidr", "overlaps", "gcp.clusters[0].cidr")


def test_gke_ranges_do_not_overlap_aws():
    text = spec_text(cluster(pods_cidr="10.10.0.0/16"), aws=True)
    assert_error(text, "gcp.clusters[0].pods_cidr", "overlaps", "aws.regions[0].cidr")


def test_master_cidr_does_not_overlap_aws():
    doc = yaml.safe_load(spec_text(cluster(), aws=True))
    doc["aws"]["regions"][0]["cidr"] = "172.16.0.0/16"
    assert_error(yaml.safe_dump(doc), "gcp.clusters[0].master_cidr", "overlaps", "aws.regions[0].cidr")


# --- node pool --------------------------------------------------------------------------------


def test_min_nodes_not_above_max_nodes():
    text = spec_text(cluster(node_pool={"min_nodes": 4, "max_nodes": 2}))
    assert_error(text, "gcp.clusters[0].node_pool.min_nodes", "more than max_nodes")


@pytest.mark.parametrize(("key", "value"), [("min_nodes", -1), ("max_nodes", 0), ("max_nodes", 1001)])
def test_node_counts_in_range(key, value):
    assert_error(spec_text(cluster(node_pool={key: value})), f"gcp.clusters[0].node_pool.{key}")


def test_node_counts_must_be_integers():
    assert_error(spec_text(cluster(node_pool={"max_nodes": "3"})), "gcp.clusters[0].node_pool.max_nodes")


def test_max_nodes_fit_the_node_subnet():
    # A /26 has 64 - 4 usable addresses: 21 nodes per zone need 63.
    text = spec_text(cluster(cidr="10.30.0.0/26", node_pool={"max_nodes": 21}))
    assert_error(text, "gcp.clusters[0].node_pool.max_nodes", f"{21 * ZONES_PER_CLUSTER} nodes", "60 node addresses")


def test_max_nodes_fit_the_pod_range():
    # A /21 pod range gives 8 nodes a /24 each; 3 per zone in 3 zones is 9.
    text = spec_text(cluster(pods_cidr="10.31.0.0/21", node_pool={"max_nodes": 3}))
    assert_error(text, "gcp.clusters[0].node_pool.max_nodes", "holds only 8 nodes")


def test_machine_type_format():
    assert_error(
        spec_text(cluster(node_pool={"machine_type": "E2 Standard"})),
        "gcp.clusters[0].node_pool.machine_type",
        "machine type",
    )


def test_disk_type_choices():
    assert_error(spec_text(cluster(node_pool={"disk_type": "local-ssd"})), "gcp.clusters[0].node_pool.disk_type")


# --- control plane access ---------------------------------------------------------------------


def test_authorized_networks_reject_the_internet():
    text = spec_text(cluster(master_authorized_networks=["10.30.0.0/20", "0.0.0.0/0"]))
    assert_error(text, "gcp.clusters[0].master_authorized_networks[1]", "whole internet")


def test_authorized_networks_reject_very_wide_blocks():
    text = spec_text(cluster(master_authorized_networks=["0.0.0.0/1"]))
    assert_error(text, "gcp.clusters[0].master_authorized_networks[0]", "wider than /8")


def test_authorized_networks_are_canonical_cidrs():
    text = spec_text(cluster(master_authorized_networks=["203.0.113.7/24"]))
    assert_error(text, "gcp.clusters[0].master_authorized_networks[0]", "did you mean 203.0.113.0/24")


def test_authorized_networks_not_empty_when_given():
    assert_error(spec_text(cluster(master_authorized_networks=[])), "gcp.clusters[0].master_authorized_networks")


def test_authorized_networks_listed_once():
    text = spec_text(cluster(master_authorized_networks=["10.30.0.0/20", "10.30.0.0/20"]))
    assert_error(text, "gcp.clusters[0].master_authorized_networks[1]", "twice")


def test_private_endpoint_rejects_public_authorized_networks():
    text = spec_text(cluster(private_endpoint=True, master_authorized_networks=["10.30.0.0/20", "81.2.69.0/24"]))
    assert_error(text, "gcp.clusters[0].master_authorized_networks[1]", "private_endpoint")


def test_release_channel_choices():
    assert_error(spec_text(cluster(release_channel="latest")), "gcp.clusters[0].release_channel")


@pytest.mark.parametrize("key", ["deletion_protection", "private_endpoint"])
def test_switches_are_booleans(key):
    assert_error(spec_text(cluster(**{key: "sometimes"})), f"gcp.clusters[0].{key}")
