"""Container images for a VPC without internet: an ECR pull-through cache rule for Docker Hub.

Fargate tasks in private subnets with no default route cannot reach Docker Hub. The cache serves
``<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<repository>:<tag>`` from the region through
the ECR interface endpoints and the S3 gateway endpoint, with the Docker Hub credential the user
stores in Secrets Manager. But ECR documents that the *first* pull of an image through a
pull-through cache rule over interface endpoints needs an internet route (NAT) from the pulling
subnet; later pulls do not. The member VPCs route only the aggregators' addresses to their NAT, so
``warm`` pulls each image once from the deployer's machine (``terraform_data`` with a
``local-exec`` provisioner: AWS CLI and docker) before the service starts. Cached repositories are
created KMS-encrypted from a creation template.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import LocalExecProvisioner, TerraformResource
from cdktf_cdktf_provider_aws.data_aws_secretsmanager_secret import DataAwsSecretsmanagerSecret
from cdktf_cdktf_provider_aws.ecr_pull_through_cache_rule import EcrPullThroughCacheRule
from cdktf_cdktf_provider_aws.ecr_repository_creation_template import (
    EcrRepositoryCreationTemplate,
    EcrRepositoryCreationTemplateEncryptionConfiguration,
)
from constructs import Construct

from constructs_lib.aws.context import AwsContext

DOCKER_HUB_REGISTRY = "registry-1.docker.io"
_DOCKER_HUB_HOSTS = ("docker.io/", "index.docker.io/", "registry-1.docker.io/")


def docker_hub_repository(image: str) -> str | None:
    """``image`` (``[registry/]repository[:tag][@digest]``) without its Docker Hub host, with the
    ``library/`` namespace of official images made explicit; None if it lives in another registry."""
    for host in _DOCKER_HUB_HOSTS:
        if image.startswith(host):
            image = image[len(host) :]
            break
    else:
        first, slash, _ = image.partition("/")
        if slash and ("." in first or ":" in first or first == "localhost"):
            return None
    return image if "/" in image.split("@")[0].split(":")[0] else f"library/{image}"


@dataclass(frozen=True)
class DockerHubCacheProps:
    """``prefix`` is the ECR namespace of cached repositories (default ``docker-hub``);
    ``credential_secret_name`` an existing secret named ``ecr-pullthroughcache/...`` holding the
    Docker Hub ``username`` and ``accessToken``."""

    credential_secret_name: str
    prefix: str = "docker-hub"

    def __post_init__(self):
        if not self.credential_secret_name.startswith("ecr-pullthroughcache/"):
            raise ValueError("DockerHubCacheProps.credential_secret_name must start with 'ecr-pullthroughcache/'")


class DockerHubCache(Construct):
    """The pull-through cache rule and the creation template of its repositories (KMS-encrypted).
    ``repository_arn_pattern`` names every cached repository, for least-privilege pull grants."""

    def __init__(self, scope: Construct, construct_id: str, *, context: AwsContext, props: DockerHubCacheProps):
        super().__init__(scope, construct_id)
        self.context = context
        self.prefix = props.prefix
        credential = DataAwsSecretsmanagerSecret(self, "credential", name=props.credential_secret_name)
        self.rule = EcrPullThroughCacheRule(
            self,
            "rule",
            ecr_repository_prefix=props.prefix,
            upstream_registry_url=DOCKER_HUB_REGISTRY,
            credential_arn=credential.arn,
        )
        self.template = EcrRepositoryCreationTemplate(
            self,
            "template",
            prefix=props.prefix,
            applied_for=["PULL_THROUGH_CACHE"],
            description="Docker Hub images cached for the federation's SuperNodes",
            encryption_configuration=[EcrRepositoryCreationTemplateEncryptionConfiguration(encryption_type="KMS")],
        )

    @property
    def registry(self) -> str:
        return f"{self.context.account_id}.dkr.ecr.{self.context.region}.amazonaws.com"

    @property
    def repository_arn_pattern(self) -> str:
        ctx = self.context
        return f"arn:{ctx.partition}:ecr:{ctx.region}:{ctx.account_id}:repository/{self.prefix}/*"

    def image_uri(self, image: str) -> str:
        """Where a task pulls the Docker Hub ``image`` from through this cache."""
        repository = docker_hub_repository(image)
        if repository is None:
            raise ValueError(f"{image!r} is not a Docker Hub image; the Docker Hub cache cannot serve it")
        return f"{self.registry}/{self.prefix}/{repository}"

    def warm(self, images: list[str]) -> TerraformResource:
        """A ``terraform_data`` that pulls each cache ``image`` URI once from the deployer's machine
        (``aws ecr get-login-password | docker login``, then ``docker pull``), so the first pull
        from the private subnets finds the image cached. Re-runs when the image list changes."""
        warmer = TerraformResource(
            self,
            "warm",
            terraform_resource_type="terraform_data",
            depends_on=[self.rule, self.template],
            provisioners=[
                LocalExecProvisioner(
                    type="local-exec", command=warm_command(self.registry, self.context.region, images)
                )
            ],
        )
        warmer.add_override("triggers_replace", list(images))
        return warmer


def warm_command(registry: str, region: str, images: list[str]) -> str:
    """The shell command ``warm`` runs: fail with a clear line without the tools, else log in to
    the registry and pull each image once."""
    pulls = " ".join(f'"{image}"' for image in images)
    return (
        "set -eu; "
        'for tool in aws docker; do command -v "$tool" >/dev/null || '
        '{ echo "warming the ECR pull-through cache needs $tool on the deploying machine" >&2; exit 1; }; done; '
        f'aws ecr get-login-password --region {region} | docker login --username AWS --password-stdin "{registry}"; '
        f'for image in {pulls}; do docker pull --quiet "$image"; done'
    )
