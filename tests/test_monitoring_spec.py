"""The ``monitoring`` spec section: defaults, one bad input per rule (each at its field path),
and a spec without the section that synthesizes no alert at all."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from federation_spec import parse_spec
from stacks.plan import plan_stacks
from tests.spec_helpers import assert_error

ROOT = Path(__file__).resolve().parent.parent
ALERT_TYPES = {
    "aws_cloudwatch_metric_alarm",
    "aws_cloudwatch_composite_alarm",
    "aws_sns_topic",
    "aws_cloudwatch_dashboard",
    "google_monitoring_alert_policy",
    "google_monitoring_notification_channel",
    "google_monitoring_dashboard",
    "google_logging_metric",
}


def default_with(monitoring) -> str:
    doc = yaml.safe_load((ROOT / "federation.yaml").read_text())
    if monitoring is None:
        doc.pop("monitoring", None)
    else:
        doc["monitoring"] = monitoring
    return yaml.safe_dump(doc, sort_keys=False)


def test_defaults_and_notifies():
    spec = parse_spec(default_with({"emails": ["ops@corp.example.net"]}))
    assert spec.notifies
    assert spec.monitoring.thresholds.window_minutes == 5
    assert spec.monitoring.thresholds.restarts == 2
    assert spec.monitoring.thresholds.flower_errors == 1
    assert spec.aws_alarm_regions() == ("us-east-1", "us-west-2")
    assert not parse_spec(default_with(None)).notifies


@pytest.mark.parametrize(
    ("monitoring", "path", "fragment"),
    [
        ({}, "monitoring", "names no destination"),
        ({"emails": ["not-an-address"]}, "monitoring.emails[0]", "not a well-formed e-mail"),
        ({"emails": ["a@corp.net", "A@corp.net"]}, "monitoring.emails[1]", "duplicate"),
        ({"sns_topic_arns": ["arn:aws:sqs:us-east-1:123456789012:q"]}, "monitoring.sns_topic_arns[0]", "SNS topic ARN"),
        (
            {"sns_topic_arns": ["arn:aws:sns:eu-west-3:123456789012:pager"]},
            "monitoring.sns_topic_arns[0]",
            "no alarm runs in eu-west-3",
        ),
        ({"google_channels": ["slack"]}, "monitoring.google_channels[0]", "notification channel name"),
        ({"emails": ["a@corp.net"], "thresholds": {"window_minutes": 0}}, "monitoring.thresholds.window_minutes", ""),
        ({"emails": ["a@corp.net"], "thresholds": {"restarts": 0}}, "monitoring.thresholds.restarts", ""),
        ({"emails": ["a@corp.net"], "pager": True}, "monitoring.pager", ""),
    ],
)
def test_bad_monitoring_input_names_its_field(monitoring, path, fragment):
    assert_error(default_with(monitoring), path, fragment)


def test_google_channels_need_a_gcp_section():
    doc = yaml.safe_load((ROOT / "examples" / "minimal-aws.yaml").read_text())
    doc["monitoring"] = {"google_channels": ["projects/fl-project-123/notificationChannels/42"]}
    assert_error(yaml.safe_dump(doc), "monitoring.google_channels", "needs a gcp section")


def test_existing_topic_of_an_alarm_region_is_accepted():
    arn = "arn:aws:sns:us-west-2:123456789012:pager"
    assert parse_spec(default_with({"sns_topic_arns": [arn]})).monitoring.sns_topic_arns == [arn]


def test_without_monitoring_no_monitoring_stack_is_planned():
    names = [plan.name for plan in plan_stacks(parse_spec(default_with(None)))]
    assert not [name for name in names if name.startswith("monitoring")], names


@pytest.mark.slow
def test_spec_without_monitoring_synthesizes_no_alert_resources(synth):
    """The aws-gke example (dns, GKE and an AWS member site, no monitoring section) deploys with
    no alarm, topic, policy, channel, metric or dashboard anywhere."""
    text = (ROOT / "examples" / "aws-gke.yaml").read_text()
    assert "monitoring" not in yaml.safe_load(text)
    out = synth(text)
    found = [
        f"{stack}: {rtype}.{logical_id}"
        for stack in out.stack_names()
        for rtype, logical_id, _ in out.all_resources(stack)
        if rtype in ALERT_TYPES
    ]
    assert not found, found
