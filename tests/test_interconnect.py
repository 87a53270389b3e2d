"""The private interconnect, asserted on the synthesized JSON: a transit gateway per region attached
across all AZs, VPC routes to every other region (and on-premises) through it, a full mesh of
peerings accepted on the other side with static routes both ways, Direct Connect associated with
the transit gateways, cycle-free cross-stack references, and the documented outputs."""

from __future__ import annotations

import json
import re
from itertools import combinations

import pytest

from tests.synth_helpers import REMOTE_STATE, Synthesized, ref, refers_to

TGW = "aws_ec2_transit_gateway"
TGW_RT = "aws_ec2_transit_gateway_route_table"
VPC_ATTACHMENT = "aws_ec2_transit_gateway_vpc_attachment"
PEERING = "aws_ec2_transit_gateway_peering_attachment"
ACCEPTER = "aws_ec2_transit_gateway_peering_attachment_accepter"
TGW_ROUTE = "aws_ec2_transit_gateway_route"
RT_ASSOCIATION = "aws_ec2_transit_gateway_route_table_association"
RT_PROPAGATION = "aws_ec2_transit_gateway_route_table_propagation"
DX_ASSOCIATION = "aws_dx_gateway_association"
DX_STACK = "aws-direct-connect"

DEFAULT_REGIONS = {"us-west-2": "10.10.0.0/16", "us-east-1": "10.20.0.0/16"}
ON_PREMISES = ["192.168.0.0/16"]

THREE_REGIONS = """\
federation: {name: fedlearn, environment: test}
aws:
  regions:
    - {name: us-west-2, cidr: 10.40.0.0/16, availability_zones: 3}
    - {name: us-east-1, cidr: 10.50.0.0/16}
    - {name: eu-west-1, cidr: 10.60.0.0/16, availability_zones: 3, data_bucket: false}
  transit_gateway: {amazon_side_asn: 4200000000}
  direct_connect:
    connection: {location: EqDC2, bandwidth: 10Gbps, status: available}
    region: us-east-1
    gateway_asn: 64600
    on_premises_cidrs: [172.16.0.0/12, 192.168.10.0/24]
    allowed_prefixes: [10.40.0.0/17, 10.40.128.0/17, 10.60.0.0/16]
    transit_vif: {vlan: 3001, customer_asn: 65000, mtu: 8500}
"""
THREE = {"us-west-2": "10.40.0.0/16", "us-east-1": "10.50.0.0/16", "eu-west-1": "10.60.0.0/16"}
THREE_ON_PREMISES = ["172.16.0.0/12", "192.168.10.0/24"]


@pytest.fixture(scope="module")
def three(tmp_path_factory) -> Synthesized:
    from tests.synth_helpers import synth_yaml

    return synth_yaml(THREE_REGIONS, tmp_path_factory.mktemp("three") / "cdktf.out")


# --- helpers --------------------------------------------------------------------------------

_INTERPOLATION = re.compile(r"^\$\{(.+)\}$")
_REMOTE = re.compile(
    r"^data\.terraform_remote_state\.cross-stack-reference-input-(?P<stack>.+)\.outputs\.(?P<output>.+)$"
)
_RESOURCE = re.compile(r"^(?P<type>[a-z0-9_]+)\.(?P<id>[A-Za-z0-9_\-]+)\.(?P<attr>[a-z_]+)$")


def resolve(synth: Synthesized, stack: str, value: str) -> tuple[str, str, str, str]:
    """Follow an interpolation (through cross-stack remote state) to the resource attribute it
    reads: (stack, resource type, logical id, attribute). Fails on anything else."""
    inner = _INTERPOLATION.match(value)
    assert inner, f"{value!r} is not a reference"
    expression = inner.group(1)
    remote = _REMOTE.match(expression)
    if remote:
        producer = remote.group("stack")
        assert f"cross-stack-reference-input-{producer}" in synth.data(stack, REMOTE_STATE)
        output = synth.outputs(producer)[remote.group("output")]
        return resolve(synth, producer, output["value"])
    match = _RESOURCE.match(expression)
    assert match, f"unexpected expression {expression!r}"
    assert match.group("id") in synth.resources(stack, match.group("type")), f"{expression} not in {stack}"
    return stack, match.group("type"), match.group("id"), match.group("attr")


def only_id(synth: Synthesized, stack: str, rtype: str) -> str:
    found = synth.resources(stack, rtype)
    assert len(found) == 1, f"expected one {rtype} in {stack}, found {sorted(found)}"
    return next(iter(found))


def tgw_of(synth: Synthesized, region: str) -> tuple[str, str, str]:
    """(stack, tgw logical id, route table logical id) of a region's transit gateway."""
    stack = f"aws-{region}"
    return stack, only_id(synth, stack, TGW), only_id(synth, stack, TGW_RT)


def effective_region(synth: Synthesized, stack: str, config: dict) -> str:
    """The region a resource is managed in: its own ``region`` or its stack provider's."""
    return config.get("region") or synth.stack(stack)["provider"]["aws"][0]["region"]


def tgw_route_tables(synth: Synthesized, regions: dict[str, str]):
    """Every transit gateway route in every stack as (region it lives in, route table it belongs
    to as (stack, logical id), destination, attachment (stack, type, id, attr))."""
    for stack in synth.stack_names():
        for config in synth.resources(stack, TGW_ROUTE).values():
            rt = resolve(synth, stack, config["transit_gateway_route_table_id"])
            attachment = resolve(synth, stack, config["transit_gateway_attachment_id"])
            yield effective_region(synth, stack, config), rt, config["destination_cidr_block"], attachment


# --- one transit gateway per region ---------------------------------------------------------


@pytest.mark.parametrize(("index", "region"), list(enumerate(DEFAULT_REGIONS)))
def test_each_region_has_one_locked_down_transit_gateway_with_its_own_asn(default_synth, index, region):
    stack = f"aws-{region}"
    tgw = default_synth.resource(stack, TGW)
    assert tgw["auto_accept_shared_attachments"] == "disable"
    assert tgw["dns_support"] == "enable"
    assert tgw["default_route_table_association"] == "disable"
    assert tgw["default_route_table_propagation"] == "disable"
    assert tgw["amazon_side_asn"] == 64512 + index
    assert "region" not in tgw  # created by the stack's own provider, in its region
    assert default_synth.stack(stack)["provider"]["aws"][0]["region"] == region
    rt = default_synth.resource(stack, TGW_RT)
    assert rt["transit_gateway_id"] == ref(TGW, only_id(default_synth, stack, TGW))


def test_transit_gateway_asns_are_distinct_from_each_other_and_the_dx_gateway(three):
    asns = [three.resource(f"aws-{r}", TGW)["amazon_side_asn"] for r in THREE]
    assert asns == [4200000000, 4200000001, 4200000002]
    dx_asn = int(three.resource(DX_STACK, "aws_dx_gateway")["amazon_side_asn"])
    assert dx_asn not in asns
    assert three.resource(DX_STACK, "aws_dx_transit_virtual_interface")["bgp_asn"] not in [*asns, dx_asn]


@pytest.mark.parametrize("region", list(DEFAULT_REGIONS))
def test_vpc_attachment_spans_every_az_and_uses_the_explicit_route_table(default_synth, region):
    stack, tgw_id, rt_id = tgw_of(default_synth, region)
    attachment_id = only_id(default_synth, stack, VPC_ATTACHMENT)
    attachment = default_synth.resources(stack, VPC_ATTACHMENT)[attachment_id]
    assert attachment["transit_gateway_id"] == ref(TGW, tgw_id)
    assert attachment["vpc_id"] == ref("aws_vpc", only_id(default_synth, stack, "aws_vpc"))
    subnets = {k: s for k, s in default_synth.resources(stack, "aws_subnet").items() if s["tags"]["tier"] == "private"}
    assert sorted(attachment["subnet_ids"]) == sorted(ref("aws_subnet", s) for s in subnets)
    zones = {subnets[resolve(default_synth, stack, s)[2]]["availability_zone"] for s in attachment["subnet_ids"]}
    assert zones == {f"{region}a", f"{region}b"}
    assert attachment["transit_gateway_default_route_table_association"] is False
    assert attachment["transit_gateway_default_route_table_propagation"] is False
    assert attachment["dns_support"] == "enable"
    for rtype in (RT_ASSOCIATION, RT_PROPAGATION):
        matching = [
            c
            for c in default_synth.resources(stack, rtype).values()
            if c["transit_gateway_attachment_id"] == ref(VPC_ATTACHMENT, attachment_id)
        ]
        assert len(matching) == 1, rtype
        assert matching[0]["transit_gateway_route_table_id"] == ref(TGW_RT, rt_id)


def test_attachment_spans_three_azs_when_the_region_has_three(three):
    for region, azs in (("us-west-2", 3), ("us-east-1", 2), ("eu-west-1", 3)):
        stack = f"aws-{region}"
        attachment = three.resource(stack, VPC_ATTACHMENT)
        zones = {
            three.resources(stack, "aws_subnet")[resolve(three, stack, s)[2]]["availability_zone"]
            for s in attachment["subnet_ids"]
        }
        assert len(attachment["subnet_ids"]) == len(zones) == azs


# --- VPC routes -----------------------------------------------------------------------------


def assert_vpc_routes(synth: Synthesized, regions: dict[str, str], on_premises: dict[str, list[str]]):
    for region, cidr in regions.items():
        stack, tgw_id, _ = tgw_of(synth, region)
        attachment = f"{VPC_ATTACHMENT}.{only_id(synth, stack, VPC_ATTACHMENT)}"
        expected = {c for r, c in regions.items() if r != region} | set(on_premises.get(region, []))
        # The private route tables (a federation member's public NAT subnet has its own table).
        tables = [t for t in synth.resources(stack, "aws_route_table") if not t.startswith("federation_member_")]
        assert tables
        routes = synth.resources(stack, "aws_route").values()
        for table_id in tables:
            # A member's /32 routes to the aggregators (via its NAT) are asserted in test_aws_member.py.
            mine = [
                r
                for r in routes
                if r["route_table_id"] == ref("aws_route_table", table_id) and "nat_gateway_id" not in r
            ]
            assert {r["destination_cidr_block"] for r in mine} == expected, (region, table_id)
            assert len(mine) == len(expected)
            for route in mine:
                assert route["transit_gateway_id"] == ref(TGW, tgw_id)
                assert route["depends_on"] == [attachment]
        assert cidr not in {r["destination_cidr_block"] for r in routes}


def test_every_vpc_route_table_routes_other_regions_and_on_premises_via_its_tgw(default_synth):
    assert_vpc_routes(default_synth, DEFAULT_REGIONS, dict.fromkeys(DEFAULT_REGIONS, ON_PREMISES))


def test_three_regions_route_to_each_other_and_only_dx_regions_to_on_premises(three):
    # us-east-1 has no allowed prefix, so it gets no DX association and no on-premises routes.
    assert_vpc_routes(three, THREE, {"us-west-2": THREE_ON_PREMISES, "eu-west-1": THREE_ON_PREMISES})


# --- peering --------------------------------------------------------------------------------


def peerings(synth: Synthesized) -> dict[frozenset, tuple[str, str]]:
    """{regions pair: (stack, requester logical id)} across all stacks."""
    found = {}
    for stack in synth.stack_names():
        for logical_id, config in synth.resources(stack, PEERING).items():
            requester_region = synth.stack(stack)["provider"]["aws"][0]["region"]
            pair = frozenset({requester_region, config["peer_region"]})
            assert pair not in found, f"two peerings for {sorted(pair)}"
            found[pair] = (stack, logical_id)
    return found


@pytest.mark.parametrize(("synth_name", "regions"), [("default_synth", DEFAULT_REGIONS), ("three", THREE)])
def test_full_mesh_peering_requested_by_the_later_region_accepted_by_the_earlier(request, synth_name, regions):
    synth = request.getfixturevalue(synth_name)
    order = list(regions)
    found = peerings(synth)
    assert set(found) == {frozenset(p) for p in combinations(order, 2)}
    for earlier, later in combinations(order, 2):
        stack, requester_id = found[frozenset({earlier, later})]
        assert stack == f"aws-{later}"
        requester = synth.resources(stack, PEERING)[requester_id]
        assert "region" not in requester
        assert requester["peer_region"] == earlier
        assert requester["transit_gateway_id"] == ref(TGW, tgw_of(synth, later)[1])
        # The peer TGW ID arrives from the earlier stack as a cross-stack reference.
        assert requester["peer_transit_gateway_id"].startswith(f"${{data.{REMOTE_STATE}.")
        assert resolve(synth, stack, requester["peer_transit_gateway_id"]) == (
            f"aws-{earlier}",
            TGW,
            tgw_of(synth, earlier)[1],
            "id",
        )
        accepters = [
            c
            for c in synth.resources(stack, ACCEPTER).values()
            if c["transit_gateway_attachment_id"] == ref(PEERING, requester_id)
        ]
        assert len(accepters) == 1
        assert accepters[0]["region"] == earlier


@pytest.mark.parametrize(("synth_name", "regions"), [("default_synth", DEFAULT_REGIONS), ("three", THREE)])
def test_peering_is_associated_with_both_route_tables_after_acceptance(request, synth_name, regions):
    synth = request.getfixturevalue(synth_name)
    for pair, (stack, requester_id) in peerings(synth).items():
        accepter_id = next(
            k
            for k, c in synth.resources(stack, ACCEPTER).items()
            if c["transit_gateway_attachment_id"] == ref(PEERING, requester_id)
        )
        attachment = ref(ACCEPTER, accepter_id, "transit_gateway_attachment_id")
        associated = {}
        for config in synth.resources(stack, RT_ASSOCIATION).values():
            if config["transit_gateway_attachment_id"] == attachment:
                rt_stack, _, rt_id, _ = resolve(synth, stack, config["transit_gateway_route_table_id"])
                region = effective_region(synth, stack, config)
                assert rt_stack == f"aws-{region}", "association managed in the route table's own region"
                assert rt_id == tgw_of(synth, region)[2]
                associated[region] = rt_id
        assert set(associated) == set(pair)
        assert not any(
            c["transit_gateway_attachment_id"] == attachment for c in synth.resources(stack, RT_PROPAGATION).values()
        )


@pytest.mark.parametrize(("synth_name", "regions"), [("default_synth", DEFAULT_REGIONS), ("three", THREE)])
def test_every_tgw_route_table_has_static_routes_to_every_other_region_over_the_right_peering(
    request, synth_name, regions
):
    synth = request.getfixturevalue(synth_name)
    pairs = peerings(synth)
    by_table: dict[str, dict[str, tuple]] = {r: {} for r in regions}
    for region, (rt_stack, rt_type, rt_id, _), destination, attachment in tgw_route_tables(synth, regions):
        assert rt_type == TGW_RT
        assert (rt_stack, rt_id) == (f"aws-{region}", tgw_of(synth, region)[2])
        assert destination not in by_table[region], f"two routes to {destination} in {region}"
        by_table[region][destination] = attachment
    for region in regions:
        expected = {cidr for r, cidr in regions.items() if r != region}
        assert set(by_table[region]) == expected
        for destination, (att_stack, att_type, att_id, att_attr) in by_table[region].items():
            target = next(r for r, c in regions.items() if c == destination)
            stack, requester_id = pairs[frozenset({region, target})]
            assert (att_stack, att_type, att_attr) == (stack, ACCEPTER, "transit_gateway_attachment_id")
            assert synth.resources(stack, ACCEPTER)[att_id]["transit_gateway_attachment_id"] == ref(
                PEERING, requester_id
            )


def test_no_static_route_blackholes_traffic(three):
    for stack in three.stack_names():
        for config in three.resources(stack, TGW_ROUTE).values():
            assert not config.get("blackhole", False)


# --- cross-stack references and stack graph -------------------------------------------------


def assert_acyclic(synth: Synthesized):
    graph = {name: synth.dependencies(name) for name in synth.stack_names()}
    visiting, done = set(), set()

    def visit(node, path):
        assert node not in visiting, f"cycle: {' -> '.join([*path, node])}"
        if node in done:
            return
        visiting.add(node)
        for dep in graph[node]:
            visit(dep, [*path, node])
        visiting.discard(node)
        done.add(node)

    for node in graph:
        visit(node, [])


def test_default_stack_graph(default_synth):
    assert default_synth.dependencies(DX_STACK) == []
    # Member sites also read the aggregators' clusters, the trust stack and their key stack.
    member = ["federation-trust", "gke-fl-eu", "gke-fl-us"]
    assert default_synth.dependencies("aws-us-west-2") == sorted([DX_STACK, *member, "node-key-aws-us-west-2"])
    assert default_synth.dependencies("aws-us-east-1") == sorted(
        [DX_STACK, "aws-us-west-2", *member, "node-key-aws-us-east-1"]
    )
    assert_acyclic(default_synth)


THREE_DX_REGIONS = ("us-west-2", "eu-west-1")  # the regions THREE_REGIONS' allowed prefixes fall in


def expected_producers(region: str) -> list[str]:
    """Earlier regions, plus the DX stack where the region has a DX association."""
    order = list(THREE)
    earlier = [f"aws-{r}" for r in order[: order.index(region)]]
    return sorted([*earlier, *([DX_STACK] if region in THREE_DX_REGIONS else [])])


def test_three_region_stack_graph_each_region_depends_only_on_earlier_ones(three):
    for region in THREE:
        assert three.dependencies(f"aws-{region}") == expected_producers(region)
    assert three.dependencies(DX_STACK) == []
    assert_acyclic(three)


def test_remote_state_is_read_only_from_earlier_regions_and_dx(three):
    for region in THREE:
        remote = set(three.data(f"aws-{region}", REMOTE_STATE))
        assert remote == {f"cross-stack-reference-input-{s}" for s in expected_producers(region)}


# --- Direct Connect -------------------------------------------------------------------------


def test_default_dx_stack_orders_a_protected_port_and_declares_no_vif(default_synth):
    """Phase 1 (status: ordered): the port order, the gateway, no interface on the unprovisioned port."""
    assert default_synth.stack(DX_STACK)["provider"]["aws"][0]["region"] == "us-west-2"
    connection = default_synth.resource(DX_STACK, "aws_dx_connection")
    assert (connection["location"], connection["bandwidth"]) == ("EqSe2", "1Gbps")
    assert connection["lifecycle"] == {"prevent_destroy": True}
    assert default_synth.resource(DX_STACK, "aws_dx_gateway")["amazon_side_asn"] == "64600"
    assert default_synth.resources(DX_STACK, "aws_dx_transit_virtual_interface") == {}
    assert default_synth.data(DX_STACK, "aws_dx_connection") == {}
    assert default_synth.dependencies(DX_STACK) == []


def test_available_port_gets_a_vif_that_reads_the_port_through_a_lookup(three):
    """Phase 2 (status: available): the VIF reads the existing port by name, never the resource."""
    assert three.stack(DX_STACK)["provider"]["aws"][0]["region"] == "us-east-1"
    connection = three.resource(DX_STACK, "aws_dx_connection")
    assert connection["bandwidth"] == "10Gbps"
    assert connection["lifecycle"] == {"prevent_destroy": True}
    (lookup_id, lookup), *rest = three.data(DX_STACK, "aws_dx_connection").items()
    assert not rest
    assert lookup["name"] == connection["name"]
    assert "depends_on" not in lookup  # read at plan time: a missing port fails the plan, not the apply
    # ... and so does a port that exists but is not up yet (still requested/pending).
    (check,) = lookup["lifecycle"]["postcondition"]
    assert check["condition"] == '${self.state == "available"}'
    assert "LOA-CFA" in check["error_message"]
    vif = three.resource(DX_STACK, "aws_dx_transit_virtual_interface")
    assert vif["connection_id"] == f"${{data.aws_dx_connection.{lookup_id}.id}}"
    assert "${aws_dx_connection." not in json.dumps(vif)  # never the resource of this apply
    assert vif["dx_gateway_id"] == ref("aws_dx_gateway", only_id(three, DX_STACK, "aws_dx_gateway"))
    assert (vif["vlan"], vif["bgp_asn"], vif["address_family"], vif["mtu"]) == (3001, 65000, "ipv4", 8500)


def test_phase_two_keeps_the_port_unchanged(synth, three):
    """Moving a port from ordered to available must not replace (re-order) it."""
    ordered = THREE_REGIONS.replace("status: available", "status: ordered").replace(
        "    transit_vif: {vlan: 3001, customer_asn: 65000, mtu: 8500}\n", ""
    )
    before = synth(ordered).resources(DX_STACK, "aws_dx_connection")
    assert before == three.resources(DX_STACK, "aws_dx_connection")
    assert before  # one port, same logical ID and configuration in both phases


def test_existing_connection_is_referenced_by_id_and_not_managed(synth):
    text = THREE_REGIONS.replace(
        "connection: {location: EqDC2, bandwidth: 10Gbps, status: available}", "connection: {id: dxcon-fgab1234}"
    )
    out = synth(text)
    assert out.resources(DX_STACK, "aws_dx_connection") == {}
    assert out.data(DX_STACK, "aws_dx_connection") == {}
    assert out.resource(DX_STACK, "aws_dx_transit_virtual_interface")["connection_id"] == "dxcon-fgab1234"
    assert out.outputs(DX_STACK)["dx_connection_id"]["value"] == "dxcon-fgab1234"
    assert "dx_connection_aws_device" not in out.outputs(DX_STACK)
    assert out.resource(DX_STACK, "aws_dx_gateway")["name"] == "fedlearn-test-dx"


def assert_dx_associations(synth: Synthesized, expected: dict[str, list[str]]):
    gateway_id = only_id(synth, DX_STACK, "aws_dx_gateway")
    for region in [s.removeprefix("aws-") for s in synth.stack_names() if s.startswith("aws-") and s != DX_STACK]:
        stack, tgw_id, rt_id = tgw_of(synth, region)
        associations = synth.resources(stack, DX_ASSOCIATION)
        if region not in expected:
            assert associations == {}
            continue
        association_id = only_id(synth, stack, DX_ASSOCIATION)
        association = associations[association_id]
        assert association["associated_gateway_id"] == ref(TGW, tgw_id)
        assert association["allowed_prefixes"] == expected[region]
        assert resolve(synth, stack, association["dx_gateway_id"]) == (DX_STACK, "aws_dx_gateway", gateway_id, "id")
        # Associations can take longer than the provider's 30-minute default (provider issue #14328).
        assert association["timeouts"] == {"create": "90m", "update": "90m", "delete": "90m"}
        attachment = ref(DX_ASSOCIATION, association_id, "transit_gateway_attachment_id")
        for rtype in (RT_ASSOCIATION, RT_PROPAGATION):
            wired = [
                c for c in synth.resources(stack, rtype).values() if c["transit_gateway_attachment_id"] == attachment
            ]
            assert len(wired) == 1, rtype
            assert wired[0]["transit_gateway_route_table_id"] == ref(TGW_RT, rt_id)
            assert "region" not in wired[0]


def test_dx_gateway_is_associated_with_every_tgw_advertising_that_regions_cidr(default_synth):
    assert_dx_associations(default_synth, {r: [c] for r, c in DEFAULT_REGIONS.items()})


def test_dx_associations_follow_allowed_prefixes(three):
    assert_dx_associations(three, {"us-west-2": ["10.40.0.0/17", "10.40.128.0/17"], "eu-west-1": ["10.60.0.0/16"]})


def test_without_transit_vif_no_vif_and_no_vif_outputs(synth):
    out = synth(THREE_REGIONS.replace("    transit_vif: {vlan: 3001, customer_asn: 65000, mtu: 8500}\n", ""))
    assert out.resources(DX_STACK, "aws_dx_transit_virtual_interface") == {}
    assert not [name for name in out.outputs(DX_STACK) if name.startswith("dx_transit_vif")]
    assert out.resources(DX_STACK, "aws_dx_gateway")


def test_without_direct_connect_no_dx_stack_no_on_premises_routes(synth):
    text = THREE_REGIONS.split("  direct_connect:")[0]
    out = synth(text)
    assert DX_STACK not in out.stack_names()
    assert_vpc_routes(out, THREE, {})
    for region in THREE:
        assert out.resources(f"aws-{region}", DX_ASSOCIATION) == {}
    assert_acyclic(out)


def test_without_transit_gateway_regions_stay_isolated(synth):
    text = THREE_REGIONS.split("  transit_gateway:")[0]
    out = synth(text)
    assert out.stack_names() == sorted(f"aws-{r}" for r in THREE)
    for region in THREE:
        stack = f"aws-{region}"
        assert out.dependencies(stack) == []
        assert not [t for t, _, _ in out.all_resources(stack) if "transit_gateway" in t or t.startswith("aws_dx")]
        assert out.resources(stack, "aws_route") == {}


def test_single_region_gets_a_tgw_but_no_peering(synth):
    out = synth(
        "federation: {name: solo}\naws:\n  regions:\n    - {name: eu-west-1, cidr: 10.40.0.0/16}\n"
        "  transit_gateway: {}\n"
    )
    assert out.resource("aws-eu-west-1", TGW)["amazon_side_asn"] == 64512
    assert out.resources("aws-eu-west-1", PEERING) == {}
    assert out.resources("aws-eu-west-1", "aws_route") == {}
    assert "transit_gateway_peering_ids" not in out.outputs("aws-eu-west-1")


def test_pinned_region_asn_is_used(synth):
    out = synth(THREE_REGIONS.replace("{amazon_side_asn: 4200000000}", "{region_asns: {us-west-2: 65100}}"))
    assert [out.resource(f"aws-{r}", TGW)["amazon_side_asn"] for r in THREE] == [65100, 64513, 64514]


# --- outputs --------------------------------------------------------------------------------


REGION_OUTPUTS = {
    "transit_gateway_id": (TGW, "id"),
    "transit_gateway_arn": (TGW, "arn"),
    "transit_gateway_route_table_id": (TGW_RT, "id"),
    "transit_gateway_vpc_attachment_id": (VPC_ATTACHMENT, "id"),
    "dx_gateway_association_id": (DX_ASSOCIATION, "id"),
    "dx_transit_gateway_attachment_id": (DX_ASSOCIATION, "transit_gateway_attachment_id"),
}


@pytest.mark.parametrize("region", list(DEFAULT_REGIONS))
def test_region_outputs_point_at_the_interconnect_resources(default_synth, region):
    stack = f"aws-{region}"
    outputs = default_synth.outputs(stack)
    for name, (rtype, attribute) in REGION_OUTPUTS.items():
        assert outputs[name]["value"] == ref(rtype, only_id(default_synth, stack, rtype), attribute), name
        assert outputs[name]["description"]
        assert outputs[name]["sensitive"] is False
    assert outputs["transit_gateway_asn"]["value"] == default_synth.resource(stack, TGW)["amazon_side_asn"]


def test_peering_ids_output_maps_each_earlier_region_to_its_attachment(three):
    for i, region in enumerate(THREE):
        outputs = three.outputs(f"aws-{region}")
        earlier = list(THREE)[:i]
        if not earlier:
            assert "transit_gateway_peering_ids" not in outputs
            continue
        value = outputs["transit_gateway_peering_ids"]["value"]
        assert set(value) == set(earlier)
        for peer, attachment in value.items():
            _stack, requester_id = peerings(three)[frozenset({region, peer})]
            assert attachment == ref(PEERING, requester_id)


def test_dx_outputs(three):
    outputs = three.outputs(DX_STACK)
    assert outputs["dx_connection_id"]["value"] == ref(
        "aws_dx_connection", only_id(three, DX_STACK, "aws_dx_connection")
    )
    assert outputs["dx_gateway_id"]["value"] == ref("aws_dx_gateway", only_id(three, DX_STACK, "aws_dx_gateway"))
    vif = only_id(three, DX_STACK, "aws_dx_transit_virtual_interface")
    assert outputs["dx_transit_vif_id"]["value"] == ref("aws_dx_transit_virtual_interface", vif)
    key = outputs["dx_transit_vif_bgp_auth_key"]
    assert key["value"] == ref("aws_dx_transit_virtual_interface", vif, "bgp_auth_key")
    assert key["sensitive"] is True
    assert all(o.get("description") for n, o in outputs.items() if not n.startswith("cross-stack-output"))


def test_tags_come_from_the_provider_in_every_new_stack(three):
    for stack in three.stack_names():
        provider = three.stack(stack)["provider"]["aws"]
        assert len(provider) == 1, "one provider per stack; other regions via resource-level region"
        assert provider[0]["default_tags"][0]["tags"]["federation"] == "fedlearn"
    assert refers_to(three.resource(DX_STACK, "aws_dx_transit_virtual_interface"), "aws_dx_gateway")


def test_direct_connect_construct_refuses_a_vif_on_an_ordered_port():
    """The construct guards the rule on its own, for users of the library outside the spec."""
    from constructs_lib.aws.direct_connect import DirectConnectProps, NewPortProps, TransitVifProps

    vif = TransitVifProps(vlan=100, customer_asn=65000)
    with pytest.raises(ValueError, match="needs an available connection"):
        DirectConnectProps(name="x", gateway_asn=64600, new_port=NewPortProps("EqSe2", "1Gbps"), transit_vif=vif)
    with pytest.raises(ValueError, match="exactly one"):
        DirectConnectProps(
            name="x",
            gateway_asn=64600,
            existing_connection_id="dxcon-fgab1234",
            new_port=NewPortProps("EqSe2", "1Gbps"),
        )
    assert DirectConnectProps(name="x", gateway_asn=64600, existing_connection_id="dxcon-fgab1234", transit_vif=vif)


def test_readme_recovery_commands_name_addresses_every_region_stack_has(default_synth):
    """The README's import commands for a timed-out association use literal resource addresses;
    they must be the ones each region stack synthesizes (provider issue #42705)."""
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    addresses = set(re.findall(r"terraform import (aws_[a-z0-9_]+\.[A-Za-z0-9_]+) ", readme))
    assert {a.split(".")[0] for a in addresses} == {RT_ASSOCIATION, DX_ASSOCIATION}
    for region in DEFAULT_REGIONS:
        have = {f"{rtype}.{lid}" for rtype, lid, _ in default_synth.all_resources(f"aws-{region}")}
        assert addresses <= have, region
