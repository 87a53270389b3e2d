"""A Route 53 health check of one endpoint, addressed by IP."""

from __future__ import annotations

from dataclasses import dataclass, field

from cdktf_cdktf_provider_aws.route53_health_check import Route53HealthCheck
from constructs import Construct

CHECK_TYPES = frozenset({"TCP", "HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH"})
HTTP_TYPES = CHECK_TYPES - {"TCP"}
STRING_MATCH_TYPES = frozenset({"HTTP_STR_MATCH", "HTTPS_STR_MATCH"})
REQUEST_INTERVALS = frozenset({10, 30})
CHECKER_REGIONS = frozenset(
    {
        "us-east-1",
        "us-west-1",
        "us-west-2",
        "eu-west-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "sa-east-1",
    }
)


@dataclass(frozen=True)
class EndpointHealthCheckProps:
    """``name`` (the console's Name tag); ``type`` TCP, HTTP, HTTPS, HTTP_STR_MATCH or
    HTTPS_STR_MATCH (default TCP); ``port`` 1..65535; ``failure_threshold`` 1..10 (default 3)
    consecutive failures ``request_interval`` 10 or 30 s apart (default 30) mark it unhealthy;
    ``resource_path`` only for HTTP types; ``search_string`` required for (and only for) the
    ``*_STR_MATCH`` types; ``regions`` at least three checker regions (default: all);
    ``measure_latency`` off by default (it cannot be changed later and costs extra)."""

    name: str
    port: int
    type: str = "TCP"
    failure_threshold: int = 3
    request_interval: int = 30
    resource_path: str | None = None
    search_string: str | None = None
    regions: tuple[str, ...] = field(default_factory=lambda: tuple(sorted(CHECKER_REGIONS)))
    measure_latency: bool = False

    def __post_init__(self):
        if self.type not in CHECK_TYPES:
            raise ValueError(f"EndpointHealthCheckProps.type must be one of {sorted(CHECK_TYPES)}")
        if not 1 <= self.port <= 65535:
            raise ValueError("EndpointHealthCheckProps.port must be between 1 and 65535")
        if not 1 <= self.failure_threshold <= 10:
            raise ValueError("EndpointHealthCheckProps.failure_threshold must be between 1 and 10")
        if self.request_interval not in REQUEST_INTERVALS:
            raise ValueError("EndpointHealthCheckProps.request_interval must be 10 or 30")
        if self.resource_path is not None and self.type not in HTTP_TYPES:
            raise ValueError("EndpointHealthCheckProps.resource_path needs an HTTP or HTTPS type")
        if (self.search_string is not None) != (self.type in STRING_MATCH_TYPES):
            raise ValueError("EndpointHealthCheckProps.search_string goes with (and only with) the *_STR_MATCH types")
        if len(set(self.regions)) < 3 or not set(self.regions) <= CHECKER_REGIONS:
            raise ValueError(f"EndpointHealthCheckProps.regions must name at least 3 of {sorted(CHECKER_REGIONS)}")


class EndpointHealthCheck(Construct):
    """Probes ``ip_address`` (a literal or a token, e.g. a reserved static IP from another stack)
    from the Route 53 health checkers. Attach ``id`` to the records that should follow it. The
    endpoint must accept the checkers' source ranges (the ``ROUTE53_HEALTHCHECKS`` service in
    AWS's ip-ranges.json)."""

    def __init__(self, scope: Construct, construct_id: str, *, ip_address: str, props: EndpointHealthCheckProps):
        super().__init__(scope, construct_id)
        self.resource = Route53HealthCheck(
            self,
            "check",
            type=props.type,
            ip_address=ip_address,
            port=props.port,
            failure_threshold=props.failure_threshold,
            request_interval=props.request_interval,
            resource_path=props.resource_path,
            search_string=props.search_string,
            regions=list(props.regions),
            measure_latency=props.measure_latency,
            tags={"Name": props.name},
        )

    @property
    def id(self) -> str:
        return self.resource.id
