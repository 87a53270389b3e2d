"""What each workload of a synthesized estate can reach, computed from the Terraform JSON alone.

GKE: a pod (a Deployment's or Job's template labels) is selected by every NetworkPolicy of its
stack whose ``pod_selector`` matches its labels (``match_labels`` and ``In``/``NotIn``/``Exists``
expressions; an empty selector selects every pod). Its egress is open when no selecting policy
has the ``Egress`` type; otherwise it is the union of the egress rules of the selecting policies
that have it (a rule with no ``to`` reaches everywhere, no ``ports`` every port). Peers are named
for what they are: ``aggregator-ip`` (a static address of an aggregator, a cross-stack token),
``pod:<role>`` (a pod selector in the namespace), ``kube-dns`` (the kube-system DNS pods) or the
literal CIDR. Its Google identity is the Google service account its Kubernetes service account
is annotated with, usable only if the pod can reach the GKE metadata server for a token.

ECS: a task reaches what its security groups' egress rules admit (``cidr_ipv4`` on the private
route tables' routes; another security group; a prefix list through a gateway endpoint).

This is the subset of NetworkPolicy and VPC semantics the estate uses, no more: anything it does
not understand raises, so a new construct cannot widen a path unnoticed.
"""

from __future__ import annotations

import json
import re

WORKLOAD_IDENTITY_ANNOTATION = "iam.gke.io/gcp-service-account"
METADATA_SERVER = {("169.254.169.254/32", "80/TCP"), ("169.254.169.252/32", "988/TCP")}
_AGGREGATOR_IP = re.compile(r"^\$\{data\.terraform_remote_state\.[^}]*aggregator_address[^}]*\}/32$")
_REF = re.compile(r"^\$\{(?P<type>[a-z0-9_]+)\.(?P<id>[A-Za-z0-9_-]+)\.(?P<attr>[a-z_]+)(?:\[0\]\.name)?\}$")


def _resources(stack: dict, rtype: str) -> dict[str, dict]:
    return stack.get("resource", {}).get(rtype, {})


def _selects(selector: dict | None, labels: dict[str, str]) -> bool:
    selector = selector or {}
    for key, value in (selector.get("match_labels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("match_expressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator not in {"In", "NotIn", "Exists"}:
            raise NotImplementedError(f"selector operator {operator}")
    return True


def _peer(peer: dict) -> str:
    if "ip_block" in peer:
        block = peer["ip_block"]
        if block.get("except"):
            raise NotImplementedError("ip_block.except")
        cidr = block["cidr"]
        return "aggregator-ip" if _AGGREGATOR_IP.match(cidr) else cidr
    namespaces = peer.get("namespace_selector")
    pods = peer.get("pod_selector") or {}
    if namespaces is not None:
        labels = (namespaces.get("match_labels") or {}) | (pods.get("match_labels") or {})
        if labels == {"kubernetes.io/metadata.name": "kube-system", "k8s-app": "kube-dns"}:
            return "kube-dns"
        raise NotImplementedError(f"namespace peer {peer}")
    role = (pods.get("match_labels") or {}).get("federated-learning/role")
    if role is None or set(pods) - {"match_labels"}:
        raise NotImplementedError(f"pod peer {peer}")
    return f"pod:{role}"


def _ports(rule: dict) -> list[str]:
    return [f"{p['port']}/{p.get('protocol', 'TCP')}" for p in rule.get("ports") or []] or ["*"]


def pods(stack: dict) -> dict[str, dict]:
    """Every pod template of the stack: ``{workload name: {"labels", "service_account"}}``."""
    found = {}
    for rtype in ("kubernetes_deployment_v1", "kubernetes_job_v1", "kubernetes_stateful_set_v1"):
        for resource in _resources(stack, rtype).values():
            template = resource["spec"]["template"]
            name = resource["metadata"]["name"]
            found[name] = {
                "labels": template["metadata"].get("labels") or {},
                "service_account": template["spec"].get("service_account_name", "default"),
            }
    return found


def egress(stack: dict, labels: dict[str, str]) -> set[tuple[str, str]] | None:
    """(peer, port) pairs a pod with ``labels`` may open; None when its egress is not isolated."""
    selecting = [
        policy["spec"]
        for policy in _resources(stack, "kubernetes_network_policy_v1").values()
        if _selects(policy["spec"].get("pod_selector"), labels)
    ]
    isolating = [spec for spec in selecting if "Egress" in spec.get("policy_types", [])]
    if not isolating:
        return None
    allowed = set()
    for spec in isolating:
        for rule in spec.get("egress") or []:
            peers = [_peer(peer) for peer in rule.get("to") or []] or ["*"]
            allowed |= {(peer, port) for peer in peers for port in _ports(rule)}
    return allowed


def google_identity(stack: dict, service_account: str, reach: set[tuple[str, str]] | None) -> str | None:
    """The Google service account a pod running as ``service_account`` can act as: the Workload
    Identity annotation of that Kubernetes account, if the pod can reach the metadata server."""
    if reach is not None and not reach >= METADATA_SERVER:
        return None
    reference = _REF.match(service_account)
    for logical_id, account in _resources(stack, "kubernetes_service_account_v1").items():
        metadata = account["metadata"]
        if (reference and reference["id"] == logical_id) or metadata["name"] == service_account:
            return (metadata.get("annotations") or {}).get(WORKLOAD_IDENTITY_ANNOTATION)
    return None


def service_account_name(stack: dict, service_account: str) -> str:
    """The literal name of a pod's Kubernetes service account (resolving a reference)."""
    reference = _REF.match(service_account)
    if reference is None:
        return service_account
    return _resources(stack, "kubernetes_service_account_v1")[reference["id"]]["metadata"]["name"]


def port_forwarders(stack: dict) -> set[str]:
    """Subjects (``User:alice@corp.com``) of RoleBindings to a Role that may create
    ``pods/portforward`` in the stack's namespace (what ``kubectl port-forward`` needs)."""
    roles = {}
    for logical_id, role in _resources(stack, "kubernetes_role_v1").items():
        if any("pods/portforward" in rule["resources"] and "create" in rule["verbs"] for rule in role["rule"]):
            roles[logical_id] = role
    subjects = set()
    for binding in _resources(stack, "kubernetes_role_binding_v1").values():
        match = _REF.match(binding["role_ref"]["name"])
        if binding["role_ref"]["kind"] == "Role" and match and match["id"] in roles:
            subjects |= {f"{s['kind']}:{s['name']}" for s in binding["subject"]}
    for rtype in ("kubernetes_cluster_role_v1", "kubernetes_cluster_role_binding_v1"):
        if _resources(stack, rtype):
            raise NotImplementedError(rtype)
    return subjects


def ecs_egress(stack: dict, security_group: str) -> set[tuple[str, str]]:
    """(destination, port) the security group's egress rules admit: ``sg:<logical id>``,
    ``prefix-list``, ``aggregator-ip`` or a literal CIDR; inline ``egress`` blocks count too."""
    allowed = set()
    for rule in _resources(stack, "aws_vpc_security_group_egress_rule").values():
        if _REF.match(rule["security_group_id"])["id"] != security_group:
            continue
        port = "*" if rule["ip_protocol"] == "-1" else f"{rule['from_port']}-{rule['to_port']}/{rule['ip_protocol']}"
        if "referenced_security_group_id" in rule:
            peer = "sg:" + _REF.match(rule["referenced_security_group_id"])["id"]
        elif "prefix_list_id" in rule:
            peer = "prefix-list"
        else:
            cidr = rule["cidr_ipv4"]
            peer = "aggregator-ip" if _AGGREGATOR_IP.match(cidr) else cidr
        allowed.add((peer, port))
    for block in _resources(stack, "aws_security_group")[security_group].get("egress") or []:
        allowed.add((json.dumps(block, sort_keys=True), "inline"))
    return allowed


def ref_id(token: str) -> str:
    """The logical id a ``${type.id.attr}`` reference names."""
    return _REF.match(token)["id"]
