"""Growing the estate leaves what exists alone: adding an AWS region, a GKE cluster or a Data Share
consumer to the default spec adds resources, but every resource already deployed keeps its
configuration byte for byte, except where the federation must learn about the new member: the
aggregators' fleet sources (LoadBalancer Services, fleet NetworkPolicies) and SuperNode key
registrations (ConfigMap and Job), and the one dashboard per cloud of the monitoring stacks (a new
site brings its own alarms and alert policies; existing ones stay). Nothing is removed. A change anywhere else would be a
replacement or an in-place update on a running estate for no reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.synth_helpers import synth_yaml

ROOT = Path(__file__).resolve().parent.parent

AGGREGATOR_STACKS = ("workload-fl-us", "workload-fl-eu")
MEMBERSHIP = {
    ("kubernetes_service_v1", "fleet"),
    ("kubernetes_network_policy_v1", "aggregator_ingress"),
    ("kubernetes_network_policy_v1", "fleet"),
    ("kubernetes_config_map_v1", "registration"),
    ("kubernetes_job_v1", "registration"),
}
"""(resource type, construct-path fragment) that may change in the aggregator stacks when a member
joins: who may reach the fleet port, and which keys are registered."""

MONITORING_AGGREGATES = {
    ("monitoring-aws", "aws_cloudwatch_dashboard"),
    ("monitoring-gcp", "google_monitoring_dashboard"),
}
"""The monitoring resources that describe the whole estate and so change when a site joins: one
dashboard per cloud. Every existing alarm, alert policy, topic, metric and filter stays as it is;
the new site brings its own."""


def _grow(change) -> str:
    spec = yaml.safe_load((ROOT / "federation.yaml").read_text())
    change(spec)
    return yaml.safe_dump(spec, sort_keys=False)


def _add_region(spec):
    spec["aws"]["regions"].append({"name": "eu-west-1", "cidr": "10.70.0.0/16", "availability_zones": 2})


def _add_cluster(spec):
    spec["gcp"]["clusters"].append(
        {
            "name": "fl-sa",
            "region": "southamerica-east1",
            "role": "client",
            "cidr": "10.60.0.0/20",
            "master_cidr": "172.16.0.48/28",
        }
    )


def _add_member_region(spec):
    """An AWS region with data: a federation member site (a SuperNode, its alarms and topic)."""
    spec["aws"]["regions"].append(
        {"name": "eu-west-1", "cidr": "10.70.0.0/16", "availability_zones": 2, "data_bucket": True}
    )


def _add_consumer(spec):
    spec["azure"]["data_share"]["consumers"].append({"email": "new-partner@example.net"})


def _allowed(stack: str, rtype: str, logical_id: str) -> bool:
    if (stack, rtype) in MONITORING_AGGREGATES:
        return True
    return stack in AGGREGATOR_STACKS and any(
        rtype == allowed_type and fragment in logical_id for allowed_type, fragment in MEMBERSHIP
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "change",
    [_add_region, _add_member_region, _add_cluster, _add_consumer],
    ids=["region", "member-region", "cluster", "consumer"],
)
def test_growing_leaves_existing_resources_unchanged(default_synth, tmp_path, change):
    grown = synth_yaml(_grow(change), tmp_path / "grown")
    assert set(default_synth.stack_names()) <= set(grown.stack_names())
    changed, removed = [], []
    for stack in default_synth.stack_names():
        for rtype, logical_id, config in default_synth.all_resources(stack):
            after = grown.resources(stack, rtype).get(logical_id)
            if after is None:
                removed.append(f"{stack}: {rtype}.{logical_id}")
            elif after != config and not _allowed(stack, rtype, logical_id):
                changed.append(f"{stack}: {rtype}.{logical_id}")
    assert not removed, f"growing removed {removed}"
    assert not changed, f"growing changed {changed}"
