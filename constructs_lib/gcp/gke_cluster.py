"""A regional private GKE cluster with hardened defaults and one separately managed, autoscaling
node pool (the default pool is removed once the cluster exists)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from cdktf_cdktf_provider_google.container_cluster import (
    ContainerCluster,
    ContainerClusterAddonsConfig,
    ContainerClusterAddonsConfigDnsCacheConfig,
    ContainerClusterAddonsConfigGcePersistentDiskCsiDriverConfig,
    ContainerClusterAddonsConfigHorizontalPodAutoscaling,
    ContainerClusterAddonsConfigHttpLoadBalancing,
    ContainerClusterAddonsConfigNetworkPolicyConfig,
    ContainerClusterAuthenticatorGroupsConfig,
    ContainerClusterBinaryAuthorization,
    ContainerClusterControlPlaneEndpointsConfig,
    ContainerClusterControlPlaneEndpointsConfigDnsEndpointConfig,
    ContainerClusterControlPlaneEndpointsConfigIpEndpointsConfig,
    ContainerClusterIpAllocationPolicy,
    ContainerClusterLoggingConfig,
    ContainerClusterMaintenancePolicy,
    ContainerClusterMaintenancePolicyRecurringWindow,
    ContainerClusterMasterAuth,
    ContainerClusterMasterAuthClientCertificateConfig,
    ContainerClusterMasterAuthorizedNetworksConfig,
    ContainerClusterMasterAuthorizedNetworksConfigCidrBlocks,
    ContainerClusterMonitoringConfig,
    ContainerClusterMonitoringConfigManagedPrometheus,
    ContainerClusterNetworkPolicy,
    ContainerClusterNodeConfig,
    ContainerClusterNodeConfigShieldedInstanceConfig,
    ContainerClusterNodeConfigWorkloadMetadataConfig,
    ContainerClusterPrivateClusterConfig,
    ContainerClusterReleaseChannel,
    ContainerClusterSecurityPostureConfig,
    ContainerClusterWorkloadIdentityConfig,
)
from cdktf_cdktf_provider_google.container_node_pool import (
    ContainerNodePool,
    ContainerNodePoolAutoscaling,
    ContainerNodePoolManagement,
    ContainerNodePoolNetworkConfig,
    ContainerNodePoolNodeConfig,
    ContainerNodePoolNodeConfigKubeletConfig,
    ContainerNodePoolNodeConfigShieldedInstanceConfig,
    ContainerNodePoolNodeConfigWorkloadMetadataConfig,
    ContainerNodePoolUpgradeSettings,
)
from constructs import Construct

RELEASE_CHANNELS = frozenset({"RAPID", "REGULAR", "STABLE", "EXTENDED"})
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
"""With a least-privilege service account, IAM (not access scopes) limits what nodes can do."""
NODE_IMAGE = "COS_CONTAINERD"
NODE_POOL_PREFIX = "workers-"
MAX_PODS_PER_NODE = 110


@dataclass(frozen=True)
class NodePoolProps:
    """The autoscaling pool: ``min_nodes``..``max_nodes`` per zone, Container-Optimized OS on
    ``machine_type`` with a ``disk_size_gb`` ``disk_type`` boot disk; ``spot`` for cheaper,
    preemptible capacity. Nodes follow the cluster's release channel (auto-upgrade, auto-repair)."""

    machine_type: str = "e2-standard-4"
    min_nodes: int = 1
    max_nodes: int = 3
    disk_size_gb: int = 100
    disk_type: str = "pd-balanced"
    spot: bool = False

    def __post_init__(self):
        if not 0 <= self.min_nodes <= self.max_nodes or self.max_nodes < 1:
            raise ValueError("NodePoolProps needs 0 <= min_nodes <= max_nodes and max_nodes >= 1")


@dataclass(frozen=True)
class PrivateGkeClusterProps:
    """``name``, ``project`` and ``region`` of the cluster; ``master_cidr`` the /28 of the control
    plane; ``authorized_networks`` the only sources that may reach the API's IP endpoints (never
    0.0.0.0/0); ``private_endpoint`` turns the public IP endpoint off (default False: public IP
    endpoint, restricted to the authorized networks). Either way the DNS-based endpoint is on,
    and it admits only callers with ``container.clusters.connect`` in IAM; ``release_channel``
    (default REGULAR) drives every version; ``deletion_protection`` (default True) makes
    Terraform refuse to destroy the cluster; ``labels`` cluster-specific resource labels (provider
    default labels come on top); ``rbac_security_group`` enables Google Groups for RBAC; the
    maintenance window is a recurring RFC 5545 rule (default: weekends 02:00-08:00 UTC)."""

    name: str
    project: str
    region: str
    master_cidr: str
    authorized_networks: tuple[str, ...]
    node_pool: NodePoolProps = field(default_factory=NodePoolProps)
    release_channel: str = "REGULAR"
    private_endpoint: bool = False
    deletion_protection: bool = True
    labels: Mapping[str, str] = field(default_factory=dict)
    rbac_security_group: str | None = None
    maintenance_recurrence: str = "FREQ=WEEKLY;BYDAY=SA,SU"
    maintenance_start: str = "2025-01-04T02:00:00Z"
    maintenance_end: str = "2025-01-04T08:00:00Z"

    def __post_init__(self):
        if ipaddress.IPv4Network(self.master_cidr).prefixlen != 28:
            raise ValueError("PrivateGkeClusterProps.master_cidr must be a /28")
        if not self.authorized_networks:
            raise ValueError("PrivateGkeClusterProps.authorized_networks must list at least one network")
        if any(ipaddress.IPv4Network(cidr).prefixlen == 0 for cidr in self.authorized_networks):
            raise ValueError("PrivateGkeClusterProps.authorized_networks must not contain 0.0.0.0/0")
        if self.release_channel not in RELEASE_CHANNELS:
            raise ValueError(f"PrivateGkeClusterProps.release_channel must be one of {sorted(RELEASE_CHANNELS)}")

    @property
    def workload_identity_pool(self) -> str:
        return f"{self.project}.svc.id.goog"


class PrivateGkeCluster(Construct):
    """Private nodes (no external IPs); a control plane with two doors: the DNS-based endpoint
    (``<id>.<region>.gke.goog``, served by Google's front end with a publicly trusted certificate;
    every request needs an IAM principal with ``container.clusters.connect`` and a Google OAuth
    token, whatever its source address) for deployers and operators anywhere, and the IP
    endpoints, open only to the authorized networks (Google's public ranges excluded; the public
    one off with ``private_endpoint``) for the nodes. Workload Identity with the GKE metadata
    server, shielded nodes with secure boot, Dataplane V2 (built-in network policy), release
    channel, no client certificate and no legacy ABAC, Binary Authorization enforcing the project
    policy, intranode visibility (pod-to-pod flows reach VPC flow logs), system and workload logs,
    managed Prometheus.

    The default node pool exists only while the cluster is created (hardened the same way, then
    removed); the real pool is a separate resource, so it can change without touching the cluster.
    It is named from a prefix and replaced create-before-destroy, so a machine-type change never
    leaves the cluster without nodes.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        network: str,
        subnetwork: str,
        pods_range_name: str,
        services_range_name: str,
        node_service_account: str,
        node_tags: list[str],
        props: PrivateGkeClusterProps,
        depends_on: Sequence[ITerraformDependable] = (),
    ):
        """``depends_on``: what must exist before any node boots (the node account's role bindings,
        so new nodes can write logs and pull images from their first minute)."""
        super().__init__(scope, construct_id)
        self.props = props
        shielded = {"enable_secure_boot": True, "enable_integrity_monitoring": True}
        cluster = {
            "name": props.name,
            "location": props.region,
            "network": network,
            "subnetwork": subnetwork,
            "deletion_protection": props.deletion_protection,
            "description": f"{props.name}: private regional cluster of the federation",
            "resource_labels": dict(props.labels),
            "remove_default_node_pool": True,
            "initial_node_count": 1,
            "node_config": ContainerClusterNodeConfig(
                service_account=node_service_account,
                oauth_scopes=[CLOUD_PLATFORM_SCOPE],
                shielded_instance_config=ContainerClusterNodeConfigShieldedInstanceConfig(**shielded),
                workload_metadata_config=ContainerClusterNodeConfigWorkloadMetadataConfig(mode="GKE_METADATA"),
                metadata={"disable-legacy-endpoints": "true"},
                tags=node_tags,
            ),
            "networking_mode": "VPC_NATIVE",
            "ip_allocation_policy": ContainerClusterIpAllocationPolicy(
                cluster_secondary_range_name=pods_range_name,
                services_secondary_range_name=services_range_name,
                stack_type="IPV4",
            ),
            "default_max_pods_per_node": MAX_PODS_PER_NODE,
            # The pinned provider (google 6.50) has no field for the GKE API's replacements of
            # enablePrivateEndpoint (ipEndpointsConfig.enablePublicEndpoint) and enablePrivateNodes
            # (networkConfig.defaultEnablePrivateNodes); it translates these two itself. The
            # deprecated master_global_access_config is left unset (the DNS endpoint is the
            # cross-region path), and the pool sets its own network_config.enable_private_nodes.
            "private_cluster_config": ContainerClusterPrivateClusterConfig(
                enable_private_nodes=True,
                enable_private_endpoint=props.private_endpoint,
                master_ipv4_cidr_block=props.master_cidr,
            ),
            "control_plane_endpoints_config": ContainerClusterControlPlaneEndpointsConfig(
                dns_endpoint_config=ContainerClusterControlPlaneEndpointsConfigDnsEndpointConfig(
                    allow_external_traffic=True
                ),
                ip_endpoints_config=ContainerClusterControlPlaneEndpointsConfigIpEndpointsConfig(enabled=True),
            ),
            "master_authorized_networks_config": ContainerClusterMasterAuthorizedNetworksConfig(
                cidr_blocks=[
                    ContainerClusterMasterAuthorizedNetworksConfigCidrBlocks(
                        cidr_block=cidr, display_name=f"authorized-{index}"
                    )
                    for index, cidr in enumerate(props.authorized_networks)
                ],
                gcp_public_cidrs_access_enabled=False,
            ),
            "master_auth": ContainerClusterMasterAuth(
                client_certificate_config=ContainerClusterMasterAuthClientCertificateConfig(
                    issue_client_certificate=False
                )
            ),
            "enable_legacy_abac": False,
            "enable_shielded_nodes": True,
            "enable_intranode_visibility": True,
            "workload_identity_config": ContainerClusterWorkloadIdentityConfig(
                workload_pool=props.workload_identity_pool
            ),
            "datapath_provider": "ADVANCED_DATAPATH",
            # Dataplane V2 enforces NetworkPolicy itself; the Calico add-on must stay off.
            "network_policy": ContainerClusterNetworkPolicy(enabled=False),
            "release_channel": ContainerClusterReleaseChannel(channel=props.release_channel),
            "binary_authorization": ContainerClusterBinaryAuthorization(
                evaluation_mode="PROJECT_SINGLETON_POLICY_ENFORCE"
            ),
            "security_posture_config": ContainerClusterSecurityPostureConfig(mode="BASIC"),
            "addons_config": ContainerClusterAddonsConfig(
                http_load_balancing=ContainerClusterAddonsConfigHttpLoadBalancing(disabled=False),
                horizontal_pod_autoscaling=ContainerClusterAddonsConfigHorizontalPodAutoscaling(disabled=False),
                network_policy_config=ContainerClusterAddonsConfigNetworkPolicyConfig(disabled=True),
                gce_persistent_disk_csi_driver_config=ContainerClusterAddonsConfigGcePersistentDiskCsiDriverConfig(
                    enabled=True
                ),
                dns_cache_config=ContainerClusterAddonsConfigDnsCacheConfig(enabled=True),
            ),
            "logging_config": ContainerClusterLoggingConfig(enable_components=["SYSTEM_COMPONENTS", "WORKLOADS"]),
            "monitoring_config": ContainerClusterMonitoringConfig(
                enable_components=["SYSTEM_COMPONENTS"],
                managed_prometheus=ContainerClusterMonitoringConfigManagedPrometheus(enabled=True),
            ),
            "maintenance_policy": ContainerClusterMaintenancePolicy(
                recurring_window=ContainerClusterMaintenancePolicyRecurringWindow(
                    start_time=props.maintenance_start,
                    end_time=props.maintenance_end,
                    recurrence=props.maintenance_recurrence,
                )
            ),
            # The default pool's settings only matter while it exists; changing them later must
            # not force a new cluster. The autoscaler owns node counts.
            "lifecycle": TerraformResourceLifecycle(ignore_changes=["node_config", "initial_node_count"]),
            "depends_on": list(depends_on) or None,
        }
        if props.rbac_security_group:
            cluster["authenticator_groups_config"] = ContainerClusterAuthenticatorGroupsConfig(
                security_group=props.rbac_security_group
            )
        self.cluster = ContainerCluster(self, "cluster", **cluster)

        pool = props.node_pool
        self.node_pool = ContainerNodePool(
            self,
            "node_pool",
            name_prefix=NODE_POOL_PREFIX,
            cluster=self.cluster.id,
            location=props.region,
            # Start at the autoscaling minimum: a pool that may scale to zero starts empty (GKE
            # accepts initialNodeCount 0 for a pool) and the autoscaler adds a node when a pod is
            # pending, instead of 3 nodes (one per zone) the quota must hold from the first apply.
            # ForceNew in the provider, hence ignored after creation (the autoscaler owns counts).
            initial_node_count=pool.min_nodes,
            max_pods_per_node=MAX_PODS_PER_NODE,
            autoscaling=ContainerNodePoolAutoscaling(
                min_node_count=pool.min_nodes, max_node_count=pool.max_nodes, location_policy="BALANCED"
            ),
            management=ContainerNodePoolManagement(auto_repair=True, auto_upgrade=True),
            network_config=ContainerNodePoolNetworkConfig(enable_private_nodes=True),
            upgrade_settings=ContainerNodePoolUpgradeSettings(strategy="SURGE", max_surge=1, max_unavailable=0),
            node_config=ContainerNodePoolNodeConfig(
                machine_type=pool.machine_type,
                disk_size_gb=pool.disk_size_gb,
                disk_type=pool.disk_type,
                image_type=NODE_IMAGE,
                spot=pool.spot,
                service_account=node_service_account,
                oauth_scopes=[CLOUD_PLATFORM_SCOPE],
                shielded_instance_config=ContainerNodePoolNodeConfigShieldedInstanceConfig(**shielded),
                workload_metadata_config=ContainerNodePoolNodeConfigWorkloadMetadataConfig(mode="GKE_METADATA"),
                # google 6.50 sends every kubelet_config field it has a key for: an unset
                # cpu_cfs_quota goes out as cpuCfsQuota=false (ForceSendFields in
                # expandKubeletConfig), which would switch CPU limits off on every node.
                kubelet_config=ContainerNodePoolNodeConfigKubeletConfig(
                    cpu_cfs_quota=True, insecure_kubelet_readonly_port_enabled="FALSE"
                ),
                metadata={"disable-legacy-endpoints": "true"},
                tags=node_tags,
            ),
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True, ignore_changes=["initial_node_count"]),
            depends_on=list(depends_on) or None,
        )

    @property
    def name(self) -> str:
        return self.cluster.name

    @property
    def endpoint(self) -> str:
        """The control plane's IP (the private one when ``private_endpoint`` is set)."""
        return self.cluster.endpoint

    @property
    def dns_endpoint(self) -> str:
        """The control plane's DNS name (no scheme), e.g. ``gke-<id>.<region>.gke.goog``: reachable
        from anywhere, authorized by IAM (``container.clusters.connect``). Its certificate is
        publicly trusted, so clients must NOT pin the cluster CA for it."""
        return self.cluster.control_plane_endpoints_config.dns_endpoint_config.endpoint

    @property
    def ca_certificate(self) -> str:
        """Base64 PEM of the cluster CA, as kubeconfig's ``certificate-authority-data`` wants it."""
        return self.cluster.master_auth.cluster_ca_certificate

    @property
    def workload_identity_pool(self) -> str:
        return self.props.workload_identity_pool
