"""Physical names that respect Google Cloud length limits without losing uniqueness."""

from __future__ import annotations

import hashlib

SERVICE_ACCOUNT_ID_LIMIT = 30


def bounded_name(name: str, limit: int) -> str:
    """``name`` if it fits in ``limit`` characters, else its head plus a 6-character hash of the
    whole, so two long names that share a prefix still differ (and the result is deterministic)."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{name[: limit - 7].rstrip('-')}-{digest}"
