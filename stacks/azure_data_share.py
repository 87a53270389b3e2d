"""The Azure side of the federation: a governed Data Share that partner sites subscribe to."""

from __future__ import annotations

from cdktf_cdktf_provider_azurerm.data_azurerm_client_config import DataAzurermClientConfig
from cdktf_cdktf_provider_azurerm.provider import (
    AzurermProvider,
    AzurermProviderFeatures,
    AzurermProviderFeaturesResourceGroup,
    AzurermProviderFeaturesStorage,
    AzurermProviderFeaturesTemplateDeployment,
)
from cdktf_cdktf_provider_azurerm.resource_group import ResourceGroup
from cdktf_cdktf_provider_time.provider import TimeProvider
from constructs import Construct

from constructs_lib.azure.data_share import BlobDatasetProps, BlobShare, BlobShareProps, SnapshotScheduleProps
from constructs_lib.azure.data_share_account import DataShareAccountProps, GovernedDataShareAccount
from constructs_lib.azure.invitation import InvitationProps, ShareInvitation
from constructs_lib.azure.log_workspace import LogWorkspace, LogWorkspaceProps
from constructs_lib.azure.naming import invitation_name, share_name, storage_account_name
from constructs_lib.azure.storage import SecureStorageAccount, SecureStorageAccountProps
from constructs_lib.azure.tagging import apply_mandatory_tags
from constructs_lib.azure.writers import ContainerWriters, WriterProps
from federation_spec.azure import AzureSection
from stacks.base import FederationStack

STACK_NAME = "azure-data-share"
_CADENCE = {"Hour": "hourly", "Day": "daily"}


def build(app: Construct, spec, plan, built: dict) -> AzureDataShareStack:
    """Builder used by ``build_app``."""
    return AzureDataShareStack(app, azure=spec.azure, federation=spec.federation, state=spec.state)


class AzureDataShareStack(FederationStack):
    """The stack ``azure-data-share``: resource group, Log Analytics workspace, hardened source
    storage with one private container per shared container, the Data Share account and its
    copy-based share (datasets, snapshot schedule, created after the reader role has had time to
    propagate), one invitation per consumer, and container-scoped write access for the spec's
    writers from the networks it admits.

    Exposes ``account``, ``storage``, ``share``, ``writers`` and ``invitations`` for stacks that
    build on it.
    """

    def __init__(self, scope: Construct, *, azure: AzureSection, federation, state):
        super().__init__(scope, STACK_NAME, federation=federation, state=state)
        spec = azure.data_share
        AzurermProvider(
            self,
            "azurerm",
            features=[
                AzurermProviderFeatures(
                    resource_group=[AzurermProviderFeaturesResourceGroup(prevent_deletion_if_contains_resources=True)],
                    # Terraform manages the storage account through ARM only: its firewall denies the
                    # data plane, and no account key exists to reach it with.
                    storage=[AzurermProviderFeaturesStorage(data_plane_available=False)],
                    # Destroying an invitation's deployment deletes the invitation it created.
                    template_deployment=[
                        AzurermProviderFeaturesTemplateDeployment(delete_nested_items_during_deletion=True)
                    ],
                )
            ],
            storage_use_azuread=True,
            resource_providers_to_register=["Microsoft.DataShare"],
        )
        # time_sleep: datasets wait for the share identity's new role to take effect.
        TimeProvider(self, "time")
        apply_mandatory_tags(self, self.tags)
        client = DataAzurermClientConfig(self, "client")
        location = azure.location
        name = f"{self.prefix}-data-share"

        self.resource_group = ResourceGroup(self, "resource_group", name=f"{name}-rg", location=location)
        rg_name = self.resource_group.name
        logs = LogWorkspace(
            self,
            "logs",
            props=LogWorkspaceProps(name=f"{name}-logs", resource_group_name=rg_name, location=location),
        )
        self.account = GovernedDataShareAccount(
            self,
            "account",
            props=DataShareAccountProps(
                name=f"{name}-account", resource_group_name=rg_name, location=location, log_workspace_id=logs.id
            ),
        )
        datasets = tuple(BlobDatasetProps(container=d.container, folder=d.folder) for d in spec.datasets)
        self.storage = SecureStorageAccount(
            self,
            "storage",
            props=SecureStorageAccountProps(
                name=storage_account_name(self.federation.name, self.federation.environment, "share"),
                resource_group_name=rg_name,
                location=location,
                containers=tuple(dict.fromkeys(d.container for d in datasets)),
                log_workspace_id=logs.id,
                trusted_resource_ids=(self.account.id,),
                ip_rules=spec.allowed_networks,
                subnet_ids=spec.allowed_subnet_ids,
            ),
        )
        self.writers = ContainerWriters(
            self,
            "writers",
            storage=self.storage,
            writers=tuple(
                WriterProps(principal_id=w.principal_id, principal_type=w.principal_type, containers=w.containers)
                for w in spec.writers
            ),
            purpose=f"{name} producer",
        )
        schedule = None
        if spec.snapshot_schedule is not None:
            recurrence = spec.snapshot_schedule.recurrence
            schedule = SnapshotScheduleProps(
                name=f"{name}-{_CADENCE[recurrence]}",
                recurrence=recurrence,
                start_time=spec.snapshot_schedule.start_time_rfc3339,
            )
        self.share = BlobShare(
            self,
            "share",
            account=self.account,
            storage=self.storage,
            resource_group_name=rg_name,
            subscription_id=client.subscription_id,
            props=BlobShareProps(
                name=share_name(self.federation.name, self.federation.environment, "share"),
                terms=spec.terms,
                description=spec.description,
                datasets=datasets,
                schedule=schedule,
            ),
        )
        self.invitations = []
        for consumer in spec.consumers:
            invite = invitation_name(consumer.email)
            self.invitations.append(
                ShareInvitation(
                    self,
                    invite.replace("-", "_"),
                    resource_group_name=rg_name,
                    account_name=self.account.name,
                    share_name=self.share.name,
                    props=InvitationProps(
                        name=invite,
                        email=consumer.email,
                        deployment_name=f"{self.prefix}-{invite}",
                        expires=consumer.expiration_rfc3339,
                    ),
                    depends_on=list(self.share.datasets.values()),
                )
            )

        self.output("resource_group_name", rg_name, "Resource group holding the data share.")
        self.output(
            "data_share_account_id", self.account.id, "ID of the Data Share account (the seed's data_share_account_id)."
        )
        self.output(
            "data_share_account_principal_id",
            self.account.principal_id,
            "Object ID of the Data Share account's managed identity (reader of the source storage).",
        )
        self.output("data_share_id", self.share.id, "ID of the copy-based share.")
        self.output("data_share_name", self.share.name, "Name of the share, as consumers see it in invitations.")
        self.output("storage_account_name", self.storage.name, "Source storage account holding the shared containers.")
        self.output(
            "storage_account_id", self.storage.id, "ID of the source storage account (scope for uploader roles)."
        )
        self.output("blob_endpoint", self.storage.blob_endpoint, "Blob endpoint producers upload to (Entra ID only).")
        self.output(
            "container_urls",
            {c: f"{self.storage.blob_endpoint}{c}" for c in sorted(self.storage.containers)},
            "URL of each shared container, by name: the destination of uploads.",
        )
        self.output(
            "invitation_names",
            [invitation.name for invitation in self.invitations],
            "Names of the invitations, one per consumer, in spec order.",
        )
        self.output("log_analytics_workspace_id", logs.id, "Workspace receiving the share's and storage's logs.")
