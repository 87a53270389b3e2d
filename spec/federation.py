"""The ``federation`` and ``state`` sections: identity, mandatory tags, and where Terraform state lives."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from spec.base import LabelKey, LabelValue, Name, SpecModel, StrictStr
from spec.regions import AWS_REGIONS

RESERVED_TAG_KEYS = frozenset({"federation", "environment"})


class Federation(SpecModel):
    """Who this estate belongs to. ``name`` and ``environment`` prefix resource names and become tags."""

    name: Name
    environment: Name = "dev"
    tags: dict[LabelKey, LabelValue] = Field(default_factory=dict)


class LocalState(SpecModel):
    """State files on this machine, outside ``cdktf.out`` (which every synth replaces)."""

    backend: Literal["local"] = "local"
    directory: StrictStr = "terraform-state"


class S3State(SpecModel):
    """State in S3, encrypted, locked with an S3 lock file (Terraform >= 1.10)."""

    backend: Literal["s3"]
    bucket: StrictStr
    region: StrictStr
    key_prefix: StrictStr = "fedlearn"
    kms_key_id: StrictStr | None = None


class GcsState(SpecModel):
    """State in a Google Cloud Storage bucket (object versioning recommended on the bucket)."""

    backend: Literal["gcs"]
    bucket: StrictStr
    prefix: StrictStr = "fedlearn"


class AzurermState(SpecModel):
    """State in an Azure storage container, authenticated with Azure AD rather than access keys."""

    backend: Literal["azurerm"]
    resource_group_name: StrictStr
    storage_account_name: StrictStr
    container_name: StrictStr = "tfstate"
    key_prefix: StrictStr = "fedlearn"


StateConfig = Annotated[LocalState | S3State | GcsState | AzurermState, Field(discriminator="backend")]


def state_issues(state) -> list[tuple[str, str]]:
    """Cross-field checks of the state section: (path, message) pairs."""
    if isinstance(state, S3State) and state.region not in AWS_REGIONS:
        return [("state.region", f"unknown AWS region {state.region!r}")]
    return []
