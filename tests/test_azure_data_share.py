"""The azure-data-share stack: hardened source storage, Data Share account, share, datasets,
reader role ordered before the datasets, one ARM-template invitation per consumer, tags, outputs."""

from __future__ import annotations

import importlib
import inspect
import json
import re

import pytest

from constructs_lib.azure.naming import invitation_name
from stacks.naming import mandatory_tags
from stacks.plan import plan_stacks
from tests.synth_helpers import ref, refers_to

STACK = "azure-data-share"

AZURE_ONLY = """
federation: {{name: fedlearn, environment: {env}, tags: {{owner: ml-platform}}}}
azure:
  location: westeurope
  data_share:
{body}
"""

MINIMAL_SHARE = """\
    terms: "Evaluation only."
    datasets: [{container: eval-a, folder: v1}, {container: eval-a, folder: v2}]
"""


def azure_only(body: str = MINIMAL_SHARE, env: str = "dev") -> str:
    return AZURE_ONLY.format(env=env, body=body)


def only(mapping: dict) -> tuple[str, dict]:
    assert len(mapping) == 1, sorted(mapping)
    return next(iter(mapping.items()))


@pytest.fixture(scope="module")
def stack(default_synth):
    return default_synth.stack(STACK)


@pytest.fixture(scope="module")
def spec_share(default_spec):
    return default_spec.azure.data_share


def storage(default_synth) -> tuple[str, dict]:
    return only(default_synth.resources(STACK, "azurerm_storage_account"))


def account(default_synth) -> tuple[str, dict]:
    return only(default_synth.resources(STACK, "azurerm_data_share_account"))


# --- stack and provider -------------------------------------------------------------------------


def test_stack_is_standalone_and_named_azure_data_share(default_synth):
    assert STACK in default_synth.stack_names()
    assert default_synth.dependencies(STACK) == []


def test_provider_has_features_block_and_no_data_plane_access(stack):
    (provider,) = stack["provider"]["azurerm"]
    (features,) = provider["features"]
    assert features["storage"] == [{"data_plane_available": False}]
    assert features["template_deployment"] == [{"delete_nested_items_during_deletion": True}]
    assert features["resource_group"] == [{"prevent_deletion_if_contains_resources": True}]
    assert provider["storage_use_azuread"] is True
    assert "Microsoft.DataShare" in provider["resource_providers_to_register"]


def test_resource_group_in_spec_location(default_synth, default_spec):
    rg = default_synth.resource(STACK, "azurerm_resource_group")
    assert rg["location"] == default_spec.azure.location == "eastus"
    assert rg["name"] == "fedlearn-dev-data-share-rg"


# --- source storage -----------------------------------------------------------------------------


def test_storage_account_is_hardened(default_synth):
    _, sa = storage(default_synth)
    assert sa["min_tls_version"] == "TLS1_2"
    assert sa["https_traffic_only_enabled"] is True
    assert sa["allow_nested_items_to_be_public"] is False
    assert sa["shared_access_key_enabled"] is False
    assert sa["default_to_oauth_authentication"] is True
    assert sa["infrastructure_encryption_enabled"] is True
    assert sa["local_user_enabled"] is False
    assert sa["sftp_enabled"] is False
    assert sa["cross_tenant_replication_enabled"] is False
    assert sa["account_kind"] == "StorageV2"
    assert sa["account_replication_type"] in {"GRS", "RAGRS", "GZRS", "RAGZRS"}
    assert refers_to(sa["resource_group_name"], "azurerm_resource_group")


def test_storage_has_versioning_change_feed_and_soft_delete(default_synth):
    _, sa = storage(default_synth)
    blob = sa["blob_properties"]
    assert blob["versioning_enabled"] is True
    assert blob["change_feed_enabled"] is True
    assert blob["delete_retention_policy"]["days"] >= 7
    assert blob["container_delete_retention_policy"]["days"] >= 7
    (policy,) = default_synth.resources(STACK, "azurerm_storage_management_policy").values()
    sa_id, _ = storage(default_synth)
    assert policy["storage_account_id"] == ref("azurerm_storage_account", sa_id)
    (rule,) = policy["rule"]
    assert rule["enabled"] is True
    assert rule["actions"]["version"]["delete_after_days_since_creation"] >= blob["delete_retention_policy"]["days"]


def test_storage_firewall_denies_all_but_trusted_azure_services(default_synth):
    """The control behind the CKV_AZURE_59 and CKV2_AZURE_33 skips: the public endpoint is
    firewalled (default deny, no IP or subnet rules); only trusted Azure services with a role,
    and this Data Share account by a resource-instance rule, get through."""
    _, sa = storage(default_synth)
    rules = sa["network_rules"]
    assert rules["default_action"] == "Deny"
    assert rules["bypass"] == ["AzureServices"]
    assert not rules.get("ip_rules")
    assert not rules.get("virtual_network_subnet_ids")
    account_id, _ = account(default_synth)
    assert [r["endpoint_resource_id"] for r in rules["private_link_access"]] == [
        ref("azurerm_data_share_account", account_id)
    ]
    # Public access stays "enabled with firewall" so the trusted-service exception is evaluated.
    assert sa["public_network_access_enabled"] is True


def test_storage_account_name_is_legal_and_derived_from_federation(default_synth):
    _, sa = storage(default_synth)
    assert re.fullmatch(r"[a-z0-9]{3,24}", sa["name"])
    assert sa["name"].startswith("fedlearndev")


def test_storage_account_name_differs_per_environment_and_synth_is_byte_identical(default_synth, synth):
    dev_a = synth(azure_only(env="dev"))
    dev_b = synth(azure_only(env="dev"))
    prod = synth(azure_only(env="prod"))
    path = f"stacks/{STACK}/cdk.tf.json"
    assert (dev_a.outdir / path).read_bytes() == (dev_b.outdir / path).read_bytes()
    dev_name = only(dev_a.resources(STACK, "azurerm_storage_account"))[1]["name"]
    prod_name = only(prod.resources(STACK, "azurerm_storage_account"))[1]["name"]
    assert dev_name != prod_name
    assert all(re.fullmatch(r"[a-z0-9]{3,24}", n) for n in (dev_name, prod_name))


def test_one_private_container_per_shared_container(default_synth, spec_share):
    containers = default_synth.resources(STACK, "azurerm_storage_container")
    sa_id, _ = storage(default_synth)
    assert sorted(c["name"] for c in containers.values()) == sorted({d.container for d in spec_share.datasets})
    for container in containers.values():
        assert container["container_access_type"] == "private"
        assert container["storage_account_id"] == ref("azurerm_storage_account", sa_id)


def test_storage_read_write_delete_logs_go_to_log_analytics(default_synth):
    """The control behind the CKV_AZURE_33 and CKV2_AZURE_21 skips: blob and queue service
    read, write and delete logs are streamed to the stack's Log Analytics workspace."""
    sa_id, _ = storage(default_synth)
    workspace_id, workspace = only(default_synth.resources(STACK, "azurerm_log_analytics_workspace"))
    assert workspace["local_authentication_enabled"] is False
    assert workspace["retention_in_days"] >= 90
    settings = default_synth.resources(STACK, "azurerm_monitor_diagnostic_setting").values()
    by_target = {s["target_resource_id"]: s for s in settings}
    for service in ("blob", "queue"):
        setting = by_target[f"{ref('azurerm_storage_account', sa_id)}/{service}Services/default"]
        assert setting["log_analytics_workspace_id"] == ref("azurerm_log_analytics_workspace", workspace_id)
        assert {log["category"] for log in setting["enabled_log"]} == {"StorageRead", "StorageWrite", "StorageDelete"}


def test_data_share_account_activity_is_logged(default_synth):
    account_id, _ = account(default_synth)
    settings = default_synth.resources(STACK, "azurerm_monitor_diagnostic_setting").values()
    (setting,) = [s for s in settings if s["target_resource_id"] == ref("azurerm_data_share_account", account_id)]
    assert setting["enabled_log"] == [{"category_group": "allLogs"}]


# --- data share ---------------------------------------------------------------------------------


def test_data_share_account_has_system_assigned_identity(default_synth, default_spec):
    _, acct = account(default_synth)
    assert acct["identity"] == {"type": "SystemAssigned"}
    assert acct["location"] == default_spec.azure.location


def test_share_is_copy_based_with_terms_and_snapshot_schedule(default_synth, spec_share):
    share = default_synth.resource(STACK, "azurerm_data_share")
    account_id, _ = account(default_synth)
    assert share["account_id"] == ref("azurerm_data_share_account", account_id)
    assert share["kind"] == "CopyBased"
    assert share["terms"] == spec_share.terms == "Use only for federated model evaluation."
    assert re.fullmatch(r"\w{2,90}", share["name"])
    schedule = share["snapshot_schedule"]
    assert schedule["recurrence"] == "Day"
    assert schedule["start_time"] == "2026-01-01T00:00:00Z"
    assert schedule["name"]


def test_one_blob_dataset_per_spec_entry(default_synth, spec_share):
    datasets = default_synth.resources(STACK, "azurerm_data_share_dataset_blob_storage")
    assert len(datasets) == len(spec_share.datasets) == 2
    share_id, _ = only(default_synth.resources(STACK, "azurerm_data_share"))
    sa_id, _ = storage(default_synth)
    containers = default_synth.resources(STACK, "azurerm_storage_container")
    rg_id, _ = only(default_synth.resources(STACK, "azurerm_resource_group"))
    seen = set()
    for dataset in datasets.values():
        assert dataset["data_share_id"] == ref("azurerm_data_share", share_id)
        (container_id,) = [
            cid for cid in containers if dataset["container_name"] == ref("azurerm_storage_container", cid, "name")
        ]
        seen.add((containers[container_id]["name"], dataset.get("folder_path")))
        account_block = dataset["storage_account"]
        assert account_block["name"] == ref("azurerm_storage_account", sa_id, "name")
        assert account_block["resource_group_name"] == ref("azurerm_resource_group", rg_id, "name")
        assert account_block["subscription_id"] == "${data.azurerm_client_config.client.subscription_id}"
    assert seen == {(d.container, d.folder) for d in spec_share.datasets}


def test_reader_role_for_share_identity_precedes_every_dataset_after_a_wait(default_synth):
    """Azure checks the share identity's access when a dataset is created, and a new role
    assignment takes up to 10 minutes to take effect: datasets wait on a time_sleep that is
    triggered by the assignment's ID (a re-created assignment waits again)."""
    role_id, role = only(default_synth.resources(STACK, "azurerm_role_assignment"))
    sa_id, _ = storage(default_synth)
    account_id, _ = account(default_synth)
    assert role["role_definition_name"] == "Storage Blob Data Reader"
    assert role["scope"] == ref("azurerm_storage_account", sa_id)
    assert role["principal_id"] == ref("azurerm_data_share_account", account_id, "identity[0].principal_id")
    assert role["principal_type"] == "ServicePrincipal"
    sleep_id, sleep = only(default_synth.resources(STACK, "time_sleep"))
    assert sleep["create_duration"] == "10m"
    assert list(sleep["triggers"].values()) == [ref("azurerm_role_assignment", role_id)]
    assert "destroy_duration" not in sleep
    for dataset in default_synth.resources(STACK, "azurerm_data_share_dataset_blob_storage").values():
        assert dataset["depends_on"] == [f"time_sleep.{sleep_id}"]


def test_time_provider_is_declared_and_pinned(stack):
    assert stack["provider"]["time"] == [{}]
    assert stack["terraform"]["required_providers"]["time"] == {"source": "hashicorp/time", "version": "0.13.1"}


# --- invitations --------------------------------------------------------------------------------


def invitations(synthesized) -> dict[str, dict]:
    """Invitation e-mail -> (template, parameters) of each template deployment."""
    found = {}
    for deployment in synthesized.resources(STACK, "azurerm_resource_group_template_deployment").values():
        template = json.loads(deployment["template_content"])
        parameters = {k: v["value"] for k, v in json.loads(deployment["parameters_content"]).items()}
        found[parameters["targetEmail"]] = {"deployment": deployment, "template": template, "parameters": parameters}
    return found


def test_one_invitation_per_consumer_with_the_right_email(default_synth, spec_share):
    found = invitations(default_synth)
    assert sorted(found) == sorted(c.email for c in spec_share.consumers)
    assert len(default_synth.resources(STACK, "azurerm_resource_group_template_deployment")) == len(
        spec_share.consumers
    )
    account_id, _ = account(default_synth)
    share_id, _ = only(default_synth.resources(STACK, "azurerm_data_share"))
    for email, item in found.items():
        (resource,) = item["template"]["resources"]
        assert resource["type"] == "Microsoft.DataShare/accounts/shares/invitations"
        assert resource["apiVersion"] == "2021-08-01"
        assert resource["properties"]["targetEmail"] == "[parameters('targetEmail')]"
        parameters = item["parameters"]
        assert parameters["accountName"] == ref("azurerm_data_share_account", account_id, "name")
        assert parameters["shareName"] == ref("azurerm_data_share", share_id, "name")
        assert parameters["invitationName"] == invitation_name(email)
        assert item["deployment"]["deployment_mode"] == "Incremental"
        assert refers_to(item["deployment"]["resource_group_name"], "azurerm_resource_group")


def test_invitation_expiry_only_when_given(default_synth, spec_share):
    found = invitations(default_synth)
    for consumer in spec_share.consumers:
        item = found[consumer.email]
        properties = item["template"]["resources"][0]["properties"]
        if consumer.expires is None:
            assert "expirationDate" not in properties
            assert "expirationDate" not in item["parameters"]
        else:
            assert properties["expirationDate"] == "[parameters('expirationDate')]"
            assert item["parameters"]["expirationDate"] == f"{consumer.expires.isoformat()}T23:59:59Z"
    assert found["lab@example.org"]["parameters"]["expirationDate"] == "2027-06-30T23:59:59Z"


def test_invitations_go_out_after_the_datasets_exist(default_synth):
    dataset_ids = {
        f"azurerm_data_share_dataset_blob_storage.{i}"
        for i in default_synth.resources(STACK, "azurerm_data_share_dataset_blob_storage")
    }
    for deployment in default_synth.resources(STACK, "azurerm_resource_group_template_deployment").values():
        assert set(deployment["depends_on"]) == dataset_ids


def test_invitation_template_is_rendered_deterministically(default_synth):
    for deployment in default_synth.resources(STACK, "azurerm_resource_group_template_deployment").values():
        for key in ("template_content", "parameters_content"):
            text = deployment[key]
            assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))


# --- outputs ------------------------------------------------------------------------------------


def test_outputs_name_what_consumers_and_operators_need(default_synth, spec_share):
    outputs = default_synth.outputs(STACK)
    account_id, _ = account(default_synth)
    share_id, _ = only(default_synth.resources(STACK, "azurerm_data_share"))
    sa_id, _ = storage(default_synth)
    assert outputs["data_share_account_id"]["value"] == ref("azurerm_data_share_account", account_id)
    assert outputs["data_share_id"]["value"] == ref("azurerm_data_share", share_id)
    assert outputs["data_share_name"]["value"] == ref("azurerm_data_share", share_id, "name")
    assert outputs["storage_account_name"]["value"] == ref("azurerm_storage_account", sa_id, "name")
    assert outputs["storage_account_id"]["value"] == ref("azurerm_storage_account", sa_id)
    endpoint = ref("azurerm_storage_account", sa_id, "primary_blob_endpoint")
    assert outputs["blob_endpoint"]["value"] == endpoint
    assert outputs["container_urls"]["value"] == {
        c: f"{endpoint}{c}" for c in sorted({d.container for d in spec_share.datasets})
    }
    assert outputs["invitation_names"]["value"] == [invitation_name(c.email) for c in spec_share.consumers]
    assert refers_to(outputs["resource_group_name"]["value"], "azurerm_resource_group")
    assert refers_to(outputs["log_analytics_workspace_id"]["value"], "azurerm_log_analytics_workspace")
    for output in outputs.values():
        assert output["description"]
        assert output["sensitive"] is False


# --- tags ---------------------------------------------------------------------------------------


def binding_accepts_tags(rtype: str) -> bool:
    """Read the provider binding (not our aspect) to learn whether ``rtype`` has a tags argument."""
    provider, _, name = rtype.partition("_")
    module = importlib.import_module(f"cdktf_cdktf_provider_{provider}.{name}")
    (cls,) = [c for c in vars(module).values() if inspect.isclass(c) and getattr(c, "TF_RESOURCE_TYPE", None) == rtype]
    return "tags" in inspect.signature(cls.__init__).parameters


def test_every_taggable_resource_carries_the_mandatory_tags(default_synth, default_spec):
    expected = mandatory_tags(default_spec.federation)
    assert expected["owner"] == "ml-platform"
    tagged_types = set()
    for rtype, logical_id, config in default_synth.all_resources(STACK):
        if binding_accepts_tags(rtype):
            tagged_types.add(rtype)
            assert config.get("tags") == expected, f"{rtype}.{logical_id} lacks the mandatory tags"
        else:
            assert "tags" not in config
    assert {
        "azurerm_resource_group",
        "azurerm_storage_account",
        "azurerm_data_share_account",
        "azurerm_log_analytics_workspace",
        "azurerm_resource_group_template_deployment",
    } <= tagged_types


# --- spec variants ------------------------------------------------------------------------------


def test_share_without_schedule_or_consumers(synth):
    out = synth(azure_only())
    share = out.resource(STACK, "azurerm_data_share")
    assert "snapshot_schedule" not in share
    assert out.resources(STACK, "azurerm_resource_group_template_deployment") == {}
    assert out.outputs(STACK)["invitation_names"]["value"] == []
    # Two folders of one container: one container, two datasets with distinct names.
    assert [c["name"] for c in out.resources(STACK, "azurerm_storage_container").values()] == ["eval-a"]
    datasets = out.resources(STACK, "azurerm_data_share_dataset_blob_storage").values()
    assert sorted(d["folder_path"] for d in datasets) == ["v1", "v2"]
    assert len({d["name"] for d in datasets}) == 2
    assert out.stack_names() == [STACK]


def test_hourly_schedule_and_invitation_names_follow_the_address_not_the_order(synth):
    body = MINIMAL_SHARE + (
        '    description: "Hourly evaluation drops."\n'
        '    snapshot_schedule: {recurrence: Hour, start_time: "2026-03-01T06:30:00+00:00"}\n'
        "    consumers: [{email: B@example.com}, {email: a@example.com}]\n"
    )
    swapped = MINIMAL_SHARE + (
        '    snapshot_schedule: {recurrence: Hour, start_time: "2026-03-01T06:30:00+00:00"}\n'
        "    consumers: [{email: a@example.com}, {email: B@example.com}]\n"
    )
    first, second = synth(azure_only(body)), synth(azure_only(swapped))
    share = first.resource(STACK, "azurerm_data_share")
    assert share["description"] == "Hourly evaluation drops."
    schedule = share["snapshot_schedule"]
    assert schedule["recurrence"] == "Hour"
    assert schedule["start_time"] == "2026-03-01T06:30:00Z"
    assert sorted(first.resources(STACK, "azurerm_resource_group_template_deployment")) == sorted(
        second.resources(STACK, "azurerm_resource_group_template_deployment")
    )
    assert first.outputs(STACK)["invitation_names"]["value"] == [
        invitation_name("b@example.com"),
        invitation_name("a@example.com"),
    ]


@pytest.mark.slow
def test_azure_provider_is_not_imported_without_an_azure_section(tmp_path):
    """An AWS-only federation never pays for (or depends on) the azurerm provider package."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    spec = tmp_path / "aws-only.yaml"
    spec.write_text(
        "federation: {name: fedlearn}\naws:\n  regions: [{name: us-west-2, cidr: 10.10.0.0/16, data_bucket: false}]\n"
    )
    code = (
        "import sys; from federation_spec import load_spec; from stacks import build_app; "
        f"build_app(load_spec({str(spec)!r}), outdir={str(tmp_path / 'out')!r}); "
        "print('cdktf_cdktf_provider_azurerm' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300, check=True
    )
    assert result.stdout.strip() == "False"


# --- plan and provider packages -----------------------------------------------------------------


def test_plan_lists_exactly_the_providers_the_stack_declares(default_spec, stack):
    """The plan decides which provider packages a `synth --stacks` loads before building: it must
    name every provider the stack's JSON requires (azurerm, and time for the role wait)."""
    (plan,) = [p for p in plan_stacks(default_spec) if p.name == STACK]
    assert plan.providers == frozenset(stack["terraform"]["required_providers"]) == {"azurerm", "time"}


@pytest.mark.slow
def test_synth_of_the_share_alone_loads_only_azurerm_and_time_lazily(tmp_path):
    """`synth --stacks azure-data-share` announces and imports the azurerm and time packages and
    nothing else; the lazy import also covers time (only the submodules the stack uses load)."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    probe = tmp_path / "probe.py"
    probe.write_text(
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from fedinfra.cli import main\n"
        f"code = main(['synth', '--stacks', {STACK!r}, '--out', {str(tmp_path / 'out')!r}])\n"
        "providers = sorted({m.split('.')[0] for m in sys.modules if m.startswith('cdktf_cdktf_provider_')})\n"
        "time = sorted(m for m in sys.modules if m.startswith('cdktf_cdktf_provider_time.'))\n"
        "print(json.dumps({'code': code, 'providers': providers, 'time': time}))\n"
    )
    result = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, check=False, timeout=600)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, result.stderr[-2000:]
    assert "synthesizing 1 stacks; loading providers: Azure, Time ..." in result.stderr
    assert report["providers"] == ["cdktf_cdktf_provider_azurerm", "cdktf_cdktf_provider_time"]
    loaded = {m.split(".")[1] for m in report["time"]}
    assert {"provider", "sleep"} <= loaded
    assert not loaded & {"offset", "rotating", "static_resource"}, "the lazy import should skip unused resources"
