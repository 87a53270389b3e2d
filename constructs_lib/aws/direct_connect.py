"""Direct Connect: the connection (a new dedicated port, or an existing dedicated or hosted one by
ID), the (global) Direct Connect gateway and the transit virtual interface between them; and the association of that gateway with a regional transit
gateway, wired into the transit gateway's route table.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Postcondition, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.data_aws_dx_connection import DataAwsDxConnection
from cdktf_cdktf_provider_aws.dx_connection import DxConnection
from cdktf_cdktf_provider_aws.dx_gateway import DxGateway
from cdktf_cdktf_provider_aws.dx_gateway_association import DxGatewayAssociation, DxGatewayAssociationTimeouts
from cdktf_cdktf_provider_aws.dx_transit_virtual_interface import DxTransitVirtualInterface
from cdktf_cdktf_provider_aws.ec2_transit_gateway_route_table_association import (
    Ec2TransitGatewayRouteTableAssociation,
)
from cdktf_cdktf_provider_aws.ec2_transit_gateway_route_table_propagation import (
    Ec2TransitGatewayRouteTablePropagation,
)
from constructs import Construct

from constructs_lib.aws.transit_gateway import PRIVATE_ASN_RANGES, TransitGateway

DEDICATED_BANDWIDTHS = ("1Gbps", "10Gbps", "100Gbps", "400Gbps")
ASSOCIATION_TIMEOUT = "90m"
"""How long Terraform waits for a Direct Connect gateway association to reach ``associated`` (or
to go away, or to take new prefixes). The provider's default is 30 minutes
(internal/service/directconnect/gateway_association.go, ``Timeouts``); its own transit-gateway
acceptance tests take up to ~34 minutes (PR #15201) and hashicorp/terraform-provider-aws#14328
reports associations still ``associating`` after 45 minutes. A timeout leaves the association
tainted in the state though AWS finishes it (README, "Direct Connect: a timed-out association")."""


@dataclass(frozen=True)
class TransitVifProps:
    """``vlan`` 1..4094 agreed with the cross-connect provider; ``customer_asn`` the on-premises
    router's ASN; ``mtu`` 1500 (default) or 8500 (jumbo frames end to end)."""

    vlan: int
    customer_asn: int
    mtu: int = 1500

    def __post_init__(self):
        if not 1 <= self.vlan <= 4094:
            raise ValueError(f"TransitVifProps.vlan {self.vlan} must be 1..4094")
        if self.mtu not in (1500, 8500):
            raise ValueError(f"TransitVifProps.mtu {self.mtu} must be 1500 or 8500")


@dataclass(frozen=True)
class NewPortProps:
    """A new dedicated port: ``location`` a Direct Connect location code served from the
    provider's region, ``bandwidth`` a dedicated port speed, ``available`` whether AWS already
    reports the port up (after the LOA-CFA cross-connect); only then may a VIF be declared."""

    location: str
    bandwidth: str
    available: bool = False

    def __post_init__(self):
        if self.bandwidth not in DEDICATED_BANDWIDTHS:
            raise ValueError(f"NewPortProps.bandwidth must be one of {DEDICATED_BANDWIDTHS}")


@dataclass(frozen=True)
class DirectConnectProps:
    """``name`` names the connection (a new port), gateway and interface; exactly one of
    ``existing_connection_id`` (a dedicated or hosted connection that already exists and is
    available) and ``new_port``; ``gateway_asn`` a private ASN different from every associated
    transit gateway's; ``transit_vif`` optional, and refused on a new port that is not available."""

    name: str
    gateway_asn: int
    existing_connection_id: str | None = None
    new_port: NewPortProps | None = None
    transit_vif: TransitVifProps | None = None

    def __post_init__(self):
        if (self.existing_connection_id is None) == (self.new_port is None):
            raise ValueError("DirectConnectProps needs exactly one of existing_connection_id and new_port")
        if not any(low <= self.gateway_asn <= high for low, high in PRIVATE_ASN_RANGES):
            raise ValueError(f"DirectConnectProps.gateway_asn {self.gateway_asn} must be a private ASN")
        if self.transit_vif is not None and self.new_port is not None and not self.new_port.available:
            raise ValueError(
                "DirectConnectProps.transit_vif needs an available connection: a new port stays "
                "requested/pending until its LOA-CFA cross-connect is done"
            )


class DirectConnect(Construct):
    """The connection, a Direct Connect gateway, and (optionally) a transit VIF joining them.

    A new port becomes an ``aws_dx_connection`` with ``prevent_destroy``: it is a physical order
    (weeks of lead time, a cross-connect), so ``terraform destroy`` refuses to delete it; to really
    release it, remove it from the state and delete it with the Direct Connect API (README). Its
    VIF, declared only once the port is available, reads the port through an ``aws_dx_connection``
    data source (by name) rather than the resource, so the interface never hangs off a connection
    created in the same apply: if the port does not exist yet, the plan fails before anything is
    created. An existing connection is referenced by its ID and never managed here.

    The BGP authentication key of the VIF is generated by AWS and exposed as ``transit_vif``'s
    ``bgp_auth_key`` (sensitive)."""

    def __init__(self, scope: Construct, construct_id: str, *, props: DirectConnectProps):
        super().__init__(scope, construct_id)
        self.connection = None
        if props.new_port is not None:
            self.connection = DxConnection(
                self,
                "connection",
                name=props.name,
                location=props.new_port.location,
                bandwidth=props.new_port.bandwidth,
                tags={"Name": props.name},
                # prevent_destroy stops `destroy`; skip_destroy also keeps the port when its block
                # leaves the configuration (e.g. the spec switches to `connection.id`).
                skip_destroy=True,
                lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
            )
            self._connection_id = self.connection.id
        else:
            self._connection_id = props.existing_connection_id
        self.gateway = DxGateway(self, "gateway", name=props.name, amazon_side_asn=str(props.gateway_asn))
        self.transit_vif = None
        if props.transit_vif is not None:
            vif_connection_id = self._connection_id
            if props.new_port is not None:
                # The port exists from phase 1 on, whatever its state: fail the plan (not the VIF
                # create) while it is still requested/pending.
                available = Postcondition(
                    condition='${self.state == "available"}',
                    error_message=(
                        f"Direct Connect port {props.name} is not available yet: finish the LOA-CFA "
                        "cross-connect, or keep connection.status: ordered until AWS reports it available."
                    ),
                )
                vif_connection_id = DataAwsDxConnection(
                    self,
                    "available_connection",
                    name=props.name,
                    lifecycle=TerraformResourceLifecycle(postcondition=[available]),
                ).id
            self.transit_vif = DxTransitVirtualInterface(
                self,
                "transit_vif",
                name=f"{props.name}-transit",
                connection_id=vif_connection_id,
                dx_gateway_id=self.gateway.id,
                address_family="ipv4",
                vlan=props.transit_vif.vlan,
                bgp_asn=props.transit_vif.customer_asn,
                mtu=props.transit_vif.mtu,
                tags={"Name": f"{props.name}-transit"},
            )

    @property
    def gateway_id(self) -> str:
        return self.gateway.id

    @property
    def connection_id(self) -> str:
        """The new port's resource ID, or the existing connection's ID as given."""
        return self._connection_id


@dataclass(frozen=True)
class DxTransitGatewayAssociationProps:
    """``allowed_prefixes`` the CIDRs advertised to on-premises through this transit gateway (at
    least one; keep them inside the VPCs behind it)."""

    allowed_prefixes: tuple[str, ...]

    def __post_init__(self):
        if not self.allowed_prefixes:
            raise ValueError("DxTransitGatewayAssociationProps.allowed_prefixes must list at least one CIDR")


class DxTransitGatewayAssociation(Construct):
    """Associate a Direct Connect gateway with ``transit_gateway``, then associate the resulting
    attachment with the gateway's route table and propagate the on-premises routes learned over
    BGP into it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dx_gateway_id: str,
        transit_gateway: TransitGateway,
        props: DxTransitGatewayAssociationProps,
    ):
        super().__init__(scope, construct_id)
        self.association = DxGatewayAssociation(
            self,
            "association",
            dx_gateway_id=dx_gateway_id,
            associated_gateway_id=transit_gateway.id,
            allowed_prefixes=list(props.allowed_prefixes),
            timeouts=DxGatewayAssociationTimeouts(
                create=ASSOCIATION_TIMEOUT, update=ASSOCIATION_TIMEOUT, delete=ASSOCIATION_TIMEOUT
            ),
        )
        attachment_id = self.association.transit_gateway_attachment_id
        Ec2TransitGatewayRouteTableAssociation(
            self,
            "route_table_association",
            transit_gateway_attachment_id=attachment_id,
            transit_gateway_route_table_id=transit_gateway.route_table_id,
        )
        Ec2TransitGatewayRouteTablePropagation(
            self,
            "route_table_propagation",
            transit_gateway_attachment_id=attachment_id,
            transit_gateway_route_table_id=transit_gateway.route_table_id,
        )

    @property
    def id(self) -> str:
        return self.association.id

    @property
    def attachment_id(self) -> str:
        """The transit gateway attachment the association created."""
        return self.association.transit_gateway_attachment_id
