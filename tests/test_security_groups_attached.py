"""Every security group the estate creates is attached to what it guards (checkov's CKV2_AWS_5,
skipped in `.checkov.yaml`, asserted here instead) — except the EFS clients group, which exists
for the operator to attach to a data-loading host of their own in the site's VPC."""

from __future__ import annotations

import json

import pytest

from tests.synth_helpers import ref

ATTACHING = {
    "aws_efs_mount_target": "security_groups",
    "aws_vpc_endpoint": "security_group_ids",
    "aws_ecs_service": "network_configuration",
}
FOR_THE_OPERATOR = ("shared_fs_clients_sg",)
"""Groups made for hosts the estate does not run (README, "Loading data into an AWS site")."""


def _attached(doc: dict) -> set[str]:
    found = set()
    for rtype, field in ATTACHING.items():
        for config in doc.get("resource", {}).get(rtype, {}).values():
            found.update(ref for ref in _refs(config.get(field)))
    return found


def _refs(value) -> list[str]:
    text = json.dumps(value)
    return [part.split("}")[0] for part in text.split("${aws_security_group.")[1:]]


@pytest.mark.parametrize("stack", ["aws-us-west-2", "aws-us-east-1"])
def test_every_security_group_guards_something(default_synth, stack):
    doc = default_synth.stack(stack)
    groups = {key for key in doc["resource"]["aws_security_group"] if not key.startswith(FOR_THE_OPERATOR)}
    attached = {name.split(".")[0] for name in _attached(doc)}
    assert groups
    assert sorted(groups - attached) == [], [ref("aws_security_group", g) for g in groups - attached]
