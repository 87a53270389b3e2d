"""How AWS data sites join the federation (``aws.member`` and ``aws.regions[].federation_member``).

An AWS data site takes part by running a Flower SuperNode (plus the user's ClientApp executor) on
ECS Fargate in its private subnets, training on its own S3 bucket and EFS file system. The sizing
keys are Fargate task sizes; images are pulled through ECR (the VPC has no internet path), so
Docker Hub images go through an ECR pull-through cache whose credential the user provides.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator

from federation_spec.base import SpecModel, StrictInt, StrictStr

# Fargate task sizes: CPU units -> (lowest memory MiB, highest memory MiB, step MiB).
FARGATE_SIZES = {
    256: (512, 2048, None),
    512: (1024, 4096, 1024),
    1024: (2048, 8192, 1024),
    2048: (4096, 16384, 1024),
    4096: (8192, 30720, 1024),
    8192: (16384, 61440, 4096),
    16384: (32768, 122880, 8192),
}
"""CPU units and the memory (MiB) Fargate accepts with each; 256 CPU takes 512, 1024 or 2048."""

_CREDENTIAL_PREFIX = "ecr-pullthroughcache/"
_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")


def fargate_memory_choices(cpu: int) -> list[int]:
    """The memory sizes (MiB) Fargate accepts for ``cpu`` units."""
    low, high, step = FARGATE_SIZES[cpu]
    if step is None:
        return [512, 1024, 2048]
    return list(range(low, high + 1, step))


def _credential_secret(value: str) -> str:
    if not value.startswith(_CREDENTIAL_PREFIX) or not _SECRET_NAME.match(value) or value == _CREDENTIAL_PREFIX:
        raise ValueError(
            f"{value!r} is not an ECR pull-through cache credential secret name "
            f"(it must start with {_CREDENTIAL_PREFIX!r}, e.g. ecr-pullthroughcache/docker-hub)"
        )
    return value


CredentialSecretName = Annotated[StrictStr, AfterValidator(_credential_secret)]


def _recovery_window(value: int) -> int:
    if value != 0 and not 7 <= value <= 30:
        raise ValueError(f"{value} is not a Secrets Manager recovery window: use 0 (delete at once) or 7 to 30 days")
    return value


RecoveryWindowDays = Annotated[StrictInt, AfterValidator(_recovery_window)]


class AwsMemberSettings(SpecModel):
    """Settings shared by every AWS site that is a federation member: the Fargate task size of
    its SuperNode (``cpu`` units and ``memory`` MiB, a combination Fargate accepts) and the Secrets
    Manager secret (created by you,
    name starting ``ecr-pullthroughcache/``, holding ``username`` and ``accessToken`` of a Docker
    Hub account) that the ECR pull-through cache uses to fetch the pinned ``flwr/*`` images; and
    how long Secrets Manager keeps each site's node-key secret after deletion."""

    cpu: Literal[256, 512, 1024, 2048, 4096, 8192, 16384] = 1024
    """Fargate task CPU units (1024 = 1 vCPU) shared by the SuperNode and the ClientApp executor."""
    memory: StrictInt = 4096
    """Fargate task memory in MiB; a size Fargate accepts with `cpu` (e.g. 2048-8192 for 1024)."""
    docker_hub_credential_secret: CredentialSecretName = "ecr-pullthroughcache/docker-hub"  # noqa: S105 (a name)
    """Existing Secrets Manager secret (same name in every member region) with the Docker Hub `username` and `accessToken` the ECR pull-through cache uses; encrypted with the AWS managed key `aws/secretsmanager` (the pull-through cache accepts no customer-managed key)."""
    secret_recovery_window_days: RecoveryWindowDays = 0
    """Days Secrets Manager keeps the SuperNode's node-key secret after `destroy` (0, or 7-30). 0 deletes it at once, so the site can be deployed again under the same secret name right away; the secret only copies the key kept in the `node-key-<site>` stack, which an apply writes again."""

    def issues(self, path: str) -> list[tuple[str, str]]:
        """Cross-field check: ``memory`` is a size Fargate accepts with ``cpu``."""
        choices = fargate_memory_choices(self.cpu)
        if self.memory in choices:
            return []
        return [
            (
                f"{path}.memory",
                f"{self.memory} MiB is not a Fargate size for cpu {self.cpu}; use one of "
                + ", ".join(str(choice) for choice in choices),
            )
        ]


_ECR_IMAGE = re.compile(r"^[0-9]{12}\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/")


def ecr_image_region(image: str) -> str | None:
    """The region of the private ECR registry ``image`` lives in, or None if it is not in one."""
    match = _ECR_IMAGE.match(image)
    return match.group("region") if match else None


_DOCKER_HUB_HOSTS = ("docker.io", "index.docker.io", "registry-1.docker.io")


def is_docker_hub(image: str) -> bool:
    """Whether ``image`` lives on Docker Hub (no registry host, or Docker Hub's own)."""
    first, slash, _ = image.partition("/")
    return not (slash and ("." in first or ":" in first or first == "localhost")) or first in _DOCKER_HUB_HOSTS


def member_site_name(region: str) -> str:
    """The federation's name for the AWS site of ``region`` (its node key stack is ``node-key-<this>``)."""
    return f"aws-{region}"


def member_issues(aws, workload, cluster_names: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Per-region rules of federation membership: a member trains on the site's own data (so it
    needs a data bucket or a file system) and joins the workload's aggregators (so the spec needs
    a ``workload`` section); its images come through ECR (the site has no internet path): the
    SuperNode image from Docker Hub through the pull-through cache, the app image from there too
    or from ``app_image`` in the region's ECR; its site name is not a GKE cluster's."""
    issues = list(aws.member.issues("aws.member"))
    has_workload = workload is not None
    for i, region in enumerate(aws.regions):
        path = f"aws.regions[{i}]"
        if has_workload and region.is_member(True):
            if not is_docker_hub(workload.client.image):
                issues.append(
                    (
                        "workload.client.image",
                        f"{workload.client.image!r} is not on Docker Hub: AWS member sites "
                        f"({region.name}) pull the SuperNode image through ECR's Docker Hub cache",
                    )
                )
            if region.app_image is None and not is_docker_hub(workload.app.image):
                issues.append(
                    (
                        f"{path}.app_image",
                        f"required: the site has no internet path and the app image {workload.app.image!r} "
                        f"is not on Docker Hub; copy it into this region's ECR and name it here",
                    )
                )
            if member_site_name(region.name) in cluster_names:
                issues.append(
                    (
                        f"{path}.name",
                        f"the member site name {member_site_name(region.name)!r} is also a gcp cluster's name; "
                        "rename the cluster",
                    )
                )
        if region.federation_member and not (region.data_bucket or region.shared_filesystem):
            issues.append(
                (
                    f"{path}.federation_member",
                    "a member trains on the site's data but the site has neither data_bucket nor "
                    "shared_filesystem; enable one, or set federation_member: false",
                )
            )
        if region.federation_member and not has_workload:
            issues.append(
                (
                    f"{path}.federation_member",
                    "training needs a workload section (with gcp aggregators); add one, or set federation_member: false",
                )
            )
        if region.app_image is not None and ecr_image_region(region.app_image) != region.name:
            issues.append(
                (
                    f"{path}.app_image",
                    f"{region.app_image!r} is not in this region's private ECR "
                    f"(<account>.dkr.ecr.{region.name}.amazonaws.com/...): the site has no internet path",
                )
            )
    return issues
