"""Loading data into an AWS site (issue 16 item 4), asserted on the synthesized JSON: every site
that stores data has a data loader role ``<prefix>-<region>-data-loader``; its sessions may upload
into the data bucket from outside the VPC (put, multipart, list) and may never read or delete an
object, even through the site's endpoint; who may assume it is the spec's ``data_loaders`` (else
this account); the spec helper ``AwsSection.sites_without_data_writer`` names the sites that name
nobody."""

from __future__ import annotations

import json

import pytest

from federation_spec import parse_spec
from tests import policy_eval
from tests.spec_helpers import assert_error
from tests.synth_helpers import ref

WEST, EAST = "aws-us-west-2", "aws-us-east-1"
LOADER = "arn:aws:iam::210987654321:role/etl/uploader"
OTHER = "arn:aws:iam::123456789012:role/ingest"

SPEC = """\
federation: {name: fedlearn, environment: test}
aws:
  regions:
    - {name: eu-west-1, cidr: 10.60.0.0/16}
    - {name: eu-central-1, cidr: 10.70.0.0/16, data_bucket: false}
    - {name: eu-north-1, cidr: 10.80.0.0/16, data_bucket: false, shared_filesystem: true}
"""

UPLOAD = ("s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:ListBucketMultipartUploads")
READ_OR_DELETE = (
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:RestoreObject",
    "s3:ListBucketVersions",
    "s3:PutObjectAcl",
)


def loader_role(synth, stack) -> tuple[str, dict]:
    (found,) = [(k, r) for k, r in synth.resources(stack, "aws_iam_role").items() if k.startswith("data_loader")]
    return found


def loader_policy(synth, stack) -> dict[str, dict]:
    role_id, _ = loader_role(synth, stack)
    (policy,) = [
        p for p in synth.resources(stack, "aws_iam_role_policy").values() if p["role"] == ref("aws_iam_role", role_id)
    ]
    return {s["Sid"]: s for s in json.loads(policy["policy"])["Statement"]}


def data_bucket_policy(synth, stack) -> str:
    (bucket_id,) = [k for k, b in synth.resources(stack, "aws_s3_bucket").items() if "-logs-" not in b["bucket"]]
    (policy,) = [
        p
        for p in synth.resources(stack, "aws_s3_bucket_policy").values()
        if p["bucket"] == ref("aws_s3_bucket", bucket_id)
    ]
    return policy["policy"]


@pytest.mark.parametrize(("stack", "region"), [(WEST, "us-west-2"), (EAST, "us-east-1")])
def test_every_data_site_has_a_named_loader_role_and_outputs_its_arn(default_synth, stack, region):
    role_id, role = loader_role(default_synth, stack)
    assert role["name"] == f"fedlearn-dev-{region}-data-loader"
    trust = json.loads(role["assume_role_policy"])["Statement"]
    # no data_loaders in the default spec: this account's principals whose IAM allows it
    assert trust == [
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {
                "AWS": "arn:${data.aws_partition.partition.partition}:iam::"
                "${data.aws_caller_identity.caller_identity.account_id}:root"
            },
        }
    ]
    assert default_synth.outputs(stack)["data_loader_role_arn"]["value"] == ref("aws_iam_role", role_id, "arn")


@pytest.mark.parametrize("stack", [WEST, EAST])
def test_the_loader_uploads_from_anywhere_but_never_reads_or_deletes(default_synth, stack):
    document = data_bucket_policy(default_synth, stack)
    role_id, _ = loader_role(default_synth, stack)
    outside = {"aws:PrincipalArn": ref("aws_iam_role", role_id, "arn"), "aws:SecureTransport": "true"}
    (endpoint_id,) = [
        k for k, e in default_synth.resources(stack, "aws_vpc_endpoint").items() if e["service_name"].endswith(".s3")
    ]
    inside = {**outside, "aws:SourceVpce": ref("aws_vpc_endpoint", endpoint_id)}
    for action in UPLOAD:
        assert not policy_eval.denied(document, action, outside), action
    for action in READ_OR_DELETE:
        assert policy_eval.denied(document, action, outside), action
    for action in READ_OR_DELETE[:6]:
        assert policy_eval.denied(document, action, inside), action
    # anyone else from outside may not even upload
    stranger = {**outside, "aws:PrincipalArn": OTHER}
    assert all(policy_eval.denied(document, action, stranger) for action in UPLOAD)


def test_loader_identity_policy_is_upload_and_encrypt_through_s3_only(default_synth):
    sids = loader_policy(default_synth, WEST)
    (bucket_id,) = [k for k, b in default_synth.resources(WEST, "aws_s3_bucket").items() if "-logs-" not in b["bucket"]]
    bucket = ref("aws_s3_bucket", bucket_id, "arn")
    granted = {a for s in sids.values() for a in policy_eval._as_list(s["Action"])}
    assert granted == {
        "s3:PutObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
        "s3:ListBucket",
        "s3:ListBucketMultipartUploads",
        "kms:GenerateDataKey",
        "kms:Encrypt",
        "kms:Decrypt",  # multipart uploads with SSE-KMS: S3 decrypts the parts' data key
        "elasticfilesystem:ClientMount",
        "elasticfilesystem:ClientWrite",
    }
    assert sids["UploadObjects"]["Resource"] == f"{bucket}/*"
    assert sids["ListKeysAndUploads"]["Resource"] == bucket
    data_key = next(k for k in default_synth.resources(WEST, "aws_kms_key") if k.startswith("data_key"))
    assert sids["EncryptThroughS3"]["Resource"] == ref("aws_kms_key", data_key, "arn")
    assert sids["EncryptThroughS3"]["Condition"] == {"StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}}
    assert "EFS" not in json.dumps(loader_policy(default_synth, EAST))
    assert "elasticfilesystem" not in json.dumps(loader_policy(default_synth, EAST))


def test_named_loaders_replace_the_account_in_the_trust_policy(synth):
    out = synth(SPEC.replace("cidr: 10.60.0.0/16}", f"cidr: 10.60.0.0/16, data_loaders: [{LOADER}, {OTHER}]}}"))
    _, role = loader_role(out, "aws-eu-west-1")
    (trust,) = json.loads(role["assume_role_policy"])["Statement"]
    assert trust["Principal"] == {"AWS": [LOADER, OTHER]}
    # a site without data has no loader; a file-system-only site has one, for its file system
    assert not [k for k in out.resources("aws-eu-central-1", "aws_iam_role") if k.startswith("data_loader")]
    assert "data_loader_role_arn" not in out.outputs("aws-eu-central-1")
    assert set(loader_policy(out, "aws-eu-north-1")) == {"MountAndWriteFileSystem"}


def test_sites_without_data_writer_names_the_sites_with_data_and_no_named_writer():
    assert parse_spec(SPEC).aws.sites_without_data_writer() == ("eu-west-1", "eu-north-1")
    named = SPEC.replace("shared_filesystem: true}", f"shared_filesystem: true, data_loaders: [{LOADER}]}}")
    assert parse_spec(named).aws.sites_without_data_writer() == ("eu-west-1",)
    # a data admin can write a bucket, not a file system
    admins = SPEC + f"  data_admin_role_arns: [{OTHER}]\n"
    assert parse_spec(admins).aws.sites_without_data_writer() == ("eu-north-1",)


def test_data_loaders_must_be_role_arns():
    bad = SPEC.replace(
        "cidr: 10.60.0.0/16}", "cidr: 10.60.0.0/16, data_loaders: ['arn:aws:iam::123456789012:user/bob']}"
    )
    assert_error(bad, "aws.regions[0].data_loaders[0]", "not an IAM role ARN")


def test_data_loaders_need_data_and_unique_roles():
    nothing = SPEC.replace(
        "cidr: 10.70.0.0/16, data_bucket: false}", f"cidr: 10.70.0.0/16, data_bucket: false, data_loaders: [{LOADER}]}}"
    )
    assert_error(nothing, "aws.regions[1].data_loaders", "no data_bucket or shared_filesystem")
    twice = SPEC.replace("cidr: 10.60.0.0/16}", f"cidr: 10.60.0.0/16, data_loaders: [{LOADER}, {LOADER}]}}")
    assert_error(twice, "aws.regions[0].data_loaders[1]", "duplicate role")


def test_a_loader_role_name_over_the_iam_limit_is_a_spec_error():
    long = SPEC.replace(
        "name: fedlearn, environment: test", "name: federatedlearningconsort, environment: staging-eu-west"
    )
    long = long.replace("eu-north-1", "ap-southeast-2")  # file system only: no bucket name to hit first
    assert_error(long, "aws.regions[2].name", "IAM role name", "-ap-southeast-2-data-loader", "limit 64")


def test_uploads_use_the_sites_key_or_the_bucket_default(default_synth):
    document = data_bucket_policy(default_synth, WEST)
    role_id, _ = loader_role(default_synth, WEST)
    data_key = next(k for k in default_synth.resources(WEST, "aws_kms_key") if k.startswith("data_key"))
    upload = {"aws:PrincipalArn": ref("aws_iam_role", role_id, "arn"), "aws:SecureTransport": "true"}
    sse = "s3:x-amz-server-side-encryption"
    # no --sse: the bucket's default encryption (SSE-KMS with the site's data key) applies
    assert not policy_eval.denied(document, "s3:PutObject", upload)
    right = {**upload, sse: "aws:kms", f"{sse}-aws-kms-key-id": ref("aws_kms_key", data_key, "arn")}
    assert not policy_eval.denied(document, "s3:PutObject", right)
    # --sse aws:kms alone (the aws/s3 managed key), another key, or SSE-S3: refused
    assert policy_eval.denied(document, "s3:PutObject", {**upload, sse: "aws:kms"})
    assert policy_eval.denied(document, "s3:PutObject", {**right, f"{sse}-aws-kms-key-id": "arn:aws:kms:x"})
    assert policy_eval.denied(document, "s3:PutObject", {**upload, sse: "AES256"})
