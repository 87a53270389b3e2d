"""First-apply rule ``log-metric-settled``: an alert policy on a log-based metric created in the
same stack must wait for it to become visible to Cloud Monitoring.

Cloud Monitoring learns of a new ``google_logging_metric`` only minutes after it is created;
an alert policy created on it in the same apply fails with ``Error 404: Cannot find metric(s)
that match type = "logging.googleapis.com/user/..."; If a metric was created recently, it could
take up to 10 minutes to become available`` (hashicorp/terraform-provider-google#11102). A plain
``depends_on`` on the metric is not enough: the policy must depend on a ``time_sleep`` that
itself depends on the metric.
"""

from __future__ import annotations

import json
import re

from policy.view import ResourceView

_USER_METRIC = re.compile(r"logging\.googleapis\.com/user/([A-Za-z0-9_.,+!*'()%/-]+)")


def log_metric_settled(view: ResourceView) -> str | None:
    """Problem when a ``google_monitoring_alert_policy`` reads a log-based metric of its own stack
    without depending on a ``time_sleep`` that depends on that metric."""
    if view.type != "google_monitoring_alert_policy":
        return None
    used = set(_USER_METRIC.findall(json.dumps(view.config.get("conditions", []))))
    if not used:
        return None
    metrics = {
        m.config.get("name"): f"google_logging_metric.{m.logical_id}" for m in view.siblings("google_logging_metric")
    }
    waits = {f"time_sleep.{s.logical_id}": set(s.config.get("depends_on", [])) for s in view.siblings("time_sleep")}
    mine = set(view.config.get("depends_on", []))
    for name in sorted(used):
        metric = metrics.get(name)
        if metric is None:
            continue  # a metric of another stack or created outside: it exists already
        if not any(sleep in mine and metric in after for sleep, after in waits.items()):
            return (
                f"alert policy reads log-based metric {name!r} created in the same apply; Cloud Monitoring "
                "sees a new metric only after up to 10 minutes: depend on a time_sleep that depends on the metric"
            )
    return None
