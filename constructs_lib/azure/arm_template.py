"""Deterministic ARM template JSON, for Azure resources azurerm has no resource type for.

Templates are plain Python dicts rendered with ``json.dumps(sort_keys=True)``, so the synthesized
string is stable; cdktf tokens inside parameter values resolve to Terraform interpolations.
"""

from __future__ import annotations

import json

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def template(*, parameters: dict, resources: list[dict], outputs: dict | None = None) -> dict:
    """A resource-group deployment template (``parameters``: name -> ``{"type": ...}``)."""
    return {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": parameters,
        "resources": resources,
        "outputs": outputs or {},
    }


def parameter_values(values: dict) -> dict:
    """The ``parameters_content`` document: each value wrapped as ``{"value": ...}``."""
    return {name: {"value": value} for name, value in values.items()}


def render(document: dict) -> str:
    """Stable JSON text (sorted keys, fixed separators)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def parameter(name: str) -> str:
    """The ARM expression reading a template parameter."""
    return f"[parameters('{name}')]"
