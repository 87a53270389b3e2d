"""A pause after Azure role assignments, for resources that Azure checks against them at once.

Azure RBAC is eventually consistent: Azure Resource Manager caches role assignments, and a new
assignment can take up to 10 minutes to take effect (Azure RBAC troubleshooting, "Role
assignment changes are not being detected"). A resource whose create call is authorized against
a just-created assignment (a Data Share dataset checks that the share's identity can read the
container) fails in that window. Terraform has no way to poll for propagation, so this waits a
fixed time with the time provider's ``time_sleep``; its ``triggers`` carry the assignment IDs, so
a re-created assignment waits again while an unchanged one never waits twice.

The stack must declare the ``time`` provider (``TimeProvider``).
"""

from __future__ import annotations

import re

from cdktf_cdktf_provider_time.sleep import Sleep
from constructs import Construct

DURATION = re.compile(r"^[1-9][0-9]*(s|m)$")
DOCUMENTED_WORST_CASE = "10m"
"""Azure's documented upper bound for a role assignment to take effect."""


class RolePropagationWait(Construct):
    """``time_sleep`` of ``duration`` (``90s``, ``10m``) after the role assignments whose IDs are
    ``assignments`` (trigger name -> assignment ID token). Make dependants ``depends_on`` ``sleep``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        assignments: dict[str, str],
        duration: str = DOCUMENTED_WORST_CASE,
    ):
        super().__init__(scope, construct_id)
        if not DURATION.match(duration):
            raise ValueError(f"RolePropagationWait duration {duration!r} must be a whole number of s or m, e.g. 10m")
        if not assignments:
            raise ValueError("RolePropagationWait needs at least one role assignment to wait for")
        self.duration = duration
        self.sleep = Sleep(self, "sleep", create_duration=duration, triggers=dict(sorted(assignments.items())))
