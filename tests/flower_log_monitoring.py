"""The monitoring's log filters, as synthesized, against the lines real Flower processes printed.

``assert_filters_see_flower_failures(synth, logs_dir)`` reads the harness's ``logs/<process>.log``
files of one federation run (``tests/test_flower_federation.py``: two healthy sites that train,
a SuperNode with an unregistered key, one without a key, one trusting another CA) and checks,
line by line as CloudWatch Logs and Cloud Logging receive them (one event per line):

- every refusal (unregistered key, self-registration, TLS verification failure) is matched by the
  member site's CloudWatch metric filter and by the GKE log-based metric, on both sides where
  Flower logs it (SuperNode and SuperLink);
- no line of the healthy sites, their executors or the ServerApp matches a refusal or run-failure
  filter, and nothing in this successful run matches the run-failure filters;
- the rounds metric counts exactly the ServerApp's ``[ROUND n/N]`` lines;
- the SuperNode-restarts filters (GKE log-based metric, member-site metric filter) count exactly
  the supervisor's ``exited with ...; restarting in`` lines: at least one for the refused
  SuperNodes that exit (their supervisor restarts them), none for the healthy sites, so the
  restart alerts (``thresholds.restarts`` >= 1) stay quiet for them; the SuperNode-starts filter
  counts one start per process plus one per restart.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.log_filters import cloudwatch_matches, gke_container_entry, logging_matches

GCP = "monitoring-gcp"
AWS = "monitoring-aws"
REFUSED = ("supernode-unregistered", "supernode-keyless", "supernode-other-ca")
HEALTHY_SITES = ("fl-us", "aws-us-west-2")
EXITING = ("supernode-unregistered", "supernode-keyless")
"""Refused SuperNodes whose flower-supernode exits, so that their supervisor restarts it."""
RESTART_LINE = re.compile(r"^supervisor: \S+ exited with -?\d+; restarting in \d+ s$")


def _container(process: str) -> str:
    """The container a harness process stands for (``supernode-fl-us`` -> ``supernode``)."""
    for container in ("clientapp-executor", "serverapp-executor", "superlink", "supernode"):
        if process.startswith(container):
            return container
    raise AssertionError(f"unknown process log {process}")


def _filters(synth) -> tuple[dict[str, str], dict[str, str]]:
    """(signal -> Cloud Logging filter, signal -> CloudWatch pattern) from the synthesized stacks."""
    gcp = {
        metric["name"].rsplit("-flower-", 1)[1]: metric["filter"]
        for metric in synth.resources(GCP, "google_logging_metric").values()
        if "-flower-" in metric["name"]
    }
    aws = {}
    for metric_filter in synth.resources(AWS, "aws_cloudwatch_log_metric_filter").values():
        signal = metric_filter["name"].rsplit("-", 1)[1]
        pattern = aws.setdefault(signal, metric_filter["pattern"])
        assert pattern == metric_filter["pattern"], f"sites disagree on the {signal} pattern"
    return gcp, aws


def assert_filters_see_flower_failures(synth, logs_dir: Path) -> dict[str, int]:
    """Run every filter over every captured line (as if logged in the namespace the GKE filters
    name); returns counts per (process, signal) for the report."""
    gcp, aws = _filters(synth)
    namespace = re.search(r'resource.labels.namespace_name="([^"]+)"', gcp["node_refusals"]).group(1)
    assert {"node_refusals", "run_failures", "rounds", "supernode_restarts"} <= set(gcp), sorted(gcp)
    assert {"node_refusals", "run_failures", "supernode_starts", "supernode_restarts"} <= set(aws), sorted(aws)
    counts: dict[str, int] = {}
    lines_by_process = {
        log.stem: log.read_text(errors="replace").splitlines() for log in sorted(logs_dir.glob("*.log"))
    }
    assert set(REFUSED) <= set(lines_by_process), sorted(lines_by_process)
    for process, lines in lines_by_process.items():
        container = _container(process)
        for line in lines:
            entry = gke_container_entry(line, namespace=namespace, container=container)
            seen_gcp = {signal for signal, query in gcp.items() if logging_matches(query, entry)}
            seen_aws = {signal for signal, pattern in aws.items() if cloudwatch_matches(pattern, line)}
            for signal in seen_gcp | seen_aws:
                counts[f"{process}/{signal}"] = counts.get(f"{process}/{signal}", 0) + 1
            refusal = ("node_refusals" in seen_gcp, "node_refusals" in seen_aws)
            assert refusal[0] == refusal[1], f"{process}: filters disagree on {line!r}"
            restart = ("supernode_restarts" in seen_gcp, "supernode_restarts" in seen_aws)
            assert restart == (bool(RESTART_LINE.match(line)),) * 2, f"{process}: restart filters on {line!r}"
            if process in REFUSED or process == "superlink":
                continue
            assert not refusal[0], f"healthy {process} line counted as a refusal: {line!r}"
            assert "run_failures" not in seen_gcp | seen_aws, (
                f"healthy {process} line counted as a run failure: {line!r}"
            )
    for process in REFUSED:
        assert counts.get(f"{process}/node_refusals", 0) >= 1, f"{process}: refusal not seen\n" + "\n".join(
            lines_by_process[process][:12]
        )
    # The SuperLink's side of the same refusals: the unregistered key and the self-registration.
    superlink = lines_by_process["superlink"]
    expected = [
        line
        for line in superlink
        if "Activation failed: No SuperNode found" in line or "registration is disabled through Fleet API" in line
    ]
    assert len(expected) >= 2, "the SuperLink did not log the refusals this test provokes"
    assert counts.get("superlink/node_refusals", 0) == len(expected), "SuperLink refusals miscounted"
    assert not any(key.endswith("/run_failures") for key in counts), f"a successful run counted as failed: {counts}"
    rounds = [line for line in lines_by_process["serverapp-executor"] if "[ROUND " in line]
    assert rounds, "the ServerApp printed no round"
    assert counts.get("serverapp-executor/rounds", 0) == len(rounds)
    for process in (p for p in lines_by_process if _container(p) == "supernode"):
        restarts = sum(1 for line in lines_by_process[process] if RESTART_LINE.match(line))
        assert counts.get(f"{process}/supernode_restarts", 0) == restarts, f"{process}: restarts {counts}"
        # A start line per process, and one more after each restart (the last may still be waiting).
        starts = counts.get(f"{process}/supernode_starts", 0)
        assert restarts <= starts <= restarts + 1, f"{process}: {starts} starts for {restarts} restarts"
        if process in EXITING:
            assert restarts >= 1, f"{process}: its supervisor never restarted it\n" + "\n".join(
                lines_by_process[process][-12:]
            )
        elif process not in REFUSED:
            assert (restarts, starts) == (0, 1), f"healthy {process} restarted: {counts}"
    for site in HEALTHY_SITES:
        assert f"supernode-{site}" in lines_by_process
    return counts
