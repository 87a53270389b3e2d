"""Mandatory tags on every taggable Azure resource, applied once per stack by a cdktf aspect.

azurerm has no provider-level default tags (unlike the AWS provider's ``default_tags``), and
tagging by hand on each resource is how tags go missing. The aspect visits every construct at synth
time and merges the mandatory tags into each resource whose Terraform schema has a ``tags``
argument; mandatory keys win over per-resource tags with the same key.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping

import jsii
from cdktf import Aspects, IAspect, TerraformResource
from constructs import IConstruct


def accepts_tags(resource: TerraformResource) -> bool:
    """Whether the resource's provider binding declares a ``tags`` argument."""
    return "tags" in inspect.signature(type(resource).__init__).parameters


@jsii.implements(IAspect)
class MandatoryTags:
    """Aspect that sets ``tags`` = per-resource tags + ``tags`` (mandatory keys win)."""

    def __init__(self, tags: Mapping[str, str]):
        self._tags = dict(sorted(tags.items()))

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, TerraformResource) and accepts_tags(node):
            current = dict(node.tags_input or {})
            node.tags = dict(sorted({**current, **self._tags}.items()))


def apply_mandatory_tags(scope: IConstruct, tags: Mapping[str, str]) -> MandatoryTags:
    """Register the aspect on ``scope`` (normally the stack); returns it."""
    aspect = MandatoryTags(tags)
    Aspects.of(scope).add(aspect)
    return aspect
