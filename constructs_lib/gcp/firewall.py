"""The network's own firewall baseline: cluster-internal traffic allowed, all other ingress denied
and logged. GKE adds the rules its control plane and load balancers need on top."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_google.compute_firewall import (
    ComputeFirewall,
    ComputeFirewallAllow,
    ComputeFirewallDeny,
    ComputeFirewallLogConfig,
)
from constructs import Construct

DENY_PRIORITY = 65534
"""Just above GCP's implied deny-ingress (65535), so a logged, explicit deny sits under every allow."""


@dataclass(frozen=True)
class BaselineFirewallProps:
    """``name`` prefixes the rules; ``internal_ranges`` (the node and pod ranges) may reach nodes
    tagged ``target_tag`` on any TCP/UDP port and ICMP; everything else inbound is denied."""

    name: str
    internal_ranges: tuple[str, ...]
    target_tag: str

    def __post_init__(self):
        if not self.internal_ranges:
            raise ValueError("BaselineFirewallProps.internal_ranges must name at least one range")
        if any(cidr.endswith("/0") for cidr in self.internal_ranges):
            raise ValueError("BaselineFirewallProps.internal_ranges must not contain a /0 (that is the internet)")


class BaselineFirewall(Construct):
    """Two ingress rules: allow cluster-internal traffic to the nodes, deny (and log) the rest.
    No rule admits the internet; egress follows GCP's default (out through Cloud NAT)."""

    def __init__(self, scope: Construct, construct_id: str, *, network: str, props: BaselineFirewallProps):
        super().__init__(scope, construct_id)
        self.allow_internal = ComputeFirewall(
            self,
            "allow_internal",
            name=f"{props.name}-allow-internal",
            network=network,
            description="Node and pod ranges of the cluster to its nodes",
            direction="INGRESS",
            priority=1000,
            source_ranges=list(props.internal_ranges),
            target_tags=[props.target_tag],
            allow=[
                ComputeFirewallAllow(protocol="tcp"),
                ComputeFirewallAllow(protocol="udp"),
                ComputeFirewallAllow(protocol="icmp"),
            ],
        )
        self.deny_ingress = ComputeFirewall(
            self,
            "deny_ingress",
            name=f"{props.name}-deny-ingress",
            network=network,
            description="Deny and log every ingress no higher-priority rule allows",
            direction="INGRESS",
            priority=DENY_PRIORITY,
            source_ranges=["0.0.0.0/0"],
            deny=[ComputeFirewallDeny(protocol="all")],
            log_config=ComputeFirewallLogConfig(metadata="INCLUDE_ALL_METADATA"),
        )
