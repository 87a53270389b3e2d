"""The aspect that runs the policy rules over every resource and output of a stack."""

from __future__ import annotations

import jsii
from cdktf import Annotations, Aspects, IAspect, TerraformOutput, TerraformProvider, TerraformResource, TerraformStack
from constructs import IConstruct

from policy.first_apply import (
    ecr_template_custom_role,
    efs_policy_allows_clients,
    no_vif_on_new_connection,
    supernode_dials_resolvable_address,
)
from policy.gke_access import gke_control_plane_access, kubernetes_provider_problem
from policy.log_metric_wait import log_metric_settled
from policy.rules import (
    encryption_at_rest,
    mandatory_tags,
    no_world_open_ports,
    secret_outputs_are_sensitive,
)
from policy.view import OutputView, ResourceView, provider_config


@jsii.implements(IAspect)
class PolicyAspect:
    """Adds an error annotation (``[policy:<rule>] ...``) to each construct of ``stack`` that
    breaks a rule (one aspect per stack, so lookups are cached per stack).

    Add it after any aspect that mutates resources (such as a tagging aspect): cdktf runs the
    aspects of a construct in the order they were added."""

    def __init__(self, stack: TerraformStack, required_tags: frozenset[str]):
        self.stack = stack
        self.required_tags = frozenset(required_tags)
        self._cache: dict = {}

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, TerraformResource):
            view = ResourceView(node, self.stack, self._cache)
            problems = {
                "mandatory-tags": mandatory_tags(view, self.required_tags),
                "encryption-at-rest": encryption_at_rest(view),
                "no-world-open-ports": no_world_open_ports(view),
                "no-vif-on-new-connection": no_vif_on_new_connection(view),
                "efs-policy-allows-clients": efs_policy_allows_clients(view),
                "ecr-template-custom-role": ecr_template_custom_role(view),
                "gke-control-plane-access": gke_control_plane_access(view),
                "log-metric-settled": log_metric_settled(view),
                "supernode-dials-resolvable-address": supernode_dials_resolvable_address(view),
            }
        elif isinstance(node, TerraformProvider) and node.terraform_resource_type == "kubernetes":
            config = provider_config(self.stack, node)
            problems = {"kubernetes-via-iam-endpoint": kubernetes_provider_problem(config)}
        elif isinstance(node, TerraformOutput):
            problems = {"sensitive-outputs": secret_outputs_are_sensitive(OutputView(node, self.stack))}
        else:
            return
        for rule, problem in problems.items():
            if problem:
                Annotations.of(node).add_error(f"[policy:{rule}] {problem}")


def apply_policies(stack: TerraformStack, required_tags: frozenset[str]) -> None:
    """Attach the policy aspect to ``stack`` (call after the stack's own aspects)."""
    Aspects.of(stack).add(PolicyAspect(stack, required_tags))
