"""The federation's public trust material, re-exported from the stacks that make it: the CA
certificate (from ``federation-pki``, which also holds the CA and server private keys) and every
site's SuperNode public key (from each ``node-key-<site>``).

Client-only sites read this stack instead of ``federation-pki``, so whoever can apply a client
site needs no access to a state holding a private key. The values are Terraform locals: a
consumer's cross-stack reference then points at this stack's outputs, not through it to the
producers."""

from __future__ import annotations

from cdktf import TerraformLocal
from constructs import Construct

from stacks.base import FederationStack
from stacks.plan import PKI_STACK, TRUST_STACK


def build(app: Construct, spec, plan, built: dict) -> FederationTrustStack:
    """Builder used by ``build_app``: the PKI stack's CA certificate and the key stacks' public keys."""
    keys = {built[name].site: built[name].public_key_openssh for name in plan.depends_on if name != PKI_STACK}
    return FederationTrustStack(
        app,
        ca_certificate_pem=built[PKI_STACK].ca_certificate_pem,
        node_public_keys=keys,
        federation=spec.federation,
        state=spec.state,
    )


class FederationTrustStack(FederationStack):
    """The stack ``federation-trust`` (no provider, no resource: locals and their outputs).
    Attributes (tokens): ``ca_certificate_pem`` and ``node_public_keys`` (site -> OpenSSH public
    key, one local each)."""

    def __init__(
        self, scope: Construct, *, ca_certificate_pem: str, node_public_keys: dict[str, str], federation, state
    ):
        super().__init__(scope, TRUST_STACK, federation=federation, state=state)
        self.ca_certificate_pem = TerraformLocal(self, "ca_certificate", ca_certificate_pem).as_string
        self.node_public_keys = {
            site: TerraformLocal(self, f"node_public_key_{site}".replace("-", "_"), key).as_string
            for site, key in sorted(node_public_keys.items())
        }
        self.output("ca_certificate_pem", self.ca_certificate_pem, "Federation CA certificate (PEM); public.")
        self.output("node_public_keys", self.node_public_keys, "SuperNode public keys (OpenSSH) by site; public.")
