"""First-apply policy rules: each fires on a construct tree that breaks it, and the default
federation (and every example, through ``synthesize``) passes them."""

from __future__ import annotations

import json

import pytest
from cdktf_cdktf_provider_aws.dx_connection import DxConnection
from cdktf_cdktf_provider_aws.dx_gateway import DxGateway
from cdktf_cdktf_provider_aws.dx_hosted_private_virtual_interface import DxHostedPrivateVirtualInterface
from cdktf_cdktf_provider_aws.dx_transit_virtual_interface import DxTransitVirtualInterface
from cdktf_cdktf_provider_aws.ecr_repository_creation_template import (
    EcrRepositoryCreationTemplate,
    EcrRepositoryCreationTemplateEncryptionConfiguration,
)
from cdktf_cdktf_provider_aws.efs_file_system import EfsFileSystem
from cdktf_cdktf_provider_aws.efs_file_system_policy import EfsFileSystemPolicy

from constructs_lib.iam_json import deny_insecure_transport, policy_document
from tests.test_policy import policy_errors

VIF_ERROR = (
    "[policy:no-vif-on-new-connection] aws_dx_transit_virtual_interface is declared on an aws_dx_connection created "
    "in the same apply; a new port is not available until its LOA-CFA cross-connect is done: reference an existing "
    "connection"
)


def _transit_vif(stack, connection_id):
    gateway = DxGateway(stack, "gateway", name="g", amazon_side_asn="64600")
    DxTransitVirtualInterface(
        stack,
        "vif",
        name="v",
        connection_id=connection_id,
        dx_gateway_id=gateway.id,
        address_family="ipv4",
        vlan=100,
        bgp_asn=65000,
    )


def test_vif_on_a_connection_of_the_same_apply_fires(tmp_path):
    def build(stack):
        port = DxConnection(stack, "port", name="p", location="EqSe2", bandwidth="1Gbps")
        _transit_vif(stack, port.id)

    assert policy_errors(tmp_path, build) == [f"probe/vif: {VIF_ERROR}"]


def test_hosted_vif_on_a_new_connection_fires_too(tmp_path):
    def build(stack):
        port = DxConnection(stack, "port", name="p", location="EqSe2", bandwidth="1Gbps")
        DxHostedPrivateVirtualInterface(
            stack,
            "hosted",
            name="h",
            connection_id=port.id,
            owner_account_id="123456789012",
            address_family="ipv4",
            vlan=101,
            bgp_asn=65000,
        )

    (error,) = policy_errors(tmp_path, build)
    assert error.startswith("probe/hosted: [policy:no-vif-on-new-connection] aws_dx_hosted_private_virtual_interface")


def test_vif_on_an_existing_connection_passes(tmp_path):
    assert policy_errors(tmp_path, lambda stack: _transit_vif(stack, "dxcon-fgab1234")) == []


def _efs_with_policy(*statements):
    def build(stack):
        fs = EfsFileSystem(stack, "fs", encrypted=True)
        EfsFileSystemPolicy(stack, "fs_policy", file_system_id=fs.id, policy=policy_document(*statements))

    return build


def test_efs_policy_with_only_a_deny_fires(tmp_path):
    """The bug the issue found: a TLS-only Deny replaces the default allow, so nobody can mount."""
    errors = policy_errors(tmp_path, _efs_with_policy(deny_insecure_transport(["arn:aws:elasticfilesystem:x"])))
    assert errors == [
        "probe/fs_policy: [policy:efs-policy-allows-clients] aws_efs_file_system_policy allows no client action; it "
        "replaces EFS's default allow-all policy, so every mount would be denied: allow "
        "elasticfilesystem:ClientMount/ClientWrite"
    ]


@pytest.mark.parametrize(
    ("effect", "actions", "fires"),
    [
        ("Allow", ["elasticfilesystem:ClientMount"], False),
        ("Allow", "elasticfilesystem:ClientWrite", False),
        ("Allow", "elasticfilesystem:Client*", False),
        ("Allow", "*", False),
        ("Allow", ["elasticfilesystem:DescribeMountTargets"], True),
        ("Deny", ["elasticfilesystem:ClientMount"], True),
    ],
)
def test_efs_policy_needs_an_allow_of_a_client_action(tmp_path, effect, actions, fires):
    statement = {"Effect": effect, "Principal": {"AWS": "*"}, "Action": actions, "Resource": "*"}
    errors = policy_errors(tmp_path, _efs_with_policy(statement))
    assert bool(errors) is fires


def _template(encryption: str | None = "KMS", tags: dict | None = None, role: str | None = None):
    def build(stack):
        EcrRepositoryCreationTemplate(
            stack,
            "template",
            prefix="docker-hub",
            applied_for=["PULL_THROUGH_CACHE"],
            encryption_configuration=[EcrRepositoryCreationTemplateEncryptionConfiguration(encryption_type=encryption)]
            if encryption
            else None,
            resource_tags=tags,
            custom_role_arn=role,
        )

    return build


def test_ecr_template_with_kms_and_no_custom_role_fires(tmp_path):
    """The issue's finding: a KMS template without a role cannot create the cached repositories."""
    assert policy_errors(tmp_path, _template("KMS")) == [
        "probe/template: [policy:ecr-template-custom-role] aws_ecr_repository_creation_template uses KMS "
        "encryption but has no custom_role_arn; ECR creates the repositories as that role, so without it the "
        "first pull fails: add a role trusted by ecr.amazonaws.com that may ecr:CreateRepository/TagResource "
        "and use the key"
    ]


@pytest.mark.parametrize(
    ("encryption", "tags", "role", "fires"),
    [
        (None, {"team": "fl"}, None, True),
        ("AES256", {"team": "fl"}, None, True),
        ("KMS", None, "arn:aws:iam::123456789012:role/ecr-template", False),
        ("AES256", None, None, False),
        (None, None, None, False),
    ],
)
def test_ecr_template_needs_a_role_for_kms_or_tags(tmp_path, encryption, tags, role, fires):
    errors = policy_errors(tmp_path, _template(encryption, tags, role))
    assert bool(errors) is fires
    assert all("[policy:ecr-template-custom-role]" in e for e in errors)


def test_default_federation_passes_the_first_apply_rules(default_synth):
    """``synthesize`` fails on any policy error, so the default's successful synth is the proof;
    assert the facts the rules looked at so a silently skipped rule cannot pass this test."""
    stacks = {name: default_synth.stack(name) for name in default_synth.stack_names()}
    efs = [
        json.loads(config["policy"])
        for stack in stacks.values()
        for config in stack.get("resource", {}).get("aws_efs_file_system_policy", {}).values()
    ]
    assert efs, "the default federation has an EFS file system"
    assert all(any(s["Effect"] == "Allow" for s in document["Statement"]) for document in efs)
    templates = [
        config
        for stack in stacks.values()
        for config in stack.get("resource", {}).get("aws_ecr_repository_creation_template", {}).values()
    ]
    assert templates, "the default federation has member sites with an image cache"
    for template in templates:
        assert template["encryption_configuration"][0]["encryption_type"] == "KMS"
        assert template["custom_role_arn"].startswith("${aws_iam_role.")
    for stack in stacks.values():
        for rtype, items in stack.get("resource", {}).items():
            if rtype.startswith("aws_dx_") and rtype.endswith("_virtual_interface"):
                assert all("aws_dx_connection." not in json.dumps(c["connection_id"]) for c in items.values())
