"""NetworkPolicies of the federated-learning namespace: deny everything, then allow exactly the
flows the federation needs (GKE Dataplane V2 enforces them)."""

from __future__ import annotations

from dataclasses import dataclass

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

from constructs_lib.k8s.aggregator import ROLE_LABEL
from constructs_lib.k8s.labels import managed

KUBE_DNS = {"k8s-app": "kube-dns"}
NODE_LOCAL_DNS = "169.254.20.10/32"
"""NodeLocal DNSCache's link-local address (the clusters enable it)."""
METADATA_SERVER = (("169.254.169.254/32", 80), ("169.254.169.252/32", 988))
"""The GKE metadata server, which hands pods their Workload Identity tokens."""
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True)
class FederationNetworkPolicyProps:
    """``namespace`` to confine. Aggregator pods (``runs_aggregator``) accept the fleet port from
    ``fleet_source_ranges`` and from the namespace's clients, and the control port from
    ``operator`` pods only. Clients may reach the aggregators on the fleet port (by their public
    IPs, given as tokens to the construct, and in-cluster); ``https_egress`` lets clients call
    HTTPS endpoints outside the private ranges (Google APIs)."""

    namespace: str
    fleet_port: int
    control_port: int
    runs_aggregator: bool
    fleet_source_ranges: tuple[str, ...] = ("0.0.0.0/0",)
    https_egress: bool = True

    def __post_init__(self):
        if self.runs_aggregator and not self.fleet_source_ranges:
            raise ValueError("FederationNetworkPolicyProps.fleet_source_ranges must not be empty")


def _role(role: str) -> dict[str, str]:
    return {ROLE_LABEL: role}


class FederationNetworkPolicies(Construct):
    """``default-deny`` (all ingress and egress of every pod), then: DNS and the metadata server
    for every pod; fleet-port ingress to the aggregator; control-port ingress from operators;
    fleet-port egress from clients to the aggregators; optional HTTPS egress for clients."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        aggregator_ips: list[str],
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
        self._policy(
            "allow-metadata-server",
            {},
            ["Egress"],
            egress=[
                NetworkPolicyV1SpecEgress(
                    to=[NetworkPolicyV1SpecEgressTo(ip_block=NetworkPolicyV1SpecEgressToIpBlock(cidr=cidr))],
                    ports=[NetworkPolicyV1SpecEgressPorts(port=str(port), protocol="TCP")],
                )
                for cidr, port in METADATA_SERVER
            ],
        )
        fleet = str(props.fleet_port)
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
                                for cidr in props.fleet_source_ranges
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
                        ports=[NetworkPolicyV1SpecIngressPorts(port=str(props.control_port), protocol="TCP")],
                    ),
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
        if props.https_egress:
            self._policy(
                "client-https-egress",
                _role("client"),
                ["Egress"],
                egress=[
                    NetworkPolicyV1SpecEgress(
                        to=[
                            NetworkPolicyV1SpecEgressTo(
                                ip_block=NetworkPolicyV1SpecEgressToIpBlock(
                                    cidr="0.0.0.0/0", except_=list(PRIVATE_RANGES)
                                )
                            )
                        ],
                        ports=[NetworkPolicyV1SpecEgressPorts(port="443", protocol="TCP")],
                    )
                ],
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
