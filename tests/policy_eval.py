"""A small evaluator of the resource-policy statements the estate writes, for tests that ask what a
request would get rather than how a policy is spelled.

It implements the parts of IAM policy evaluation these policies use: action wildcards
(case-insensitive), ``Principal`` ``{"AWS": "*"}`` or ARNs (a role ARN matches its sessions:
the request's ``aws:PrincipalArn``), and the condition operators ``StringEquals``,
``StringNotEquals``, ``ArnEquals``, ``ArnNotEquals``, ``Bool`` and ``Null``, with IAM's rule for a key
missing from the request (positive operators do not match, negated ones do). Values are compared
as strings, so Terraform references (``${aws_iam_role.x.arn}``) stand for the ARNs they resolve to.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase

_NEGATED = {"StringNotEquals", "ArnNotEquals"}
_POSITIVE = {"StringEquals", "ArnEquals", "Bool"}


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def statements_of(policy) -> list[dict]:
    """Statements of a policy document given as a JSON string or a parsed dict."""
    document = json.loads(policy) if isinstance(policy, str) else policy
    return _as_list(document["Statement"])


def _action_matches(statement: dict, action: str) -> bool:
    return any(fnmatchcase(action.lower(), str(p).lower()) for p in _as_list(statement.get("Action", [])))


def _principal_matches(statement: dict, request: dict) -> bool:
    principal = statement.get("Principal")
    if principal in ("*", {"AWS": "*"}):
        return True
    arns = _as_list(principal.get("AWS", [])) if isinstance(principal, dict) else []
    return request.get("aws:PrincipalArn") in arns


def _condition_matches(statement: dict, request: dict) -> bool:
    for operator, keys in statement.get("Condition", {}).items():
        if operator == "Null":  # "true": the key must be absent; "false": present
            if any((key in request) == (str(absent).lower() == "true") for key, absent in keys.items()):
                return False
            continue
        if operator not in _NEGATED | _POSITIVE:
            raise ValueError(f"policy_eval does not implement {operator}")
        for key, expected in keys.items():
            if key not in request:
                if operator in _POSITIVE:
                    return False
                continue  # a negated operator on a missing key matches
            hit = str(request[key]).lower() if operator == "Bool" else request[key]
            values = [str(v).lower() if operator == "Bool" else v for v in _as_list(expected)]
            if (hit in values) == (operator in _NEGATED):
                return False
    return True


def applies(statement: dict, action: str, request: dict) -> bool:
    """Whether ``statement`` covers ``action`` for ``request`` (context keys: ``aws:PrincipalArn``,
    ``aws:SourceVpce``, ``aws:SecureTransport``, service keys...)."""
    return (
        _action_matches(statement, action)
        and _principal_matches(statement, request)
        and _condition_matches(statement, request)
    )


def denied(policy, action: str, request: dict) -> bool:
    """An explicit ``Deny`` of ``policy`` applies to the request."""
    return any(s["Effect"] == "Deny" and applies(s, action, request) for s in statements_of(policy))


def allowed(policy, action: str, request: dict) -> bool:
    """The resource policy alone grants the request: an ``Allow`` applies and no ``Deny`` does."""
    grants = any(s["Effect"] == "Allow" and applies(s, action, request) for s in statements_of(policy))
    return grants and not denied(policy, action, request)
