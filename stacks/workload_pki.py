"""The federation's private CA and the aggregator's server certificate, shared by the primary
and secondary aggregators (one certificate whose SANs cover the DNS name, both static IPs and the
in-cluster Service names), so a client trusts whichever aggregator answers."""

from __future__ import annotations

from cdktf_cdktf_provider_tls.provider import TlsProvider
from constructs import Construct

from constructs_lib.tls.pki import AggregatorPki, AggregatorPkiProps
from federation_spec.workload import WorkloadSection
from stacks.base import FederationStack
from stacks.plan import PKI_STACK
from stacks.workload_addressing import aggregator_dns_name, certificate_dns_names, certificate_ip_addresses

AGGREGATOR_SERVICE = "superlink"
"""Name of the aggregator Deployment; its Services are ``<name>-fleet`` and ``<name>-control``."""


def aggregator_service_names() -> list[str]:
    return [f"{AGGREGATOR_SERVICE}-fleet", f"{AGGREGATOR_SERVICE}-control"]


def control_service_address(namespace: str, control_port: int) -> str:
    """In-cluster DNS name and port of the aggregator's control API (a name the certificate carries)."""
    return f"{AGGREGATOR_SERVICE}-control.{namespace}.svc.cluster.local:{control_port}"


def build(app: Construct, spec, plan, built: dict) -> WorkloadPkiStack:
    """Builder used by ``build_app``: reads the aggregator clusters' static IPs."""
    aggregator_ips = [built[name].aggregator_ip for name in plan.depends_on]
    return WorkloadPkiStack(
        app,
        workload=spec.workload,
        dns_names=certificate_dns_names(spec, aggregator_service_names()),
        common_name=aggregator_dns_name(spec) or f"{AGGREGATOR_SERVICE}-fleet.{spec.workload.namespace}.svc",
        ip_addresses=certificate_ip_addresses(aggregator_ips),
        federation=spec.federation,
        state=spec.state,
    )


class WorkloadPkiStack(FederationStack):
    """The stack ``federation-pki``. Private keys exist only in this stack's Terraform state (and
    in the state outputs other stacks read): use an encrypted, access-controlled backend.

    Attributes other stacks consume (tokens; cross-stack outputs are always sensitive):

    - ``ca_certificate_pem``: the federation CA certificate clients trust.
    - ``certificate_pem``: the aggregators' server certificate.
    - ``private_key_pem``: the aggregators' server key (secret).
    """

    def __init__(
        self,
        scope: Construct,
        *,
        workload: WorkloadSection,
        dns_names: tuple[str, ...],
        common_name: str,
        ip_addresses: list[str],
        federation,
        state,
    ):
        super().__init__(scope, PKI_STACK, federation=federation, state=state)
        TlsProvider(self, "tls")
        self.pki = AggregatorPki(
            self,
            "pki",
            ip_addresses=ip_addresses,
            props=AggregatorPkiProps(
                organization=f"{self.prefix} federation",
                common_name=common_name,
                dns_names=dns_names,
                validity_days=workload.certificate_validity_days,
            ),
        )
        self.ca_certificate_pem = self.pki.ca_certificate_pem
        self.certificate_pem = self.pki.certificate_pem
        self.private_key_pem = self.pki.private_key_pem
        self.output(
            "ca_certificate_pem",
            self.ca_certificate_pem,
            "Federation CA certificate (PEM): pass it to `flwr` as root-certificates to reach the control API.",
        )
        self.output(
            "certificate_expiry",
            self.pki.server.validity_end_time,
            "When the aggregator certificate expires (RFC 3339).",
        )
