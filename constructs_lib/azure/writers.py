"""Data-plane write access for named Entra ID principals, scoped to single blob containers.

The source storage account has no keys and a closed firewall, so a producer needs an Entra ID
role to upload (and a network the firewall admits, which ``storage`` configures). Each writer
gets *Storage Blob Data Contributor* on each container it may write, never on the account, so a
writer of one dataset cannot touch another's container, the account's settings or its keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cdktf_cdktf_provider_azurerm.role_assignment import RoleAssignment
from constructs import Construct

from constructs_lib.azure.storage import SecureStorageAccount

WRITER_ROLE = "Storage Blob Data Contributor"
PRINCIPAL_TYPES = frozenset({"User", "Group", "ServicePrincipal"})
_OBJECT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class WriterProps:
    """``principal_id`` a lowercase Entra ID object ID; ``principal_type`` one of User, Group,
    ServicePrincipal or ``None`` (Azure looks it up); ``containers`` the container names it may
    write (empty: every container of the storage account construct)."""

    principal_id: str
    principal_type: str | None = None
    containers: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self):
        if not _OBJECT_ID.match(self.principal_id):
            raise ValueError(f"WriterProps.principal_id {self.principal_id!r} must be a lowercase object ID (GUID)")
        if self.principal_type is not None and self.principal_type not in PRINCIPAL_TYPES:
            raise ValueError(f"WriterProps.principal_type must be one of {sorted(PRINCIPAL_TYPES)}")


class ContainerWriters(Construct):
    """One role assignment per (writer, container). Logical IDs derive from the object ID and
    the container name, so adding, removing or reordering writers leaves the others untouched.
    ``assignments`` maps (principal_id, container) to its ``RoleAssignment``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        storage: SecureStorageAccount,
        writers: tuple[WriterProps, ...],
        purpose: str,
    ):
        super().__init__(scope, construct_id)
        self.assignments: dict[tuple[str, str], RoleAssignment] = {}
        for writer in writers:
            unknown = sorted(set(writer.containers) - set(storage.containers))
            if unknown:
                raise ValueError(f"writer {writer.principal_id} names containers the account does not have: {unknown}")
            for container in writer.containers or tuple(storage.containers):
                key = (writer.principal_id, container)
                if key in self.assignments:
                    raise ValueError(f"writer {writer.principal_id} is given container {container!r} twice")
                self.assignments[key] = RoleAssignment(
                    self,
                    f"{writer.principal_id.replace('-', '')}_{container.replace('-', '_')}",
                    scope=storage.containers[container].id,
                    role_definition_name=WRITER_ROLE,
                    principal_id=writer.principal_id,
                    principal_type=writer.principal_type,
                    description=f"{purpose}: upload to container {container}",
                )
