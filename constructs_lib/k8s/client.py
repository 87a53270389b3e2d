"""A site's training client: the federation CA it trusts, the site's data volume, and the
long-running client Deployment that connects to the aggregator."""

from __future__ import annotations

from dataclasses import dataclass, replace

from cdktf_cdktf_provider_kubernetes import deployment_v1
from cdktf_cdktf_provider_kubernetes.config_map_v1 import ConfigMapV1, ConfigMapV1Metadata
from cdktf_cdktf_provider_kubernetes.deployment_v1 import (
    DeploymentV1,
    DeploymentV1Metadata,
    DeploymentV1Spec,
    DeploymentV1SpecSelector,
    DeploymentV1SpecStrategy,
    DeploymentV1SpecTemplate,
    DeploymentV1SpecTemplateMetadata,
)
from constructs import Construct

from constructs_lib.k8s.aggregator import ROLE_LABEL
from constructs_lib.k8s.labels import app_labels, managed
from constructs_lib.k8s.pod import TMP_DIR, ContainerProps, Mount, PodTemplate, Volume, scratch_name
from constructs_lib.k8s.volume import ClaimProps, PersistentClaim

SITE_DATA_LABEL = "federated-learning/site-data"
"""Carried by every pod that mounts the site's data volume; they are scheduled onto one node."""


@dataclass(frozen=True)
class SiteData:
    """What a pod needs to use the site: the CA config map (mounted at ``ca_dir``) and the data
    claim (mounted read-write at ``data_dir``). ``data_claim`` is the claim's literal name (it
    labels the pods); ``data_claim_ref`` and ``ca_config_map`` are references, so pods wait for
    the objects they mount."""

    ca_config_map: str
    ca_dir: str
    data_claim: str
    data_claim_ref: str
    data_dir: str

    @property
    def co_locate(self) -> dict[str, str]:
        return {SITE_DATA_LABEL: self.data_claim}

    def volumes(self) -> list[Volume]:
        return [
            Volume("federation-ca", "config_map", self.ca_config_map),
            Volume("site-data", "claim", self.data_claim_ref),
        ]

    def mounts(self) -> tuple[Mount, ...]:
        return (Mount("federation-ca", self.ca_dir), Mount("site-data", self.data_dir, read_only=False))


@dataclass(frozen=True)
class TrainingClientProps:
    """``name`` of the Deployment in ``namespace``; ``replicas`` clients per site (0 pauses the
    site); ``container`` the hardened client container; ``data`` the site data claim;
    ``ca_dir``/``data_dir`` mount points; ``scratch_dirs`` writable emptyDirs."""

    name: str
    namespace: str
    replicas: int
    container: ContainerProps
    data: ClaimProps
    ca_dir: str
    data_dir: str
    scratch_dirs: tuple[str, ...] = (TMP_DIR,)

    def __post_init__(self):
        if self.replicas < 0:
            raise ValueError("TrainingClientProps.replicas must be >= 0")


class TrainingClient(Construct):
    """The CA config map (public certificate only), the ReadWriteOnce site data claim, and the
    client Deployment: recreated rather than rolled (the volume is released first) and pinned,
    with every other pod of the site data, to the node that has the volume attached."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service_account: str,
        ca_certificate_pem: str,
        props: TrainingClientProps,
    ):
        super().__init__(scope, construct_id)
        labels = managed(app_labels(props.name, "client"))
        self.ca_config_map = ConfigMapV1(
            self,
            "federation_ca",
            metadata=ConfigMapV1Metadata(name="federation-ca", namespace=props.namespace, labels=labels),
            data={"ca.crt": ca_certificate_pem},
        )
        self.data = PersistentClaim(self, "site_data", namespace=props.namespace, props=props.data)
        self.site = SiteData(
            ca_config_map=self.ca_config_map.metadata.name,
            ca_dir=props.ca_dir,
            data_claim=props.data.name,
            data_claim_ref=self.data.name,
            data_dir=props.data_dir,
        )
        self.pod_labels = {**app_labels(props.name, "client"), ROLE_LABEL: "client", **self.site.co_locate}
        scratch = [Volume(scratch_name(path), "scratch") for path in props.scratch_dirs]
        mounts = self.site.mounts() + tuple(
            Mount(scratch_name(path), path, read_only=False) for path in props.scratch_dirs
        )
        container = replace(props.container, mounts=props.container.mounts + mounts)
        template = PodTemplate(deployment_v1, "DeploymentV1SpecTemplateSpec")
        self.deployment = DeploymentV1(
            self,
            "deployment",
            metadata=DeploymentV1Metadata(name=props.name, namespace=props.namespace, labels=labels),
            spec=DeploymentV1Spec(
                replicas=str(props.replicas),
                strategy=DeploymentV1SpecStrategy(type="Recreate"),
                revision_history_limit=5,
                selector=DeploymentV1SpecSelector(match_labels=self.pod_labels),
                template=DeploymentV1SpecTemplate(
                    metadata=DeploymentV1SpecTemplateMetadata(labels=self.pod_labels),
                    spec=template.pod_spec(
                        containers=[container],
                        volumes=self.site.volumes() + scratch,
                        service_account=service_account,
                        run_as_user=container.run_as_user,
                        co_locate=self.site.co_locate,
                    ),
                ),
            ),
        )
