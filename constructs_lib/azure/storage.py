"""A hardened, private StorageV2 account with private blob containers, for data that Azure
services (such as Data Share) read with their managed identities."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from cdktf import Token
from cdktf_cdktf_provider_azurerm.storage_account import (
    StorageAccount,
    StorageAccountBlobProperties,
    StorageAccountBlobPropertiesContainerDeleteRetentionPolicy,
    StorageAccountBlobPropertiesDeleteRetentionPolicy,
    StorageAccountNetworkRules,
    StorageAccountNetworkRulesPrivateLinkAccess,
)
from cdktf_cdktf_provider_azurerm.storage_container import StorageContainer
from cdktf_cdktf_provider_azurerm.storage_management_policy import (
    StorageManagementPolicy,
    StorageManagementPolicyRule,
    StorageManagementPolicyRuleActions,
    StorageManagementPolicyRuleActionsVersion,
    StorageManagementPolicyRuleFilters,
)
from constructs import Construct

from constructs_lib.azure.diagnostics import diagnostic_logs
from constructs_lib.azure.naming import STORAGE_ACCOUNT_NAME

RFC1918 = tuple(ipaddress.IPv4Network(b) for b in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
GEO_REDUNDANT = frozenset({"GRS", "RAGRS", "GZRS", "RAGZRS"})
STORAGE_LOG_CATEGORIES = ("StorageRead", "StorageWrite", "StorageDelete")


@dataclass(frozen=True)
class SecureStorageAccountProps:
    """``name`` 3-24 lowercase letters and digits (see ``naming.storage_account_name``);
    ``containers`` are created private; ``replication`` one of GRS (default), RAGRS, GZRS, RAGZRS;
    deleted blobs and containers are recoverable for ``soft_delete_days`` (1..365, default 30);
    old blob versions are deleted after ``version_retention_days`` (default 90) and the change feed
    is kept ``change_feed_days`` (default 90). ``trusted_resource_ids`` are Azure resource
    instances (e.g. a Data Share account) let through the firewall by resource-instance rules;
    trusted Azure services are let through in any case, but only act with an explicit role.
    ``ip_rules`` (public IPv4 addresses or ranges, no RFC 1918, no /31 or /32) and ``subnet_ids``
    (subnets with the Microsoft.Storage service endpoint) are the only other networks admitted;
    both default to none. Admitted clients still need an Entra ID role: there are no keys."""

    name: str
    resource_group_name: str
    location: str
    containers: tuple[str, ...]
    log_workspace_id: str
    replication: str = "GRS"
    soft_delete_days: int = 30
    version_retention_days: int = 90
    change_feed_days: int = 90
    trusted_resource_ids: tuple[str, ...] = field(default_factory=tuple)
    ip_rules: tuple[str, ...] = field(default_factory=tuple)
    subnet_ids: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self):
        if not Token.is_unresolved(self.name) and not STORAGE_ACCOUNT_NAME.match(self.name):
            raise ValueError(f"SecureStorageAccountProps.name {self.name!r} must be 3-24 lowercase letters and digits")
        if self.replication not in GEO_REDUNDANT:
            raise ValueError(f"SecureStorageAccountProps.replication must be one of {sorted(GEO_REDUNDANT)}")
        if not 1 <= self.soft_delete_days <= 365:
            raise ValueError("SecureStorageAccountProps.soft_delete_days must be between 1 and 365")
        if self.version_retention_days < 1 or self.change_feed_days < 1:
            raise ValueError("SecureStorageAccountProps retention periods must be at least 1 day")
        if len(set(self.containers)) != len(self.containers):
            raise ValueError("SecureStorageAccountProps.containers lists a container twice")
        for rule in self.ip_rules:
            _check_ip_rule(rule)


def _check_ip_rule(rule: str) -> None:
    """What Azure Storage accepts in ``ip_rules``: IPv4 only, no private (RFC 1918) ranges, /31
    and /32 written as bare addresses, and never the whole internet."""
    try:
        network = ipaddress.IPv4Network(rule)
    except ValueError:
        raise ValueError(f"SecureStorageAccountProps.ip_rules: {rule!r} is not an IPv4 address or range") from None
    if network.prefixlen in (0, 31) or ("/" in rule and network.prefixlen == 32):
        raise ValueError(f"SecureStorageAccountProps.ip_rules: {rule!r} has a prefix Azure Storage rejects")
    if any(network.overlaps(block) for block in RFC1918):
        raise ValueError(f"SecureStorageAccountProps.ip_rules: {rule!r} is a private range; use subnet_ids")


class SecureStorageAccount(Construct):
    """StorageV2, geo-redundant, TLS 1.2+ over HTTPS only, infrastructure (double) encryption,
    no anonymous blob access, no shared-key or SAS-by-key access (Entra ID only, which also makes
    OAuth the portal default), no local users or SFTP, no cross-tenant replication; firewall
    default deny with the Azure-services bypass (plus the ``ip_rules`` and ``subnet_ids`` given);
    blob versioning, change feed and soft delete
    for blobs and containers; old versions expire; read/write/delete logs of the blob and queue
    services go to Log Analytics.

    Containers are managed through Azure Resource Manager (``storage_account_id``), not the blob
    endpoint, so Terraform never needs a path through the firewall nor an account key.
    """

    def __init__(self, scope: Construct, construct_id: str, *, props: SecureStorageAccountProps):
        super().__init__(scope, construct_id)
        self.account = StorageAccount(
            self,
            "account",
            name=props.name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            account_kind="StorageV2",
            account_tier="Standard",
            account_replication_type=props.replication,
            access_tier="Hot",
            min_tls_version="TLS1_2",
            https_traffic_only_enabled=True,
            infrastructure_encryption_enabled=True,
            allow_nested_items_to_be_public=False,
            shared_access_key_enabled=False,
            default_to_oauth_authentication=True,
            local_user_enabled=False,
            sftp_enabled=False,
            cross_tenant_replication_enabled=False,
            public_network_access_enabled=True,
            network_rules=StorageAccountNetworkRules(
                default_action="Deny",
                bypass=["AzureServices"],
                ip_rules=list(props.ip_rules) or None,
                virtual_network_subnet_ids=list(props.subnet_ids) or None,
                private_link_access=[
                    StorageAccountNetworkRulesPrivateLinkAccess(endpoint_resource_id=resource_id)
                    for resource_id in props.trusted_resource_ids
                ]
                or None,
            ),
            blob_properties=StorageAccountBlobProperties(
                versioning_enabled=True,
                change_feed_enabled=True,
                change_feed_retention_in_days=props.change_feed_days,
                delete_retention_policy=StorageAccountBlobPropertiesDeleteRetentionPolicy(days=props.soft_delete_days),
                container_delete_retention_policy=StorageAccountBlobPropertiesContainerDeleteRetentionPolicy(
                    days=props.soft_delete_days
                ),
            ),
        )
        self.containers = {
            name: StorageContainer(
                self,
                f"container_{name.replace('-', '_')}",
                name=name,
                storage_account_id=self.account.id,
                container_access_type="private",
            )
            for name in props.containers
        }
        StorageManagementPolicy(
            self,
            "lifecycle",
            storage_account_id=self.account.id,
            rule=[
                StorageManagementPolicyRule(
                    name="expire-old-versions",
                    enabled=True,
                    filters=StorageManagementPolicyRuleFilters(blob_types=["blockBlob"]),
                    actions=StorageManagementPolicyRuleActions(
                        version=StorageManagementPolicyRuleActionsVersion(
                            delete_after_days_since_creation=props.version_retention_days
                        )
                    ),
                )
            ],
        )
        for service in ("blob", "queue"):
            diagnostic_logs(
                self,
                f"{service}_logs",
                name=f"{props.name}-{service}-logs",
                target_resource_id=f"{self.account.id}/{service}Services/default",
                workspace_id=props.log_workspace_id,
                categories=STORAGE_LOG_CATEGORIES,
            )

    @property
    def id(self) -> str:
        return self.account.id

    @property
    def name(self) -> str:
        return self.account.name

    @property
    def blob_endpoint(self) -> str:
        """``https://<name>.blob.core.windows.net/``: where producers upload with Entra ID."""
        return self.account.primary_blob_endpoint
