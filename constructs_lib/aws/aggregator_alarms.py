"""Alarms on the aggregators' Route 53 health checks: one per aggregator (unreachable), and one
for the federation as a whole (no aggregator reachable).

Route 53 publishes ``AWS/Route53 HealthCheckStatus`` (1 healthy, 0 unhealthy; one data point a
minute) only in us-east-1, so these alarms and the topic they notify live there. The primary's
alarm is also the failover signal: the failover record follows exactly that health check, so
its ALARM means "Route 53 now answers with the secondary" and its OK means "failed back"; both
transitions notify (alarm and OK actions). A separate alarm on the same metric would only send
the same news twice.
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
    ):
        super().__init__(scope, construct_id)
        common = {"region": HEALTH_CHECK_REGION, "alarm_actions": actions, "ok_actions": actions}
        self.alarms: dict[str, CloudwatchMetricAlarm] = {}
        for target in aggregators:
            failover = (
                " Route 53 now answers with the secondary (DNS failed over); OK: the primary is back and "
                "the name points at it again (failed back)."
                if target.role == "primary" and len(aggregators) > 1
                else ""
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
