"""VPC flow logs delivered to a KMS-encrypted CloudWatch log group with finite retention."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from constructs_lib.aws.context import AwsContext
from constructs_lib.iam_json import policy_document


@dataclass(frozen=True)
class FlowLogsProps:
    """``log_group_name`` of the new group; ``kms_key_arn`` must let ``logs.<region>`` use it;
    ``retention_days`` a CloudWatch retention value (default 365); ``traffic_type`` ALL by default."""

    log_group_name: str
    kms_key_arn: str
    retention_days: int = 365
    traffic_type: str = "ALL"


class VpcFlowLogs(Construct):
    """Flow logs for one VPC. The delivery role holds what AWS documents for flow-log delivery to
    CloudWatch Logs, scoped as tightly as each action allows: stream and event writes on its own
    log group only; ``DescribeLogGroups`` (a list action, authorized only against every log group
    of the account and region, ``log-group:*``) on this account and region. ``CreateLogGroup`` is
    deliberately left out: Terraform creates the group (KMS key, retention) before the flow log,
    and the service must not re-create it unencrypted and unexpiring if it were deleted. The role
    can be assumed only by the flow-logs service on behalf of this account's flow logs in this
    region (``aws:SourceAccount`` and ``aws:SourceArn``, against the confused deputy)."""

    def __init__(self, scope: Construct, construct_id: str, *, vpc_id: str, context: AwsContext, props: FlowLogsProps):
        super().__init__(scope, construct_id)
        self.log_group = CloudwatchLogGroup(
            self,
            "log_group",
            name=props.log_group_name,
            retention_in_days=props.retention_days,
            kms_key_id=props.kms_key_arn,
        )
        account_logs = f"arn:{context.partition}:logs:{context.region}:{context.account_id}"
        role = IamRole(
            self,
            "role",
            name_prefix="vpc-flow-logs-",
            assume_role_policy=policy_document(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": context.account_id},
                        "ArnLike": {
                            "aws:SourceArn": f"arn:{context.partition}:ec2:{context.region}:{context.account_id}:vpc-flow-log/*"
                        },
                    },
                }
            ),
        )
        IamRolePolicy(
            self,
            "role_policy",
            role=role.id,
            name="deliver-to-own-log-group",
            policy=policy_document(
                {
                    "Sid": "WriteOwnLogGroup",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    "Resource": [self.log_group.arn, f"{self.log_group.arn}:*"],
                },
                {
                    "Sid": "FindLogGroups",
                    "Effect": "Allow",
                    "Action": "logs:DescribeLogGroups",
                    "Resource": f"{account_logs}:log-group:*",
                },
            ),
        )
        self.flow_log = FlowLog(
            self,
            "flow_log",
            vpc_id=vpc_id,
            traffic_type=props.traffic_type,
            log_destination_type="cloud-watch-logs",
            log_destination=self.log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
        )
