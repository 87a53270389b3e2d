"""Delegate a signed child zone from its parent zone in the same account: the NS and DS records
that make the child's names resolve (and validate) right after the apply that creates them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable, Postcondition, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.data_aws_route53_zone import DataAwsRoute53Zone
from cdktf_cdktf_provider_aws.route53_record import Route53Record
from constructs import Construct


@dataclass(frozen=True)
class ZoneDelegationProps:
    """``parent_zone_id`` is the Route 53 zone that holds the delegation and ``parent_zone_name``
    the name it must have, ``domain`` the child zone's name (fully qualified, no trailing dot,
    under ``parent_zone_name``); ``ttl`` of both records in seconds (an hour:
    a wrong delegation is corrected within one, and the child's own records keep their short
    TTLs)."""

    parent_zone_id: str
    domain: str
    parent_zone_name: str
    ttl: int = 3600

    def __post_init__(self):
        if not self.parent_zone_id.startswith("Z"):
            raise ValueError("ZoneDelegationProps.parent_zone_id must be a Route 53 hosted zone ID (Z...)")
        if not self.domain or self.domain.endswith("."):
            raise ValueError("ZoneDelegationProps.domain must be a DNS name without the trailing dot")
        if not self.domain.endswith("." + self.parent_zone_name):
            raise ValueError("ZoneDelegationProps.domain must lie under parent_zone_name")


class ZoneDelegation(Construct):
    """An NS record (``name_servers`` of the child) and a DS record (``ds_record`` of its
    key-signing key) named ``domain`` in the parent zone.

    Both wait for ``signed`` (the resource that turns DNSSEC signing on, e.g.
    ``aws_route53_hosted_zone_dnssec``): a DS record that points at an unsigned zone makes every
    validating resolver answer SERVFAIL, and a delegation published before signing lets resolvers
    cache unsigned answers that the DS record then turns bogus. AWS's order is the same: enable
    signing, then establish the chain of trust
    (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-configuring-dnssec-enable-signing.html).
    On destroy Terraform removes them first, which is AWS's order for disabling signing.

    The parent zone is read first (``parent``, a data source with a postcondition on its name):
    a zone ID that does not exist, is private, or names another zone fails the *plan*, before
    the child zone, its key and its signing exist, instead of failing the apply half-way
    (``NoSuchHostedZone``, or ``InvalidChangeBatch`` "not permitted in zone")."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_servers: Sequence[str],
        ds_record: str,
        signed: Sequence[ITerraformDependable],
        props: ZoneDelegationProps,
    ):
        super().__init__(scope, construct_id)
        self.parent = DataAwsRoute53Zone(
            self,
            "parent",
            zone_id=props.parent_zone_id,
            lifecycle=TerraformResourceLifecycle(
                postcondition=[
                    Postcondition(
                        condition=f'trimsuffix(self.name, ".") == "{props.parent_zone_name}" && !self.private_zone',
                        error_message=(
                            f"dns.parent_zone_id {props.parent_zone_id} must be the public hosted zone "
                            f"{props.parent_zone_name}, the parent of {props.domain}"
                        ),
                    )
                ]
            ),
        )
        common = {"zone_id": self.parent.zone_id, "name": props.domain, "ttl": props.ttl, "depends_on": list(signed)}
        self.ns = Route53Record(self, "ns", type="NS", records=name_servers, **common)
        self.ds = Route53Record(self, "ds", type="DS", records=[ds_record], **common)
