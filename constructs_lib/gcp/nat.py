"""Cloud Router and Cloud NAT: outbound internet for private nodes, which have no external IPs."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_google.compute_router import ComputeRouter
from cdktf_cdktf_provider_google.compute_router_nat import (
    ComputeRouterNat,
    ComputeRouterNatLogConfig,
    ComputeRouterNatSubnetwork,
)
from constructs import Construct


@dataclass(frozen=True)
class CloudNatProps:
    """``name`` of the router and gateway; ``region`` of the subnet; ``log_filter`` which
    translations to log (default ERRORS_ONLY: dropped connections, not every flow);
    ``min_ports_per_vm`` source ports reserved per node (default 64, GKE's own default)."""

    name: str
    region: str
    log_filter: str = "ERRORS_ONLY"
    min_ports_per_vm: int = 64

    def __post_init__(self):
        if self.log_filter not in {"ERRORS_ONLY", "TRANSLATIONS_ONLY", "ALL"}:
            raise ValueError("CloudNatProps.log_filter must be ERRORS_ONLY, TRANSLATIONS_ONLY or ALL")


class CloudNat(Construct):
    """NAT only for the listed subnet (all its ranges: nodes and pods), with automatically
    allocated addresses and logging on; nothing else in the network gets a NAT path."""

    def __init__(
        self, scope: Construct, construct_id: str, *, network_id: str, subnetwork_id: str, props: CloudNatProps
    ):
        super().__init__(scope, construct_id)
        self.router = ComputeRouter(self, "router", name=props.name, region=props.region, network=network_id)
        self.nat = ComputeRouterNat(
            self,
            "nat",
            name=props.name,
            router=self.router.name,
            region=props.region,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
            subnetwork=[ComputeRouterNatSubnetwork(name=subnetwork_id, source_ip_ranges_to_nat=["ALL_IP_RANGES"])],
            min_ports_per_vm=props.min_ports_per_vm,
            log_config=ComputeRouterNatLogConfig(enable=True, filter=props.log_filter),
        )
