"""First-apply ordering rules found by reviewing the merged estate against provider documentation.

- An AWS member site's ECS service starts its first task only after everything the task needs
  exists (interface endpoints, NAT egress, EFS mount targets and policy, IAM policies, the secret
  version, security-group rules, the warmed image cache), and Terraform waits for a steady state.
- ECR documents that the first pull through a pull-through cache rule over interface endpoints
  needs an internet route from the pulling subnet; the member VPCs have none, so each cached image
  is pulled once from the deployer's machine before the service exists.
- The task security group has no in-line rules next to its separate rule resources (an in-line
  ``egress = []`` revokes them on every later apply).
- The registration Job waits for the NetworkPolicies (default deny first would burn its retries)
  and re-runs when the SuperLink's state volume is a new one (registrations live in its database).
- A new Direct Connect port survives its block leaving the configuration (``skip_destroy``).
"""

from __future__ import annotations

import json

import pytest

from tests.synth_helpers import ref

MEMBERS = ("aws-us-west-2", "aws-us-east-1")


def _one(value):
    return value[0] if isinstance(value, list) else value


def _service(synth, stack):
    (service,) = synth.resources(stack, "aws_ecs_service").values()
    return service


def _address(rtype: str, logical_id: str) -> str:
    return f"{rtype}.{logical_id}"


@pytest.mark.parametrize("stack", MEMBERS)
def test_member_service_waits_for_what_its_first_task_needs(default_synth, stack):
    service = _service(default_synth, stack)
    assert service["wait_for_steady_state"] is True
    depends = set(service["depends_on"])
    for rtype in (
        "aws_vpc_endpoint",
        "aws_nat_gateway",
        "aws_route",
        "aws_iam_role_policy",
        "aws_secretsmanager_secret_version",
        "aws_vpc_security_group_egress_rule",
        "aws_vpc_security_group_ingress_rule",
        "terraform_data",
    ):
        wanted = {_address(rtype, logical_id) for logical_id in default_synth.resources(stack, rtype)}
        if rtype == "aws_vpc_endpoint":  # the S3 gateway endpoint belongs to the VPC, not the site
            wanted = {
                _address(rtype, logical_id)
                for logical_id, endpoint in default_synth.resources(stack, rtype).items()
                if endpoint.get("vpc_endpoint_type") == "Interface"
            }
        if rtype == "aws_iam_role_policy":  # the SuperNode's roles (not, e.g., the flow-log role)
            wanted = {w for w in wanted if "supernode" in w}
        if rtype == "aws_route":  # only the routes that carry the fleet traffic to the NAT
            wanted = {
                _address(rtype, logical_id)
                for logical_id, route in default_synth.resources(stack, rtype).items()
                if "nat_gateway_id" in route
            }
        assert wanted, f"{stack} has no {rtype} the service should wait for"
        assert wanted <= depends, f"{stack}: the service does not wait for {sorted(wanted - depends)}"


def test_member_service_waits_for_the_efs_mount_targets_and_policy(default_synth):
    depends = set(_service(default_synth, "aws-us-west-2")["depends_on"])
    for rtype in ("aws_efs_mount_target", "aws_efs_file_system_policy", "aws_efs_access_point"):
        wanted = {_address(rtype, logical_id) for logical_id in default_synth.resources("aws-us-west-2", rtype)}
        assert wanted, rtype
        assert wanted <= depends, rtype


@pytest.mark.parametrize("stack", MEMBERS)
def test_cached_images_are_pulled_once_from_the_deployer_before_the_service(default_synth, stack):
    (warm_id, warm) = next(iter(default_synth.resources(stack, "terraform_data").items()))
    (task,) = default_synth.resources(stack, "aws_ecs_task_definition").values()
    images = {c["image"] for c in json.loads(task["container_definitions"])}
    cached = sorted(image for image in images if "/docker-hub/" in image)
    assert sorted(warm["triggers_replace"]) == cached
    command = _one(warm["provisioner"])["local-exec"]["command"]
    for image in cached:
        assert f'"{image}"' in command
    assert "aws ecr get-login-password" in command
    assert "docker pull" in command
    # Without the tools the step says so in one line instead of failing obscurely.
    assert "needs $tool on the deploying machine" in command
    rule = next(iter(default_synth.resources(stack, "aws_ecr_pull_through_cache_rule")))
    template = next(iter(default_synth.resources(stack, "aws_ecr_repository_creation_template")))
    assert set(warm["depends_on"]) == {
        _address("aws_ecr_pull_through_cache_rule", rule),
        _address("aws_ecr_repository_creation_template", template),
    }
    assert _address("terraform_data", warm_id) in _service(default_synth, stack)["depends_on"]


@pytest.mark.parametrize("stack", MEMBERS)
def test_task_security_group_has_no_inline_rules(default_synth, stack):
    (group,) = [
        g for g in default_synth.resources(stack, "aws_security_group").values() if "SuperNode" in g["description"]
    ]
    assert "egress" not in group
    assert "ingress" not in group
    rules = [
        r
        for r in default_synth.resources(stack, "aws_vpc_security_group_egress_rule").values()
        if r["security_group_id"].endswith(".id}") and "supernode" in r["security_group_id"]
    ]
    assert len(rules) >= 3, "the SuperNode's egress is granted by separate rule resources"


@pytest.mark.parametrize("stack", ["workload-fl-us", "workload-fl-eu"])
def test_registration_job_waits_for_network_policies_and_follows_the_state_volume(default_synth, stack):
    (job,) = default_synth.resources(stack, "kubernetes_job_v1").values()
    depends = set(job["depends_on"])
    policies = {
        _address("kubernetes_network_policy_v1", logical_id)
        for logical_id in default_synth.resources(stack, "kubernetes_network_policy_v1")
    }
    assert policies
    assert policies <= depends
    (claim_id,) = [
        logical_id
        for logical_id, claim in default_synth.resources(stack, "kubernetes_persistent_volume_claim_v1").items()
        if claim["metadata"]["name"] == "superlink-state"
    ]
    name = job["metadata"]["name"]
    assert name.startswith("supernode-registration-${substr(sha256(jsonencode(")
    assert ref("kubernetes_persistent_volume_claim_v1", claim_id, "metadata[0].uid").strip("${}") in name


def test_a_new_direct_connect_port_survives_leaving_the_configuration(default_synth):
    (connection,) = default_synth.resources("aws-direct-connect", "aws_dx_connection").values()
    assert connection["skip_destroy"] is True
    assert connection["lifecycle"]["prevent_destroy"] is True


@pytest.mark.parametrize("stack", MEMBERS)
def test_cache_template_role_has_propagated_before_the_template_and_the_warm_up_pull(default_synth, stack):
    """ECR first uses the template's role on the warm-up pull, moments after the role is made."""
    ((template_id, template),) = default_synth.resources(stack, "aws_ecr_repository_creation_template").items()
    ((sleep_id, sleep),) = default_synth.resources(stack, "time_sleep").items()
    (role_id,) = [k for k in default_synth.resources(stack, "aws_iam_role") if "image_cache" in k]
    (policy_id,) = [k for k in default_synth.resources(stack, "aws_iam_role_policy") if "image_cache" in k]
    assert template["custom_role_arn"] == ref("aws_iam_role", role_id, "arn")
    assert sleep["depends_on"] == [_address("aws_iam_role_policy", policy_id)]
    assert template["depends_on"] == [_address("time_sleep", sleep_id)]
    (warm,) = default_synth.resources(stack, "terraform_data").values()
    assert _address("aws_ecr_repository_creation_template", template_id) in warm["depends_on"]
    assert default_synth.stack(stack)["terraform"]["required_providers"]["time"]["source"] == "hashicorp/time"
