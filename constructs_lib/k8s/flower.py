"""The Flower 1.25 preset: how the SuperLink (aggregator), SuperNode (client) and their SuperExec
executors are laid out in their pods and started. Paths and ports here are the images' own
conventions (Flower images run as user ``app``, UID 49999, with ``HOME=/app``).

Process isolation: the SuperLink and SuperNode never run app code themselves; a ``flower-superexec``
container in the same pod, running the user's app image, pulls each run's ServerApp or ClientApp
from the in-pod AppIO API on 127.0.0.1 (plaintext is acceptable only because it never leaves the
pod's loopback; Flower 1.25's SuperExec has no TLS). Every Flower process also serves a plaintext
gRPC health endpoint (``--health-server-address``) that the kubelet's gRPC probes check: an
AppIO port bound to 127.0.0.1 cannot be probed from the node.
"""

from __future__ import annotations

import re
from pathlib import Path

from constructs_lib.k8s.pod import TMP_DIR

FLOWER_UID = 49999
"""The ``app`` user of the flwr/* images."""

SERVERAPPIO_PORT = 9091
"""SuperLink's ServerAppIO API: the ServerApp executor in the same pod dials it on 127.0.0.1."""

CLIENTAPPIO_PORT = 9094
"""SuperNode's ClientAppIO API: the ClientApp executor in the same pod dials it on 127.0.0.1."""

LOOPBACK = "127.0.0.1"

HEALTH_PORTS = {"superlink": 8081, "serverapp-executor": 8082, "supernode": 8083, "clientapp-executor": 8084}
"""Each Flower container's gRPC health server (distinct: containers of a pod share its network)."""

CERT_DIR = "/app/certificates"
"""Where the aggregator's TLS secret is mounted (``ca.crt``, ``tls.crt``, ``tls.key``)."""

CA_DIR = "/app/ca"
"""Where clients find the federation CA (``ca.crt``) that signed the aggregator's certificate."""

NODE_KEY_DIR = "/app/node-key"
NODE_KEY_FILE = "node.key"
"""The SuperNode's private key (OpenSSH format), mounted only into the ``supernode`` container."""

STATE_DIR = "/app/state"
"""The SuperLink's persistent volume: its database (runs, node registrations) and its file
store of app bundles (FABs), everything a restarted SuperLink needs."""

DATA_DIR = "/app/data"
FLWR_HOME = "/app/.flwr"
"""Flower's home: per-run app installs of the executors and the CLI config; a cache rebuilt from
the SuperLink's file store, so an emptyDir."""

REGISTRATION_DIR = "/app/registration"
"""Where the registration Job finds the public keys to register (one ``*.pub`` file each)."""

SCRATCH_DIRS = (FLWR_HOME, TMP_DIR)

TELEMETRY_ENV = {"FLWR_TELEMETRY_ENABLED": "0", "FLWR_DISABLE_UPDATE_CHECK": "1"}
"""Set in every Flower container: no telemetry events; no update check (1.25 has none, later
releases honour this variable)."""


def flower_env() -> dict[str, str]:
    """Environment of every Flower container: telemetry and update checks off, ``FLWR_HOME``."""
    return {**TELEMETRY_ENV, "FLWR_HOME": FLWR_HOME}


def health_address(container: str) -> str:
    return f"0.0.0.0:{HEALTH_PORTS[container]}"


def superlink_args(*, fleet_port: int, control_port: int, extra: tuple[str, ...] = ()) -> list[str]:
    """TLS with the mounted certificate; SuperNodes must authenticate with a registered key; Fleet
    and Control APIs on all interfaces (only Fleet is on the load balancer); ServerAppIO on the
    pod's loopback for the executor; state and app bundles on the state volume; ``extra``
    appended (later flags win)."""
    return [
        "--ssl-ca-certfile",
        f"{CERT_DIR}/ca.crt",
        "--ssl-certfile",
        f"{CERT_DIR}/tls.crt",
        "--ssl-keyfile",
        f"{CERT_DIR}/tls.key",
        "--enable-supernode-auth",
        "--fleet-api-address",
        f"0.0.0.0:{fleet_port}",
        "--control-api-address",
        f"0.0.0.0:{control_port}",
        "--serverappio-api-address",
        f"{LOOPBACK}:{SERVERAPPIO_PORT}",
        "--isolation",
        "process",
        "--database",
        f"{STATE_DIR}/state.db",
        "--storage-dir",
        f"{STATE_DIR}/ffs",
        "--health-server-address",
        health_address("superlink"),
        *extra,
    ]


def node_config(values: dict[str, str]) -> str:
    """``--node-config`` text: ``key="value"`` pairs in key order (Flower parses each as a TOML
    string); the ClientApp reads them from ``context.node_config``."""
    for key, value in values.items():
        if not re.fullmatch(r"[a-z][a-z0-9-]*", key) or '"' in value or " " in value:
            raise ValueError(f"node config {key}={value!r}: keys are lowercase words, values have no quote or space")
    return " ".join(f'{key}="{values[key]}"' for key in sorted(values))


def supernode_args(
    *, superlink: str, node_config_values: dict[str, str] | None = None, extra: tuple[str, ...] = ()
) -> list[str]:
    """Connect to ``superlink`` (``host:fleet_port``) over TLS trusting only the federation CA,
    authenticated by the site's key; ClientAppIO on the pod's loopback for the executor; the
    site's ``node_config_values`` (its name, where its data is) for the ClientApp; ``extra``
    appended (later flags win)."""
    configured = ["--node-config", node_config(node_config_values)] if node_config_values else []
    return [
        "--superlink",
        superlink,
        "--root-certificates",
        f"{CA_DIR}/ca.crt",
        "--auth-supernode-private-key",
        f"{NODE_KEY_DIR}/{NODE_KEY_FILE}",
        "--isolation",
        "process",
        "--clientappio-api-address",
        f"{LOOPBACK}:{CLIENTAPPIO_PORT}",
        "--health-server-address",
        health_address("supernode"),
        *configured,
        *extra,
    ]


SUPERVISOR_SOURCE = Path(__file__).resolve().parent.parent / "supernode_supervisor.py"
"""The SuperNode supervisor (``constructs_lib/supernode_supervisor.py``), embedded verbatim."""

RESOLVE_INTERVAL = 10
"""Default seconds between the supervisor's lookups of the aggregator's DNS name."""


def supervised_supernode_command(resolve_every: int = RESOLVE_INTERVAL) -> list[str]:
    """The ``supernode`` container's command on GKE and AWS alike: the images' Python running the
    supervisor (restarts ``flower-supernode`` when it exits; follows the aggregator's DNS name,
    looked up every ``resolve_every`` seconds), then ``flower-supernode``; the SuperNode's
    arguments follow as the container's args."""
    return [
        "python",
        "-c",
        SUPERVISOR_SOURCE.read_text(),
        "--resolve-every",
        str(resolve_every),
        "--",
        "flower-supernode",
    ]


def executor_args(plugin: str) -> list[str]:
    """The SuperExec of ``plugin`` (``serverapp`` or ``clientapp``) dialing its AppIO API on the
    pod's loopback (``--insecure``: SuperExec 1.25 has no TLS; the traffic never leaves the pod)."""
    port = SERVERAPPIO_PORT if plugin == "serverapp" else CLIENTAPPIO_PORT
    return [
        "--plugin-type",
        plugin,
        "--appio-api-address",
        f"{LOOPBACK}:{port}",
        "--insecure",
        "--flwr-dir",
        FLWR_HOME,
        "--health-server-address",
        health_address(f"{plugin}-executor"),
    ]


FEDERATION = "federation"
"""Name of the connection the registration script writes for ``flwr``."""


def registration_script(*, control_address: str) -> str:
    """POSIX shell run by the registration Job: write a minimal Flower project whose federation
    ``federation`` points at ``control_address`` with the federation CA (Flower 1.25 reads the
    connection from ``[tool.flwr.federations.<name>]`` in the app's pyproject.toml), then
    ``flwr supernode register`` every ``*.pub`` file. A key registered before answers "already in
    use": that counts as done, so re-running is harmless. Any other answer fails the Job."""
    return f"""set -u
project="$FLWR_HOME/registration-project"
mkdir -p "$project"
cat > "$project/pyproject.toml" <<EOF
[project]
name = "supernode-registration"
version = "1.0.0"

[tool.flwr.app]
publisher = "federation"

[tool.flwr.app.components]
serverapp = "registration:app"
clientapp = "registration:app"

[tool.flwr.federations.{FEDERATION}]
address = "{control_address}"
root-certificates = "{CA_DIR}/ca.crt"
EOF
failed=0
for key in {REGISTRATION_DIR}/*.pub; do
  out=$(flwr supernode register "$key" "$project" {FEDERATION} --format json 2>&1)
  case "$out" in
    *'"success": true'*) echo "registered $key" ;;
    *"already in use"*) echo "already registered $key" ;;
    *) echo "failed to register $key: $out" >&2; failed=1 ;;
  esac
done
exit $failed
"""
