"""Read the Flower containers out of the synthesized Kubernetes JSON and remap them onto loopback.

The federation test runs exactly the command, arguments and environment the stacks give each
container. Only three things change, all mechanically:

- file paths: the pod's mount root ``/app`` becomes a per-pod temporary directory with the same
  layout (``/app/certificates/tls.crt`` -> ``<pod root>/certificates/tls.crt``);
- in-pod addresses (``0.0.0.0``, ``127.0.0.1``, ``localhost`` with a port) get a free loopback port,
  the same one for every container of the pod (they share the pod's network namespace);
- addresses of the aggregator seen from elsewhere (its static IP, a Terraform reference to the
  primary's reserved address; its DNS name; or its in-cluster Service name, with the Fleet or
  Control port) become ``127.0.0.1`` with the SuperLink pod's port for that number.
"""

from __future__ import annotations

import json
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path

from tests.synth_helpers import Synthesized

APP_ROOT = "/app"
LOCAL_HOSTS = frozenset({"0.0.0.0", "127.0.0.1", "localhost"})  # noqa: S104 (in-pod binds, remapped)
_ADDRESS = re.compile(r"(?<![\w/.-])(\$\{[^}]+\}|[A-Za-z0-9][A-Za-z0-9.-]*):(\d{2,5})\b")
_APP_PATH = re.compile(r"(?<![\w.-])/app(?=/|\b)")
_TERRAFORM_TOKEN = "${"  # noqa: S105 (a Terraform interpolation marker)


def _one(value):
    """cdktf renders a nested block as a list of one element or as the element itself."""
    return value[0] if isinstance(value, list) else value


@dataclass(frozen=True)
class Container:
    """One container as synthesized: what the test needs to start it."""

    name: str
    command: list[str]
    args: list[str]
    env: dict[str, str]
    mounts: dict[str, str]
    """mount path -> volume name"""


def _container(raw: dict) -> Container:
    env = {}
    for entry in raw.get("env", []) or []:
        value = entry.get("value")
        if isinstance(value, str) and _TERRAFORM_TOKEN not in value:
            env[entry["name"]] = value
    return Container(
        name=raw["name"],
        command=list(raw.get("command") or []),
        args=[str(a) for a in raw.get("args") or []],
        env=env,
        mounts={m["mount_path"]: m["name"] for m in raw.get("volume_mount", []) or []},
    )


def _pod_spec(workload: dict) -> dict:
    return _one(_one(_one(workload["spec"])["template"])["spec"])


def deployment_containers(synth: Synthesized, stack: str, name: str) -> dict[str, Container]:
    """Containers of the Deployment ``metadata.name == name`` in ``stack``, by container name."""
    found = [
        d for d in synth.resources(stack, "kubernetes_deployment_v1").values() if _one(d["metadata"])["name"] == name
    ]
    assert len(found) == 1, f"{stack}: expected one Deployment named {name!r}, found {len(found)}"
    return {c.name: c for c in map(_container, _pod_spec(found[0])["container"])}


def task_containers(synth: Synthesized, stack: str) -> dict[str, Container]:
    """Containers of the one ECS task definition in ``stack`` (an AWS member site), by name, in
    the pod's terms: ``entryPoint`` is the command, ECS ``command`` the arguments, literal
    ``environment`` the env, ``mountPoints`` the mounts."""
    (task,) = synth.resources(stack, "aws_ecs_task_definition").values()
    containers = {}
    for raw in json.loads(task["container_definitions"]):
        env = {
            e["name"]: e["value"]
            for e in raw.get("environment", [])
            if isinstance(e.get("value"), str) and _TERRAFORM_TOKEN not in e["value"]
        }
        containers[raw["name"]] = Container(
            name=raw["name"],
            command=list(raw.get("entryPoint") or []),
            args=[str(a) for a in raw.get("command") or []],
            env=env,
            mounts={m["containerPath"]: m["sourceVolume"] for m in raw.get("mountPoints", [])},
        )
    return containers


def job_pod(synth: Synthesized, stack: str, name_prefix: str) -> tuple[dict[str, Container], dict]:
    """Containers and pod spec of the Job whose ``metadata.name`` starts with ``name_prefix``."""
    found = [
        j
        for j in synth.resources(stack, "kubernetes_job_v1").values()
        if _one(j["metadata"])["name"].startswith(name_prefix)
    ]
    assert len(found) == 1, f"{stack}: expected one Job named {name_prefix}*, found {len(found)}"
    spec = _pod_spec(found[0])
    return {c.name: c for c in map(_container, spec["container"])}, spec


def require_command(container: Container) -> None:
    """The stacks must set ``command`` explicitly: the test cannot run an image's entrypoint."""
    assert container.command, f"container {container.name!r} has no explicit command"


class PortAllocator:
    """Free loopback ports, found by binding sockets; never hands out the same port twice."""

    def __init__(self) -> None:
        self._given: set[int] = set()

    def take(self) -> int:
        for _ in range(50):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            if port not in self._given:
                self._given.add(port)
                return port
        raise AssertionError("no free loopback port after 50 tries")


@dataclass
class PodRemap:
    """Rewrites one pod's paths and addresses (see the module docstring)."""

    root: Path
    ports: PortAllocator
    aggregator_ports: dict[int, int] = field(default_factory=dict)
    """Port number of the aggregator's Fleet/Control API -> the SuperLink's loopback port."""
    local_ports: dict[int, int] = field(default_factory=dict)

    def local(self, port: int) -> int:
        if port not in self.local_ports:
            self.local_ports[port] = self.ports.take()
        return self.local_ports[port]

    def _address(self, match: re.Match) -> str:
        host, port = match.group(1), int(match.group(2))
        if host in LOCAL_HOSTS:
            return f"127.0.0.1:{self.local(port)}"
        if port in self.aggregator_ports:
            return f"127.0.0.1:{self.aggregator_ports[port]}"
        return match.group(0)

    def text(self, value: str) -> str:
        value = _APP_PATH.sub(str(self.root), value)
        return _ADDRESS.sub(self._address, value)

    def container(self, container: Container) -> Container:
        """The container with every path and address in its command, args and env remapped."""
        return Container(
            name=container.name,
            command=[self.text(c) for c in container.command],
            args=[self.text(a) for a in container.args],
            env={k: self.text(v) for k, v in container.env.items()},
            mounts={self.text(path): vol for path, vol in container.mounts.items()},
        )


def flag(args: list[str], name: str) -> str:
    """The value following ``name`` in ``args`` (``--flag value`` or ``--flag=value``)."""
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    raise AssertionError(f"{name} not in {args}")


def without_flag(args: list[str], name: str) -> list[str]:
    """``args`` without ``name`` and its value (the flag must be present)."""
    flag(args, name)
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg == name:
            skip = True
        elif not arg.startswith(name + "="):
            out.append(arg)
    return out


def literal_strings(values) -> list[str]:
    """The entries of a synthesized list that are plain strings (no Terraform tokens)."""
    return [v for v in values or [] if isinstance(v, str) and _TERRAFORM_TOKEN not in v]


def _curve_of(synth: Synthesized, stack: str, reference: str) -> str:
    """The ``ecdsa_curve`` of the ``tls_private_key`` a ``${tls_private_key.X.…}`` token names."""
    match = re.search(r"tls_private_key\.([A-Za-z0-9_-]+)\.", reference)
    assert match, f"{stack}: not a tls_private_key reference: {reference}"
    key = synth.resources(stack, "tls_private_key")[match.group(1)]
    assert key["algorithm"] == "ECDSA", f"{stack}: {match.group(1)} is {key['algorithm']}, not ECDSA"
    return key["ecdsa_curve"]


@dataclass(frozen=True)
class StackPki:
    """What the stacks' TLS resources say about the federation's certificates and node keys."""

    sans: list[str]
    """Literal SANs of the aggregator certificate (cloud IPs are tokens and drop out)."""
    curves: dict[str, str]
    """``ca``, ``server``, ``node`` -> Terraform curve name (P256, P384, ...)."""


def stack_pki(synth: Synthesized) -> StackPki:
    """Read the aggregator certificate request, the CA and the per-site node keys from the stacks."""
    requests = [
        (stack, req) for stack in synth.stack_names() for req in synth.resources(stack, "tls_cert_request").values()
    ]
    assert len(requests) == 1, f"expected one aggregator certificate request, found {len(requests)}"
    stack, request = requests[0]
    (ca,) = synth.resources(stack, "tls_self_signed_cert").values()
    node_curves = {
        key["ecdsa_curve"]
        for name in synth.stack_names()
        if name.startswith("node-key-")
        for key in synth.resources(name, "tls_private_key").values()
        if key.get("algorithm") == "ECDSA"
    }
    assert len(node_curves) == 1, f"node-key-* stacks: expected one ECDSA curve, found {node_curves}"
    return StackPki(
        sans=literal_strings(request.get("dns_names")) + literal_strings(request.get("ip_addresses")),
        curves={
            "ca": _curve_of(synth, stack, ca["private_key_pem"]),
            "server": _curve_of(synth, stack, request["private_key_pem"]),
            "node": node_curves.pop(),
        },
    )


def registration_key_names(synth: Synthesized, stack: str, pod_spec: dict, mount_path: str, sites) -> dict:
    """Site -> file name under ``mount_path`` of the Job (from the mounted ConfigMap's keys when
    they name the site, else ``<site>.pub``, which any ``*.pub`` glob also matches)."""
    names = {site: f"{site}.pub" for site in sites}
    container = _one(pod_spec["container"])
    volume_name = next((m["name"] for m in container.get("volume_mount", []) if m["mount_path"] == mount_path), None)
    volume = next((v for v in pod_spec.get("volume", []) if v["name"] == volume_name), None)
    config_map = volume and volume.get("config_map")
    if config_map:
        wanted = _one(config_map).get("name", "")
        reference = re.search(r"kubernetes_config_map_v1\.([A-Za-z0-9_-]+)\.", wanted)
        for logical_id, cm in synth.resources(stack, "kubernetes_config_map_v1").items():
            if (reference and reference.group(1) == logical_id) or _one(cm["metadata"])["name"] == wanted:
                for key in cm.get("data", {}):
                    for site in sites:
                        if key.removesuffix(".pub") == site:
                            names[site] = key
    return names
