"""The federated-learning workloads on one GKE cluster: namespace, identity, the aggregator
(SuperLink and ServerApp executor, on the primary and secondary) with the registration of every
SuperNode key, the site's SuperNode and ClientApp executor, and the NetworkPolicies around them."""

from __future__ import annotations

from cdktf import Fn, Token
from cdktf_cdktf_provider_google.data_google_client_config import DataGoogleClientConfig
from cdktf_cdktf_provider_google.provider import GoogleProvider
from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider
from constructs import Construct

from constructs_lib.gcp.workload_identity import WorkloadIdentity, WorkloadIdentityProps
from constructs_lib.k8s import flower
from constructs_lib.k8s.aggregator import Aggregator, AggregatorProps, TlsFiles
from constructs_lib.k8s.client import NodeKeyFiles, TrainingClient, TrainingClientProps
from constructs_lib.k8s.namespace import RestrictedNamespace, RestrictedNamespaceProps
from constructs_lib.k8s.network_policy import FederationNetworkPolicies, FederationNetworkPolicyProps
from constructs_lib.k8s.operator_access import ControlOperators, ControlOperatorsProps
from constructs_lib.k8s.pod import ContainerProps
from constructs_lib.k8s.registration import RegistrationProps, SupernodeRegistration
from constructs_lib.k8s.service_account import WorkloadServiceAccount, WorkloadServiceAccountProps
from constructs_lib.k8s.volume import ClaimProps
from constructs_lib.tree import resources_under
from federation_spec.gcp import GkeCluster
from federation_spec.workload import Resources, WorkloadSection
from stacks.base import FederationStack
from stacks.federation_trust import FederationTrustStack
from stacks.gke_cluster import GkeClusterStack, gke_stack_name
from stacks.node_key import NodeKeyStack
from stacks.plan import (
    DNS_STACK,
    PKI_STACK,
    TRUST_STACK,
    aws_member_regions,
    aws_region_stack_name,
    node_key_stack_name,
)
from stacks.workload_addressing import aggregator_host
from stacks.workload_pki import AGGREGATOR_SERVICE, WorkloadPkiStack, control_service_address

GKE_MANAGED_ANNOTATIONS = (r"^cloud\.google\.com/neg$", r"^cloud\.google\.com/neg-status$")
"""Annotations GKE writes on Services itself: in VPC-native clusters its NEG controller marks every
Service ``cloud.google.com/neg: '{"ingress":true}'`` (container-native load balancing is the
default) and records the NEGs it creates in ``cloud.google.com/neg-status``. The kubernetes
provider (2.38) hides only ``*.kubernetes.io`` keys, so without these (anchored: the provider
matches anywhere in the key) every plan would remove them (hashicorp/terraform-provider-kubernetes#445).
Keys a resource sets in its own configuration are still managed."""

CLIENT_NAME = "supernode"
SITE_DATA_CLAIM = "site-data"
SERVERAPP_EXECUTOR = "serverapp-executor"
CLIENTAPP_EXECUTOR = "clientapp-executor"
CONTROL_OPERATORS = "control-operators"
"""Role and RoleBinding that let ``workload.operators`` port-forward to the Control API."""
REGISTRATION_RESOURCES = Resources(cpu_request="100m", cpu_limit="500m", memory_request="256Mi", memory_limit="512Mi")
"""The registration Job runs the ``flwr`` CLI briefly, once per key."""


def kubernetes_service_account_name(cluster: str) -> str:
    """``fl-<cluster>``: the Kubernetes service account of one site's workloads. All clusters of
    the project share one Workload Identity pool, so a Google service account trusts a
    (namespace, name) pair on every cluster; a per-site name means a pod of another site, which
    runs as that site's account, cannot act as this site's Google service account."""
    return f"fl-{cluster}"


def aggregator_service_account_name(cluster: str) -> str:
    """``fl-<cluster>-aggregator``: the SuperLink's Kubernetes service account, with no Google identity."""
    return f"fl-{cluster}-aggregator"


def workload_stack_name(cluster: str) -> str:
    return f"workload-{cluster}"


def build(app: Construct, spec, plan, built: dict) -> WorkloadStack:
    """Builder used by ``build_app``: the cluster named by ``plan.key``; the aggregators' static
    IPs; on aggregator clusters, every cluster's Cloud NAT addresses, the PKI stack's server
    certificate and the dns stack's health-checker ranges; the trust stack; the site's key."""
    cluster = next(c for c in spec.gcp.clusters if c.name == plan.key)
    primary = next(c for c in spec.gcp.clusters if c.role == "primary")
    aggregator_ips = [built[gke_stack_name(c.name)].aggregator_ip for c in spec.gcp.clusters if c.runs_aggregator]
    nat_ips = []
    if cluster.runs_aggregator:
        nat_ips = [ip for c in spec.gcp.clusters for ip in built[gke_stack_name(c.name)].nat_ips]
        nat_ips += [ip for region in aws_member_regions(spec) for ip in built[aws_region_stack_name(region)].egress_ips]
    return WorkloadStack(
        app,
        cluster=cluster,
        workload=spec.workload,
        gke=built[gke_stack_name(cluster.name)],
        pki=built[PKI_STACK] if cluster.runs_aggregator else None,
        trust=built[TRUST_STACK],
        node_key=built[node_key_stack_name(cluster.name)],
        aggregator_ips=aggregator_ips,
        nat_ips=nat_ips,
        health_checker_cidrs=built[DNS_STACK].health_checker_cidrs
        if DNS_STACK in plan.depends_on and cluster.runs_aggregator
        else None,
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
        run_as_user=flower.FLOWER_UID,
        **kwargs,
    )


def _flower(
    name: str, image: str, resources: Resources, executable: str | list[str], args: list[str], **kwargs
) -> ContainerProps:
    """A long-running Flower container: explicit executable (or full command), telemetry off,
    gRPC health probes."""
    return _container(
        name,
        image,
        resources,
        command=(executable,) if isinstance(executable, str) else tuple(executable),
        args=tuple(args),
        env=flower.flower_env(),
        health_port=flower.HEALTH_PORTS[name],
        **kwargs,
    )


class WorkloadStack(FederationStack):
    """The stack ``workload-<cluster name>``. Its kubernetes provider reaches the cluster through
    the cluster stack's DNS endpoint with the deployer's Google access token, so no credential is
    stored anywhere.

    Client-only clusters read the trust stack (CA certificate, public keys) and their own key
    stack, never the PKI stack; aggregator clusters also read the PKI stack for the server key.

    Exposes ``namespace``, ``kubernetes_service_account``, ``google_service_account_email``,
    ``aggregator_address`` (what clients dial) and, on aggregator clusters, ``aggregator``,
    ``registration`` and ``control_address`` (in-cluster, literal).
    """

    def __init__(
        self,
        scope: Construct,
        *,
        cluster: GkeCluster,
        workload: WorkloadSection,
        gke: GkeClusterStack,
        pki: WorkloadPkiStack | None,
        trust: FederationTrustStack,
        node_key: NodeKeyStack,
        aggregator_ips: list[str],
        nat_ips: list[str],
        health_checker_cidrs: list[str] | None,
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
        KubernetesProvider(
            self,
            "kubernetes",
            host=f"https://{gke.dns_endpoint}",
            token=client_config.access_token,
            ignore_annotations=list(GKE_MANAGED_ANNOTATIONS),
        )
        agg = workload.aggregator
        self.aggregator_address = f"{aggregator_host}:{agg.fleet_port}"
        if cluster.runs_aggregator and pki is None:
            raise ValueError(f"WorkloadStack {cluster.name}: an aggregator cluster needs the PKI stack")

        namespace = RestrictedNamespace(
            self,
            "workload_namespace",
            props=RestrictedNamespaceProps(name=workload.namespace, labels={"federated-learning/site": cluster.name}),
        )
        self.namespace = namespace.name
        ksa_name = kubernetes_service_account_name(cluster.name)
        google_apis = cluster.name in workload.google_apis
        self.google_service_account_email = None
        if google_apis:
            identity = WorkloadIdentity(
                self,
                "workload_identity",
                props=WorkloadIdentityProps(
                    name=f"{self.prefix}-{cluster.name}-fl",
                    workload_pool=gke.workload_identity_pool,
                    namespace=workload.namespace,
                    kubernetes_service_account=ksa_name,
                    display_name=f"Federated-learning workloads on {gke.cluster_name}",
                ),
            )
            self.google_service_account_email = identity.email
        account = WorkloadServiceAccount(
            self,
            "service_account",
            google_service_account_email=self.google_service_account_email,
            props=WorkloadServiceAccountProps(name=ksa_name, namespace=self.namespace),
        )
        self.kubernetes_service_account = account.name

        client = workload.client
        app = workload.app
        site = TrainingClient(
            self,
            "client",
            service_account=account.name,
            ca_certificate_pem=trust.ca_certificate_pem,
            node_key=NodeKeyFiles(
                mount_dir=flower.NODE_KEY_DIR,
                file_name=flower.NODE_KEY_FILE,
                private_key_openssh=node_key.private_key_openssh,
            ),
            props=TrainingClientProps(
                name=CLIENT_NAME,
                namespace=self.namespace,
                replicas=client.replicas,
                supernode=_flower(
                    CLIENT_NAME,
                    client.image,
                    client.resources,
                    flower.supervised_supernode_command(client.resolve_interval),
                    flower.supernode_args(
                        superlink=self.aggregator_address,
                        node_config_values={"site": cluster.name, "data-dir": flower.DATA_DIR},
                        extra=client.args,
                    ),
                ),
                executor=_flower(
                    CLIENTAPP_EXECUTOR,
                    app.image,
                    app.clientapp_resources,
                    "flower-superexec",
                    flower.executor_args("clientapp"),
                ),
                data=ClaimProps(name=SITE_DATA_CLAIM, size=client.storage, storage_class=client.storage_class),
                ca_dir=flower.CA_DIR,
                data_dir=flower.DATA_DIR,
                data_read_only=app.data_read_only,
                scratch_dirs=flower.SCRATCH_DIRS,
            ),
        )

        fleet_sources = [f"{ip}/32" for ip in nat_ips] + list(agg.fleet_source_ranges)
        policies = FederationNetworkPolicies(
            self,
            "network_policies",
            aggregator_ips=aggregator_ips,
            fleet_sources=fleet_sources,
            health_checker_cidrs=health_checker_cidrs,
            props=FederationNetworkPolicyProps(
                namespace=self.namespace,
                fleet_port=agg.fleet_port,
                control_port=agg.control_port,
                runs_aggregator=cluster.runs_aggregator,
                google_apis=google_apis,
            ),
        )

        self.aggregator = None
        self.operators = None
        self.registration = None
        self.control_address = None
        if cluster.runs_aggregator:
            source_ranges = fleet_sources
            if health_checker_cidrs is not None:
                source_ranges = Token.as_list(Fn.concat([fleet_sources, health_checker_cidrs]))
            # Its own account, never bound to a Google identity: the SuperLink and the ServerApp
            # executor call no Google API, and the site's account may have one.
            aggregator_account = WorkloadServiceAccount(
                self,
                "aggregator_service_account",
                props=WorkloadServiceAccountProps(
                    name=aggregator_service_account_name(cluster.name), namespace=self.namespace, component="aggregator"
                ),
            )
            self.aggregator = Aggregator(
                self,
                "aggregator",
                service_account=aggregator_account.name,
                load_balancer_ip=gke.aggregator_ip,
                fleet_source_ranges=source_ranges,
                tls=TlsFiles(
                    mount_dir=flower.CERT_DIR,
                    ca_certificate_pem=pki.ca_certificate_pem,
                    certificate_pem=pki.certificate_pem,
                    private_key_pem=pki.private_key_pem,
                ),
                props=AggregatorProps(
                    name=AGGREGATOR_SERVICE,
                    namespace=self.namespace,
                    server=_flower(
                        AGGREGATOR_SERVICE,
                        agg.image,
                        agg.resources,
                        "flower-superlink",
                        flower.superlink_args(fleet_port=agg.fleet_port, control_port=agg.control_port, extra=agg.args),
                        ports=(("fleet", agg.fleet_port), ("control", agg.control_port)),
                    ),
                    executor=_flower(
                        SERVERAPP_EXECUTOR,
                        app.image,
                        app.serverapp_resources,
                        "flower-superexec",
                        flower.executor_args("serverapp"),
                    ),
                    fleet_port=agg.fleet_port,
                    control_port=agg.control_port,
                    state=ClaimProps(
                        name=f"{AGGREGATOR_SERVICE}-state",
                        size=agg.state_storage,
                        storage_class=workload.client.storage_class,
                    ),
                    state_dir=flower.STATE_DIR,
                    scratch_dirs=flower.SCRATCH_DIRS,
                ),
            )
            self.control_address = control_service_address(workload.namespace, agg.control_port)
            if workload.operators:
                self.operators = ControlOperators(
                    self,
                    "control_operators",
                    props=ControlOperatorsProps(
                        name=CONTROL_OPERATORS,
                        namespace=self.namespace,
                        control_service=self.aggregator.control_service.metadata.name,
                        operators=workload.operators,
                    ),
                )
            keys = {f"{site_name}.pub": key for site_name, key in trust.node_public_keys.items()}
            keys.update({f"partner-{index}.pub": key for index, key in enumerate(workload.partner_node_keys)})
            self.registration = SupernodeRegistration(
                self,
                "registration",
                public_keys=keys,
                ca_config_map=site.ca_config_map.metadata.name,
                depends_on=[self.aggregator.deployment, self.aggregator.control_service, *resources_under(policies)],
                state_identity=self.aggregator.state.resource.metadata.uid,
                props=RegistrationProps(
                    namespace=self.namespace,
                    container=_container(
                        "register",
                        agg.image,
                        REGISTRATION_RESOURCES,
                        command=("sh", "-c", flower.registration_script(control_address=self.control_address)),
                        env=flower.flower_env(),
                    ),
                    keys_dir=flower.REGISTRATION_DIR,
                    ca_dir=flower.CA_DIR,
                    scratch_dirs=flower.SCRATCH_DIRS,
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
            "Kubernetes service account of the site's SuperNode and ClientApp (a Google identity only with workload.google_apis).",
        )
        if self.google_service_account_email is not None:
            self.output(
                "google_service_account",
                self.google_service_account_email,
                "Google service account of the site's SuperNode and ClientApp (workload.google_apis): "
                "grant it access to the site's data only.",
            )
        if self.aggregator is not None:
            self.output(
                "served_aggregator_address",
                f"{gke.aggregator_ip}:{agg.fleet_port}",
                f"Fleet API address of the {cluster.role} aggregator running in this cluster (its static IP).",
            )
            self.output(
                "control_address",
                self.control_address,
                "In-cluster control API address (flwr run); reach it with kubectl port-forward or from operator pods.",
            )
            self.output(
                "registration_job",
                self.registration.job.metadata.name,
                "The Job that registered every SuperNode public key on this aggregator (kubectl logs job/<name>).",
            )
