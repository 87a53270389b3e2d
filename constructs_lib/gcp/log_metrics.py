"""Project-wide log-based counters (``google_logging_metric``), labelled by cluster, and the
wait that makes them usable by alert policies.

A new log-based metric is not visible to Cloud Monitoring at once: creating an alert policy on it
moments later fails with ``Error 404: Cannot find metric(s) that match type =
"logging.googleapis.com/user/..."; If a metric was created recently, it could take up to 10
minutes to become available`` (hashicorp/terraform-provider-google#11102, still open;
GoogleCloudPlatform/cloud-foundation-fabric#3739). ``settled`` is a ``time_sleep`` of
``SETTLE`` after the metrics are created; policies on them depend on it. It waits only when it
is created (or a metric is added), never on later applies.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_google.logging_metric import (
    LoggingMetric,
    LoggingMetricMetricDescriptor,
    LoggingMetricMetricDescriptorLabels,
)
from cdktf_cdktf_provider_time.sleep import Sleep
from constructs import Construct

SETTLE = "10m"
"""What the API's own error message promises at most."""

CLUSTER_LABEL = "cluster"


@dataclass(frozen=True)
class LogCounter:
    """One counter: ``key`` (stable construct id), metric ``name``, ``description`` and ``filter``
    (a Cloud Logging query)."""

    key: str
    name: str
    description: str
    filter: str


def metric_type(name: str) -> str:
    """The Cloud Monitoring metric type of a user-defined log-based metric."""
    return f"logging.googleapis.com/user/{name}"


class LogCounters(Construct):
    """``metrics`` (key -> LoggingMetric) and ``settled`` (depend on it before using them)."""

    def __init__(self, scope: Construct, construct_id: str, *, project: str, counters: list[LogCounter], depends_on=()):
        super().__init__(scope, construct_id)
        self.metrics: dict[str, LoggingMetric] = {}
        for counter in counters:
            self.metrics[counter.key] = LoggingMetric(
                self,
                counter.key,
                project=project,
                name=counter.name,
                description=counter.description,
                filter=counter.filter,
                metric_descriptor=LoggingMetricMetricDescriptor(
                    metric_kind="DELTA",
                    value_type="INT64",
                    unit="1",
                    labels=[
                        LoggingMetricMetricDescriptorLabels(
                            key=CLUSTER_LABEL, value_type="STRING", description="GKE cluster the line came from"
                        )
                    ],
                ),
                label_extractors={CLUSTER_LABEL: "EXTRACT(resource.labels.cluster_name)"},
                depends_on=list(depends_on),
            )
        self.settled = Sleep(
            self,
            "settled",
            create_duration=SETTLE,
            triggers={"metrics": ",".join(sorted(c.name for c in counters))},
            depends_on=list(self.metrics.values()),
        )
