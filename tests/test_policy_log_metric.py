"""First-apply rule ``log-metric-settled``: it fires on an alert policy that reads a log-based
metric of its own stack without waiting, and the monitoring-gcp stack (default synth) passes."""

from __future__ import annotations

from cdktf_cdktf_provider_google.logging_metric import LoggingMetric, LoggingMetricMetricDescriptor
from cdktf_cdktf_provider_google.monitoring_alert_policy import (
    MonitoringAlertPolicy,
    MonitoringAlertPolicyConditions,
    MonitoringAlertPolicyConditionsConditionThreshold,
)
from cdktf_cdktf_provider_google.provider import GoogleProvider
from cdktf_cdktf_provider_time.provider import TimeProvider
from cdktf_cdktf_provider_time.sleep import Sleep

from tests.test_policy import TAGS, policy_errors

ERROR = (
    "[policy:log-metric-settled] alert policy reads log-based metric 'refusals' created in the same apply; "
    "Cloud Monitoring sees a new metric only after up to 10 minutes: depend on a time_sleep that depends on the metric"
)


def _metric_and_policy(stack, *, depends_on):
    GoogleProvider(stack, "google", project="p", default_labels=TAGS)
    TimeProvider(stack, "time")
    metric = LoggingMetric(
        stack,
        "metric",
        name="refusals",
        filter='textPayload:"x"',
        metric_descriptor=LoggingMetricMetricDescriptor(metric_kind="DELTA", value_type="INT64"),
    )
    waits = depends_on(stack, metric)
    MonitoringAlertPolicy(
        stack,
        "policy",
        display_name="refusals",
        combiner="OR",
        conditions=[
            MonitoringAlertPolicyConditions(
                display_name="c",
                condition_threshold=MonitoringAlertPolicyConditionsConditionThreshold(
                    filter='metric.type="logging.googleapis.com/user/refusals"',
                    comparison="COMPARISON_GT",
                    duration="0s",
                ),
            )
        ],
        depends_on=waits,
    )


def test_policy_on_a_new_log_metric_without_a_wait_fires(tmp_path):
    errors = policy_errors(tmp_path, lambda stack: _metric_and_policy(stack, depends_on=lambda s, m: [m]))
    assert errors == [f"probe/policy: {ERROR}"]


def test_policy_waiting_on_a_sleep_after_the_metric_passes(tmp_path):
    def wait(stack, metric):
        return [Sleep(stack, "settle", create_duration="10m", depends_on=[metric])]

    assert policy_errors(tmp_path, lambda stack: _metric_and_policy(stack, depends_on=wait)) == []


def test_a_sleep_that_does_not_wait_for_the_metric_still_fires(tmp_path):
    def wait(stack, metric):
        return [Sleep(stack, "settle", create_duration="10m")]

    errors = policy_errors(tmp_path, lambda stack: _metric_and_policy(stack, depends_on=wait))
    assert errors == [f"probe/policy: {ERROR}"]
