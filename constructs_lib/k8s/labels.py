"""The recommended ``app.kubernetes.io`` labels, so every object says what it is and who manages it."""

from __future__ import annotations

PART_OF = "federated-learning"


def app_labels(name: str, component: str) -> dict[str, str]:
    """Labels of one application component (also the selector of its pods)."""
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
    }


def managed(labels: dict[str, str]) -> dict[str, str]:
    """``labels`` plus ``managed-by: terraform`` (for object metadata, not pod selectors)."""
    return {**labels, "app.kubernetes.io/managed-by": "terraform"}
