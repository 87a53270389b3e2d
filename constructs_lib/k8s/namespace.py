"""A namespace that enforces the Pod Security Standard ``restricted`` profile."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1, NamespaceV1Metadata
from constructs import Construct

from constructs_lib.k8s.labels import PART_OF

POD_SECURITY_MODES = ("enforce", "audit", "warn")
POD_SECURITY_LEVEL = "restricted"


@dataclass(frozen=True)
class RestrictedNamespaceProps:
    """``name`` of the namespace; ``labels`` added to it; ``pod_security_version`` the version of
    the ``restricted`` profile to enforce (default ``latest``: new controls as the cluster
    upgrades, which is what a hardened namespace wants)."""

    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    pod_security_version: str = "latest"


class RestrictedNamespace(Construct):
    """The namespace with ``pod-security.kubernetes.io/{enforce,audit,warn}=restricted``: the API
    server rejects any pod that runs as root, escalates privileges, keeps capabilities or lacks
    a seccomp profile."""

    def __init__(self, scope: Construct, construct_id: str, *, props: RestrictedNamespaceProps):
        super().__init__(scope, construct_id)
        labels = {"app.kubernetes.io/part-of": PART_OF, **props.labels}
        for mode in POD_SECURITY_MODES:
            labels[f"pod-security.kubernetes.io/{mode}"] = POD_SECURITY_LEVEL
            labels[f"pod-security.kubernetes.io/{mode}-version"] = props.pod_security_version
        self.resource = NamespaceV1(
            self, "namespace", metadata=NamespaceV1Metadata(name=props.name, labels=dict(sorted(labels.items())))
        )

    @property
    def name(self) -> str:
        """The namespace name as a reference, so objects in it wait for it."""
        return self.resource.metadata.name
