"""The base of every stack in the app: a named TerraformStack with its state backend."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from federation_spec.federation import Federation
from stacks.backend import PROJECT_ROOT_CONTEXT, configure_backend
from stacks.naming import mandatory_tags, resource_prefix


class FederationStack(TerraformStack):
    """A deployment unit of the federation: knows its name, prefix and tags, and has a backend
    (its local state path runs from the app's output directory to the project root)."""

    def __init__(self, scope: Construct, stack_name: str, *, federation: Federation, state):
        super().__init__(scope, stack_name)
        self.stack_name = stack_name
        self.federation = federation
        self.prefix = resource_prefix(federation)
        self.tags = mandatory_tags(federation)
        configure_backend(self, stack_name, state, scope.outdir, root=scope.node.try_get_context(PROJECT_ROOT_CONTEXT))

    def output(self, name: str, value, description: str, *, sensitive: bool = False) -> TerraformOutput:
        """Declare a documented stack output."""
        return TerraformOutput(self, name, value=value, description=description, sensitive=sensitive)
