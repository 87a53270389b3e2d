"""A CloudWatch dashboard from rows of widgets (one row per aggregator or site), laid out on the
24-column grid. Widget bodies follow the dashboard body structure
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html)."""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from constructs import Construct

GRID = 24
HEIGHT = 6


def metric_widget(title: str, region: str, metrics: list[list], *, stat: str = "Sum", period: int = 60) -> dict:
    """A time-series graph of ``metrics`` (dashboard metric arrays) in ``region``."""
    return {
        "type": "metric",
        "properties": {"title": title, "region": region, "metrics": metrics, "stat": stat, "period": period},
    }


def alarm_widget(title: str, region: str, alarm_arns: list[str]) -> dict:
    """The state of ``alarm_arns`` (alarms of ``region``)."""
    return {"type": "alarm", "properties": {"title": title, "region": region, "alarms": alarm_arns}}


def text_widget(markdown: str) -> dict:
    return {"type": "text", "properties": {"markdown": markdown}}


def layout(rows: list[list[dict]]) -> list[dict]:
    """Place each row's widgets side by side, equal widths, one row under another."""
    placed = []
    for y, row in enumerate(rows):
        width = GRID // len(row)
        for x, widget in enumerate(row):
            placed.append({**widget, "x": x * width, "y": y * HEIGHT, "width": width, "height": HEIGHT})
    return placed


class Dashboard(Construct):
    """``name`` (letters, digits, ``-`` and ``_``; at most 255) and ``rows`` of widgets."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str, region: str, rows: list[list[dict]]):
        super().__init__(scope, construct_id)
        self.dashboard = CloudwatchDashboard(
            self,
            "dashboard",
            region=region,
            dashboard_name=name,
            dashboard_body=json.dumps({"widgets": layout(rows)}, sort_keys=True),
        )
