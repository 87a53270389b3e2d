"""The federated-learning workloads on one GKE cluster: namespace, identity, aggregator (on the
primary and secondary), training client and Job, and the NetworkPolicies around them."""

from __future__ import annotations

from cdktf_cdktf_provider_google.data_google_client_config import DataGoogleClientConfig
from cdktf_cdktf_provider_google.provider import GoogleProvider
from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider
from constructs import Construct

from constructs_lib.gcp.workload_identity import WorkloadIdentity, WorkloadIdentityProps
from constructs_lib.k8s import flower
from constructs_lib.k8s.aggregator import Aggregator, AggregatorProps, TlsFiles
from constructs_lib.k8s.client import TrainingClient, TrainingClientProps
from constructs_lib.k8s.namespace import RestrictedNamespace, RestrictedNamespaceProps
from constructs_lib.k8s.network_policy import FederationNetworkPolicies, FederationNetworkPolicyProps
from constructs_lib.k8s.pod import ContainerProps
from constructs_lib.k8s.service_account import WorkloadServiceAccount, WorkloadServiceAccountProps
from constructs_lib.k8s.training_job import TrainingJob, TrainingJobProps
from constructs_lib.k8s.volume import ClaimProps
from spec.gcp import GkeCluster
from spec.workload import Resources, WorkloadSection
from stacks.base import FederationStack
from stacks.gke_cluster import GkeClusterStack, gke_stack_name
from stacks.plan import PKI_STACK
from stacks.workload_addressing import aggregator_host
from stacks.workload_pki import AGGREGATOR_SERVICE, WorkloadPkiStack

KUBERNETES_SERVICE_ACCOUNT = "fl-workload"
CLIENT_NAME = "supernode"
TRAINING_JOB_NAME = "site-training"
SITE_DATA_CLAIM = "site-data"


def workload_stack_name(cluster: str) -> str:
    return f"workload-{cluster}"


def build(app: Construct, spec, plan, built: dict) -> WorkloadStack:
    """Builder used by ``build_app``: the cluster named by ``plan.key``, the aggregators' static
    IPs from their cluster stacks, and the certificate from the PKI stack."""
    cluster = next(c for c in spec.gcp.clusters if c.name == plan.key)
    primary = next(c for c in spec.gcp.clusters if c.role == "primary")
    aggregator_ips = [built[gke_stack_name(c.name)].aggregator_ip for c in spec.gcp.clusters if c.runs_aggregator]
    return WorkloadStack(
        app,
        cluster=cluster,
        workload=spec.workload,
        gke=built[gke_stack_name(cluster.name)],
        pki=built[PKI_STACK],
        aggregator_ips=aggregator_ips,
        aggregator_host=aggregator_host(spec, built[gke_stack_name(primary.name)].aggregator_ip),
        federation=spec.federation,
        state=spec.state,
    )


def _container(name: str, image: str, resources: Resources, **kwargs) -> ContainerProps:
    return ContainerProps(
        name=name,
        image=image,
        cpu_request=resources.cpu_request,
        cpu_limit=resources.cpu_limit,
        memory_request=resources.memory_request,
        memory_limit=resources.memory_limit,
        **kwargs,
    )


class WorkloadStack(FederationStack):
    """The stack ``workload-<cluster name>``. Its kubernetes provider reaches the cluster through
    the cluster stack's endpoint and CA (cross-stack references) with the deployer's Google
    access token, so no credential is stored anywhere.

    Exposes ``namespace``, ``kubernetes_service_account``, ``google_service_account_email``,
    ``aggregator_address`` (what clients dial) and, on aggregator clusters, ``aggregator``.
    """

    def __init__(
        self,
        scope: Construct,
        *,
        cluster: GkeCluster,
        workload: WorkloadSection,
        gke: GkeClusterStack,
        pki: WorkloadPkiStack,
        aggregator_ips: list[str],
        aggregator_host: str,
        federation,
        state,
    ):
        super().__init__(scope, workload_stack_name(cluster.name), federation=federation, state=state)
        GoogleProvider(self, "google", project=gke.project, region=gke.location, default_labels=self.tags)
        client_config = DataGoogleClientConfig(self, "client_config")
        # The cluster's DNS endpoint: reachable from wherever the deployer runs, authorized by IAM
        # (container.clusters.connect) on the deployer's Google token. Its certificate comes from
        # a public CA, so no cluster_ca_certificate: the cluster CA signs only the IP endpoints.
        KubernetesProvider(self, "kubernetes", host=f"https://{gke.dns_endpoint}", token=client_config.access_token)
        agg = workload.aggregator
        self.aggregator_address = f"{aggregator_host}:{agg.fleet_port}"

        namespace = RestrictedNamespace(
            self,
            "workload_namespace",
            props=RestrictedNamespaceProps(name=workload.namespace, labels={"federated-learning/site": cluster.name}),
        )
        self.namespace = namespace.name
        identity = WorkloadIdentity(
            self,
            "workload_identity",
            props=WorkloadIdentityProps(
                name=f"{self.prefix}-{cluster.name}-fl",
                workload_pool=gke.workload_identity_pool,
                namespace=workload.namespace,
                kubernetes_service_account=KUBERNETES_SERVICE_ACCOUNT,
                display_name=f"Federated-learning workloads on {gke.cluster_name}",
            ),
        )
        self.google_service_account_email = identity.email
        account = WorkloadServiceAccount(
            self,
            "service_account",
            google_service_account_email=identity.email,
            props=WorkloadServiceAccountProps(name=KUBERNETES_SERVICE_ACCOUNT, namespace=self.namespace),
        )
        self.kubernetes_service_account = account.name

        self.aggregator = None
        if cluster.runs_aggregator:
            self.aggregator = Aggregator(
                self,
                "aggregator",
                service_account=account.name,
                load_balancer_ip=gke.aggregator_ip,
                tls=TlsFiles(
                    mount_dir=flower.CERT_DIR,
                    ca_certificate_pem=pki.ca_certificate_pem,
                    certificate_pem=pki.certificate_pem,
                    private_key_pem=pki.private_key_pem,
                ),
                props=AggregatorProps(
                    name=AGGREGATOR_SERVICE,
                    namespace=self.namespace,
                    container=_container(
                        AGGREGATOR_SERVICE,
                        agg.image,
                        agg.resources,
                        args=tuple(
                            flower.superlink_args(
                                fleet_port=agg.fleet_port, control_port=agg.control_port, extra=agg.args
                            )
                        ),
                        ports=(("fleet", agg.fleet_port), ("control", agg.control_port)),
                        probe_port=agg.fleet_port,
                        run_as_user=flower.FLOWER_UID,
                    ),
                    fleet_port=agg.fleet_port,
                    control_port=agg.control_port,
                    state=ClaimProps(
                        name=f"{AGGREGATOR_SERVICE}-state",
                        size=agg.state_storage,
                        storage_class=workload.client.storage_class,
                    ),
                    state_dir=flower.STATE_DIR,
                    fleet_source_ranges=agg.fleet_source_ranges,
                    scratch_dirs=flower.SCRATCH_DIRS,
                ),
            )

        client = workload.client
        site = TrainingClient(
            self,
            "client",
            service_account=account.name,
            ca_certificate_pem=pki.ca_certificate_pem,
            props=TrainingClientProps(
                name=CLIENT_NAME,
                namespace=self.namespace,
                replicas=client.replicas,
                container=_container(
                    CLIENT_NAME,
                    client.image,
                    client.resources,
                    args=tuple(flower.supernode_args(superlink=self.aggregator_address, extra=client.args)),
                    env={"FL_DATA_DIR": flower.DATA_DIR, "FL_SITE": cluster.name},
                    ports=(("clientappio", flower.CLIENTAPPIO_PORT),),
                    probe_port=flower.CLIENTAPPIO_PORT,
                    run_as_user=flower.FLOWER_UID,
                ),
                data=ClaimProps(name=SITE_DATA_CLAIM, size=client.storage, storage_class=client.storage_class),
                ca_dir=flower.CA_DIR,
                data_dir=flower.DATA_DIR,
                scratch_dirs=flower.SCRATCH_DIRS,
            ),
        )
        if workload.training:
            training = workload.training
            TrainingJob(
                self,
                "training",
                service_account=account.name,
                site=site.site,
                props=TrainingJobProps(
                    name=TRAINING_JOB_NAME,
                    namespace=self.namespace,
                    container=_container(
                        "training",
                        training.image,
                        training.resources,
                        command=training.command,
                        args=training.args,
                        env={
                            "FL_AGGREGATOR_ADDRESS": self.aggregator_address,
                            "FL_ROOT_CERTIFICATES": f"{flower.CA_DIR}/ca.crt",
                            "FL_DATA_DIR": flower.DATA_DIR,
                            "FL_SITE": cluster.name,
                        },
                        run_as_user=training.run_as_user,
                    ),
                    backoff_limit=training.backoff_limit,
                    active_deadline_seconds=training.active_deadline_seconds,
                    ttl_seconds_after_finished=training.ttl_seconds_after_finished,
                ),
            )

        FederationNetworkPolicies(
            self,
            "network_policies",
            aggregator_ips=aggregator_ips,
            props=FederationNetworkPolicyProps(
                namespace=self.namespace,
                fleet_port=agg.fleet_port,
                control_port=agg.control_port,
                runs_aggregator=cluster.runs_aggregator,
                fleet_source_ranges=agg.fleet_source_ranges,
                https_egress=workload.https_egress,
            ),
        )

        self.output(
            "aggregator_address",
            self.aggregator_address,
            "Fleet API address (host:port) this cluster's clients dial; TLS, verified against the federation CA.",
        )
        self.output("namespace", self.namespace, "Namespace of the federated-learning workloads.")
        self.output(
            "kubernetes_service_account",
            self.kubernetes_service_account,
            "Kubernetes service account of the workloads (acts as google_service_account via Workload Identity).",
        )
        self.output(
            "google_service_account",
            self.google_service_account_email,
            "Google service account of the workloads: grant it access to the site's data.",
        )
        if self.aggregator is not None:
            self.output(
                "served_aggregator_address",
                f"{gke.aggregator_ip}:{agg.fleet_port}",
                f"Fleet API address of the {cluster.role} aggregator running in this cluster (its static IP).",
            )
            self.output(
                "control_address",
                self.aggregator.control_address,
                "In-cluster control API address (flwr run); reach it with kubectl port-forward or from operator pods.",
            )
