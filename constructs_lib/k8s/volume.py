"""A PersistentVolumeClaim for a site's data or a service's state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cdktf_cdktf_provider_kubernetes.persistent_volume_claim_v1 import (
    PersistentVolumeClaimV1,
    PersistentVolumeClaimV1Metadata,
    PersistentVolumeClaimV1Spec,
    PersistentVolumeClaimV1SpecResources,
)
from constructs import Construct

from constructs_lib.k8s.labels import managed


@dataclass(frozen=True)
class ClaimProps:
    """``name`` of the claim; ``size`` a storage quantity (``20Gi``); ``storage_class`` (GKE's
    ``standard-rwo``: a balanced persistent disk, encrypted at rest by Google by default);
    ReadWriteOnce, so every pod that mounts it must run on one node."""

    name: str
    size: str
    storage_class: str = "standard-rwo"
    labels: Mapping[str, str] = field(default_factory=dict)


class PersistentClaim(Construct):
    """The claim. Terraform does not wait for it to bind: with ``WaitForFirstConsumer`` storage
    classes (GKE's default) it binds only once a pod uses it, in the pod's zone."""

    def __init__(self, scope: Construct, construct_id: str, *, namespace: str, props: ClaimProps):
        super().__init__(scope, construct_id)
        self.resource = PersistentVolumeClaimV1(
            self,
            "claim",
            metadata=PersistentVolumeClaimV1Metadata(
                name=props.name, namespace=namespace, labels=managed(dict(props.labels))
            ),
            spec=PersistentVolumeClaimV1Spec(
                access_modes=["ReadWriteOnce"],
                storage_class_name=props.storage_class,
                resources=PersistentVolumeClaimV1SpecResources(requests={"storage": props.size}),
            ),
            wait_until_bound=False,
        )

    @property
    def name(self) -> str:
        return self.resource.metadata.name
