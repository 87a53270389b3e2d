"""A public Route 53 hosted zone: the authority for a domain the federation owns."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.route53_zone import Route53Zone
from constructs import Construct


@dataclass(frozen=True)
class PublicHostedZoneProps:
    """``domain`` without the trailing dot (e.g. ``federated.example.com``); ``comment`` shows in
    the console. ``force_destroy`` stays off: deleting the zone must not silently delete records
    someone else added."""

    domain: str
    comment: str
    force_destroy: bool = False

    def __post_init__(self):
        if not self.domain or self.domain.endswith(".") or self.domain != self.domain.lower():
            raise ValueError("PublicHostedZoneProps.domain must be a lowercase DNS name without the trailing dot")


class PublicHostedZone(Construct):
    """The zone itself. Sign it with ``ZoneSigning`` and log its queries with ``ZoneQueryLogging``;
    delegate to it by copying ``name_servers`` into the parent zone's NS record."""

    def __init__(self, scope: Construct, construct_id: str, *, props: PublicHostedZoneProps):
        super().__init__(scope, construct_id)
        self.domain = props.domain
        self.zone = Route53Zone(
            self, "zone", name=props.domain, comment=props.comment, force_destroy=props.force_destroy
        )

    @property
    def zone_id(self) -> str:
        return self.zone.zone_id

    @property
    def arn(self) -> str:
        """``arn:<partition>:route53:::hostedzone/<id>``: the source ARN services act on behalf of."""
        return self.zone.arn

    @property
    def name_servers(self) -> list[str]:
        """The four Route 53 name servers to delegate to from the parent zone."""
        return self.zone.name_servers
