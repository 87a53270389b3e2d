"""The root of the federation spec and its cross-field rules (run once, after parsing)."""

from __future__ import annotations

import ipaddress
from itertools import combinations

from pydantic import Field

from spec.aws import AwsSection
from spec.azure import AzureSection
from spec.base import SpecModel, parse_cidr
from spec.errors import SpecIssue
from spec.federation import Federation, LocalState, StateConfig, state_issues


class FederationSpec(SpecModel):
    """A whole federated-learning estate. Absent cloud sections mean that cloud is not used."""

    federation: Federation
    state: StateConfig = Field(default_factory=LocalState)
    aws: AwsSection | None = None
    azure: AzureSection | None = None

    def network_claims(self) -> list[tuple[str, ipaddress.IPv4Network]]:
        """Every CIDR block the estate routes, with its field path: the input of the overlap rule."""
        claims = []
        if self.aws:
            for i, region in enumerate(self.aws.regions):
                claims.append((f"aws.regions[{i}].cidr", parse_cidr(region.cidr)))
        return claims


def _duplicates(values: list[tuple[str, str]], what: str) -> list[SpecIssue]:
    seen: dict[str, str] = {}
    issues = []
    for path, value in values:
        if value in seen:
            issues.append(SpecIssue(path, f"duplicate {what} {value!r} (already at {seen[value]})"))
        else:
            seen[value] = path
    return issues


def _overlaps(claims: list[tuple[str, ipaddress.IPv4Network]]) -> list[SpecIssue]:
    issues = []
    for (path_a, net_a), (path_b, net_b) in combinations(claims, 2):
        if net_a.overlaps(net_b):
            issues.append(SpecIssue(path_b, f"{net_b} overlaps {net_a} at {path_a}"))
    return issues


def cross_field_issues(spec: FederationSpec) -> list[SpecIssue]:
    """Rules that span fields or sections: duplicates, CIDR overlaps across clouds, ASNs."""
    issues = [SpecIssue(path, message) for path, message in state_issues(spec.state)]
    if spec.aws is None and spec.azure is None:
        issues.append(SpecIssue("", "the spec declares no cloud: add an 'aws' or 'azure' section"))
    if spec.aws:
        names = [(f"aws.regions[{i}].name", r.name) for i, r in enumerate(spec.aws.regions)]
        issues += _duplicates(names, "AWS region")
        for i, region in enumerate(spec.aws.regions):
            issues += [SpecIssue(path, message) for path, message in region.zone_issues(f"aws.regions[{i}]")]
    if spec.azure:
        issues += [SpecIssue(path, message) for path, message in spec.azure.data_share.issues("azure.data_share")]
    issues += _overlaps(spec.network_claims())
    return issues
