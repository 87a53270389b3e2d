"""The federation as one system, read from the synthesized JSON: every SuperNode site (GKE
Deployment or AWS ECS task), what data its ClientApp executor trains on, and the aggregator address
it dials (its ``--superlink`` argument)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from fedinfra.inspect import _REMOTE_OUTPUT
from fedinfra.inspect import _readable as readable_output

_REMOTE_REFERENCE = re.compile(r"\$\{" + _REMOTE_OUTPUT.pattern + r"\}")
_HASH_SUFFIX = re.compile(r"_[0-9A-F]{8}(?=[.\[]|$)")
DATA_PATH = "/app/data"
_ACCOUNT = re.compile(r"\$\{data\.aws_caller_identity\.[A-Za-z0-9_]+\.account_id\}")
_ACCOUNT = re.compile(r"\$\{data\.aws_caller_identity\.[A-Za-z0-9_]+\.account_id\}")


@dataclass(frozen=True)
class Member:
    site: str
    kind: str
    stack: str
    data: tuple[str, ...]
    dials: str


def _readable(value: str) -> str:
    """``${aws_s3_bucket.data_bucket_bucket_1A2B3C4D.bucket}`` -> ``aws_s3_bucket.data_bucket_bucket``."""
    return _HASH_SUFFIX.sub("", value.removeprefix("${").removesuffix("}")).split(".metadata")[0]


def _superlink(args: list[str], stacks: dict[str, dict]) -> str:
    """The ``--superlink`` value; another stack's output (the primary's static IP) reads as
    ``<producer stack>/<what it carries>``, e.g. ``gke-fl-us/google_compute_address.aggregator_address.address:9092``."""
    if "--superlink" not in args:
        return "?"

    def readable(match: re.Match) -> str:
        producer = match["stack"]
        return f"{producer}/{readable_output(match['output'], stacks.get(producer, {}))}"

    return _REMOTE_REFERENCE.sub(readable, args[args.index("--superlink") + 1])


def _gke_members(name: str, doc: dict, stacks: dict[str, dict]) -> list[Member]:
    found = []
    for deployment in doc.get("resource", {}).get("kubernetes_deployment_v1", {}).values():
        if deployment["metadata"]["name"] != "supernode":
            continue
        pod = deployment["spec"]["template"]["spec"]
        containers = {c["name"]: c for c in pod["container"]}
        mounted = {
            m["name"]
            for m in containers.get("clientapp-executor", {}).get("volume_mount", [])
            if m["mount_path"] == DATA_PATH
        }
        data = tuple(
            f"volume {_readable(v['persistent_volume_claim']['claim_name'])}"
            for v in pod.get("volume", [])
            if v["name"] in mounted and "persistent_volume_claim" in v
        )
        found.append(
            Member(
                name.removeprefix("workload-"), "gke", name, data, _superlink(containers["supernode"]["args"], stacks)
            )
        )
    return found


def _aws_members(name: str, doc: dict, stacks: dict[str, dict]) -> list[Member]:
    found = []
    resources = doc.get("resource", {})
    for task in resources.get("aws_ecs_task_definition", {}).values():
        containers = {c["name"]: c for c in json.loads(task["container_definitions"])}
        if "supernode" not in containers:
            continue
        data = [
            "s3 " + _ACCOUNT.sub("<account id>", bucket["bucket"])
            for bucket in resources.get("aws_s3_bucket", {}).values()
            if "-logs-" not in bucket["bucket"]
        ]
        data += [
            f"efs {_readable(v['efs_volume_configuration']['file_system_id']).removesuffix('.id')} (access point, TLS, IAM)"
            for v in task.get("volume", [])
            if "efs_volume_configuration" in v
        ]
        found.append(Member(name, "aws", name, tuple(data), _superlink(containers["supernode"]["command"], stacks)))
    return found


def federation_members(stacks: dict[str, dict]) -> list[Member]:
    """Every SuperNode site of the synthesized estate, GKE and AWS, sorted by site."""
    members = []
    for name, doc in stacks.items():
        members += _gke_members(name, doc, stacks) + _aws_members(name, doc, stacks)
    return sorted(members, key=lambda m: m.site)
