"""Container images for a VPC without internet: an ECR pull-through cache rule for Docker Hub.

Fargate tasks in private subnets with no default route cannot reach Docker Hub. The cache serves
``<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<repository>:<tag>`` from the region through
the ECR interface endpoints and the S3 gateway endpoint, with the Docker Hub credential the user
stores in Secrets Manager. But ECR documents that the *first* pull of an image through a
pull-through cache rule over interface endpoints needs an internet route (NAT) from the pulling
subnet; later pulls do not. The member VPCs route only the aggregators' addresses to their NAT, so
``warm`` pulls each image once from the deployer's machine (``terraform_data`` with a
``local-exec`` provisioner: AWS CLI and docker) before the service starts.

Cached repositories are created from a creation template, encrypted with a customer-managed KMS
key of the cache. ECR creates them, on the first pull, as the template's ``custom_role_arn``: a
template with KMS encryption or resource tags needs that role ("Creating a repository creation
template in Amazon ECR"), and without it the first pull fails with "not found"
(aws/containers-roadmap#2398). The role is trusted by ``ecr.amazonaws.com`` exactly as AWS
documents it (no conditions are documented for this trust) and may only create and tag
repositories under the cache's prefix and use the cache's key for their grants. IAM is
eventually consistent, and the role is first used by the warm-up pull minutes after it is made,
so the template waits ``ROLE_PROPAGATION`` (``time_sleep``) after the role's policy; the stack
must declare the ``time`` provider.
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
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_time.sleep import Sleep
from constructs import Construct

from constructs_lib.aws.context import AwsContext
from constructs_lib.aws.kms import EncryptionKey, EncryptionKeyProps
from constructs_lib.iam_json import policy_document

DOCKER_HUB_REGISTRY = "registry-1.docker.io"
_DOCKER_HUB_HOSTS = ("docker.io/", "index.docker.io/", "registry-1.docker.io/")
ROLE_PROPAGATION = "60s"
"""How long the creation template (and so the warm-up pull, ECR's first use of its role) waits
after the role's policy is written: IAM changes are eventually consistent."""
TEMPLATE_ROLE_ACTIONS = ("ecr:CreateRepository", "ecr:TagResource")
"""What ECR does as the template's role for a pull-through cache (AWS's custom policy for
repository creation templates, without ``ecr:ReplicateImage``: this template serves no
replication)."""
TEMPLATE_KEY_ACTIONS = ("kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey")
"""What ECR needs on a customer-managed key to create a repository encrypted with it."""


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
    Docker Hub ``username`` and ``accessToken``; ``name`` prefixes the template role's name and
    the cache key's alias."""

    credential_secret_name: str
    name: str = "image-cache"
    prefix: str = "docker-hub"

    def __post_init__(self):
        if not self.credential_secret_name.startswith("ecr-pullthroughcache/"):
            raise ValueError("DockerHubCacheProps.credential_secret_name must start with 'ecr-pullthroughcache/'")


class DockerHubCache(Construct):
    """The pull-through cache rule and the creation template of its repositories (encrypted with
    the cache's own KMS key, created by the template's role). ``repository_arn_pattern`` names
    every cached repository, for least-privilege pull grants."""

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
        self.key = EncryptionKey(
            self,
            "key",
            context=context,
            props=EncryptionKeyProps(
                alias=f"{props.name}-image-cache", description=f"{props.name}: Docker Hub images cached in ECR"
            ),
        )
        self.template_role = IamRole(
            self,
            "template_role",
            name_prefix=f"{props.name}-ecr-tmpl-"[:38],
            description="ECR creates the pull-through cache's repositories as this role (KMS-encrypted)",
            assume_role_policy=policy_document(
                {"Effect": "Allow", "Principal": {"Service": "ecr.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ),
        )
        policy = IamRolePolicy(
            self,
            "template_role_policy",
            name="create-cached-repositories",
            role=self.template_role.id,
            policy=policy_document(
                {
                    "Sid": "CreateCachedRepositories",
                    "Effect": "Allow",
                    "Action": list(TEMPLATE_ROLE_ACTIONS),
                    "Resource": self.repository_arn_pattern,
                },
                {
                    "Sid": "EncryptWithCacheKey",
                    "Effect": "Allow",
                    "Action": list(TEMPLATE_KEY_ACTIONS),
                    "Resource": self.key.arn,
                },
            ),
        )
        self.role_propagation = Sleep(
            self,
            "role_propagation",
            create_duration=ROLE_PROPAGATION,
            triggers={"role": self.template_role.arn, "policy": policy.id},
            depends_on=[policy],
        )
        self.template = EcrRepositoryCreationTemplate(
            self,
            "template",
            prefix=props.prefix,
            applied_for=["PULL_THROUGH_CACHE"],
            description="Docker Hub images cached for the federation's SuperNodes",
            custom_role_arn=self.template_role.arn,
            encryption_configuration=[
                EcrRepositoryCreationTemplateEncryptionConfiguration(encryption_type="KMS", kms_key=self.key.arn)
            ],
            depends_on=[self.role_propagation],
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
