"""The Kubernetes events that say a workload's pods are not starting, and the Cloud Logging query
that finds them in the events GKE writes to Cloud Logging (``logName=projects/<p>/logs/events``,
the Event object as ``jsonPayload``: ``reason``, ``message``, ``involvedObject.{kind,name,namespace}``).

Why events: a metric-absence condition on ``kubernetes.io/container/uptime`` arms only after the
container has reported once (https://cloud.google.com/monitoring/alerts/metric-absence), so a
SuperNode or SuperLink that never starts stays silent there. These reasons are what such a pod
leaves behind instead:

- never created: ``FailedCreate`` on its ReplicaSet (ResourceQuota, admission, missing service
  account);
- never scheduled: the cluster autoscaler's verdicts on the pod, ``NotTriggerScaleUp`` (no node
  pool can take it: max size reached, nothing fits, pool in backoff) and ``FailedScaleUp`` (the
  scale-up it triggered failed: quota, "GCE out of resources" stockout). Every node pool of the
  estate autoscales (``constructs_lib/gcp/gke_cluster.py``), so the scheduler's own
  ``FailedScheduling`` is not counted: it is logged on every scale-up from zero nodes (the
  fl-asia pool starts empty) and means nothing until the autoscaler gives up;
- never run: the kubelet's ``Failed`` (``ErrImagePull``, ``CreateContainerConfigError`` such as a
  missing Secret or ConfigMap, ``CreateContainerError``), ``BackOff`` (``Back-off pulling image``,
  ``Back-off restarting failed container``), ``ErrImageNeverPull``, ``InspectFailed``,
  ``FailedMount``, ``FailedAttachVolume``, ``FailedCreatePodSandBox``.

The registration Job's pods are left out: they retry by design while the SuperLink starts
(``BackOff``), and the Job has its own alert when it gives up.
"""

from __future__ import annotations

START_FAILURE_REASONS = (
    "FailedCreate",
    "NotTriggerScaleUp",
    "FailedScaleUp",
    "Failed",
    "BackOff",
    "ErrImageNeverPull",
    "InspectFailed",
    "FailedMount",
    "FailedAttachVolume",
    "FailedCreatePodSandBox",
)


def start_failure_filter(project: str, namespace: str, exclude_prefix: str) -> str:
    """Events in ``namespace`` with one of ``START_FAILURE_REASONS``, except those about objects
    named ``<exclude_prefix>-...``."""
    reasons = " OR ".join(f'"{reason}"' for reason in START_FAILURE_REASONS)
    return (
        f'logName="projects/{project}/logs/events"'
        f' AND jsonPayload.involvedObject.namespace="{namespace}"'
        f" AND jsonPayload.reason=({reasons})"
        f' AND NOT jsonPayload.involvedObject.name:"{exclude_prefix}-"'
    )
