"""The ``monitoring`` section: who is told when the federation breaks, and how soon.

With the section, every aggregator (Route 53 health check), every GKE site and every AWS member
site gets alerts (stacks ``monitoring-aws`` and ``monitoring-gcp``) and each cloud one dashboard.
Without it the estate still deploys, but nobody is told (``FederationSpec.notifies`` is False,
which ``preflight`` reports).

Destinations: e-mail addresses (an SNS e-mail subscription per AWS alarm region and a Cloud
Monitoring e-mail channel each), existing SNS topics (each used by the alarms of its own region:
CloudWatch alarms notify topics of their region only) and existing Cloud Monitoring notification
channels (Slack, PagerDuty, webhooks, ... configured outside Terraform, so no secret is ever a
variable here).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from federation_spec.azure import Email
from federation_spec.base import SpecModel, StrictInt, StrictStr
from federation_spec.regions import AWS_REGIONS

_SNS_ARN = re.compile(r"^arn:aws(?:-[a-z]+)*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})$")
_CHANNEL = re.compile(r"^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/notificationChannels/\d+$")


def _sns_arn(value: str) -> str:
    match = _SNS_ARN.match(value)
    if not match:
        raise ValueError(f"{value!r} is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)")
    if match.group(1) not in AWS_REGIONS:
        raise ValueError(f"{value!r} names an unknown AWS region {match.group(1)!r}")
    return value


def _channel(value: str) -> str:
    if not _CHANNEL.match(value):
        raise ValueError(f"{value!r} is not a notification channel name (projects/<project>/notificationChannels/<id>)")
    return value


SnsTopicArn = Annotated[StrictStr, AfterValidator(_sns_arn)]
ChannelName = Annotated[StrictStr, AfterValidator(_channel)]


def sns_topic_region(arn: str) -> str:
    """The region of an SNS topic ARN (the only region whose alarms can notify it)."""
    return arn.split(":")[3]


class Thresholds(SpecModel):
    """When an alert fires. Every alert also notifies when it clears."""

    window_minutes: Annotated[StrictInt, Field(ge=1, le=60)] = 5
    """Sliding window (minutes) over which restarts and Flower errors are counted; also how long a
    SuperNode may be missing (no container metrics at a GKE site, fewer running than desired tasks at
    an AWS site) before it counts as down. Longer windows alert later but ride out rolling updates."""
    restarts: Annotated[StrictInt, Field(ge=1, le=100)] = 2
    """The restart alerts fire at this many restarts within the window. A restart is a Flower
    container restarting (GKE `restart_count`: SuperLink, SuperNode, executors) or the SuperNode's
    supervisor restarting flower-supernode inside its container (its `supervisor: ... exited with
    ...; restarting in` line; GKE and AWS), each kind counted on its own; an AWS member site also
    counts a replaced task through its start lines, where `restarts` + 1 starts are needed unless the
    task first started inside the window (a start line is a restart only if it is not the first)."""
    flower_errors: Annotated[StrictInt, Field(ge=1, le=1000)] = 1
    """Lines in which Flower refuses a node (unregistered key, self-registration, TLS failure) or a run
    fails, within the window, that fire the Flower error alert."""


class MonitoringSection(SpecModel):
    """Alerts and dashboards of the whole federation. At least one destination is required."""

    emails: list[Email] = Field(default_factory=list)
    """E-mail addresses told of every alert and its recovery. AWS sends each a confirmation mail per
    alarm region (the subscription stays `PendingConfirmation` until the link is clicked); Cloud
    Monitoring needs no confirmation."""
    sns_topic_arns: list[SnsTopicArn] = Field(default_factory=list)
    """Existing SNS topics (e.g. wired to a pager) to notify too; each is used by the alarms in its own
    region only (CloudWatch cannot notify another region's topic). The topic's policy must admit
    `cloudwatch.amazonaws.com`, and its KMS key too if it is encrypted."""
    google_channels: list[ChannelName] = Field(default_factory=list)
    """Existing Cloud Monitoring notification channels (`projects/<project>/notificationChannels/<id>`:
    Slack, PagerDuty, webhooks, SMS), notified by every Google alert policy."""
    thresholds: Thresholds = Field(default_factory=Thresholds)
    """When alerts fire (defaults: within 5 minutes, 2 restarts, 1 Flower error)."""

    def issues(self, path: str) -> list[tuple[str, str]]:
        """Cross-field checks: a destination exists; no duplicates."""
        issues = []
        if not (self.emails or self.sns_topic_arns or self.google_channels):
            issues.append((path, "names no destination: add at least one of emails, sns_topic_arns, google_channels"))
        for key in ("emails", "sns_topic_arns", "google_channels"):
            seen: dict[str, int] = {}
            for i, value in enumerate(getattr(self, key)):
                folded = value.lower()
                if folded in seen:
                    issues.append((f"{path}.{key}[{i}]", f"duplicate {value!r} (already at {key}[{seen[folded]}])"))
                seen.setdefault(folded, i)
        return issues
