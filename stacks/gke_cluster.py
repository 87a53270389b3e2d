"""One private GKE cluster per federation member: VPC, NAT with reserved egress addresses,
Private Google Access (private DNS zone), firewall, node identity, cluster with an IAM-authorized
DNS endpoint, and (for the aggregator roles) a reserved static IP."""

from __future__ import annotations

from cdktf_cdktf_provider_google.provider import GoogleProvider
from constructs import Construct

from constructs_lib.gcp.firewall import BaselineFirewall, BaselineFirewallProps
from constructs_lib.gcp.gke_cluster import NodePoolProps, PrivateGkeCluster, PrivateGkeClusterProps
from constructs_lib.gcp.kubeconfig import context_name, render_kubeconfig
from constructs_lib.gcp.nat import CloudNat, CloudNatProps
from constructs_lib.gcp.network import PrivateNetwork, PrivateNetworkProps
from constructs_lib.gcp.private_google_access import PrivateGoogleAccess, PrivateGoogleAccessProps
from constructs_lib.gcp.service_account import NodeServiceAccount, NodeServiceAccountProps
from constructs_lib.gcp.service_perimeter import ServicePerimeter, ServicePerimeterProps
from constructs_lib.gcp.static_ip import StaticIp, StaticIpProps
from federation_spec.gcp import ZONES_PER_CLUSTER, GcpSection, GkeCluster
from stacks.base import FederationStack


def gke_stack_name(cluster: str) -> str:
    return f"gke-{cluster}"


def build(app: Construct, spec, plan, built: dict) -> GkeClusterStack:
    """Builder used by ``build_app``: the cluster named by ``plan.key``."""
    cluster = next(c for c in spec.gcp.clusters if c.name == plan.key)
    return GkeClusterStack(app, cluster=cluster, gcp=spec.gcp, federation=spec.federation, state=spec.state)


class GkeClusterStack(FederationStack):
    """The stack ``gke-<cluster name>``: a private regional GKE cluster in its own VPC.

    Attributes other stacks consume (pass them as constructor arguments; tokens become
    cross-stack references, literals need none):

    - ``cluster_name`` (str, literal): physical cluster name, ``<federation>-<env>-<name>``.
    - ``location`` (str, literal): the cluster's region.
    - ``project`` (str, literal): the GCP project ID.
    - ``role`` (str, literal): ``primary``, ``secondary`` or ``client``.
    - ``workload_identity_pool`` (str, literal): ``<project>.svc.id.goog``, for IAM bindings of
      Kubernetes service accounts.
    - ``kubeconfig_context`` (str, literal): the context name in ``kubeconfig``.
    - ``dns_endpoint`` (token): the control plane's DNS name, no scheme (``gke-<id>.<region>.gke.goog``).
      The way in for deployers and the workload stacks' kubernetes provider: reachable from any
      network, every request authorized by IAM (``container.clusters.connect``) with a Google
      token; its certificate is publicly trusted, so do not pass ``ca_certificate`` with it.
    - ``endpoint`` (token): control-plane IP address (no scheme), for in-VPC use; sensitive.
    - ``ca_certificate`` (token): base64-encoded cluster CA (signs the IP endpoints only); sensitive.
    - ``kubeconfig`` (token): YAML kubeconfig for the DNS endpoint using ``gke-gcloud-auth-plugin``; sensitive.
    - ``nat_ips`` (list of tokens): the reserved external addresses all egress of this cluster's
      nodes and pods leaves from (Cloud NAT, MANUAL_ONLY), in a fixed order; allow-list them
      elsewhere (e.g. the aggregators' fleet source ranges, as ``<ip>/32``).
    - ``aggregator_ip`` (token, or None for clients): reserved regional external IP for the
      aggregator's LoadBalancer Service.
    - ``network_self_link`` / ``subnetwork_self_link`` (tokens): the cluster's VPC and subnet.
    - ``node_service_account_email`` (token): the nodes' IAM identity.
    """

    def __init__(self, scope: Construct, *, cluster: GkeCluster, gcp: GcpSection, federation, state):
        super().__init__(scope, gke_stack_name(cluster.name), federation=federation, state=state)
        self.project = gcp.project
        self.location = cluster.region
        self.role = cluster.role
        self.cluster_name = f"{self.prefix}-{cluster.name}"
        self.provider = GoogleProvider(
            self, "google", project=gcp.project, region=cluster.region, default_labels=self.tags
        )
        name = self.cluster_name
        node_tag = f"{name}-node"

        self.network = PrivateNetwork(
            self,
            "network",
            props=PrivateNetworkProps(
                name=name,
                region=cluster.region,
                cidr=cluster.cidr,
                pods_cidr=cluster.pod_range(),
                services_cidr=cluster.service_range(),
            ),
        )
        nat = CloudNat(
            self,
            "nat",
            network_id=self.network.network_id,
            subnetwork_id=self.network.subnetwork_id,
            props=CloudNatProps(
                name=f"{name}-nat",
                region=cluster.region,
                max_vms=cluster.node_pool.max_nodes * ZONES_PER_CLUSTER,
            ),
        )
        self.nat_ips = nat.ip_addresses
        PrivateGoogleAccess(
            self, "private_google_access", network_id=self.network.network_id, props=PrivateGoogleAccessProps(name=name)
        )
        if gcp.vpc_service_controls is not None and cluster.role == "primary":
            controls = gcp.vpc_service_controls
            ServicePerimeter(
                self,
                "service_perimeter",
                props=ServicePerimeterProps(
                    access_policy=controls.access_policy,
                    short_name=f"{self.prefix}_federated_learning".replace("-", "_"),
                    project=gcp.project,
                    restricted_services=controls.restricted_services,
                ),
            )
        BaselineFirewall(
            self,
            "firewall",
            network=self.network.network_id,
            props=BaselineFirewallProps(
                name=name, internal_ranges=(cluster.cidr, cluster.pod_range()), target_tag=node_tag
            ),
        )
        nodes = NodeServiceAccount(
            self,
            "node_identity",
            props=NodeServiceAccountProps(
                name=f"{name}-nodes", project=gcp.project, display_name=f"GKE nodes of {name}"
            ),
        )
        pool = cluster.node_pool
        self.gke = PrivateGkeCluster(
            self,
            "gke",
            network=self.network.network_id,
            subnetwork=self.network.subnetwork_id,
            pods_range_name=self.network.pods_range_name,
            services_range_name=self.network.services_range_name,
            node_service_account=nodes.email,
            node_tags=[node_tag],
            depends_on=nodes.role_members,
            props=PrivateGkeClusterProps(
                name=name,
                project=gcp.project,
                region=cluster.region,
                master_cidr=cluster.master_cidr,
                authorized_networks=cluster.authorized_networks(),
                node_pool=NodePoolProps(
                    machine_type=pool.machine_type,
                    min_nodes=pool.min_nodes,
                    max_nodes=pool.max_nodes,
                    disk_size_gb=pool.disk_size_gb,
                    disk_type=pool.disk_type,
                    spot=pool.spot,
                ),
                release_channel=cluster.release_channel,
                private_endpoint=cluster.private_endpoint,
                deletion_protection=cluster.deletion_protection,
                labels={"fl-cluster": cluster.name, "fl-role": cluster.role},
                rbac_security_group=gcp.rbac_security_group,
            ),
        )
        self.dns_endpoint = self.gke.dns_endpoint
        self.endpoint = self.gke.endpoint
        self.ca_certificate = self.gke.ca_certificate
        self.workload_identity_pool = self.gke.workload_identity_pool
        self.kubeconfig_context = context_name(gcp.project, cluster.region, name)
        self.kubeconfig = render_kubeconfig(context=self.kubeconfig_context, endpoint=self.dns_endpoint)
        self.network_self_link = self.network.network.self_link
        self.subnetwork_self_link = self.network.subnetwork_self_link
        self.node_service_account_email = nodes.email

        self.aggregator_ip = None
        if cluster.runs_aggregator:
            address = StaticIp(
                self,
                "aggregator_address",
                props=StaticIpProps(
                    name=f"{name}-aggregator",
                    region=cluster.region,
                    description=f"Federated-learning aggregator ({cluster.role}) on {name}",
                ),
            )
            self.aggregator_ip = address.address

        self.output("cluster_name", self.cluster_name, "Name of the GKE cluster.")
        self.output("location", self.location, "Region of the (regional) GKE cluster.")
        self.output(
            "dns_endpoint",
            self.dns_endpoint,
            "DNS name of the control plane (https://<name>); any network, IAM-authorized (container.clusters.connect).",
        )
        self.output("endpoint", self.endpoint, "IP address of the cluster's control plane.", sensitive=True)
        self.output(
            "ca_certificate", self.ca_certificate, "Base64-encoded CA certificate of the cluster.", sensitive=True
        )
        self.output(
            "kubeconfig",
            self.kubeconfig,
            "kubeconfig for the cluster's DNS endpoint; authenticates through gke-gcloud-auth-plugin "
            "(no embedded credentials).",
            sensitive=True,
        )
        self.output(
            "workload_identity_pool",
            self.workload_identity_pool,
            "Workload Identity pool: bind Kubernetes service accounts as serviceAccount:<pool>[<namespace>/<name>].",
        )
        self.output("network_self_link", self.network_self_link, "Self link of the cluster's VPC network.")
        self.output(
            "nat_ips",
            self.nat_ips,
            "Reserved external addresses all egress of the cluster's nodes and pods leaves from (Cloud NAT).",
        )
        self.output("node_service_account_email", nodes.email, "Email of the nodes' dedicated service account.")
        if self.aggregator_ip is not None:
            self.output(
                "aggregator_ip",
                self.aggregator_ip,
                f"Reserved regional external IP for the {cluster.role} aggregator's LoadBalancer Service.",
            )
