"""Bad ``aws.transit_gateway`` / ``aws.direct_connect`` input: one test per rule, each asserting the
exact field path of the error line."""

from __future__ import annotations

import textwrap

import pytest

from federation_spec import SpecError, parse_spec
from federation_spec.aws_interconnect import PHASES
from fedinfra.cli import EXIT_INVALID, main

REGIONS = """\
federation: {name: fedlearn}
aws:
  regions:
    - {name: us-west-2, cidr: 10.10.0.0/16}
    - {name: us-east-1, cidr: 10.20.0.0/16}
"""


def spec_text(tgw: str | None = "{amazon_side_asn: 64512}", dx: str | None = None, regions: str = REGIONS) -> str:
    text = regions
    if tgw is not None:
        text += f"  transit_gateway: {tgw}\n"
    if dx is not None:
        text += "  direct_connect:\n" + textwrap.indent(textwrap.dedent(dx), "    ")
    return text


DX = """\
connection: {location: EqSe2, bandwidth: 1Gbps, status: available}
gateway_asn: 64600
on_premises_cidrs: [192.168.0.0/16]
"""


def dx_with(**changes: str) -> str:
    """The valid ``DX`` block with keys replaced or added (value given as YAML text)."""
    lines = dict(line.split(": ", 1) for line in DX.splitlines())
    lines.update(changes)
    return "".join(f"{key}: {value}\n" for key, value in lines.items())


def errors(text: str) -> dict[str, str]:
    """Field path -> message of every error line (fails if the spec is valid)."""
    with pytest.raises(SpecError) as exc:
        parse_spec(text, "test.yaml")
    found = {}
    for line in exc.value.lines():
        source, path, message = line.split(": ", 2)
        assert source == "test.yaml"
        found[path] = message
    return found


def the_error(text: str) -> tuple[str, str]:
    found = errors(text)
    assert len(found) == 1, found
    return next(iter(found.items()))


# --- valid input and derived values ---------------------------------------------------------


def test_valid_interconnect_derives_one_asn_per_region_and_prefixes_per_region():
    spec = parse_spec(spec_text(dx=DX))
    aws = spec.aws
    assert aws.transit_gateway.asns(aws.regions) == {"us-west-2": 64512, "us-east-1": 64513}
    assert aws.direct_connect.prefixes_by_region(aws.regions) == {
        "us-west-2": ("10.10.0.0/16",),
        "us-east-1": ("10.20.0.0/16",),
    }
    assert aws.direct_connect.connection_region(aws.regions) == "us-west-2"


def test_allowed_prefixes_are_split_by_the_region_they_fall_in():
    spec = parse_spec(spec_text(dx=dx_with(allowed_prefixes="[10.20.0.0/20, 10.20.16.0/20]")))
    assert spec.aws.direct_connect.prefixes_by_region(spec.aws.regions) == {
        "us-east-1": ("10.20.0.0/20", "10.20.16.0/20")
    }


def test_region_asns_pin_one_region_and_leave_the_others_derived():
    spec = parse_spec(spec_text(tgw="{amazon_side_asn: 64512, region_asns: {us-west-2: 64700}}"))
    assert spec.aws.transit_gateway.asns(spec.aws.regions) == {"us-west-2": 64700, "us-east-1": 64513}


def test_32_bit_private_asns_are_accepted():
    spec = parse_spec(spec_text(tgw="{amazon_side_asn: 4200000000}", dx=dx_with(gateway_asn="4200000100")))
    assert spec.aws.transit_gateway.asns(spec.aws.regions)["us-east-1"] == 4200000001


# --- transit gateway ASNs -------------------------------------------------------------------


@pytest.mark.parametrize("asn", [100, 64511, 65535, 4199999999, 4294967295])
def test_amazon_side_asn_must_be_private(asn):
    path, message = the_error(spec_text(tgw=f"{{amazon_side_asn: {asn}}}"))
    assert path == "aws.transit_gateway.amazon_side_asn"
    assert "not a private ASN" in message


def test_derived_region_asn_must_stay_in_the_private_range():
    path, message = the_error(spec_text(tgw="{amazon_side_asn: 65534}"))
    assert path == "aws.transit_gateway.amazon_side_asn"
    assert "65535 for us-east-1" in message
    assert "region_asns" in message


def test_pinned_region_asn_must_be_private():
    path, _ = the_error(spec_text(tgw="{region_asns: {us-east-1: 70000}}"))
    assert path == "aws.transit_gateway.region_asns.us-east-1"


def test_pinned_region_must_be_a_federation_region():
    path, message = the_error(spec_text(tgw="{region_asns: {eu-west-1: 64700}}"))
    assert path == "aws.transit_gateway.region_asns.eu-west-1"
    assert "us-west-2, us-east-1" in message


def test_pinned_region_asn_must_not_repeat_another_regions_asn():
    path, message = the_error(spec_text(tgw="{amazon_side_asn: 64512, region_asns: {us-west-2: 64513}}"))
    assert path == "aws.transit_gateway.region_asns.us-west-2"
    assert "us-east-1" in message


def test_two_equal_pins_are_reported_once_at_the_later_region():
    found = errors(spec_text(tgw="{region_asns: {us-west-2: 64700, us-east-1: 64700}}"))
    assert list(found) == ["aws.transit_gateway.region_asns.us-east-1"]


# --- Direct Connect ASNs --------------------------------------------------------------------


def test_gateway_asn_must_be_private():
    path, _ = the_error(spec_text(dx=dx_with(gateway_asn="7224")))
    assert path == "aws.direct_connect.gateway_asn"


def test_gateway_asn_must_differ_from_every_transit_gateway_asn():
    # The issue's example: 64513 is us-east-1's transit gateway ASN (64512 + 1).
    path, message = the_error(spec_text(dx=dx_with(gateway_asn="64513")))
    assert path == "aws.direct_connect.gateway_asn"
    assert "us-east-1" in message
    assert "64512" in message


def test_customer_asn_must_differ_from_the_gateway_asn():
    path, message = the_error(spec_text(dx=dx_with(transit_vif="{vlan: 100, customer_asn: 64600}")))
    assert path == "aws.direct_connect.transit_vif.customer_asn"
    assert "gateway_asn" in message


def test_customer_asn_must_differ_from_transit_gateway_asns():
    path, message = the_error(spec_text(dx=dx_with(transit_vif="{vlan: 100, customer_asn: 64512}")))
    assert path == "aws.direct_connect.transit_vif.customer_asn"
    assert "us-west-2" in message


@pytest.mark.parametrize("asn", [0, 23456, 64500, 65535, 4294967295])
def test_customer_asn_must_be_usable(asn):
    path, _ = the_error(spec_text(dx=dx_with(transit_vif=f"{{vlan: 100, customer_asn: {asn}}}")))
    assert path == "aws.direct_connect.transit_vif.customer_asn"


def test_public_customer_asn_is_accepted():
    spec = parse_spec(spec_text(dx=dx_with(transit_vif="{vlan: 100, customer_asn: 3356}")))
    assert spec.aws.direct_connect.transit_vif.customer_asn == 3356


# --- Direct Connect connection and VIF ------------------------------------------------------


@pytest.mark.parametrize("bandwidth", ["2Gbps", "1gbps", "50Mbps", "1 Gbps"])
def test_bandwidth_must_be_a_dedicated_port_speed(bandwidth):
    path, message = the_error(spec_text(dx=dx_with(connection=f"{{location: EqSe2, bandwidth: '{bandwidth}'}}")))
    assert path == "aws.direct_connect.connection.bandwidth"
    assert "1Gbps, 10Gbps, 100Gbps, 400Gbps" in message


@pytest.mark.parametrize("vlan", [0, 4095])
def test_vlan_must_be_1_to_4094(vlan):
    path, _ = the_error(spec_text(dx=dx_with(transit_vif=f"{{vlan: {vlan}, customer_asn: 65000}}")))
    assert path == "aws.direct_connect.transit_vif.vlan"


def test_mtu_must_be_1500_or_8500():
    path, _ = the_error(spec_text(dx=dx_with(transit_vif="{vlan: 100, customer_asn: 65000, mtu: 9001}")))
    assert path == "aws.direct_connect.transit_vif.mtu"


@pytest.mark.parametrize("location", ["'Eq Se2'", "'x'", "'Equinix/SE2'"])
def test_location_must_look_like_a_location_code(location):
    path, _ = the_error(spec_text(dx=dx_with(connection=f"{{location: {location}, bandwidth: 1Gbps}}")))
    assert path == "aws.direct_connect.connection.location"


def test_connection_region_must_be_known():
    path, _ = the_error(spec_text(dx=dx_with(region="us-west-9")))
    assert path == "aws.direct_connect.region"


# --- prefixes and CIDRs ---------------------------------------------------------------------


def test_allowed_prefix_must_lie_inside_a_region_cidr():
    path, message = the_error(spec_text(dx=dx_with(allowed_prefixes="[10.10.0.0/16, 10.40.0.0/16]")))
    assert path == "aws.direct_connect.allowed_prefixes[1]"
    assert "10.10.0.0/16, 10.20.0.0/16" in message


def test_allowed_prefix_covering_more_than_a_region_is_rejected():
    path, _ = the_error(spec_text(dx=dx_with(allowed_prefixes="[10.0.0.0/8]")))
    assert path == "aws.direct_connect.allowed_prefixes[0]"


def test_allowed_prefixes_must_not_overlap_each_other():
    path, message = the_error(spec_text(dx=dx_with(allowed_prefixes="[10.10.0.0/16, 10.10.4.0/24]")))
    assert path == "aws.direct_connect.allowed_prefixes[1]"
    assert "allowed_prefixes[0]" in message


def test_allowed_prefixes_when_given_must_not_be_empty():
    path, _ = the_error(spec_text(dx=dx_with(allowed_prefixes="[]")))
    assert path == "aws.direct_connect.allowed_prefixes"


def test_on_premises_cidrs_are_required():
    body = "".join(line + "\n" for line in DX.splitlines() if not line.startswith("on_premises"))
    path, _ = the_error(spec_text(dx=body))
    assert path == "aws.direct_connect.on_premises_cidrs"


def test_on_premises_cidrs_must_not_overlap_a_region():
    path, message = the_error(spec_text(dx=dx_with(on_premises_cidrs="[192.168.0.0/16, 10.20.128.0/17]")))
    assert path == "aws.direct_connect.on_premises_cidrs[1]"
    assert "aws.regions[1].cidr" in message


def test_on_premises_cidrs_must_be_private():
    path, _ = the_error(spec_text(dx=dx_with(on_premises_cidrs="[8.8.8.0/24]")))
    assert path == "aws.direct_connect.on_premises_cidrs[0]"


# --- section-level rules --------------------------------------------------------------------


def test_direct_connect_needs_a_transit_gateway():
    path, message = the_error(spec_text(tgw=None, dx=DX))
    assert path == "aws.direct_connect"
    assert "aws.transit_gateway" in message


def test_direct_connect_reaches_at_most_six_transit_gateways():
    names = ["us-west-2", "us-east-1", "us-east-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "sa-east-1"]
    regions = "federation: {name: fedlearn}\naws:\n  regions:\n" + "".join(
        f"    - {{name: {name}, cidr: 10.{40 + i}.0.0/16}}\n" for i, name in enumerate(names)
    )
    path, message = the_error(spec_text(dx=DX, regions=regions))
    assert path == "aws.direct_connect.allowed_prefixes"
    assert "7 regions" in message
    # Narrowing the prefixes to six regions makes the same spec valid.
    six = "[" + ", ".join(f"10.{40 + i}.0.0/16" for i in range(6)) + "]"
    assert len(parse_spec(spec_text(dx=dx_with(allowed_prefixes=six), regions=regions)).aws.regions) == 7


def test_unknown_key_is_reported_with_a_suggestion():
    path, message = the_error(spec_text(dx=dx_with(gateway_asm="64600")))
    assert path == "aws.direct_connect.gateway_asm"
    assert "gateway_asn" in message


def test_cli_prints_field_path_and_exits_2(tmp_path, capsys):
    bad = tmp_path / "federation.yaml"
    bad.write_text(spec_text(dx=dx_with(gateway_asn="64513")))
    assert main(["validate", "--spec", str(bad)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert f"{bad}: aws.direct_connect.gateway_asn: 64513 is the transit gateway ASN of us-east-1" in err


# --- the connection: existing by ID, or a new port in two phases ----------------------------


def test_new_port_defaults_to_ordered_and_is_not_available():
    spec = parse_spec(spec_text(dx=dx_with(connection="{location: EqSe2, bandwidth: 1Gbps}")))
    connection = spec.aws.direct_connect.connection
    assert (connection.existing, connection.available) == (False, False)


@pytest.mark.parametrize(
    "connection", ["{location: EqSe2, bandwidth: 1Gbps}", "{location: EqSe2, bandwidth: 1Gbps, status: ordered}"]
)
def test_transit_vif_on_an_ordered_port_is_refused_with_the_two_phases(connection):
    path, message = the_error(
        spec_text(dx=dx_with(connection=connection, transit_vif="{vlan: 100, customer_asn: 65000}"))
    )
    assert path == "aws.direct_connect.transit_vif"
    assert message.startswith("a transit VIF needs an available connection")
    for step in ("status: ordered", "LOA-CFA", "status: available"):
        assert step in message


def test_existing_connection_by_id_takes_a_vif_at_once():
    spec = parse_spec(
        spec_text(dx=dx_with(connection="{id: dxcon-fgab1234}", transit_vif="{vlan: 100, customer_asn: 65000}"))
    )
    connection = spec.aws.direct_connect.connection
    assert (connection.id, connection.existing, connection.available) == ("dxcon-fgab1234", True, True)


@pytest.mark.parametrize("value", ["dxcon-FGAB1234", "dxlag-fgab1234", "fgab1234", "dxcon-abc"])
def test_connection_id_must_look_like_a_connection_id(value):
    path, message = the_error(spec_text(dx=dx_with(connection=f"{{id: {value}}}")))
    assert path == "aws.direct_connect.connection.id"
    assert "not a Direct Connect connection ID" in message


@pytest.mark.parametrize("key", ["location: EqSe2", "bandwidth: 1Gbps", "status: available"])
def test_existing_connection_refuses_new_port_keys(key):
    path, message = the_error(spec_text(dx=dx_with(connection=f"{{id: dxcon-fgab1234, {key}}}")))
    assert path == f"aws.direct_connect.connection.{key.split(':')[0]}"
    assert "existing connection" in message


def test_new_port_needs_location_and_bandwidth():
    found = errors(spec_text(dx=dx_with(connection="{status: ordered}")))
    assert set(found) == {"aws.direct_connect.connection.location", "aws.direct_connect.connection.bandwidth"}
    assert "existing connection" in found["aws.direct_connect.connection.location"]


def test_cli_explains_the_phases_in_one_line(tmp_path, capsys):
    bad = tmp_path / "federation.yaml"
    bad.write_text(
        spec_text(
            dx=dx_with(connection="{location: EqSe2, bandwidth: 1Gbps}", transit_vif="{vlan: 100, customer_asn: 65000}")
        )
    )
    assert main(["validate", "--spec", str(bad)]) == EXIT_INVALID
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{bad}: aws.direct_connect.transit_vif: {PHASES}"]
