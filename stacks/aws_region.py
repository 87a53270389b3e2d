"""One AWS data site per region: private VPC with flow logs, data bucket, shared file system, the
region's transit gateway (attached to the VPC, peered with every earlier region, associated with
the Direct Connect gateway) and, for a federation member, its SuperNode (``stacks.aws_site_member``)."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from constructs_lib.aws.context import AwsContext
from constructs_lib.aws.data_bucket import DataBucket, DataBucketProps
from constructs_lib.aws.data_loader import (
    DataLoaderProps,
    DataLoaderRole,
    loader_bucket_statements,
    loader_file_system_statements,
)
from constructs_lib.aws.direct_connect import DxTransitGatewayAssociation, DxTransitGatewayAssociationProps
from constructs_lib.aws.flow_logs import FlowLogsProps, VpcFlowLogs
from constructs_lib.aws.kms import EncryptionKey, EncryptionKeyProps
from constructs_lib.aws.network import PrivateVpc, PrivateVpcProps
from constructs_lib.aws.s3_endpoint_policy import S3EndpointPolicy
from constructs_lib.aws.shared_filesystem import SharedFileSystem, SharedFileSystemProps
from constructs_lib.aws.transit_gateway import (
    TransitGateway,
    TransitGatewayProps,
    TransitGatewayVpcAttachment,
    VpcAttachmentProps,
)
from constructs_lib.aws.transit_gateway_peering import TransitGatewayPeering, TransitGatewayPeeringProps
from federation_spec.aws import AwsRegion, AwsSection
from stacks.aws_direct_connect import DIRECT_CONNECT_STACK
from stacks.aws_site_member import FederationMember, MemberInputs, member_inputs
from stacks.base import FederationStack
from stacks.plan import aws_member_regions


def build(app: Construct, spec, plan, built: dict) -> AwsRegionStack:
    """Builder used by ``build_app``: the region named by ``plan.key``, peered with the regions
    before it (its plan dependencies) and associated with the Direct Connect gateway, if any."""
    region = next(r for r in spec.aws.regions if r.name == plan.key)
    peers = tuple(built[name] for name in plan.depends_on if name in built and isinstance(built[name], AwsRegionStack))
    dx_stack = built.get(DIRECT_CONNECT_STACK)
    member = member_inputs(spec, region, built) if region.name in aws_member_regions(spec) else None
    return AwsRegionStack(
        app,
        plan.name,
        region=region,
        aws=spec.aws,
        federation=spec.federation,
        state=spec.state,
        peers=peers,
        dx_gateway_id=dx_stack.direct_connect.gateway_id if dx_stack is not None else None,
        member=member,
    )


class AwsRegionStack(FederationStack):
    """The stack ``aws-<region>``. Exposes ``vpc`` (and ``data_bucket``/``file_system`` when enabled)
    for stacks that build on the site, and ``transit_gateway`` (``None`` without
    ``aws.transit_gateway``).

    ``peers`` are the stacks of the regions before this one in the spec: this stack requests a
    peering with each and accepts it on their behalf, so it depends on them and never the reverse.
    ``dx_gateway_id`` (from the Direct Connect stack) is associated with this region's transit
    gateway when one of the allowed prefixes lies in this region."""

    def __init__(
        self,
        scope: Construct,
        stack_name: str,
        *,
        region: AwsRegion,
        aws: AwsSection,
        federation,
        state,
        peers: Sequence[AwsRegionStack] = (),
        dx_gateway_id: str | None = None,
        member: MemberInputs | None = None,
    ):
        super().__init__(scope, stack_name, federation=federation, state=state)
        self.region = region.name
        self.cidr = region.cidr
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
        self.transit_gateway = None
        if aws.transit_gateway:
            self._private_network(name, aws, peers, dx_gateway_id)

        self.data_bucket = None
        self.file_system = None
        self.data_loader = None
        if region.has_data:
            data_key = EncryptionKey(
                self,
                "data_key",
                context=context,
                props=EncryptionKeyProps(alias=f"{name}-data", description=f"{name}: training data at rest (S3, EFS)"),
            )
            self.output("data_key_arn", data_key.arn, "KMS key of the site's data (bucket SSE-KMS, EFS).")
            self.data_loader = DataLoaderRole(
                self,
                "data_loader",
                context=context,
                props=DataLoaderProps(name=f"{name}-data-loader", trusted_role_arns=region.data_loaders),
            )
            self.output(
                "data_loader_role_arn",
                self.data_loader.arn,
                "Role to assume to load data into the site (write-only on the bucket; see README 'Loading data').",
            )
        if region.data_bucket:
            self.data_bucket = DataBucket(
                self,
                "data_bucket",
                context=context,
                props=DataBucketProps(
                    name_prefix=f"{name}-data",
                    kms_key_arn=data_key.arn,
                    site_vpc_endpoint_ids=(self.vpc.s3_endpoint_id,),
                    admin_role_arns=aws.data_admin_role_arns,
                    loader_role_arns=(self.data_loader.arn,),
                    force_destroy=aws.force_destroy_buckets,
                ),
            )
            self.output("data_bucket_name", self.data_bucket.name, "Name of the site's data bucket.")
            self.output(
                "data_bucket_regional_domain_name",
                self.data_bucket.regional_domain_name,
                "Regional domain name of the data bucket (the seed's s3_bucket_url).",
            )
        self._s3_endpoint_policy(context, region.name)
        if region.shared_filesystem:
            self.file_system = SharedFileSystem(
                self,
                "shared_fs",
                vpc_id=self.vpc.vpc_id,
                subnet_ids=self.vpc.private_subnet_ids,
                props=SharedFileSystemProps(name=f"{name}-shared", kms_key_arn=data_key.arn),
            )
            self.output("efs_id", self.file_system.file_system_id, "ID of the shared EFS file system.")
            self.output("efs_dns_name", self.file_system.dns_name, "DNS name to mount the file system (TLS required).")
            self.output("efs_access_point_id", self.file_system.access_point.id, "EFS access point for training jobs.")
            self.output(
                "efs_clients_security_group_id",
                self.file_system.clients_security_group.id,
                "Security group to attach to a host in the VPC that mounts the file system as the data loader.",
            )
        if self.data_loader is not None:
            self._grant_loader(context, data_key.arn)
        self.member = None
        self.egress_ips: list[str] = []
        if member is not None:
            self.member = FederationMember(
                self,
                "federation_member",
                name=name,
                context=context,
                vpc=self.vpc,
                log_key=log_key,
                data_key=data_key,
                data_bucket=self.data_bucket,
                file_system=self.file_system,
                log_retention_days=aws.log_retention_days,
                inputs=member,
                data_loader_arn=self.data_loader.arn,
            )
            self.egress_ips = [self.member.egress_ip]
            self.output(
                "egress_ips", self.egress_ips, "Reserved NAT IPs the site's SuperNode dials the aggregators from."
            )
            self.output("supernode_cluster", self.member.service.cluster.name, "ECS cluster of the site's SuperNode.")
            self.output("supernode_log_group", self.member.service.log_group.name, "Log group of the SuperNode task.")

        if self.file_system is not None and self.file_system.policy is None:
            # No SuperNode here: the loader role is the file system's only client (mount and write).
            loader = self.data_loader.arn
            self.file_system.allow_clients(mount_role_arns=[loader], write_role_arns=[loader])

    def _grant_loader(self, context: AwsContext, data_key_arn: str) -> None:
        """The data loader's one policy: upload into the bucket, mount and write the file system."""
        statements = []
        if self.data_bucket is not None:
            statements += loader_bucket_statements(
                context=context, bucket_arn=self.data_bucket.arn, key_arn=data_key_arn
            )
        if self.file_system is not None:
            statements += loader_file_system_statements(
                file_system_arn=self.file_system.file_system.arn, access_point_arn=self.file_system.access_point.arn
            )
        self.data_loader.grant(statements)

    def _s3_endpoint_policy(self, context: AwsContext, region: str) -> None:
        """Narrow the site's S3 gateway endpoint to the site's own buckets (and ECR image layers)."""
        S3EndpointPolicy(
            self,
            "s3_endpoint_policy",
            vpc_endpoint_id=self.vpc.s3_endpoint_id,
            partition=context.partition,
            region=region,
            bucket_arns=(self.data_bucket.arn, self.data_bucket.log_bucket.arn) if self.data_bucket else (),
        )

    def _private_network(self, name: str, aws: AwsSection, peers: Sequence[AwsRegionStack], dx_gateway_id) -> None:
        """Transit gateway, VPC attachment with routes to every other region (and on-premises),
        peerings with the earlier regions, and the Direct Connect association."""
        asn = aws.transit_gateway.asns(aws.regions)[self.region]
        dx = aws.direct_connect
        dx_prefixes = dx.prefixes_by_region(aws.regions).get(self.region) if dx else None
        remote = [r.cidr for r in aws.regions if r.name != self.region]
        if dx_prefixes and dx_gateway_id is not None:
            remote += list(dx.on_premises_cidrs)
        self.transit_gateway = TransitGateway(self, "tgw", props=TransitGatewayProps(name=name, amazon_side_asn=asn))
        attachment = TransitGatewayVpcAttachment(
            self,
            "tgw_vpc",
            transit_gateway=self.transit_gateway,
            vpc_id=self.vpc.vpc_id,
            subnet_ids=self.vpc.private_subnet_ids,
            route_table_ids=self.vpc.private_route_table_ids,
            props=VpcAttachmentProps(name=name, remote_cidrs=tuple(remote)),
        )
        self.output("transit_gateway_id", self.transit_gateway.id, "ID of the region's transit gateway.")
        self.output("transit_gateway_arn", self.transit_gateway.arn, "ARN of the region's transit gateway.")
        self.output("transit_gateway_asn", asn, "Amazon-side BGP ASN of the region's transit gateway.")
        self.output(
            "transit_gateway_route_table_id",
            self.transit_gateway.route_table_id,
            "The transit gateway route table every attachment uses.",
        )
        self.output("transit_gateway_vpc_attachment_id", attachment.id, "ID of the VPC's transit gateway attachment.")

        peering_ids = {}
        for peer in peers:
            peering = TransitGatewayPeering(
                self,
                f"tgw_peering_{peer.region}",
                transit_gateway=self.transit_gateway,
                peer_transit_gateway_id=peer.transit_gateway.id,
                peer_route_table_id=peer.transit_gateway.route_table_id,
                props=TransitGatewayPeeringProps(
                    name=f"{self.prefix}-{self.region}-to-{peer.region}",
                    peer_region=peer.region,
                    local_cidrs=(self.cidr,),
                    peer_cidrs=(peer.cidr,),
                ),
            )
            peering_ids[peer.region] = peering.id
        if peering_ids:
            self.output(
                "transit_gateway_peering_ids",
                peering_ids,
                "Peering attachment IDs this region requested, by peer region (each earlier region).",
            )

        if dx_prefixes and dx_gateway_id is not None:
            dx_association = DxTransitGatewayAssociation(
                self,
                "dx_association",
                dx_gateway_id=dx_gateway_id,
                transit_gateway=self.transit_gateway,
                props=DxTransitGatewayAssociationProps(allowed_prefixes=dx_prefixes),
            )
            self.output(
                "dx_gateway_association_id",
                dx_association.id,
                "ID of the Direct Connect gateway association with this transit gateway.",
            )
            self.output(
                "dx_transit_gateway_attachment_id",
                dx_association.attachment_id,
                "Transit gateway attachment of the Direct Connect gateway.",
            )
