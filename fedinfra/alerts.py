"""Every alert the synthesized estate raises: what it watches and where it notifies, read from
the stack JSON (CloudWatch alarms and composite alarms, Cloud Monitoring alert policies)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_REF = re.compile(r"^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}$")


@dataclass(frozen=True)
class Alert:
    stack: str
    name: str
    where: str
    watches: str
    notifies: tuple[str, ...]


def _aws_destination(doc: dict, action: str) -> str:
    match = _REF.match(action)
    if not match or match.group(1) != "aws_sns_topic":
        return action
    topic = doc["resource"]["aws_sns_topic"][match.group(2)]
    mails = sorted(
        s["endpoint"]
        for s in doc["resource"].get("aws_sns_topic_subscription", {}).values()
        if s["protocol"] == "email" and s["topic_arn"] == action
    )
    return f"sns:{topic['name']}" + (f" (e-mail {', '.join(mails)})" if mails else "")


def _google_destination(doc: dict, channel: str) -> str:
    match = _REF.match(channel)
    if not match or match.group(1) != "google_monitoring_notification_channel":
        return channel
    found = doc["resource"]["google_monitoring_notification_channel"][match.group(2)]
    return f"{found['type']}:{found['labels'].get('email_address', found.get('display_name', ''))}"


def alerts(stacks: dict[str, dict]) -> list[Alert]:
    """Every alert of every stack, sorted by stack and name."""
    found = []
    for stack, doc in stacks.items():
        resources = doc.get("resource", {})
        for rtype in ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm"):
            for alarm in resources.get(rtype, {}).values():
                found.append(
                    Alert(
                        stack,
                        alarm["alarm_name"],
                        f"CloudWatch {alarm.get('region', '')}".strip(),
                        alarm.get("alarm_description", ""),
                        tuple(_aws_destination(doc, a) for a in alarm.get("alarm_actions", [])),
                    )
                )
        for policy in resources.get("google_monitoring_alert_policy", {}).values():
            found.append(
                Alert(
                    stack,
                    policy["display_name"],
                    "Cloud Monitoring",
                    policy.get("documentation", {}).get("content", ""),
                    tuple(_google_destination(doc, c) for c in policy.get("notification_channels", [])),
                )
            )
    return sorted(found, key=lambda a: (a.stack, a.name))
