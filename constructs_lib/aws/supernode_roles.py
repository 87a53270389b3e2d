"""The two IAM roles of a SuperNode task, each least-privilege by resource ARN.

The execution role is what ECS itself uses before the containers start: pull the images, write the
log stream, read the node's one secret. The task role is what the containers' code may do: read
exactly its own site's data bucket (and decrypt with that bucket's key, only through S3) and mount
its own file system through its access point. Neither can touch another site's data.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from constructs_lib.aws.context import AwsContext
from constructs_lib.iam_json import policy_document

_PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
_CACHE_ACTIONS = ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"]


@dataclass(frozen=True)
class SiteData:
    """What the task may read: the bucket (ARN, KMS key ARN) and/or the file system (ARN, access
    point ARN); ``writable`` adds ``ClientWrite`` on the file system only (the bucket stays read-only)."""

    bucket_arn: str | None = None
    bucket_key_arn: str | None = None
    file_system_arn: str | None = None
    access_point_arn: str | None = None
    writable: bool = False

    def __post_init__(self):
        if (self.bucket_arn is None) != (self.bucket_key_arn is None):
            raise ValueError("SiteData.bucket_arn and bucket_key_arn go together")
        if (self.file_system_arn is None) != (self.access_point_arn is None):
            raise ValueError("SiteData.file_system_arn and access_point_arn go together")
        if self.bucket_arn is None and self.file_system_arn is None:
            raise ValueError("SiteData needs a bucket or a file system")


def _ecs_tasks_trust(context: AwsContext) -> str:
    return policy_document(
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": context.account_id},
                "ArnLike": {"aws:SourceArn": f"arn:{context.partition}:ecs:{context.region}:{context.account_id}:*"},
            },
        }
    )


def execution_statements(
    *,
    context: AwsContext,
    log_group_arn: str,
    secret_arn: str,
    secret_key_arn: str,
    pull_repository_arns: list[str],
    cache_repository_arns: list[str],
) -> list[dict]:
    """Pull from the named repositories (and import into the pull-through cache ones), write to
    the one log group, read the one secret and decrypt it only through Secrets Manager."""
    statements = [
        # GetAuthorizationToken has no resource-level permissions: "*" is the only valid resource.
        {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {"Sid": "PullImages", "Effect": "Allow", "Action": _PULL_ACTIONS, "Resource": pull_repository_arns},
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:*",
        },
        {"Sid": "ReadNodeSecret", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret_arn},
        {
            "Sid": "DecryptNodeSecret",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": secret_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{context.region}.amazonaws.com"}},
        },
    ]
    if cache_repository_arns:
        statements.insert(
            2,
            {
                "Sid": "FillPullThroughCache",
                "Effect": "Allow",
                "Action": _CACHE_ACTIONS,
                "Resource": cache_repository_arns,
            },
        )
    return statements


def task_statements(*, context: AwsContext, data: SiteData) -> list[dict]:
    """Read the site's bucket (list it, get objects, decrypt via S3 only); mount the site's file
    system only through its access point (write only when ``data.writable``)."""
    statements = []
    if data.bucket_arn is not None:
        statements += [
            {"Sid": "ListSiteBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": data.bucket_arn},
            {"Sid": "ReadSiteObjects", "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{data.bucket_arn}/*"},
            {
                "Sid": "DecryptSiteObjects",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": data.bucket_key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"s3.{context.region}.amazonaws.com"}},
            },
        ]
    if data.file_system_arn is not None:
        actions = ["elasticfilesystem:ClientMount"]
        if data.writable:
            actions.append("elasticfilesystem:ClientWrite")
        statements.append(
            {
                "Sid": "MountSiteFileSystem",
                "Effect": "Allow",
                "Action": actions,
                "Resource": data.file_system_arn,
                "Condition": {"StringEquals": {"elasticfilesystem:AccessPointArn": data.access_point_arn}},
            }
        )
    return statements


class SuperNodeRoles(Construct):
    """``execution_role`` and ``task_role``, both assumable only by ECS tasks of this account."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        context: AwsContext,
        name: str,
        execution: list[dict],
        task: list[dict],
    ):
        super().__init__(scope, construct_id)
        trust = _ecs_tasks_trust(context)
        self.execution_role = IamRole(self, "execution", name_prefix=f"{name}-exec-"[:38], assume_role_policy=trust)
        IamRolePolicy(
            self,
            "execution_policy",
            role=self.execution_role.id,
            name="pull-log-secret",
            policy=policy_document(*execution),
        )
        self.task_role = IamRole(self, "task", name_prefix=f"{name}-task-"[:38], assume_role_policy=trust)
        IamRolePolicy(self, "task_policy", role=self.task_role.id, name="site-data", policy=policy_document(*task))
