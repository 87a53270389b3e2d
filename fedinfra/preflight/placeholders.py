"""Reserved or placeholder values: things the spec accepts (they are well formed) that the cloud
or the world will not: the sample project ID, documentation domains and account IDs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fedinfra.preflight.core import Environment, Finding, block

SAMPLE_GCP_PROJECT = "fl-project-123"
"""The project ID of the default ``federation.yaml``: a sample, not a project you own."""

SAMPLE_DNS_DOMAIN = "federated.example.com"
"""The default spec's ``dns.domain``. (Integrator: point this at ``spec.dns.SAMPLE_DOMAIN``.)"""

RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
"""Second-level domains reserved for documentation (RFC 2606 section 3): no one receives mail there."""

RESERVED_TLDS = ("example", "test", "invalid", "localhost", "local")
"""Top-level names reserved for documentation, testing and local use (RFC 2606, RFC 6761, RFC 6762)."""

DOCUMENTATION_ACCOUNT_IDS = frozenset({"123456789012", "111122223333", "444455556666", "777788889999", "000000000000"})
"""AWS account IDs that AWS documentation uses in examples; no real account has them."""

_ACCOUNT = re.compile(r"(?<!\d)(\d{12})(?!\d)")


def reserved_domain(domain: str) -> str | None:
    """The reserved name ``domain`` falls under (``example.com``, ``.test`` ...), or None."""
    domain = domain.lower().rstrip(".")
    for reserved in RESERVED_DOMAINS:
        if domain == reserved or domain.endswith("." + reserved):
            return reserved
    tld = domain.rsplit(".", 1)[-1]
    return f".{tld}" if tld in RESERVED_TLDS else None


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
    """The sample or a reserved ``dns.domain``: Route 53 refuses reserved names, and nobody could
    delegate the sample one to the new zone."""
    if spec.dns is None:
        return
    domain = spec.dns.domain
    if domain == SAMPLE_DNS_DOMAIN:
        yield block("dns.domain", f"{domain} is the sample domain; set a domain you control and can delegate")
    elif reserved := reserved_domain(domain):
        yield block("dns.domain", f"{domain} is under the reserved name {reserved}; set a domain you control")


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
