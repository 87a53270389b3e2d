"""AWS data sites as federation members, asserted on the synthesized default spec: the plan wires
keys, trust and aggregator addresses into ``aws-<region>``; the SuperNode runs the same arguments
as a GKE site's; the sites' NAT IPs reach the aggregators' fleet sources; their public keys are
registered; the private key stays in the site's secret; data access stays in the site."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from tests.spec_helpers import ONE_PRIMARY_CLUSTER
from tests.synth_helpers import ref

WEST, EAST = "aws-us-west-2", "aws-us-east-1"
AGGREGATOR_STACKS = ("workload-fl-us", "workload-fl-eu")
MEMBER = "federation_member_"


def member_resources(synth, stack, rtype):
    return {k: v for k, v in synth.resources(stack, rtype).items() if k.startswith(MEMBER)}


def task_containers(synth, stack):
    (task,) = synth.resources(stack, "aws_ecs_task_definition").values()
    return {c["name"]: c for c in json.loads(task["container_definitions"])}


def remote_output(stack: str, needle: str) -> str:
    return f"data.terraform_remote_state.cross-stack-reference-input-{stack}.outputs.cross-stack-output-{needle}"


def test_every_member_site_has_its_own_key_stack_read_by_trust_and_itself(default_synth):
    names = default_synth.stack_names()
    for stack, site in ((WEST, "aws-us-west-2"), (EAST, "aws-us-east-1")):
        key_stack = f"node-key-{site}"
        assert key_stack in names
        assert {"gke-fl-us", "gke-fl-eu", "federation-trust", key_stack} <= set(default_synth.dependencies(stack))
        assert key_stack in default_synth.dependencies("federation-trust")
        readers = [s for s in names if key_stack in default_synth.dependencies(s)]
        assert sorted(readers) == sorted(["federation-trust", stack])
    assert "federation-pki" not in default_synth.dependencies(WEST)


def test_aggregators_admit_every_member_sites_nat_ip(default_synth):
    for stack in AGGREGATOR_STACKS:
        assert {WEST, EAST} <= set(default_synth.dependencies(stack))
        (fleet,) = [s for k, s in default_synth.resources(stack, "kubernetes_service_v1").items() if "fleet" in k]
        sources = json.dumps(fleet["spec"]["load_balancer_source_ranges"])
        policies = json.dumps(default_synth.resources(stack, "kubernetes_network_policy_v1"))
        for site in (WEST, EAST):
            eip = remote_output(site, "aws_eipfederation_member_egress_eip_")
            assert f"{eip}" in sources.replace("81E101BEpublic_ip", "")
            assert eip in policies
    assert not {WEST, EAST} & set(default_synth.dependencies("workload-fl-asia"))


def test_the_egress_ip_output_is_the_nat_gateways_reserved_address(default_synth):
    eip_id, _ = next(iter(member_resources(default_synth, WEST, "aws_eip").items()))
    assert default_synth.outputs(WEST)["egress_ips"]["value"] == [ref("aws_eip", eip_id, "public_ip")]
    (nat,) = member_resources(default_synth, WEST, "aws_nat_gateway").values()
    assert nat["allocation_id"] == ref("aws_eip", eip_id, "allocation_id")


def test_member_public_keys_are_registered_on_both_aggregators(default_synth):
    for stack in AGGREGATOR_STACKS:
        (keys,) = [
            c for k, c in default_synth.resources(stack, "kubernetes_config_map_v1").items() if "registration" in k
        ]
        for site in ("aws-us-west-2", "aws-us-east-1"):
            value = keys["data"][f"{site}.pub"]
            assert (
                value
                == "${" + remote_output("federation-trust", f"localnode_public_key_{site.replace('-', '_')}") + "}"
            )


def test_private_routes_reach_only_the_aggregators_static_ips(default_synth):
    private_tables = {
        ref("aws_route_table", k) for k in default_synth.resources(WEST, "aws_route_table") if not k.startswith(MEMBER)
    }
    routes = [r for r in default_synth.resources(WEST, "aws_route").values() if r["route_table_id"] in private_tables]
    nat_routes = [r for r in routes if "nat_gateway_id" in r]
    assert all(r["destination_cidr_block"].endswith("}/32") for r in nat_routes)
    for gke in ("gke-fl-us", "gke-fl-eu"):
        assert sum(f"cross-stack-reference-input-{gke}." in r["destination_cidr_block"] for r in nat_routes) == len(
            private_tables
        )
    assert len(nat_routes) == 2 * len(private_tables)
    assert all(r["destination_cidr_block"] != "0.0.0.0/0" for r in routes)


def _without_node_config(args: list[str]) -> list[str]:
    if "--node-config" not in args:
        return args
    at = args.index("--node-config")
    return args[:at] + args[at + 2 :]


def _node_config(args: list[str]) -> str:
    return args[args.index("--node-config") + 1]


def test_each_site_tells_its_clientapp_where_its_data_is(default_synth):
    """The node config names the site and its data: the GKE site's volume, the AWS site's own
    bucket (a reference to the bucket of the same stack) and, where it has one, its EFS mount."""
    (deployment,) = [
        d for d in default_synth.resources("workload-fl-asia", "kubernetes_deployment_v1").values()
        if d["metadata"]["name"] == "supernode"
    ]  # fmt: skip
    (pod_supernode,) = [c for c in deployment["spec"]["template"]["spec"]["container"] if c["name"] == "supernode"]
    assert _node_config(pod_supernode["args"]) == 'data-dir="/app/data" site="fl-asia"'
    (west_bucket,) = default_synth.resources(WEST, "aws_s3_bucket").keys() - {
        k for k, v in default_synth.resources(WEST, "aws_s3_bucket").items() if "-logs-" in v["bucket"]
    }
    west = _node_config(task_containers(default_synth, WEST)["supernode"]["command"])
    assert west == f'data-bucket="${{aws_s3_bucket.{west_bucket}.bucket}}" data-dir="/app/data" site="aws-us-west-2"'
    east = _node_config(task_containers(default_synth, EAST)["supernode"]["command"])
    assert re.fullmatch(r'data-bucket="\$\{aws_s3_bucket\.[\w-]+\.bucket\}" site="aws-us-east-1"', east), east


def test_supernode_runs_the_same_arguments_as_a_gke_site(default_synth):
    (deployment,) = [
        d for d in default_synth.resources("workload-fl-asia", "kubernetes_deployment_v1").values()
        if d["metadata"]["name"] == "supernode"
    ]  # fmt: skip
    pod = {c["name"]: c for c in deployment["spec"]["template"]["spec"]["container"]}
    for stack in (WEST, EAST):
        task = task_containers(default_synth, stack)
        for name in ("supernode", "clientapp-executor"):
            assert task[name]["entryPoint"] == pod[name]["command"]
            assert _without_node_config(task[name]["command"]) == _without_node_config(pod[name]["args"])
            env = {e["name"]: e["value"] for e in task[name]["environment"]}
            assert env == {e["name"]: e["value"] for e in pod[name]["env"]}
    # The default app image is Docker Hub's flwr/superexec: it comes through the same cache.
    assert task_containers(default_synth, WEST)["clientapp-executor"]["image"] == (
        "${data.aws_caller_identity.caller_identity.account_id}.dkr.ecr.us-west-2.amazonaws.com/docker-hub/flwr/superexec:1.25.0"
    )
    assert "/docker-hub/flwr/supernode:1.25.0" in task_containers(default_synth, WEST)["supernode"]["image"]


def test_private_key_only_in_the_sites_secret_and_never_an_output(default_synth):
    key_ref = re.compile(
        re.escape(remote_output("node-key-aws-us-west-2", "tls_private_keynode_key_")) + r"\w*private_key_openssh"
    )
    holders = [
        (rtype, key) for rtype, key, config in default_synth.all_resources(WEST) if key_ref.search(json.dumps(config))
    ]
    assert [rtype for rtype, _ in holders] == ["aws_secretsmanager_secret_version"]
    assert not key_ref.search(json.dumps(default_synth.outputs(WEST)))
    for name, output in default_synth.outputs("node-key-aws-us-west-2").items():
        if "private_key" in name:
            assert output["sensitive"] is True
    readers = [s for s in default_synth.stack_names() if key_ref.search(json.dumps(default_synth.stack(s)))]
    assert readers == [WEST]
    for container in task_containers(default_synth, WEST).values():
        assert "private_key" not in json.dumps(container.get("environment", []))


def test_node_secret_follows_the_node_key_stack(default_synth):
    """Rotation is replacing the site's key in its key stack: the secret version is that key (and
    the trust stack's CA), and the same stack's public key is what the aggregators register."""
    (version,) = member_resources(default_synth, WEST, "aws_secretsmanager_secret_version").values()
    value = version["secret_string"]
    assert value.startswith("${jsonencode({")
    assert re.search(
        re.escape(remote_output("node-key-aws-us-west-2", "tls_private_keynode_key_")) + r"\w*private_key_openssh",
        value,
    )
    assert remote_output("federation-trust", "localca_certificate") in value
    (secret_id,) = member_resources(default_synth, WEST, "aws_secretsmanager_secret")
    assert version["secret_id"] == ref("aws_secretsmanager_secret", secret_id)
    trust = json.dumps(default_synth.stack("federation-trust"))
    assert re.search(
        re.escape(remote_output("node-key-aws-us-west-2", "tls_private_keynode_key_")) + r"\w*public_key_openssh", trust
    )


def test_task_role_reads_only_this_sites_bucket_and_file_system(default_synth):
    (policy,) = [
        p for p in member_resources(default_synth, WEST, "aws_iam_role_policy").values() if p["name"] == "site-data"
    ]
    grants = {s["Sid"]: s for s in json.loads(policy["policy"])["Statement"]}
    buckets = default_synth.resources(WEST, "aws_s3_bucket")
    (data_bucket,) = [k for k, b in buckets.items() if "-logs-" not in b["bucket"]]
    assert grants["ReadSiteObjects"]["Resource"] == ref("aws_s3_bucket", data_bucket, "arn") + "/*"
    assert grants["ListSiteBucket"]["Resource"] == ref("aws_s3_bucket", data_bucket, "arn")
    (fs_id,) = default_synth.resources(WEST, "aws_efs_file_system")
    assert grants["MountSiteFileSystem"]["Resource"] == ref("aws_efs_file_system", fs_id, "arn")
    assert grants["MountSiteFileSystem"]["Action"] == ["elasticfilesystem:ClientMount"]
    (east_policy,) = [
        p for p in member_resources(default_synth, EAST, "aws_iam_role_policy").values() if p["name"] == "site-data"
    ]
    assert "MountSiteFileSystem" not in east_policy["policy"]


def test_the_s3_path_of_the_task_stays_in_the_site(default_synth):
    """Bucket policy (aws11) denies object access except through the site's gateway endpoint; the
    endpoint policy admits only the site's buckets and ECR layers; the task egress to S3 is the
    endpoint's prefix list only."""
    (endpoint_id,) = [
        k for k, e in default_synth.resources(WEST, "aws_vpc_endpoint").items() if e["vpc_endpoint_type"] == "Gateway"
    ]
    (endpoint_policy,) = default_synth.resources(WEST, "aws_vpc_endpoint_policy").values()
    resources = [r for s in json.loads(endpoint_policy["policy"])["Statement"] for r in s["Resource"]]
    assert all("aws_s3_bucket." in r or "starport-layer-bucket" in r for r in resources)
    (bucket_policy,) = [
        p
        for p in default_synth.resources(WEST, "aws_s3_bucket_policy").values()
        if ref("aws_vpc_endpoint", endpoint_id) in p["policy"]
    ]
    assert "aws:SourceVpce" in bucket_policy["policy"]
    s3_rules = [
        r
        for r in member_resources(default_synth, WEST, "aws_vpc_security_group_egress_rule").values()
        if "prefix_list_id" in r
    ]
    assert len(s3_rules) == 1
    assert s3_rules[0]["from_port"] == 443


def test_logs_keep_the_sites_retention(default_synth):
    groups = member_resources(default_synth, WEST, "aws_cloudwatch_log_group").values()
    assert len(groups) == 2  # the task's and Container Insights'
    for group in groups:
        assert group["retention_in_days"] == 365
        assert group["kms_key_id"].startswith("${aws_kms_key.logs_key")


SMALL = {
    "federation": {"name": "fedlearn"},
    "aws": {"regions": [{"name": "us-west-2", "cidr": "10.10.0.0/16"}]},
    "gcp": ONE_PRIMARY_CLUSTER,
    "workload": {},
}


def test_zero_client_replicas_pause_the_aws_site_too(synth):
    doc = json.loads(json.dumps(SMALL))
    doc["workload"] = {"client": {"replicas": 0}}
    (service,) = synth(yaml.safe_dump(doc)).resources("aws-us-west-2", "aws_ecs_service").values()
    assert service["desired_count"] == 0


def test_container_insights_log_group_is_encrypted_kept_for_retention_and_made_before_the_cluster(
    default_synth, default_spec
):
    """Without it ECS creates /aws/ecs/containerinsights/<cluster>/performance itself: no KMS key,
    no retention, and it survives destroy."""
    from fnmatch import fnmatchcase

    (cluster,) = member_resources(default_synth, WEST, "aws_ecs_cluster").values()
    assert {"name": "containerInsights", "value": "enabled"} in cluster["setting"]
    name = f"/aws/ecs/containerinsights/{cluster['name']}/performance"
    groups = member_resources(default_synth, WEST, "aws_cloudwatch_log_group")
    (group_id,) = [k for k, g in groups.items() if g["name"] == name]
    group = groups[group_id]
    assert group["retention_in_days"] == default_spec.aws.log_retention_days
    assert f"aws_cloudwatch_log_group.{group_id}" in cluster["depends_on"]
    key_id = re.fullmatch(r"\$\{aws_kms_key\.(\w+)\.arn\}", group["kms_key_id"]).group(1)
    key = default_synth.resources(WEST, "aws_kms_key")[key_id]
    (logs,) = [s for s in json.loads(key["policy"])["Statement"] if s.get("Principal", {}).get("Service")]
    assert logs["Principal"]["Service"] == ["logs.us-west-2.amazonaws.com"]
    assert "kms:GenerateDataKey*" in logs["Action"]
    pattern = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    partition, account = (
        "${data.aws_partition.partition.partition}",
        "${data.aws_caller_identity.caller_identity.account_id}",
    )
    assert fnmatchcase(f"arn:{partition}:logs:us-west-2:{account}:log-group:{name}", pattern)


def test_node_secret_is_deleted_at_once_by_default_so_a_redeploy_can_reuse_its_name(default_synth):
    """A 7-day recovery window kept the name taken after destroy: a redeploy within the week failed."""
    for stack in (WEST, EAST):
        (secret,) = member_resources(default_synth, stack, "aws_secretsmanager_secret").values()
        assert secret["recovery_window_in_days"] == 0


def test_node_secret_recovery_window_follows_the_spec(synth):
    doc = json.loads(json.dumps(SMALL))
    doc["aws"]["member"] = {"secret_recovery_window_days": 14}
    (secret,) = member_resources(synth(yaml.safe_dump(doc)), "aws-us-west-2", "aws_secretsmanager_secret").values()
    assert secret["recovery_window_in_days"] == 14


@pytest.mark.parametrize("member", [False, None])
def test_no_member_pieces_when_switched_off_or_without_workload(synth, member):
    doc = json.loads(json.dumps(SMALL))
    if member is False:
        doc["aws"]["regions"][0]["federation_member"] = False
    else:
        del doc["workload"], doc["gcp"]
    out = synth(yaml.safe_dump(doc))
    assert "node-key-aws-us-west-2" not in out.stack_names()
    assert out.resources("aws-us-west-2", "aws_nat_gateway") == {}
    assert out.resources("aws-us-west-2", "aws_ecs_service") == {}
    assert "egress_ips" not in out.outputs("aws-us-west-2")
    assert out.dependencies("aws-us-west-2") == []


def _changed(before: dict, after: dict) -> set[tuple[str, str]]:
    """(type, logical id) of every resource added, removed or changed between two stack JSONs."""
    keys = set()
    for rtype in set(before.get("resource", {})) | set(after.get("resource", {})):
        old, new = before.get("resource", {}).get(rtype, {}), after.get("resource", {}).get(rtype, {})
        keys |= {(rtype, k) for k in set(old) | set(new) if old.get(k) != new.get(k)}
    return keys


def test_adding_a_member_site_changes_only_source_ranges_and_key_registrations(synth):
    one = json.loads(json.dumps(SMALL))
    one["aws"]["regions"][0]["shared_filesystem"] = True
    two = json.loads(json.dumps(one))
    two["aws"]["regions"].append({"name": "us-east-1", "cidr": "10.20.0.0/16"})
    before, after = synth(yaml.safe_dump(one)), synth(yaml.safe_dump(two))
    assert set(after.stack_names()) - set(before.stack_names()) == {"aws-us-east-1", "node-key-aws-us-east-1"}
    for stack in before.stack_names():
        changed = _changed(before.stack(stack), after.stack(stack))
        if stack == "workload-fl-us":
            assert {rtype for rtype, _ in changed} <= {
                "kubernetes_service_v1",  # fleet load balancer source ranges
                "kubernetes_network_policy_v1",  # fleet ingress sources
                "kubernetes_config_map_v1",  # public keys to register
                "kubernetes_job_v1",  # the registration Job re-runs for the new key
            }, changed
            assert changed
        elif stack == "federation-trust":
            assert changed == set()  # no resources; its new output is the new site's public key
            assert "node_public_key_aws_us_east_1" in json.dumps(after.stack(stack)["output"])
        else:
            assert changed == set(), (stack, changed)
