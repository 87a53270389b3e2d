"""Terraform state backends per the spec's ``state`` section, one state file per stack.

cdktf derives each cross-stack ``terraform_remote_state`` from the producer's backend, so the
choice here also decides how stacks read each other's outputs.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath

from cdktf import AzurermBackend, GcsBackend, LocalBackend, S3Backend, TerraformStack

from federation_spec.federation import AzurermState, GcsState, LocalState, S3State

PROJECT_ROOT_CONTEXT = "fedinfra:projectRoot"
"""App context key holding the project root (``build_app``'s ``root``) for local state paths."""

REQUIRED_TERRAFORM = ">= 1.10"
"""The S3 backend's ``use_lockfile`` (and OpenTofu's) needs 1.10; every stack declares it."""


def stack_workdir(outdir: str | os.PathLike, stack_name: str) -> Path:
    """Where Terraform runs for a stack: ``<outdir>/stacks/<stack>`` (as cdktf lays it out)."""
    return Path(os.path.realpath(outdir)) / "stacks" / stack_name


def local_state_path(outdir: str | os.PathLike, stack_name: str, directory: str, root: str | None = None) -> str:
    """The state file of ``stack_name`` under ``directory`` (relative to the project ``root``,
    default the working directory), as a path relative to the stack's working directory: right
    for any ``--out`` depth, and identical from any checkout path when ``outdir`` is relative."""
    base = Path(os.path.realpath(root or os.getcwd()))
    target = base / directory / f"{stack_name}.tfstate"
    if PurePath(directory).is_absolute():
        return target.as_posix()
    return Path(os.path.relpath(target, stack_workdir(outdir, stack_name))).as_posix()


def state_inside_output(state, outdir: str | os.PathLike, root: str | None = None) -> str | None:
    """A one-line problem if local state would land inside ``outdir`` (every synth replaces it)."""
    if not isinstance(state, LocalState):
        return None
    base = Path(os.path.realpath(root or os.getcwd()))
    directory = Path(os.path.realpath(base / state.directory))
    out = Path(os.path.realpath(outdir))
    if directory == out or out in directory.parents:
        return (
            f"state.directory {state.directory!r} lies inside the output directory {str(outdir)!r}, which every "
            "synth replaces; move the state directory or choose another --out"
        )
    return None


def configure_backend(
    stack: TerraformStack, stack_name: str, state, outdir: str | os.PathLike, root: str | None = None
) -> None:
    """Attach the backend for ``stack`` synthesized into ``outdir``; every stack gets its own
    key/file, and every stack requires a Terraform that honours the backend's settings."""
    stack.add_override("terraform.required_version", REQUIRED_TERRAFORM)
    if isinstance(state, LocalState):
        LocalBackend(stack, path=local_state_path(outdir, stack_name, state.directory, root))
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
