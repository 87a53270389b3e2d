"""A VPC Service Controls perimeter around one project, so the data services it restricts answer
only calls that come from inside the project (its VPCs through ``restricted.googleapis.com``, its
own service accounts): a workload's Google identity cannot copy data to a bucket or dataset of
another project, and a stolen token is useless from outside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf_cdktf_provider_google.access_context_manager_service_perimeter import (
    AccessContextManagerServicePerimeter,
    AccessContextManagerServicePerimeterStatus,
)
from cdktf_cdktf_provider_google.data_google_project import DataGoogleProject
from constructs import Construct

_SHORT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,49}$")


@dataclass(frozen=True)
class ServicePerimeterProps:
    """``access_policy`` (the organization's policy number), ``short_name`` of the perimeter
    (letters, digits, ``_``), ``project`` (ID) to enclose, ``restricted_services`` to protect."""

    access_policy: str
    short_name: str
    project: str
    restricted_services: tuple[str, ...]

    def __post_init__(self):
        if not self.access_policy.isdigit():
            raise ValueError("ServicePerimeterProps.access_policy must be the policy number")
        if not _SHORT_NAME.match(self.short_name):
            raise ValueError("ServicePerimeterProps.short_name must start with a letter: letters, digits, _")
        if not self.restricted_services:
            raise ValueError("ServicePerimeterProps.restricted_services must list at least one service")


class ServicePerimeter(Construct):
    """A regular, enforced perimeter (``status``) holding ``projects/<number>`` (the number is
    read with ``google_project``; perimeters name projects by number only)."""

    def __init__(self, scope: Construct, construct_id: str, *, props: ServicePerimeterProps):
        super().__init__(scope, construct_id)
        project = DataGoogleProject(self, "project", project_id=props.project)
        parent = f"accessPolicies/{props.access_policy}"
        self.perimeter = AccessContextManagerServicePerimeter(
            self,
            "perimeter",
            parent=parent,
            name=f"{parent}/servicePerimeters/{props.short_name}",
            title=props.short_name,
            description=f"Federated learning: data services of {props.project} answer only from inside the project",
            perimeter_type="PERIMETER_TYPE_REGULAR",
            status=AccessContextManagerServicePerimeterStatus(
                resources=[f"projects/{project.number}"],
                restricted_services=sorted(props.restricted_services),
            ),
        )
