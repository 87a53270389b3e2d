"""A regional transit gateway with one explicit route table, and the VPC attached to it.

Default route table association and propagation are off: every attachment (VPC, peering, Direct
Connect) is associated with, and where it applies propagates into, the one route table created
here, so what can reach what is visible in code rather than implied by AWS defaults.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.ec2_transit_gateway import Ec2TransitGateway
from cdktf_cdktf_provider_aws.ec2_transit_gateway_route_table import Ec2TransitGatewayRouteTable
from cdktf_cdktf_provider_aws.ec2_transit_gateway_route_table_association import (
    Ec2TransitGatewayRouteTableAssociation,
)
from cdktf_cdktf_provider_aws.ec2_transit_gateway_route_table_propagation import (
    Ec2TransitGatewayRouteTablePropagation,
)
from cdktf_cdktf_provider_aws.ec2_transit_gateway_vpc_attachment import Ec2TransitGatewayVpcAttachment
from cdktf_cdktf_provider_aws.route import Route
from constructs import Construct

PRIVATE_ASN_RANGES = ((64512, 65534), (4200000000, 4294967294))


def cidr_id(cidr: str) -> str:
    """A logical-ID-safe rendering of a CIDR block: ``10.20.0.0/16`` -> ``10_20_0_0_16``."""
    return re.sub(r"[^0-9A-Za-z]", "_", cidr)


@dataclass(frozen=True)
class TransitGatewayProps:
    """``name`` for Name tags; ``amazon_side_asn`` a private ASN unique to this gateway among
    everything it peers or BGP-peers with (default 64512, the AWS default)."""

    name: str
    amazon_side_asn: int = 64512

    def __post_init__(self):
        if not any(low <= self.amazon_side_asn <= high for low, high in PRIVATE_ASN_RANGES):
            raise ValueError(
                f"TransitGatewayProps.amazon_side_asn {self.amazon_side_asn} must be a private ASN "
                "(64512-65534 or 4200000000-4294967294)"
            )


class TransitGateway(Construct):
    """Transit gateway that accepts no shared attachment on its own, resolves DNS across attached
    VPCs, and routes only through ``route_table`` (no default association or propagation)."""

    def __init__(self, scope: Construct, construct_id: str, *, props: TransitGatewayProps):
        super().__init__(scope, construct_id)
        self.amazon_side_asn = props.amazon_side_asn
        self.transit_gateway = Ec2TransitGateway(
            self,
            "tgw",
            description=f"{props.name}: federation private network hub",
            amazon_side_asn=props.amazon_side_asn,
            auto_accept_shared_attachments="disable",
            default_route_table_association="disable",
            default_route_table_propagation="disable",
            dns_support="enable",
            multicast_support="disable",
            tags={"Name": props.name},
        )
        self.route_table = Ec2TransitGatewayRouteTable(
            self, "route_table", transit_gateway_id=self.transit_gateway.id, tags={"Name": props.name}
        )

    @property
    def id(self) -> str:
        return self.transit_gateway.id

    @property
    def arn(self) -> str:
        return self.transit_gateway.arn

    @property
    def route_table_id(self) -> str:
        """The route table every attachment of this gateway is associated with."""
        return self.route_table.id


@dataclass(frozen=True)
class VpcAttachmentProps:
    """``name`` for the Name tag; ``remote_cidrs`` the destinations (other regions, on-premises)
    that every VPC route table sends to the transit gateway."""

    name: str
    remote_cidrs: tuple[str, ...] = ()

    def __post_init__(self):
        if len(set(self.remote_cidrs)) != len(self.remote_cidrs):
            raise ValueError("VpcAttachmentProps.remote_cidrs lists a CIDR twice")


class TransitGatewayVpcAttachment(Construct):
    """Attach a VPC to ``transit_gateway`` through ``subnet_ids`` (one per AZ, so every AZ keeps a
    path when another fails), associate and propagate it into the gateway's route table, and route
    ``remote_cidrs`` from each of ``route_table_ids`` to the gateway."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        transit_gateway: TransitGateway,
        vpc_id: str,
        subnet_ids: Sequence[str],
        route_table_ids: Sequence[str],
        props: VpcAttachmentProps,
    ):
        super().__init__(scope, construct_id)
        self.attachment = Ec2TransitGatewayVpcAttachment(
            self,
            "attachment",
            transit_gateway_id=transit_gateway.id,
            vpc_id=vpc_id,
            subnet_ids=list(subnet_ids),
            dns_support="enable",
            appliance_mode_support="disable",
            transit_gateway_default_route_table_association=False,
            transit_gateway_default_route_table_propagation=False,
            tags={"Name": props.name},
        )
        Ec2TransitGatewayRouteTableAssociation(
            self,
            "association",
            transit_gateway_attachment_id=self.attachment.id,
            transit_gateway_route_table_id=transit_gateway.route_table_id,
        )
        Ec2TransitGatewayRouteTablePropagation(
            self,
            "propagation",
            transit_gateway_attachment_id=self.attachment.id,
            transit_gateway_route_table_id=transit_gateway.route_table_id,
        )
        self.routes: list[Route] = []
        for index, table_id in enumerate(route_table_ids):
            for cidr in props.remote_cidrs:
                # A VPC route to a transit gateway is rejected until the VPC is attached to it.
                self.routes.append(
                    Route(
                        self,
                        f"rt_{index}_to_{cidr_id(cidr)}",
                        route_table_id=table_id,
                        destination_cidr_block=cidr,
                        transit_gateway_id=transit_gateway.id,
                        depends_on=[self.attachment],
                    )
                )

    @property
    def id(self) -> str:
        return self.attachment.id
