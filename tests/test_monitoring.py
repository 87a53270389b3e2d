"""Monitoring of the default federation, read from the synthesized JSON: every aggregator and
every site (GKE and AWS member) has an alert that fires on its loss, every alert notifies the
spec's destinations, the SNS topics are encrypted with a key CloudWatch may use, and the
dashboards reference only metrics and resources the estate creates."""

from __future__ import annotations

import json
import re

import pytest

AWS = "monitoring-aws"
GCP = "monitoring-gcp"
MEMBER_REGIONS = ("us-west-2", "us-east-1")
CLUSTERS = ("fl-us", "fl-eu", "fl-asia")
AGGREGATORS = ("fl-us", "fl-eu")
PREFIX = "fedlearn-dev"
REF = re.compile(r"^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}$")


def _ref(value: str) -> tuple[str, str, str]:
    match = REF.match(value)
    assert match, f"not a reference: {value!r}"
    return match.groups()


def _alarms(synth) -> dict[str, dict]:
    return {
        **synth.resources(AWS, "aws_cloudwatch_metric_alarm"),
        **synth.resources(AWS, "aws_cloudwatch_composite_alarm"),
    }


def _topic_region(synth, arn_ref: str) -> str:
    rtype, logical_id, attribute = _ref(arn_ref)
    assert (rtype, attribute) == ("aws_sns_topic", "arn"), arn_ref
    return synth.resources(AWS, rtype)[logical_id]["region"]


def test_every_aggregator_has_an_unreachable_alarm_on_its_own_health_check(default_synth):
    checks = default_synth.outputs("dns")["health_check_ids"]["value"]
    alarms = default_synth.resources(AWS, "aws_cloudwatch_metric_alarm")
    for cluster in AGGREGATORS:
        found = [a for a in alarms.values() if a["alarm_name"] == f"{PREFIX}-{cluster}-aggregator-unreachable"]
        assert len(found) == 1, cluster
        alarm = found[0]
        assert (alarm["namespace"], alarm["metric_name"]) == ("AWS/Route53", "HealthCheckStatus")
        assert alarm["region"] == "us-east-1"  # Route 53 metrics exist only there
        assert alarm["comparison_operator"] == "LessThanThreshold"
        assert alarm["threshold"] == 1
        # The dimension is the dns stack's health check of this very cluster (cross-stack output).
        output = alarm["dimensions"]["HealthCheckId"]
        assert "terraform_remote_state.cross-stack-reference-input-dns" in output
        produced = default_synth.outputs("dns")
        key = output.split(".outputs.")[1].rstrip("}")
        assert produced[key]["value"] == checks[cluster]
        assert alarm["ok_actions"] == alarm["alarm_actions"]  # failover and failback both notify


def test_total_loss_is_a_composite_and_the_primary_alarm_never_claims_a_failover_nobody_follows(default_synth):
    """By default the SuperNodes dial the primary's static IP: its loss stops the federation, and
    the alarm must not tell the operator that DNS failed over (``test_monitoring_dial_mode.py``
    has the mode where it does)."""
    alarms = _alarms(default_synth)
    primary = next(a for a in alarms.values() if a["alarm_name"] == f"{PREFIX}-fl-us-aggregator-unreachable")
    assert "do not fail over" in primary["alarm_description"]
    assert "failed over" not in primary["alarm_description"]
    assert "failed back" not in primary["alarm_description"]
    composite = default_synth.resource(AWS, "aws_cloudwatch_composite_alarm")
    unreachable = {
        logical_id
        for logical_id, alarm in default_synth.resources(AWS, "aws_cloudwatch_metric_alarm").items()
        if alarm["alarm_name"].endswith("-aggregator-unreachable")
    }
    assert len(unreachable) == len(AGGREGATORS)
    referenced = set(
        re.findall(r'ALARM\("\$\{aws_cloudwatch_metric_alarm\.([^.]+)\.alarm_name\}"\)', composite["alarm_rule"])
    )
    assert referenced == unreachable
    assert composite["alarm_rule"].count(" AND ") == len(AGGREGATORS) - 1


@pytest.mark.parametrize("region", MEMBER_REGIONS)
def test_every_member_site_has_task_and_log_alarms_in_its_region(default_synth, region):
    alarms = default_synth.resources(AWS, "aws_cloudwatch_metric_alarm")
    site = f"{PREFIX}-aws-{region}"
    mine = {a["alarm_name"]: a for a in alarms.values() if a["alarm_name"].startswith(site + "-")}
    assert set(mine) == {
        f"{site}-supernode-tasks-below-desired",
        f"{site}-restarts",
        f"{site}-node-refusals",
        f"{site}-run-failures",
    }
    assert all(a["region"] == region for a in mine.values())
    tasks = mine[f"{site}-supernode-tasks-below-desired"]
    metrics = {q["id"]: q["metric"] for q in tasks["metric_query"] if "metric" in q}
    assert {m["metric_name"] for m in metrics.values()} == {"RunningTaskCount", "DesiredTaskCount"}
    assert all(m["namespace"] == "ECS/ContainerInsights" for m in metrics.values())
    region_stack = f"aws-{region}"
    for metric in metrics.values():
        for value in metric["dimensions"].values():
            assert f"cross-stack-reference-input-{region_stack}." in value  # the member's own cluster/service
    assert tasks["treat_missing_data"] == "breaching"  # a vanished service counts as down
    # The log alarms count metrics that this region's filters on the member's log group write.
    filters = [
        f for f in default_synth.resources(AWS, "aws_cloudwatch_log_metric_filter").values() if f["region"] == region
    ]
    written = {(f["metric_transformation"]["namespace"], f["metric_transformation"]["name"]) for f in filters}
    for name in (f"{site}-node-refusals", f"{site}-run-failures"):
        assert (mine[name]["namespace"], mine[name]["metric_name"]) in written
    restart_metrics = [q["metric"] for q in mine[f"{site}-restarts"]["metric_query"] if "metric" in q]
    assert len(restart_metrics) == 2
    assert all((m["namespace"], m["metric_name"]) in written for m in restart_metrics)
    assert all(f"cross-stack-reference-input-{region_stack}." in f["log_group_name"] for f in filters)


def test_every_alarm_notifies_the_topic_of_its_region_on_alarm_and_ok(default_synth):
    for alarm in _alarms(default_synth).values():
        assert alarm["alarm_actions"], alarm["alarm_name"]
        assert alarm["ok_actions"] == alarm["alarm_actions"], alarm["alarm_name"]
        for action in alarm["alarm_actions"]:
            assert _topic_region(default_synth, action) == alarm["region"], alarm["alarm_name"]


def test_topics_are_encrypted_with_a_key_cloudwatch_may_use_and_mail_the_spec_addresses(default_synth, default_spec):
    topics = default_synth.resources(AWS, "aws_sns_topic")
    keys = default_synth.resources(AWS, "aws_kms_key")
    subscriptions = default_synth.resources(AWS, "aws_sns_topic_subscription")
    assert {t["region"] for t in topics.values()} == {"us-east-1", *MEMBER_REGIONS}
    for logical_id, topic in topics.items():
        rtype, key_id, attribute = _ref(topic["kms_master_key_id"])
        assert (rtype, attribute) == ("aws_kms_key", "arn")
        key = keys[key_id]
        assert key["enable_key_rotation"] is True
        assert key["region"] == topic["region"]
        statements = json.loads(key["policy"])["Statement"]
        cloudwatch = [s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
        assert cloudwatch
        assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(cloudwatch[0]["Action"])
        mails = sorted(
            s["endpoint"]
            for s in subscriptions.values()
            if s["protocol"] == "email" and _ref(s["topic_arn"])[1] == logical_id
        )
        assert mails == sorted(default_spec.monitoring.emails)


def test_every_gke_site_has_alert_policies_that_fire_on_its_loss(default_synth):
    policies = default_synth.resources(GCP, "google_monitoring_alert_policy").values()
    for cluster in CLUSTERS:
        physical = f"{PREFIX}-{cluster}"
        mine = [p for p in policies if p["display_name"].startswith(physical + ":")]
        filters = [json.dumps(p["conditions"]) for p in mine]
        absent = [p for p in mine if "condition_absent" in p["conditions"][0]]
        assert absent, cluster
        condition = absent[0]["conditions"][0]["condition_absent"]
        assert "kubernetes.io/container/uptime" in condition["filter"]
        assert f'resource.label.cluster_name=\\"{physical}\\"' in json.dumps(condition["filter"])
        assert '"supernode"' in condition["filter"]
        assert '"clientapp-executor"' in condition["filter"]
        assert any("kubernetes.io/container/restart_count" in f for f in filters), cluster
        if cluster in AGGREGATORS:
            assert '"superlink"' in condition["filter"]
            assert any("registration_failures" in f for f in filters), cluster


def test_every_gke_policy_notifies_the_spec_channels(default_synth, default_spec):
    channels = default_synth.resources(GCP, "google_monitoring_notification_channel")
    assert sorted(c["labels"]["email_address"] for c in channels.values()) == sorted(default_spec.monitoring.emails)
    expected = {f"${{google_monitoring_notification_channel.{logical_id}.name}}" for logical_id in channels}
    for policy in default_synth.resources(GCP, "google_monitoring_alert_policy").values():
        assert set(policy["notification_channels"]) == expected, policy["display_name"]


def test_policies_on_log_metrics_wait_for_the_metrics_to_settle(default_synth):
    """A brand-new log-based metric is unknown to Cloud Monitoring for up to 10 minutes."""
    metrics = default_synth.resources(GCP, "google_logging_metric")
    sleep_id, sleep = next(iter(default_synth.resources(GCP, "time_sleep").items()))
    assert sleep["create_duration"] == "10m"
    assert {f"google_logging_metric.{m}" for m in metrics} <= set(sleep["depends_on"])
    users = [
        p
        for p in default_synth.resources(GCP, "google_monitoring_alert_policy").values()
        if "logging.googleapis.com/user/" in json.dumps(p["conditions"])
    ]
    assert users
    for policy in users:
        assert f"time_sleep.{sleep_id}" in policy["depends_on"], policy["display_name"]
        metric = re.search(r"logging.googleapis.com/user/([^\\\"]+)", json.dumps(policy["conditions"])).group(1)
        assert metric in {m["name"] for m in metrics.values()}


def test_monitoring_apis_are_enabled_and_never_disabled(default_synth):
    services = default_synth.resources(GCP, "google_project_service").values()
    assert {s["service"] for s in services} == {"monitoring.googleapis.com", "logging.googleapis.com"}
    assert all(s["disable_on_destroy"] is False for s in services)


def test_aws_dashboard_references_only_what_the_estate_creates(default_synth):
    dashboard = default_synth.resource(AWS, "aws_cloudwatch_dashboard")
    body = json.loads(dashboard["dashboard_body"])
    filters = default_synth.resources(AWS, "aws_cloudwatch_log_metric_filter").values()
    written = {(f["metric_transformation"]["namespace"], f["metric_transformation"]["name"]) for f in filters}
    alarms = _alarms(default_synth)
    shown_alarms = set()
    for widget in body["widgets"]:
        props = widget["properties"]
        if widget["type"] == "alarm":
            for arn in props["alarms"]:
                _rtype, logical_id, attribute = _ref(arn)
                assert logical_id in alarms
                assert attribute == "arn"
                shown_alarms.add(logical_id)
        elif widget["type"] == "metric":
            for metric in props["metrics"]:
                namespace, name = metric[0], metric[1]
                if namespace == "AWS/Route53":
                    assert props["region"] == "us-east-1"
                    assert "cross-stack-reference-input-dns" in metric[3]
                elif namespace == "ECS/ContainerInsights":
                    assert name in {"RunningTaskCount", "DesiredTaskCount"}
                    assert f"cross-stack-reference-input-aws-{props['region']}." in metric[3]
                else:
                    assert (namespace, name) in written, metric
    assert shown_alarms == set(alarms)  # every alarm is on the dashboard


def test_gcp_dashboard_references_only_what_the_estate_creates(default_synth):
    dashboard = default_synth.resource(GCP, "google_monitoring_dashboard")
    body = json.loads(dashboard["dashboard_json"])
    metric_names = {m["name"] for m in default_synth.resources(GCP, "google_logging_metric").values()}
    policies = default_synth.resources(GCP, "google_monitoring_alert_policy")
    tiles = body["mosaicLayout"]["tiles"]
    charted = set()
    for tile in tiles:
        assert tile["xPos"] + tile["width"] <= body["mosaicLayout"]["columns"]
        widget = tile["widget"]
        if "alertChart" in widget:
            _, logical_id, attribute = _ref(widget["alertChart"]["name"])
            assert logical_id in policies
            assert attribute == "name"
            charted.add(logical_id)
            continue
        for data in widget["xyChart"]["dataSets"]:
            metric = re.search(r'metric.type="([^"]+)"', data["timeSeriesQuery"]["timeSeriesFilter"]["filter"]).group(1)
            assert metric in {"kubernetes.io/container/restart_count", "kubernetes.io/container/uptime"} or (
                metric.removeprefix("logging.googleapis.com/user/") in metric_names
            ), metric
    assert charted == set(policies)
    for cluster in CLUSTERS:
        assert any(t["widget"].get("title", "").startswith(f"{cluster}:") for t in tiles), cluster


SUPERVISOR_RESTART = "supervisor: flower-supernode exited with 1; restarting in 2 s"
NOT_RESTARTS = (
    "supervisor: starting flower-supernode --superlink 10.0.0.1:9092",  # every start, the first included
    "supervisor: stopped; flower-supernode exited with 0",  # the pod or task being stopped
    "supervisor: aggregator.example.net now answers 10.0.0.2:9092 (was 10.0.0.1:9092); reconnecting",
    "\x1b[92mINFO \x1b[0m:      Starting Flower SuperNode",
)


def _restart_conditions(default_synth, cluster: str) -> list[dict]:
    policies = default_synth.resources(GCP, "google_monitoring_alert_policy").values()
    restarts = [p for p in policies if p["display_name"] == f"{PREFIX}-{cluster}: Flower containers restarting"]
    assert len(restarts) == 1, cluster
    return [c["condition_threshold"] for c in restarts[0]["conditions"]]


@pytest.mark.parametrize("cluster", CLUSTERS)
def test_gke_restarts_count_the_supervisors_in_container_restarts(default_synth, default_spec, cluster):
    """The supervisor restarts flower-supernode inside its container, so restart_count never moves:
    the restarts policy also counts the supervisor's restart line, and only that line."""
    from tests.log_filters import gke_container_entry, logging_matches

    metrics = {m["name"]: m for m in default_synth.resources(GCP, "google_logging_metric").values()}
    conditions = _restart_conditions(default_synth, cluster)
    on_logs = [c for c in conditions if "logging.googleapis.com/user/" in c["filter"]]
    assert len(on_logs) == 1, conditions
    condition = on_logs[0]
    assert f'metric.label.cluster="{PREFIX}-{cluster}"' in condition["filter"]
    name = re.search(r'logging.googleapis.com/user/([^"]+)"', condition["filter"]).group(1)
    query = metrics[name]["filter"]
    namespace = default_spec.workload.namespace
    assert logging_matches(query, gke_container_entry(SUPERVISOR_RESTART, namespace=namespace, container="supernode"))
    for line in NOT_RESTARTS:
        assert not logging_matches(query, gke_container_entry(line, namespace=namespace, container="supernode")), line
    other = gke_container_entry(SUPERVISOR_RESTART, namespace="kube-system", container="supernode")
    assert not logging_matches(query, other)


def test_restart_alerts_share_one_meaning_at_least_n_restarts_in_the_window(default_synth, default_spec):
    """``thresholds.restarts: N`` means "at least N restarts within the window" on both clouds:
    GKE's conditions (restart_count delta, supervisor restart lines) are > N-1; an AWS member
    site's alarm fires exactly at N supervisor restarts, and on start lines alone at N+1 starts
    (the window's first start is not a restart)."""
    from tests.log_filters import cloudwatch_matches

    n = default_spec.monitoring.thresholds.restarts
    window = default_spec.monitoring.thresholds.window_minutes * 60
    for cluster in CLUSTERS:
        conditions = _restart_conditions(default_synth, cluster)
        assert len(conditions) == 2
        for condition in conditions:
            assert (condition["comparison"], condition["threshold_value"]) == ("COMPARISON_GT", n - 1)
            assert condition["aggregations"][0]["alignment_period"] == f"{window}s"

    filters = default_synth.resources(AWS, "aws_cloudwatch_log_metric_filter").values()
    for region in MEMBER_REGIONS:
        alarm = next(
            a
            for a in default_synth.resources(AWS, "aws_cloudwatch_metric_alarm").values()
            if a["alarm_name"] == f"{PREFIX}-aws-{region}-restarts"
        )
        assert (alarm["comparison_operator"], alarm["threshold"]) == ("GreaterThanOrEqualToThreshold", n)
        queries = {q["id"]: q for q in alarm["metric_query"]}
        patterns = {}
        for query_id, query in queries.items():
            if "metric" not in query:
                continue
            metric = query["metric"]
            assert (metric["stat"], metric["period"]) == ("Sum", window)
            (pattern,) = [
                f["pattern"]
                for f in filters
                if f["region"] == region
                and (f["metric_transformation"]["namespace"], f["metric_transformation"]["name"])
                == (metric["namespace"], metric["metric_name"])
            ]
            patterns[query_id] = pattern
        (expression,) = [q["expression"] for q in queries.values() if q.get("return_data")]

        def fires(lines: list[str], patterns=patterns, expression=expression, at=alarm["threshold"]) -> bool:
            counts = {qid: sum(cloudwatch_matches(p, line) for line in lines) for qid, p in patterns.items()}
            python = re.sub(r"FILL\((\w+), 0\)", r"\1", expression).replace("MAX(", "max(")
            assert re.fullmatch(r"[a-z_()\[\], \-0-9]+", python), expression
            return eval(python, {"max": max}, counts) >= at  # noqa: S307 - checked above

        start = "\x1b[92mINFO \x1b[0m:      Starting Flower SuperNode"
        restart = [SUPERVISOR_RESTART, "supervisor: starting flower-supernode --superlink 10.0.0.1:9092", start]
        assert fires(restart * n)  # steady state: N in-container restarts
        assert not fires(restart * (n - 1))
        assert fires([start, *restart * n])  # a task that started inside the window, then N restarts
        assert not fires([start, *restart * (n - 1)])
        assert not fires([start] * n)  # N task starts: at most N-1 of them are restarts
        assert fires([start] * (n + 1))
        assert not fires(NOT_RESTARTS[:3] * n)  # starts, stops and reconnects of the supervisor


def _event(
    project: str, namespace: str, reason: str, message: str, kind: str = "Pod", name: str = "supernode-7c9d"
) -> dict:
    """A Kubernetes event as GKE writes it to Cloud Logging (the Event object as ``jsonPayload``)."""
    return {
        "logName": f"projects/{project}/logs/events",
        "resource": {"type": "k8s_pod", "labels": {"cluster_name": "c", "namespace_name": namespace}},
        "jsonPayload": {
            "reason": reason,
            "message": message,
            "involvedObject": {"kind": kind, "name": name, "namespace": namespace},
        },
    }


NEVER_STARTS = (
    ("FailedScaleUp", "Node scale up in zones asia-southeast1-a associated with this pod failed: GCE quota exceeded."),
    ("NotTriggerScaleUp", "pod didn't trigger scale-up: 1 max node group size reached"),
    ("Failed", "Error: ErrImagePull"),
    ("Failed", 'Error: secret "node-key" not found'),
    ("BackOff", 'Back-off pulling image "us-docker.pkg.dev/p/r/flower:1"'),
    ("FailedMount", 'MountVolume.SetUp failed for volume "node-key": secret "node-key" not found'),
    ("FailedCreatePodSandBox", "Failed to create pod sandbox"),
)
BENIGN = (
    ("FailedScheduling", "0/0 nodes are available: no nodes available to schedule pods."),  # scale-up from zero
    ("TriggeredScaleUp", "pod triggered scale-up: [{gke-pool 0->1 (max: 3)}]"),
    ("Scheduled", "Successfully assigned federated-learning/supernode-7c9d to gke-node"),
    ("Pulled", "Successfully pulled image"),
)


@pytest.mark.parametrize("cluster", CLUSTERS)
def test_gke_pods_that_never_start_alert_through_kubernetes_events(default_synth, default_spec, cluster):
    """Metric absence never arms for a container that never reported, so the events such a pod
    leaves behind (not created, no node for it, image or volume failing) fire a per-site alert."""
    from tests.log_filters import gke_container_entry, logging_matches

    project, namespace = default_spec.gcp.project, default_spec.workload.namespace
    physical = f"{PREFIX}-{cluster}"
    policies = default_synth.resources(GCP, "google_monitoring_alert_policy").values()
    (policy,) = [p for p in policies if p["display_name"] == f"{physical}: Flower pods not starting"]
    (condition,) = [c["condition_threshold"] for c in policy["conditions"]]
    assert (condition["comparison"], condition["threshold_value"]) == ("COMPARISON_GT", 0)
    assert f'metric.label.cluster="{physical}"' in condition["filter"]
    name = re.search(r'logging.googleapis.com/user/([^"]+)"', condition["filter"]).group(1)
    (metric,) = [m for m in default_synth.resources(GCP, "google_logging_metric").values() if m["name"] == name]
    assert metric["label_extractors"] == {"cluster": "EXTRACT(resource.labels.cluster_name)"}
    query = metric["filter"]
    for reason, message in NEVER_STARTS:
        assert logging_matches(query, _event(project, namespace, reason, message)), reason
    quota = 'Error creating: pods "supernode-7c9d-x" is forbidden: exceeded quota: compute-resources'
    assert logging_matches(query, _event(project, namespace, "FailedCreate", quota, "ReplicaSet", "supernode-7c9d"))
    for reason, message in BENIGN:
        assert not logging_matches(query, _event(project, namespace, reason, message)), reason
    retry = _event(
        project, namespace, "BackOff", "Back-off restarting failed container", name="supernode-registration-1"
    )
    assert not logging_matches(query, retry)  # the registration Job retries by design; it has its own alert
    assert not logging_matches(query, _event(project, "kube-system", "Failed", "Error: ErrImagePull"))
    line = gke_container_entry("Failed BackOff", namespace=namespace, container="supernode")
    assert not logging_matches(query, line)
