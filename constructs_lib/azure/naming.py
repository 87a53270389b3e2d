"""Deterministic Azure resource names for services with strict or global naming rules.

No random suffixes: the same inputs always give the same name, so synthesizing twice gives
byte-identical output and a redeploy finds its own resources again.
"""

from __future__ import annotations

import hashlib
import re

STORAGE_ACCOUNT_NAME = re.compile(r"^[a-z0-9]{3,24}$")
_HASH_LENGTH = 8


def stable_hash(*parts: str, length: int = _HASH_LENGTH) -> str:
    """The first ``length`` hex digits of SHA-256 over ``parts`` (joined with ``/``)."""
    return hashlib.sha256("/".join(parts).encode("utf-8")).hexdigest()[:length]


def storage_account_name(*parts: str) -> str:
    """A storage account name (3-24 lowercase letters and digits, globally unique in Azure):
    the letters and digits of ``parts``, truncated, plus a stable 8-digit hash of all of them,
    so two federations whose prefixes truncate alike still get different names."""
    if not parts:
        raise ValueError("storage_account_name needs at least one part")
    base = re.sub(r"[^a-z0-9]", "", "".join(parts).lower())
    return base[: 24 - _HASH_LENGTH] + stable_hash(*parts)


def share_name(*parts: str) -> str:
    """A Data Share name (2-90 letters, digits and underscores): ``parts`` joined with ``_``."""
    name = re.sub(r"\W", "_", "_".join(parts))
    return name[:90]


def dataset_name(container: str, folder: str | None) -> str:
    """A Data Share dataset name (2-90 letters, digits, ``-`` and ``_``) naming what it shares:
    ``<container>`` or ``<container>-<folder with / as ->``."""
    raw = container if folder is None else f"{container}-{folder}"
    return re.sub(r"[^\w-]", "-", raw)[:90]


def invitation_name(email: str) -> str:
    """``invite-<12 hex digits>``: stable for an address (case-insensitive), independent of its
    position in the consumer list, and without the address itself in the resource name."""
    return f"invite-{stable_hash(email.strip().lower(), length=12)}"
