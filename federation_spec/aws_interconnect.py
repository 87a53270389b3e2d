"""``aws.transit_gateway`` and ``aws.direct_connect``: the private network between the AWS sites
(one transit gateway per region, peered in a full mesh) and from on-premises (Direct Connect).

Derived values (each region's transit gateway ASN, the prefixes each region advertises over
Direct Connect) are computed here, once, so stacks never re-derive them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, Field

from federation_spec.base import Cidr, NonEmpty, SpecModel, StrictInt, StrictStr, parse_cidr
from federation_spec.regions import AwsRegionName

if TYPE_CHECKING:
    from federation_spec.aws import AwsRegion, AwsSection

PRIVATE_ASN_RANGES = ((64512, 65534), (4200000000, 4294967294))
"""Private BGP ASNs (RFC 6996) that AWS accepts for transit and Direct Connect gateways."""

RESERVED_ASNS = (
    frozenset({0, 23456, 65535, 4294967295}) | frozenset(range(64496, 64512)) | frozenset(range(65536, 65552))
)
"""ASNs no BGP speaker may use: AS_TRANS, the documentation ranges (RFC 5398) and the last ASNs."""

DEDICATED_BANDWIDTHS = ("1Gbps", "10Gbps", "100Gbps", "400Gbps")
"""Port speeds AWS accepts for a dedicated connection (``aws_dx_connection``); case sensitive."""

MAX_TRANSIT_GATEWAYS_PER_DX_GATEWAY = 6
"""AWS Direct Connect quota: transit gateway associations per Direct Connect gateway (not adjustable)."""

VLAN_RANGE = (1, 4094)


def _range_text() -> str:
    return " or ".join(f"{low}-{high}" for low, high in PRIVATE_ASN_RANGES)


def private_asn_range(asn: int) -> tuple[int, int] | None:
    """The private range ``asn`` lies in, or ``None``."""
    return next(((low, high) for low, high in PRIVATE_ASN_RANGES if low <= asn <= high), None)


def _private_asn(value: int) -> int:
    if private_asn_range(value) is None:
        raise ValueError(f"{value} is not a private ASN; use {_range_text()}")
    return value


def _usable_asn(value: int) -> int:
    if not 1 <= value <= 4294967294 or value in RESERVED_ASNS:
        raise ValueError(f"{value} is not a usable BGP ASN (1-4294967294, excluding reserved and documentation ASNs)")
    return value


def _bandwidth(value: str) -> str:
    if value not in DEDICATED_BANDWIDTHS:
        raise ValueError(f"{value!r} is not a dedicated connection speed; use one of {', '.join(DEDICATED_BANDWIDTHS)}")
    return value


def _location(value: str) -> str:
    if not (2 <= len(value) <= 32 and value.replace("-", "").isalnum() and value.isascii()):
        raise ValueError(
            f"{value!r} is not a Direct Connect location code (e.g. EqSe2; see `aws directconnect describe-locations`)"
        )
    return value


PrivateAsn = Annotated[StrictInt, AfterValidator(_private_asn)]
"""An ASN for an Amazon-side gateway: private 16-bit or 32-bit range."""


class TransitGatewaySection(SpecModel):
    """One transit gateway per region, full mesh of peerings. Each gateway needs its own ASN
    (required by Direct Connect for gateways in different regions, and good BGP hygiene): region
    ``i`` (spec order) gets ``amazon_side_asn + i`` unless ``region_asns`` pins it. Because the
    ASN cannot change without replacing the gateway, append new regions at the end of
    ``aws.regions``; when removing one, pin the ASNs of the regions after it."""

    amazon_side_asn: PrivateAsn = 64512
    """Private ASN (64512-65534 or 4200000000-4294967294); region i (spec order) gets `amazon_side_asn + i`, which must stay in range."""
    region_asns: dict[StrictStr, PrivateAsn] = Field(default_factory=dict)
    """Pin a region's transit-gateway ASN (keys must be in `aws.regions`; private; unique). Pin before removing a region so later regions keep theirs."""

    def asns(self, regions: Sequence[AwsRegion]) -> dict[str, int]:
        """Region name -> transit gateway ASN, in spec order."""
        return {r.name: self.region_asns.get(r.name, self.amazon_side_asn + i) for i, r in enumerate(regions)}


class TransitVif(SpecModel):
    """The transit virtual interface on the connection, BGP-peering the on-premises router
    (``customer_asn``) with the Direct Connect gateway. ``mtu`` 8500 enables jumbo frames."""

    vlan: Annotated[StrictInt, Field(ge=VLAN_RANGE[0], le=VLAN_RANGE[1])]
    """802.1Q VLAN of the transit virtual interface, 1 to 4094."""
    customer_asn: Annotated[StrictInt, AfterValidator(_usable_asn)]
    """On-premises BGP ASN (1-4294967294, not reserved); differs from `gateway_asn` and every transit-gateway ASN."""
    mtu: Literal[1500, 8500] = 1500
    """`8500` enables jumbo frames."""


CONNECTION_ID = re.compile(r"^dxcon-[a-z0-9]{8,17}$")
"""A Direct Connect connection ID as AWS prints it (``dxcon-fgabc123``; dedicated or hosted)."""

PHASES = (
    "a transit VIF needs an available connection; apply with connection.status: ordered (the port), "
    "complete the LOA-CFA cross-connect until AWS reports the connection available, "
    "then set connection.status: available and apply again"
)
"""The two-phase flow of a new port, as ``validate`` explains it."""


def _connection_id(value: str) -> str:
    if not CONNECTION_ID.match(value):
        raise ValueError(
            f"{value!r} is not a Direct Connect connection ID (dxcon- followed by 8-17 lowercase letters or digits)"
        )
    return value


class DxConnection(SpecModel):
    """The physical link, in one of two forms. An existing connection (dedicated, or hosted and
    ordered through a partner, confirmed in this account): ``id``. A new dedicated port ordered by
    this estate: ``location`` and ``bandwidth``, with ``status`` saying where the order stands:
    ``ordered`` (default; AWS still waits for the LOA-CFA cross-connect, so no virtual interface
    can exist yet) or ``available`` (AWS reports the port up; a transit VIF may now be declared)."""

    id: Annotated[StrictStr, AfterValidator(_connection_id)] | None = None
    """Existing connection (dedicated or hosted), e.g. `dxcon-fgabc123`, in state available; excludes `location`, `bandwidth`, `status`."""
    location: Annotated[StrictStr, AfterValidator(_location)] | None = None
    """New dedicated port: Direct Connect location code, e.g. `EqSe2`."""
    bandwidth: Annotated[StrictStr, AfterValidator(_bandwidth)] | None = None
    """New dedicated port speed: `1Gbps`, `10Gbps`, `100Gbps` or `400Gbps`."""
    status: Literal["ordered", "available"] | None = None
    """New port only: `ordered` (default: port requested, LOA-CFA cross-connect pending) or `available` (AWS reports it up; a transit VIF may be declared)."""

    @property
    def existing(self) -> bool:
        """Whether the connection is an existing one given by ``id`` (not created here)."""
        return self.id is not None

    @property
    def available(self) -> bool:
        """Whether a virtual interface may be declared on the connection: an existing connection
        is taken as available; a new port only once the spec says so."""
        return self.existing or self.status == "available"

    def issues(self, path: str) -> list[tuple[str, str]]:
        """Cross-field rules of the two forms."""
        if self.id is not None:
            extra = [key for key in ("location", "bandwidth", "status") if getattr(self, key) is not None]
            return [
                (f"{path}.{key}", "an existing connection (id) is already placed and up; remove this key or id")
                for key in extra
            ]
        return [
            (f"{path}.{key}", f"a new port needs {key} (or give the id of an existing connection)")
            for key in ("location", "bandwidth")
            if getattr(self, key) is None
        ]


class DirectConnectSection(SpecModel):
    """A Direct Connect connection (an existing one by ID, or a new dedicated port ordered at a
    location, in ``region``, default the first AWS region), a Direct Connect gateway, and an
    association with the transit gateway of every region that one of ``allowed_prefixes`` falls in
    (default: all region CIDRs). VPC route tables send ``on_premises_cidrs`` to their transit
    gateway; the transit gateways learn the on-premises routes over BGP once a transit VIF is up.
    The gateway and its associations need no port, so they are created in the first apply."""

    connection: DxConnection
    """The physical link: `{id: dxcon-...}` for an existing (dedicated or hosted) connection, or `{location, bandwidth, status}` for a new dedicated port."""
    gateway_asn: PrivateAsn
    """Private ASN of the Direct Connect gateway; differs from every transit-gateway ASN."""
    on_premises_cidrs: Annotated[tuple[Cidr, ...], NonEmpty]
    """On-premises networks, routed from every associated VPC to its transit gateway; private, no overlap with the estate."""
    allowed_prefixes: Annotated[tuple[Cidr, ...], NonEmpty] | None = None
    """Prefixes advertised to on-premises, each inside an AWS region CIDR; default: every region's CIDR. At most 6 regions (Direct Connect gateway quota)."""
    region: AwsRegionName | None = None
    """Region of the connection (a new port is requested there; it must serve the location); default: the first AWS region."""
    transit_vif: TransitVif | None = None
    """Transit virtual interface on the connection; needs an existing connection or a new port with `status: available`; absent: none."""

    def connection_region(self, regions: Sequence[AwsRegion]) -> str:
        """Where the connection is requested: ``region``, else the first (home) region."""
        return self.region or regions[0].name

    def prefixes_by_region(self, regions: Sequence[AwsRegion]) -> dict[str, tuple[str, ...]]:
        """Region name -> allowed prefixes advertised through that region's transit gateway, for
        the regions that get a Direct Connect association (those with at least one prefix)."""
        if self.allowed_prefixes is None:
            return {r.name: (r.cidr,) for r in regions}
        found = {}
        for region in regions:
            network = parse_cidr(region.cidr)
            inside = tuple(p for p in self.allowed_prefixes if parse_cidr(p).subnet_of(network))
            if inside:
                found[region.name] = inside
        return found


def interconnect_issues(aws: AwsSection) -> list[tuple[str, str]]:
    """Cross-field rules of the interconnect: (path, message) pairs."""
    issues: list[tuple[str, str]] = []
    tgw, dx = aws.transit_gateway, aws.direct_connect
    asns: dict[str, int] = {}
    if tgw is not None:
        asn_issues, asns = _transit_gateway_issues(tgw, aws.regions)
        issues += asn_issues
    if dx is not None:
        if tgw is None:
            issues.append(
                (
                    "aws.direct_connect",
                    "needs aws.transit_gateway: Direct Connect reaches the regions through their transit gateways",
                )
            )
        issues += _direct_connect_issues(dx, aws.regions, asns)
    return issues


def _transit_gateway_issues(tgw: TransitGatewaySection, regions) -> tuple[list[tuple[str, str]], dict[str, int]]:
    issues = []
    names = [r.name for r in regions]
    for name in tgw.region_asns:
        if name not in names:
            issues.append(
                (f"aws.transit_gateway.region_asns.{name}", f"{name!r} is not one of aws.regions ({', '.join(names)})")
            )
    base_range = private_asn_range(tgw.amazon_side_asn)
    asns = tgw.asns(regions)
    for i, region in enumerate(regions):
        if region.name in tgw.region_asns:
            continue
        asn = asns[region.name]
        if private_asn_range(asn) != base_range:
            issues.append(
                (
                    "aws.transit_gateway.amazon_side_asn",
                    f"{tgw.amazon_side_asn} + {i} = {asn} for {region.name} (aws.regions[{i}]) leaves the private range "
                    f"{base_range[0]}-{base_range[1]}; lower amazon_side_asn or pin the region in region_asns",
                )
            )
    # Derived ASNs (base + index) are distinct, so a clash always involves a pinned one: report it
    # there (once per pair: a pin clashing with an earlier pin is reported at the later one).
    pinned = [name for name in names if name in tgw.region_asns]
    for name in pinned:
        asn = asns[name]
        for other in names:
            if other == name or asns[other] != asn or (other in pinned and pinned.index(other) > pinned.index(name)):
                continue
            issues.append(
                (
                    f"aws.transit_gateway.region_asns.{name}",
                    f"{asn} is already the transit gateway ASN of {other}; every region needs its own",
                )
            )
            break
    return issues, asns


def _direct_connect_issues(dx: DirectConnectSection, regions, tgw_asns: dict[str, int]) -> list[tuple[str, str]]:
    issues = dx.connection.issues("aws.direct_connect.connection")
    if dx.transit_vif is not None and not dx.connection.available:
        issues.append(("aws.direct_connect.transit_vif", PHASES))
    by_asn = {asn: name for name, asn in tgw_asns.items()}
    if dx.gateway_asn in by_asn:
        issues.append(
            (
                "aws.direct_connect.gateway_asn",
                f"{dx.gateway_asn} is the transit gateway ASN of {by_asn[dx.gateway_asn]}; the Direct Connect gateway "
                f"needs an ASN different from every transit gateway ({_asn_list(tgw_asns)})",
            )
        )
    if dx.transit_vif is not None:
        customer = dx.transit_vif.customer_asn
        if customer == dx.gateway_asn:
            issues.append(
                (
                    "aws.direct_connect.transit_vif.customer_asn",
                    f"{customer} equals gateway_asn; the on-premises router and the Direct Connect gateway are eBGP peers and need different ASNs",
                )
            )
        elif customer in by_asn:
            issues.append(
                (
                    "aws.direct_connect.transit_vif.customer_asn",
                    f"{customer} is the transit gateway ASN of {by_asn[customer]}; the on-premises ASN must differ from every Amazon-side ASN",
                )
            )
    if dx.allowed_prefixes is not None:
        issues += _prefix_issues(dx.allowed_prefixes, regions)
    reached = dx.prefixes_by_region(regions)
    if len(reached) > MAX_TRANSIT_GATEWAYS_PER_DX_GATEWAY:
        issues.append(
            (
                "aws.direct_connect.allowed_prefixes",
                f"reach {len(reached)} regions, but a Direct Connect gateway associates with at most "
                f"{MAX_TRANSIT_GATEWAYS_PER_DX_GATEWAY} transit gateways; list prefixes of at most that many regions",
            )
        )
    return issues


def _prefix_issues(prefixes: tuple[str, ...], regions) -> list[tuple[str, str]]:
    issues = []
    region_cidrs = [parse_cidr(r.cidr) for r in regions]
    seen: list[tuple[int, ipaddress.IPv4Network]] = []
    for k, prefix in enumerate(prefixes):
        path = f"aws.direct_connect.allowed_prefixes[{k}]"
        network = parse_cidr(prefix)
        if not any(network.subnet_of(cidr) for cidr in region_cidrs):
            issues.append((path, f"{prefix} is not inside an AWS region CIDR ({', '.join(r.cidr for r in regions)})"))
        for j, other in seen:
            if network.overlaps(other):
                issues.append((path, f"{prefix} overlaps {other} at aws.direct_connect.allowed_prefixes[{j}]"))
        seen.append((k, network))
    return issues


def _asn_list(asns: dict[str, int]) -> str:
    return ", ".join(f"{name} {asn}" for name, asn in asns.items())
