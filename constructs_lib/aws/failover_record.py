"""One DNS name that follows the healthy endpoint: a Route 53 failover pair of A records."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.route53_record import Route53Record, Route53RecordFailoverRoutingPolicy
from constructs import Construct


@dataclass(frozen=True)
class FailoverTarget:
    """One endpoint of the pair: ``ip`` (literal or token), the ``health_check_id`` that decides
    whether Route 53 answers with it, and ``set_identifier`` (unique among the name's records)."""

    ip: str
    health_check_id: str
    set_identifier: str


@dataclass(frozen=True)
class FailoverRecordProps:
    """``name`` is the fully qualified record name; ``ttl`` 1..300 s (default 60), since resolvers
    keep answering with a failed endpoint for up to one TTL after Route 53 switches."""

    name: str
    ttl: int = 60

    def __post_init__(self):
        if not 1 <= self.ttl <= 300:
            raise ValueError("FailoverRecordProps.ttl must be between 1 and 300 seconds (failover needs a short TTL)")


class FailoverRecord(Construct):
    """``name`` answers with ``primary`` while its health check passes, else with ``secondary``:
    two A records with the same name and type, failover roles PRIMARY and SECONDARY, distinct set
    identifiers, each with its own health check.

    Without a ``secondary`` there is nothing to fail over to, so ``name`` is a simple A record
    (Route 53 ignores health checks on simple records; the check still measures the endpoint).
    Both shapes keep the primary under the same resource address, and the secondary waits for the
    primary: adding a secondary later changes the primary in place (the provider deletes the
    simple record and creates the PRIMARY one in one atomic Route 53 change) before the SECONDARY
    is created, so the name never stops resolving."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        zone_id: str,
        primary: FailoverTarget,
        secondary: FailoverTarget | None,
        props: FailoverRecordProps,
    ):
        super().__init__(scope, construct_id)
        if secondary is not None and secondary.set_identifier == primary.set_identifier:
            raise ValueError("FailoverRecord primary and secondary need distinct set identifiers")
        self.name = props.name
        if secondary is None:
            self.primary = Route53Record(
                self, "primary", zone_id=zone_id, name=props.name, type="A", ttl=props.ttl, records=[primary.ip]
            )
            self.secondary = None
            return
        self.primary = self._record(zone_id, props, primary, "PRIMARY")
        self.secondary = self._record(zone_id, props, secondary, "SECONDARY", depends_on=[self.primary])

    def _record(self, zone_id: str, props: FailoverRecordProps, target: FailoverTarget, role: str, depends_on=None):
        return Route53Record(
            self,
            role.lower(),
            zone_id=zone_id,
            name=props.name,
            type="A",
            ttl=props.ttl,
            records=[target.ip],
            set_identifier=target.set_identifier,
            failover_routing_policy=Route53RecordFailoverRoutingPolicy(type=role),
            health_check_id=target.health_check_id,
            depends_on=depends_on,
        )
