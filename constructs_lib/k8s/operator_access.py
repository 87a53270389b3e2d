"""Who may reach the aggregator's Control API: a namespaced Role with exactly what
``kubectl port-forward svc/<control service>`` needs, bound to named people and groups.

Flower 1.25's Control API has no authentication of its own: whoever reaches it can submit a run,
and a run's ClientApp code executes at every site, next to the site's data. The Control Service is
ClusterIP only, so the way in is a port-forward through the Kubernetes API; this Role is the grant
for it. Pod names of a Deployment are random, so ``pods/portforward`` cannot be limited to the
SuperLink's pods by name: the Role lets its holders port-forward to any pod of the namespace
(they are the aggregator operators, who can run code at every site anyway).
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_kubernetes.role_binding_v1 import (
    RoleBindingV1,
    RoleBindingV1Metadata,
    RoleBindingV1RoleRef,
    RoleBindingV1Subject,
)
from cdktf_cdktf_provider_kubernetes.role_v1 import RoleV1, RoleV1Metadata, RoleV1Rule
from constructs import Construct

from constructs_lib.k8s.labels import managed

RBAC_API_GROUP = "rbac.authorization.k8s.io"
SUBJECT_KINDS = {"user": "User", "serviceAccount": "User", "group": "Group"}
"""IAM principal prefix -> Kubernetes RBAC subject kind (GKE names users and Google service
accounts by email as ``User``; Google Groups need Google Groups for RBAC)."""


@dataclass(frozen=True)
class ControlOperatorsProps:
    """``name`` of the Role and RoleBinding in ``namespace``; ``control_service`` the ClusterIP
    Service of the Control API; ``operators`` IAM principals (``user:``, ``group:``,
    ``serviceAccount:`` + email), at least one."""

    name: str
    namespace: str
    control_service: str
    operators: tuple[str, ...]

    def __post_init__(self):
        if not self.operators:
            raise ValueError("ControlOperatorsProps.operators must name at least one principal")
        for operator in self.operators:
            kind, _, email = operator.partition(":")
            if kind not in SUBJECT_KINDS or "@" not in email:
                raise ValueError(
                    f"ControlOperatorsProps.operators: {operator!r} is not user:, group: or serviceAccount:"
                )


def subject(operator: str) -> tuple[str, str]:
    """``user:alice@corp.com`` -> (``User``, ``alice@corp.com``)."""
    kind, _, email = operator.partition(":")
    return SUBJECT_KINDS[kind], email


class ControlOperators(Construct):
    """The Role (get the control Service by name; get and list pods; create ``pods/portforward``)
    and one RoleBinding of it to every operator."""

    def __init__(self, scope: Construct, construct_id: str, *, props: ControlOperatorsProps):
        super().__init__(scope, construct_id)
        labels = managed({"app.kubernetes.io/component": "control-operators"})
        self.role = RoleV1(
            self,
            "role",
            metadata=RoleV1Metadata(name=props.name, namespace=props.namespace, labels=labels),
            rule=[
                RoleV1Rule(
                    api_groups=[""], resources=["services"], resource_names=[props.control_service], verbs=["get"]
                ),
                RoleV1Rule(api_groups=[""], resources=["pods"], verbs=["get", "list"]),
                RoleV1Rule(api_groups=[""], resources=["pods/portforward"], verbs=["create"]),
            ],
        )
        self.binding = RoleBindingV1(
            self,
            "binding",
            metadata=RoleBindingV1Metadata(name=props.name, namespace=props.namespace, labels=labels),
            role_ref=RoleBindingV1RoleRef(api_group=RBAC_API_GROUP, kind="Role", name=self.role.metadata.name),
            subject=[
                RoleBindingV1Subject(kind=kind, name=name, api_group=RBAC_API_GROUP)
                for kind, name in map(subject, props.operators)
            ],
        )
