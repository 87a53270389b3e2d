"""What every SuperNode dials, on the synthesized JSON: the GKE Deployments' ``--superlink``
argument and the AWS member ECS tasks' container command.

The default's zone is not delegated, so every SuperNode dials the primary aggregator's reserved
static IP (the ``gke-<primary>`` stack's address, a cross-stack reference). With
``dns.parent_zone_id`` the dns stack delegates the zone in the same apply, so every SuperNode
dials the failover name (and the policy rule ``supernode-dials-resolvable-address`` lets it)."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.conftest import DEFAULT_SPEC
from tests.synth_helpers import synth_yaml
from tests.test_aws_member import task_containers
from tests.test_workload import aggregator_ip_ref, pod_containers, remote_output


def superlinks(synth) -> dict[str, str]:
    """Site stack -> the ``--superlink`` value of its SuperNode (GKE Deployment or ECS task)."""
    found = {}
    for stack in synth.stack_names():
        if stack.startswith("workload-"):
            args = pod_containers(synth, stack, "supernode")["supernode"]["args"]
        elif stack.startswith("aws-") and synth.resources(stack, "aws_ecs_task_definition"):
            args = task_containers(synth, stack)["supernode"]["command"]
        else:
            continue
        found[stack] = args[args.index("--superlink") + 1]
    return found


def test_default_supernodes_dial_the_primary_aggregators_static_ip(default_synth, default_spec):
    primary = next(c.name for c in default_spec.gcp.clusters if c.role == "primary")
    dialled = superlinks(default_synth)
    assert {s for s in dialled if s.startswith("aws-")} == {"aws-us-east-1", "aws-us-west-2"}
    assert {s for s in dialled if s.startswith("workload-")} == {
        f"workload-{c.name}" for c in default_spec.gcp.clusters
    }
    expected = (f"gke-{primary}", aggregator_ip_ref(default_synth, f"gke-{primary}"))
    for stack, target in dialled.items():
        host, port = target.rsplit(":", 1)
        assert port == str(default_spec.workload.aggregator.fleet_port), stack
        assert remote_output(default_synth, host) == expected, stack
        assert default_spec.dns.fqdn not in target


@pytest.fixture(scope="module")
def delegated(tmp_path_factory):
    doc = yaml.safe_load(DEFAULT_SPEC.read_text())
    doc["dns"]["parent_zone_id"] = "Z0123456789ABCDEFGHIJ"
    return synth_yaml(yaml.safe_dump(doc), tmp_path_factory.mktemp("delegated") / "cdktf.out")


def test_with_parent_zone_id_every_supernode_dials_the_failover_name(delegated, default_spec):
    dialled = superlinks(delegated)
    assert len(dialled) == 5
    fleet_port = default_spec.workload.aggregator.fleet_port
    assert set(dialled.values()) == {f"aggregator.federated.yourcompany.net:{fleet_port}"}
    for stack in dialled:
        if stack.startswith("workload-"):
            assert delegated.outputs(stack)["aggregator_address"]["value"] == dialled[stack]
    ns = [r for r in delegated.resources("dns", "aws_route53_record").values() if r["type"] in ("NS", "DS")]
    ((parent_id, parent),) = delegated.data("dns", "aws_route53_zone").items()
    assert parent["zone_id"] == "Z0123456789ABCDEFGHIJ"
    in_parent = f"${{data.aws_route53_zone.{parent_id}.zone_id}}"
    assert {(r["type"], r["zone_id"]) for r in ns} == {("NS", in_parent), ("DS", in_parent)}


def test_supernode_stacks_wait_for_the_dns_stack_only_when_they_dial_its_name(delegated, default_synth):
    """The dns stack creates the record (and the delegation) a SuperNode dials by name; no value
    flows from it to the client-only and member stacks, so the order must be declared."""
    for stack in ("workload-fl-asia", "aws-us-west-2", "aws-us-east-1"):
        assert "dns" in delegated.dependencies(stack), stack
        assert "dns" not in default_synth.dependencies(stack), stack
    assert "health_checker_cidrs" not in json.dumps(delegated.stack("workload-fl-asia"))
