"""The ``aws`` section: one data site per region (VPC, optional S3 data bucket and EFS), and the
private interconnect between them (``federation_spec.aws_interconnect``)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from federation_spec.aws_interconnect import DirectConnectSection, TransitGatewaySection
from federation_spec.aws_member import AwsMemberSettings
from federation_spec.base import NonEmpty, SpecModel, StrictBool, StrictInt, StrictStr, cidr_with_prefix
from federation_spec.regions import AwsRegionName
from federation_spec.workload import PinnedImage

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)  # fmt: skip


def _retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(f"{value} is not a CloudWatch Logs retention period; use one of {list(LOG_RETENTION_DAYS)}")
    return value


LogRetentionDays = Annotated[StrictInt, AfterValidator(_retention)]
"""Days CloudWatch Logs keeps a log group's events: one of ``LOG_RETENTION_DAYS``."""

_ROLE_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::\d{12}:role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")


def _role_arn(value: str) -> str:
    if not _ROLE_ARN.match(value):
        raise ValueError(
            f"{value!r} is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<path/>name; "
            "not a user, not an assumed-role session)"
        )
    return value


RoleArn = Annotated[StrictStr, AfterValidator(_role_arn)]
"""An IAM role ARN, matched by ``aws:PrincipalArn`` for every session of the role."""


# Regions whose zone letters are not simply a, b, c: the defaults below are the ones that exist.
# us-west-1 maps letters per account, so it always needs explicit ``zones``.
_ZONE_LETTERS = {"ap-northeast-1": "acd", "ca-central-1": "abd"}
_EXPLICIT_ZONES_ONLY = frozenset({"us-west-1"})
DEFAULT_ZONE_LIMIT = 3


class AwsRegion(SpecModel):
    """One AWS data site. Subnets are carved from ``cidr``: one private /(prefix+4) per AZ, in the
    zones named by ``zones`` (default: the region's first ``availability_zones`` zone letters).
    Zone names are pinned, never looked up, so a new or impaired AZ cannot renumber subnets."""

    name: AwsRegionName
    """A known AWS region; unique."""
    cidr: cidr_with_prefix(16, 24)
    """Private (RFC 1918) IPv4 block, /16 to /24, no host bits; no overlap with any other CIDR of the estate. Each private subnet is 1/16 of it."""
    availability_zones: Annotated[StrictInt, Field(ge=2, le=6)] = 2
    """One private subnet, route table and EFS mount target per AZ."""
    zones: tuple[StrictStr, ...] | None = None
    """Pinned AZ names (never looked up); default: the region's first zone letters. Required for more than 3 AZs and for `us-west-1`; count must equal `availability_zones`."""
    data_bucket: StrictBool = True
    """Create the KMS-encrypted, versioned, TLS-only S3 data bucket (and its access-log bucket)."""
    shared_filesystem: StrictBool = False
    """Create the encrypted EFS shared file system with a mount target per AZ."""
    federation_member: StrictBool | None = None
    """Run a Flower SuperNode here that trains on this site's bucket and file system (ECS Fargate, private subnets); default: on when the spec has a `workload` section and the site has a data bucket or file system."""
    app_image: PinnedImage | None = None
    """The ClientApp image in this region's private ECR (`<account>.dkr.ecr.<region>.amazonaws.com/...`, pinned); default: the workload's app image through the ECR pull-through cache for Docker Hub."""
    data_loaders: tuple[RoleArn, ...] = ()
    """IAM roles (any account) that may assume this site's data loader role `<prefix>-<region>-data-loader`: it uploads into the data bucket from anywhere (write-only: put, multipart, list; never read or delete) and mounts and writes the file system from a host in the site VPC; empty: principals of this account whose IAM allows `sts:AssumeRole` on it. Needs `data_bucket` or `shared_filesystem`."""

    @property
    def has_data(self) -> bool:
        """Whether the site stores data (a bucket or a file system), and so has a data loader role."""
        return self.data_bucket or self.shared_filesystem

    def is_member(self, has_workload: bool) -> bool:
        """Whether this site runs a SuperNode (``federation_member``, or its default)."""
        if self.federation_member is not None:
            return self.federation_member
        return has_workload and self.has_data

    def zone_names(self) -> tuple[str, ...]:
        """The pinned AZ names, one per subnet (valid only for a spec that passed validation)."""
        if self.zones:
            return self.zones
        letters = _ZONE_LETTERS.get(self.name, "abcdef")
        return tuple(f"{self.name}{letter}" for letter in letters[: self.availability_zones])

    def loader_issues(self, path: str) -> list[tuple[str, str]]:
        """``data_loaders`` needs somewhere to load into, and names each role once."""
        issues = []
        if self.data_loaders and not self.has_data:
            issues.append((f"{path}.data_loaders", "the site has no data_bucket or shared_filesystem to load into"))
        seen: dict[str, int] = {}
        for i, arn in enumerate(self.data_loaders):
            if arn in seen:
                issues.append((f"{path}.data_loaders[{i}]", f"duplicate role {arn} (already at [{seen[arn]}])"))
            seen.setdefault(arn, i)
        return issues

    def zone_issues(self, path: str) -> list[tuple[str, str]]:
        """Cross-field checks of ``zones`` against ``name`` and ``availability_zones``."""
        if self.zones is None:
            if self.name in _EXPLICIT_ZONES_ONLY:
                return [(f"{path}.zones", f"{self.name} maps zone letters per account; list its zones explicitly")]
            if self.availability_zones > DEFAULT_ZONE_LIMIT:
                return [
                    (
                        f"{path}.zones",
                        f"more than {DEFAULT_ZONE_LIMIT} AZs need explicit zone names (not every region has them)",
                    )
                ]
            return []
        issues = []
        if len(self.zones) != self.availability_zones:
            issues.append(
                (f"{path}.zones", f"lists {len(self.zones)} zones but availability_zones is {self.availability_zones}")
            )
        for i, zone in enumerate(self.zones):
            if not (zone.startswith(self.name) and len(zone) == len(self.name) + 1 and zone[-1].isalpha()):
                issues.append(
                    (f"{path}.zones[{i}]", f"{zone!r} is not a zone of {self.name} (expected e.g. {self.name}a)")
                )
        if len(set(self.zones)) != len(self.zones):
            issues.append((f"{path}.zones", "lists a zone twice"))
        return issues


class AwsSection(SpecModel):
    """All AWS regions of the federation, plus settings shared by their stacks. ``transit_gateway``
    (absent: the regions stay isolated) and ``direct_connect`` (absent: no on-premises link) make
    the private network; region order matters to them, so append new regions at the end."""

    regions: Annotated[tuple[AwsRegion, ...], NonEmpty]
    """One data site per region; at least one, names unique."""
    log_retention_days: LogRetentionDays = 365
    """Retention of VPC flow logs and of the member sites' SuperNode logs; a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."""
    flow_log_traffic: Literal["ALL", "ACCEPT", "REJECT"] = "ALL"
    """Which traffic VPC flow logs record."""
    transit_gateway: TransitGatewaySection | None = None
    """A transit gateway per region, peered in a full mesh; absent: regions stay isolated."""
    direct_connect: DirectConnectSection | None = None
    """On-premises over Direct Connect; requires `transit_gateway`; absent: none."""
    member: AwsMemberSettings = Field(default_factory=AwsMemberSettings)
    """How member sites (`regions[].federation_member`) run their SuperNode: Fargate size, image credential."""
    data_admin_role_arns: tuple[RoleArn, ...] = ()
    """IAM roles that may read, write and delete data-bucket objects from outside the site's VPC (e.g. to load data, or to empty a bucket before destroy); everyone else only through the site's S3 endpoint."""
    force_destroy_buckets: StrictBool = False
    """Dangerous: `destroy` deletes every object version of the data and log buckets with them (emptying a data bucket needs a data admin role)."""

    def sites_without_data_writer(self) -> tuple[str, ...]:
        """Names of the regions that store data but name nobody to load it: no ``data_loaders``
        and, for a bucket, no ``data_admin_role_arns`` either. Only this account's administrators
        (by assuming the site's data loader role) can put data there; ``preflight`` flags them."""
        return tuple(
            region.name
            for region in self.regions
            if region.has_data and not region.data_loaders and not (region.data_bucket and self.data_admin_role_arns)
        )
