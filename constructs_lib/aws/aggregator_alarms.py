"""Alarms on the aggregators' Route 53 health checks: one per aggregator (unreachable), and one
for the federation as a whole (no aggregator reachable).

Route 53 publishes ``AWS/Route53 HealthCheckStatus`` (1 healthy, 0 unhealthy; one data point a
minute) only in us-east-1, so these alarms and the topic they notify live there. The failover
record follows exactly the primary's health check, so what the primary's ALARM means depends on
what the SuperNodes dial (``dial_name``, decided by the stack): when they dial the failover name
itself, ALARM means "Route 53 now answers with the secondary and the SuperNodes follow" and OK
"failed back"; when they dial the primary's static IP (``dial_name`` None, the default until the
zone answers), nothing follows the record and ALARM means "the federation has stopped"; a name
of the user's own follows only if it resolves through the failover name. Both transitions notify
(alarm and OK actions). A separate alarm on the same metric would only send the same news twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_composite_alarm import CloudwatchCompositeAlarm
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from constructs import Construct

HEALTH_CHECK_REGION = "us-east-1"
"""The only region with Route 53 health-check metrics."""


@dataclass(frozen=True)
class AggregatorTarget:
    """An aggregator as its alarm sees it: the ``cluster`` name, its ``role`` (primary or
    secondary) and its Route 53 ``health_check_id`` (a token from the dns stack)."""

    cluster: str
    role: str
    health_check_id: str


class AggregatorAlarms(Construct):
    """``alarms`` by cluster name, plus ``all_down`` (a composite alarm) when there are two."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        aggregators: list[AggregatorTarget],
        actions: list[str],
        detection_seconds: int,
        failover_name: str,
        dial_name: str | None,
    ):
        """``failover_name``: the Route 53 failover record; ``dial_name``: the name every SuperNode
        dials (None: the primary's static IP)."""
        super().__init__(scope, construct_id)
        common = {"region": HEALTH_CHECK_REGION, "alarm_actions": actions, "ok_actions": actions}
        self.alarms: dict[str, CloudwatchMetricAlarm] = {}
        for target in aggregators:
            failover = (
                _primary_meaning(failover_name, dial_name) if target.role == "primary" and len(aggregators) > 1 else ""
            )
            self.alarms[target.cluster] = CloudwatchMetricAlarm(
                self,
                f"unreachable_{target.cluster}",
                alarm_name=f"{name}-{target.cluster}-aggregator-unreachable",
                alarm_description=(
                    f"The {target.role} aggregator {target.cluster} fails its Route 53 health check "
                    f"(AWS/Route53 HealthCheckStatus < 1, detected within about {detection_seconds} s).{failover}"
                ),
                namespace="AWS/Route53",
                metric_name="HealthCheckStatus",
                dimensions={"HealthCheckId": target.health_check_id},
                statistic="Minimum",
                period=60,
                evaluation_periods=1,
                comparison_operator="LessThanThreshold",
                threshold=1,
                treat_missing_data="breaching",
                **common,
            )
        self.all_down = None
        if len(aggregators) > 1:
            rule = " AND ".join(f'ALARM("{alarm.alarm_name}")' for alarm in self.alarms.values())
            self.all_down = CloudwatchCompositeAlarm(
                self,
                "all_down",
                alarm_name=f"{name}-no-aggregator-reachable",
                alarm_description="Every aggregator fails its health check: no SuperNode can reach the federation.",
                alarm_rule=rule,
                depends_on=list(self.alarms.values()),
                **common,
            )


def _primary_meaning(failover_name: str, dial_name: str | None) -> str:
    """What the primary's ALARM and OK mean for the SuperNodes, by what they dial."""
    if dial_name == failover_name:
        return (
            f" Route 53 now answers {failover_name} with the secondary and the SuperNodes follow it "
            "(DNS failed over); OK: the primary is back and the name points at it again (failed back)."
        )
    if dial_name is None:
        return (
            " The SuperNodes dial the primary's static IP, not a DNS name, so they do not fail over: "
            f"until OK the federation has stopped (Route 53 answers {failover_name} with the secondary, "
            "but no SuperNode dials it; set dns.parent_zone_id or dns.delegated to let them follow)."
        )
    return (
        f" Route 53 now answers {failover_name} with the secondary; the SuperNodes dial {dial_name}, "
        f"which follows only if it resolves through {failover_name}."
    )
