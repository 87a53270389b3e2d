"""The physical on-premises link: Direct Connect connection, gateway and transit VIF.

A new port is deployed in two phases (spec ``connection.status``): ``ordered`` creates the port
order, the gateway and (from the region stacks) its transit-gateway associations, none of which
needs the port up; ``available`` (after the LOA-CFA cross-connect) adds the transit VIF. An
existing connection (``connection.id``) is not managed here; its VIF is declared at once.

Its own stack because its lifecycle is not any region's: a dedicated port takes weeks to
provision (LOA, cross-connect) and is rarely touched afterwards, so it should not be re-planned
with every data-site change, nor be at risk when a region is removed. The Direct Connect gateway
is global; each region stack associates it with its own transit gateway.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from constructs_lib.aws.direct_connect import DirectConnect, DirectConnectProps, NewPortProps, TransitVifProps
from federation_spec.aws import AwsSection
from stacks.base import FederationStack

DIRECT_CONNECT_STACK = "aws-direct-connect"


def build(app: Construct, spec, plan, built: dict) -> AwsDirectConnectStack:
    """Builder used by ``build_app``."""
    return AwsDirectConnectStack(app, aws=spec.aws, federation=spec.federation, state=spec.state)


class AwsDirectConnectStack(FederationStack):
    """The stack ``aws-direct-connect``. Exposes ``direct_connect`` (``gateway_id`` is what region
    stacks associate with); depends on no other stack."""

    def __init__(self, scope: Construct, *, aws: AwsSection, federation, state):
        super().__init__(scope, DIRECT_CONNECT_STACK, federation=federation, state=state)
        dx = aws.direct_connect
        self.region = dx.connection_region(aws.regions)
        AwsProvider(self, "aws", region=self.region, default_tags=[AwsProviderDefaultTags(tags=self.tags)])
        vif, link = dx.transit_vif, dx.connection
        new_port = None
        if not link.existing:
            new_port = NewPortProps(location=link.location, bandwidth=link.bandwidth, available=link.available)
        self.direct_connect = DirectConnect(
            self,
            "direct_connect",
            props=DirectConnectProps(
                name=f"{self.prefix}-{link.location.lower()}" if new_port else f"{self.prefix}-dx",
                gateway_asn=dx.gateway_asn,
                existing_connection_id=link.id,
                new_port=new_port,
                transit_vif=TransitVifProps(vlan=vif.vlan, customer_asn=vif.customer_asn, mtu=vif.mtu) if vif else None,
            ),
        )
        self.output(
            "dx_connection_id",
            self.direct_connect.connection_id,
            "ID of the Direct Connect connection (a new port: download its LOA-CFA for the cross-connect).",
        )
        if self.direct_connect.connection is not None:
            self.output(
                "dx_connection_aws_device",
                self.direct_connect.connection.aws_device,
                "AWS device the connection terminates on.",
            )
        self.output(
            "dx_gateway_id",
            self.direct_connect.gateway_id,
            "ID of the Direct Connect gateway associated with the regions' transit gateways.",
        )
        if self.direct_connect.transit_vif is not None:
            tvif = self.direct_connect.transit_vif
            self.output("dx_transit_vif_id", tvif.id, "ID of the transit virtual interface.")
            self.output(
                "dx_transit_vif_amazon_address", tvif.amazon_address, "BGP peer IP on the AWS side of the transit VIF."
            )
            self.output(
                "dx_transit_vif_customer_address",
                tvif.customer_address,
                "BGP peer IP to configure on the on-premises router.",
            )
            self.output(
                "dx_transit_vif_bgp_auth_key",
                tvif.bgp_auth_key,
                "BGP MD5 key AWS generated for the transit VIF (configure on the on-premises router).",
                sensitive=True,
            )
