"""An AWS data site as a member of the federation: what ``aws-<region>`` adds when the region's
``federation_member`` is on (see ``AwsRegion.is_member``).

It composes the site's egress to the aggregators (NAT with a reserved IP, ``/32`` routes only),
a DNS allow-list (AWS APIs and the aggregator's name only), the interface endpoints the task needs, the Docker Hub pull-through cache for the pinned ``flwr/*``
images, and the SuperNode service reading the site's own bucket and file system. Values from other
stacks (the aggregators' static IPs, the federation CA certificate, this site's node key) arrive as
cross-stack tokens; everything else comes from the spec.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_time.provider import TimeProvider
from constructs import Construct

from constructs_lib.aws.context import AwsContext
from constructs_lib.aws.data_bucket import DataBucket
from constructs_lib.aws.dns_firewall import DnsAllowList, DnsAllowListProps
from constructs_lib.aws.egress import AggregatorEgress, AggregatorEgressProps
from constructs_lib.aws.image_cache import DockerHubCache, DockerHubCacheProps
from constructs_lib.aws.interface_endpoints import InterfaceEndpoints, InterfaceEndpointsProps
from constructs_lib.aws.kms import EncryptionKey, EncryptionKeyProps
from constructs_lib.aws.network import PrivateVpc
from constructs_lib.aws.shared_filesystem import SharedFileSystem
from constructs_lib.aws.supernode_roles import SiteData
from constructs_lib.aws.supernode_service import SiteFileSystem, SuperNodeService, SuperNodeServiceProps
from constructs_lib.k8s import flower
from federation_spec.aws import AwsRegion
from federation_spec.aws_member import member_site_name
from stacks.plan import TRUST_STACK, node_key_stack_name
from stacks.workload_addressing import aggregator_dns_name, aggregator_host

ENDPOINT_SERVICES = ("ecr.api", "ecr.dkr", "logs", "secretsmanager")
"""What the task reaches through interface endpoints: image manifests and auth (ECR), logs, its
secret. Image layers and the data bucket go through the S3 gateway endpoint."""


@dataclass(frozen=True)
class MemberInputs:
    """What a member site needs from the federation: the aggregators' static IPs (tokens), the
    address SuperNodes dial, the CA certificate and this site's private key (tokens); the images
    (Docker Hub references, or a full ECR URI of this region for ``app_image``), the aggregator
    address the SuperNode dials, the site name, the spec's extra client arguments, the executor
    arguments, the Fargate size, the fleet port, the Docker Hub credential secret, the node
    secret's recovery window, the data mount mode, whether the site runs
    (``workload.client.replicas`` 0 pauses every site, this one too), the aggregator's DNS
    name, if it has one (the one name the site's DNS allow-list adds to AWS's), and how often the
    SuperNode supervisor looks up the aggregator name (``workload.client.resolve_interval``)."""

    aggregator_ips: tuple[str, ...]
    ca_certificate_pem: str
    node_private_key: str
    supernode_image: str
    app_image: str
    superlink: str
    site: str
    client_args: tuple[str, ...]
    executor_args: tuple[str, ...]
    fleet_port: int
    cpu: int
    memory: int
    credential_secret_name: str
    secret_recovery_window_days: int = 0
    data_read_only: bool = True
    running: bool = True
    aggregator_domain: str | None = None
    resolve_interval: int = flower.RESOLVE_INTERVAL


def member_inputs(spec, region: AwsRegion, built: dict) -> MemberInputs:
    """The inputs of ``region``'s member site from the spec and the stacks it reads: both
    aggregators' static IPs (``gke-*``), the CA certificate (``federation-trust``), the site's
    private key (``node-key-aws-<region>``). The SuperNode gets the same arguments as a GKE site's
    (dialing the same aggregator host) but its own node config; the executor the same clientapp
    arguments."""
    workload = spec.workload
    clusters = spec.gcp.clusters
    order = {"primary": 0, "secondary": 1}
    aggregators = sorted((c for c in clusters if c.runs_aggregator), key=lambda c: order[c.role])
    ips = tuple(built[f"gke-{c.name}"].aggregator_ip for c in aggregators)
    fleet_port = workload.aggregator.fleet_port
    host = aggregator_host(spec, ips[0])
    return MemberInputs(
        aggregator_ips=ips,
        ca_certificate_pem=built[TRUST_STACK].ca_certificate_pem,
        node_private_key=built[node_key_stack_name(member_site_name(region.name))].private_key_openssh,
        supernode_image=workload.client.image,
        app_image=region.app_image or workload.app.image,
        superlink=f"{host}:{fleet_port}",
        site=member_site_name(region.name),
        client_args=tuple(workload.client.args),
        executor_args=tuple(flower.executor_args("clientapp")),
        fleet_port=fleet_port,
        resolve_interval=workload.client.resolve_interval,
        cpu=spec.aws.member.cpu,
        memory=spec.aws.member.memory,
        credential_secret_name=spec.aws.member.docker_hub_credential_secret,
        secret_recovery_window_days=spec.aws.member.secret_recovery_window_days,
        data_read_only=workload.app.data_read_only,
        running=workload.client.replicas > 0,
        aggregator_domain=aggregator_dns_name(spec),
    )


class FederationMember(Construct):
    """The member pieces of one site. ``egress_ip`` is the address the aggregators must admit."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        context: AwsContext,
        vpc: PrivateVpc,
        log_key: EncryptionKey,
        data_key: EncryptionKey,
        data_bucket: DataBucket | None,
        file_system: SharedFileSystem | None,
        log_retention_days: int,
        inputs: MemberInputs,
        data_loader_arn: str,
    ):
        """``data_loader_arn``: the site's data loader role, the file system's other named client."""
        super().__init__(scope, construct_id)
        self.egress = AggregatorEgress(
            self,
            "egress",
            vpc_id=vpc.vpc_id,
            private_route_table_ids=vpc.private_route_table_ids,
            destination_ips=list(inputs.aggregator_ips),
            props=AggregatorEgressProps(name=name, vpc_cidr=vpc.cidr, zone=vpc.availability_zones[0]),
        )
        # Routes and security groups do not cover the VPC resolver: without an allow-list, code in
        # the task could leak data in queries for a domain whose name server its owner reads.
        self.dns = DnsAllowList(
            self,
            "dns_allow_list",
            vpc_id=vpc.vpc_id,
            props=DnsAllowListProps(extra_domains=(inputs.aggregator_domain,) if inputs.aggregator_domain else ()),
        )
        endpoints = InterfaceEndpoints(
            self,
            "endpoints",
            vpc_id=vpc.vpc_id,
            subnet_ids=vpc.private_subnet_ids,
            context=context,
            props=InterfaceEndpointsProps(name=name, services=ENDPOINT_SERVICES),
        )
        TimeProvider(self, "time")  # the image cache waits for its template role to propagate
        cache = DockerHubCache(
            self,
            "image_cache",
            context=context,
            props=DockerHubCacheProps(inputs.credential_secret_name, name=name),
        )
        app_image, pull = self._app_image(cache, context, inputs.app_image)
        supernode_image = cache.image_uri(inputs.supernode_image)
        warmed = cache.warm([supernode_image] if pull else [supernode_image, app_image])
        secret_key = EncryptionKey(
            self,
            "secret_key",
            context=context,
            props=EncryptionKeyProps(alias=f"{name}-supernode", description=f"{name}: the SuperNode's node key secret"),
        )
        data = SiteData(
            bucket_arn=data_bucket.bucket.arn if data_bucket else None,
            bucket_key_arn=data_key.arn if data_bucket else None,
            file_system_arn=file_system.file_system.arn if file_system else None,
            access_point_arn=file_system.access_point.arn if file_system else None,
            writable=not inputs.data_read_only,
        )
        site_fs = None
        if file_system is not None:
            site_fs = SiteFileSystem(
                file_system_id=file_system.file_system_id,
                file_system_arn=file_system.file_system.arn,
                access_point_id=file_system.access_point.id,
                access_point_arn=file_system.access_point.arn,
                security_group_id=file_system.security_group.id,
            )
        self.service = SuperNodeService(
            self,
            "supernode",
            context=context,
            vpc_id=vpc.vpc_id,
            subnet_ids=vpc.private_subnet_ids,
            aggregator_ips=list(inputs.aggregator_ips),
            node_private_key=inputs.node_private_key,
            ca_certificate_pem=inputs.ca_certificate_pem,
            secret_key_arn=secret_key.arn,
            log_key_arn=log_key.arn,
            endpoints=endpoints,
            data=data,
            file_system=site_fs,
            pull_repository_arns=[cache.repository_arn_pattern, *pull],
            cache_repository_arns=[cache.repository_arn_pattern],
            prerequisites=(self.egress, endpoints, self.dns, warmed, *([file_system] if file_system else [])),
            props=SuperNodeServiceProps(
                name=f"{name}-supernode",
                supernode_image=supernode_image,
                app_image=app_image,
                supernode_entry_point=tuple(flower.supervised_supernode_command(inputs.resolve_interval)),
                supernode_args=tuple(
                    flower.supernode_args(
                        superlink=inputs.superlink,
                        node_config_values=_node_config(inputs.site, data_bucket, file_system),
                        extra=inputs.client_args,
                    )
                ),
                executor_args=inputs.executor_args,
                cpu=inputs.cpu,
                memory=inputs.memory,
                fleet_port=inputs.fleet_port,
                log_retention_days=log_retention_days,
                desired_count=1 if inputs.running else 0,
                secret_recovery_window_days=inputs.secret_recovery_window_days,
            ),
        )
        if file_system is not None:
            self._silo_file_system(file_system, data_loader_arn, writable=not inputs.data_read_only)

    def _silo_file_system(self, file_system: SharedFileSystem, data_loader_arn: str, *, writable: bool) -> None:
        """Admit the task's security group to the mount targets and name its role in the file
        system's policy (mount; write only when the app's data is writable), next to the loader;
        the service's first task waits for both (its mount needs them)."""
        task_role = self.service.roles.task_role.arn
        rule = file_system.admit(self.service.security_group.id, "supernode")
        policy = file_system.allow_clients(
            mount_role_arns=[task_role, data_loader_arn],
            write_role_arns=[task_role, data_loader_arn] if writable else [data_loader_arn],
        )
        service = self.service.service
        service.depends_on = [
            *(service.depends_on or []),
            *(f"{r.terraform_resource_type}.{r.friendly_unique_id}" for r in (rule, policy)),
        ]

    @staticmethod
    def _app_image(cache: DockerHubCache, context: AwsContext, image: str) -> tuple[str, list[str]]:
        """The app image URI, and the repository ARN to grant pulls on if it is not in the cache."""
        registry, _, path = image.partition("/")
        if ".dkr.ecr." in registry:
            account = registry.split(".")[0]
            repository = path.split("@")[0].split(":")[0]
            return image, [f"arn:{context.partition}:ecr:{context.region}:{account}:repository/{repository}"]
        return cache.image_uri(image), []

    @property
    def egress_ip(self) -> str:
        return self.egress.egress_ip


def _node_config(site: str, data_bucket: DataBucket | None, file_system: SharedFileSystem | None) -> dict[str, str]:
    """What the ClientApp learns from ``context.node_config``: the site's name, its data bucket
    (read through the site's S3 endpoint with the task role) and, with a file system, where the
    access point is mounted."""
    values = {"site": site}
    if data_bucket is not None:
        values["data-bucket"] = data_bucket.bucket.bucket
    if file_system is not None:
        values["data-dir"] = flower.DATA_DIR
    return values
