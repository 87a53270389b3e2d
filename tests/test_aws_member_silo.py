"""An AWS member site is a silo: nothing leaves it but model updates to the aggregators. Asserted on
the synthesized default spec. The SuperNode and the ClientApp executor are two containers of one
Fargate task: both can fetch the task role's credentials from the ECS credential endpoint
(169.254.170.2), so the task role is what the user's code can do; the execution role (image
pulls, logs, the node key secret) is used by ECS itself and never handed to a container."""

from __future__ import annotations

import json

from tests import policy_eval
from tests.synth_helpers import ref

WEST, EAST = "aws-us-west-2", "aws-us-east-1"
MEMBER = "federation_member_"


def role_policies(synth, stack) -> dict[str, list[dict]]:
    """Inline policy name -> statements, for every role policy of the stack."""
    return {
        p["name"]: policy_eval.statements_of(p["policy"])
        for p in synth.resources(stack, "aws_iam_role_policy").values()
    }


def actions(statements: list[dict]) -> set[str]:
    return {a for s in statements for a in policy_eval._as_list(s["Action"])}


def test_the_task_role_the_executor_shares_reads_its_site_and_nothing_else(default_synth):
    for stack in (WEST, EAST):
        task = role_policies(default_synth, stack)["site-data"]
        assert actions(task) <= {"s3:ListBucket", "s3:GetObject", "kms:Decrypt", "elasticfilesystem:ClientMount"}
        assert all(s["Effect"] == "Allow" for s in task)
        (decrypt,) = [s for s in task if s["Action"] == "kms:Decrypt"]
        region = stack.removeprefix("aws-")
        assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}}
        # no secret, no log writes, no image pulls, no writes anywhere: the executor cannot copy
        # data out through an AWS API the site's endpoints admit
        assert not any(a.split(":")[0] in {"secretsmanager", "logs", "ecr", "sts"} for a in actions(task))


def test_only_the_execution_role_reads_the_node_secret(default_synth):
    (secret_key,) = [k for k in default_synth.resources(WEST, "aws_kms_key") if "secret_key" in k]
    policies = role_policies(default_synth, WEST)
    readers = [name for name, statements in policies.items() if actions(statements) & {"secretsmanager:GetSecretValue"}]
    assert readers == ["pull-log-secret"]
    key_users = [
        name for name, statements in policies.items() if ref("aws_kms_key", secret_key, "arn") in json.dumps(statements)
    ]
    assert key_users == ["pull-log-secret"]
    # the key policy delegates to IAM only: no service or role is named in it
    key_policy = policy_eval.statements_of(default_synth.resources(WEST, "aws_kms_key")[secret_key]["policy"])
    assert [s["Sid"] for s in key_policy] == ["AccountAdministers"]


def test_the_task_reaches_only_the_aggregators_endpoints_s3_and_efs(default_synth):
    groups = default_synth.resources(WEST, "aws_security_group")
    (task_sg,) = [k for k in groups if k.startswith(f"{MEMBER}supernode_sg")]
    task = ref("aws_security_group", task_sg)
    egress = [
        r
        for r in default_synth.resources(WEST, "aws_vpc_security_group_egress_rule").values()
        if r["security_group_id"] == task
    ]
    fleet = 9092
    for rule in egress:
        if "cidr_ipv4" in rule:  # only the aggregators' static IPs, on the fleet port
            assert rule["cidr_ipv4"].endswith("/32")
            assert "cross-stack-reference-input-gke-" in rule["cidr_ipv4"]
            assert (rule["from_port"], rule["to_port"]) == (fleet, fleet)
        else:
            assert set(rule) & {"referenced_security_group_id", "prefix_list_id"}
    ingress = [
        r
        for r in default_synth.resources(WEST, "aws_vpc_security_group_ingress_rule").values()
        if r["security_group_id"] == task
    ]
    assert ingress == []


def test_dns_answers_only_aws_apis_and_the_aggregators_name(default_synth):
    """Routes and security groups do not cover the VPC resolver: without this, code could leak data
    in queries for a domain whose name server it controls."""
    (vpc_id,) = default_synth.resources(WEST, "aws_vpc")
    (association,) = default_synth.resources(WEST, "aws_route53_resolver_firewall_rule_group_association").values()
    assert association["vpc_id"] == ref("aws_vpc", vpc_id)
    assert association["mutation_protection"] == "DISABLED"  # destroy can remove it
    rules = sorted(
        default_synth.resources(WEST, "aws_route53_resolver_firewall_rule").values(), key=lambda r: r["priority"]
    )
    lists = default_synth.resources(WEST, "aws_route53_resolver_firewall_domain_list")
    domains = [lists[r["firewall_domain_list_id"].split(".")[1]]["domains"] for r in rules]
    assert [r["action"] for r in rules] == ["ALLOW", "BLOCK"]
    # the default spec has a dns section: the aggregator's failover name is the one extra name
    assert domains == [["amazonaws.com.", "*.amazonaws.com.", "aggregator.federated.yourcompany.net."], ["*"]]
    assert rules[1]["block_response"] == "NODATA"
    (service,) = default_synth.resources(WEST, "aws_ecs_service").values()
    assert any(d.startswith("aws_route53_resolver_firewall_rule_group_association.") for d in service["depends_on"])
    assert default_synth.resources(EAST, "aws_route53_resolver_firewall_rule_group")  # every member site
