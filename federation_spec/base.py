"""Shared building blocks of the spec models: a strict frozen base model and constrained scalars."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StrictBool, StrictInt, StrictStr

__all__ = [
    "Cidr",
    "DnsLabel",
    "LabelKey",
    "LabelValue",
    "Name",
    "NonEmpty",
    "SpecModel",
    "StrictBool",
    "StrictInt",
    "StrictStr",
    "cidr_with_prefix",
    "parse_cidr",
]


class SpecModel(BaseModel):
    """Base of every spec section: unknown keys are errors (typos), instances are immutable."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=False, validate_default=True, use_attribute_docstrings=True
    )


_NAME = re.compile(r"^[a-z]([a-z0-9-]{0,22}[a-z0-9])?$")
_LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def _matches(pattern: re.Pattern, what: str):
    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(f"{value!r} is not a valid {what}")
        return value

    return check


Name = Annotated[
    StrictStr,
    AfterValidator(
        _matches(_NAME, "name (lowercase letters, digits and hyphens, starting with a letter, at most 24 characters)")
    ),
]
"""A resource-safe name: usable in AWS, GCP and Azure resource names alike."""

LabelKey = Annotated[
    StrictStr,
    AfterValidator(_matches(_LABEL_KEY, "tag key (lowercase letters, digits, '_' and '-', starting with a letter)")),
]
"""Tag keys double as GCP labels, so they follow the stricter GCP label rules."""

LabelValue = Annotated[
    StrictStr,
    AfterValidator(_matches(_LABEL_VALUE, "tag value (at most 63 lowercase letters, digits, '_' and '-')")),
]

DnsLabel = Annotated[
    StrictStr,
    AfterValidator(_matches(_DNS_LABEL, "DNS label (lowercase letters, digits and hyphens, 1-63 characters)")),
]


RFC1918 = tuple(ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def parse_cidr(value: str) -> ipaddress.IPv4Network:
    """Parse an IPv4 CIDR block, rejecting host bits with a suggestion of the network address."""
    try:
        network = ipaddress.IPv4Network(value, strict=False)
    except ValueError:
        raise ValueError(f"{value!r} is not a valid IPv4 CIDR block (expected e.g. 10.10.0.0/16)") from None
    if "/" not in value:
        raise ValueError(f"{value!r} has no prefix length (expected e.g. {value}/16)")
    if str(network) != value:
        raise ValueError(f"{value!r} has host bits set; did you mean {network}?")
    if not any(network.subnet_of(block) for block in RFC1918):
        raise ValueError(
            f"{value!r} is not a private (RFC 1918) range: use 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
        )
    return network


def _cidr(value: str) -> str:
    parse_cidr(value)
    return value


Cidr = Annotated[StrictStr, AfterValidator(_cidr)]
"""A private IPv4 CIDR block in canonical form (``10.10.0.0/16``)."""


def cidr_with_prefix(low: int, high: int):
    """A ``Cidr`` whose prefix length lies in ``low..high``."""

    def check(value: str) -> str:
        prefix = parse_cidr(value).prefixlen
        if not low <= prefix <= high:
            raise ValueError(f"{value!r} has prefix /{prefix}; expected /{low} to /{high}")
        return value

    return Annotated[StrictStr, AfterValidator(check)]


def _non_empty(value: tuple) -> tuple:
    if not value:
        raise ValueError("must list at least one entry")
    return value


NonEmpty = AfterValidator(_non_empty)
"""Marks a list field as requiring at least one entry (checked after its items validate)."""
