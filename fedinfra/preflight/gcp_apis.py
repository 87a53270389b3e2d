"""The Google APIs a first apply needs enabled in ``gcp.project``.

Preflight cannot see (offline) whether they are enabled, so it prints the command as a note:
``gcloud services enable`` is idempotent, and an apply without an API stops at the first resource
that needs it with Google's own "API has not been used in project ... or it is disabled" error,
after which enabling it and applying again continues where it stopped.
"""

from __future__ import annotations

from collections.abc import Iterator

from fedinfra.preflight.core import Environment, Finding, note

RESOURCE_APIS = {
    "google_compute_address": "compute.googleapis.com",
    "google_compute_firewall": "compute.googleapis.com",
    "google_compute_network": "compute.googleapis.com",
    "google_compute_route": "compute.googleapis.com",
    "google_compute_router": "compute.googleapis.com",
    "google_compute_router_nat": "compute.googleapis.com",
    "google_compute_subnetwork": "compute.googleapis.com",
    "google_container_cluster": "container.googleapis.com",
    "google_container_node_pool": "container.googleapis.com",
    "google_dns_managed_zone": "dns.googleapis.com",
    "google_dns_record_set": "dns.googleapis.com",
    "google_logging_metric": "logging.googleapis.com",
    "google_monitoring_alert_policy": "monitoring.googleapis.com",
    "google_monitoring_dashboard": "monitoring.googleapis.com",
    "google_monitoring_notification_channel": "monitoring.googleapis.com",
    "google_project_service": "serviceusage.googleapis.com",
    "google_project_iam_member": "cloudresourcemanager.googleapis.com",
    "google_service_account": "iam.googleapis.com",
    "google_service_account_iam_member": "iam.googleapis.com",
}
"""The API behind every Google resource type the stacks create (a test keeps it complete)."""

CLUSTER_FEATURE_APIS = {
    "binary_authorization": "binaryauthorization.googleapis.com",
    "logging_config": "logging.googleapis.com",
    "monitoring_config": "monitoring.googleapis.com",
    "workload_identity_config": "iamcredentials.googleapis.com",
}
"""APIs that settings of every GKE cluster use: Binary Authorization's project policy, Cloud
Logging and Managed Prometheus, and the token exchange workload identity performs at run time."""


def required_apis(spec) -> list[str]:
    """The APIs to enable for ``spec`` (every GKE stack creates every resource type above)."""
    if spec.gcp is None:
        return []
    return sorted(set(RESOURCE_APIS.values()) | set(CLUSTER_FEATURE_APIS.values()))


def check_google_apis(spec, env: Environment) -> Iterator[Finding]:
    apis = required_apis(spec)
    if apis:
        yield note(
            "gcp.project",
            f"enable the APIs the stacks use before the first apply (idempotent): "
            f"gcloud services enable {' '.join(apis)} --project {spec.gcp.project}",
        )
