"""The bucket-policy statements that keep a site's data in its site: object data may be read,
written or deleted only through the site's own S3 VPC endpoint(s) or by named admin roles; named
loader roles may in addition WRITE from anywhere (put, multipart upload, list uploads), never read
or delete: data comes in through them, it never goes out.

Only object-level data actions are denied. Bucket-management actions stay with IAM, so the
deployer can still plan, update and destroy the bucket from anywhere; ``s3:ListBucket`` is not
denied either, because ``HeadBucket`` (which Terraform calls on every refresh) is authorized by
it: object keys remain listable by principals whose IAM allows it, object contents do not leave.
"""

from __future__ import annotations

WRITE_ACTIONS = (
    "s3:PutObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
    "s3:ListBucketMultipartUploads",
)
"""What a loader needs to upload (``aws s3 cp``/``sync`` use multipart uploads above 8 MiB)."""

READ_DELETE_ACTIONS = (
    "s3:GetObject*",
    "s3:PutObject?*",
    "s3:DeleteObject*",
    "s3:RestoreObject",
    "s3:ListBucketVersions",
    "s3:Replicate*",
)
"""Every other object-level data action: reads, deletes, restores, version listing, replication
into the bucket, and the object sub-resource writes (``s3:PutObject?*`` is ``PutObjectAcl``,
``PutObjectTagging``, ``PutObjectRetention``... but not ``PutObject`` itself)."""

DATA_ACTIONS = WRITE_ACTIONS + READ_DELETE_ACTIONS
"""Object-level data actions; no bucket-management action matches these patterns."""

LOADER_DENIED_ACTIONS = ("s3:GetObject*", "s3:DeleteObject*", "s3:RestoreObject", "s3:ListBucketVersions")
"""What a loader may never do, even from inside the site: read, delete or restore objects."""


def _outside(vpc_endpoint_ids: tuple[str, ...], role_arns: tuple[str, ...]) -> dict:
    """Requests neither through one of the endpoints nor from one of the roles (conditions of one
    statement are ANDed, so a request matches only when both fail)."""
    condition: dict = {"StringNotEquals": {"aws:SourceVpce": list(vpc_endpoint_ids)}}
    if role_arns:
        condition["ArnNotEquals"] = {"aws:PrincipalArn": list(role_arns)}
    return condition


def only_the_bucket_key(bucket_arn: str, kms_key_arn: str) -> dict:
    """Deny an upload that names its own encryption (``--sse``) unless it names ``kms_key_arn``:
    without the header the bucket's default (SSE-KMS with that key) applies, but ``--sse aws:kms``
    alone would encrypt with the AWS managed ``aws/s3`` key and ``--sse AES256`` with S3's own."""
    return {
        "Sid": "DenyUploadsEncryptedWithAnotherKey",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:PutObject",
        "Resource": f"{bucket_arn}/*",
        "Condition": {
            "Null": {"s3:x-amz-server-side-encryption": "false"},
            "StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": kms_key_arn},
        },
    }


def data_residency_statements(
    bucket_arn: str,
    vpc_endpoint_ids: tuple[str, ...],
    admin_role_arns: tuple[str, ...] = (),
    loader_role_arns: tuple[str, ...] = (),
) -> list[dict]:
    """Deny ``READ_DELETE_ACTIONS`` on ``bucket_arn`` and its objects unless the request comes
    through one of ``vpc_endpoint_ids`` (``aws:SourceVpce``) or from one of ``admin_role_arns``
    (``aws:PrincipalArn``: any session of the role); deny ``WRITE_ACTIONS`` unless through the
    endpoints or from an admin or one of ``loader_role_arns``; and deny the loaders
    ``LOADER_DENIED_ACTIONS`` wherever they come from."""
    if not vpc_endpoint_ids:
        raise ValueError("data_residency_statements needs at least one VPC endpoint ID")
    resources = [bucket_arn, f"{bucket_arn}/*"]
    statements = [
        {
            "Sid": "DenyDataAccessOutsideTheSite",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": list(READ_DELETE_ACTIONS),
            "Resource": resources,
            "Condition": _outside(vpc_endpoint_ids, admin_role_arns),
        },
        {
            "Sid": "DenyWritesOutsideTheSiteExceptLoaders",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": list(WRITE_ACTIONS),
            "Resource": resources,
            "Condition": _outside(vpc_endpoint_ids, admin_role_arns + loader_role_arns),
        },
    ]
    if loader_role_arns:
        statements.append(
            {
                "Sid": "LoadersAreWriteOnly",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": list(LOADER_DENIED_ACTIONS),
                "Resource": resources,
                "Condition": {"ArnEquals": {"aws:PrincipalArn": list(loader_role_arns)}},
            }
        )
    return statements
