"""The account, partition and region a construct is deployed into, looked up once per stack."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from constructs import Construct


@dataclass(frozen=True)
class AwsContext:
    """Tokens for the deploying account and partition, plus the (literal) region name."""

    account_id: str
    partition: str
    region: str

    @classmethod
    def lookup(cls, scope: Construct, region: str) -> AwsContext:
        """Add the caller-identity and partition data sources to ``scope`` and wrap their values."""
        identity = DataAwsCallerIdentity(scope, "caller_identity")
        partition = DataAwsPartition(scope, "partition")
        return cls(account_id=identity.account_id, partition=partition.partition, region=region)

    def require_region(self, region: str, construct: str, reason: str) -> None:
        """Fail at construction when ``construct`` must live in ``region`` and this context is not."""
        if self.region != region:
            raise ValueError(f"{construct} needs {reason}; this stack's AWS region is {self.region}")

    @property
    def root_arn(self) -> str:
        """The account root principal: the anchor of every key policy."""
        return f"arn:{self.partition}:iam::{self.account_id}:root"
