"""An encrypted EFS file system reachable only from inside its VPC, over TLS."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.efs_access_point import (
    EfsAccessPoint,
    EfsAccessPointPosixUser,
    EfsAccessPointRootDirectory,
    EfsAccessPointRootDirectoryCreationInfo,
)
from cdktf_cdktf_provider_aws.efs_backup_policy import EfsBackupPolicy, EfsBackupPolicyBackupPolicy
from cdktf_cdktf_provider_aws.efs_file_system import EfsFileSystem, EfsFileSystemLifecyclePolicy
from cdktf_cdktf_provider_aws.efs_file_system_policy import EfsFileSystemPolicy
from cdktf_cdktf_provider_aws.efs_mount_target import EfsMountTarget
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from constructs_lib.iam_json import deny_insecure_transport, policy_document

NFS_PORT = 2049


@dataclass(frozen=True)
class SharedFileSystemProps:
    """``name`` for tags and the security group; ``kms_key_arn`` encrypts at rest; NFS is allowed only
    from ``allowed_cidrs`` (typically the VPC CIDR); the access point maps every client to
    ``posix_uid``/``posix_gid`` (default 1000) and roots it at ``root_path``."""

    name: str
    kms_key_arn: str
    allowed_cidrs: tuple[str, ...]
    root_path: str = "/federated-learning"
    posix_uid: int = 1000
    posix_gid: int = 1000
    transition_to_ia: str = "AFTER_30_DAYS"

    def __post_init__(self):
        if not self.allowed_cidrs:
            raise ValueError("SharedFileSystemProps.allowed_cidrs must name at least one CIDR")
        if not self.root_path.startswith("/") or self.root_path == "/":
            raise ValueError("SharedFileSystemProps.root_path must be an absolute path below '/'")


CLIENT_ACTIONS = ("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite")
"""Read and write; never ``ClientRootAccess``: the access point maps every client to a POSIX user."""


def client_policy(file_system_arn: str, access_point_arn: str) -> str:
    """The file-system policy. A custom policy replaces EFS's default (which lets in every client
    that reaches a mount target), so it must allow the clients itself: mount and write, for any
    client (IAM-authenticated or anonymous, so ``mount -o tls,accesspoint=...`` works without
    ``iam``) that comes through one of the file system's mount targets (reachable only from the
    allowed CIDRs) and through the access point (which enforces the POSIX identity and root
    directory). Non-TLS requests are denied outright."""
    return policy_document(
        {
            "Sid": "AllowMountAndWriteThroughAccessPointAndMountTargets",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": list(CLIENT_ACTIONS),
            "Resource": file_system_arn,
            "Condition": {
                "Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"},
                "StringEquals": {"elasticfilesystem:AccessPointArn": access_point_arn},
            },
        },
        deny_insecure_transport([file_system_arn]),
    )


class SharedFileSystem(Construct):
    """EFS with a CMK, automatic backups, lifecycle to Infrequent Access, a mount target per subnet
    behind a security group that admits NFS (TCP 2049) only from ``allowed_cidrs``, one access point
    that enforces a POSIX identity, and a file-system policy (``client_policy``) that lets clients
    mount and write through that access point and the mount targets, over TLS only."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc_id: str,
        subnet_ids: list[str],
        props: SharedFileSystemProps,
    ):
        super().__init__(scope, construct_id)
        self.file_system = EfsFileSystem(
            self,
            "file_system",
            encrypted=True,
            kms_key_id=props.kms_key_arn,
            performance_mode="generalPurpose",
            throughput_mode="elastic",
            lifecycle_policy=[
                EfsFileSystemLifecyclePolicy(transition_to_ia=props.transition_to_ia),
                EfsFileSystemLifecyclePolicy(transition_to_primary_storage_class="AFTER_1_ACCESS"),
            ],
            tags={"Name": props.name},
        )
        EfsBackupPolicy(
            self,
            "backup",
            file_system_id=self.file_system.id,
            backup_policy=EfsBackupPolicyBackupPolicy(status="ENABLED"),
        )
        self.security_group = SecurityGroup(
            self,
            "nfs_sg",
            name_prefix=f"{props.name}-nfs-",
            description=f"NFS to {props.name} from inside the site network only",
            vpc_id=vpc_id,
            egress=[],
            tags={"Name": f"{props.name}-nfs"},
        )
        for index, cidr in enumerate(props.allowed_cidrs):
            VpcSecurityGroupIngressRule(
                self,
                f"nfs_from_{index}",
                security_group_id=self.security_group.id,
                description=f"NFS (TCP {NFS_PORT}) from {cidr}",
                ip_protocol="tcp",
                from_port=NFS_PORT,
                to_port=NFS_PORT,
                cidr_ipv4=cidr,
            )
        self.mount_targets = [
            EfsMountTarget(
                self,
                f"mount_target_{index}",
                file_system_id=self.file_system.id,
                subnet_id=subnet_id,
                security_groups=[self.security_group.id],
            )
            for index, subnet_id in enumerate(subnet_ids)
        ]
        self.access_point = EfsAccessPoint(
            self,
            "access_point",
            file_system_id=self.file_system.id,
            posix_user=EfsAccessPointPosixUser(uid=props.posix_uid, gid=props.posix_gid),
            root_directory=EfsAccessPointRootDirectory(
                path=props.root_path,
                creation_info=EfsAccessPointRootDirectoryCreationInfo(
                    owner_uid=props.posix_uid, owner_gid=props.posix_gid, permissions="0750"
                ),
            ),
            tags={"Name": f"{props.name}-training"},
        )
        self.policy = EfsFileSystemPolicy(
            self,
            "policy",
            file_system_id=self.file_system.id,
            policy=client_policy(self.file_system.arn, self.access_point.arn),
        )

    @property
    def file_system_id(self) -> str:
        return self.file_system.id

    @property
    def dns_name(self) -> str:
        return self.file_system.dns_name
