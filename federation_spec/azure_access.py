"""Who may put data into the share's source storage, and from where: named Azure AD writers
and the networks the storage firewall admits for them.

Shared keys are off and the firewall denies everything but trusted Azure services, so producers
need both an Entra ID (Azure AD) data-plane role and a network path. Both are spec'd here,
narrowly: a writer gets write access to named shared containers only, and the firewall admits
only listed public IPv4 ranges (Azure Storage IP rules are IPv4 only, reject private RFC 1918
ranges and /31-/32 prefixes) and listed virtual-network subnets.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from federation_spec.base import SpecModel, StrictStr

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_NIL_GUID = "00000000-0000-0000-0000-000000000000"


def _object_id(value: str) -> str:
    if not _GUID.match(value) or value == _NIL_GUID:
        raise ValueError(
            f"{value!r} is not an Azure AD object ID (a GUID such as 11111111-2222-3333-4444-555555555555; "
            "`az ad user show --id <upn> --query id`, `az ad group show` or `az ad sp show` print it)"
        )
    return value.lower()


ObjectId = Annotated[StrictStr, AfterValidator(_object_id)]
"""An Entra ID (Azure AD) object ID, normalized to lowercase."""

# Ranges Azure Storage IP rules reject (RFC 1918) or that no internet client can come from.
_NOT_PUBLIC = tuple(
    ipaddress.IPv4Network(block)
    for block in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "0.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
)
MIN_PREFIX = 16
"""The broadest range accepted: a /16. Anything wider admits a large share of the internet."""


def parse_ip_rule(value: str) -> ipaddress.IPv4Network:
    """A public IPv4 address (``203.0.113.7``) or range (``203.0.113.0/24``) as Azure Storage
    accepts it in ``ip_rules``; raises ``ValueError`` with the reason and a fix otherwise."""
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError(
            f"{value!r} is not an IPv4 address or CIDR range (expected e.g. 203.0.113.7 or 203.0.113.0/24)"
        ) from None
    if network.version != 4:
        raise ValueError(f"{value!r} is IPv6; Azure Storage IP rules accept IPv4 only")
    if "/" in value:
        if network.prefixlen == 32:
            raise ValueError(f"Azure Storage rejects /32 ranges; write the address alone: {network.network_address}")
        if network.prefixlen == 31:
            first, second = network.network_address, network.broadcast_address
            raise ValueError(f"Azure Storage rejects /31 ranges; list the two addresses: {first} and {second}")
        if str(network) != value:
            raise ValueError(f"{value!r} has host bits set; did you mean {network}?")
        if network.prefixlen == 0:
            raise ValueError(f"{value!r} admits the whole internet; list your producers' egress addresses or ranges")
        if network.prefixlen < MIN_PREFIX:
            raise ValueError(
                f"{value!r} is broader than /{MIN_PREFIX} and would admit much of the internet; "
                "list your producers' egress addresses or ranges"
            )
    for block in _NOT_PUBLIC:
        if network.overlaps(block):
            raise ValueError(
                f"{value!r} is not a public address range (overlaps {block}); Azure Storage IP rules admit "
                "only public internet addresses: use allowed_subnet_ids for clients inside a virtual network"
            )
    return network


def _ip_rule(value: str) -> str:
    parse_ip_rule(value)
    return value


PublicIpRule = Annotated[StrictStr, AfterValidator(_ip_rule)]
"""A public IPv4 address or CIDR range (/16 to /30), in canonical form."""

_SUBNET_ID = re.compile(
    r"^/subscriptions/(?P<subscription>[0-9a-fA-F-]{36})"
    r"/resourceGroups/(?P<group>[-\w.()]{0,89}[-\w()])"
    r"/providers/Microsoft\.Network/virtualNetworks/(?P<vnet>[A-Za-z0-9][\w.-]{0,62}[\w]|[A-Za-z0-9])"
    r"/subnets/(?P<subnet>[A-Za-z0-9][\w.-]{0,78}[\w]|[A-Za-z0-9])$",
    re.IGNORECASE,
)


def _subnet_id(value: str) -> str:
    match = _SUBNET_ID.match(value)
    if not match or not _GUID.match(match.group("subscription")):
        raise ValueError(
            f"{value!r} is not a virtual network subnet ID (expected /subscriptions/<guid>/resourceGroups/<rg>/"
            "providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>)"
        )
    return value


SubnetId = Annotated[StrictStr, AfterValidator(_subnet_id)]
"""An Azure virtual network subnet resource ID."""


class Writer(SpecModel):
    """A producer allowed to upload: an Entra ID user, group or service principal (e.g. a CI
    pipeline's identity) given *Storage Blob Data Contributor* on shared containers only."""

    principal_id: ObjectId
    """The principal's Entra ID object ID (GUID); unique among writers."""
    principal_type: Literal["User", "Group", "ServicePrincipal"] | None = None
    """The kind of principal; absent: Azure looks it up."""
    containers: tuple[StrictStr, ...] = Field(default_factory=tuple)
    """Shared containers (from `datasets`) this writer may write; empty: every shared container."""


def access_issues(writers: tuple[Writer, ...], networks: tuple[str, ...], subnets: tuple[str, ...], shared, path):
    """Cross-field checks of the writer and network keys under ``path`` (``azure.data_share``):
    unique writers, writers' containers among the ``shared`` ones, no duplicate or overlapping
    network entries, and a network path for writers."""
    found = []
    seen: dict[str, int] = {}
    for i, writer in enumerate(writers):
        if writer.principal_id in seen:
            found.append(
                (
                    f"{path}.writers[{i}].principal_id",
                    f"duplicate writer {writer.principal_id} (already at {path}.writers[{seen[writer.principal_id]}])",
                )
            )
        else:
            seen[writer.principal_id] = i
        named: set[str] = set()
        for j, container in enumerate(writer.containers):
            where = f"{path}.writers[{i}].containers[{j}]"
            if container not in shared:
                found.append((where, f"{container!r} is not a shared container (shared: {', '.join(sorted(shared))})"))
            elif container in named:
                found.append((where, f"{container!r} is listed twice"))
            named.add(container)
    parsed = [parse_ip_rule(value) for value in networks]
    for i, network in enumerate(parsed):
        for j, earlier in enumerate(parsed[:i]):
            if network.overlaps(earlier):
                found.append(
                    (
                        f"{path}.allowed_networks[{i}]",
                        f"{networks[i]} overlaps {path}.allowed_networks[{j}] ({networks[j]}); list each range once",
                    )
                )
                break
    lowered: dict[str, int] = {}
    for i, subnet in enumerate(subnets):
        key = subnet.lower()
        if key in lowered:
            found.append(
                (
                    f"{path}.allowed_subnet_ids[{i}]",
                    f"duplicate subnet (already at {path}.allowed_subnet_ids[{lowered[key]}])",
                )
            )
        else:
            lowered[key] = i
    if writers and not networks and not subnets:
        found.append(
            (
                f"{path}.writers",
                "writers cannot reach the storage account: its firewall denies all networks; add their egress "
                f"addresses to {path}.allowed_networks or their subnets to {path}.allowed_subnet_ids",
            )
        )
    return found
