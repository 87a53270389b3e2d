"""Deterministic IAM-style policy JSON (AWS IAM, S3, EFS and KMS resource policies).

Policies are rendered with ``json.dumps(sort_keys=True)`` so the synthesized string is stable;
cdktf tokens inside values (ARNs, account IDs) resolve to Terraform interpolations.
"""

from __future__ import annotations

import json


def policy_document(*statements: dict) -> str:
    """A policy document string from statement dicts (``Sid``, ``Effect``, ``Action``, ...)."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, sort_keys=True)


def deny_insecure_transport(resources: list[str], sid: str = "DenyInsecureTransport") -> dict:
    """Deny every request that does not arrive over TLS (``aws:SecureTransport`` false)."""
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "*",
        "Resource": resources,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
