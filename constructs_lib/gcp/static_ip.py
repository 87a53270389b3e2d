"""A reserved regional external IP address: a stable front door that survives Service re-creation."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_google.compute_address import ComputeAddress
from constructs import Construct


@dataclass(frozen=True)
class StaticIpProps:
    """``name`` and ``description`` of the address in ``region``; Premium tier (Google's network
    end to end, required for regional external passthrough load balancers in most setups)."""

    name: str
    region: str
    description: str
    network_tier: str = "PREMIUM"


class StaticIp(Construct):
    """One regional EXTERNAL IPv4 address, reserved so a LoadBalancer Service can claim it."""

    def __init__(self, scope: Construct, construct_id: str, *, props: StaticIpProps):
        super().__init__(scope, construct_id)
        self.resource = ComputeAddress(
            self,
            "address",
            name=props.name,
            region=props.region,
            address_type="EXTERNAL",
            ip_version="IPV4",
            network_tier=props.network_tier,
            description=props.description,
        )

    @property
    def address(self) -> str:
        return self.resource.address
