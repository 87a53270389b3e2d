"""Azure building blocks on their own: deterministic names, props validation, the tag aspect."""

from __future__ import annotations

import json
import re

import cdktf
import pytest

import stacks  # noqa: F401 - installs the lazy provider import
from constructs_lib.azure.data_share import BlobDatasetProps, BlobShareProps, SnapshotScheduleProps
from constructs_lib.azure.invitation import InvitationProps, invitation_template
from constructs_lib.azure.naming import dataset_name, invitation_name, share_name, storage_account_name
from constructs_lib.azure.storage import SecureStorageAccountProps
from constructs_lib.azure.tagging import apply_mandatory_tags
from constructs_lib.azure.writers import WriterProps

# --- naming -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "parts",
    [("fedlearn", "dev", "share"), ("a", "b", "c"), ("a-very-long-federation-name", "production-env", "share")],
)
def test_storage_account_name_is_legal_and_stable(parts):
    name = storage_account_name(*parts)
    assert re.fullmatch(r"[a-z0-9]{3,24}", name)
    assert name == storage_account_name(*parts)


def test_storage_account_names_differ_when_prefixes_truncate_alike():
    long = "federation-with-a-long-name"
    assert storage_account_name(long, "dev1", "share") != storage_account_name(long, "dev2", "share")


def test_share_and_dataset_names_follow_azure_rules():
    assert share_name("fedlearn", "dev", "share") == "fedlearn_dev_share"
    assert dataset_name("reference-labels", "v1/train") == "reference-labels-v1-train"
    assert dataset_name("evaluation-data", None) == "evaluation-data"


def test_invitation_name_ignores_case_and_hides_the_address():
    assert invitation_name("Lab@Example.org") == invitation_name("lab@example.org")
    assert invitation_name("lab@example.org") != invitation_name("partner@example.com")
    assert "example" not in invitation_name("lab@example.org")
    assert re.fullmatch(r"invite-[0-9a-f]{12}", invitation_name("lab@example.org"))


# --- props validation ---------------------------------------------------------------------------


def storage_props(**changes):
    values = {
        "name": "fedlearndevshare1234abcd",
        "resource_group_name": "rg",
        "location": "eastus",
        "containers": ("data",),
        "log_workspace_id": "ws",
    }
    return SecureStorageAccountProps(**{**values, **changes})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "Fed-Learn"}, "must be 3-24 lowercase letters and digits"),
        ({"replication": "LRS"}, "replication must be one of"),
        ({"soft_delete_days": 0}, "soft_delete_days must be between 1 and 365"),
        ({"containers": ("data", "data")}, "lists a container twice"),
        ({"ip_rules": ("10.1.0.0/24",)}, "is a private range"),
        ({"ip_rules": ("0.0.0.0/0",)}, "has a prefix Azure Storage rejects"),
        ({"ip_rules": ("203.0.113.7/32",)}, "has a prefix Azure Storage rejects"),
        ({"ip_rules": ("203.0.113.6/31",)}, "has a prefix Azure Storage rejects"),
        ({"ip_rules": ("2001:db8::/48",)}, "is not an IPv4 address or range"),
    ],
)
def test_storage_props_reject_insecure_or_invalid_values(changes, message):
    with pytest.raises(ValueError, match=message):
        storage_props(**changes)


def test_share_props_reject_colliding_dataset_names():
    with pytest.raises(ValueError, match="duplicate dataset names"):
        BlobShareProps(
            name="s_1",
            terms="t",
            datasets=(BlobDatasetProps("labels", "v1/a"), BlobDatasetProps("labels", "v1-a")),
        )


def test_share_props_require_terms_and_valid_name():
    with pytest.raises(ValueError, match="terms must not be empty"):
        BlobShareProps(name="s_1", terms=" ", datasets=(BlobDatasetProps("labels"),))
    with pytest.raises(ValueError, match="letters, digits and underscores"):
        BlobShareProps(name="my-share", terms="t", datasets=(BlobDatasetProps("labels"),))


@pytest.mark.parametrize("wait", ["0s", "10", "10 minutes", "1h", "-5m"])
def test_share_props_reject_a_wait_that_is_not_seconds_or_minutes(wait):
    with pytest.raises(ValueError, match="role_propagation_wait"):
        BlobShareProps(name="s_1", terms="t", datasets=(BlobDatasetProps("labels"),), role_propagation_wait=wait)


def test_storage_props_accept_public_addresses_and_ranges():
    props = storage_props(ip_rules=("203.0.113.0/24", "198.51.100.7"), subnet_ids=("/subscriptions/x/subnets/y",))
    assert props.ip_rules == ("203.0.113.0/24", "198.51.100.7")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"principal_id": "11111111-2222-3333-4444-55555555555A"}, "lowercase object ID"),
        ({"principal_id": "alice@example.com"}, "lowercase object ID"),
        ({"principal_type": "MSI"}, "principal_type must be one of"),
    ],
)
def test_writer_props_reject_invalid_principals(changes, message):
    with pytest.raises(ValueError, match=message):
        WriterProps(**{"principal_id": "11111111-2222-3333-4444-555555555555", **changes})


def test_schedule_props_reject_unknown_recurrence_and_local_time():
    with pytest.raises(ValueError, match="recurrence"):
        SnapshotScheduleProps(name="s", recurrence="Week", start_time="2026-01-01T00:00:00Z")
    with pytest.raises(ValueError, match="UTC"):
        SnapshotScheduleProps(name="s", recurrence="Day", start_time="2026-01-01T00:00:00+02:00")


def test_invitation_props_require_utc_expiry():
    with pytest.raises(ValueError, match="RFC 3339"):
        InvitationProps(name="invite-1", email="a@b.org", deployment_name="d", expires="2027-06-30")


def test_invitation_template_is_a_valid_arm_document():
    doc = invitation_template(with_expiry=True)
    assert doc["$schema"].endswith("deploymentTemplate.json#")
    used = set(re.findall(r"parameters\('(\w+)'\)", json.dumps(doc)))
    assert used == set(doc["parameters"])
    assert "expirationDate" not in invitation_template(with_expiry=False)["parameters"]


# --- tag aspect ---------------------------------------------------------------------------------


def test_aspect_merges_mandatory_tags_over_resource_tags_and_skips_untaggable():
    from cdktf_cdktf_provider_azurerm.data_share import DataShare
    from cdktf_cdktf_provider_azurerm.provider import AzurermProvider, AzurermProviderFeatures
    from cdktf_cdktf_provider_azurerm.resource_group import ResourceGroup

    stack = cdktf.TerraformStack(cdktf.Testing.app(), "tags")
    AzurermProvider(stack, "azurerm", features=[AzurermProviderFeatures()])
    ResourceGroup(stack, "rg", name="rg", location="eastus", tags={"owner": "someone", "cost-center": "42"})
    ResourceGroup(stack, "bare", name="bare", location="eastus")
    DataShare(stack, "share", name="s_1", account_id="a", kind="CopyBased")
    apply_mandatory_tags(stack, {"owner": "ml-platform", "federation": "fedlearn"})
    resources = json.loads(cdktf.Testing.synth(stack))["resource"]
    assert resources["azurerm_resource_group"]["rg"]["tags"] == {
        "cost-center": "42",
        "federation": "fedlearn",
        "owner": "ml-platform",
    }
    assert resources["azurerm_resource_group"]["bare"]["tags"] == {"federation": "fedlearn", "owner": "ml-platform"}
    assert "tags" not in resources["azurerm_data_share"]["share"]
