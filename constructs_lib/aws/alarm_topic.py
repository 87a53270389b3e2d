"""Where a region's CloudWatch alarms send notifications: an SNS topic encrypted with a customer
key that CloudWatch may use, a topic policy that admits this account's alarms, and e-mail
subscriptions.

CloudWatch alarms notify topics of their own region only, and cannot publish to a topic
encrypted with the AWS-managed ``alias/aws/sns`` key (its policy cannot admit
``cloudwatch.amazonaws.com``): hence one topic and one customer key per alarm region, the key
policy granting CloudWatch ``kms:Decrypt`` and ``kms:GenerateDataKey*`` as AWS documents it
(https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns). A condition such as
``kms:CallerAccount`` on that grant breaks delivery, so the grant is scoped by the topic policy
instead (only this account's alarms may publish).

E-mail subscriptions stay ``PendingConfirmation`` until each recipient clicks AWS's link; the
apply does not wait for that (Terraform does not track e-mail confirmation).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from constructs_lib.aws.context import AwsContext
from constructs_lib.aws.kms import account_administers
from constructs_lib.iam_json import policy_document

CLOUDWATCH = "cloudwatch.amazonaws.com"


@dataclass(frozen=True)
class AlarmTopicProps:
    """``name`` of the topic (also the key alias ``alias/<name>``), the ``region`` it lives in
    (every resource sets it: one provider serves every alarm region), and the ``emails`` that
    subscribe."""

    name: str
    region: str
    emails: tuple[str, ...] = field(default_factory=tuple)


class AlarmTopic(Construct):
    """Exposes ``arn`` (the alarms' action) and ``key_arn``."""

    def __init__(self, scope: Construct, construct_id: str, *, context: AwsContext, props: AlarmTopicProps):
        super().__init__(scope, construct_id)
        region = props.region
        self.key = KmsKey(
            self,
            "key",
            region=region,
            description=f"{props.name}: encrypts alarm notifications (CloudWatch may use it)",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=policy_document(
                account_administers(context),
                {
                    "Sid": "CloudWatchAlarmsPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": CLOUDWATCH},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                },
            ),
        )
        KmsAlias(self, "alias", region=region, name=f"alias/{props.name}", target_key_id=self.key.key_id)
        self.topic = SnsTopic(self, "topic", region=region, name=props.name, kms_master_key_id=self.key.arn)
        topic_arn = self.topic.arn
        SnsTopicPolicy(
            self,
            "policy",
            region=region,
            arn=topic_arn,
            policy=policy_document(
                {
                    "Sid": "AccountManages",
                    "Effect": "Allow",
                    "Principal": {"AWS": context.root_arn},
                    "Action": [
                        "sns:GetTopicAttributes",
                        "sns:SetTopicAttributes",
                        "sns:AddPermission",
                        "sns:RemovePermission",
                        "sns:DeleteTopic",
                        "sns:Subscribe",
                        "sns:ListSubscriptionsByTopic",
                        "sns:Publish",
                    ],
                    "Resource": topic_arn,
                },
                {
                    "Sid": "ThisAccountsAlarmsPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": CLOUDWATCH},
                    "Action": "sns:Publish",
                    "Resource": topic_arn,
                    "Condition": {
                        "ArnLike": {
                            "aws:SourceArn": f"arn:{context.partition}:cloudwatch:{region}:{context.account_id}:alarm:*"
                        },
                        "StringEquals": {"aws:SourceAccount": context.account_id},
                    },
                },
            ),
        )
        for i, email in enumerate(props.emails):
            SnsTopicSubscription(
                self, f"email_{i}", region=region, topic_arn=topic_arn, protocol="email", endpoint=email
            )

    @property
    def arn(self) -> str:
        return self.topic.arn

    @property
    def key_arn(self) -> str:
        return self.key.arn
