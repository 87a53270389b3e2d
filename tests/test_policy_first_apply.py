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
from cdktf_cdktf_provider_aws.ecs_task_definition import EcsTaskDefinition
from cdktf_cdktf_provider_aws.efs_file_system import EfsFileSystem
from cdktf_cdktf_provider_aws.efs_file_system_policy import EfsFileSystemPolicy
from cdktf_cdktf_provider_kubernetes.deployment_v1 import (
    DeploymentV1,
    DeploymentV1Metadata,
    DeploymentV1Spec,
    DeploymentV1SpecSelector,
    DeploymentV1SpecTemplate,
    DeploymentV1SpecTemplateMetadata,
    DeploymentV1SpecTemplateSpec,
    DeploymentV1SpecTemplateSpecContainer,
)
from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider
from constructs import Construct

from constructs_lib.iam_json import deny_insecure_transport, policy_document
from policy.first_apply import RESOLVABLE_NAMES_CONTEXT
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


# --- supernode-dials-resolvable-address ---------------------------------------------------------

UNDELEGATED = "aggregator.federated.yourcompany.net"
DIAL_ERROR = (
    "dials 'aggregator.federated.yourcompany.net', a name nothing delegates at first apply (a new zone answers "
    "only after its parent delegates it): set dns.parent_zone_id or dns.delegated: true, or dial the "
    "aggregator's static IP"
)


def _dialling(superlink: str, resolvable: list[str] | None = None, kind: str = "ecs"):
    """A SuperNode (ECS task or Kubernetes Deployment) with ``--superlink superlink``, in a scope
    whose context lists ``resolvable`` names (as ``build_app`` sets it from the spec)."""

    def build(stack):
        site = Construct(stack, "site")
        if resolvable is not None:
            site.node.set_context(RESOLVABLE_NAMES_CONTEXT, resolvable)
        args = ["--superlink", superlink, "--root-certificates", "/app/ca/ca.crt"]
        if kind == "ecs":
            container = {"name": "supernode", "image": "flwr/supernode:1.25.0", "command": args, "essential": True}
            EcsTaskDefinition(site, "task", family="f", container_definitions=json.dumps([container]))
            return
        KubernetesProvider(stack, "kubernetes", config_path="~/.kube/config")
        labels = {"app": "supernode"}
        DeploymentV1(
            site,
            "deployment",
            metadata=DeploymentV1Metadata(name="supernode"),
            spec=DeploymentV1Spec(
                selector=DeploymentV1SpecSelector(match_labels=labels),
                template=DeploymentV1SpecTemplate(
                    metadata=DeploymentV1SpecTemplateMetadata(labels=labels),
                    spec=DeploymentV1SpecTemplateSpec(
                        container=[
                            DeploymentV1SpecTemplateSpecContainer(
                                name="supernode", image="flwr/supernode:1.25.0", args=args
                            )
                        ]
                    ),
                ),
            ),
        )

    return build


def _dial_errors(tmp_path, build) -> list[str]:
    return [e for e in policy_errors(tmp_path, build) if "supernode-dials-resolvable-address" in e]


def test_ecs_supernode_dialling_an_undelegated_name_fires(tmp_path):
    assert _dial_errors(tmp_path, _dialling(f"{UNDELEGATED}:9092")) == [
        "probe/site/task: [policy:supernode-dials-resolvable-address] aws_ecs_task_definition container "
        f"supernode {DIAL_ERROR}"
    ]


def test_gke_supernode_dialling_an_undelegated_name_fires(tmp_path):
    """The app lists other names (e.g. an aggregator_host), but not this one."""
    errors = _dial_errors(tmp_path, _dialling(f"{UNDELEGATED}:9092", ["agg.fl.yourcompany.net"], kind="k8s"))
    assert errors == [
        "probe/site/deployment: [policy:supernode-dials-resolvable-address] kubernetes_deployment_v1 container "
        f"supernode {DIAL_ERROR}"
    ]


@pytest.mark.parametrize("kind", ["ecs", "k8s"])
@pytest.mark.parametrize(
    ("superlink", "resolvable"),
    [
        (f"{UNDELEGATED}:9092", [UNDELEGATED]),  # delegated (parent_zone_id or delegated: true)
        ("203.0.113.10:9092", None),
        ("[2001:db8::10]:9092", None),
        ("${data.terraform_remote_state.gke.outputs.aggregator_address}:9092", None),
    ],
)
def test_supernode_dialling_an_ip_a_reference_or_a_delegated_name_passes(tmp_path, kind, superlink, resolvable):
    assert _dial_errors(tmp_path, _dialling(superlink, resolvable, kind)) == []
