"""A site's training client: the federation CA it trusts, its SuperNode key, the site's data
volume, and the long-running Deployment of the SuperNode and the ClientApp executor (where
training runs, on the site's data)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from cdktf import Fn
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
from cdktf_cdktf_provider_kubernetes.secret_v1 import SecretV1, SecretV1Metadata
from constructs import Construct

from constructs_lib.k8s.aggregator import CHECKSUM_ANNOTATION, ROLE_LABEL
from constructs_lib.k8s.labels import app_labels, managed
from constructs_lib.k8s.pod import TMP_DIR, ContainerProps, Mount, PodTemplate, Volume, with_scratch
from constructs_lib.k8s.volume import ClaimProps, PersistentClaim

SITE_DATA_LABEL = "federated-learning/site-data"
"""Carried by every pod that mounts the site's data volume; they are scheduled onto one node."""

CA_CONFIG_MAP = "federation-ca"


@dataclass(frozen=True)
class NodeKeyFiles:
    """Where the SuperNode's private key secret is mounted, the file name, and the key token."""

    mount_dir: str
    file_name: str
    private_key_openssh: str


@dataclass(frozen=True)
class TrainingClientProps:
    """``name`` of the Deployment in ``namespace``; ``replicas`` SuperNodes per site (0 pauses
    the site; they share the site's key and data); ``supernode`` the SuperNode container, which
    alone mounts the CA (at ``ca_dir``) and the node key; ``executor`` the ClientApp executor,
    which alone mounts the ``data`` claim at ``data_dir`` (read-only unless ``data_read_only``
    is False); ``scratch_dirs`` writable emptyDirs of each container."""

    name: str
    namespace: str
    replicas: int
    supernode: ContainerProps
    executor: ContainerProps
    data: ClaimProps
    ca_dir: str
    data_dir: str
    data_read_only: bool = True
    scratch_dirs: tuple[str, ...] = (TMP_DIR,)

    def __post_init__(self):
        if self.replicas < 0:
            raise ValueError("TrainingClientProps.replicas must be >= 0")
        if self.supernode.ports or self.executor.ports:
            raise ValueError("TrainingClientProps containers expose no port (the SuperNode dials out)")


class TrainingClient(Construct):
    """The CA config map (public certificate only), the node-key secret (read only by the
    ``supernode`` container), the ReadWriteOnce site data claim, and the Deployment: recreated
    rather than rolled (the volume is released first), pinned with every other user of the site
    data to the node that has it attached, and rolled when the CA or the node key changes.
    Terraform does not wait for the rollout (see ``wait_for_rollout`` below)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service_account: str,
        ca_certificate_pem: str,
        node_key: NodeKeyFiles,
        props: TrainingClientProps,
    ):
        super().__init__(scope, construct_id)
        labels = managed(app_labels(props.name, "client"))
        self.ca_config_map = ConfigMapV1(
            self,
            "federation_ca",
            metadata=ConfigMapV1Metadata(name=CA_CONFIG_MAP, namespace=props.namespace, labels=labels),
            data={"ca.crt": ca_certificate_pem},
        )
        self.node_key_secret = SecretV1(
            self,
            "node_key",
            metadata=SecretV1Metadata(name=f"{props.name}-node-key", namespace=props.namespace, labels=labels),
            type="Opaque",
            data={node_key.file_name: node_key.private_key_openssh},
        )
        self.data = PersistentClaim(self, "site_data", namespace=props.namespace, props=props.data)
        co_locate = {SITE_DATA_LABEL: props.data.name}
        self.pod_labels = {**app_labels(props.name, "client"), ROLE_LABEL: "client", **co_locate}
        supernode = replace(
            props.supernode,
            mounts=(
                *props.supernode.mounts,
                Mount("federation-ca", props.ca_dir),
                Mount("node-key", node_key.mount_dir),
            ),
        )
        executor = replace(
            props.executor,
            mounts=(*props.executor.mounts, Mount("site-data", props.data_dir, read_only=props.data_read_only)),
        )
        supernode, supernode_scratch = with_scratch(supernode, props.scratch_dirs)
        executor, executor_scratch = with_scratch(executor, props.scratch_dirs)
        volumes = [
            Volume("federation-ca", "config_map", self.ca_config_map.metadata.name),
            Volume("node-key", "secret", self.node_key_secret.metadata.name),
            Volume("site-data", "claim", self.data.name),
            *supernode_scratch,
            *executor_scratch,
        ]
        checksum = Fn.sha256(Fn.join("\n", [ca_certificate_pem, node_key.private_key_openssh]))
        template = PodTemplate(deployment_v1, "DeploymentV1SpecTemplateSpec")
        self.deployment = DeploymentV1(
            self,
            "deployment",
            metadata=DeploymentV1Metadata(name=props.name, namespace=props.namespace, labels=labels),
            # A SuperNode exits until its key is registered on the aggregator (registration runs
            # in the aggregators' stacks) and Kubernetes restarts it: do not block the apply.
            wait_for_rollout=False,
            spec=DeploymentV1Spec(
                replicas=str(props.replicas),
                strategy=DeploymentV1SpecStrategy(type="Recreate"),
                revision_history_limit=5,
                selector=DeploymentV1SpecSelector(match_labels=self.pod_labels),
                template=DeploymentV1SpecTemplate(
                    metadata=DeploymentV1SpecTemplateMetadata(
                        labels=self.pod_labels, annotations={CHECKSUM_ANNOTATION: checksum}
                    ),
                    spec=template.pod_spec(
                        containers=[supernode, executor],
                        volumes=volumes,
                        service_account=service_account,
                        run_as_user=supernode.run_as_user,
                        co_locate=co_locate,
                    ),
                ),
            ),
        )
