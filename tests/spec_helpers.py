"""Assertions for bad-input tests: the spec's error lines, and one at an exact field path."""

from __future__ import annotations

import pytest

from federation_spec import SpecError, parse_spec


def errors_of(text: str) -> list[str]:
    """The error lines ``parse_spec`` reports for ``text`` (fails if the spec is valid)."""
    with pytest.raises(SpecError) as caught:
        parse_spec(text)
    return caught.value.lines()


def assert_error(text: str, path: str, *fragments: str) -> None:
    """Some error line is at ``path`` and contains every fragment."""
    lines = errors_of(text)
    matching = [line for line in lines if line.startswith(f"federation.yaml: {path}: ")]
    assert matching, f"no error at {path}; got {lines}"
    for fragment in fragments:
        assert any(fragment in line for line in matching), f"{fragment!r} not in {matching}"


ONE_PRIMARY_CLUSTER = {
    "project": "fl-project-123",
    "clusters": [
        {
            "name": "fl-us",
            "region": "us-central1",
            "role": "primary",
            "cidr": "10.30.0.0/20",
            "master_cidr": "172.16.0.0/28",
        }
    ],
}
"""The smallest ``gcp`` section that can run a workload: one primary cluster (tests copy it)."""
