"""Names and mandatory tags derived from the ``federation`` section, shared by every stack."""

from __future__ import annotations

from federation_spec.federation import Federation


def resource_prefix(federation: Federation) -> str:
    """``<name>-<environment>``: the prefix of every physical resource name."""
    return f"{federation.name}-{federation.environment}"


def mandatory_tags(federation: Federation) -> dict[str, str]:
    """User tags plus ``federation`` and ``environment`` (which users cannot override), key-sorted."""
    tags = dict(federation.tags)
    tags.update({"federation": federation.name, "environment": federation.environment})
    return dict(sorted(tags.items()))
