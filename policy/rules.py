"""The policy rules. Each takes a resource (or output) view and returns a problem or ``None``.

Rules are deliberately about this product's promises, not a second checkov: tags that make cost
and ownership traceable, encryption at rest on every data store, no world-open non-web ports,
and no secret in a non-sensitive output.
"""

from __future__ import annotations

import re

from policy.first_apply import (
    ecr_template_custom_role,
    efs_policy_allows_clients,
    no_vif_on_new_connection,
    supernode_dials_resolvable_address,
)
from policy.gke_access import gke_control_plane_access, kubernetes_provider_problem
from policy.view import OutputView, ResourceView

WEB_PORTS = frozenset({80, 443})
WORLD = frozenset({"0.0.0.0/0", "::/0", "*", "Internet", "Any"})
TAG_ARGUMENT = {"aws": "tags", "azurerm": "tags", "google": "labels"}
PROVIDER_DEFAULT_TAGS = {"aws": "default_tags", "google": "default_labels"}
SECRET_ATTRIBUTES = re.compile(
    r"\.(private_key[a-z_]*|password|secret[a-z_]*|client_key|client_certificate|access_token|token|"
    r"primary_access_key|secondary_access_key|[a-z_]*connection_string[a-z_]*|master_auth|kube_config[a-z_]*|"
    r"cluster_ca_certificate|kubeconfig)\b"
)


def _taggable(view: ResourceView) -> bool:
    argument = TAG_ARGUMENT.get(view.cloud)
    return argument is not None and hasattr(type(view.node), f"{argument}_input")


def mandatory_tags(view: ResourceView, required: frozenset[str]) -> str | None:
    """Every taggable resource carries the mandatory tags, from its provider's defaults or itself."""
    if not _taggable(view):
        return None
    defaults = view.provider_config().get(PROVIDER_DEFAULT_TAGS.get(view.cloud, ""), {})
    if isinstance(defaults, list):  # aws: default_tags = [{tags = {...}}]
        defaults = defaults[0].get("tags", {}) if defaults else {}
    if required <= set(defaults):  # the provider tags it; no need to read the resource
        return None
    own = view.config.get(TAG_ARGUMENT[view.cloud]) or {}
    missing = sorted(required - set(own) - set(defaults))
    return f"{view.type} lacks mandatory tags {missing}" if missing else None


def _encrypted_s3(view: ResourceView) -> bool:
    refs = {view.reference("id"), view.reference("bucket")}
    return any(
        sse.config.get("bucket") in refs for sse in view.siblings("aws_s3_bucket_server_side_encryption_configuration")
    )


_ENCRYPTION = {
    "aws_s3_bucket": _encrypted_s3,
    "aws_efs_file_system": lambda v: v.config.get("encrypted") is True,
    "aws_ebs_volume": lambda v: v.config.get("encrypted") is True,
    "aws_db_instance": lambda v: v.config.get("storage_encrypted") is True,
    "aws_rds_cluster": lambda v: v.config.get("storage_encrypted") is True,
    "aws_cloudwatch_log_group": lambda v: bool(v.config.get("kms_key_id")),
    "aws_dynamodb_table": lambda v: bool(v.config.get("server_side_encryption")),
    "azurerm_storage_account": lambda v: v.config.get("infrastructure_encryption_enabled") is True,
    "azurerm_managed_disk": lambda v: bool(
        v.config.get("disk_encryption_set_id") or v.config.get("encryption_settings")
    ),
    "google_compute_disk": lambda v: bool(v.config.get("disk_encryption_key")),
}


def encryption_at_rest(view: ResourceView) -> str | None:
    """Data stores must be encrypted at rest (with the control each service offers)."""
    check = _ENCRYPTION.get(view.type)
    if check is None or check(view):
        return None
    return f"{view.type} is a data store without encryption at rest"


def _ports(rule: dict) -> set[int] | None:
    """Ports a rule opens; ``None`` means all."""
    if str(rule.get("protocol", rule.get("ip_protocol", ""))) in {"-1", "all"}:
        return None
    low, high = rule.get("from_port"), rule.get("to_port")
    if low is None or high is None:
        return None
    if high - low > 1024:
        return None
    return set(range(int(low), int(high) + 1))


def _non_web(ports: set[int] | None) -> bool:
    return ports is None or bool(ports - WEB_PORTS)


def _firewall_ports(allows: list[dict]) -> set[int] | None:
    ports: set[int] = set()
    for allow in allows or []:
        if not allow.get("ports"):
            return None
        for item in allow["ports"]:
            low, _, high = str(item).partition("-")
            ports |= set(range(int(low), int(high or low) + 1))
    return ports


def no_world_open_ports(view: ResourceView) -> str | None:
    """No ingress from anywhere (0.0.0.0/0, ::/0, Internet) on a port other than 80/443."""
    if view.type not in INGRESS_TYPES:
        return None
    c = view.config
    if view.type == "aws_security_group":
        for rule in c.get("ingress") or []:
            if WORLD & set(rule.get("cidr_blocks", []) + rule.get("ipv6_cidr_blocks", [])) and _non_web(_ports(rule)):
                return "aws_security_group allows ingress from anywhere on a non-web port"
    elif view.type == "aws_vpc_security_group_ingress_rule":
        if {c.get("cidr_ipv4"), c.get("cidr_ipv6")} & WORLD and _non_web(_ports(c)):
            return "ingress rule allows anywhere on a non-web port"
    elif view.type == "aws_security_group_rule":
        if c.get("type") == "ingress" and WORLD & set(c.get("cidr_blocks", [])) and _non_web(_ports(c)):
            return "ingress rule allows anywhere on a non-web port"
    elif view.type == "google_compute_firewall":
        world_ingress = c.get("direction", "INGRESS") == "INGRESS" and WORLD & set(c.get("source_ranges", []))
        if world_ingress and _non_web(_firewall_ports(c.get("allow"))):
            return "firewall allows ingress from anywhere on a non-web port"
    elif view.type == "azurerm_network_security_rule":
        sources = {c.get("source_address_prefix")} | set(c.get("source_address_prefixes", []))
        if c.get("direction") == "Inbound" and c.get("access") == "Allow" and sources & WORLD:
            port = str(c.get("destination_port_range", "*"))
            if port == "*" or not port.isdigit() or int(port) not in WEB_PORTS:
                return "network security rule allows inbound from anywhere on a non-web port"
    return None


INGRESS_TYPES = frozenset(
    {
        "aws_security_group",
        "aws_vpc_security_group_ingress_rule",
        "aws_security_group_rule",
        "google_compute_firewall",
        "azurerm_network_security_rule",
    }
)


def secret_outputs_are_sensitive(view: OutputView) -> str | None:
    """An output whose value reads a secret attribute must be marked sensitive."""
    if view.sensitive:
        return None
    match = SECRET_ATTRIBUTES.search(view.text)
    return f"output carries a secret ({match.group(1)}) but is not marked sensitive" if match else None


RULES = {
    "mandatory-tags": mandatory_tags,
    "encryption-at-rest": encryption_at_rest,
    "no-world-open-ports": no_world_open_ports,
    "sensitive-outputs": secret_outputs_are_sensitive,
    "no-vif-on-new-connection": no_vif_on_new_connection,
    "efs-policy-allows-clients": efs_policy_allows_clients,
    "ecr-template-custom-role": ecr_template_custom_role,
    "gke-control-plane-access": gke_control_plane_access,
    "kubernetes-via-iam-endpoint": kubernetes_provider_problem,
    "supernode-dials-resolvable-address": supernode_dials_resolvable_address,
}
"""Rule name (as shown in ``[policy:<name>]`` errors) -> check; the README lists them."""
