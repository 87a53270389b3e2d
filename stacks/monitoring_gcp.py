"""The stack ``monitoring-gcp``: Cloud Monitoring alert policies on every GKE site (its Flower
containers restarting (the kubelet's restarts and the SuperNode supervisor's in-container
restarts), missing or never starting (Kubernetes events), Flower refusing a node or failing a run,
and on aggregator clusters the SuperNode registration Job failing), the e-mail channels they
notify, the log-based metrics they count, and one dashboard.

Policies select a site by its cluster's physical name (``<federation>-<env>-<cluster>``), so the
stack reads no other stack and can be applied before or after the clusters. A new cluster adds
its policies; only the dashboard changes.
"""

from __future__ import annotations

import json

from cdktf_cdktf_provider_google.monitoring_dashboard import MonitoringDashboard
from cdktf_cdktf_provider_google.project_service import ProjectService
from cdktf_cdktf_provider_google.provider import GoogleProvider
from cdktf_cdktf_provider_time.provider import TimeProvider
from constructs import Construct

from constructs_lib.gcp.alert_policies import Threshold, absent_policy, email_channels, threshold_policy
from constructs_lib.gcp.log_metrics import CLUSTER_LABEL, LogCounter, LogCounters, metric_type
from constructs_lib.k8s.registration import NAME_PREFIX as REGISTRATION_JOB_PREFIX
from constructs_lib.monitoring.flower_logs import (
    CLUSTER_SIGNALS,
    NODE_REFUSALS,
    ROUNDS,
    RUN_FAILURES,
    SUPERNODE_RESTARTS,
)
from constructs_lib.monitoring.k8s_events import start_failure_filter
from stacks.base import FederationStack
from stacks.plan import MONITORING_GCP_STACK

APIS = ("monitoring.googleapis.com", "logging.googleapis.com")
SITE_CONTAINERS = ("supernode", "clientapp-executor")
AGGREGATOR_CONTAINERS = ("superlink", "serverapp-executor")
REGISTRATION_FAILURES = "registration_failures"
NOT_STARTING = "pod_start_failures"
RESTART_METRIC = "kubernetes.io/container/restart_count"
UPTIME_METRIC = "kubernetes.io/container/uptime"


def build(app: Construct, spec, plan, built: dict) -> MonitoringGcpStack:
    return MonitoringGcpStack(app, spec=spec)


def registration_failure_filter(project: str, namespace: str) -> str:
    """The Kubernetes events GKE writes to Cloud Logging when a registration Job gives up
    (``BackoffLimitExceeded``, ``DeadlineExceeded``)."""
    return (
        f'logName="projects/{project}/logs/events"'
        ' AND jsonPayload.involvedObject.kind="Job"'
        f' AND jsonPayload.involvedObject.namespace="{namespace}"'
        f' AND jsonPayload.involvedObject.name:"{REGISTRATION_JOB_PREFIX}-"'
        ' AND jsonPayload.reason=("BackoffLimitExceeded" OR "DeadlineExceeded")'
    )


def container_filter(metric: str, cluster: str, namespace: str, containers: tuple[str, ...]) -> str:
    names = ", ".join(f'"{c}"' for c in containers)
    return (
        f'metric.type="{metric}" AND resource.type="k8s_container"'
        f' AND resource.label.cluster_name="{cluster}" AND resource.label.namespace_name="{namespace}"'
        f" AND resource.label.container_name=one_of({names})"
    )


def log_metric_filter(name: str, cluster: str) -> str:
    return f'metric.type="{metric_type(name)}" AND metric.label.{CLUSTER_LABEL}="{cluster}"'


class MonitoringGcpStack(FederationStack):
    """Exposes ``policies`` (cluster -> {alert key -> policy}), ``channels`` and ``counters``."""

    def __init__(self, scope: Construct, *, spec):
        super().__init__(scope, MONITORING_GCP_STACK, federation=spec.federation, state=spec.state)
        project = spec.gcp.project
        monitoring = spec.monitoring
        thresholds = monitoring.thresholds
        window = thresholds.window_minutes * 60
        namespace = spec.workload.namespace if spec.workload else "federated-learning"
        GoogleProvider(self, "google", project=project, default_labels=self.tags)
        TimeProvider(self, "time")
        apis = [
            ProjectService(self, f"api_{api.split('.')[0]}", project=project, service=api, disable_on_destroy=False)
            for api in APIS
        ]
        self.channels = [
            *email_channels(self, project=project, name=self.prefix, emails=list(monitoring.emails), depends_on=apis),
            *monitoring.google_channels,
        ]
        counters = [
            LogCounter(
                key=signal.key,
                name=f"{self.prefix}-flower-{signal.key}",
                description=signal.description,
                filter=signal.logging_filter(namespace),
            )
            for signal in CLUSTER_SIGNALS
        ]
        counters.append(
            LogCounter(
                key=REGISTRATION_FAILURES,
                name=f"{self.prefix}-{REGISTRATION_FAILURES}",
                description="The SuperNode registration Job failed (BackoffLimitExceeded or DeadlineExceeded)",
                filter=registration_failure_filter(project, namespace),
            )
        )
        counters.append(
            LogCounter(
                key=NOT_STARTING,
                name=f"{self.prefix}-{NOT_STARTING}",
                description="A Flower pod is not starting: not created, not scheduled, image or volume failing",
                filter=start_failure_filter(project, namespace, REGISTRATION_JOB_PREFIX),
            )
        )
        self.counters = LogCounters(self, "log_metrics", project=project, counters=counters, depends_on=apis)
        names = {c.key: c.name for c in counters}
        after_metrics = [*apis, self.counters.settled]
        self.policies: dict[str, dict] = {}
        tiles: list[list[dict]] = []
        for cluster in spec.gcp.clusters:
            physical = f"{self.prefix}-{cluster.name}"
            containers = SITE_CONTAINERS + (AGGREGATOR_CONTAINERS if cluster.runs_aggregator else ())
            common = {"project": project, "channels": self.channels}
            site = {}
            # Two kinds of restart, each counted exactly: the kubelet restarting a container
            # (restart_count), and the supervisor restarting flower-supernode inside its container
            # (its "exited with ...; restarting in" line), which restart_count never sees.
            site["restarts"] = threshold_policy(
                self,
                f"{cluster.name}_restarts",
                display_name=f"{physical}: Flower containers restarting",
                description=(
                    f"GKE site {cluster.name}: at least {thresholds.restarts} restarts within "
                    f"{thresholds.window_minutes} min: a Flower container ({', '.join(containers)}) restarted "
                    f"({RESTART_METRIC}), or the supervisor restarted flower-supernode inside its container "
                    f"(log-based metric {names[SUPERNODE_RESTARTS.key]}); each kind is counted on its own."
                ),
                filter=container_filter(RESTART_METRIC, physical, namespace, containers),
                aligner="ALIGN_DELTA",
                window_seconds=window,
                above=thresholds.restarts - 1,
                group_by=["resource.label.container_name"],
                also=(
                    Threshold(
                        name=f"{physical}: flower-supernode restarted by its supervisor",
                        filter=log_metric_filter(names[SUPERNODE_RESTARTS.key], physical),
                        aligner="ALIGN_SUM",
                        above=thresholds.restarts - 1,
                        group_by=(f"metric.label.{CLUSTER_LABEL}",),
                    ),
                ),
                severity="ERROR",
                depends_on=after_metrics,
                **common,
            )
            site["missing"] = absent_policy(
                self,
                f"{cluster.name}_missing",
                display_name=f"{physical}: Flower containers not running",
                description=(
                    f"GKE site {cluster.name}: no running {', '.join(containers)} container has reported "
                    f"for {max(thresholds.window_minutes, 2)} min ({UPTIME_METRIC} absent): the SuperNode"
                    f"{' or aggregator' if cluster.runs_aggregator else ''} is down, unschedulable or crash-looping."
                ),
                filter=container_filter(UPTIME_METRIC, physical, namespace, containers),
                absent_seconds=max(thresholds.window_minutes, 2) * 60,
                group_by=["resource.label.container_name"],
                severity="CRITICAL",
                depends_on=apis,
                **common,
            )
            # The missing policy cannot see a container that never started (metric absence arms
            # only after a first data point): the Kubernetes events such a pod leaves behind can.
            site["not_starting"] = threshold_policy(
                self,
                f"{cluster.name}_not_starting",
                display_name=f"{physical}: Flower pods not starting",
                description=(
                    f"GKE site {cluster.name}: a pod in {namespace} is not starting (Kubernetes event "
                    "FailedCreate, NotTriggerScaleUp, FailedScaleUp, Failed, BackOff, FailedMount, ...; "
                    f"log-based metric {names[NOT_STARTING]}) within {thresholds.window_minutes} min: "
                    "not created (quota, admission), not scheduled and the autoscaler cannot add a node "
                    "(quota, stockout, max size), or its image, Secret or volume fails. Also covers a "
                    "container that never started, which the 'not running' policy cannot see."
                ),
                filter=log_metric_filter(names[NOT_STARTING], physical),
                aligner="ALIGN_SUM",
                window_seconds=window,
                above=0,
                group_by=[f"metric.label.{CLUSTER_LABEL}"],
                severity="CRITICAL",
                depends_on=after_metrics,
                **common,
            )
            for signal in (NODE_REFUSALS, RUN_FAILURES):
                site[signal.key] = threshold_policy(
                    self,
                    f"{cluster.name}_{signal.key}",
                    display_name=f"{physical}: {signal.description.split(' (')[0]}",
                    description=(
                        f"GKE site {cluster.name}: {signal.description}; {thresholds.flower_errors} or more "
                        f"lines within {thresholds.window_minutes} min (log-based metric {names[signal.key]})."
                    ),
                    filter=log_metric_filter(names[signal.key], physical),
                    aligner="ALIGN_SUM",
                    window_seconds=window,
                    above=thresholds.flower_errors - 1,
                    group_by=[f"metric.label.{CLUSTER_LABEL}"],
                    severity="ERROR",
                    depends_on=after_metrics,
                    **common,
                )
            if cluster.runs_aggregator:
                site[REGISTRATION_FAILURES] = threshold_policy(
                    self,
                    f"{cluster.name}_{REGISTRATION_FAILURES}",
                    display_name=f"{physical}: SuperNode registration Job failed",
                    description=(
                        f"Aggregator {cluster.name}: the SuperNode registration Job failed "
                        f"(log-based metric {names[REGISTRATION_FAILURES]}); new sites' keys are not registered."
                    ),
                    filter=log_metric_filter(names[REGISTRATION_FAILURES], physical),
                    aligner="ALIGN_SUM",
                    window_seconds=window,
                    above=0,
                    group_by=[f"metric.label.{CLUSTER_LABEL}"],
                    severity="ERROR",
                    depends_on=after_metrics,
                    **common,
                )
            self.policies[cluster.name] = site
            tiles.append(self._row(cluster, physical, namespace, containers, names, site))
        self.dashboard = MonitoringDashboard(
            self,
            "dashboard",
            project=project,
            dashboard_json=json.dumps(
                {
                    "displayName": f"{self.prefix}: federation on GKE",
                    "mosaicLayout": {"columns": 48, "tiles": _place(tiles)},
                },
                sort_keys=True,
            ),
            depends_on=after_metrics,
        )
        self.output(
            "alert_policy_names",
            {
                f"{cluster}/{key}": policy.name
                for cluster, policies in self.policies.items()
                for key, policy in policies.items()
            },
            "Cloud Monitoring alert policies by site and alert.",
        )

    @staticmethod
    def _row(cluster, physical, namespace, containers, names, site) -> list[dict]:
        """One row per site: restarts, running containers, Flower errors (and rounds on
        aggregators), the site's alert policies."""
        errors = [
            _series(f"{key} ", log_metric_filter(names[key], physical), "ALIGN_SUM", [f"metric.label.{CLUSTER_LABEL}"])
            for key in (NODE_REFUSALS.key, RUN_FAILURES.key)
        ]
        if cluster.runs_aggregator:
            errors += [
                _series(
                    f"{key} ", log_metric_filter(names[key], physical), "ALIGN_SUM", [f"metric.label.{CLUSTER_LABEL}"]
                )
                for key in (ROUNDS.key, REGISTRATION_FAILURES)
            ]
        by_container = ["resource.label.container_name"]
        return [
            _chart(
                f"{cluster.name}: restarts",
                [
                    _series(
                        "",
                        container_filter(RESTART_METRIC, physical, namespace, containers),
                        "ALIGN_DELTA",
                        by_container,
                    ),
                    _series(
                        f"{SUPERNODE_RESTARTS.key} ",
                        log_metric_filter(names[SUPERNODE_RESTARTS.key], physical),
                        "ALIGN_SUM",
                        [f"metric.label.{CLUSTER_LABEL}"],
                    ),
                ],
            ),
            _chart(
                f"{cluster.name}: containers up, pod start failures",
                [
                    _series(
                        "",
                        container_filter(UPTIME_METRIC, physical, namespace, containers),
                        "ALIGN_MEAN",
                        by_container,
                        reducer="REDUCE_COUNT",
                    ),
                    _series(
                        f"{NOT_STARTING} ",
                        log_metric_filter(names[NOT_STARTING], physical),
                        "ALIGN_SUM",
                        [f"metric.label.{CLUSTER_LABEL}"],
                    ),
                ],
            ),
            _chart(
                f"{cluster.name}: Flower refusals, run failures"
                + (", rounds, registration" if cluster.runs_aggregator else ""),
                errors,
            ),
            *({"title": f"{cluster.name}: {key}", "alertChart": {"name": policy.name}} for key, policy in site.items()),
        ]


def _series(label: str, filter: str, aligner: str, group_by: list[str], reducer: str = "REDUCE_SUM") -> dict:
    return {
        # Cloud Monitoring's own ${...} templates, escaped as $${...}: Terraform reads every JSON string
        # as a template and would take ${resource.labels...} for a reference to a resource.
        "legendTemplate": label + "$${metric.labels.cluster}" if label else "$${resource.labels.container_name}",
        "plotType": "LINE",
        "timeSeriesQuery": {
            "timeSeriesFilter": {
                "filter": filter,
                "aggregation": {
                    "alignmentPeriod": "60s",
                    "perSeriesAligner": aligner,
                    "crossSeriesReducer": reducer,
                    "groupByFields": group_by,
                },
            }
        },
    }


def _chart(title: str, series: list[dict]) -> dict:
    return {"title": title, "xyChart": {"dataSets": series}}


def _place(rows: list[list[dict]]) -> list[dict]:
    """Tiles of 12 columns x 16 rows, four to a line, each site starting a new line."""
    tiles, y = [], 0
    for row in rows:
        for i, widget in enumerate(row):
            tiles.append({"xPos": (i % 4) * 12, "yPos": y + (i // 4) * 16, "width": 12, "height": 16, "widget": widget})
        y += ((len(row) + 3) // 4) * 16
    return tiles
