"""A run-to-completion training Job for one site, on the site's data and trusting its CA."""

from __future__ import annotations

from dataclasses import dataclass, replace

from cdktf_cdktf_provider_kubernetes import job_v1
from cdktf_cdktf_provider_kubernetes.job_v1 import (
    JobV1,
    JobV1Metadata,
    JobV1Spec,
    JobV1SpecTemplate,
    JobV1SpecTemplateMetadata,
)
from constructs import Construct

from constructs_lib.k8s.aggregator import ROLE_LABEL
from constructs_lib.k8s.client import SiteData
from constructs_lib.k8s.labels import app_labels, managed
from constructs_lib.k8s.pod import TMP_DIR, ContainerProps, Mount, PodTemplate, Volume, scratch_name


@dataclass(frozen=True)
class TrainingJobProps:
    """``name`` of the Job in ``namespace``; ``container`` what it runs (no probes: it ends);
    failed pods are retried ``backoff_limit`` times, the Job is stopped after
    ``active_deadline_seconds`` and garbage-collected ``ttl_seconds_after_finished`` after it
    ends; ``scratch_dirs`` writable emptyDirs."""

    name: str
    namespace: str
    container: ContainerProps
    backoff_limit: int = 2
    active_deadline_seconds: int = 86400
    ttl_seconds_after_finished: int = 86400
    scratch_dirs: tuple[str, ...] = (TMP_DIR,)

    def __post_init__(self):
        if self.backoff_limit < 0 or self.active_deadline_seconds < 1 or self.ttl_seconds_after_finished < 0:
            raise ValueError("TrainingJobProps needs backoff_limit >= 0, active_deadline_seconds >= 1, ttl >= 0")
        if self.container.probe_port is not None:
            raise ValueError("TrainingJobProps.container must not have probes (a Job's pod runs to completion)")


class TrainingJob(Construct):
    """The Job: pods never restart in place (``restartPolicy: Never``; the Job retries), run as
    clients of the site (NetworkPolicies treat them like the long-running client), and are
    scheduled next to the other users of the site's ReadWriteOnce data volume. Terraform does not
    wait for completion: training outlives an apply."""

    def __init__(
        self, scope: Construct, construct_id: str, *, service_account: str, site: SiteData, props: TrainingJobProps
    ):
        super().__init__(scope, construct_id)
        pod_labels = {**app_labels(props.name, "training"), ROLE_LABEL: "client", **site.co_locate}
        mounts = site.mounts() + tuple(Mount(scratch_name(path), path, read_only=False) for path in props.scratch_dirs)
        container = replace(props.container, mounts=props.container.mounts + mounts)
        template = PodTemplate(job_v1, "JobV1SpecTemplateSpec")
        self.job = JobV1(
            self,
            "job",
            metadata=JobV1Metadata(
                name=props.name, namespace=props.namespace, labels=managed(app_labels(props.name, "training"))
            ),
            spec=JobV1Spec(
                backoff_limit=props.backoff_limit,
                active_deadline_seconds=props.active_deadline_seconds,
                ttl_seconds_after_finished=str(props.ttl_seconds_after_finished),
                template=JobV1SpecTemplate(
                    metadata=JobV1SpecTemplateMetadata(labels=pod_labels),
                    spec=template.pod_spec(
                        containers=[container],
                        volumes=site.volumes() + [Volume(scratch_name(path), "scratch") for path in props.scratch_dirs],
                        service_account=service_account,
                        run_as_user=container.run_as_user,
                        restart_policy="Never",
                        co_locate=site.co_locate,
                    ),
                ),
            ),
            wait_for_completion=False,
        )
