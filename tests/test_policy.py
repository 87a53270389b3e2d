"""Policy aspects: every rule fires on a violation, with the construct path, and fails synth."""

from __future__ import annotations

import json

import pytest
from cdktf import App, TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.efs_file_system import EfsFileSystem
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.security_group import SecurityGroup, SecurityGroupIngress
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from cdktf_cdktf_provider_tls.private_key import PrivateKey
from cdktf_cdktf_provider_tls.provider import TlsProvider

import stacks  # noqa: F401 - installs the lazy provider import used above
from fedinfra.synth import SynthError, _error_annotations, synthesize
from policy import apply_policies
from tests.cli_helpers import tree_bytes

REQUIRED = frozenset({"federation", "environment"})
TAGS = {"federation": "fl", "environment": "dev"}


def policy_errors(tmp_path, build) -> list[str]:
    """Synthesize a one-stack app built by ``build(stack)`` with the policies; return its errors."""
    app = App(outdir=str(tmp_path / "out"))
    stack = TerraformStack(app, "probe")
    AwsProvider(stack, "aws", region="us-west-2", default_tags=[AwsProviderDefaultTags(tags=TAGS)])
    build(stack)
    apply_policies(stack, REQUIRED)
    app.synth()
    return _error_annotations(tmp_path / "out")


def sse(stack, bucket):
    S3BucketServerSideEncryptionConfigurationA(
        stack,
        "sse",
        bucket=bucket.id,
        rule=[
            S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default=S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                    sse_algorithm="aws:kms"
                )
            )
        ],
    )


def test_compliant_resources_pass(tmp_path):
    def build(stack):
        bucket = S3Bucket(stack, "bucket", bucket="b")
        sse(stack, bucket)
        EfsFileSystem(stack, "fs", encrypted=True)
        SecurityGroup(
            stack,
            "web",
            ingress=[SecurityGroupIngress(from_port=443, to_port=443, protocol="tcp", cidr_blocks=["0.0.0.0/0"])],
        )
        TerraformOutput(stack, "bucket_arn", value=bucket.arn)

    assert policy_errors(tmp_path, build) == []


def test_mandatory_tags_fire_without_provider_defaults(tmp_path):
    def build(stack):
        AwsProvider(stack, "untagged", region="eu-west-1", alias="untagged")
        bucket = S3Bucket(
            stack, "bucket", bucket="b", provider=stack.node.find_child("untagged"), tags={"federation": "fl"}
        )
        sse(stack, bucket)

    errors = policy_errors(tmp_path, build)
    assert errors == ["probe/bucket: [policy:mandatory-tags] aws_s3_bucket lacks mandatory tags ['environment']"]


def test_encryption_at_rest_fires_for_unencrypted_bucket_and_efs(tmp_path):
    def build(stack):
        S3Bucket(stack, "plain_bucket", bucket="b")
        EfsFileSystem(stack, "plain_fs", encrypted=False)

    errors = policy_errors(tmp_path, build)
    assert sorted(errors) == [
        "probe/plain_bucket: [policy:encryption-at-rest] aws_s3_bucket is a data store without encryption at rest",
        "probe/plain_fs: [policy:encryption-at-rest] aws_efs_file_system is a data store without encryption at rest",
    ]


@pytest.mark.parametrize(("port", "fires"), [(22, True), (9092, True), (443, False), (80, False)])
def test_world_open_ports_fire_on_non_web_ports(tmp_path, port, fires):
    def build(stack):
        group = SecurityGroup(stack, "sg", description="probe")
        VpcSecurityGroupIngressRule(
            stack,
            "rule",
            security_group_id=group.id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            cidr_ipv4="0.0.0.0/0",
        )

    errors = policy_errors(tmp_path, build)
    expected = ["probe/rule: [policy:no-world-open-ports] ingress rule allows anywhere on a non-web port"]
    assert errors == (expected if fires else [])


def test_world_open_all_protocols_fires_in_inline_rules(tmp_path):
    def build(stack):
        SecurityGroup(
            stack,
            "sg",
            ingress=[SecurityGroupIngress(from_port=0, to_port=0, protocol="-1", cidr_blocks=["0.0.0.0/0"])],
        )

    assert policy_errors(tmp_path, build) == [
        "probe/sg: [policy:no-world-open-ports] aws_security_group allows ingress from anywhere on a non-web port"
    ]


@pytest.mark.parametrize("sensitive", [False, True])
def test_secret_output_must_be_sensitive(tmp_path, sensitive):
    def build(stack):
        TlsProvider(stack, "tls")
        key = PrivateKey(stack, "key", algorithm="ECDSA", ecdsa_curve="P256")
        TerraformOutput(stack, "key_pem", value=key.private_key_pem, sensitive=sensitive)

    errors = policy_errors(tmp_path, build)
    expected = [
        "probe/key_pem: [policy:sensitive-outputs] output carries a secret (private_key_pem) but is not marked sensitive"
    ]
    assert errors == ([] if sensitive else expected)


def test_violation_fails_synth_and_keeps_existing_output(tmp_path, monkeypatch, default_spec):
    """End to end: with mandatory tags gone from the provider, synth fails and writes nothing."""
    import stacks.base

    monkeypatch.setattr(stacks.base, "mandatory_tags", lambda federation: {"owner": "x"})
    out = tmp_path / "cdktf.out"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"previous": True}))
    before = tree_bytes(out)
    with pytest.raises(SynthError) as caught:
        synthesize(default_spec, out)
    assert all("[policy:mandatory-tags]" in line for line in caught.value.lines)
    assert any(line.startswith("aws-us-west-2/data_bucket/bucket: ") for line in caught.value.lines)
    assert tree_bytes(out) == before


# --- first apply: the Kubernetes API through the IAM-authorized DNS endpoint ----------------


def kubernetes_probe(tmp_path, **provider) -> list[str]:
    """Policy errors of a stack with one GKE cluster (the construct's defaults) and a kubernetes
    provider configured with ``provider(cluster)``."""
    from cdktf_cdktf_provider_google.data_google_client_config import DataGoogleClientConfig
    from cdktf_cdktf_provider_google.provider import GoogleProvider
    from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

    from constructs_lib.gcp.gke_cluster import PrivateGkeCluster, PrivateGkeClusterProps

    def build(stack):
        GoogleProvider(stack, "google", project="fl-dev-4711", region="us-east4", default_labels=TAGS)
        gke = PrivateGkeCluster(
            stack,
            "gke",
            network="n",
            subnetwork="s",
            pods_range_name="pods",
            services_range_name="services",
            node_service_account="nodes@fl-dev-4711.iam.gserviceaccount.com",
            node_tags=["nodes"],
            props=PrivateGkeClusterProps(
                name="c",
                project="fl-dev-4711",
                region="us-east4",
                master_cidr="172.16.0.0/28",
                authorized_networks=("10.0.0.0/24",),
            ),
        )
        token = DataGoogleClientConfig(stack, "client").access_token
        KubernetesProvider(stack, "kubernetes", **{k: v(gke, token) for k, v in provider.items()})

    return [e for e in policy_errors(tmp_path, build) if "kubernetes-via-iam-endpoint" in e]


def test_kubernetes_provider_on_the_dns_endpoint_passes(tmp_path):
    errors = kubernetes_probe(tmp_path, host=lambda gke, _: f"https://{gke.dns_endpoint}", token=lambda _, token: token)
    assert errors == []


@pytest.mark.parametrize(
    ("provider", "message"),
    [
        (
            {"host": lambda gke, _: f"https://{gke.endpoint}", "token": lambda _, t: t},
            "is not https:// + a GKE cluster's DNS endpoint",
        ),
        ({"host": lambda *_: "https://203.0.113.10", "token": lambda _, t: t}, "is not https://"),
        (
            {
                "host": lambda gke, _: f"https://{gke.dns_endpoint}",
                "token": lambda _, t: t,
                "cluster_ca_certificate": lambda gke, _: gke.ca_certificate,
            },
            "pins cluster_ca_certificate",
        ),
        ({"host": lambda gke, _: f"https://{gke.dns_endpoint}"}, "has no Google token"),
        ({"config_path": lambda *_: "~/.kube/config"}, "is not https://"),
    ],
)
def test_kubernetes_provider_off_the_dns_endpoint_fires(tmp_path, provider, message):
    (error,) = kubernetes_probe(tmp_path, **provider)
    assert error.startswith("probe/kubernetes: [policy:kubernetes-via-iam-endpoint] ")
    assert message in error


def test_every_default_kubernetes_provider_uses_the_dns_endpoint(default_synth):
    """The default estate passes the rule (synth would fail otherwise), and there is something to
    pass: every workload stack has exactly one kubernetes provider, and it is compliant."""
    from policy.gke_access import kubernetes_provider_problem

    workload = [name for name in default_synth.stack_names() if name.startswith("workload-")]
    assert workload
    for stack in workload:
        (provider,) = default_synth.stack(stack)["provider"]["kubernetes"]
        assert kubernetes_provider_problem(provider) is None


def test_cluster_without_dns_endpoint_fires(tmp_path):
    from cdktf_cdktf_provider_google.container_cluster import ContainerCluster
    from cdktf_cdktf_provider_google.provider import GoogleProvider

    def build(stack):
        GoogleProvider(stack, "google", project="fl-dev-4711", region="us-east4", default_labels=TAGS)
        ContainerCluster(stack, "cluster", name="c", location="us-east4", initial_node_count=1)

    assert policy_errors(tmp_path, build) == [
        "probe/cluster: [policy:gke-control-plane-access] google_container_cluster has no external DNS "
        "endpoint; deployers outside the VPC cannot reach it"
    ]
