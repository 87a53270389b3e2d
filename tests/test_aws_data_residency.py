""" "Data never leaves its region", asserted on the synthesized JSON: the data bucket's objects are
usable only through the site's own S3 gateway endpoint or by named admin roles, the endpoint
admits only the site's buckets (and ECR's layer bucket), bucket management and access-log
delivery keep working; plus the opt-in ``force_destroy_buckets`` teardown switch."""

from __future__ import annotations

import json

import pytest

from federation_spec import parse_spec
from tests import policy_eval
from tests.spec_helpers import assert_error
from tests.synth_helpers import ref

WEST, EAST = "aws-us-west-2", "aws-us-east-1"
ADMIN = "arn:aws:iam::123456789012:role/data/fl-data-admin"

SPEC = """\
federation: {name: fedlearn, environment: test}
aws:
  regions:
    - {name: eu-west-1, cidr: 10.60.0.0/16}
    - {name: eu-central-1, cidr: 10.70.0.0/16, data_bucket: false}
"""

# What Terraform calls to read, update and delete the bucket and its sub-resources; none may be
# denied, or the deployer could no longer manage the bucket from outside the VPC.
MANAGEMENT_ACTIONS = (
    "s3:ListBucket",  # HeadBucket, on every refresh
    "s3:CreateBucket",
    "s3:DeleteBucket",
    "s3:GetBucketPolicy",
    "s3:PutBucketPolicy",
    "s3:GetBucketVersioning",
    "s3:PutBucketVersioning",
    "s3:GetLifecycleConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:GetEncryptionConfiguration",
    "s3:PutEncryptionConfiguration",
    "s3:GetBucketLogging",
    "s3:PutBucketLogging",
    "s3:GetBucketNotification",
    "s3:PutBucketNotification",
    "s3:GetBucketPublicAccessBlock",
    "s3:PutBucketPublicAccessBlock",
    "s3:GetBucketOwnershipControls",
    "s3:PutBucketOwnershipControls",
    "s3:GetBucketTagging",
    "s3:PutBucketTagging",
    "s3:GetBucketAcl",
    "s3:GetBucketObjectLockConfiguration",
)
DATA_ACTIONS = (
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:AbortMultipartUpload",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:RestoreObject",
    "s3:ListBucketVersions",
)


def statements(config: dict) -> dict[str, dict]:
    return {s["Sid"]: s for s in json.loads(config["policy"])["Statement"]}


def buckets(synth, stack) -> tuple[str, str]:
    """(data bucket id, log bucket id)."""
    found = synth.resources(stack, "aws_s3_bucket")
    data = next(k for k, v in found.items() if "-logs-" not in v["bucket"])
    log = next(k for k in found if k != data)
    return data, log


def policy_of(synth, stack, bucket_id) -> dict:
    (config,) = [
        c
        for c in synth.resources(stack, "aws_s3_bucket_policy").values()
        if c["bucket"] == ref("aws_s3_bucket", bucket_id)
    ]
    return config


def s3_endpoint(synth, stack) -> str:
    (endpoint_id,) = [
        k for k, v in synth.resources(stack, "aws_vpc_endpoint").items() if v["service_name"].endswith(".s3")
    ]
    return endpoint_id


@pytest.mark.parametrize("stack", [WEST, EAST])
def test_data_objects_are_denied_unless_through_this_sites_endpoint(default_synth, stack):
    data, _ = buckets(default_synth, stack)
    document = policy_of(default_synth, stack, data)["policy"]
    here = ref("aws_vpc_endpoint", s3_endpoint(default_synth, stack))
    stranger = {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/anyone", "aws:SecureTransport": "true"}
    for action in DATA_ACTIONS:
        # from outside (no endpoint, or another site's endpoint): refused, whoever asks
        assert policy_eval.denied(document, action, stranger), action
        assert policy_eval.denied(document, action, {**stranger, "aws:SourceVpce": "vpce-elsewhere"}), action
        # through the endpoint of the same stack (the same site): the policy leaves it to IAM
        assert not policy_eval.denied(document, action, {**stranger, "aws:SourceVpce": here}), action
    residency = ("DenyDataAccessOutsideTheSite", "DenyWritesOutsideTheSiteExceptLoaders", "LoadersAreWriteOnly")
    for statement in (s for s in policy_eval.statements_of(document) if s["Sid"] in residency):
        assert statement["Resource"] == [ref("aws_s3_bucket", data, "arn"), ref("aws_s3_bucket", data, "arn") + "/*"]


def test_bucket_management_is_never_denied(default_synth):
    data, _ = buckets(default_synth, WEST)
    document = policy_of(default_synth, WEST, data)["policy"]
    anyone = {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/deployer", "aws:SecureTransport": "true"}
    assert [a for a in MANAGEMENT_ACTIONS if policy_eval.denied(document, a, anyone)] == []


def test_access_log_delivery_is_untouched_by_the_residency_rule(default_synth):
    data, log = buckets(default_synth, WEST)
    log_statements = statements(policy_of(default_synth, WEST, log))
    assert set(log_statements) == {"DenyInsecureTransport", "AllowServerAccessLogDelivery"}
    delivery = log_statements["AllowServerAccessLogDelivery"]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Condition"]["ArnLike"]["aws:SourceArn"] == ref("aws_s3_bucket", data, "arn")


@pytest.mark.parametrize("stack", [WEST, EAST])
def test_s3_endpoint_admits_exactly_the_sites_buckets_and_ecr_layers(default_synth, stack):
    data, log = buckets(default_synth, stack)
    endpoint_policy = default_synth.resource(stack, "aws_vpc_endpoint_policy")
    assert endpoint_policy["vpc_endpoint_id"] == ref("aws_vpc_endpoint", s3_endpoint(default_synth, stack))
    allowed = statements(endpoint_policy)
    assert set(allowed) == {"SiteBuckets", "EcrImageLayers"}
    assert all(s["Effect"] == "Allow" for s in allowed.values())
    assert sorted(allowed["SiteBuckets"]["Resource"]) == sorted(
        [ref("aws_s3_bucket", b, "arn") + suffix for b in (data, log) for suffix in ("", "/*")]
    )
    region = stack.removeprefix("aws-")
    assert allowed["EcrImageLayers"]["Action"] == "s3:GetObject"
    assert allowed["EcrImageLayers"]["Resource"] == [
        "arn:${data.aws_partition.partition.partition}:s3:::" + f"prod-{region}-starport-layer-bucket/*"
    ]


def test_admin_roles_pass_the_rule_and_a_site_without_bucket_admits_only_ecr(synth):
    out = synth(SPEC + f"  data_admin_role_arns: [{ADMIN}]\n")
    data, _ = buckets(out, "aws-eu-west-1")
    deny = statements(policy_of(out, "aws-eu-west-1", data))["DenyDataAccessOutsideTheSite"]
    assert deny["Condition"]["ArnNotEquals"] == {"aws:PrincipalArn": [ADMIN]}
    assert deny["Condition"]["StringNotEquals"] == {
        "aws:SourceVpce": [ref("aws_vpc_endpoint", s3_endpoint(out, "aws-eu-west-1"))]
    }
    assert out.resources("aws-eu-central-1", "aws_s3_bucket") == {}
    assert set(statements(out.resource("aws-eu-central-1", "aws_vpc_endpoint_policy"))) == {"EcrImageLayers"}
    assert all("force_destroy" not in b for b in out.resources("aws-eu-west-1", "aws_s3_bucket").values())


def test_force_destroy_buckets_is_opt_in(synth, default_synth):
    assert all("force_destroy" not in b for b in default_synth.resources(WEST, "aws_s3_bucket").values())
    out = synth(SPEC + "  force_destroy_buckets: true\n")
    assert [b["force_destroy"] for b in out.resources("aws-eu-west-1", "aws_s3_bucket").values()] == [True, True]


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:sts::123456789012:assumed-role/admin/session",
        "arn:aws:iam::12345:role/admin",
        "admin",
    ],
)
def test_data_admin_role_arns_must_be_role_arns(arn):
    assert_error(SPEC + f"  data_admin_role_arns: ['{arn}']\n", "aws.data_admin_role_arns[0]", "not an IAM role ARN")


def test_role_arns_with_paths_and_partitions_are_accepted():
    arns = [ADMIN, "arn:aws-us-gov:iam::123456789012:role/admin", "arn:aws-cn:iam::123456789012:role/a.b@c"]
    spec = parse_spec(SPEC + f"  data_admin_role_arns: [{', '.join(arns)}]\n")
    assert spec.aws.data_admin_role_arns == tuple(arns)
