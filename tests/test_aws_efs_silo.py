"""Issue 18 finding 3: an AWS site's EFS is read-only (or writable) by policy, not by a mount
option. Asserted on the synthesized JSON: only named roles may mount (IAM-authenticated, through
a mount target and the access point), only named writers may write, anonymous NFS clients and the
account's other principals are refused, nothing the deployer needs is denied, and the mount
targets admit NFS only from named security groups."""

from __future__ import annotations

import pytest

from constructs_lib.aws.shared_filesystem import NFS_CONDITION_KEYS
from tests import policy_eval
from tests.synth_helpers import ref, synth_yaml

WEST = "aws-us-west-2"
MOUNT, WRITE, ROOT = (f"elasticfilesystem:Client{a}" for a in ("Mount", "Write", "RootAccess"))

# What Terraform calls to create, refresh, update and destroy a file system and its parts (the
# EFS management API, not NFS); the file-system policy must deny none of it to the deployer.
MANAGEMENT_ACTIONS = (
    "elasticfilesystem:CreateFileSystem",
    "elasticfilesystem:DescribeFileSystems",
    "elasticfilesystem:DeleteFileSystem",
    "elasticfilesystem:UpdateFileSystem",
    "elasticfilesystem:PutFileSystemPolicy",
    "elasticfilesystem:DescribeFileSystemPolicy",
    "elasticfilesystem:DeleteFileSystemPolicy",
    "elasticfilesystem:CreateMountTarget",
    "elasticfilesystem:DescribeMountTargets",
    "elasticfilesystem:DescribeMountTargetSecurityGroups",
    "elasticfilesystem:DeleteMountTarget",
    "elasticfilesystem:CreateAccessPoint",
    "elasticfilesystem:DescribeAccessPoints",
    "elasticfilesystem:DeleteAccessPoint",
    "elasticfilesystem:PutBackupPolicy",
    "elasticfilesystem:DescribeBackupPolicy",
    "elasticfilesystem:PutLifecycleConfiguration",
    "elasticfilesystem:DescribeLifecycleConfiguration",
    "elasticfilesystem:TagResource",
    "elasticfilesystem:ListTagsForResource",
)

NON_MEMBER = """\
federation: {name: fedlearn, environment: test}
aws:
  regions:
    - {name: eu-north-1, cidr: 10.80.0.0/16, data_bucket: false, shared_filesystem: true}
"""


def efs_policy(synth, stack) -> str:
    (config,) = synth.resources(stack, "aws_efs_file_system_policy").values()
    return config["policy"]


def role_arn(synth, stack, prefix: str) -> str:
    (key,) = [k for k in synth.resources(stack, "aws_iam_role") if k.startswith(prefix)]
    return ref("aws_iam_role", key, "arn")


def nfs_client(synth, stack, principal: str | None) -> dict:
    """A TLS request through a mount target and the access point, as ``principal`` (None: anonymous)."""
    (ap_id,) = synth.resources(stack, "aws_efs_access_point")
    request = {
        "aws:SecureTransport": "true",
        "elasticfilesystem:AccessedViaMountTarget": "true",
        "elasticfilesystem:AccessPointArn": ref("aws_efs_access_point", ap_id, "arn"),
    }
    if principal is not None:
        request["aws:PrincipalArn"] = principal
    return request


def security_group(synth, stack, needle: str) -> str:
    (key,) = [k for k in synth.resources(stack, "aws_security_group") if needle in k]
    return ref("aws_security_group", key)


def ingress_sources(synth, stack, group: str) -> list[dict]:
    return [
        r
        for r in synth.resources(stack, "aws_vpc_security_group_ingress_rule").values()
        if r["security_group_id"] == group
    ]


def test_read_only_member_site_the_task_mounts_only_the_loader_writes(default_synth):
    document = efs_policy(default_synth, WEST)
    task = role_arn(default_synth, WEST, "federation_member_supernode_roles_task")
    loader = role_arn(default_synth, WEST, "data_loader")
    admin = "arn:aws:iam::123456789012:role/Administrator"
    expect = {  # principal: (the policy lets it mount, the policy lets it write)
        task: (True, False),  # workload.app.data_read_only defaults to true
        loader: (True, True),
        admin: (False, False),  # only its own IAM could admit it (account-admin trust)
        None: (False, False),  # an anonymous NFS client (mount without -o iam): no allow matches
    }
    for principal, (mount, write) in expect.items():
        request = nfs_client(default_synth, WEST, principal)
        assert policy_eval.allowed(document, MOUNT, request) is mount, principal
        assert policy_eval.allowed(document, WRITE, request) is write, principal
        assert policy_eval.denied(document, ROOT, request), principal


def test_the_policy_conditions_only_on_keys_efs_evaluates_for_nfs_clients(default_synth):
    """EFS enforces only four condition keys for NFS clients; a deny keyed on anything else (e.g.
    ``aws:PrincipalArn``) is evaluated without its key and would lock the named roles out too."""
    used = {
        key
        for statement in policy_eval.statements_of(efs_policy(default_synth, WEST))
        if str(statement["Action"]).startswith("elasticfilesystem:Client") or statement["Action"] == "*"
        for operator in statement.get("Condition", {}).values()
        for key in operator
    }
    assert used
    assert used <= NFS_CONDITION_KEYS, used - NFS_CONDITION_KEYS


def test_allow_principals_are_explicit_role_references(default_synth):
    task = role_arn(default_synth, WEST, "federation_member_supernode_roles_task")
    loader = role_arn(default_synth, WEST, "data_loader")
    allows = [s for s in policy_eval.statements_of(efs_policy(default_synth, WEST)) if s["Effect"] == "Allow"]
    by_action = {s["Action"]: s["Principal"]["AWS"] for s in allows}
    assert by_action == {MOUNT: [task, loader], WRITE: [loader]}
    # not through a mount target, or not through the access point: no allow applies
    request = nfs_client(default_synth, WEST, loader)
    assert not policy_eval.allowed(
        document := efs_policy(default_synth, WEST),
        MOUNT,
        {**request, "elasticfilesystem:AccessedViaMountTarget": "false"},
    )
    assert not policy_eval.allowed(document, MOUNT, {**request, "elasticfilesystem:AccessPointArn": "fsap-other"})
    assert policy_eval.denied(document, MOUNT, {**request, "aws:SecureTransport": "false"})


def test_the_policy_denies_the_deployer_nothing_it_manages_the_file_system_with(default_synth):
    document = efs_policy(default_synth, WEST)
    deployer = {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/deployer", "aws:SecureTransport": "true"}
    assert [a for a in MANAGEMENT_ACTIONS if policy_eval.denied(document, a, deployer)] == []
    # and the first-apply rule efs-policy-allows-clients holds: some client action is allowed
    assert any(s["Effect"] == "Allow" for s in policy_eval.statements_of(document))


def test_mount_targets_admit_nfs_only_from_the_task_and_the_clients_group(default_synth):
    nfs = security_group(default_synth, WEST, "shared_fs_nfs_sg")
    rules = ingress_sources(default_synth, WEST, nfs)
    assert all(set(r) >= {"referenced_security_group_id"} and "cidr_ipv4" not in r for r in rules)
    assert sorted(r["referenced_security_group_id"] for r in rules) == sorted(
        [
            security_group(default_synth, WEST, "federation_member_supernode_sg"),
            security_group(default_synth, WEST, "shared_fs_clients_sg"),
        ]
    )
    assert all((r["from_port"], r["to_port"]) == (2049, 2049) for r in rules)


def test_the_supernode_waits_for_its_nfs_admission_and_the_file_system_policy(default_synth):
    (service,) = default_synth.resources(WEST, "aws_ecs_service").values()
    (policy_key,) = default_synth.resources(WEST, "aws_efs_file_system_policy")
    task_sg = security_group(default_synth, WEST, "federation_member_supernode_sg")
    (rule_key,) = [
        k
        for k, r in default_synth.resources(WEST, "aws_vpc_security_group_ingress_rule").items()
        if r.get("referenced_security_group_id") == task_sg
        and r["security_group_id"] == security_group(default_synth, WEST, "shared_fs_nfs_sg")
    ]
    assert f"aws_efs_file_system_policy.{policy_key}" in service["depends_on"]
    assert f"aws_vpc_security_group_ingress_rule.{rule_key}" in service["depends_on"]


@pytest.fixture(scope="module")
def non_member(tmp_path_factory):
    return synth_yaml(NON_MEMBER, tmp_path_factory.mktemp("efs-non-member") / "cdktf.out")


def test_a_file_system_without_a_supernode_is_mounted_only_by_the_loader(non_member):
    stack = "aws-eu-north-1"
    document = efs_policy(non_member, stack)
    loader = role_arn(non_member, stack, "data_loader")
    allows = [s for s in policy_eval.statements_of(document) if s["Effect"] == "Allow"]
    assert {s["Action"]: s["Principal"]["AWS"] for s in allows} == {MOUNT: [loader], WRITE: [loader]}
    assert policy_eval.allowed(document, WRITE, nfs_client(non_member, stack, loader))
    assert not policy_eval.allowed(document, MOUNT, nfs_client(non_member, stack, None))
    nfs = security_group(non_member, stack, "nfs_sg")
    clients = security_group(non_member, stack, "clients_sg")
    assert [r["referenced_security_group_id"] for r in ingress_sources(non_member, stack, nfs)] == [clients]
    # the clients group reaches NFS on the mount targets and nothing else
    egress = [
        r
        for r in non_member.resources(stack, "aws_vpc_security_group_egress_rule").values()
        if r["security_group_id"] == clients
    ]
    assert [(r["referenced_security_group_id"], r["from_port"], r["to_port"]) for r in egress] == [(nfs, 2049, 2049)]
    assert "egress" not in non_member.resources(stack, "aws_security_group")[clients.split(".")[1]]
    assert non_member.outputs(stack)["efs_clients_security_group_id"]["value"] == clients
