"""Whether anyone is told when the federation breaks, and what alert e-mail recipients must do."""

from __future__ import annotations

from collections.abc import Iterator

from fedinfra.preflight.core import Environment, Finding, note


def check_monitoring(spec, env: Environment) -> Iterator[Finding]:
    """No ``monitoring`` section: the estate deploys, but no alert reaches anyone. With e-mail
    recipients: SNS sends each a confirmation mail, and nothing arrives until it is confirmed."""
    if not spec.notifies:
        yield note(
            "monitoring",
            "no monitoring section: nobody is told when an aggregator or a site stops; add monitoring.emails "
            "(see 'Monitoring' in the README)",
        )
        return
    if spec.monitoring.emails and spec.aws_alarm_regions():
        yield note(
            "monitoring.emails",
            "each address receives an 'AWS Notification - Subscription Confirmation' mail per alarm region "
            f"({', '.join(spec.aws_alarm_regions())}); CloudWatch alarms reach it only after it is confirmed",
        )
