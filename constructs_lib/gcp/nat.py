"""Cloud Router and Cloud NAT: outbound internet for private nodes, which have no external IPs,
from addresses reserved here, so partners and the aggregators' firewalls can allow-list them."""

from __future__ import annotations

import math
from dataclasses import dataclass

from cdktf_cdktf_provider_google.compute_address import ComputeAddress
from cdktf_cdktf_provider_google.compute_router import ComputeRouter
from cdktf_cdktf_provider_google.compute_router_nat import (
    ComputeRouterNat,
    ComputeRouterNatLogConfig,
    ComputeRouterNatSubnetwork,
)
from constructs import Construct

PORTS_PER_NAT_IP = 64_512
"""Source ports Cloud NAT can hand out per external address (1024-65535)."""
MIN_NAT_IPS = 2
"""Never fewer than two: one address's worth of headroom for node surges (surge upgrades add a
node; a create-before-destroy pool replacement doubles the nodes for a while) and for raising
``min_ports_per_vm`` later, without waiting for an address change that partners must re-allow."""


def nat_ip_count(max_vms: int, min_ports_per_vm: int) -> int:
    """Addresses needed so ``max_vms`` nodes each get ``min_ports_per_vm`` ports, at least
    ``MIN_NAT_IPS``. Example: 9 nodes x 64 ports = 576 of 64,512 ports on one address, so the
    floor of 2 applies; 3,000 nodes x 64 = 192,000 ports need 3 addresses. Depends only on the
    props, so the same spec always reserves the same addresses."""
    return max(MIN_NAT_IPS, math.ceil(max_vms * min_ports_per_vm / PORTS_PER_NAT_IP))


@dataclass(frozen=True)
class CloudNatProps:
    """``name`` of the router, gateway and (suffixed ``-<n>``) reserved addresses; ``region`` of
    the subnet; ``max_vms`` the most nodes the subnet can run (sizes the address pool);
    ``log_filter`` which translations to log (default ERRORS_ONLY: dropped connections, not every
    flow); ``min_ports_per_vm`` source ports reserved per node (default 64, GKE's own default)."""

    name: str
    region: str
    max_vms: int = 1
    log_filter: str = "ERRORS_ONLY"
    min_ports_per_vm: int = 64

    def __post_init__(self):
        if self.log_filter not in {"ERRORS_ONLY", "TRANSLATIONS_ONLY", "ALL"}:
            raise ValueError("CloudNatProps.log_filter must be ERRORS_ONLY, TRANSLATIONS_ONLY or ALL")
        if self.max_vms < 1:
            raise ValueError("CloudNatProps.max_vms must be at least 1")

    @property
    def address_count(self) -> int:
        return nat_ip_count(self.max_vms, self.min_ports_per_vm)


class CloudNat(Construct):
    """NAT only for the listed subnet (all its ranges: nodes and pods), from ``address_count``
    reserved regional external addresses (MANUAL_ONLY: traffic never leaves from an address
    outside that list), with logging on; nothing else in the network gets a NAT path."""

    def __init__(
        self, scope: Construct, construct_id: str, *, network_id: str, subnetwork_id: str, props: CloudNatProps
    ):
        super().__init__(scope, construct_id)
        self.addresses = [
            ComputeAddress(
                self,
                f"address_{index}",
                name=f"{props.name}-{index}",
                region=props.region,
                address_type="EXTERNAL",
                ip_version="IPV4",
                network_tier="PREMIUM",
                description=f"Cloud NAT egress address {index} of {props.name}",
            )
            for index in range(props.address_count)
        ]
        self.router = ComputeRouter(self, "router", name=props.name, region=props.region, network=network_id)
        self.nat = ComputeRouterNat(
            self,
            "nat",
            name=props.name,
            router=self.router.name,
            region=props.region,
            nat_ip_allocate_option="MANUAL_ONLY",
            nat_ips=[address.self_link for address in self.addresses],
            source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
            subnetwork=[ComputeRouterNatSubnetwork(name=subnetwork_id, source_ip_ranges_to_nat=["ALL_IP_RANGES"])],
            min_ports_per_vm=props.min_ports_per_vm,
            log_config=ComputeRouterNatLogConfig(enable=True, filter=props.log_filter),
        )

    @property
    def ip_addresses(self) -> list[str]:
        """The reserved egress addresses (tokens), in index order."""
        return [address.address for address in self.addresses]
