"""Producers can put data in: container-scoped write roles for named Entra ID principals, and
the public ranges and subnets the storage firewall admits for them (azure.data_share.writers,
allowed_networks, allowed_subnet_ids)."""

from __future__ import annotations

import pytest

from tests.synth_helpers import ref, synth_yaml
from tests.test_azure_data_share import STACK, azure_only, only

PIPELINE = "11111111-2222-3333-4444-555555555555"
LABELERS = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
SUBNET = (
    "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/producers/providers/"
    "Microsoft.Network/virtualNetworks/etl/subnets/workers"
)
WRITERS = f"""\
    terms: "Evaluation only."
    datasets: [{{container: eval-a, folder: v1}}, {{container: eval-a, folder: v2}}, {{container: labels}}]
    writers:
      - {{principal_id: {PIPELINE}, principal_type: ServicePrincipal}}
      - {{principal_id: {LABELERS.upper()}, principal_type: Group, containers: [labels]}}
    allowed_networks: [203.0.113.0/24, 198.51.100.7]
    allowed_subnet_ids: [{SUBNET}]
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return synth_yaml(azure_only(WRITERS), tmp_path_factory.mktemp("writers") / "out")


def writer_roles(synthesized) -> dict[str, dict]:
    return {
        logical_id: role
        for logical_id, role in synthesized.resources(STACK, "azurerm_role_assignment").items()
        if role["role_definition_name"] == "Storage Blob Data Contributor"
    }


def test_each_writer_gets_contributor_on_exactly_its_containers_never_the_account(out):
    containers = {c["name"]: cid for cid, c in out.resources(STACK, "azurerm_storage_container").items()}
    grants = {(role["principal_id"], role["scope"], role.get("principal_type")) for role in writer_roles(out).values()}
    container_id = {name: ref("azurerm_storage_container", cid) for name, cid in containers.items()}
    assert grants == {
        (PIPELINE, container_id["eval-a"], "ServicePrincipal"),
        (PIPELINE, container_id["labels"], "ServicePrincipal"),
        (LABELERS, container_id["labels"], "Group"),  # object IDs are normalized to lowercase
    }
    for cid in containers.values():
        # The container is addressed through Resource Manager, so its id is the ARM scope
        # /subscriptions/../storageAccounts/<account>/blobServices/default/containers/<name>.
        assert out.resources(STACK, "azurerm_storage_container")[cid]["storage_account_id"].startswith(
            "${azurerm_storage_account."
        )
    sa_id, _ = only(out.resources(STACK, "azurerm_storage_account"))
    scopes = {role["scope"] for role in out.resources(STACK, "azurerm_role_assignment").values()}
    assert scopes - set(container_id.values()) == {ref("azurerm_storage_account", sa_id)}, (
        "only the share's own reader role may be scoped to the account"
    )


def test_writer_roles_do_not_delay_the_datasets(out):
    """Writers upload after the apply; only the share identity's role gates dataset creation."""
    (sleep,) = out.resources(STACK, "time_sleep").values()
    reader = [
        lid
        for lid, r in out.resources(STACK, "azurerm_role_assignment").items()
        if "Reader" in r["role_definition_name"]
    ]
    assert list(sleep["triggers"].values()) == [ref("azurerm_role_assignment", reader[0])]


def test_firewall_admits_exactly_the_listed_networks_and_still_denies_the_rest(out):
    _, sa = only(out.resources(STACK, "azurerm_storage_account"))
    rules = sa["network_rules"]
    assert rules["default_action"] == "Deny"
    assert rules["bypass"] == ["AzureServices"]
    assert rules["ip_rules"] == ["203.0.113.0/24", "198.51.100.7"]
    assert rules["virtual_network_subnet_ids"] == [SUBNET]
    assert sa["shared_access_key_enabled"] is False, "admitted networks still need an Entra ID role"


def test_adding_a_writer_leaves_existing_role_assignments_unchanged(out, synth):
    fewer = WRITERS.replace(
        f"      - {{principal_id: {LABELERS.upper()}, principal_type: Group, containers: [labels]}}\n", ""
    )
    smaller = synth(azure_only(fewer))
    before, after = writer_roles(smaller), writer_roles(out)
    assert set(before) < set(after)
    for logical_id, role in before.items():
        assert after[logical_id] == role


def test_upload_destinations_are_outputs(out):
    outputs = out.outputs(STACK)
    sa_id, _ = only(out.resources(STACK, "azurerm_storage_account"))
    endpoint = ref("azurerm_storage_account", sa_id, "primary_blob_endpoint")
    assert outputs["container_urls"]["value"] == {"eval-a": f"{endpoint}eval-a", "labels": f"{endpoint}labels"}
    assert outputs["storage_account_name"]["value"] == ref("azurerm_storage_account", sa_id, "name")


def test_without_writers_nothing_changes(synth):
    out = synth(azure_only())
    assert writer_roles(out) == {}
    _, sa = only(out.resources(STACK, "azurerm_storage_account"))
    assert "ip_rules" not in sa["network_rules"]
    assert "virtual_network_subnet_ids" not in sa["network_rules"]
