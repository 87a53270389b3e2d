"""One site's SuperNode authentication key pair, in a stack of its own (``node-key-<site>``):
the private key then lives only in this state and in the state of the site's own workload stack
(which mounts it into the site's SuperNode), never in a state other sites read."""

from __future__ import annotations

from cdktf_cdktf_provider_tls.provider import TlsProvider
from constructs import Construct

from constructs_lib.tls.pki import NodeKey
from stacks.base import FederationStack
from stacks.plan import node_key_stack_name


def build(app: Construct, spec, plan, built: dict) -> NodeKeyStack:
    """Builder used by ``build_app``: the site named by ``plan.key``."""
    return NodeKeyStack(app, site=plan.key, federation=spec.federation, state=spec.state)


class NodeKeyStack(FederationStack):
    """The stack ``node-key-<site>``. Attributes (tokens): ``public_key_openssh`` (public; the
    trust stack collects it for registration) and ``private_key_openssh`` (secret; only the
    site's workload stack may read it)."""

    def __init__(self, scope: Construct, *, site: str, federation, state):
        super().__init__(scope, node_key_stack_name(site), federation=federation, state=state)
        TlsProvider(self, "tls")
        self.site = site
        key = NodeKey(self, "node_key")
        self.public_key_openssh = key.public_key_openssh
        self.private_key_openssh = key.private_key_openssh
        self.output(
            "public_key_openssh",
            self.public_key_openssh,
            f"SuperNode public key of {site} (OpenSSH); registered on both aggregators by the deployment.",
        )
