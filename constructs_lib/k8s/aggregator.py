"""The coordination service (aggregator): one hardened pod holding the SuperLink and the executor
that runs its ServerApps, with the TLS secret and the state volume; a LoadBalancer Service on a
reserved IP for the client-facing port only, and a cluster-internal Service for the control port."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from cdktf import Fn
from cdktf_cdktf_provider_kubernetes import deployment_v1
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
from cdktf_cdktf_provider_kubernetes.service_v1 import ServiceV1, ServiceV1Metadata, ServiceV1Spec, ServiceV1SpecPort
from constructs import Construct

from constructs_lib.k8s.labels import app_labels, managed
from constructs_lib.k8s.pod import TMP_DIR, ContainerProps, Mount, PodTemplate, Volume, with_scratch
from constructs_lib.k8s.volume import ClaimProps, PersistentClaim

ROLE_LABEL = "federated-learning/role"
"""Pods are selected by NetworkPolicies through this label: ``aggregator``, ``client``, ``operator``."""

CHECKSUM_ANNOTATION = "federated-learning/credentials-sha256"
"""Pod-template annotation: a hash of the certificates and keys the pod mounts, so renewing one
changes the template and rolls the pods (Flower reads them only at start)."""


@dataclass(frozen=True)
class TlsFiles:
    """Where the server certificate secret is mounted and the PEM tokens that fill it."""

    mount_dir: str
    ca_certificate_pem: str
    certificate_pem: str
    private_key_pem: str


@dataclass(frozen=True)
class AggregatorProps:
    """``name`` of the Deployment, Services, secret and claim (``<name>-...``) in ``namespace``;
    ``server`` the SuperLink container (its ports must include ``fleet_port`` and
    ``control_port``), which alone mounts the TLS secret and the ``state`` claim (at
    ``state_dir``); ``executor`` the ServerApp executor beside it, which mounts neither;
    ``scratch_dirs`` writable emptyDirs of each container."""

    name: str
    namespace: str
    server: ContainerProps
    executor: ContainerProps
    fleet_port: int
    control_port: int
    state: ClaimProps
    state_dir: str
    scratch_dirs: tuple[str, ...] = (TMP_DIR,)

    def __post_init__(self):
        ports = {number for _, number in self.server.ports}
        if not {self.fleet_port, self.control_port} <= ports:
            raise ValueError("AggregatorProps.server must expose fleet_port and control_port")
        if self.fleet_port == self.control_port:
            raise ValueError("AggregatorProps.fleet_port and control_port must differ")
        if self.executor.ports:
            raise ValueError("AggregatorProps.executor must expose no port (it dials the SuperLink in the pod)")


class Aggregator(Construct):
    """Single replica (the state database is single-writer), recreated rather than rolled so the
    ReadWriteOnce state volume is released first. The LoadBalancer admits only
    ``fleet_source_ranges`` (a list, possibly a token) and keeps client source IPs
    (``externalTrafficPolicy: Local``) so the NetworkPolicies see the real sources."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service_account: str,
        load_balancer_ip: str,
        fleet_source_ranges: Sequence[str],
        tls: TlsFiles,
        props: AggregatorProps,
    ):
        super().__init__(scope, construct_id)
        self.props = props
        self.pod_labels = {**app_labels(props.name, "aggregator"), ROLE_LABEL: "aggregator"}
        self.tls_secret = SecretV1(
            self,
            "tls",
            metadata=SecretV1Metadata(
                name=f"{props.name}-tls",
                namespace=props.namespace,
                labels=managed(app_labels(props.name, "aggregator")),
            ),
            type="kubernetes.io/tls",
            data={
                "ca.crt": tls.ca_certificate_pem,
                "tls.crt": tls.certificate_pem,
                "tls.key": tls.private_key_pem,
            },
        )
        self.state = PersistentClaim(self, "state", namespace=props.namespace, props=props.state)
        server = replace(
            props.server,
            mounts=(
                *props.server.mounts,
                Mount("tls", tls.mount_dir),
                Mount("state", props.state_dir, read_only=False),
            ),
        )
        server, server_scratch = with_scratch(server, props.scratch_dirs)
        executor, executor_scratch = with_scratch(props.executor, props.scratch_dirs)
        volumes = [
            Volume("tls", "secret", self.tls_secret.metadata.name),
            Volume("state", "claim", self.state.name),
            *server_scratch,
            *executor_scratch,
        ]
        checksum = Fn.sha256(Fn.join("\n", [tls.ca_certificate_pem, tls.certificate_pem, tls.private_key_pem]))
        template = PodTemplate(deployment_v1, "DeploymentV1SpecTemplateSpec")
        self.deployment = DeploymentV1(
            self,
            "deployment",
            metadata=DeploymentV1Metadata(
                name=props.name, namespace=props.namespace, labels=managed(app_labels(props.name, "aggregator"))
            ),
            spec=DeploymentV1Spec(
                replicas="1",
                strategy=DeploymentV1SpecStrategy(type="Recreate"),
                revision_history_limit=5,
                selector=DeploymentV1SpecSelector(match_labels=self.pod_labels),
                template=DeploymentV1SpecTemplate(
                    metadata=DeploymentV1SpecTemplateMetadata(
                        labels=self.pod_labels, annotations={CHECKSUM_ANNOTATION: checksum}
                    ),
                    spec=template.pod_spec(
                        containers=[server, executor],
                        volumes=volumes,
                        service_account=service_account,
                        run_as_user=server.run_as_user,
                    ),
                ),
            ),
        )
        self.fleet_service = ServiceV1(
            self,
            "fleet_service",
            metadata=ServiceV1Metadata(
                name=f"{props.name}-fleet",
                namespace=props.namespace,
                labels=managed(app_labels(props.name, "aggregator")),
            ),
            spec=ServiceV1Spec(
                type="LoadBalancer",
                load_balancer_ip=load_balancer_ip,
                load_balancer_source_ranges=fleet_source_ranges,
                external_traffic_policy="Local",
                selector=self.pod_labels,
                port=[ServiceV1SpecPort(name="fleet", port=props.fleet_port, target_port="fleet", protocol="TCP")],
            ),
        )
        self.control_service = ServiceV1(
            self,
            "control_service",
            metadata=ServiceV1Metadata(
                name=f"{props.name}-control",
                namespace=props.namespace,
                labels=managed(app_labels(props.name, "aggregator")),
            ),
            spec=ServiceV1Spec(
                type="ClusterIP",
                selector=self.pod_labels,
                port=[
                    ServiceV1SpecPort(name="control", port=props.control_port, target_port="control", protocol="TCP")
                ],
            ),
        )
