"""Reserved or placeholder values: things the spec accepts (they are well formed) that the cloud
or the world will not: the sample project ID, documentation domains and account IDs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from federation_spec.dns import SAMPLE_DOMAIN
from federation_spec.reserved_names import RESERVED_DOMAINS
from fedinfra.preflight.core import Environment, Finding, block, note

SAMPLE_GCP_PROJECT = "fl-project-123"
"""The project ID of the default ``federation.yaml``: a sample, not a project you own."""

SAMPLE_DNS_DOMAIN = SAMPLE_DOMAIN
"""The default spec's ``dns.domain``: deployable, but not a domain you own."""

SAMPLE_PARENT_ZONE_ID = "Z0123456789ABCDEFGHIJ"
"""The ``dns.parent_zone_id`` of ``examples/multi-cloud.yaml``: a sample, no zone of yours."""

DOCUMENTATION_ACCOUNT_IDS = frozenset({"123456789012", "111122223333", "444455556666", "777788889999", "000000000000"})
"""AWS account IDs that AWS documentation uses in examples; no real account has them."""

_ACCOUNT = re.compile(r"(?<!\d)(\d{12})(?!\d)")


def reserved_domain(domain: str) -> str | None:
    """The reserved name ``domain`` falls under (``example.com``, ``.test`` ...), or None; the
    same table ``validate`` refuses DNS names with (``federation_spec.reserved_names``)."""
    domain = domain.lower().rstrip(".")
    for suffix in RESERVED_DOMAINS:
        if domain == suffix or domain.endswith("." + suffix):
            return suffix if "." in suffix else f".{suffix}"
    return None


def check_sample_project(spec, env: Environment) -> Iterator[Finding]:
    """The default spec's sample GCP project ID."""
    if spec.gcp and spec.gcp.project == SAMPLE_GCP_PROJECT:
        yield block(
            "gcp.project",
            f"{SAMPLE_GCP_PROJECT} is the sample project ID; set it to your project's ID (gcloud projects list)",
        )


def check_reserved_emails(spec, env: Environment) -> Iterator[Finding]:
    """E-mail addresses in reserved domains: Data Share invitations, the RBAC group and alert recipients."""
    addresses = []
    if spec.azure:
        addresses += [
            (f"azure.data_share.consumers[{i}].email", consumer.email, "the consumer's Azure sign-in address")
            for i, consumer in enumerate(spec.azure.data_share.consumers)
        ]
    if spec.gcp and spec.gcp.rbac_security_group:
        addresses.append(
            (
                "gcp.rbac_security_group",
                spec.gcp.rbac_security_group,
                "gke-security-groups@<your Cloud Identity domain>",
            )
        )
    if spec.monitoring:
        addresses += [
            (f"monitoring.emails[{i}]", email, "an address the operators read")
            for i, email in enumerate(spec.monitoring.emails)
        ]
    for path, address, wanted in addresses:
        reserved = reserved_domain(address.rpartition("@")[2])
        if reserved:
            yield block(
                path, f"{address} is in the reserved domain {reserved} (no one receives mail there); set {wanted}"
            )


def check_sample_domain(spec, env: Environment) -> Iterator[Finding]:
    """The sample ``dns.domain``: it deploys, but it is not yours, so nobody can delegate it.
    (Reserved names never get here: ``validate`` refuses them.)"""
    if spec.dns is not None and spec.dns.domain == SAMPLE_DNS_DOMAIN:
        yield block("dns.domain", f"{spec.dns.domain} is the sample domain; set a domain you control and can delegate")
    if spec.dns is not None and spec.dns.parent_zone_id == SAMPLE_PARENT_ZONE_ID:
        yield block(
            "dns.parent_zone_id",
            f"{SAMPLE_PARENT_ZONE_ID} is the example's sample zone ID; set the ID of your public Route 53 zone "
            f"{spec.dns.parent_zone} (aws route53 list-hosted-zones-by-name --dns-name {spec.dns.parent_zone})",
        )


def check_documentation_accounts(spec, env: Environment) -> Iterator[Finding]:
    """ARNs and ECR image names that carry an AWS documentation account ID."""
    if spec.aws is None:
        return
    values = [(f"aws.data_admin_role_arns[{i}]", arn) for i, arn in enumerate(spec.aws.data_admin_role_arns)]
    values += [(f"aws.regions[{i}].app_image", r.app_image) for i, r in enumerate(spec.aws.regions) if r.app_image]
    for path, value in values:
        for account in _ACCOUNT.findall(value):
            if account in DOCUMENTATION_ACCOUNT_IDS:
                yield block(path, f"{account} is an AWS documentation account ID; use your account's ID in {value}")
                break


def check_dns_answers(spec, env: Environment) -> Iterator[Finding]:
    """Whether SuperNodes dial the DNS name (and so follow failover) from the first apply: only
    when the zone answers then; otherwise they dial the primary's IP until the user says so."""
    if spec.dns is None or spec.workload is None:
        return
    name = spec.dns.fqdn
    if spec.workload.aggregator_host:
        yield note(
            "workload.aggregator_host",
            f"SuperNodes dial {spec.workload.aggregator_host}, a name you manage: make it resolve to the primary's "
            "aggregator_ip output (and follow failover) before the workload stacks start",
        )
    elif spec.dns.delegated:
        yield note(
            "dns.delegated",
            f"SuperNodes dial {name}: the parent zone of {spec.dns.domain} must already hold the NS records "
            "(name_servers output) and the DS record (dnssec_ds_record) when the workload stacks deploy, "
            "or every SuperNode gets NXDOMAIN",
        )
    elif not spec.dns.answers_at_first_apply:
        yield note(
            "dns.domain",
            f"nobody delegates {spec.dns.domain} at first apply, so SuperNodes dial the primary aggregator's IP "
            f"and do not follow failover; set dns.parent_zone_id (the stack writes NS and DS into that Route 53 "
            f"zone), or delegate it yourself and set dns.delegated: true, to make them dial {name}",
        )
