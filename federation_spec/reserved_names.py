"""DNS names no public zone can serve: the special-use names of the IETF's registry (RFC 6761)
and ICANN's private-use top-level domain.

A hosted zone for such a name either fails to create (Route 53 refuses the RFC 2606 example
domains with ``InvalidDomainName ... is reserved by AWS``) or is never reachable: the root zone
will never delegate these names, so a resolver answers NXDOMAIN (or never asks DNS at all). A
client told to dial one can never connect, so ``validate`` rejects them in ``dns.domain``,
``dns.parent_zone_name`` and ``workload.aggregator_host``.

Sources: RFC 2606 (test, example, invalid, localhost; example.com/net/org), RFC 6761 section 6
(the same, as special-use names), RFC 6762 (local: multicast DNS only), RFC 7686 (onion: Tor,
resolvers must answer NXDOMAIN), RFC 8375 (home.arpa: served only inside home networks),
RFC 9476 (alt: non-DNS namespaces), ICANN board resolution 2024.07.29.06 (internal: private use,
never delegated in the root).
"""

from __future__ import annotations

RESERVED_DOMAINS: dict[str, str] = {
    "example.com": "RFC 2606 reserves example.com for documentation and Route 53 refuses it (InvalidDomainName)",
    "example.net": "RFC 2606 reserves example.net for documentation and Route 53 refuses it (InvalidDomainName)",
    "example.org": "RFC 2606 reserves example.org for documentation and Route 53 refuses it (InvalidDomainName)",
    "test": "RFC 2606/6761 reserve .test for testing; the root zone never delegates it",
    "example": "RFC 2606/6761 reserve .example for documentation; the root zone never delegates it",
    "invalid": "RFC 2606/6761 reserve .invalid as a name that never resolves",
    "localhost": "RFC 2606/6761 reserve .localhost for the loopback interface",
    "local": "RFC 6762 reserves .local for multicast DNS; resolvers never send it to public DNS",
    "internal": "ICANN reserves .internal for private networks; the root zone never delegates it",
    "home.arpa": "RFC 8375 reserves home.arpa for home networks; public DNS never answers for it",
    "onion": "RFC 7686 reserves .onion for Tor; resolvers must answer NXDOMAIN",
    "alt": "RFC 9476 reserves .alt for non-DNS namespaces; the root zone never delegates it",
}
"""Reserved suffix (a name equal to it or under it) -> why no public DNS zone can serve it."""


def reserved_reason(name: str) -> str | None:
    """Why ``name`` (lowercase, no trailing dot) can never be served by a public zone, or ``None``."""
    for suffix, reason in RESERVED_DOMAINS.items():
        if name == suffix or name.endswith(f".{suffix}"):
            return reason
    return None


def reject_reserved(name: str) -> str:
    """``name`` itself, or a ``ValueError`` with one line naming the reservation."""
    reason = reserved_reason(name)
    if reason:
        raise ValueError(f"{name!r} is reserved: {reason}; use a domain you own")
    return name
