"""Alarms on one AWS member site: its SuperNode service running fewer tasks than desired, its
SuperNode restarting (in its container by the supervisor, or by task replacement), and Flower refusing it or failing a run (metric filters on its log group).

Everything lives in the site's region (``region`` on every resource): Container Insights writes
``ECS/ContainerInsights`` there and the log group is there. Each alarm notifies ``actions`` (SNS
topics of that region) on ALARM and on OK.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_metric_filter import (
    CloudwatchLogMetricFilter,
    CloudwatchLogMetricFilterMetricTransformation,
)
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from constructs import Construct

from constructs_lib.monitoring.flower_logs import (
    NODE_REFUSALS,
    RUN_FAILURES,
    SUPERNODE_RESTARTS,
    SUPERNODE_STARTS,
    LogSignal,
)

CONTAINER_INSIGHTS = "ECS/ContainerInsights"


@dataclass(frozen=True)
class SiteAlarmProps:
    """``site`` (e.g. ``aws-us-west-2``), ``name`` prefix of alarm and filter names, ``region``,
    the metric ``namespace`` the log metric filters write to, and the thresholds: ``window_minutes``
    (1..60), ``restarts`` (the restarts alarm fires at this many SuperNode restarts within the
    window; see ``SiteAlarms``) and
    ``flower_errors`` (refusal or run-failure lines within the window)."""

    site: str
    name: str
    region: str
    namespace: str
    window_minutes: int = 5
    restarts: int = 2
    flower_errors: int = 1

    def __post_init__(self):
        if not 1 <= self.window_minutes <= 60:
            raise ValueError("SiteAlarmProps.window_minutes must be between 1 and 60")


def metric_name(signal: LogSignal, site: str) -> str:
    """The log metric a site's filter writes: ``<signal>-<site>`` (e.g. ``node_refusals-aws-us-west-2``)."""
    return f"{signal.key}-{site}"


class SiteAlarms(Construct):
    """Alarms of one member site, exposed as ``alarms`` (key -> resource) and ``metrics``
    (signal key -> metric name in ``props.namespace``)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_name: str,
        service_name: str,
        log_group_name: str,
        actions: list[str],
        props: SiteAlarmProps,
    ):
        super().__init__(scope, construct_id)
        self.metrics: dict[str, str] = {}
        for signal in (NODE_REFUSALS, RUN_FAILURES, SUPERNODE_STARTS, SUPERNODE_RESTARTS):
            self.metrics[signal.key] = metric_name(signal, props.site)
            CloudwatchLogMetricFilter(
                self,
                f"filter_{signal.key}",
                region=props.region,
                name=f"{props.name}-{signal.key}",
                log_group_name=log_group_name,
                pattern=signal.cloudwatch_pattern(),
                metric_transformation=CloudwatchLogMetricFilterMetricTransformation(
                    name=self.metrics[signal.key], namespace=props.namespace, value="1", default_value="0"
                ),
            )
        window = props.window_minutes
        common = {"region": props.region, "alarm_actions": actions, "ok_actions": actions}
        self.alarms: dict[str, CloudwatchMetricAlarm] = {}
        dimensions = {"ClusterName": cluster_name, "ServiceName": service_name}
        self.alarms["tasks_below_desired"] = CloudwatchMetricAlarm(
            self,
            "tasks_below_desired",
            alarm_name=f"{props.name}-supernode-tasks-below-desired",
            alarm_description=(
                f"{props.site}: the SuperNode service runs fewer tasks than desired for {window} min "
                f"({CONTAINER_INSIGHTS} DesiredTaskCount - RunningTaskCount > 0; no data counts as down)"
            ),
            comparison_operator="GreaterThanThreshold",
            threshold=0,
            evaluation_periods=window,
            datapoints_to_alarm=window,
            treat_missing_data="breaching",
            metric_query=[
                _metric("running", "RunningTaskCount", dimensions),
                _metric("desired", "DesiredTaskCount", dimensions),
                CloudwatchMetricAlarmMetricQuery(
                    id="missing", expression="desired - FILL(running, 0)", label="tasks missing", return_data=True
                ),
            ],
            **common,
        )
        self.alarms["restarts"] = self._restarts_alarm(props, common)
        self.alarms["node_refusals"] = self._log_alarm(
            "node_refusals",
            props,
            NODE_REFUSALS,
            threshold=props.flower_errors - 1,
            description=(
                f"{props.site}: Flower refused this SuperNode (unregistered key, self-registration or TLS "
                f"verification failure) at least {props.flower_errors} times in {window} min"
            ),
            common=common,
        )
        self.alarms["run_failures"] = self._log_alarm(
            "run_failures",
            props,
            RUN_FAILURES,
            threshold=props.flower_errors - 1,
            description=(
                f"{props.site}: a Flower run failed at this site (ClientApp raised an exception) "
                f"at least {props.flower_errors} times in {window} min"
            ),
            common=common,
        )

    def _restarts_alarm(self, props: SiteAlarmProps, common: dict) -> CloudwatchMetricAlarm:
        """At least ``restarts`` SuperNode restarts within the window, the meaning GKE's restart
        policies share. A restart is either the supervisor restarting flower-supernode in its
        container (one ``restarting in`` line each, exact) or ECS replacing the task (no such
        line; only its ``Starting Flower SuperNode`` line shows). Start lines over-count restarts
        by the window's first start when the task started inside the window, and a DNS reconnect
        also starts the SuperNode, so ``starts - 1`` never exceeds the restarts (reconnects
        included): the alarm takes the larger of the two lower bounds. It is exact for in-container
        restarts; task replacements alone need one more (``restarts + 1`` starts) unless the task
        first started in the window."""
        window = props.window_minutes
        queries = [
            _log_metric("restarts", props.namespace, self.metrics[SUPERNODE_RESTARTS.key], window),
            _log_metric("starts", props.namespace, self.metrics[SUPERNODE_STARTS.key], window),
            CloudwatchMetricAlarmMetricQuery(
                id="restarted",
                expression="MAX([FILL(restarts, 0), FILL(starts, 0) - 1])",
                label="SuperNode restarts (at least)",
                return_data=True,
            ),
        ]
        return CloudwatchMetricAlarm(
            self,
            "restarts",
            alarm_name=f"{props.name}-restarts",
            alarm_description=(
                f"{props.site}: at least {props.restarts} SuperNode restarts within {window} min: the supervisor "
                f"restarted flower-supernode {props.restarts} times (its 'exited with ...; restarting in' line), "
                f"or the SuperNode started {props.restarts + 1} times (its task keeps being replaced)"
            ),
            comparison_operator="GreaterThanOrEqualToThreshold",
            threshold=props.restarts,
            evaluation_periods=1,
            treat_missing_data="notBreaching",
            metric_query=queries,
            **common,
        )

    def _log_alarm(self, key, props, signal, *, threshold, description, common) -> CloudwatchMetricAlarm:
        """Sum of a log metric over the window above ``threshold`` (the window is one period: the
        alarm is evaluated every minute over the last ``window_minutes``)."""
        return CloudwatchMetricAlarm(
            self,
            key,
            alarm_name=f"{props.name}-{key.replace('_', '-')}",
            alarm_description=description,
            namespace=props.namespace,
            metric_name=self.metrics[signal.key],
            statistic="Sum",
            period=props.window_minutes * 60,
            evaluation_periods=1,
            comparison_operator="GreaterThanThreshold",
            threshold=threshold,
            treat_missing_data="notBreaching",
            **common,
        )


def _metric(query_id: str, name: str, dimensions: dict[str, str]) -> CloudwatchMetricAlarmMetricQuery:
    return CloudwatchMetricAlarmMetricQuery(
        id=query_id,
        metric=CloudwatchMetricAlarmMetricQueryMetric(
            namespace=CONTAINER_INSIGHTS, metric_name=name, dimensions=dimensions, period=60, stat="Average"
        ),
    )


def _log_metric(query_id: str, namespace: str, name: str, window_minutes: int) -> CloudwatchMetricAlarmMetricQuery:
    """A member site's log metric, summed over the alarm window."""
    return CloudwatchMetricAlarmMetricQuery(
        id=query_id,
        metric=CloudwatchMetricAlarmMetricQueryMetric(
            namespace=namespace, metric_name=name, period=window_minutes * 60, stat="Sum"
        ),
    )
