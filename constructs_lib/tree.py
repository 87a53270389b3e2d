"""Walking the construct tree: what a construct defines, for ``depends_on`` lists that must wait
for everything a piece of infrastructure creates, not just the resources it is referenced by."""

from __future__ import annotations

from cdktf import TerraformResource
from constructs import Construct


def resources_under(*scopes: Construct) -> list[TerraformResource]:
    """Every Terraform resource defined in ``scopes`` (their whole subtrees), in tree order."""
    return [node for scope in scopes for node in scope.node.find_all() if isinstance(node, TerraformResource)]
