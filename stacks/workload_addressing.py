"""How clients find the aggregator: the one place that decides which host SuperNodes dial and
which names the aggregator's certificate must carry.

The aggregator's DNS name is ``workload.aggregator_host`` when set (an externally managed name),
else the ``dns`` section's failover name (``<dns.aggregator_record>.<dns.domain>``), else none.
The certificate always names it; SuperNodes dial it only when it answers at first apply
(``FederationSpec.supernode_dial_name``: the user's own name, or a zone the stack or the user
delegated), else the primary's reserved static IP, which the certificate also carries.
"""

from __future__ import annotations

from federation_spec import FederationSpec


def aggregator_dns_name(spec: FederationSpec) -> str | None:
    """The aggregator's DNS name, if the federation has one: the explicit ``aggregator_host``,
    else the Route 53 failover name of the ``dns`` stack."""
    if spec.workload and spec.workload.aggregator_host:
        return spec.workload.aggregator_host
    return spec.dns.fqdn if spec.dns else None


def aggregator_host(spec: FederationSpec, primary_ip: str) -> str:
    """The host clients dial: the DNS name when it answers at first apply (it can move to the
    secondary on failover), else the primary cluster's reserved static IP (a token is fine)."""
    return spec.supernode_dial_name or primary_ip


def names_answering_at_first_apply(spec: FederationSpec) -> list[str]:
    """The DNS names that resolve right after the first apply (the name SuperNodes dial, if any):
    what the policy rule ``supernode-dials-resolvable-address`` admits."""
    return [spec.supernode_dial_name] if spec.supernode_dial_name else []


LOOPBACK_NAME = "localhost"
LOOPBACK_IP = "127.0.0.1"
"""Operators reach the control API through ``kubectl port-forward`` on the loopback interface."""


def site_dns_names(spec: FederationSpec) -> list[str]:
    """The per-aggregator names of the ``dns`` stack (``<cluster>.<domain>``, with
    ``dns.site_records``): a client or operator may dial one aggregator directly by it."""
    if not (spec.dns and spec.dns.site_records and spec.gcp):
        return []
    return [spec.dns.site_fqdn(c.name) for c in spec.gcp.clusters if c.runs_aggregator]


def certificate_dns_names(spec: FederationSpec, service_names: list[str]) -> tuple[str, ...]:
    """DNS SANs of the aggregator certificate: its DNS name (if any), the per-aggregator site
    names (if any), the in-cluster names of the aggregator Services
    (``<service>.<namespace>.svc[.cluster.local]``) and ``localhost``."""
    namespace = spec.workload.namespace
    names = [aggregator_dns_name(spec)] if aggregator_dns_name(spec) else []
    names += [name for name in site_dns_names(spec) if name not in names]
    for service in service_names:
        names += [f"{service}.{namespace}.svc", f"{service}.{namespace}.svc.cluster.local"]
    return (*names, LOOPBACK_NAME)


def certificate_ip_addresses(aggregator_ips: list[str]) -> list[str]:
    """IP SANs: every aggregator's static IP (clients without DNS dial it) and the loopback."""
    return [*aggregator_ips, LOOPBACK_IP]
