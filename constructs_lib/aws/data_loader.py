"""A site's data loader: the one IAM role through which training data enters the site.

Its sessions may upload into the site's data bucket from anywhere (``s3:PutObject``, multipart
uploads, listing keys so ``aws s3 sync`` can skip what is there) with the bucket's KMS key through
S3 only, and never read or delete an object (the bucket policy denies it too, see
``data_residency``). It may also mount and write the site's file system through its access
point, from a host inside the site VPC (EFS has no write-only mode: a mount can read).

Multipart uploads with SSE-KMS need ``kms:Decrypt`` as well as ``kms:GenerateDataKey`` (S3
decrypts the parts' data key to complete the upload); it is granted through S3 only, and S3
serves no object to the role, so the key cannot be used to read data.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from constructs_lib.aws.context import AwsContext
from constructs_lib.aws.data_residency import WRITE_ACTIONS
from constructs_lib.iam_json import policy_document


@dataclass(frozen=True)
class DataLoaderProps:
    """``name`` is the role name (fixed, so users can script ``assume-role``); ``trusted_role_arns``
    may assume it (empty: this account's principals whose IAM allows it, via the account root)."""

    name: str
    trusted_role_arns: tuple[str, ...] = ()


def loader_bucket_statements(*, context: AwsContext, bucket_arn: str, key_arn: str) -> list[dict]:
    """Upload into ``bucket_arn`` (put, multipart, list keys and uploads), encrypt with ``key_arn`` via S3."""
    return [
        {
            "Sid": "UploadObjects",
            "Effect": "Allow",
            "Action": [a for a in WRITE_ACTIONS if a != "s3:ListBucketMultipartUploads"],
            "Resource": f"{bucket_arn}/*",
        },
        {
            "Sid": "ListKeysAndUploads",
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:ListBucketMultipartUploads"],
            "Resource": bucket_arn,
        },
        {
            "Sid": "EncryptThroughS3",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"],
            "Resource": key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{context.region}.amazonaws.com"}},
        },
    ]


def loader_file_system_statements(*, file_system_arn: str, access_point_arn: str) -> list[dict]:
    """Mount and write ``file_system_arn``, only through its access point."""
    return [
        {
            "Sid": "MountAndWriteFileSystem",
            "Effect": "Allow",
            "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
            "Resource": file_system_arn,
            "Condition": {"StringEquals": {"elasticfilesystem:AccessPointArn": access_point_arn}},
        }
    ]


class DataLoaderRole(Construct):
    """The role (``role``, ``arn``); ``grant`` attaches its one inline policy once the data stores exist."""

    def __init__(self, scope: Construct, construct_id: str, *, context: AwsContext, props: DataLoaderProps):
        super().__init__(scope, construct_id)
        principals = list(props.trusted_role_arns) or context.root_arn
        self.role = IamRole(
            self,
            "role",
            name=props.name,
            description="Uploads training data into this site (write-only on the data bucket)",
            max_session_duration=12 * 3600,
            assume_role_policy=policy_document(
                {"Effect": "Allow", "Principal": {"AWS": principals}, "Action": "sts:AssumeRole"}
            ),
        )

    @property
    def arn(self) -> str:
        return self.role.arn

    def grant(self, statements: list[dict]) -> None:
        """Attach ``statements`` as the role's inline policy ``load-site-data``."""
        if statements:
            IamRolePolicy(self, "policy", role=self.role.id, name="load-site-data", policy=policy_document(*statements))
