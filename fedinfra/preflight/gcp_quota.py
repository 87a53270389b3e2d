"""GKE node vCPUs against the project's CPU quotas: an apply that needs more stops half-way
through creating clusters with ``GCE_QUOTA_EXCEEDED``."""

from __future__ import annotations

from collections.abc import Iterator

from federation_spec.gcp_capacity import quota_problems, render_regions, vcpu_need
from fedinfra.preflight.core import Environment, Finding, block, note


def check_cpu_quota(spec, env: Environment) -> Iterator[Finding]:
    """Block on every stated quota the first apply's peak exceeds; without a stated project quota,
    a note with the need and the command that reads the real quota."""
    if spec.gcp is None:
        return
    for problem in quota_problems(spec.gcp):
        subject, _, text = problem.partition(": ")
        yield block(subject, text)
    if spec.gcp.cpu_quota is None:
        need = vcpu_need(spec.gcp)
        yield note(
            "gcp.cpu_quota",
            f"the first apply needs {need.total} vCPUs in project {need.project} at its peak "
            f"({render_regions(need)}); new projects often have 32. Read the real quota with: gcloud compute "
            f"project-info describe --project {need.project} --flatten=quotas "
            "--filter=quotas.metric=CPUS_ALL_REGIONS --format='value(quotas.limit)' and state it in gcp.cpu_quota",
        )
