"""First-apply rule: no Data Share dataset races the role assignment it needs.

Azure rejects a blob dataset unless the share account's managed identity can read the source
storage, and a role assignment created in the same apply takes up to 10 minutes to take effect.
``depends_on`` the assignment alone only orders the calls, so the first apply failed and had to
be run again. The rule, checked on the synthesized JSON of the default estate, every example and
a writer-heavy variant: every ``azurerm_data_share_dataset_blob_storage`` depends (directly or
through other ``time_sleep``s) on a ``time_sleep`` with a non-zero ``create_duration`` whose
``triggers`` reference a role assignment granting the dataset's share identity a blob read role
on the dataset's storage account (or the dataset's container).
"""

from __future__ import annotations

import copy
import re

import pytest

from federation_spec import load_spec
from fedinfra.synth import synthesize
from tests.conftest import ROOT
from tests.synth_helpers import Synthesized, synth_yaml
from tests.test_azure_data_share import STACK, azure_only
from tests.test_azure_writers import WRITERS

READ_ROLES = frozenset({"Storage Blob Data Reader", "Storage Blob Data Contributor", "Storage Blob Data Owner"})
_REF = re.compile(r"^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([\w\[\]\.]+)\}$")
_DURATION = re.compile(r"^(\d+)(ms|s|m|h)$")


def _target(expression: str, rtype: str) -> tuple[str, str] | None:
    """(logical id, attribute) when ``expression`` is exactly ``${rtype.<id>.<attribute>}``."""
    match = _REF.match(expression or "")
    return (match.group(2), match.group(3)) if match and match.group(1) == rtype else None


def _waits(duration: str | None) -> bool:
    match = _DURATION.match(duration or "")
    return bool(match) and int(match.group(1)) > 0


def _sleeps_before(depends_on: list[str], sleeps: dict) -> set[str]:
    """Every time_sleep reached through ``depends_on`` chains of time_sleeps."""
    found: set[str] = set()
    pending = [d.removeprefix("time_sleep.") for d in depends_on if d.startswith("time_sleep.")]
    while pending:
        name = pending.pop()
        if name in found or name not in sleeps:
            continue
        found.add(name)
        pending += [
            d.removeprefix("time_sleep.") for d in sleeps[name].get("depends_on", []) if d.startswith("time_sleep.")
        ]
    return found


def dataset_wait_problems(stack: dict) -> list[str]:
    """One line per dataset that could race its share identity's role assignment."""
    resources = stack.get("resource", {})
    datasets = resources.get("azurerm_data_share_dataset_blob_storage", {})
    shares = resources.get("azurerm_data_share", {})
    roles = resources.get("azurerm_role_assignment", {})
    sleeps = resources.get("time_sleep", {})
    containers = resources.get("azurerm_storage_container", {})
    problems = []
    for name, dataset in datasets.items():
        share = shares.get((_target(dataset["data_share_id"], "azurerm_data_share") or ("",))[0], {})
        account = _target(share.get("account_id", ""), "azurerm_data_share_account")
        storage = _target(dataset["storage_account"]["name"], "azurerm_storage_account")
        if account is None or storage is None:
            problems.append(f"{name}: cannot tell which share identity and storage account it needs")
            continue
        identity = f"${{azurerm_data_share_account.{account[0]}.identity[0].principal_id}}"
        scopes = {f"${{azurerm_storage_account.{storage[0]}.id}}"}
        container = _target(dataset["container_name"], "azurerm_storage_container")
        if container and container[0] in containers:
            scopes.add(f"${{azurerm_storage_container.{container[0]}.id}}")
        granting = {
            role_id
            for role_id, role in roles.items()
            if role["principal_id"] == identity
            and role["scope"] in scopes
            and role.get("role_definition_name") in READ_ROLES
        }
        if not granting:
            problems.append(f"{name}: no role assignment lets its share identity read the source")
            continue
        waited = {
            (_target(value, "azurerm_role_assignment") or ("",))[0]
            for sleep in _sleeps_before(dataset.get("depends_on", []), sleeps)
            if _waits(sleeps[sleep].get("create_duration"))
            for value in sleeps[sleep].get("triggers", {}).values()
        }
        if not granting & waited:
            problems.append(
                f"{name}: does not wait (time_sleep triggered by the role assignment) for "
                f"{', '.join(sorted(granting))} to propagate"
            )
    return problems


@pytest.fixture(scope="module")
def writer_variant(tmp_path_factory):
    return synth_yaml(azure_only(WRITERS), tmp_path_factory.mktemp("first-apply") / "out").stack(STACK)


def test_default_estate_datasets_wait_for_the_role(default_synth):
    stack = default_synth.stack(STACK)
    assert len(stack["resource"]["azurerm_data_share_dataset_blob_storage"]) == 2
    assert dataset_wait_problems(stack) == []


def test_writer_variant_datasets_wait_for_the_role(writer_variant):
    assert len(writer_variant["resource"]["azurerm_data_share_dataset_blob_storage"]) == 3
    assert dataset_wait_problems(writer_variant) == []


EXAMPLES_WITH_A_SHARE = sorted(p.name for p in (ROOT / "examples").glob("*.yaml") if load_spec(p).azure)


def test_some_example_has_a_share():
    assert EXAMPLES_WITH_A_SHARE


@pytest.mark.parametrize("name", EXAMPLES_WITH_A_SHARE)
def test_every_example_with_a_share_obeys_the_rule(name, tmp_path):
    spec = load_spec(ROOT / "examples" / name)
    out = Synthesized(synthesize(spec, tmp_path / "out", stacks=[STACK]))
    assert dataset_wait_problems(out.stack(STACK)) == []


# --- the rule fires ------------------------------------------------------------------------------


def _first(stack: dict, rtype: str) -> tuple[str, dict]:
    return next(iter(stack["resource"][rtype].items()))


def test_rule_fires_when_datasets_only_depend_on_the_role_assignment(default_synth):
    """The behaviour before this fix: ordered after the assignment, but not after it took effect."""
    stack = copy.deepcopy(default_synth.stack(STACK))
    role_id, _ = _first(stack, "azurerm_role_assignment")
    del stack["resource"]["time_sleep"]
    for dataset in stack["resource"]["azurerm_data_share_dataset_blob_storage"].values():
        dataset["depends_on"] = [f"azurerm_role_assignment.{role_id}"]
    problems = dataset_wait_problems(stack)
    assert len(problems) == 2
    assert all("does not wait" in p and role_id in p for p in problems)


def test_rule_fires_when_the_sleep_does_not_trigger_on_the_role(default_synth):
    stack = copy.deepcopy(default_synth.stack(STACK))
    _, sleep = _first(stack, "time_sleep")
    sleep["triggers"] = {"something": "else"}
    assert len(dataset_wait_problems(stack)) == 2


def test_rule_fires_when_the_sleep_has_no_duration(default_synth):
    stack = copy.deepcopy(default_synth.stack(STACK))
    _, sleep = _first(stack, "time_sleep")
    sleep["create_duration"] = "0s"
    assert len(dataset_wait_problems(stack)) == 2


def test_rule_fires_when_the_waited_role_is_a_writers_not_the_share_identitys(writer_variant):
    stack = copy.deepcopy(writer_variant)
    roles = stack["resource"]["azurerm_role_assignment"]
    writer_id = next(rid for rid, r in roles.items() if r["role_definition_name"] == "Storage Blob Data Contributor")
    _, sleep = _first(stack, "time_sleep")
    sleep["triggers"] = {"role": f"${{azurerm_role_assignment.{writer_id}.id}}"}
    assert len(dataset_wait_problems(stack)) == 3


def test_rule_follows_chains_of_sleeps(default_synth):
    stack = copy.deepcopy(default_synth.stack(STACK))
    sleep_id, _ = _first(stack, "time_sleep")
    stack["resource"]["time_sleep"]["outer"] = {"create_duration": "1s", "depends_on": [f"time_sleep.{sleep_id}"]}
    for dataset in stack["resource"]["azurerm_data_share_dataset_blob_storage"].values():
        dataset["depends_on"] = ["time_sleep.outer"]
    assert dataset_wait_problems(stack) == []
