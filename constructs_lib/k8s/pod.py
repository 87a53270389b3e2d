"""Hardened pod templates shared by Deployments and Jobs.

The kubernetes provider generates one family of struct classes per workload kind
(``DeploymentV1SpecTemplateSpecContainer``, ``JobV1SpecTemplateSpecContainer``, ...) with the
same fields. ``PodTemplate`` builds the pod spec once, from plain props, for whichever family it
is given, so every workload gets the same security posture: non-root user, read-only root
filesystem, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp, no
service-account token, resource requests and limits, and writable scratch only where declared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import ModuleType

NON_ROOT_UID = 65532
"""The conventional non-root user of distroless images; images with their own user override it."""

SCRATCH_LIMIT = "1Gi"
TMP_DIR = "/tmp"  # noqa: S108 - a path inside the container, backed by its own emptyDir
HOSTNAME_TOPOLOGY = "kubernetes.io/hostname"


def scratch_name(path: str) -> str:
    """The volume name of the scratch directory mounted at ``path`` (``/app/.flwr`` -> ``scratch-app-flwr``)."""
    return "scratch-" + path.strip("/").replace("/", "-").replace(".", "")


def with_scratch(container: ContainerProps, paths: tuple[str, ...]) -> tuple[ContainerProps, list[Volume]]:
    """``container`` with a writable emptyDir of its own at each of ``paths`` (volumes named
    ``<container>-scratch-...``: containers of one pod never share scratch), and those volumes."""
    volumes = [Volume(f"{container.name}-{scratch_name(path)}", "scratch") for path in paths]
    mounts = tuple(Mount(volume.name, path, read_only=False) for volume, path in zip(volumes, paths, strict=True))
    return replace(container, mounts=container.mounts + mounts), volumes


@dataclass(frozen=True)
class Mount:
    """Mount ``volume`` at ``path`` (read-only unless ``read_only`` is False)."""

    volume: str
    path: str
    read_only: bool = True


@dataclass(frozen=True)
class Volume:
    """A pod volume: ``kind`` is ``claim`` (a PersistentVolumeClaim), ``secret``, ``config_map`` or
    ``scratch`` (an emptyDir capped at ``SCRATCH_LIMIT``); ``source`` names the claim, secret or
    config map. Secret and config-map files are readable by the pod's group only (mode 0440, group fsGroup)."""

    name: str
    kind: str
    source: str = ""

    def __post_init__(self):
        if self.kind not in {"claim", "secret", "config_map", "scratch"}:
            raise ValueError(f"Volume.kind must be claim, secret, config_map or scratch, not {self.kind!r}")
        if self.kind != "scratch" and not self.source:
            raise ValueError(f"Volume {self.name!r} of kind {self.kind} needs a source")


@dataclass(frozen=True)
class ContainerProps:
    """One container: ``image`` runs ``command`` (image entrypoint when empty) with ``args`` and
    ``env``; ``ports`` are (name, number) pairs; ``health_port`` is a gRPC health server the
    kubelet's liveness and readiness probes call (None: no probes, for run-to-completion Jobs);
    requests and limits as Kubernetes quantities; ``run_as_user`` the non-root UID."""

    name: str
    image: str
    cpu_request: str
    cpu_limit: str
    memory_request: str
    memory_limit: str
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    ports: tuple[tuple[str, int], ...] = ()
    health_port: int | None = None
    mounts: tuple[Mount, ...] = ()
    run_as_user: int = NON_ROOT_UID

    def __post_init__(self):
        if self.run_as_user < 1:
            raise ValueError("ContainerProps.run_as_user must be a non-root UID (>= 1)")
        if self.health_port is not None and self.health_port in {number for _, number in self.ports}:
            raise ValueError("ContainerProps.health_port must not be one of the container's service ports")


class PodTemplate:
    """Builds pod-spec structs of one workload kind, named ``<prefix><Suffix>`` in ``module``
    (``PodTemplate(deployment_v1, "DeploymentV1SpecTemplateSpec")``)."""

    def __init__(self, module: ModuleType, prefix: str):
        self.module = module
        self.prefix = prefix

    def _struct(self, suffix: str, **kwargs):
        return getattr(self.module, f"{self.prefix}{suffix}")(**kwargs)

    def container(self, props: ContainerProps):
        probes = {}
        if props.health_port is not None:
            for kind, delay in (("Liveness", 20), ("Readiness", 5)):
                probes[f"{kind.lower()}_probe"] = self._struct(
                    f"Container{kind}Probe",
                    grpc=[self._struct(f"Container{kind}ProbeGrpc", port=props.health_port)],
                    initial_delay_seconds=delay,
                    period_seconds=10,
                    timeout_seconds=3,
                    failure_threshold=3,
                )
        return self._struct(
            "Container",
            name=props.name,
            image=props.image,
            image_pull_policy="Always",
            command=list(props.command) or None,
            args=list(props.args) or None,
            env=[self._struct("ContainerEnv", name=k, value=v) for k, v in sorted(props.env.items())] or None,
            port=[
                self._struct("ContainerPort", name=name, container_port=number, protocol="TCP")
                for name, number in props.ports
            ]
            or None,
            resources=self._struct(
                "ContainerResources",
                requests={"cpu": props.cpu_request, "memory": props.memory_request},
                limits={"cpu": props.cpu_limit, "memory": props.memory_limit},
            ),
            security_context=self._struct(
                "ContainerSecurityContext",
                run_as_non_root=True,
                run_as_user=str(props.run_as_user),
                run_as_group=str(props.run_as_user),
                read_only_root_filesystem=True,
                allow_privilege_escalation=False,
                privileged=False,
                capabilities=self._struct("ContainerSecurityContextCapabilities", drop=["ALL"]),
                seccomp_profile=self._struct("ContainerSecurityContextSeccompProfile", type="RuntimeDefault"),
            ),
            volume_mount=[
                self._struct("ContainerVolumeMount", name=m.volume, mount_path=m.path, read_only=m.read_only)
                for m in props.mounts
            ]
            or None,
            **probes,
        )

    def volume(self, volume: Volume):
        if volume.kind == "claim":
            source = {"persistent_volume_claim": self._struct("VolumePersistentVolumeClaim", claim_name=volume.source)}
        elif volume.kind == "secret":
            source = {"secret": self._struct("VolumeSecret", secret_name=volume.source, default_mode="0440")}
        elif volume.kind == "config_map":
            source = {"config_map": self._struct("VolumeConfigMap", name=volume.source, default_mode="0440")}
        else:
            source = {"empty_dir": self._struct("VolumeEmptyDir", size_limit=SCRATCH_LIMIT)}
        return self._struct("Volume", name=volume.name, **source)

    def co_locate_with(self, labels: Mapping[str, str]):
        """Required pod affinity to the node of pods carrying ``labels`` (a ReadWriteOnce volume
        can only be attached to one node; the first such pod may go anywhere)."""
        term = self._struct(
            "AffinityPodAffinityRequiredDuringSchedulingIgnoredDuringExecution",
            topology_key=HOSTNAME_TOPOLOGY,
            label_selector=[
                self._struct(
                    "AffinityPodAffinityRequiredDuringSchedulingIgnoredDuringExecutionLabelSelector",
                    match_labels=dict(labels),
                )
            ],
        )
        return self._struct(
            "Affinity",
            pod_affinity=self._struct(
                "AffinityPodAffinity", required_during_scheduling_ignored_during_execution=[term]
            ),
        )

    def pod_spec(
        self,
        *,
        containers: list[ContainerProps],
        volumes: list[Volume],
        service_account: str,
        run_as_user: int,
        restart_policy: str | None = None,
        co_locate: Mapping[str, str] | None = None,
    ):
        """The pod spec: Kubernetes API token not mounted (the workloads never call the API; their
        Google identity comes from the GKE metadata server), no service links, pod-level
        non-root user and group, RuntimeDefault seccomp, and volume files owned by that group."""
        return self._struct(
            "",
            service_account_name=service_account,
            automount_service_account_token=False,
            enable_service_links=False,
            restart_policy=restart_policy,
            security_context=self._struct(
                "SecurityContext",
                run_as_non_root=True,
                run_as_user=str(run_as_user),
                run_as_group=str(run_as_user),
                fs_group=str(run_as_user),
                seccomp_profile=self._struct("SecurityContextSeccompProfile", type="RuntimeDefault"),
            ),
            affinity=self.co_locate_with(co_locate) if co_locate else None,
            container=[self.container(c) for c in containers],
            volume=[self.volume(v) for v in volumes] or None,
        )
