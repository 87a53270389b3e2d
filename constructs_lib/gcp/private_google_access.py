"""Private Google Access through ``restricted.googleapis.com``: every ``*.googleapis.com`` name
resolves, inside the cluster's VPC only, to the four addresses of 199.36.153.4/30, so pods and
nodes reach Google APIs at one small, fixed range. That range is what a NetworkPolicy can allow
instead of 0.0.0.0/0:443 (import ``RESTRICTED_GOOGLE_APIS_CIDR``).

``restricted.googleapis.com`` serves only the APIs VPC Service Controls supports (every API GKE
nodes use: container, logging, monitoring, storage, Artifact Registry) and enforces the project's
perimeter when there is one, so a workload's Google identity cannot reach a service VPC Service
Controls cannot fence (``private.googleapis.com`` would serve those too); the subnet must have Private Google Access on
(``PrivateNetwork`` sets it), and the VPC needs a route for the range to the default internet
gateway: the auto-created default route is one, and an explicit route is added so that removing
the default route (a common hardening step) does not cut the nodes off from Google APIs.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from cdktf_cdktf_provider_google.compute_route import ComputeRoute
from cdktf_cdktf_provider_google.dns_managed_zone import (
    DnsManagedZone,
    DnsManagedZonePrivateVisibilityConfig,
    DnsManagedZonePrivateVisibilityConfigNetworks,
)
from cdktf_cdktf_provider_google.dns_record_set import DnsRecordSet
from constructs import Construct

RESTRICTED_GOOGLE_APIS_CIDR = "199.36.153.4/30"
"""Google's ``restricted.googleapis.com`` range: the only destination pods need for Google APIs."""
RESTRICTED_GOOGLE_APIS_ADDRESSES = tuple(str(ip) for ip in ipaddress.IPv4Network(RESTRICTED_GOOGLE_APIS_CIDR))
"""199.36.153.4 to 199.36.153.7, the A records of ``restricted.googleapis.com``."""
GOOGLE_APIS_DOMAIN = "googleapis.com."
RESTRICTED_GOOGLE_APIS_NAME = f"restricted.{GOOGLE_APIS_DOMAIN}"
DEFAULT_INTERNET_GATEWAY = "default-internet-gateway"
RECORD_TTL = 300


@dataclass(frozen=True)
class PrivateGoogleAccessProps:
    """``name`` prefix of the zone and route (zone ``<name>-googleapis``, route
    ``<name>-restricted-google-apis``); ``route_priority`` of the explicit route (default 1000, the
    same as the default route; the more specific /30 wins either way)."""

    name: str
    route_priority: int = 1000


class PrivateGoogleAccess(Construct):
    """A private Cloud DNS zone ``googleapis.com.`` visible only to ``network_id``, with
    ``*.googleapis.com`` CNAME ``restricted.googleapis.com`` and ``restricted.googleapis.com`` A
    199.36.153.4-7, plus a route for 199.36.153.4/30 to the default internet gateway (traffic to
    these addresses stays on Google's network)."""

    def __init__(self, scope: Construct, construct_id: str, *, network_id: str, props: PrivateGoogleAccessProps):
        super().__init__(scope, construct_id)
        self.zone = DnsManagedZone(
            self,
            "zone",
            name=f"{props.name}-googleapis",
            dns_name=GOOGLE_APIS_DOMAIN,
            visibility="private",
            description=f"{props.name}: Google APIs through restricted.googleapis.com (Private Google Access)",
            private_visibility_config=DnsManagedZonePrivateVisibilityConfig(
                networks=[DnsManagedZonePrivateVisibilityConfigNetworks(network_url=network_id)]
            ),
        )
        self.wildcard = DnsRecordSet(
            self,
            "wildcard",
            managed_zone=self.zone.name,
            name=f"*.{GOOGLE_APIS_DOMAIN}",
            type="CNAME",
            ttl=RECORD_TTL,
            rrdatas=[RESTRICTED_GOOGLE_APIS_NAME],
        )
        self.restricted = DnsRecordSet(
            self,
            "restricted",
            managed_zone=self.zone.name,
            name=RESTRICTED_GOOGLE_APIS_NAME,
            type="A",
            ttl=RECORD_TTL,
            rrdatas=list(RESTRICTED_GOOGLE_APIS_ADDRESSES),
        )
        self.route = ComputeRoute(
            self,
            "route",
            name=f"{props.name}-restricted-google-apis",
            network=network_id,
            dest_range=RESTRICTED_GOOGLE_APIS_CIDR,
            next_hop_gateway=DEFAULT_INTERNET_GATEWAY,
            priority=props.route_priority,
            description="restricted.googleapis.com through the default internet gateway (stays on Google's network)",
        )
