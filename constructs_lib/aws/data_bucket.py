"""A private, KMS-encrypted, versioned S3 bucket for a site's training data, with its access-log bucket."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
    S3BucketLifecycleConfigurationRuleTransition,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA
from cdktf_cdktf_provider_aws.s3_bucket_notification import S3BucketNotification
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from constructs import Construct

from constructs_lib.aws.context import AwsContext
from constructs_lib.aws.data_residency import data_residency_statements, only_the_bucket_key
from constructs_lib.iam_json import deny_insecure_transport, policy_document


@dataclass(frozen=True)
class DataBucketProps:
    """``name_prefix`` + ``-<account id>`` makes the bucket name globally unique yet predictable;
    ``kms_key_arn`` encrypts every object (SSE-KMS with bucket keys); noncurrent versions expire
    after ``noncurrent_version_days`` (default 90); incomplete multipart uploads are aborted after
    ``abort_multipart_days`` (default 7); access logs are kept ``access_log_days`` (default 365).

    ``site_vpc_endpoint_ids`` (the site's S3 gateway endpoints): when given, object data can be
    read, written or deleted only through them or by ``admin_role_arns``, and written (never read
    or deleted) from anywhere by ``loader_role_arns`` (``data_residency``).
    ``force_destroy`` (default off, dangerous) lets ``terraform destroy`` delete every object
    version with the buckets; emptying the data bucket then needs the deployer to pass the
    residency rule (an admin role)."""

    name_prefix: str
    kms_key_arn: str
    site_vpc_endpoint_ids: tuple[str, ...] = ()
    admin_role_arns: tuple[str, ...] = ()
    loader_role_arns: tuple[str, ...] = ()
    force_destroy: bool = False
    noncurrent_version_days: int = 90
    abort_multipart_days: int = 7
    access_log_days: int = 365
    infrequent_access_after_days: int = 30


def _harden(scope: Construct, prefix: str, bucket: S3Bucket) -> None:
    """The controls every bucket here gets: all four public-access blocks, ACLs disabled."""
    S3BucketPublicAccessBlock(
        scope,
        f"{prefix}_public_access_block",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    S3BucketOwnershipControls(
        scope,
        f"{prefix}_ownership",
        bucket=bucket.id,
        rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
    )
    S3BucketVersioningA(
        scope,
        f"{prefix}_versioning",
        bucket=bucket.id,
        versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
    )
    S3BucketNotification(scope, f"{prefix}_events", bucket=bucket.id, eventbridge=True)


def _lifecycle(
    scope: Construct, construct_id: str, bucket: S3Bucket, props: DataBucketProps, *, expire_days: int | None
):
    """Abort stale multipart uploads, expire old versions, tier to IA; optionally expire objects."""
    rule = {
        "id": "housekeeping",
        "status": "Enabled",
        "filter": [S3BucketLifecycleConfigurationRuleFilter(prefix="")],
        "abort_incomplete_multipart_upload": [
            S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                days_after_initiation=props.abort_multipart_days
            )
        ],
        "noncurrent_version_expiration": [
            S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=props.noncurrent_version_days)
        ],
    }
    if expire_days is None:
        rule["transition"] = [
            S3BucketLifecycleConfigurationRuleTransition(
                days=props.infrequent_access_after_days, storage_class="STANDARD_IA"
            )
        ]
    else:
        rule["expiration"] = [S3BucketLifecycleConfigurationRuleExpiration(days=expire_days)]
    S3BucketLifecycleConfiguration(
        scope, construct_id, bucket=bucket.id, rule=[S3BucketLifecycleConfigurationRule(**rule)]
    )


class DataBucket(Construct):
    """The site's data bucket: never public, SSE-KMS with a customer-managed key, versioned, ACLs
    disabled, TLS-only, access-logged to a companion log bucket, with lifecycle housekeeping.

    The log bucket uses SSE-S3 because S3 server access log delivery does not support SSE-KMS
    targets; it is otherwise hardened the same way and its logs expire after ``access_log_days``.
    Neither bucket replicates across regions: a federation keeps each site's data in its region,
    and with ``site_vpc_endpoint_ids`` the data bucket's objects can be used only through the
    site's endpoints or by the named admin roles. The log bucket keeps only the delivery grant
    (``logging.s3.amazonaws.com``, scoped to this data bucket and account) and the TLS rule.
    """

    def __init__(self, scope: Construct, construct_id: str, *, context: AwsContext, props: DataBucketProps):
        super().__init__(scope, construct_id)
        destroy = {"force_destroy": True} if props.force_destroy else {}
        self.log_bucket = S3Bucket(
            self, "log_bucket", bucket=f"{props.name_prefix}-logs-{context.account_id}", **destroy
        )
        _harden(self, "log", self.log_bucket)
        S3BucketServerSideEncryptionConfigurationA(
            self,
            "log_encryption",
            bucket=self.log_bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                        sse_algorithm="AES256"
                    )
                )
            ],
        )
        _lifecycle(self, "log_lifecycle", self.log_bucket, props, expire_days=props.access_log_days)

        self.bucket = S3Bucket(self, "bucket", bucket=f"{props.name_prefix}-{context.account_id}", **destroy)
        _harden(self, "data", self.bucket)
        S3BucketServerSideEncryptionConfigurationA(
            self,
            "data_encryption",
            bucket=self.bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                        sse_algorithm="aws:kms", kms_master_key_id=props.kms_key_arn
                    ),
                    bucket_key_enabled=True,
                )
            ],
        )
        _lifecycle(self, "data_lifecycle", self.bucket, props, expire_days=None)
        S3BucketLoggingA(
            self,
            "data_logging",
            bucket=self.bucket.id,
            target_bucket=self.log_bucket.id,
            target_prefix="s3-access/",
        )
        data_statements = [
            deny_insecure_transport([self.bucket.arn, f"{self.bucket.arn}/*"]),
            only_the_bucket_key(self.bucket.arn, props.kms_key_arn),
        ]
        if props.site_vpc_endpoint_ids:
            data_statements += data_residency_statements(
                self.bucket.arn, props.site_vpc_endpoint_ids, props.admin_role_arns, props.loader_role_arns
            )
        S3BucketPolicy(
            self,
            "data_policy",
            bucket=self.bucket.id,
            policy=policy_document(*data_statements),
        )
        S3BucketPolicy(
            self,
            "log_policy",
            bucket=self.log_bucket.id,
            policy=policy_document(
                deny_insecure_transport([self.log_bucket.arn, f"{self.log_bucket.arn}/*"]),
                {
                    "Sid": "AllowServerAccessLogDelivery",
                    "Effect": "Allow",
                    "Principal": {"Service": "logging.s3.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"{self.log_bucket.arn}/s3-access/*",
                    "Condition": {
                        "ArnLike": {"aws:SourceArn": self.bucket.arn},
                        "StringEquals": {"aws:SourceAccount": context.account_id},
                    },
                },
            ),
        )

    @property
    def name(self) -> str:
        return self.bucket.bucket

    @property
    def arn(self) -> str:
        return self.bucket.arn

    @property
    def regional_domain_name(self) -> str:
        """``<bucket>.s3.<region>.amazonaws.com``: the seed's ``s3_bucket_url``."""
        return self.bucket.bucket_regional_domain_name
