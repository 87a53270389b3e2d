"""The Flower preset: how the SuperLink (aggregator) and SuperNode (client) containers are laid out
and started. Paths and ports here are the images' own conventions (Flower 1.x images run as user
``app``, UID 49999, with ``HOME=/app``)."""

from __future__ import annotations

from constructs_lib.k8s.pod import TMP_DIR

FLOWER_UID = 49999
"""The ``app`` user of the flwr/* images."""

SERVERAPPIO_PORT = 9091
"""SuperLink's ServerAppIO API: used by the ServerApp subprocess inside the pod, never exposed."""

CLIENTAPPIO_PORT = 9094
"""SuperNode's ClientAppIO API: used by the ClientApp subprocess inside the pod, never exposed;
the SuperNode's liveness and readiness probes check it."""

CERT_DIR = "/app/certificates"
"""Where the aggregator's TLS secret is mounted (``ca.crt``, ``tls.crt``, ``tls.key``)."""

CA_DIR = "/app/ca"
"""Where clients find the federation CA (``ca.crt``) that signed the aggregator's certificate."""

STATE_DIR = "/app/state"
DATA_DIR = "/app/data"
FLWR_HOME = "/app/.flwr"
"""Flower installs the FABs (app bundles) of each run here: writable scratch on a read-only root."""

SCRATCH_DIRS = (FLWR_HOME, TMP_DIR)


def superlink_args(*, fleet_port: int, control_port: int, extra: tuple[str, ...] = ()) -> list[str]:
    """TLS with the mounted certificate, Fleet and Control APIs on all interfaces, state in the
    database on the state volume, ServerApps run as subprocesses; ``extra`` appended (later
    flags win)."""
    return [
        "--ssl-ca-certfile",
        f"{CERT_DIR}/ca.crt",
        "--ssl-certfile",
        f"{CERT_DIR}/tls.crt",
        "--ssl-keyfile",
        f"{CERT_DIR}/tls.key",
        "--fleet-api-address",
        f"0.0.0.0:{fleet_port}",
        "--control-api-address",
        f"0.0.0.0:{control_port}",
        "--database",
        f"{STATE_DIR}/state.db",
        "--isolation",
        "subprocess",
        *extra,
    ]


def supernode_args(*, superlink: str, extra: tuple[str, ...] = ()) -> list[str]:
    """Connect to ``superlink`` (``host:fleet_port``) over TLS, trusting only the federation CA;
    ClientApps run as subprocesses; ``extra`` appended (later flags win)."""
    return [
        "--superlink",
        superlink,
        "--root-certificates",
        f"{CA_DIR}/ca.crt",
        "--isolation",
        "subprocess",
        "--clientappio-api-address",
        f"0.0.0.0:{CLIENTAPPIO_PORT}",
        *extra,
    ]
