"""Send a resource's logs to Log Analytics through an Azure Monitor diagnostic setting."""

from __future__ import annotations

from cdktf_cdktf_provider_azurerm.monitor_diagnostic_setting import (
    MonitorDiagnosticSetting,
    MonitorDiagnosticSettingEnabledLog,
)
from constructs import Construct


def diagnostic_logs(
    scope: Construct,
    construct_id: str,
    *,
    name: str,
    target_resource_id: str,
    workspace_id: str,
    categories: tuple[str, ...] = (),
    category_groups: tuple[str, ...] = (),
) -> MonitorDiagnosticSetting:
    """A diagnostic setting streaming the given log ``categories`` and/or ``category_groups``
    (e.g. ``allLogs``) of ``target_resource_id`` to the workspace."""
    if not categories and not category_groups:
        raise ValueError("diagnostic_logs needs at least one category or category group")
    logs = [MonitorDiagnosticSettingEnabledLog(category=c) for c in categories]
    logs += [MonitorDiagnosticSettingEnabledLog(category_group=g) for g in category_groups]
    return MonitorDiagnosticSetting(
        scope,
        construct_id,
        name=name,
        target_resource_id=target_resource_id,
        log_analytics_workspace_id=workspace_id,
        enabled_log=logs,
    )
