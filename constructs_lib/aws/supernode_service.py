"""A Flower SuperNode and its ClientApp executor as one ECS Fargate task in private subnets.

The task (``awsvpc``: its containers share one network namespace, so the executor reaches the
SuperNode's ClientAppIO API on 127.0.0.1) has three containers:

- ``node-files`` (runs once, as root, before the others): ECS injects the node's OpenSSH private
  key and the federation CA certificate from the node's Secrets Manager secret into this container
  only; it writes them to task-scoped volumes (key mode 0400, owned by the Flower user) and hands
  the writable volumes to that user. The SuperNode needs the key as a FILE
  (``--auth-supernode-private-key``); Fargate has no tmpfs, and its task storage is encrypted at
  rest and discarded with the task. The key is never in the SuperNode's or executor's environment,
  never in a task-definition field, never in an output.
- ``supernode``: the pinned ``flower-supernode``; key and CA mounted read-only.
- ``clientapp-executor``: the user's app image (``flower-superexec`` clientapp plugin); the site's
  EFS file system, mounted through its access point with TLS and IAM authorization, at ``/app/data``
  (read-only unless ``data_writable``). Code reads the S3 bucket with the task role.

Every container has a read-only root file system, telemetry and update checks off, and logs to one
KMS-encrypted log group; Container Insights' performance log group is created (encrypted, with
retention) before the cluster, so ECS does not create it unencrypted and keep it forever. The security group allows egress only to the aggregators on the fleet
port, the interface endpoints and EFS mount targets (by security group) and S3 (its prefix list).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from cdktf import Fn
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_prefix_list import DataAwsPrefixList
from cdktf_cdktf_provider_aws.ecs_cluster import EcsCluster, EcsClusterSetting
from cdktf_cdktf_provider_aws.ecs_service import (
    EcsService,
    EcsServiceDeploymentCircuitBreaker,
    EcsServiceNetworkConfiguration,
)
from cdktf_cdktf_provider_aws.ecs_task_definition import (
    EcsTaskDefinition,
    EcsTaskDefinitionRuntimePlatform,
    EcsTaskDefinitionVolume,
    EcsTaskDefinitionVolumeEfsVolumeConfiguration,
    EcsTaskDefinitionVolumeEfsVolumeConfigurationAuthorizationConfig,
)
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret
from cdktf_cdktf_provider_aws.secretsmanager_secret_version import SecretsmanagerSecretVersion
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from constructs import Construct

from constructs_lib.aws.context import AwsContext
from constructs_lib.aws.interface_endpoints import HTTPS_PORT, InterfaceEndpoints
from constructs_lib.aws.shared_filesystem import NFS_PORT
from constructs_lib.aws.supernode_roles import SiteData, SuperNodeRoles, execution_statements, task_statements
from constructs_lib.tree import resources_under

NODE_KEY_PATH = "/app/node-key/node.key"
"""Where the SuperNode finds its OpenSSH private key (pass it to ``--auth-supernode-private-key``)."""
CA_CERT_PATH = "/app/ca/ca.crt"
"""Where the SuperNode finds the federation CA certificate (pass it to ``--root-certificates``)."""
DATA_PATH = "/app/data"
"""Where the ClientApp executor finds the site's file system."""
FLWR_HOME = "/app/.flwr"
"""Writable Flower home of the SuperNode and of the executor (task storage)."""

FLOWER_ENVIRONMENT = (("FLWR_TELEMETRY_ENABLED", "0"), ("FLWR_DISABLE_UPDATE_CHECK", "1"))
"""Every Flower process phones home unless told not to."""

# The init container: write the secret's two values to files only the Flower user can read, then
# give the writable task volumes to that user. ``set -eu`` fails the task (and the SuperNode never
# starts) if a value is missing.
_NODE_FILES_SCRIPT = (
    "set -eu; umask 077; "
    'printf "%s\\n" "$FLWR_NODE_KEY" > /mnt/node-key/node.key; '
    'printf "%s\\n" "$FLWR_CA_CERT" > /mnt/ca/ca.crt; '
    "chmod 0400 /mnt/node-key/node.key; chmod 0444 /mnt/ca/ca.crt; chmod 0755 /mnt/ca; "
    "chown -R {uid}:{uid} /mnt/node-key /mnt/supernode-home /mnt/executor-home; chmod 1777 /mnt/tmp"
)


@dataclass(frozen=True)
class SuperNodeServiceProps:
    """``name`` prefixes every name; images are full URIs the task can pull from inside the VPC;
    ``supernode_args``/``executor_args`` follow ``supernode_entry_point`` (``flower-supernode``) and
    ``flower-superexec`` (use ``NODE_KEY_PATH``, ``CA_CERT_PATH``); ``cpu``/``memory`` a Fargate
    size; ``fleet_port`` is the only port egress to the aggregators allows; ``desired_count`` 1
    (running) or 0 (paused; never two tasks with one node key); ``secret_recovery_window_days``
    how long Secrets Manager keeps the node secret after deletion (0: delete at once, else 7-30;
    while it is kept, its name cannot be reused); ``node_uid`` is the user of the Flower images
    (49999 in ``flwr/*``)."""

    name: str
    supernode_image: str
    app_image: str
    supernode_args: tuple[str, ...]
    executor_args: tuple[str, ...]
    cpu: int
    memory: int
    fleet_port: int
    log_retention_days: int
    desired_count: int = 1
    secret_recovery_window_days: int = 0
    node_uid: int = 49999
    supernode_entry_point: tuple[str, ...] = ("flower-supernode",)
    """The ``supernode`` container's entry point; ``supernode_args`` follow it (the stacks run
    ``flower-supernode`` under the SuperNode supervisor, which restarts it and follows DNS)."""
    environment: tuple[tuple[str, str], ...] = field(default=FLOWER_ENVIRONMENT)

    def __post_init__(self):
        for flag in ("--auth-supernode-private-key", "--root-certificates"):
            if flag not in self.supernode_args:
                raise ValueError(f"SuperNodeServiceProps.supernode_args must pass {flag}")
        if self.desired_count not in (0, 1):
            raise ValueError("SuperNodeServiceProps.desired_count is 1 (running) or 0 (paused): one key, one node")
        if not 1 <= self.fleet_port <= 65535:
            raise ValueError("SuperNodeServiceProps.fleet_port must be a TCP port")
        if self.secret_recovery_window_days != 0 and not 7 <= self.secret_recovery_window_days <= 30:
            raise ValueError("SuperNodeServiceProps.secret_recovery_window_days must be 0 or 7..30")


@dataclass(frozen=True)
class SiteFileSystem:
    """The site's EFS: IDs for the volume, ARNs for the task role, its mount-target security group."""

    file_system_id: str
    file_system_arn: str
    access_point_id: str
    access_point_arn: str
    security_group_id: str


def container_insights_log_group(cluster: str) -> str:
    """The log group Container Insights writes the performance events of ECS ``cluster`` to."""
    return f"/aws/ecs/containerinsights/{cluster}/performance"


def _log_options(group: str, region: str, prefix: str) -> dict:
    return {
        "logDriver": "awslogs",
        "options": {"awslogs-group": group, "awslogs-region": region, "awslogs-stream-prefix": prefix},
    }


def _environment(props: SuperNodeServiceProps, *extra: tuple[str, str]) -> list[dict]:
    return [{"name": key, "value": value} for key, value in (*props.environment, *extra)]


class SuperNodeService(Construct):
    """ECS cluster (Container Insights, with its log group), the node secret (private key + CA certificate, encrypted
    with ``secret_key_arn``), log group, roles, security group, task definition and a service with
    one task in ``subnet_ids`` without a public IP."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        context: AwsContext,
        vpc_id: str,
        subnet_ids: list[str],
        aggregator_ips: list[str],
        node_private_key: str,
        ca_certificate_pem: str,
        secret_key_arn: str,
        log_key_arn: str,
        endpoints: InterfaceEndpoints,
        data: SiteData,
        file_system: SiteFileSystem | None,
        pull_repository_arns: list[str],
        cache_repository_arns: list[str],
        props: SuperNodeServiceProps,
        prerequisites: tuple[Construct, ...] = (),
    ):
        """``prerequisites``: constructs whose every resource must exist before the service starts
        its first task (the interface endpoints, the NAT egress, the EFS mount targets and policy,
        the warmed image cache); the service also waits for this construct's own roles, policies,
        secret version and security-group rules, and then for a steady state."""
        super().__init__(scope, construct_id)
        if not aggregator_ips:
            raise ValueError("SuperNodeService needs at least one aggregator IP")
        if (file_system is None) != (data.file_system_arn is None):
            raise ValueError("SuperNodeService: file_system and data.file_system_arn go together")
        # Container Insights writes to this group; if ECS had to create it, it would be unencrypted,
        # kept forever and left behind by destroy. ECS uses the group when it exists, so it is
        # created first.
        self.insights_log_group = CloudwatchLogGroup(
            self,
            "insights_logs",
            name=container_insights_log_group(props.name),
            retention_in_days=props.log_retention_days,
            kms_key_id=log_key_arn,
        )
        self.cluster = EcsCluster(
            self,
            "cluster",
            name=props.name,
            setting=[EcsClusterSetting(name="containerInsights", value="enabled")],
            depends_on=[self.insights_log_group],
        )
        self.log_group = CloudwatchLogGroup(
            self,
            "logs",
            name=f"/ecs/{props.name}",
            retention_in_days=props.log_retention_days,
            kms_key_id=log_key_arn,
        )
        self.secret = SecretsmanagerSecret(
            self,
            "node_secret",
            name=f"{props.name}/node-key",
            description="This site's SuperNode private key (OpenSSH) and the federation CA certificate",
            kms_key_id=secret_key_arn,
            recovery_window_in_days=props.secret_recovery_window_days,
        )
        SecretsmanagerSecretVersion(
            self,
            "node_secret_value",
            secret_id=self.secret.id,
            secret_string=Fn.jsonencode({"private_key": node_private_key, "ca_certificate": ca_certificate_pem}),
        )
        self.roles = SuperNodeRoles(
            self,
            "roles",
            context=context,
            name=props.name,
            execution=execution_statements(
                context=context,
                log_group_arn=self.log_group.arn,
                secret_arn=self.secret.arn,
                secret_key_arn=secret_key_arn,
                pull_repository_arns=pull_repository_arns,
                cache_repository_arns=cache_repository_arns,
            ),
            task=task_statements(context=context, data=data),
        )
        self.security_group = self._security_group(
            context, vpc_id, aggregator_ips, endpoints, file_system, props.fleet_port, props.name
        )
        volumes = [EcsTaskDefinitionVolume(name=name) for name in self._scratch_volumes]
        if file_system is not None:
            volumes.append(
                EcsTaskDefinitionVolume(
                    name="data",
                    efs_volume_configuration=EcsTaskDefinitionVolumeEfsVolumeConfiguration(
                        file_system_id=file_system.file_system_id,
                        transit_encryption="ENABLED",
                        authorization_config=EcsTaskDefinitionVolumeEfsVolumeConfigurationAuthorizationConfig(
                            access_point_id=file_system.access_point_id, iam="ENABLED"
                        ),
                    ),
                )
            )
        self.task_definition = EcsTaskDefinition(
            self,
            "task",
            family=props.name,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(props.cpu),
            memory=str(props.memory),
            runtime_platform=EcsTaskDefinitionRuntimePlatform(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            execution_role_arn=self.roles.execution_role.arn,
            task_role_arn=self.roles.task_role.arn,
            volume=volumes,
            container_definitions=json.dumps(
                self._containers(props, context.region, file_system is not None, data.writable), sort_keys=True
            ),
        )
        needs = resources_under(self, *prerequisites)
        self.service = EcsService(
            self,
            "service",
            depends_on=needs,
            # Terraform reports a task that cannot start instead of a green apply with none running.
            wait_for_steady_state=True,
            name=props.name,
            cluster=self.cluster.arn,
            task_definition=self.task_definition.arn,
            desired_count=props.desired_count,
            launch_type="FARGATE",
            platform_version="LATEST",
            # One node identity per site: never run two tasks with the same key at once.
            deployment_minimum_healthy_percent=0,
            deployment_maximum_percent=100,
            deployment_circuit_breaker=EcsServiceDeploymentCircuitBreaker(enable=True, rollback=True),
            enable_execute_command=False,
            propagate_tags="SERVICE",
            network_configuration=EcsServiceNetworkConfiguration(
                subnets=subnet_ids, security_groups=[self.security_group.id], assign_public_ip=False
            ),
        )

    _scratch_volumes = ("node-key", "ca", "supernode-home", "executor-home", "tmp")

    def _security_group(self, context, vpc_id, aggregator_ips, endpoints, file_system, fleet_port, name):
        group = SecurityGroup(
            self,
            "sg",
            name_prefix=f"{name}-",
            description="SuperNode task: egress to the aggregators, AWS endpoints, EFS and S3 only",
            vpc_id=vpc_id,
            # No in-line rules: the rules below are separate resources, and an in-line `egress = []`
            # would revoke them on every later apply. Terraform removes the default allow-all
            # egress rule when it creates the group.
            tags={"Name": name},
        )
        for index, address in enumerate(aggregator_ips):
            VpcSecurityGroupEgressRule(
                self,
                f"to_aggregator_{index}",
                security_group_id=group.id,
                description=f"Fleet API of aggregator {index}",
                ip_protocol="tcp",
                from_port=fleet_port,
                to_port=fleet_port,
                cidr_ipv4=f"{address}/32",
            )
        VpcSecurityGroupEgressRule(
            self,
            "to_endpoints",
            security_group_id=group.id,
            description="HTTPS to the interface endpoints (ECR, logs, Secrets Manager)",
            ip_protocol="tcp",
            from_port=HTTPS_PORT,
            to_port=HTTPS_PORT,
            referenced_security_group_id=endpoints.security_group_id,
        )
        endpoints.admit(group.id, "supernode")
        s3 = DataAwsPrefixList(self, "s3_prefix_list", name=f"com.amazonaws.{context.region}.s3")
        VpcSecurityGroupEgressRule(
            self,
            "to_s3",
            security_group_id=group.id,
            description="HTTPS to S3 through the gateway endpoint (data bucket, image layers)",
            ip_protocol="tcp",
            from_port=HTTPS_PORT,
            to_port=HTTPS_PORT,
            prefix_list_id=s3.id,
        )
        if file_system is not None:
            VpcSecurityGroupEgressRule(
                self,
                "to_efs",
                security_group_id=group.id,
                description="NFS over TLS to the site's EFS mount targets",
                ip_protocol="tcp",
                from_port=NFS_PORT,
                to_port=NFS_PORT,
                referenced_security_group_id=file_system.security_group_id,
            )
        return group

    def _containers(self, props: SuperNodeServiceProps, region: str, has_data: bool, writable: bool) -> list[dict]:
        group = self.log_group.name
        common = {"readonlyRootFilesystem": True, "privileged": False}
        node_files = {
            **common,
            "name": "node-files",
            "image": props.supernode_image,
            "essential": False,
            "user": "0",
            "entryPoint": ["sh", "-c"],
            "command": [_NODE_FILES_SCRIPT.format(uid=props.node_uid)],
            "secrets": [
                {"name": "FLWR_NODE_KEY", "valueFrom": f"{self.secret.arn}:private_key::"},
                {"name": "FLWR_CA_CERT", "valueFrom": f"{self.secret.arn}:ca_certificate::"},
            ],
            "mountPoints": [
                {"sourceVolume": name, "containerPath": f"/mnt/{name}", "readOnly": False}
                for name in self._scratch_volumes
            ],
            "logConfiguration": _log_options(group, region, "node-files"),
        }
        supernode = {
            **common,
            "name": "supernode",
            "image": props.supernode_image,
            "essential": True,
            "user": f"{props.node_uid}:{props.node_uid}",
            "entryPoint": list(props.supernode_entry_point),
            "command": list(props.supernode_args),
            "environment": _environment(props, ("FLWR_HOME", FLWR_HOME)),
            "mountPoints": [
                {"sourceVolume": "node-key", "containerPath": "/app/node-key", "readOnly": True},
                {"sourceVolume": "ca", "containerPath": "/app/ca", "readOnly": True},
                {"sourceVolume": "supernode-home", "containerPath": FLWR_HOME, "readOnly": False},
                {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False},  # noqa: S108 (task volume)
            ],
            "dependsOn": [{"containerName": "node-files", "condition": "SUCCESS"}],
            "logConfiguration": _log_options(group, region, "supernode"),
        }
        executor_mounts = [
            {"sourceVolume": "executor-home", "containerPath": FLWR_HOME, "readOnly": False},
            {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False},  # noqa: S108 (task volume)
        ]
        if has_data:
            executor_mounts.append({"sourceVolume": "data", "containerPath": DATA_PATH, "readOnly": not writable})
        executor = {
            **common,
            "name": "clientapp-executor",
            "image": props.app_image,
            "essential": True,
            "user": f"{props.node_uid}:{props.node_uid}",
            "entryPoint": ["flower-superexec"],
            "command": list(props.executor_args),
            "environment": _environment(props, ("FLWR_HOME", FLWR_HOME)),
            "mountPoints": executor_mounts,
            "dependsOn": [{"containerName": "supernode", "condition": "START"}],
            "logConfiguration": _log_options(group, region, "clientapp-executor"),
        }
        return [node_files, supernode, executor]
