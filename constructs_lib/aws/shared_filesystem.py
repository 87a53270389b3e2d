"""An encrypted EFS file system that only named IAM roles may mount (over TLS, through its access
point) and only named writers may write, from named security groups inside its VPC."""

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
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from constructs_lib.iam_json import deny_insecure_transport, policy_document

NFS_PORT = 2049


@dataclass(frozen=True)
class SharedFileSystemProps:
    """``name`` for tags and the security groups; ``kms_key_arn`` encrypts at rest; the access point
    maps every client to ``posix_uid``/``posix_gid`` (default 1000) and roots it at ``root_path``."""

    name: str
    kms_key_arn: str
    root_path: str = "/federated-learning"
    posix_uid: int = 1000
    posix_gid: int = 1000
    transition_to_ia: str = "AFTER_30_DAYS"

    def __post_init__(self):
        if not self.root_path.startswith("/") or self.root_path == "/":
            raise ValueError("SharedFileSystemProps.root_path must be an absolute path below '/'")


CLIENT_ACTIONS = ("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite")
"""Read and write; never ``ClientRootAccess``: the access point maps every client to a POSIX user."""
ALL_CLIENT_ACTIONS = (*CLIENT_ACTIONS, "elasticfilesystem:ClientRootAccess")
NFS_CONDITION_KEYS = frozenset(
    {
        "aws:SecureTransport",
        "aws:SourceIp",
        "elasticfilesystem:AccessPointArn",
        "elasticfilesystem:AccessedViaMountTarget",
    }
)
"""The only condition keys EFS evaluates when an NFS client connects ("No other condition keys are
enforced", https://docs.aws.amazon.com/efs/latest/ug/iam-access-control-nfs-efs.html)."""


def client_policy(
    file_system_arn: str, access_point_arn: str, mount_role_arns: list[str], write_role_arns: list[str]
) -> str:
    """The file-system policy: only the named roles (IAM-authenticated mounts, ``-o iam``), through
    a mount target and the access point. ``mount_role_arns`` may mount (read); ``write_role_arns``
    (a subset) may also write. A custom policy replaces EFS's default one, so an anonymous NFS
    client (no ``-o iam``) matches no allow and is refused; root access is refused to all; non-TLS
    requests are denied outright. No statement conditions on a key EFS does not evaluate for NFS
    clients (``NFS_CONDITION_KEYS``): a deny keyed on ``aws:PrincipalArn`` would see no such key
    and refuse the named roles too, locking the SuperNode task out of its mount. Same-account
    principals whose own IAM grants ``ClientMount``/``ClientWrite`` still pass (EFS allows when
    either policy allows), as they could rewrite this policy. Nothing denies a management action
    (``elasticfilesystem:Describe*``, ``Put*``, ``Delete*``...): Terraform and the deployer keep
    managing the file system through the API, and the policy passes EFS's lock-out check."""
    if not mount_role_arns:
        raise ValueError("client_policy needs at least one role that may mount")
    if not set(write_role_arns) <= set(mount_role_arns):
        raise ValueError("client_policy: every writer must also be allowed to mount")
    through = {
        "Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"},
        "StringEquals": {"elasticfilesystem:AccessPointArn": access_point_arn},
    }
    statements = [
        {
            "Sid": "NamedRolesMountThroughAccessPoint",
            "Effect": "Allow",
            "Principal": {"AWS": list(mount_role_arns)},
            "Action": "elasticfilesystem:ClientMount",
            "Resource": file_system_arn,
            "Condition": through,
        }
    ]
    if write_role_arns:
        statements.append(
            {
                "Sid": "NamedWritersWriteThroughAccessPoint",
                "Effect": "Allow",
                "Principal": {"AWS": list(write_role_arns)},
                "Action": "elasticfilesystem:ClientWrite",
                "Resource": file_system_arn,
                "Condition": through,
            }
        )
    statements += [
        {
            "Sid": "DenyRootAccess",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "elasticfilesystem:ClientRootAccess",
            "Resource": file_system_arn,
        },
        deny_insecure_transport([file_system_arn]),
    ]
    return policy_document(*statements)


class SharedFileSystem(Construct):
    """EFS with a CMK, automatic backups, lifecycle to Infrequent Access, a mount target per subnet
    behind a security group (``security_group``) that admits NFS (TCP 2049) only from named
    security groups: ``clients_security_group`` (for a host of the data loader in the VPC: attach
    it and mount as the loader role) and whatever ``admit`` names (the SuperNode task); one access
    point that enforces a POSIX identity; and, once ``allow_clients`` names the roles, the
    file-system policy (``client_policy``)."""

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
            description=f"NFS to {props.name} from named client security groups only",
            vpc_id=vpc_id,
            egress=[],
            tags={"Name": f"{props.name}-nfs"},
        )
        self.clients_security_group = SecurityGroup(
            self,
            "clients_sg",
            name_prefix=f"{props.name}-nfs-clients-",
            description=f"Attach to a host in the VPC to mount {props.name} (as a named role)",
            vpc_id=vpc_id,
            # No in-line rules: the egress rule below is a separate resource.
            tags={"Name": f"{props.name}-nfs-clients"},
        )
        VpcSecurityGroupEgressRule(
            self,
            "clients_to_nfs",
            security_group_id=self.clients_security_group.id,
            description=f"NFS over TLS to the {props.name} mount targets",
            ip_protocol="tcp",
            from_port=NFS_PORT,
            to_port=NFS_PORT,
            referenced_security_group_id=self.security_group.id,
        )
        self.admit(self.clients_security_group.id, "clients")
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
        self.policy: EfsFileSystemPolicy | None = None

    def admit(self, client_security_group_id: str, key: str) -> VpcSecurityGroupIngressRule:
        """Let the workloads of ``client_security_group_id`` reach the mount targets on TCP 2049."""
        return VpcSecurityGroupIngressRule(
            self,
            f"nfs_from_{key}",
            security_group_id=self.security_group.id,
            description=f"NFS (TCP {NFS_PORT}) from {key}",
            ip_protocol="tcp",
            from_port=NFS_PORT,
            to_port=NFS_PORT,
            referenced_security_group_id=client_security_group_id,
        )

    def allow_clients(self, *, mount_role_arns: list[str], write_role_arns: list[str]) -> EfsFileSystemPolicy:
        """Create the file-system policy (once): ``mount_role_arns`` may mount, ``write_role_arns``
        (a subset) may write; nobody else (``client_policy``)."""
        if self.policy is not None:
            raise ValueError("SharedFileSystem.allow_clients: the policy is already set")
        self.policy = EfsFileSystemPolicy(
            self,
            "policy",
            file_system_id=self.file_system.id,
            policy=client_policy(self.file_system.arn, self.access_point.arn, mount_role_arns, write_role_arns),
        )
        return self.policy

    @property
    def file_system_id(self) -> str:
        return self.file_system.id

    @property
    def dns_name(self) -> str:
        return self.file_system.dns_name
