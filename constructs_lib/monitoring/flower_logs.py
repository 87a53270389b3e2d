"""The lines Flower 1.25 prints when it refuses a node or a run fails, and the filters that find
them: a CloudWatch Logs metric-filter pattern and a Cloud Logging query per signal.

The phrases are Flower's own messages, checked against a real federation
(``tests/test_flower_federation.py`` runs SuperLinks and SuperNodes, provokes each refusal and
matches the synthesized filters against the captured lines):

- ``No SuperNode found with the given public key``: a SuperNode whose key is not registered
  (SuperNode: the gRPC error's ``details``; SuperLink: ``[Fleet.ActivateNode] Activation failed``).
- ``All SuperNodes must be registered via the CLI`` / ``SuperNode registration is disabled
  through Fleet API``: a SuperNode without a key asking to register itself (SuperNode / SuperLink).
- ``CERTIFICATE_VERIFY_FAILED``: a SuperNode that does not trust the aggregator's certificate
  (gRPC's handshake line in the SuperNode's log; the SuperLink logs nothing).
- ``raised an exception`` (``ServerApp raised an exception``, ``ClientApp raised an exception``),
  ``Failed to start run`` and ``Could not start run``: a run that fails (``flwr`` 1.25
  ``server/serverapp/app.py``, ``supernode/runtime/run_clientapp.py``,
  ``superlink/servicer/control/control_servicer.py``).

A SuperNode restart is the supervisor's line ``supervisor: flower-supernode exited with 1;
restarting in 2 s`` (``constructs_lib/supernode_supervisor.py``): it restarts flower-supernode
in the same container, so neither GKE's ``restart_count`` nor ECS sees it. Exactly one such line
per restart; none at the first start, at a DNS reconnect (``now answers ...; reconnecting``) or
at shutdown (``stopped; ... exited with 0``).

``Public key already in use`` is deliberately not a refusal: the registration Job's re-runs cause
it, and they succeed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LogSignal:
    """A countable event in Flower's logs: a metric ``key`` (snake case), what it means, the
    phrases (case-sensitive substrings: any of them, or all of them with ``match_all``) and the
    containers that print them."""

    key: str
    description: str
    phrases: tuple[str, ...]
    containers: tuple[str, ...]
    match_all: bool = False

    def cloudwatch_pattern(self) -> str:
        """A CloudWatch Logs filter pattern matching a line that contains any phrase:
        ``?"phrase one" ?"phrase two"`` (quoted terms, ``?`` = OR), or with ``match_all`` every
        phrase: ``"phrase one" "phrase two"``."""
        mark = "" if self.match_all else "?"
        return " ".join(f'{mark}"{phrase}"' for phrase in self.phrases)

    def logging_filter(self, namespace: str) -> str:
        """A Cloud Logging query for the lines of these containers in ``namespace`` containing any
        phrase (``:`` is the substring operator)."""
        containers = " OR ".join(f'"{name}"' for name in self.containers)
        joiner = " AND " if self.match_all else " OR "
        phrases = joiner.join(f'textPayload:"{phrase}"' for phrase in self.phrases)
        return (
            'resource.type="k8s_container"'
            f' AND resource.labels.namespace_name="{namespace}"'
            f" AND resource.labels.container_name=({containers})"
            f" AND ({phrases})"
        )


NODE_REFUSALS = LogSignal(
    key="node_refusals",
    description="Flower refused a SuperNode (unregistered key, self-registration, TLS verification failure)",
    phrases=(
        "No SuperNode found with the given public key",
        "All SuperNodes must be registered via the CLI",
        "SuperNode registration is disabled through Fleet API",
        "CERTIFICATE_VERIFY_FAILED",
    ),
    containers=("superlink", "supernode"),
)

RUN_FAILURES = LogSignal(
    key="run_failures",
    description="A Flower run failed (ServerApp or ClientApp raised an exception, or a run could not start)",
    phrases=("raised an exception", "Failed to start run", "Could not start run"),
    containers=("superlink", "serverapp-executor", "supernode", "clientapp-executor"),
)

ROUNDS = LogSignal(
    key="rounds",
    description="A federated round started on an aggregator (the ServerApp's `[ROUND n/N]` line)",
    phrases=("[ROUND ",),
    containers=("serverapp-executor",),
)

SUPERNODE_STARTS = LogSignal(
    key="supernode_starts",
    description="A SuperNode process started (more than one in a window: its task keeps stopping)",
    phrases=("Starting Flower SuperNode",),
    containers=("supernode",),
)

SUPERNODE_RESTARTS = LogSignal(
    key="supernode_restarts",
    description="The supervisor restarted flower-supernode after it exited (in the same container)",
    phrases=("supervisor:", "exited with", "restarting in"),
    containers=("supernode",),
    match_all=True,
)

SITE_SIGNALS = (NODE_REFUSALS, RUN_FAILURES, SUPERNODE_STARTS, SUPERNODE_RESTARTS)
"""What a SuperNode site's own logs say (an AWS member site's log group)."""

CLUSTER_SIGNALS = (NODE_REFUSALS, RUN_FAILURES, ROUNDS, SUPERNODE_RESTARTS)
"""What the GKE clusters' logs say (project-wide log-based metrics, labelled by cluster)."""
