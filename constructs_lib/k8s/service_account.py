"""A Kubernetes service account that acts as a Google service account through Workload Identity."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_kubernetes.service_account_v1 import ServiceAccountV1, ServiceAccountV1Metadata
from constructs import Construct

from constructs_lib.k8s.labels import managed

WORKLOAD_IDENTITY_ANNOTATION = "iam.gke.io/gcp-service-account"


@dataclass(frozen=True)
class WorkloadServiceAccountProps:
    """``name`` of the account in ``namespace``; ``component`` for its labels."""

    name: str
    namespace: str
    component: str = "workload-identity"


class WorkloadServiceAccount(Construct):
    """The account, with no automatically mounted API token (pods that need one must ask for it
    explicitly), annotated with the Google service account it impersonates when
    ``google_service_account_email`` is given (else it has no Google identity to act as)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        google_service_account_email: str | None = None,
        props: WorkloadServiceAccountProps,
    ):
        super().__init__(scope, construct_id)
        self.resource = ServiceAccountV1(
            self,
            "account",
            metadata=ServiceAccountV1Metadata(
                name=props.name,
                namespace=props.namespace,
                labels=managed({"app.kubernetes.io/component": props.component}),
                annotations={WORKLOAD_IDENTITY_ANNOTATION: google_service_account_email}
                if google_service_account_email
                else None,
            ),
            automount_service_account_token=False,
        )

    @property
    def name(self) -> str:
        return self.resource.metadata.name
