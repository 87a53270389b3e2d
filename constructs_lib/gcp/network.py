"""A custom-mode VPC with one regional subnet for a GKE cluster: secondary ranges for pods and
services, Private Google Access, and VPC flow logs."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_google.compute_network import ComputeNetwork
from cdktf_cdktf_provider_google.compute_subnetwork import (
    ComputeSubnetwork,
    ComputeSubnetworkLogConfig,
    ComputeSubnetworkSecondaryIpRange,
)
from constructs import Construct

PODS_RANGE = "pods"
SERVICES_RANGE = "services"


@dataclass(frozen=True)
class PrivateNetworkProps:
    """``name`` of the VPC and subnet; ``cidr`` the node (primary) range; ``pods_cidr`` and
    ``services_cidr`` the secondary ranges GKE allocates pod and Service IPs from. Flow logs sample
    ``flow_sampling`` of flows (default 0.5) aggregated every ``flow_log_interval`` (default 5 s)
    with all metadata, so denied and cross-cloud traffic can be investigated."""

    name: str
    region: str
    cidr: str
    pods_cidr: str
    services_cidr: str
    flow_sampling: float = 0.5
    flow_log_interval: str = "INTERVAL_5_SEC"

    def __post_init__(self):
        if not 0 < self.flow_sampling <= 1:
            raise ValueError("PrivateNetworkProps.flow_sampling must be in (0, 1]")


class PrivateNetwork(Construct):
    """No auto-created subnets (no default ranges in every region), regional dynamic routing, and
    one subnet whose nodes reach Google APIs privately (no external IPs needed)."""

    def __init__(self, scope: Construct, construct_id: str, *, props: PrivateNetworkProps):
        super().__init__(scope, construct_id)
        self.network = ComputeNetwork(
            self,
            "network",
            name=props.name,
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            description=f"{props.name}: private GKE network",
        )
        self.subnetwork = ComputeSubnetwork(
            self,
            "subnetwork",
            name=props.name,
            region=props.region,
            network=self.network.id,
            ip_cidr_range=props.cidr,
            stack_type="IPV4_ONLY",
            private_ip_google_access=True,
            secondary_ip_range=[
                ComputeSubnetworkSecondaryIpRange(range_name=PODS_RANGE, ip_cidr_range=props.pods_cidr),
                ComputeSubnetworkSecondaryIpRange(range_name=SERVICES_RANGE, ip_cidr_range=props.services_cidr),
            ],
            log_config=ComputeSubnetworkLogConfig(
                aggregation_interval=props.flow_log_interval,
                flow_sampling=props.flow_sampling,
                metadata="INCLUDE_ALL_METADATA",
            ),
        )
        self.pods_range_name = PODS_RANGE
        self.services_range_name = SERVICES_RANGE

    @property
    def network_id(self) -> str:
        return self.network.id

    @property
    def network_name(self) -> str:
        return self.network.name

    @property
    def subnetwork_id(self) -> str:
        return self.subnetwork.id

    @property
    def subnetwork_self_link(self) -> str:
        return self.subnetwork.self_link
