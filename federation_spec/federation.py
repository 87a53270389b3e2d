"""The ``federation`` and ``state`` sections: identity, mandatory tags, and where Terraform state lives."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from federation_spec.base import LabelKey, LabelValue, Name, SpecModel, StrictStr
from federation_spec.regions import AWS_REGIONS

RESERVED_TAG_KEYS = frozenset({"federation", "environment"})


class Federation(SpecModel):
    """Who this estate belongs to. ``name`` and ``environment`` prefix resource names and become tags."""

    name: Name
    """Lowercase letters, digits and `-`, starting with a letter, at most 24 characters; prefixes every physical name, and `validate` checks each name against its cloud's limit (e.g. 63 characters for S3 bucket names, which end with the 12-digit account ID)."""
    environment: Name = "dev"
    """Same rules as `name`; `<name>-<environment>` prefixes resource names."""
    tags: dict[LabelKey, LabelValue] = Field(default_factory=dict)
    """Added to every taggable resource with `federation` and `environment` (which cannot be overridden). Keys and values follow GCP label rules (lowercase letters, digits, `_`, `-`; at most 63 characters) so one set works on every cloud."""


class LocalState(SpecModel):
    """State files on this machine, outside ``cdktf.out`` (which every synth replaces)."""

    backend: Literal["local"] = "local"
    directory: StrictStr = "terraform-state"
    """Where state files go, relative to the project root (the directory synth runs in); never inside the output directory, which every synth replaces. The path in the JSON is relative to each stack's directory, right for any `--out`, and identical from any checkout."""


class S3State(SpecModel):
    """State in S3, encrypted, locked with an S3 lock file (Terraform >= 1.10)."""

    backend: Literal["s3"]
    bucket: StrictStr
    """Existing S3 bucket for state (enable versioning on it)."""
    region: StrictStr
    """AWS region of the state bucket."""
    key_prefix: StrictStr = "fedlearn"
    """State key is `<key_prefix>/<stack>.tfstate`."""
    kms_key_id: StrictStr | None = None
    """KMS key for state encryption; absent: the bucket's default (state is always encrypted)."""


class GcsState(SpecModel):
    """State in a Google Cloud Storage bucket (object versioning recommended on the bucket)."""

    backend: Literal["gcs"]
    bucket: StrictStr
    """Existing GCS bucket for state (enable object versioning on it)."""
    prefix: StrictStr = "fedlearn"
    """State prefix is `<prefix>/<stack>`."""


class AzurermState(SpecModel):
    """State in an Azure storage container, authenticated with Azure AD rather than access keys."""

    backend: Literal["azurerm"]
    resource_group_name: StrictStr
    """Resource group of the state storage account."""
    storage_account_name: StrictStr
    """Existing storage account for state (authenticated with Azure AD, not keys)."""
    container_name: StrictStr = "tfstate"
    """Blob container for state."""
    key_prefix: StrictStr = "fedlearn"
    """State blob is `<key_prefix>/<stack>.tfstate`."""


StateConfig = Annotated[LocalState | S3State | GcsState | AzurermState, Field(discriminator="backend")]


def state_issues(state) -> list[tuple[str, str]]:
    """Cross-field checks of the state section: (path, message) pairs."""
    if isinstance(state, S3State) and state.region not in AWS_REGIONS:
        return [("state.region", f"unknown AWS region {state.region!r}")]
    return []
