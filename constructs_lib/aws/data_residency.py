"""The bucket-policy statement that keeps a site's data in its site: object data may be read,
written or deleted only through the site's own S3 VPC endpoint(s) or by named admin roles.

Only object-level data actions are denied. Bucket-management actions stay with IAM, so the
deployer can still plan, update and destroy the bucket from anywhere; ``s3:ListBucket`` is not
denied either, because ``HeadBucket`` (which Terraform calls on every refresh) is authorized by
it: object keys remain listable by principals whose IAM allows it, object contents do not leave.
"""

from __future__ import annotations

DATA_ACTIONS = (
    "s3:GetObject*",
    "s3:PutObject*",
    "s3:DeleteObject*",
    "s3:RestoreObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
    "s3:ListBucketMultipartUploads",
    "s3:ListBucketVersions",
    "s3:Replicate*",
)
"""Object-level data actions (reads, writes, deletes, restores, multipart uploads, version listing
and replication into the bucket); no bucket-management action matches these patterns."""


def deny_data_outside_site(
    bucket_arn: str, vpc_endpoint_ids: tuple[str, ...], admin_role_arns: tuple[str, ...] = ()
) -> dict:
    """Deny ``DATA_ACTIONS`` on ``bucket_arn`` and its objects to every request that arrives
    neither through one of ``vpc_endpoint_ids`` (``aws:SourceVpce``) nor from one of
    ``admin_role_arns`` (``aws:PrincipalArn``, the role behind any session of it). Conditions of
    one statement are ANDed, so a request is refused only when both fail."""
    if not vpc_endpoint_ids:
        raise ValueError("deny_data_outside_site needs at least one VPC endpoint ID")
    condition: dict = {"StringNotEquals": {"aws:SourceVpce": list(vpc_endpoint_ids)}}
    if admin_role_arns:
        condition["ArnNotEquals"] = {"aws:PrincipalArn": list(admin_role_arns)}
    return {
        "Sid": "DenyDataAccessOutsideTheSite",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": list(DATA_ACTIONS),
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": condition,
    }
