"""NetworkPolicies of the federated-learning namespace: deny everything, then allow exactly the
flows the federation needs (GKE Dataplane V2 enforces them; the kubelet's probes from the node
are not subject to them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import Fn, TerraformIterator, Token
from cdktf_cdktf_provider_kubernetes.network_policy_v1 import (
    NetworkPolicyV1,
    NetworkPolicyV1Metadata,
    NetworkPolicyV1Spec,
    NetworkPolicyV1SpecEgress,
    NetworkPolicyV1SpecEgressPorts,
    NetworkPolicyV1SpecEgressTo,
    NetworkPolicyV1SpecEgressToIpBlock,
    NetworkPolicyV1SpecEgressToNamespaceSelector,
    NetworkPolicyV1SpecEgressToPodSelector,
    NetworkPolicyV1SpecIngress,
    NetworkPolicyV1SpecIngressFrom,
    NetworkPolicyV1SpecIngressFromIpBlock,
    NetworkPolicyV1SpecIngressFromPodSelector,
    NetworkPolicyV1SpecIngressPorts,
    NetworkPolicyV1SpecPodSelector,
)
from constructs import Construct

from constructs_lib.gcp.private_google_access import RESTRICTED_GOOGLE_APIS_CIDR
from constructs_lib.k8s.aggregator import ROLE_LABEL
from constructs_lib.k8s.labels import managed

HEALTH_CHECKER_POLICY_PREFIX = "fleet-from-checker-"
"""One policy per health-checker CIDR (their number is known only at plan time):
``fleet-from-checker-<a>-<b>-<c>-<d>-<prefix>``."""

KUBE_DNS = {"k8s-app": "kube-dns"}
NODE_LOCAL_DNS = "169.254.20.10/32"
"""NodeLocal DNSCache's link-local address (the clusters enable it)."""
METADATA_SERVER = (("169.254.169.254/32", 80), ("169.254.169.252/32", 988))
"""The GKE metadata server, which hands pods their Workload Identity tokens."""
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True)
class FederationNetworkPolicyProps:
    """``namespace`` to confine. Aggregator pods (``runs_aggregator``) accept the fleet port from
    the fleet sources given to the construct and from the namespace's clients, and the control
    port from ``operator`` pods only (which may reach nothing else). Clients may reach the
    aggregators on the fleet port (by their public IPs, given as tokens to the construct, and
    in-cluster) and nothing else but DNS. ``google_apis`` lets the client pods (SuperNode and
    ClientApp executor share one pod) reach the GKE metadata server (their Workload Identity
    token) and Google APIs at ``restricted.googleapis.com`` (the only HTTPS destination); off by
    default, since the ClientApp runs whatever code a run submitter chose, next to the site's
    data. Aggregator pods never get either: the SuperLink keeps its state on a volume."""

    namespace: str
    fleet_port: int
    control_port: int
    runs_aggregator: bool
    google_apis: bool = False


def _role(role: str) -> dict[str, str]:
    return {ROLE_LABEL: role}


class FederationNetworkPolicies(Construct):
    """``default-deny`` (all ingress and egress of every pod), then: DNS for every pod; fleet-port ingress to the aggregator from ``fleet_sources`` (CIDRs, tokens
    allowed), from each of ``health_checker_cidrs`` (a list token: one policy per CIDR) and from
    in-cluster clients; control-port ingress from operators and their egress to it; fleet-port
    egress from clients to the aggregators; optional metadata-server and Google APIs egress of
    the client pods."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        aggregator_ips: Sequence[str],
        fleet_sources: Sequence[str] = (),
        health_checker_cidrs: list[str] | None = None,
        props: FederationNetworkPolicyProps,
    ):
        super().__init__(scope, construct_id)
        self.props = props
        self.policies: dict[str, NetworkPolicyV1] = {}
        self._policy("default-deny", {}, ["Ingress", "Egress"])
        tcp_udp_53 = [NetworkPolicyV1SpecEgressPorts(port="53", protocol=p) for p in ("UDP", "TCP")]
        self._policy(
            "allow-dns",
            {},
            ["Egress"],
            egress=[
                NetworkPolicyV1SpecEgress(
                    to=[
                        NetworkPolicyV1SpecEgressTo(
                            namespace_selector=NetworkPolicyV1SpecEgressToNamespaceSelector(
                                match_labels={NAMESPACE_NAME_LABEL: "kube-system"}
                            ),
                            pod_selector=NetworkPolicyV1SpecEgressToPodSelector(match_labels=KUBE_DNS),
                        ),
                        NetworkPolicyV1SpecEgressTo(ip_block=NetworkPolicyV1SpecEgressToIpBlock(cidr=NODE_LOCAL_DNS)),
                    ],
                    ports=tcp_udp_53,
                )
            ],
        )
        fleet = str(props.fleet_port)
        control = str(props.control_port)
        if props.runs_aggregator:
            self._policy(
                "aggregator-ingress",
                _role("aggregator"),
                ["Ingress"],
                ingress=[
                    NetworkPolicyV1SpecIngress(
                        from_=[
                            *(
                                NetworkPolicyV1SpecIngressFrom(
                                    ip_block=NetworkPolicyV1SpecIngressFromIpBlock(cidr=cidr)
                                )
                                for cidr in fleet_sources
                            ),
                            NetworkPolicyV1SpecIngressFrom(
                                pod_selector=NetworkPolicyV1SpecIngressFromPodSelector(match_labels=_role("client"))
                            ),
                        ],
                        ports=[NetworkPolicyV1SpecIngressPorts(port=fleet, protocol="TCP")],
                    ),
                    NetworkPolicyV1SpecIngress(
                        from_=[
                            NetworkPolicyV1SpecIngressFrom(
                                pod_selector=NetworkPolicyV1SpecIngressFromPodSelector(match_labels=_role("operator"))
                            )
                        ],
                        ports=[NetworkPolicyV1SpecIngressPorts(port=control, protocol="TCP")],
                    ),
                ],
            )
            if health_checker_cidrs is not None:
                self._health_checker_policies(health_checker_cidrs, fleet)
            self._policy(
                "operator-to-control",
                _role("operator"),
                ["Egress"],
                egress=[
                    NetworkPolicyV1SpecEgress(
                        to=[
                            NetworkPolicyV1SpecEgressTo(
                                pod_selector=NetworkPolicyV1SpecEgressToPodSelector(match_labels=_role("aggregator"))
                            )
                        ],
                        ports=[NetworkPolicyV1SpecEgressPorts(port=control, protocol="TCP")],
                    )
                ],
            )
        destinations = [
            NetworkPolicyV1SpecEgressTo(ip_block=NetworkPolicyV1SpecEgressToIpBlock(cidr=f"{ip}/32"))
            for ip in aggregator_ips
        ]
        if props.runs_aggregator:
            # In-cluster traffic to the load balancer's IP is delivered straight to the pod.
            destinations.append(
                NetworkPolicyV1SpecEgressTo(
                    pod_selector=NetworkPolicyV1SpecEgressToPodSelector(match_labels=_role("aggregator"))
                )
            )
        self._policy(
            "client-to-aggregator",
            _role("client"),
            ["Egress"],
            egress=[
                NetworkPolicyV1SpecEgress(
                    to=destinations, ports=[NetworkPolicyV1SpecEgressPorts(port=fleet, protocol="TCP")]
                )
            ],
        )
        if props.google_apis:
            self._policy(
                "client-metadata-server",
                _role("client"),
                ["Egress"],
                egress=[
                    NetworkPolicyV1SpecEgress(
                        to=[NetworkPolicyV1SpecEgressTo(ip_block=NetworkPolicyV1SpecEgressToIpBlock(cidr=cidr))],
                        ports=[NetworkPolicyV1SpecEgressPorts(port=str(port), protocol="TCP")],
                    )
                    for cidr, port in METADATA_SERVER
                ],
            )
            self._policy(
                "client-google-apis",
                _role("client"),
                ["Egress"],
                egress=[
                    NetworkPolicyV1SpecEgress(
                        to=[
                            NetworkPolicyV1SpecEgressTo(
                                ip_block=NetworkPolicyV1SpecEgressToIpBlock(cidr=RESTRICTED_GOOGLE_APIS_CIDR)
                            )
                        ],
                        ports=[NetworkPolicyV1SpecEgressPorts(port="443", protocol="TCP")],
                    )
                ],
            )

    def _health_checker_policies(self, cidrs: list[str], fleet: str) -> None:
        """Fleet-port ingress from each health-checker CIDR: a NetworkPolicy per CIDR (``for_each``
        over the list; a policy's ``from`` entries cannot be generated from a list at plan time)."""
        each = TerraformIterator.from_list(cidrs)
        cidr = Token.as_string(each.value)
        NetworkPolicyV1(
            self,
            "fleet_from_health_checkers",
            for_each=each,
            metadata=NetworkPolicyV1Metadata(
                name=Fn.join("", [HEALTH_CHECKER_POLICY_PREFIX, Fn.replace(Fn.replace(cidr, ".", "-"), "/", "-")]),
                namespace=self.props.namespace,
                labels=managed({"app.kubernetes.io/component": "network-policy"}),
            ),
            spec=NetworkPolicyV1Spec(
                pod_selector=NetworkPolicyV1SpecPodSelector(match_labels=_role("aggregator")),
                policy_types=["Ingress"],
                ingress=[
                    NetworkPolicyV1SpecIngress(
                        from_=[
                            NetworkPolicyV1SpecIngressFrom(ip_block=NetworkPolicyV1SpecIngressFromIpBlock(cidr=cidr))
                        ],
                        ports=[NetworkPolicyV1SpecIngressPorts(port=fleet, protocol="TCP")],
                    )
                ],
            ),
        )

    def _policy(self, name: str, selector: dict[str, str], types: list[str], **rules) -> None:
        self.policies[name] = NetworkPolicyV1(
            self,
            name.replace("-", "_"),
            metadata=NetworkPolicyV1Metadata(
                name=name,
                namespace=self.props.namespace,
                labels=managed({"app.kubernetes.io/component": "network-policy"}),
            ),
            spec=NetworkPolicyV1Spec(
                pod_selector=NetworkPolicyV1SpecPodSelector(match_labels=selector or None),
                policy_types=types,
                **rules,
            ),
        )
