"""The SuperNode registration Job: registers every site's (and partner's) public key on this
cluster's SuperLink through its in-cluster Control API, so authenticated SuperNodes may join.

The keys are files of a ConfigMap (public material only). The Job's name ends with a hash of the
key set, so a new, removed or rotated key replaces the Job and registration runs again; a key
registered before counts as done, so re-running is harmless. Terraform waits for the Job to
complete, so a registration that keeps failing fails the apply instead of passing silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from cdktf import Fn, ITerraformDependable
from cdktf_cdktf_provider_kubernetes import job_v1
from cdktf_cdktf_provider_kubernetes.config_map_v1 import ConfigMapV1, ConfigMapV1Metadata
from cdktf_cdktf_provider_kubernetes.job_v1 import (
    JobV1,
    JobV1Metadata,
    JobV1Spec,
    JobV1SpecTemplate,
    JobV1SpecTemplateMetadata,
    JobV1Timeouts,
)
from constructs import Construct

from constructs_lib.k8s.aggregator import ROLE_LABEL
from constructs_lib.k8s.labels import app_labels, managed
from constructs_lib.k8s.pod import TMP_DIR, ContainerProps, Mount, PodTemplate, Volume, with_scratch

NAME_PREFIX = "supernode-registration"
HASH_LENGTH = 10
"""Hex digits of the key-set hash in the Job name (``supernode-registration-<hash>``)."""


@dataclass(frozen=True)
class RegistrationProps:
    """``namespace`` of the Job; ``container`` runs the registration (a command that reads every
    ``*.pub`` file in ``keys_dir`` and the CA in ``ca_dir``; no probes); ``backoff_limit``
    retries (the SuperLink may still be starting) within ``active_deadline_seconds``;
    ``scratch_dirs`` writable emptyDirs."""

    namespace: str
    container: ContainerProps
    keys_dir: str
    ca_dir: str
    backoff_limit: int = 6
    active_deadline_seconds: int = 600
    scratch_dirs: tuple[str, ...] = (TMP_DIR,)

    def __post_init__(self):
        if self.backoff_limit < 0 or self.active_deadline_seconds < 1:
            raise ValueError("RegistrationProps needs backoff_limit >= 0 and active_deadline_seconds >= 1")
        if self.container.health_port is not None:
            raise ValueError("RegistrationProps.container must not have probes (a Job's pod runs to completion)")


class SupernodeRegistration(Construct):
    """The key ConfigMap and the Job. Its pods are ``operator`` pods (the NetworkPolicies let
    them, and only them, reach the control port), run as the namespace's ``default`` service
    account (no Google identity, no API token) and never restart in place (the Job retries)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        public_keys: Mapping[str, str],
        ca_config_map: str,
        depends_on: Sequence[ITerraformDependable] = (),
        state_identity: str = "",
        props: RegistrationProps,
    ):
        """``state_identity`` (e.g. the SuperLink state volume's uid) joins the key set in the Job
        name: registrations live in the SuperLink's database, so a new database (a replaced or
        wiped volume) must register every key again."""
        super().__init__(scope, construct_id)
        if not public_keys:
            raise ValueError("SupernodeRegistration needs at least one public key")
        if any(not name.endswith(".pub") for name in public_keys):
            raise ValueError("SupernodeRegistration public key file names must end with .pub")
        labels = managed(app_labels(NAME_PREFIX, "registration"))
        self.keys = ConfigMapV1(
            self,
            "keys",
            metadata=ConfigMapV1Metadata(name=f"{NAME_PREFIX}-keys", namespace=props.namespace, labels=labels),
            data=dict(sorted(public_keys.items())),
        )
        registered = {"keys": dict(sorted(public_keys.items())), "state": state_identity}
        digest = Fn.substr(Fn.sha256(Fn.jsonencode(registered)), 0, HASH_LENGTH)
        container = replace(
            props.container,
            mounts=(*props.container.mounts, Mount("keys", props.keys_dir), Mount("federation-ca", props.ca_dir)),
        )
        container, scratch = with_scratch(container, props.scratch_dirs)
        template = PodTemplate(job_v1, "JobV1SpecTemplateSpec")
        self.job = JobV1(
            self,
            "job",
            metadata=JobV1Metadata(name=f"{NAME_PREFIX}-{digest}", namespace=props.namespace, labels=labels),
            spec=JobV1Spec(
                backoff_limit=props.backoff_limit,
                active_deadline_seconds=props.active_deadline_seconds,
                template=JobV1SpecTemplate(
                    metadata=JobV1SpecTemplateMetadata(
                        labels={**app_labels(NAME_PREFIX, "registration"), ROLE_LABEL: "operator"}
                    ),
                    spec=template.pod_spec(
                        containers=[container],
                        volumes=[
                            Volume("keys", "config_map", self.keys.metadata.name),
                            Volume("federation-ca", "config_map", ca_config_map),
                            *scratch,
                        ],
                        service_account="default",
                        run_as_user=container.run_as_user,
                        restart_policy="Never",
                    ),
                ),
            ),
            wait_for_completion=True,
            timeouts=JobV1Timeouts(create=f"{props.active_deadline_seconds // 60 + 1}m"),
            depends_on=list(depends_on) or None,
        )
