"""A dedicated, least-privilege service account for GKE nodes (never the Compute default one)."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_google.project_iam_member import ProjectIamMember
from cdktf_cdktf_provider_google.service_account import ServiceAccount
from constructs import Construct

from constructs_lib.gcp.naming import SERVICE_ACCOUNT_ID_LIMIT, bounded_name

NODE_ROLE = "roles/container.defaultNodeServiceAccount"
"""Google's least-privilege role for node system tasks: logging, monitoring, autoscaling metrics."""

IMAGE_PULL_ROLE = "roles/artifactregistry.reader"


@dataclass(frozen=True)
class NodeServiceAccountProps:
    """``name`` becomes the account ID (shortened with a hash past 30 characters); ``project`` gets
    the role bindings; ``display_name`` defaults to ``name``; ``pull_images`` adds Artifact
    Registry read access (default on: training images are usually private). Workloads get their
    own identities through Workload Identity, never this account."""

    name: str
    project: str
    display_name: str = ""
    pull_images: bool = True

    @property
    def roles(self) -> tuple[str, ...]:
        return (NODE_ROLE, IMAGE_PULL_ROLE) if self.pull_images else (NODE_ROLE,)


class NodeServiceAccount(Construct):
    """The account plus additive (non-authoritative) project role memberships, one per role."""

    def __init__(self, scope: Construct, construct_id: str, *, props: NodeServiceAccountProps):
        super().__init__(scope, construct_id)
        self.account = ServiceAccount(
            self,
            "account",
            account_id=bounded_name(props.name, SERVICE_ACCOUNT_ID_LIMIT),
            display_name=props.display_name or props.name,
            description="Node identity for GKE system tasks only; workloads use Workload Identity",
        )
        self.role_members = [
            ProjectIamMember(
                self,
                f"role_{role.split('/')[-1].replace('.', '_')}",
                project=props.project,
                role=role,
                member=self.account.member,
            )
            for role in props.roles
        ]

    @property
    def email(self) -> str:
        return self.account.email
