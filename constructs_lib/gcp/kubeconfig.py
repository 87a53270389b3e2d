"""A kubeconfig for a GKE cluster, built as data and rendered by Terraform (``yamlencode``).

Credentials are never embedded: kubectl runs ``gke-gcloud-auth-plugin`` for a short-lived token
of whoever is logged in to gcloud, so the kubeconfig is safe to hand to the platform team (it is
still an output marked sensitive because it names the cluster's endpoint).

The server is the cluster's DNS-based endpoint, which works from any network for a principal with
``container.clusters.connect``. That endpoint presents a certificate from a public CA (Google
Trust Services), not one signed by the cluster CA, so the cluster CA must not be set for it: as
the only trust anchor it would make every TLS handshake fail. ``ca_certificate`` is for an IP
endpoint only.
"""

from __future__ import annotations

from cdktf import Fn

AUTH_PLUGIN = "gke-gcloud-auth-plugin"
EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"
INSTALL_HINT = (
    "Install gke-gcloud-auth-plugin for use with kubectl by following "
    "https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin"
)


def context_name(project: str, location: str, cluster_name: str) -> str:
    """The context name ``gcloud container clusters get-credentials`` would write."""
    return f"gke_{project}_{location}_{cluster_name}"


def kubeconfig_document(*, context: str, endpoint: str, ca_certificate: str | None = None) -> dict:
    """The kubeconfig as a dict: one cluster, one exec-plugin user, one context (current).
    ``endpoint`` is a host name or IP without scheme; ``ca_certificate`` (base64 PEM) only for
    an IP endpoint, whose certificate the cluster CA signs."""
    cluster = {"server": f"https://{endpoint}"}
    if ca_certificate is not None:
        cluster["certificate-authority-data"] = ca_certificate
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": context,
                "cluster": cluster,
            }
        ],
        "users": [
            {
                "name": context,
                "user": {
                    "exec": {
                        "apiVersion": EXEC_API_VERSION,
                        "command": AUTH_PLUGIN,
                        "installHint": INSTALL_HINT,
                        "provideClusterInfo": True,
                        "interactiveMode": "IfAvailable",
                    }
                },
            }
        ],
        "contexts": [{"name": context, "context": {"cluster": context, "user": context}}],
        "current-context": context,
        "preferences": {},
    }


def render_kubeconfig(*, context: str, endpoint: str, ca_certificate: str | None = None) -> str:
    """A Terraform expression that YAML-encodes the document (tokens resolve at apply time)."""
    return Fn.yamlencode(kubeconfig_document(context=context, endpoint=endpoint, ca_certificate=ca_certificate))
