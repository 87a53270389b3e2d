"""``main.py preflight``: what a first deploy still needs that the spec cannot settle.

Offline and fast: it reads the validated spec and the deployer's machine (PATH, versions,
environment), never cdktf or a provider. Each check is a function ``check(spec, env)`` that
yields ``Finding`` objects (``block``: the deploy would fail, exit 1; ``note``: a step preflight
cannot verify offline, exit unchanged). Add a check by writing such a function and appending it
to ``CHECKS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from fedinfra.preflight import aws, azure, gcp_apis, gcp_quota, monitoring, placeholders, plugin_cache, tools
from fedinfra.preflight.core import BLOCK, NOTE, Environment, Finding, block, note

Check = Callable[[object, Environment], Iterable[Finding]]

CHECKS: list[Check] = [
    placeholders.check_sample_project,
    placeholders.check_sample_domain,
    placeholders.check_dns_answers,
    placeholders.check_reserved_emails,
    placeholders.check_documentation_accounts,
    tools.check_terraform,
    tools.check_node,
    tools.check_member_site_tools,
    tools.check_google_tools,
    gcp_apis.check_google_apis,
    gcp_quota.check_cpu_quota,
    aws.check_docker_hub_secret,
    aws.check_data_writers,
    aws.check_direct_connect_port,
    azure.check_data_share,
    monitoring.check_monitoring,
    plugin_cache.check_plugin_cache,
]
"""Every check, in the order their lines print (blocking lines first, see ``run_checks``)."""


def run_checks(spec, env: Environment | None = None, checks: Iterable[Check] = CHECKS) -> list[Finding]:
    """Every finding of ``checks`` for ``spec``: blocking ones first, each group in check order."""
    env = env or Environment()
    found = [finding for check in checks for finding in check(spec, env)]
    return [f for f in found if f.level == BLOCK] + [f for f in found if f.level == NOTE]


def exit_code(findings: Iterable[Finding]) -> int:
    """1 if anything blocks a first deploy, else 0 (notes never count)."""
    return 1 if any(f.level == BLOCK for f in findings) else 0


def render(findings: list[Finding]) -> list[str]:
    """One line per finding, then a summary line."""
    blocking = sum(f.level == BLOCK for f in findings)
    notes = len(findings) - blocking
    if blocking:
        summary = f"preflight: {blocking} blocking, {notes} notes; fix the blocking lines before deploying"
    else:
        summary = f"preflight: nothing blocks a first deploy ({notes} notes)"
    return [f.render() for f in findings] + [summary]


__all__ = ["CHECKS", "Environment", "Finding", "block", "exit_code", "note", "render", "run_checks"]
