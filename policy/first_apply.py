"""First-apply rules: configurations that synthesize and pass ``terraform validate`` yet cannot
succeed on their first ``apply``, or leave what they create unusable. Each returns a problem or
``None``, like the rules in ``policy.rules``.

- ``no-vif-on-new-connection``: a Direct Connect virtual interface cannot be created on a
  connection ordered in the same apply: a new dedicated port stays requested/pending until its
  LOA-CFA cross-connect is done (weeks), and AWS refuses the interface until then.
- ``efs-policy-allows-clients``: a custom EFS file-system policy replaces the default one, which
  lets every client that reaches a mount target in; a policy with no ``Allow`` for client
  actions therefore denies every mount, including the README's.
- ``ecr-template-custom-role``: ECR creates a template's repositories (on the first pull through
  a cache, or on replication) as the template's ``custom_role_arn``; with KMS encryption or
  resource tags and no role it cannot, and the first pull fails ("not found").
- ``supernode-dials-resolvable-address``: every ``--superlink`` address a SuperNode (a
  Kubernetes Deployment's container or an ECS task's container) dials must resolve once the
  apply is done, with no manual step: an IP, a Terraform reference (the reserved IP another
  stack exports) or a DNS name the app lists under ``RESOLVABLE_NAMES_CONTEXT``. A name in a new
  hosted zone nobody has delegated yet answers NXDOMAIN, and the SuperNode retries for ever.
"""

from __future__ import annotations

import ipaddress
import json
import re
from fnmatch import fnmatchcase

from policy.view import ResourceView

_NEW_CONNECTION = re.compile(r"\$\{aws_dx_connection\.[A-Za-z0-9_\-]+\.")
RESOLVABLE_NAMES_CONTEXT = "fedinfra:names-answering-at-first-apply"
"""App context key: the DNS names that resolve right after the first apply (set by ``build_app``)."""
SUPERLINK_FLAG = "--superlink"
CLIENT_ACTIONS = frozenset({"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"})


def _is_virtual_interface(rtype: str) -> bool:
    """Every Direct Connect VIF type that takes a ``connection_id`` (accepters take a VIF ID)."""
    return rtype.startswith("aws_dx_") and rtype.endswith("_virtual_interface")


def no_vif_on_new_connection(view: ResourceView) -> str | None:
    """No virtual interface whose ``connection_id`` reads an ``aws_dx_connection`` resource of the
    same stack: that connection is created by the same apply and is not available yet."""
    if not _is_virtual_interface(view.type):
        return None
    if _NEW_CONNECTION.search(str(view.config.get("connection_id", ""))):
        return (
            f"{view.type} is declared on an aws_dx_connection created in the same apply; a new port is "
            "not available until its LOA-CFA cross-connect is done: reference an existing connection"
        )
    return None


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _allows_clients(statement: dict) -> bool:
    """An Allow whose action patterns (IAM wildcards, case-insensitive) cover a client action."""
    if statement.get("Effect") != "Allow":
        return False
    patterns = [str(p).lower() for p in _as_list(statement.get("Action", []))]
    return any(fnmatchcase(action.lower(), p) for action in CLIENT_ACTIONS for p in patterns)


def efs_policy_allows_clients(view: ResourceView) -> str | None:
    """An ``aws_efs_file_system_policy`` must allow a client action (mount or write) to someone."""
    if view.type != "aws_efs_file_system_policy":
        return None
    try:
        document = json.loads(view.config.get("policy", ""))
    except (TypeError, ValueError):
        return None  # an interpolated policy (data source) cannot be read at synth
    if any(_allows_clients(statement) for statement in _as_list(document.get("Statement", []))):
        return None
    return (
        "aws_efs_file_system_policy allows no client action; it replaces EFS's default allow-all "
        "policy, so every mount would be denied: allow elasticfilesystem:ClientMount/ClientWrite"
    )


def _kms_encrypted(encryption) -> bool:
    """Whether an ``encryption_configuration`` (list of blocks, or a token) asks for KMS."""
    blocks = encryption if isinstance(encryption, list) else [encryption]
    return any(isinstance(b, dict) and str(b.get("encryption_type", "")).upper() == "KMS" for b in blocks)


def ecr_template_custom_role(view: ResourceView) -> str | None:
    """An ``aws_ecr_repository_creation_template`` with KMS encryption or ``resource_tags`` needs
    ``custom_role_arn`` (provider docs; AWS "Creating a repository creation template")."""
    if view.type != "aws_ecr_repository_creation_template":
        return None
    config = view.config
    if config.get("custom_role_arn"):
        return None
    needs = [
        reason
        for reason, present in (
            ("KMS encryption", _kms_encrypted(config.get("encryption_configuration"))),
            ("resource_tags", bool(config.get("resource_tags"))),
        )
        if present
    ]
    if not needs:
        return None
    return (
        f"aws_ecr_repository_creation_template uses {' and '.join(needs)} but has no custom_role_arn; ECR "
        "creates the repositories as that role, so without it the first pull fails: add a role trusted by "
        "ecr.amazonaws.com that may ecr:CreateRepository/TagResource and use the key"
    )


def _blocks(value) -> list:
    """A nested block as synthesized: one object, or a list of them."""
    if isinstance(value, dict):
        return [value]
    return value if isinstance(value, list) else []


def _argument_lists(view: ResourceView) -> list[tuple[str, list]]:
    """(container name, command + args) of every container of a Deployment or ECS task definition."""
    if view.type.startswith("kubernetes_deployment"):
        containers = [
            c
            for spec in _blocks(view.config.get("spec"))
            for template in _blocks(spec.get("template"))
            for pod in _blocks(template.get("spec"))
            for c in _blocks(pod.get("container"))
        ]
        return [(c.get("name", "?"), [*(c.get("command") or []), *(c.get("args") or [])]) for c in containers]
    if view.type == "aws_ecs_task_definition":
        try:
            containers = json.loads(view.config.get("container_definitions", ""))
        except (TypeError, ValueError):
            return []
        return [(c.get("name", "?"), [*(c.get("entryPoint") or []), *(c.get("command") or [])]) for c in containers]
    return []


def _resolves_without_dns(host: str) -> bool:
    """An IP literal, or a Terraform expression (another stack's reserved IP, known at apply)."""
    if host.startswith("${"):
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def supernode_dials_resolvable_address(view: ResourceView) -> str | None:
    """The host of every ``--superlink HOST:PORT`` argument resolves at first apply (see module)."""
    for container, args in _argument_lists(view):
        if SUPERLINK_FLAG not in args[:-1]:
            continue
        host = str(args[args.index(SUPERLINK_FLAG) + 1]).rsplit(":", 1)[0]
        if _resolves_without_dns(host) or host in (view.node.node.try_get_context(RESOLVABLE_NAMES_CONTEXT) or []):
            continue
        return (
            f"{view.type} container {container} dials {host!r}, a name nothing delegates at first apply (a new "
            "zone answers only after its parent delegates it): set dns.parent_zone_id or dns.delegated: true, "
            "or dial the aggregator's static IP"
        )
    return None
