"""Terraform state backends per the spec's ``state`` section, one state file per stack.

cdktf derives each cross-stack ``terraform_remote_state`` from the producer's backend, so the
choice here also decides how stacks read each other's outputs.
"""

from __future__ import annotations

import posixpath

from cdktf import AzurermBackend, GcsBackend, LocalBackend, S3Backend, TerraformStack

from spec.federation import AzurermState, GcsState, LocalState, S3State

STACK_DEPTH = "../../.."
"""From a stack's working directory (``cdktf.out/stacks/<stack>``) back to the project root."""


def configure_backend(stack: TerraformStack, stack_name: str, state) -> None:
    """Attach the backend for ``stack``; every stack gets its own key/file."""
    if isinstance(state, LocalState):
        directory = state.directory
        if not posixpath.isabs(directory):
            # Relative, so output is identical from any checkout path; outside cdktf.out, which
            # every synth replaces.
            directory = posixpath.join(STACK_DEPTH, directory)
        LocalBackend(stack, path=posixpath.join(directory, f"{stack_name}.tfstate"))
    elif isinstance(state, S3State):
        backend = S3Backend(
            stack,
            bucket=state.bucket,
            key=f"{state.key_prefix}/{stack_name}.tfstate",
            region=state.region,
            encrypt=True,
            kms_key_id=state.kms_key_id,
        )
        backend.add_override("use_lockfile", True)
    elif isinstance(state, GcsState):
        GcsBackend(stack, bucket=state.bucket, prefix=f"{state.prefix}/{stack_name}")
    elif isinstance(state, AzurermState):
        AzurermBackend(
            stack,
            resource_group_name=state.resource_group_name,
            storage_account_name=state.storage_account_name,
            container_name=state.container_name,
            key=f"{state.key_prefix}/{stack_name}.tfstate",
            use_azuread_auth=True,
        )
    else:  # pragma: no cover - the spec's discriminated union admits nothing else
        raise TypeError(f"unsupported state backend {state!r}")
