"""A customer-managed KMS key with rotation on and an explicit key policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from constructs_lib.aws.context import AwsContext
from constructs_lib.iam_json import policy_document


def account_administers(context: AwsContext) -> dict:
    """The key-policy statement every customer-managed key here starts with: the account root
    administers the key, so IAM policies in the account can grant its use."""
    return {
        "Sid": "AccountAdministers",
        "Effect": "Allow",
        "Principal": {"AWS": context.root_arn},
        "Action": "kms:*",
        "Resource": "*",
    }


_USE_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]


@dataclass(frozen=True)
class EncryptionKeyProps:
    """``alias`` without the ``alias/`` prefix; ``service_principals`` may use the key (e.g.
    ``logs.us-west-2.amazonaws.com``) under ``service_condition`` (default: only on behalf of this
    account, ``aws:SourceAccount``); ``deletion_window_days`` 7..30, default 30."""

    alias: str
    description: str
    service_principals: tuple[str, ...] = field(default_factory=tuple)
    service_condition: dict | None = None
    deletion_window_days: int = 30

    def __post_init__(self):
        if not 7 <= self.deletion_window_days <= 30:
            raise ValueError("EncryptionKeyProps.deletion_window_days must be between 7 and 30")


class EncryptionKey(Construct):
    """A symmetric CMK with rotation. The account root administers it (so IAM policies can grant
    use); listed AWS services may use it only under the props' condition."""

    def __init__(self, scope: Construct, construct_id: str, *, context: AwsContext, props: EncryptionKeyProps):
        super().__init__(scope, construct_id)
        statements = [account_administers(context)]
        if props.service_principals:
            statements.append(
                {
                    "Sid": "ServicesUseForThisAccount",
                    "Effect": "Allow",
                    "Principal": {"Service": list(props.service_principals)},
                    "Action": _USE_ACTIONS,
                    "Resource": "*",
                    "Condition": props.service_condition or {"StringEquals": {"aws:SourceAccount": context.account_id}},
                }
            )
        self.key = KmsKey(
            self,
            "key",
            description=props.description,
            enable_key_rotation=True,
            deletion_window_in_days=props.deletion_window_days,
            policy=policy_document(*statements),
        )
        KmsAlias(self, "alias", name=f"alias/{props.alias}", target_key_id=self.key.key_id)

    @property
    def arn(self) -> str:
        """Key ARN, for encryption settings and IAM grants."""
        return self.key.arn
