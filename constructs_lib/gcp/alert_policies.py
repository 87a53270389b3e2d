"""Cloud Monitoring alert policies and e-mail notification channels.

Every policy notifies its ``channels`` when it opens and when it closes (Cloud Monitoring's
default), closes by itself after ``AUTO_CLOSE`` without data, and carries its meaning in
``documentation`` (what the inventory and the notification show).
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_google.monitoring_alert_policy import (
    MonitoringAlertPolicy,
    MonitoringAlertPolicyAlertStrategy,
    MonitoringAlertPolicyConditions,
    MonitoringAlertPolicyConditionsConditionAbsent,
    MonitoringAlertPolicyConditionsConditionAbsentAggregations,
    MonitoringAlertPolicyConditionsConditionThreshold,
    MonitoringAlertPolicyConditionsConditionThresholdAggregations,
    MonitoringAlertPolicyDocumentation,
)
from cdktf_cdktf_provider_google.monitoring_notification_channel import MonitoringNotificationChannel
from constructs import Construct

AUTO_CLOSE = "1800s"


def email_channels(scope: Construct, *, project: str, name: str, emails: list[str], depends_on=()) -> list[str]:
    """One e-mail channel per address (no verification needed); their resource names."""
    return [
        MonitoringNotificationChannel(
            scope,
            f"email_{i}",
            project=project,
            type="email",
            display_name=f"{name}: {email}",
            labels={"email_address": email},
            depends_on=list(depends_on),
        ).name
        for i, email in enumerate(emails)
    ]


@dataclass(frozen=True)
class Threshold:
    """One threshold condition: the series of ``filter``, aligned with ``aligner`` over the
    policy's window and summed per ``group_by``, exceeds ``above``; ``name`` is its display name."""

    name: str
    filter: str
    aligner: str
    above: float
    group_by: tuple[str, ...]


def threshold_policy(
    scope: Construct,
    construct_id: str,
    *,
    project: str,
    display_name: str,
    description: str,
    filter: str,
    aligner: str,
    window_seconds: int,
    above: float,
    group_by: list[str],
    channels: list[str],
    severity: str,
    also: tuple[Threshold, ...] = (),
    depends_on=(),
) -> MonitoringAlertPolicy:
    """Fires as soon as the series of ``filter``, aligned with ``aligner`` over ``window_seconds``
    and summed per ``group_by``, exceeds ``above``, or any condition of ``also`` holds (OR)."""
    conditions = [Threshold(display_name, filter, aligner, above, tuple(group_by)), *also]
    return _policy(
        scope,
        construct_id,
        project,
        display_name,
        description,
        [_threshold(c, window_seconds) for c in conditions],
        channels,
        severity,
        depends_on,
    )


def _threshold(condition: Threshold, window_seconds: int) -> MonitoringAlertPolicyConditions:
    return MonitoringAlertPolicyConditions(
        display_name=condition.name,
        condition_threshold=MonitoringAlertPolicyConditionsConditionThreshold(
            filter=condition.filter,
            comparison="COMPARISON_GT",
            threshold_value=condition.above,
            duration="0s",
            aggregations=[
                MonitoringAlertPolicyConditionsConditionThresholdAggregations(
                    alignment_period=f"{window_seconds}s",
                    per_series_aligner=condition.aligner,
                    cross_series_reducer="REDUCE_SUM",
                    group_by_fields=list(condition.group_by),
                )
            ],
        ),
    )


def absent_policy(
    scope: Construct,
    construct_id: str,
    *,
    project: str,
    display_name: str,
    description: str,
    filter: str,
    absent_seconds: int,
    group_by: list[str],
    channels: list[str],
    severity: str,
    depends_on=(),
) -> MonitoringAlertPolicy:
    """Fires when the series of ``filter``, counted per ``group_by`` (so a replaced pod's new
    series continues the old one), reports nothing for ``absent_seconds``."""
    condition = MonitoringAlertPolicyConditionsConditionAbsent(
        filter=filter,
        duration=f"{absent_seconds}s",
        aggregations=[
            MonitoringAlertPolicyConditionsConditionAbsentAggregations(
                alignment_period="60s",
                per_series_aligner="ALIGN_MEAN",
                cross_series_reducer="REDUCE_COUNT",
                group_by_fields=group_by,
            )
        ],
    )
    return _policy(
        scope,
        construct_id,
        project,
        display_name,
        description,
        [MonitoringAlertPolicyConditions(display_name=display_name, condition_absent=condition)],
        channels,
        severity,
        depends_on,
    )


def _policy(scope, construct_id, project, display_name, description, conditions, channels, severity, depends_on):
    return MonitoringAlertPolicy(
        scope,
        construct_id,
        project=project,
        display_name=display_name,
        combiner="OR",
        conditions=conditions,
        notification_channels=channels,
        severity=severity,
        alert_strategy=MonitoringAlertPolicyAlertStrategy(auto_close=AUTO_CLOSE),
        documentation=MonitoringAlertPolicyDocumentation(content=description, mime_type="text/markdown"),
        depends_on=list(depends_on),
    )
