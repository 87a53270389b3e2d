"""The AWS region data site (seed 000, done right), asserted on the synthesized JSON."""

from __future__ import annotations

import ipaddress
import json

import pytest

from tests.synth_helpers import ref, refers_to

WEST, EAST = "aws-us-west-2", "aws-us-east-1"
MEMBER_PREFIX = "federation_member_"


class SiteView:
    """The synthesized data site without the pieces of its federation membership (asserted in
    tests/test_aws_member.py): what every AWS site has, member or not."""

    def __init__(self, synth):
        self._synth = synth

    def __getattr__(self, name):
        return getattr(self._synth, name)

    def resources(self, stack: str, rtype: str) -> dict[str, dict]:
        found = self._synth.resources(stack, rtype)
        return {key: value for key, value in found.items() if not key.startswith(MEMBER_PREFIX)}

    def resource(self, stack: str, rtype: str) -> dict:
        found = self.resources(stack, rtype)
        assert len(found) == 1, f"expected one {rtype} in {stack}, found {sorted(found)}"
        return next(iter(found.values()))


@pytest.fixture(scope="module")
def default_synth(default_synth):
    return SiteView(default_synth)


def only(items: dict) -> tuple[str, dict]:
    assert len(items) == 1, f"expected exactly one, got {sorted(items)}"
    return next(iter(items.items()))


def policy(config: dict, key: str = "policy") -> dict:
    return json.loads(config[key])


def test_one_stack_per_region(default_synth):
    assert {WEST, EAST} <= set(default_synth.stack_names())


def test_provider_region_and_mandatory_default_tags(default_synth):
    (provider,) = default_synth.stack(WEST)["provider"]["aws"]
    assert provider["region"] == "us-west-2"
    assert provider["default_tags"] == [
        {"tags": {"environment": "dev", "federation": "fedlearn", "owner": "ml-platform"}}
    ]


def test_vpc_dns_and_cidr(default_synth):
    vpc = default_synth.resource(WEST, "aws_vpc")
    assert vpc["cidr_block"] == "10.10.0.0/16"
    assert vpc["enable_dns_support"] is True
    assert vpc["enable_dns_hostnames"] is True


def test_private_subnets_one_per_pinned_az_inside_the_vpc(default_synth):
    subnets = default_synth.resources(WEST, "aws_subnet")
    assert sorted(s["availability_zone"] for s in subnets.values()) == ["us-west-2a", "us-west-2b"]
    vpc_net = ipaddress.ip_network("10.10.0.0/16")
    nets = [ipaddress.ip_network(s["cidr_block"]) for s in subnets.values()]
    assert all(n.subnet_of(vpc_net) for n in nets)
    assert not nets[0].overlaps(nets[1])
    assert all(s["map_public_ip_on_launch"] is False for s in subnets.values())
    vpc_id, _ = only(default_synth.resources(WEST, "aws_vpc"))
    assert all(s["vpc_id"] == ref("aws_vpc", vpc_id) for s in subnets.values())


def test_no_public_subnets_or_internet_gateway_outside_the_member_egress(default_synth):
    for stack in (WEST, EAST):
        assert default_synth.resources(stack, "aws_internet_gateway") == {}
        assert default_synth.resources(stack, "aws_nat_gateway") == {}


def test_each_private_subnet_has_its_own_route_table(default_synth):
    subnets = default_synth.resources(WEST, "aws_subnet")
    tables = default_synth.resources(WEST, "aws_route_table")
    associations = default_synth.resources(WEST, "aws_route_table_association")
    assert len(tables) == len(subnets) == len(associations) == 2
    pairs = {(a["subnet_id"], a["route_table_id"]) for a in associations.values()}
    assert {p[0] for p in pairs} == {ref("aws_subnet", s) for s in subnets}
    assert {p[1] for p in pairs} == {ref("aws_route_table", t) for t in tables}


def test_s3_gateway_endpoint_on_private_route_tables(default_synth):
    endpoint = default_synth.resource(WEST, "aws_vpc_endpoint")
    assert endpoint["vpc_endpoint_type"] == "Gateway"
    assert endpoint["service_name"] == "com.amazonaws.us-west-2.s3"
    tables = default_synth.resources(WEST, "aws_route_table")
    assert sorted(endpoint["route_table_ids"]) == sorted(ref("aws_route_table", t) for t in tables)


def test_default_security_group_is_stripped(default_synth):
    sg = default_synth.resource(WEST, "aws_default_security_group")
    assert sg["ingress"] == []
    assert sg["egress"] == []


def test_flow_logs_to_encrypted_log_group_with_retention(default_synth):
    flow = default_synth.resource(WEST, "aws_flow_log")
    group_id, group = only(default_synth.resources(WEST, "aws_cloudwatch_log_group"))
    assert flow["traffic_type"] == "ALL"
    assert flow["log_destination"] == ref("aws_cloudwatch_log_group", group_id, "arn")
    assert group["retention_in_days"] == 365
    assert refers_to(group["kms_key_id"], "aws_kms_key")
    # the log key lets CloudWatch Logs use it, scoped to this account's log groups
    key_id = group["kms_key_id"].split(".")[1]
    key = default_synth.resources(WEST, "aws_kms_key")[key_id]
    services = [s for s in policy(key)["Statement"] if "Service" in s.get("Principal", {})]
    assert services[0]["Principal"]["Service"] == ["logs.us-west-2.amazonaws.com"]
    assert "kms:EncryptionContext:aws:logs:arn" in services[0]["Condition"]["ArnLike"]


def test_flow_log_role_trust_is_scoped_to_this_accounts_flow_logs(default_synth):
    (role,) = [r for k, r in default_synth.resources(WEST, "aws_iam_role").items() if k.startswith("flow_logs")]
    (trust,) = policy(role, "assume_role_policy")["Statement"]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    account = trust["Condition"]["StringEquals"]["aws:SourceAccount"]
    assert account.startswith("${data.aws_caller_identity.")
    source = trust["Condition"]["ArnLike"]["aws:SourceArn"]
    assert source.startswith("arn:${data.aws_partition.")
    assert source.endswith(f":{account}:vpc-flow-log/*")
    assert ":ec2:us-west-2:" in source


def test_flow_log_role_has_what_aws_documents_scoped_to_its_log_group(default_synth):
    (flow_logs,) = [
        p for k, p in default_synth.resources(WEST, "aws_iam_role_policy").items() if k.startswith("flow_logs")
    ]
    grants = {s["Sid"]: s for s in policy(flow_logs)["Statement"]}
    write = grants["WriteOwnLogGroup"]
    assert sorted(write["Action"]) == ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    assert "*" not in write["Resource"]
    assert all(refers_to(r, "aws_cloudwatch_log_group") for r in write["Resource"])
    describe = grants["FindLogGroups"]
    assert describe["Action"] == "logs:DescribeLogGroups"
    # a list action: authorized against log-group:* of one account and region, never "*"
    assert describe["Resource"].endswith(".account_id}:log-group:*")
    assert ":logs:us-west-2:" in describe["Resource"]
    actions = {a for s in grants.values() for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert "logs:CreateLogGroup" not in actions  # Terraform owns the encrypted group


def test_kms_keys_rotate_and_have_policies(default_synth):
    keys = default_synth.resources(WEST, "aws_kms_key")
    assert len(keys) == 2  # logs + data
    for key in keys.values():
        assert key["enable_key_rotation"] is True
        assert key["deletion_window_in_days"] == 30
        assert policy(key)["Statement"][0]["Sid"] == "AccountAdministers"


def _data_bucket(synth, stack):
    buckets = synth.resources(stack, "aws_s3_bucket")
    data = {k: v for k, v in buckets.items() if "-logs-" not in v["bucket"]}
    return only(data)


def _for_bucket(synth, stack, rtype, bucket_id):
    matches = [c for c in synth.resources(stack, rtype).values() if c["bucket"] == ref("aws_s3_bucket", bucket_id)]
    assert len(matches) == 1, f"{rtype} for {bucket_id}: {len(matches)}"
    return matches[0]


def test_data_bucket_name_is_predictable_and_account_unique(default_synth):
    _, bucket = _data_bucket(default_synth, WEST)
    assert bucket["bucket"].startswith("fedlearn-dev-us-west-2-data-")
    assert bucket["bucket"].endswith(".account_id}")
    assert "${data.aws_caller_identity." in bucket["bucket"]


def test_data_bucket_blocks_all_public_access(default_synth):
    bucket_id, _ = _data_bucket(default_synth, WEST)
    block = _for_bucket(default_synth, WEST, "aws_s3_bucket_public_access_block", bucket_id)
    for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
        assert block[flag] is True, flag


def test_data_bucket_encrypted_with_cmk(default_synth):
    bucket_id, _ = _data_bucket(default_synth, WEST)
    sse = _for_bucket(default_synth, WEST, "aws_s3_bucket_server_side_encryption_configuration", bucket_id)
    rule = sse["rule"][0]
    default = rule["apply_server_side_encryption_by_default"]
    assert default["sse_algorithm"] == "aws:kms"
    assert refers_to(default["kms_master_key_id"], "aws_kms_key")
    assert rule["bucket_key_enabled"] is True


def test_data_bucket_versioned_and_ownership_enforced(default_synth):
    bucket_id, _ = _data_bucket(default_synth, WEST)
    versioning = _for_bucket(default_synth, WEST, "aws_s3_bucket_versioning", bucket_id)
    assert versioning["versioning_configuration"]["status"] == "Enabled"
    ownership = _for_bucket(default_synth, WEST, "aws_s3_bucket_ownership_controls", bucket_id)
    assert ownership["rule"]["object_ownership"] == "BucketOwnerEnforced"


def test_data_bucket_lifecycle_aborts_multipart_uploads(default_synth):
    bucket_id, _ = _data_bucket(default_synth, WEST)
    lifecycle = _for_bucket(default_synth, WEST, "aws_s3_bucket_lifecycle_configuration", bucket_id)
    (rule,) = lifecycle["rule"]
    assert rule["status"] == "Enabled"
    assert rule["abort_incomplete_multipart_upload"][0]["days_after_initiation"] == 7
    assert rule["noncurrent_version_expiration"][0]["noncurrent_days"] == 90


def test_data_bucket_access_logged_to_log_bucket(default_synth):
    bucket_id, _ = _data_bucket(default_synth, WEST)
    logging = _for_bucket(default_synth, WEST, "aws_s3_bucket_logging", bucket_id)
    log_ids = [k for k in default_synth.resources(WEST, "aws_s3_bucket") if k != bucket_id]
    assert logging["target_bucket"] == ref("aws_s3_bucket", log_ids[0])
    log_policy = policy(_for_bucket(default_synth, WEST, "aws_s3_bucket_policy", log_ids[0]))
    delivery = next(s for s in log_policy["Statement"] if s["Effect"] == "Allow")
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Condition"]["ArnLike"]["aws:SourceArn"] == ref("aws_s3_bucket", bucket_id, "arn")


@pytest.mark.parametrize("which", ["data", "log"])
def test_buckets_deny_non_tls(default_synth, which):
    bucket_id, _ = _data_bucket(default_synth, WEST)
    if which == "log":
        bucket_id = next(k for k in default_synth.resources(WEST, "aws_s3_bucket") if k != bucket_id)
    statements = policy(_for_bucket(default_synth, WEST, "aws_s3_bucket_policy", bucket_id))["Statement"]
    deny = next(s for s in statements if s["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert ref("aws_s3_bucket", bucket_id, "arn") in deny["Resource"]


def test_efs_encrypted_with_cmk_and_lifecycle(default_synth):
    fs = default_synth.resource(WEST, "aws_efs_file_system")
    assert fs["encrypted"] is True
    assert refers_to(fs["kms_key_id"], "aws_kms_key")
    assert {"transition_to_ia": "AFTER_30_DAYS"} in fs["lifecycle_policy"]


def test_efs_one_mount_target_per_az_behind_nfs_security_group(default_synth):
    targets = default_synth.resources(WEST, "aws_efs_mount_target")
    subnets = default_synth.resources(WEST, "aws_subnet")
    assert sorted(t["subnet_id"] for t in targets.values()) == sorted(ref("aws_subnet", s) for s in subnets)
    (sg_id,) = [k for k in default_synth.resources(WEST, "aws_security_group") if "nfs_sg" in k]
    sg = default_synth.resources(WEST, "aws_security_group")[sg_id]
    assert all(t["security_groups"] == [ref("aws_security_group", sg_id)] for t in targets.values())
    assert sg["egress"] == []
    rules = [
        r
        for r in default_synth.resources(WEST, "aws_vpc_security_group_ingress_rule").values()
        if r["security_group_id"] == ref("aws_security_group", sg_id)
    ]
    assert rules
    for rule in rules:  # from named security groups only (tests/test_aws_efs_silo.py: which ones)
        assert (rule["from_port"], rule["to_port"], rule["ip_protocol"]) == (2049, 2049, "tcp")
        assert refers_to(rule["referenced_security_group_id"], "aws_security_group")
        assert "cidr_ipv4" not in rule
        assert rule["description"]


def test_efs_policy_denies_plain_nfs_and_keeps_the_lockout_check(default_synth):
    fs_id, _ = only(default_synth.resources(WEST, "aws_efs_file_system"))
    statements = {s["Sid"]: s for s in policy(default_synth.resource(WEST, "aws_efs_file_system_policy"))["Statement"]}
    deny = statements["DenyInsecureTransport"]
    assert (deny["Effect"], deny["Action"]) == ("Deny", "*")
    assert deny["Resource"] == [ref("aws_efs_file_system", fs_id, "arn")]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert "bypass_policy_lockout_safety_check" not in default_synth.resource(WEST, "aws_efs_file_system_policy")


def test_efs_backup_and_access_point(default_synth):
    fs_id, _ = only(default_synth.resources(WEST, "aws_efs_file_system"))
    backup = default_synth.resource(WEST, "aws_efs_backup_policy")
    assert backup["backup_policy"]["status"] == "ENABLED"
    ap = default_synth.resource(WEST, "aws_efs_access_point")
    assert ap["file_system_id"] == ref("aws_efs_file_system", fs_id)
    assert ap["posix_user"] == {"gid": 1000, "uid": 1000}
    assert ap["root_directory"]["path"] == "/federated-learning"
    assert ap["root_directory"]["creation_info"]["permissions"] == "0750"


def test_region_without_data_services_has_no_bucket_or_efs(default_synth):
    # us-east-1 in the default spec: data_bucket defaults to true, shared_filesystem to false
    assert len(default_synth.resources(EAST, "aws_s3_bucket")) == 2
    assert default_synth.resources(EAST, "aws_efs_file_system") == {}


def test_outputs_a_consumer_needs(default_synth):
    outputs = default_synth.outputs(WEST)
    for name in (
        "vpc_id",
        "private_subnet_ids",
        "private_route_table_ids",
        "data_bucket_name",
        "data_bucket_regional_domain_name",
        "efs_id",
        "efs_dns_name",
    ):
        assert name in outputs, name
        assert outputs[name]["description"], f"{name} has no description"
    assert refers_to(outputs["data_bucket_regional_domain_name"]["value"], "aws_s3_bucket")
    assert outputs["efs_dns_name"]["value"].endswith(".dns_name}")


def test_local_backend_is_relative_and_per_stack(default_synth):
    for stack in (WEST, EAST):
        backend = default_synth.stack(stack)["terraform"]["backend"]
        assert backend == {"local": {"path": f"../../../terraform-state/{stack}.tfstate"}}


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (
            "{backend: s3, bucket: tf-state, region: eu-west-1}",
            {
                "s3": {
                    "bucket": "tf-state",
                    "key": "fedlearn/aws-us-west-2.tfstate",
                    "region": "eu-west-1",
                    "encrypt": True,
                    "use_lockfile": True,
                }
            },
        ),
        ("{backend: gcs, bucket: tf-state, prefix: fl}", {"gcs": {"bucket": "tf-state", "prefix": "fl/aws-us-west-2"}}),
        (
            "{backend: azurerm, resource_group_name: rg, storage_account_name: sa}",
            {
                "azurerm": {
                    "resource_group_name": "rg",
                    "storage_account_name": "sa",
                    "container_name": "tfstate",
                    "key": "fedlearn/aws-us-west-2.tfstate",
                    "use_azuread_auth": True,
                }
            },
        ),
    ],
)
def test_remote_state_backends(synth, state, expected):
    out = synth(
        f"""
federation: {{name: fedlearn}}
state: {state}
aws: {{regions: [{{name: us-west-2, cidr: 10.10.0.0/16}}]}}
"""
    )
    assert out.stack(WEST)["terraform"]["backend"] == expected


def test_tags_reach_every_resource_through_provider_default_tags(default_synth):
    """No resource sets federation/environment by hand; the provider applies them to all."""
    for stack in (WEST, EAST):
        for rtype, logical_id, config in default_synth.all_resources(stack):
            tags = config.get("tags", {})
            assert "federation" not in tags, f"{rtype}.{logical_id} sets mandatory tags by hand"
