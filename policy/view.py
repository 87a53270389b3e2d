"""A resolved, read-only view of one resource or output, which is what policy rules inspect."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property

from cdktf import (
    DefaultTokenResolver,
    StringConcat,
    TerraformOutput,
    TerraformProvider,
    TerraformResource,
    TerraformStack,
    Tokenization,
)


def resolve(stack: TerraformStack, value):
    """Resolve cdktf tokens in ``value`` to the interpolations synth writes (``${type.id.attr}``)."""
    return Tokenization.resolve(value, scope=stack, resolver=DefaultTokenResolver(StringConcat()), preparing=False)


@dataclass
class ResourceView:
    """One resource: its Terraform type, logical ID, resolved configuration (tokens turned into
    ``${type.id.attr}`` interpolations) and the stack it lives in."""

    node: TerraformResource
    stack: TerraformStack
    provider_cache: dict = field(default_factory=dict)
    """Resolved provider configurations, default providers and resource types by class, shared
    across views; every value here costs a round trip to the jsii kernel, so each is fetched once."""

    @cached_property
    def type(self) -> str:
        key = ("type", type(self.node))
        if key not in self.provider_cache:
            self.provider_cache[key] = self.node.terraform_resource_type
        return self.provider_cache[key]

    @cached_property
    def logical_id(self) -> str:
        return self.stack.get_logical_id(self.node)

    @cached_property
    def config(self) -> dict:
        rendered = resolve(self.stack, self.node.to_terraform())
        return next(iter(rendered["resource"][self.type].values()))

    @property
    def cloud(self) -> str:
        return self.type.split("_", 1)[0]

    def reference(self, attribute: str = "id") -> str:
        return f"${{{self.type}.{self.logical_id}.{attribute}}}"

    def siblings(self, rtype: str) -> list[ResourceView]:
        """Other resources of ``rtype`` in the same stack."""
        return [
            ResourceView(child, self.stack, self.provider_cache)
            for child in self.stack.node.find_all()
            if isinstance(child, TerraformResource) and child.terraform_resource_type == rtype
        ]

    def provider_config(self) -> dict:
        """Resolved configuration of the provider this resource uses (explicit, else the stack's
        default provider of its cloud); computed once per stack and provider."""
        provider = self.node.provider
        if provider is None:
            if "defaults" not in self.provider_cache:  # one cache per stack: see PolicyAspect
                self.provider_cache["defaults"] = _default_providers(self.stack)
            provider = self.provider_cache["defaults"].get(self.cloud)
        if provider is None:
            return {}
        key = provider.node.path
        if key not in self.provider_cache:
            self.provider_cache[key] = provider_config(self.stack, provider)
        return self.provider_cache[key]


def provider_config(stack: TerraformStack, provider: TerraformProvider) -> dict:
    """The resolved configuration of one provider block (tokens as ``${...}`` interpolations)."""
    (config,) = resolve(stack, provider.to_terraform())["provider"].values()
    return config[0] if isinstance(config, list) else config


def _default_providers(stack: TerraformStack) -> dict[str, TerraformProvider]:
    """The un-aliased provider of each cloud in ``stack``, by provider type (``aws``, ``google``)."""
    return {
        provider.terraform_resource_type: provider
        for provider in stack.all_providers()
        if isinstance(provider, TerraformProvider) and provider.alias is None
    }


@dataclass
class OutputView:
    """One stack output with its resolved value."""

    node: TerraformOutput
    stack: TerraformStack

    @cached_property
    def rendered(self) -> dict:
        resolved = resolve(self.stack, self.node.to_terraform())
        return next(iter(resolved["output"].values()))

    @property
    def text(self) -> str:
        return json.dumps(self.rendered.get("value"))

    @cached_property
    def sensitive(self) -> bool:
        return bool(self.node.sensitive)
