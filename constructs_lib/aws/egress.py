"""The narrowest internet path a private VPC needs to reach a few fixed addresses (the federation's
aggregators): one NAT gateway with a reserved Elastic IP in one small public subnet, and routes to
exactly those addresses (``<ip>/32``) in the private route tables. Nothing else leaves: there is no
default route in any private route table, so every other destination stays unreachable."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.eip import Eip
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.nat_gateway import NatGateway
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.subnet import Subnet
from constructs import Construct

from constructs_lib.aws.network import SUBNET_BITS


def public_subnet_cidr(vpc_cidr: str) -> str:
    """The first 1/16 block of the VPC's upper half: private subnets are carved from the bottom
    (``network.subnet_plan``), so the NAT subnet never collides with them, whatever the AZ count."""
    blocks = list(ipaddress.IPv4Network(vpc_cidr).subnets(prefixlen_diff=SUBNET_BITS))
    return str(blocks[len(blocks) // 2])


@dataclass(frozen=True)
class AggregatorEgressProps:
    """``name`` prefixes Name tags; ``vpc_cidr`` is carved for the public subnet (upper half);
    ``zone`` is the public subnet's AZ (one NAT gateway for the site: the aggregators have their own
    failover, and a second NAT would double the cost of a path that carries only model updates)."""

    name: str
    vpc_cidr: str
    zone: str


class AggregatorEgress(Construct):
    """Internet gateway, one public subnet (no auto-assigned public IPs) whose route table alone
    has the default route, a NAT gateway with a reserved Elastic IP (``egress_ip``: the address the
    aggregators admit), and in every private route table one ``/32`` route per destination."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc_id: str,
        private_route_table_ids: list[str],
        destination_ips: list[str],
        props: AggregatorEgressProps,
    ):
        super().__init__(scope, construct_id)
        if not destination_ips:
            raise ValueError("AggregatorEgress needs at least one destination IP")
        gateway = InternetGateway(self, "igw", vpc_id=vpc_id, tags={"Name": props.name})
        self.public_subnet = Subnet(
            self,
            "public_subnet",
            vpc_id=vpc_id,
            cidr_block=public_subnet_cidr(props.vpc_cidr),
            availability_zone=props.zone,
            map_public_ip_on_launch=False,
            tags={"Name": f"{props.name}-public-nat", "tier": "public"},
        )
        public_table = RouteTable(self, "public_rt", vpc_id=vpc_id, tags={"Name": f"{props.name}-public-nat"})
        Route(
            self,
            "public_default",
            route_table_id=public_table.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=gateway.id,
        )
        RouteTableAssociation(self, "public_rta", subnet_id=self.public_subnet.id, route_table_id=public_table.id)
        self.eip = Eip(self, "eip", domain="vpc", tags={"Name": f"{props.name}-egress"}, depends_on=[gateway])
        self.nat_gateway = NatGateway(
            self,
            "nat",
            allocation_id=self.eip.allocation_id,
            subnet_id=self.public_subnet.id,
            connectivity_type="public",
            tags={"Name": props.name},
            depends_on=[gateway],
        )
        for t, table_id in enumerate(private_route_table_ids):
            for d, address in enumerate(destination_ips):
                Route(
                    self,
                    f"to_destination_{d}_rt_{t}",
                    route_table_id=table_id,
                    destination_cidr_block=f"{address}/32",
                    nat_gateway_id=self.nat_gateway.id,
                )

    @property
    def egress_ip(self) -> str:
        """The reserved public address every connection from the site's private subnets leaves from."""
        return self.eip.public_ip
