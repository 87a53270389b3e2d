"""A private VPC for a data site: subnets per AZ carved from the CIDR, no internet path by default."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from cdktf_cdktf_provider_aws.vpc_endpoint import VpcEndpoint
from constructs import Construct

SUBNET_BITS = 4
"""Each subnet is 1/16 of the VPC: a /16 gives /20s (4,091 usable addresses each)."""


def subnet_plan(cidr: str, az_count: int) -> list[str]:
    """Private subnet CIDRs, one per AZ, from the bottom of the VPC range; the top half stays free
    for public or attachment subnets added later without renumbering."""
    network = ipaddress.IPv4Network(cidr)
    blocks = list(network.subnets(prefixlen_diff=SUBNET_BITS))
    if az_count > len(blocks) // 2:
        raise ValueError(f"{cidr} cannot hold {az_count} private subnets")
    return [str(block) for block in blocks[:az_count]]


@dataclass(frozen=True)
class PrivateVpcProps:
    """``name`` prefixes Name tags; ``cidr`` a /16../24 block; ``zones`` 2..6 AZ names (pinned, not
    looked up), one private subnet and route table each; ``s3_gateway_endpoint`` (default on) lets
    private subnets reach S3 in-region without an internet path."""

    name: str
    cidr: str
    zones: tuple[str, ...]
    s3_gateway_endpoint: bool = True

    def __post_init__(self):
        if not 2 <= len(self.zones) <= 6:
            raise ValueError("PrivateVpcProps.zones must name 2 to 6 availability zones")


class PrivateVpc(Construct):
    """VPC with DNS support and hostnames, private subnets and route tables per AZ, and the default
    security group stripped of every rule (nothing may rely on it)."""

    def __init__(self, scope: Construct, construct_id: str, *, region: str, props: PrivateVpcProps):
        super().__init__(scope, construct_id)
        self.cidr = props.cidr
        self.vpc = Vpc(
            self,
            "vpc",
            cidr_block=props.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": props.name},
        )
        DefaultSecurityGroup(self, "default_sg", vpc_id=self.vpc.id, ingress=[], egress=[])
        self.availability_zones: list[str] = []
        self.private_subnets: list[Subnet] = []
        self.private_route_tables: list[RouteTable] = []
        for index, (zone, subnet_cidr) in enumerate(
            zip(props.zones, subnet_plan(props.cidr, len(props.zones)), strict=True)
        ):
            subnet = Subnet(
                self,
                f"private_{index}",
                vpc_id=self.vpc.id,
                cidr_block=subnet_cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={"Name": f"{props.name}-private-{index}", "tier": "private"},
            )
            table = RouteTable(
                self, f"private_rt_{index}", vpc_id=self.vpc.id, tags={"Name": f"{props.name}-private-{index}"}
            )
            RouteTableAssociation(self, f"private_rta_{index}", subnet_id=subnet.id, route_table_id=table.id)
            self.availability_zones.append(zone)
            self.private_subnets.append(subnet)
            self.private_route_tables.append(table)
        self.s3_endpoint = None
        if props.s3_gateway_endpoint:
            self.s3_endpoint = VpcEndpoint(
                self,
                "s3_endpoint",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{region}.s3",
                vpc_endpoint_type="Gateway",
                route_table_ids=self.private_route_table_ids,
                tags={"Name": f"{props.name}-s3"},
            )

    @property
    def vpc_id(self) -> str:
        return self.vpc.id

    @property
    def s3_endpoint_id(self) -> str | None:
        """The S3 gateway endpoint (``vpce-...``), or ``None`` without one."""
        return self.s3_endpoint.id if self.s3_endpoint is not None else None

    @property
    def private_subnet_ids(self) -> list[str]:
        """One per AZ, in AZ order."""
        return [subnet.id for subnet in self.private_subnets]

    @property
    def private_route_table_ids(self) -> list[str]:
        """One per AZ, in AZ order: where routes to other sites (e.g. via a transit gateway) go."""
        return [table.id for table in self.private_route_tables]
