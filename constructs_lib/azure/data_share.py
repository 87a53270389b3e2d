"""A copy-based share of blob datasets, with the role its account needs to read them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf_cdktf_provider_azurerm.data_share import DataShare, DataShareSnapshotSchedule
from cdktf_cdktf_provider_azurerm.data_share_dataset_blob_storage import (
    DataShareDatasetBlobStorage,
    DataShareDatasetBlobStorageStorageAccount,
)
from cdktf_cdktf_provider_azurerm.role_assignment import RoleAssignment
from constructs import Construct

from constructs_lib.azure.data_share_account import GovernedDataShareAccount
from constructs_lib.azure.naming import dataset_name
from constructs_lib.azure.rbac_wait import DOCUMENTED_WORST_CASE, DURATION, RolePropagationWait
from constructs_lib.azure.storage import SecureStorageAccount

SHARE_NAME = re.compile(r"^\w{2,90}$")
DATASET_NAME = re.compile(r"^[\w-]{2,90}$")
SCHEDULE_NAME = re.compile(r"^[^&%#/]{1,90}$")
RECURRENCES = frozenset({"Hour", "Day"})
READER_ROLE = "Storage Blob Data Reader"


@dataclass(frozen=True)
class BlobDatasetProps:
    """A whole ``container`` of the source account, or one ``folder`` (blob prefix) in it."""

    container: str
    folder: str | None = None

    @property
    def name(self) -> str:
        return dataset_name(self.container, self.folder)


@dataclass(frozen=True)
class SnapshotScheduleProps:
    """Offer a new snapshot every ``recurrence`` (``Hour`` or ``Day``) from ``start_time``
    (RFC 3339 UTC, e.g. ``2026-01-01T00:00:00Z``); ``name`` 1-90 characters without ``&%#/``."""

    name: str
    recurrence: str
    start_time: str

    def __post_init__(self):
        if self.recurrence not in RECURRENCES:
            raise ValueError(f"SnapshotScheduleProps.recurrence must be one of {sorted(RECURRENCES)}")
        if not SCHEDULE_NAME.match(self.name):
            raise ValueError(f"SnapshotScheduleProps.name {self.name!r} must be 1-90 characters without &%#/")
        if not self.start_time.endswith("Z"):
            raise ValueError("SnapshotScheduleProps.start_time must be RFC 3339 in UTC (ending in Z)")


@dataclass(frozen=True)
class BlobShareProps:
    """``name`` 2-90 letters, digits and underscores; ``terms`` of use consumers must accept;
    one dataset per entry of ``datasets`` (their derived names must differ); an optional
    ``schedule`` for recurring snapshots (without one, snapshots are taken on demand);
    ``role_propagation_wait`` is how long datasets wait after the reader role is assigned
    (default 10m, Azure's documented worst case; see ``rbac_wait``)."""

    name: str
    terms: str
    datasets: tuple[BlobDatasetProps, ...]
    description: str | None = None
    schedule: SnapshotScheduleProps | None = None
    role_propagation_wait: str = DOCUMENTED_WORST_CASE

    def __post_init__(self):
        if not SHARE_NAME.match(self.name):
            raise ValueError(f"BlobShareProps.name {self.name!r} must be 2-90 letters, digits and underscores")
        if not self.terms.strip():
            raise ValueError("BlobShareProps.terms must not be empty: consumers accept them when they subscribe")
        if not self.datasets:
            raise ValueError("BlobShareProps.datasets must list at least one dataset")
        names = [d.name for d in self.datasets]
        for name in names:
            if not DATASET_NAME.match(name):
                raise ValueError(f"dataset name {name!r} must be 2-90 letters, digits, '-' and '_'")
        if len({n.replace("-", "_") for n in names}) != len(names):
            raise ValueError(f"BlobShareProps.datasets map to duplicate dataset names: {names}")
        if not DURATION.match(self.role_propagation_wait):
            raise ValueError("BlobShareProps.role_propagation_wait must be a whole number of s or m, e.g. 10m")


class BlobShare(Construct):
    """A CopyBased share in ``account`` over containers of ``storage``.

    The account's identity gets Storage Blob Data Reader on the storage account. Azure validates
    the identity's access when a dataset is created and rejects it otherwise, and a new role
    assignment takes minutes to take effect, so every dataset ``depends_on`` a ``time_sleep``
    (``propagation``) triggered by that assignment's ID: the first apply waits once, then creates
    the datasets. The stack must declare the ``time`` provider. ``subscription_id`` is the storage
    account's subscription (a token from ``azurerm_client_config`` is fine).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        account: GovernedDataShareAccount,
        storage: SecureStorageAccount,
        resource_group_name: str,
        subscription_id: str,
        props: BlobShareProps,
    ):
        super().__init__(scope, construct_id)
        missing = sorted({d.container for d in props.datasets} - set(storage.containers))
        if missing:
            raise ValueError(f"datasets name containers the storage account does not have: {missing}")
        schedule = None
        if props.schedule is not None:
            schedule = DataShareSnapshotSchedule(
                name=props.schedule.name,
                recurrence=props.schedule.recurrence,
                start_time=props.schedule.start_time,
            )
        self.share = DataShare(
            self,
            "share",
            name=props.name,
            account_id=account.id,
            kind="CopyBased",
            terms=props.terms,
            description=props.description,
            snapshot_schedule=schedule,
        )
        self.reader_role = RoleAssignment(
            self,
            "reader_role",
            scope=storage.id,
            role_definition_name=READER_ROLE,
            principal_id=account.principal_id,
            principal_type="ServicePrincipal",
            skip_service_principal_aad_check=True,
            description=f"Data Share {props.name} reads the blobs it shares",
        )
        self.propagation = RolePropagationWait(
            self,
            "reader_role_propagation",
            assignments={"reader_role_assignment_id": self.reader_role.id},
            duration=props.role_propagation_wait,
        )
        self.datasets = {}
        for dataset in props.datasets:
            self.datasets[dataset.name] = DataShareDatasetBlobStorage(
                self,
                f"dataset_{dataset.name.replace('-', '_')}",
                name=dataset.name,
                data_share_id=self.share.id,
                container_name=storage.containers[dataset.container].name,
                folder_path=dataset.folder,
                storage_account=DataShareDatasetBlobStorageStorageAccount(
                    name=storage.name,
                    resource_group_name=resource_group_name,
                    subscription_id=subscription_id,
                ),
                depends_on=[self.propagation.sleep],
            )

    @property
    def id(self) -> str:
        return self.share.id

    @property
    def name(self) -> str:
        return self.share.name
