"""A Google service account for Kubernetes workloads, impersonable by exactly one Kubernetes
service account through Workload Identity (no key is ever created)."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_google.service_account import ServiceAccount
from cdktf_cdktf_provider_google.service_account_iam_member import ServiceAccountIamMember
from constructs import Construct

from constructs_lib.gcp.naming import SERVICE_ACCOUNT_ID_LIMIT, bounded_name

WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"


@dataclass(frozen=True)
class WorkloadIdentityProps:
    """``name`` becomes the account ID (shortened with a hash past 30 characters); the Kubernetes
    service account ``namespace``/``kubernetes_service_account`` of the cluster whose Workload
    Identity pool is ``workload_pool`` (``<project>.svc.id.goog``) may act as it. The account gets
    no project roles here: grant it what the workload needs (e.g. read on the site's bucket)."""

    name: str
    workload_pool: str
    namespace: str
    kubernetes_service_account: str
    display_name: str = ""

    def __post_init__(self):
        if not self.workload_pool.endswith(".svc.id.goog"):
            raise ValueError("WorkloadIdentityProps.workload_pool must be <project>.svc.id.goog")

    @property
    def member(self) -> str:
        return f"serviceAccount:{self.workload_pool}[{self.namespace}/{self.kubernetes_service_account}]"


class WorkloadIdentity(Construct):
    """The account plus a non-authoritative ``roles/iam.workloadIdentityUser`` binding on it for
    the one Kubernetes service account."""

    def __init__(self, scope: Construct, construct_id: str, *, props: WorkloadIdentityProps):
        super().__init__(scope, construct_id)
        self.account = ServiceAccount(
            self,
            "account",
            account_id=bounded_name(props.name, SERVICE_ACCOUNT_ID_LIMIT),
            display_name=props.display_name or props.name,
            description=(
                f"Federated-learning workloads: {props.namespace}/{props.kubernetes_service_account} "
                "through Workload Identity"
            ),
        )
        self.binding = ServiceAccountIamMember(
            self,
            "workload_identity_user",
            service_account_id=self.account.name,
            role=WORKLOAD_IDENTITY_USER,
            member=props.member,
        )

    @property
    def email(self) -> str:
        return self.account.email
