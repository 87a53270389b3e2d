"""A Log Analytics workspace that receives the resource logs of a stack (audit trail)."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_azurerm.log_analytics_workspace import LogAnalyticsWorkspace
from constructs import Construct

RETENTION_RANGE = (30, 730)


@dataclass(frozen=True)
class LogWorkspaceProps:
    """``name`` 4-63 letters, digits and hyphens; logs are kept ``retention_days`` (30..730,
    default 365, like the AWS sites' log retention); workspace keys are disabled, so only Entra ID
    identities with a role can query or ingest."""

    name: str
    resource_group_name: str
    location: str
    retention_days: int = 365

    def __post_init__(self):
        low, high = RETENTION_RANGE
        if not low <= self.retention_days <= high:
            raise ValueError(f"LogWorkspaceProps.retention_days must be between {low} and {high}")


class LogWorkspace(Construct):
    """Pay-as-you-go (PerGB2018) workspace with local (shared-key) authentication off."""

    def __init__(self, scope: Construct, construct_id: str, *, props: LogWorkspaceProps):
        super().__init__(scope, construct_id)
        self.workspace = LogAnalyticsWorkspace(
            self,
            "workspace",
            name=props.name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            sku="PerGB2018",
            retention_in_days=props.retention_days,
            local_authentication_enabled=False,
        )

    @property
    def id(self) -> str:
        return self.workspace.id
