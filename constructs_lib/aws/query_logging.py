"""DNS query logging for a public Route 53 hosted zone, into an encrypted CloudWatch log group."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cloudwatch_log_resource_policy import CloudwatchLogResourcePolicy
from cdktf_cdktf_provider_aws.route53_query_log import Route53QueryLog
from constructs import Construct

from constructs_lib.aws.context import AwsContext
from constructs_lib.aws.kms import EncryptionKey, EncryptionKeyProps
from constructs_lib.iam_json import policy_document

QUERY_LOG_REGION = "us-east-1"
"""Route 53 delivers query logs only to log groups (and resource policies) in us-east-1."""

QUERY_LOG_PREFIX = "/aws/route53/"
"""The log-group prefix AWS recommends for query logs."""


@dataclass(frozen=True)
class ZoneQueryLoggingProps:
    """``domain`` names the log group ``/aws/route53/<domain>``; ``key_alias`` (without
    ``alias/``) names the new KMS key that encrypts it; ``policy_name`` the CloudWatch Logs
    resource policy (an account has at most 10 per region); ``retention_days`` a CloudWatch Logs
    retention period (default 365)."""

    domain: str
    key_alias: str
    policy_name: str
    retention_days: int = 365

    def __post_init__(self):
        if not self.domain or self.domain.endswith("."):
            raise ValueError("ZoneQueryLoggingProps.domain must be the zone name without the trailing dot")

    @property
    def log_group_name(self) -> str:
        return f"{QUERY_LOG_PREFIX}{self.domain}"


class ZoneQueryLogging(Construct):
    """Query logs of ``zone_id`` in a KMS-encrypted log group with finite retention. CloudWatch
    Logs may use the key only for this log group (encryption context); Route 53 may write only to
    this log group, only on behalf of this zone in this account (``aws:SourceArn`` and
    ``aws:SourceAccount``)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        zone_id: str,
        zone_arn: str,
        context: AwsContext,
        props: ZoneQueryLoggingProps,
    ):
        super().__init__(scope, construct_id)
        context.require_region(
            QUERY_LOG_REGION, "ZoneQueryLogging", f"{QUERY_LOG_REGION} (Route 53 writes query logs only there)"
        )
        group_arn = (
            f"arn:{context.partition}:logs:{QUERY_LOG_REGION}:{context.account_id}:log-group:{props.log_group_name}"
        )
        self.key = EncryptionKey(
            self,
            "key",
            context=context,
            props=EncryptionKeyProps(
                alias=props.key_alias,
                description=f"Route 53 query logs of {props.domain}",
                service_principals=(f"logs.{QUERY_LOG_REGION}.amazonaws.com",),
                service_condition={"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": group_arn}},
            ),
        )
        self.log_group = CloudwatchLogGroup(
            self,
            "log_group",
            name=props.log_group_name,
            retention_in_days=props.retention_days,
            kms_key_id=self.key.arn,
        )
        self.resource_policy = CloudwatchLogResourcePolicy(
            self,
            "resource_policy",
            policy_name=props.policy_name,
            policy_document=policy_document(
                {
                    "Sid": "Route53WritesThisZonesQueryLogs",
                    "Effect": "Allow",
                    "Principal": {"Service": "route53.amazonaws.com"},
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{group_arn}:*",
                    "Condition": {
                        "ArnLike": {"aws:SourceArn": zone_arn},
                        "StringEquals": {"aws:SourceAccount": context.account_id},
                    },
                }
            ),
        )
        self.query_log = Route53QueryLog(
            self,
            "query_log",
            zone_id=zone_id,
            cloudwatch_log_group_arn=self.log_group.arn,
            depends_on=[self.resource_policy],
        )

    @property
    def log_group_arn(self) -> str:
        return self.log_group.arn
