"""Validation of azure.data_share.writers, allowed_networks and allowed_subnet_ids: each bad
input is one error line at its exact field path (and the CLI exits 2 with it)."""

from __future__ import annotations

import pytest

from federation_spec import parse_spec
from tests.cli_helpers import run_main
from tests.spec_helpers import assert_error, errors_of

SPEC = """
federation: {{name: fedlearn}}
azure:
  location: eastus
  data_share:
    terms: "Evaluation only."
    datasets: [{{container: evaluation-data}}, {{container: reference-labels, folder: v1}}]
{extra}"""
OID = "11111111-2222-3333-4444-555555555555"
SUBNET = (
    f"/subscriptions/{OID}/resourceGroups/producers/providers/Microsoft.Network/virtualNetworks/etl/subnets/workers"
)
NETWORK = "    allowed_networks: [203.0.113.0/24]\n"


def text(extra: str) -> str:
    return SPEC.format(extra=extra)


def test_defaults_are_empty():
    share = parse_spec(text("")).azure.data_share
    assert (share.writers, share.allowed_networks, share.allowed_subnet_ids) == ((), (), ())


def test_valid_writers_and_networks():
    share = parse_spec(
        text(
            f"    writers: [{{principal_id: {OID.upper()}, principal_type: User, containers: [reference-labels]}}]\n"
            "    allowed_networks: [203.0.113.0/24, 198.51.100.7, 192.0.2.0/30]\n"
            f"    allowed_subnet_ids: [{SUBNET}]\n"
        )
    ).azure.data_share
    (writer,) = share.writers
    assert writer.principal_id == OID
    assert writer.principal_type == "User"
    assert writer.containers == ("reference-labels",)
    assert share.allowed_networks == ("203.0.113.0/24", "198.51.100.7", "192.0.2.0/30")
    assert share.allowed_subnet_ids == (SUBNET,)


@pytest.mark.parametrize(
    "principal_id",
    [
        "not-a-guid",
        "11111111222233334444555555555555",
        "{11111111-2222-3333-4444-555555555555}",
        "00000000-0000-0000-0000-000000000000",
        "alice@example.com",
    ],
)
def test_principal_id_must_be_an_object_id(principal_id):
    assert_error(
        text(f'    writers: [{{principal_id: "{principal_id}"}}]\n' + NETWORK),
        "azure.data_share.writers[0].principal_id",
        "is not an Azure AD object ID",
    )


def test_principal_type_is_user_group_or_service_principal():
    assert_error(
        text(f"    writers: [{{principal_id: {OID}, principal_type: ManagedIdentity}}]\n" + NETWORK),
        "azure.data_share.writers[0].principal_type",
        "'User', 'Group' or 'ServicePrincipal'",
    )


def test_duplicate_writer_is_case_insensitive():
    assert_error(
        text(f"    writers: [{{principal_id: {OID}}}, {{principal_id: {OID.upper()}}}]\n" + NETWORK),
        "azure.data_share.writers[1].principal_id",
        "duplicate writer",
        "already at azure.data_share.writers[0]",
    )


def test_writer_containers_must_be_shared_and_listed_once():
    lines = errors_of(
        text(
            f"    writers: [{{principal_id: {OID}, containers: [scratch, evaluation-data, evaluation-data]}}]\n"
            + NETWORK
        )
    )
    assert lines == [
        "federation.yaml: azure.data_share.writers[0].containers[0]: 'scratch' is not a shared container "
        "(shared: evaluation-data, reference-labels)",
        "federation.yaml: azure.data_share.writers[0].containers[2]: 'evaluation-data' is listed twice",
    ]


def test_writers_need_a_network_the_firewall_admits():
    assert_error(
        text(f"    writers: [{{principal_id: {OID}}}]\n"),
        "azure.data_share.writers",
        "firewall denies all networks",
        "azure.data_share.allowed_networks",
    )


@pytest.mark.parametrize(
    ("network", "problem"),
    [
        ("0.0.0.0/0", "admits the whole internet"),
        ("8.0.0.0/8", "broader than /16"),
        ("10.20.0.0/16", "not a public address range (overlaps 10.0.0.0/8)"),
        ("172.20.1.0/24", "overlaps 172.16.0.0/12"),
        ("192.168.1.10", "overlaps 192.168.0.0/16"),
        ("100.64.0.0/16", "overlaps 100.64.0.0/10"),
        ("127.0.0.1", "overlaps 127.0.0.0/8"),
        ("203.0.113.7/32", "rejects /32 ranges; write the address alone: 203.0.113.7"),
        ("203.0.113.6/31", "list the two addresses: 203.0.113.6 and 203.0.113.7"),
        ("203.0.113.5/24", "host bits set; did you mean 203.0.113.0/24?"),
        ('"2001:db8::/48"', "IPv4 only"),
        ("example.com", "is not an IPv4 address or CIDR range"),
    ],
)
def test_allowed_networks_are_public_ipv4_that_azure_storage_accepts(network, problem):
    assert_error(text(f"    allowed_networks: [{network}]\n"), "azure.data_share.allowed_networks[0]", problem)


def test_overlapping_networks():
    assert_error(
        text("    allowed_networks: [203.0.113.0/24, 198.51.100.0/24, 203.0.113.9]\n"),
        "azure.data_share.allowed_networks[2]",
        "overlaps azure.data_share.allowed_networks[0] (203.0.113.0/24)",
    )


@pytest.mark.parametrize(
    "subnet",
    [
        "workers",
        f"/subscriptions/{OID}/resourceGroups/producers/providers/Microsoft.Network/virtualNetworks/etl",
        "/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
        f"/subscriptions/{OID}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/v/subnets/s",
    ],
)
def test_subnet_ids_must_be_subnet_resource_ids(subnet):
    assert_error(
        text(f'    allowed_subnet_ids: ["{subnet}"]\n'),
        "azure.data_share.allowed_subnet_ids[0]",
        "is not a virtual network subnet ID",
    )


def test_duplicate_subnet_ignores_case():
    assert_error(
        text(f"    allowed_subnet_ids: [{SUBNET}, {SUBNET.replace('resourceGroups', 'resourcegroups')}]\n"),
        "azure.data_share.allowed_subnet_ids[1]",
        "duplicate subnet",
    )


def test_cli_reports_one_line_and_exits_2(tmp_path):
    spec = tmp_path / "federation.yaml"
    spec.write_text(text("    allowed_networks: [10.0.0.0/24]\n"))
    result = run_main("validate", "--spec", str(spec))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"{spec}: azure.data_share.allowed_networks[0]: ")
    assert "Traceback" not in result.stderr
