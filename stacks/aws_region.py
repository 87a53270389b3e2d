"""One AWS data site per region: private VPC with flow logs, data bucket, shared file system."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from constructs_lib.aws.context import AwsContext
from constructs_lib.aws.data_bucket import DataBucket, DataBucketProps
from constructs_lib.aws.flow_logs import FlowLogsProps, VpcFlowLogs
from constructs_lib.aws.kms import EncryptionKey, EncryptionKeyProps
from constructs_lib.aws.network import PrivateVpc, PrivateVpcProps
from constructs_lib.aws.shared_filesystem import SharedFileSystem, SharedFileSystemProps
from spec.aws import AwsRegion, AwsSection
from stacks.base import FederationStack


def build(app: Construct, spec, plan, built: dict) -> AwsRegionStack:
    """Builder used by ``build_app``: the region named by ``plan.key``."""
    region = next(r for r in spec.aws.regions if r.name == plan.key)
    return AwsRegionStack(app, plan.name, region=region, aws=spec.aws, federation=spec.federation, state=spec.state)


class AwsRegionStack(FederationStack):
    """The stack ``aws-<region>``. Exposes ``vpc`` (and ``data_bucket``/``file_system`` when enabled)
    for stacks that build on the site, such as the transit-gateway network."""

    def __init__(self, scope: Construct, stack_name: str, *, region: AwsRegion, aws: AwsSection, federation, state):
        super().__init__(scope, stack_name, federation=federation, state=state)
        self.region = region.name
        self.provider = AwsProvider(
            self, "aws", region=region.name, default_tags=[AwsProviderDefaultTags(tags=self.tags)]
        )
        context = AwsContext.lookup(self, region.name)
        name = f"{self.prefix}-{region.name}"

        log_key = EncryptionKey(
            self,
            "logs_key",
            context=context,
            props=EncryptionKeyProps(
                alias=f"{name}-logs",
                description=f"{name}: CloudWatch Logs encryption",
                service_principals=(f"logs.{region.name}.amazonaws.com",),
                service_condition={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": f"arn:{context.partition}:logs:{region.name}:{context.account_id}:*"
                    }
                },
            ),
        )
        self.vpc = PrivateVpc(
            self,
            "network",
            region=region.name,
            props=PrivateVpcProps(name=name, cidr=region.cidr, zones=region.zone_names()),
        )
        VpcFlowLogs(
            self,
            "flow_logs",
            vpc_id=self.vpc.vpc_id,
            context=context,
            props=FlowLogsProps(
                log_group_name=f"/{self.federation.name}/{self.federation.environment}/vpc-flow-logs/{region.name}",
                kms_key_arn=log_key.arn,
                retention_days=aws.log_retention_days,
                traffic_type=aws.flow_log_traffic,
            ),
        )
        self.output("vpc_id", self.vpc.vpc_id, "ID of the site VPC.")
        self.output("vpc_cidr", region.cidr, "CIDR block of the site VPC.")
        self.output("private_subnet_ids", self.vpc.private_subnet_ids, "Private subnet IDs, one per AZ.")
        self.output("private_route_table_ids", self.vpc.private_route_table_ids, "Private route table IDs, one per AZ.")

        self.data_bucket = None
        self.file_system = None
        if region.data_bucket or region.shared_filesystem:
            data_key = EncryptionKey(
                self,
                "data_key",
                context=context,
                props=EncryptionKeyProps(alias=f"{name}-data", description=f"{name}: training data at rest (S3, EFS)"),
            )
        if region.data_bucket:
            self.data_bucket = DataBucket(
                self,
                "data_bucket",
                context=context,
                props=DataBucketProps(name_prefix=f"{name}-data", kms_key_arn=data_key.arn),
            )
            self.output("data_bucket_name", self.data_bucket.name, "Name of the site's data bucket.")
            self.output(
                "data_bucket_regional_domain_name",
                self.data_bucket.regional_domain_name,
                "Regional domain name of the data bucket (the seed's s3_bucket_url).",
            )
        if region.shared_filesystem:
            self.file_system = SharedFileSystem(
                self,
                "shared_fs",
                vpc_id=self.vpc.vpc_id,
                subnet_ids=self.vpc.private_subnet_ids,
                props=SharedFileSystemProps(
                    name=f"{name}-shared", kms_key_arn=data_key.arn, allowed_cidrs=(region.cidr,)
                ),
            )
            self.output("efs_id", self.file_system.file_system_id, "ID of the shared EFS file system.")
            self.output("efs_dns_name", self.file_system.dns_name, "DNS name to mount the file system (TLS required).")
            self.output("efs_access_point_id", self.file_system.access_point.id, "EFS access point for training jobs.")
