"""Cross-region transit gateway peering, requested and accepted from one stack.

The requester side uses the stack's provider; the accepter side sets the resource-level
``region`` of AWS provider 6 (no second provider block). Peering attachments propagate no
routes, so each side gets an explicit route table association and static routes to the other
side's CIDRs; every one of them waits for acceptance by referencing the accepter.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.ec2_transit_gateway_peering_attachment import Ec2TransitGatewayPeeringAttachment
from cdktf_cdktf_provider_aws.ec2_transit_gateway_peering_attachment_accepter import (
    Ec2TransitGatewayPeeringAttachmentAccepter,
)
from cdktf_cdktf_provider_aws.ec2_transit_gateway_route import Ec2TransitGatewayRoute
from cdktf_cdktf_provider_aws.ec2_transit_gateway_route_table_association import (
    Ec2TransitGatewayRouteTableAssociation,
)
from constructs import Construct

from constructs_lib.aws.transit_gateway import TransitGateway, cidr_id


@dataclass(frozen=True)
class TransitGatewayPeeringProps:
    """``name`` for Name tags; ``peer_region`` where the accepting gateway lives (must differ from
    the requester's); ``local_cidrs`` the requester side's destinations, routed from the peer;
    ``peer_cidrs`` the peer side's destinations, routed from the requester."""

    name: str
    peer_region: str
    local_cidrs: tuple[str, ...]
    peer_cidrs: tuple[str, ...]

    def __post_init__(self):
        if not self.local_cidrs or not self.peer_cidrs:
            raise ValueError("TransitGatewayPeeringProps needs local_cidrs and peer_cidrs (routes both ways)")


class TransitGatewayPeering(Construct):
    """Peering attachment from ``transit_gateway`` to the peer gateway, accepted on the peer side,
    associated with both sides' route tables, with static routes both ways."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        transit_gateway: TransitGateway,
        peer_transit_gateway_id: str,
        peer_route_table_id: str,
        props: TransitGatewayPeeringProps,
    ):
        super().__init__(scope, construct_id)
        peer = props.peer_region
        self.requester = Ec2TransitGatewayPeeringAttachment(
            self,
            "requester",
            transit_gateway_id=transit_gateway.id,
            peer_transit_gateway_id=peer_transit_gateway_id,
            peer_region=peer,
            tags={"Name": props.name},
        )
        self.accepter = Ec2TransitGatewayPeeringAttachmentAccepter(
            self,
            "accepter",
            region=peer,
            transit_gateway_attachment_id=self.requester.id,
            tags={"Name": props.name},
        )
        # The same attachment ID on both sides; read from the accepter so that everything below is
        # created only once the attachment is accepted (associating a pending one fails).
        attachment_id = self.accepter.transit_gateway_attachment_id
        Ec2TransitGatewayRouteTableAssociation(
            self,
            "local_association",
            transit_gateway_attachment_id=attachment_id,
            transit_gateway_route_table_id=transit_gateway.route_table_id,
        )
        Ec2TransitGatewayRouteTableAssociation(
            self,
            "peer_association",
            region=peer,
            transit_gateway_attachment_id=attachment_id,
            transit_gateway_route_table_id=peer_route_table_id,
        )
        for cidr in props.peer_cidrs:
            Ec2TransitGatewayRoute(
                self,
                f"local_to_{cidr_id(cidr)}",
                destination_cidr_block=cidr,
                transit_gateway_route_table_id=transit_gateway.route_table_id,
                transit_gateway_attachment_id=attachment_id,
            )
        for cidr in props.local_cidrs:
            Ec2TransitGatewayRoute(
                self,
                f"peer_to_{cidr_id(cidr)}",
                region=peer,
                destination_cidr_block=cidr,
                transit_gateway_route_table_id=peer_route_table_id,
                transit_gateway_attachment_id=attachment_id,
            )

    @property
    def id(self) -> str:
        """The peering attachment ID (the same on both sides)."""
        return self.requester.id
