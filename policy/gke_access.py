"""First-apply rules for reaching GKE control planes.

A deployer (a laptop, a CI runner) is outside every cluster VPC. The only way in that needs no
network allow-listing is the DNS-based endpoint, where IAM (``container.clusters.connect``)
authorizes each request. These rules keep every kubernetes provider on that path, and keep the
IP endpoints from being opened to the internet as a shortcut.
"""

from __future__ import annotations

import ipaddress
import re

from policy.view import ResourceView

DNS_ENDPOINT_ATTRIBUTE = "control_plane_endpoints_config[0].dns_endpoint_config[0].endpoint"
DNS_ENDPOINT_OUTPUT = "control_plane_endpoints_config0dns_endpoint_config0endpoint"
"""How cdktf spells that attribute in the name of a cross-stack output."""
_HOST = re.compile(r"^https://\$\{(?P<expression>[^{}]+)\}$")
_SAME_STACK = re.compile(r"^google_container_cluster\.[A-Za-z0-9_-]+\." + re.escape(DNS_ENDPOINT_ATTRIBUTE) + "$")
_REMOTE = re.compile(
    r"^data\.terraform_remote_state\.[A-Za-z0-9_-]+\.outputs\.[A-Za-z0-9_-]*" + DNS_ENDPOINT_OUTPUT + "$"
)


def kubernetes_provider_problem(config: dict) -> str | None:
    """A kubernetes provider must dial ``https://`` + a cluster's DNS endpoint (in this stack or
    through a cross-stack reference), with a token and without ``cluster_ca_certificate`` (the
    DNS endpoint's certificate is publicly issued; the cluster CA would fail every handshake),
    ``insecure`` or a kubeconfig file (which could point anywhere)."""
    host = config.get("host")
    match = _HOST.match(host) if isinstance(host, str) else None
    expression = match.group("expression") if match else ""
    if not (_SAME_STACK.match(expression) or _REMOTE.match(expression)):
        return f"kubernetes provider host {host!r} is not https:// + a GKE cluster's DNS endpoint (IAM-authorized)"
    if config.get("cluster_ca_certificate"):
        return "kubernetes provider pins cluster_ca_certificate, but the DNS endpoint's certificate is publicly issued"
    if config.get("insecure") is True:
        return "kubernetes provider disables TLS verification"
    if not config.get("token") and not config.get("exec"):
        return "kubernetes provider has no Google token (token or exec) for the IAM-authorized endpoint"
    if config.get("config_path") or config.get("config_paths"):
        return "kubernetes provider reads a kubeconfig file instead of the cluster's DNS endpoint"
    return None


def _world(cidr: str) -> bool:
    try:
        return ipaddress.ip_network(str(cidr), strict=False).prefixlen == 0
    except ValueError:
        return False


def gke_control_plane_access(view: ResourceView) -> str | None:
    """The rule on a ``google_container_cluster`` resource (see ``cluster_access_problem``)."""
    return cluster_access_problem(view.config) if view.type == "google_container_cluster" else None


def cluster_access_problem(c: dict) -> str | None:
    """Every GKE cluster offers the IAM-authorized DNS endpoint to external callers, and its IP
    endpoints admit only listed networks: an authorized-networks list, never 0.0.0.0/0, never
    Google Cloud's public ranges (any VM of any customer)."""
    endpoints = c.get("control_plane_endpoints_config") or {}
    dns = endpoints.get("dns_endpoint_config") or {}
    if dns.get("allow_external_traffic") is not True:
        return "google_container_cluster has no external DNS endpoint; deployers outside the VPC cannot reach it"
    networks = c.get("master_authorized_networks_config")
    ip_enabled = (endpoints.get("ip_endpoints_config") or {}).get("enabled", True) is not False
    if ip_enabled and not networks:
        return "google_container_cluster leaves its IP endpoints open to every network (no authorized networks)"
    networks = networks or {}
    if any(_world(block.get("cidr_block", "")) for block in networks.get("cidr_blocks") or []):
        return "google_container_cluster admits 0.0.0.0/0 to the Kubernetes API"
    if networks.get("gcp_public_cidrs_access_enabled") is True:
        return "google_container_cluster admits all Google Cloud public IPs to the Kubernetes API"
    return None
