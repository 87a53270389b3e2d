"""An Azure Data Share account: the provider-side container of shares, with its own identity."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf_cdktf_provider_azurerm.data_share_account import DataShareAccount, DataShareAccountIdentity
from constructs import Construct

from constructs_lib.azure.diagnostics import diagnostic_logs

# azurerm's rule: 3-90 characters, none of <>%&:\?/#*$^();,.|+={}[]!~@
ACCOUNT_NAME = re.compile(r"^[^<>%&:\\?/#*$^();,.|+={}\[\]!~@]{3,90}$")


@dataclass(frozen=True)
class DataShareAccountProps:
    """``name`` 3-90 characters without ``<>%&:\\?/#*$^();,.|+={}[]!~@``; the account's
    activity (shares, snapshots, subscriptions) is logged to ``log_workspace_id``."""

    name: str
    resource_group_name: str
    location: str
    log_workspace_id: str

    def __post_init__(self):
        if not ACCOUNT_NAME.match(self.name):
            raise ValueError(f"DataShareAccountProps.name {self.name!r} is not a valid Data Share account name")


class GovernedDataShareAccount(Construct):
    """A Data Share account with a system-assigned managed identity (the identity that reads the
    shared storage: Data Share never handles account keys) and all its logs in Log Analytics."""

    def __init__(self, scope: Construct, construct_id: str, *, props: DataShareAccountProps):
        super().__init__(scope, construct_id)
        self.account = DataShareAccount(
            self,
            "account",
            name=props.name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            identity=DataShareAccountIdentity(type="SystemAssigned"),
        )
        diagnostic_logs(
            self,
            "logs",
            name=f"{props.name}-logs",
            target_resource_id=self.account.id,
            workspace_id=props.log_workspace_id,
            category_groups=("allLogs",),
        )

    @property
    def id(self) -> str:
        return self.account.id

    @property
    def name(self) -> str:
        return self.account.name

    @property
    def principal_id(self) -> str:
        """Object ID of the account's managed identity (what role assignments grant to)."""
        return self.account.identity.principal_id
