"""The offline filter evaluators (``tests/log_filters.py``) themselves: they must reject what they
do not implement and get the cases the estate relies on right, or the real-Flower log test
proves nothing. Also the run-failure phrases against Flower 1.25's own messages (the federation
test runs only successful runs)."""

from __future__ import annotations

import pytest

from constructs_lib.monitoring.flower_logs import NODE_REFUSALS, RUN_FAILURES
from tests.log_filters import Unsupported, cloudwatch_matches, gke_container_entry, logging_matches


def test_cloudwatch_or_and_and_terms():
    assert cloudwatch_matches('?"a b" ?"c"', "x a b y")
    assert cloudwatch_matches('?"a b" ?"c"', "c")
    assert not cloudwatch_matches('?"a b" ?"c"', "a  b")
    assert not cloudwatch_matches('?"ERROR"', "error")  # case-sensitive
    assert cloudwatch_matches('"a" "b"', "b a")
    assert not cloudwatch_matches('"a" "b"', "a")


@pytest.mark.parametrize("pattern", ['?"a" "b"', '-"a"', "{ $.level = 1 }", "[ip, user]"])
def test_cloudwatch_rejects_syntax_outside_the_subset(pattern):
    with pytest.raises(Unsupported):
        cloudwatch_matches(pattern, "a b")


def test_logging_precedence_has_and_equality():
    entry = gke_container_entry("Hello World", namespace="ns", container="supernode")
    assert logging_matches('textPayload:"hello"', entry)  # has: case-insensitive substring
    assert not logging_matches('textPayload="hello"', entry)  # equality is whole-value
    assert logging_matches('resource.labels.container_name=("superlink" OR "supernode")', entry)
    # OR binds tighter than AND: (a OR b) AND c
    assert not logging_matches('textPayload:"nope" OR textPayload:"hello" AND textPayload:"absent"', entry)
    assert logging_matches('textPayload:"nope" OR textPayload:"hello" AND textPayload:"world"', entry)
    assert logging_matches('NOT textPayload:"absent"', entry)
    assert not logging_matches('jsonPayload.reason="x"', entry)  # a missing field never matches


@pytest.mark.parametrize("query", ['textPayload=~"a.*"', "severity>=ERROR", "hello", 'log_id("x")'])
def test_logging_rejects_syntax_outside_the_subset(query):
    with pytest.raises(Unsupported):
        logging_matches(query, gke_container_entry("a", namespace="n", container="c"))


@pytest.mark.parametrize(
    "line",
    [
        # flwr 1.25 server/serverapp/app.py:267 and :272 (exc_entity "ServerApp"),
        # supernode/runtime/run_clientapp.py:149 ("ClientApp"), control_servicer.py:210.
        "\x1b[91mERROR \x1b[0m:     Failed to start run.",
        "\x1b[91mERROR \x1b[0m:     ServerApp raised an exception",
        "\x1b[91mERROR \x1b[0m:     ClientApp raised an exception",
        "\x1b[91mERROR \x1b[0m:     Could not start run: invalid FAB",
    ],
)
def test_run_failure_lines_match_both_filters(line):
    assert cloudwatch_matches(RUN_FAILURES.cloudwatch_pattern(), line)
    entry = gke_container_entry(line, namespace="federated-learning", container="serverapp-executor")
    assert logging_matches(RUN_FAILURES.logging_filter("federated-learning"), entry)


def test_benign_reregistration_is_not_a_refusal():
    line = "\x1b[91mERROR \x1b[0m:     Public key already in use"
    assert not cloudwatch_matches(NODE_REFUSALS.cloudwatch_pattern(), line)
    entry = gke_container_entry(line, namespace="federated-learning", container="superlink")
    assert not logging_matches(NODE_REFUSALS.logging_filter("federated-learning"), entry)
