"""The AWS federation-member building blocks synthesized on their own (a small test stack with
literal aggregator IPs, CA and key): least privilege by ARN, egress only to the aggregators, the
node key only in its secret, the data mounted read-only through the access point with TLS + IAM."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import stat
import subprocess

import cdktf
import pytest
from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider

import stacks  # noqa: F401 - installs the lazy provider import
from constructs_lib.aws.context import AwsContext
from constructs_lib.aws.data_bucket import DataBucket, DataBucketProps
from constructs_lib.aws.egress import AggregatorEgressProps, public_subnet_cidr
from constructs_lib.aws.image_cache import DockerHubCacheProps, docker_hub_repository
from constructs_lib.aws.interface_endpoints import InterfaceEndpointsProps
from constructs_lib.aws.kms import EncryptionKey, EncryptionKeyProps
from constructs_lib.aws.network import PrivateVpc, PrivateVpcProps, subnet_plan
from constructs_lib.aws.shared_filesystem import SharedFileSystem, SharedFileSystemProps
from constructs_lib.aws.supernode_roles import SiteData
from constructs_lib.aws.supernode_service import CA_CERT_PATH, NODE_KEY_PATH, SuperNodeServiceProps
from stacks.aws_site_member import ENDPOINT_SERVICES, FederationMember, MemberInputs

AGGREGATORS = ("203.0.113.10", "198.51.100.20")
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nSENTINEL-PRIVATE-KEY-MATERIAL\n-----END OPENSSH PRIVATE KEY-----\n"
CA = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"
SUPERNODE_ARGS = ("--superlink", "aggregator.fl.yourcompany.net:9092", "--root-certificates", CA_CERT_PATH)
SUPERNODE_ARGS += ("--auth-supernode-private-key", NODE_KEY_PATH, "--isolation", "process")
LOADER = "arn:aws:iam::123456789012:role/site-data-loader"
EXECUTOR_ARGS = ("--plugin-type", "clientapp", "--appio-api-address", "127.0.0.1:9094", "--insecure")


def build(*, bucket: bool = True, efs: bool = True, read_only: bool = True, app_image="flwr/superexec:1.25.0"):
    app = cdktf.Testing.app()
    stack = TerraformStack(app, "member")
    AwsProvider(stack, "aws", region="us-west-2")
    context = AwsContext.lookup(stack, "us-west-2")
    vpc = PrivateVpc(
        stack,
        "net",
        region="us-west-2",
        props=PrivateVpcProps(name="site", cidr="10.10.0.0/16", zones=("us-west-2a", "us-west-2b")),
    )
    log_key = EncryptionKey(stack, "log_key", context=context, props=EncryptionKeyProps(alias="l", description="l"))
    data_key = EncryptionKey(stack, "data_key", context=context, props=EncryptionKeyProps(alias="d", description="d"))
    data_bucket = file_system = None
    if bucket:
        data_bucket = DataBucket(
            stack, "bucket", context=context, props=DataBucketProps(name_prefix="site-data", kms_key_arn=data_key.arn)
        )
    if efs:
        file_system = SharedFileSystem(
            stack,
            "fs",
            vpc_id=vpc.vpc_id,
            subnet_ids=vpc.private_subnet_ids,
            props=SharedFileSystemProps(name="site", kms_key_arn=data_key.arn),
        )
    FederationMember(
        stack,
        "member",
        name="site",
        context=context,
        vpc=vpc,
        log_key=log_key,
        data_key=data_key,
        data_bucket=data_bucket,
        file_system=file_system,
        log_retention_days=90,
        inputs=MemberInputs(
            aggregator_ips=AGGREGATORS,
            ca_certificate_pem=CA,
            node_private_key=KEY,
            supernode_image="flwr/supernode:1.25.0",
            app_image=app_image,
            superlink="aggregator.fl.yourcompany.net:9092",
            site="aws-us-west-2",
            client_args=(),
            executor_args=EXECUTOR_ARGS,
            fleet_port=9092,
            cpu=1024,
            memory=4096,
            credential_secret_name="ecr-pullthroughcache/docker-hub",  # noqa: S106 (a name)
            data_read_only=read_only,
        ),
        data_loader_arn=LOADER,
    )
    return json.loads(cdktf.Testing.synth(stack))


@pytest.fixture(scope="module")
def out():
    return build()


def resources(out, rtype):
    return out["resource"].get(rtype, {})


def one(out, rtype):
    found = resources(out, rtype)
    assert len(found) == 1, sorted(found)
    return next(iter(found.items()))


def statements(config, key="policy"):
    return json.loads(config[key])["Statement"]


def containers(out):
    _, task = one(out, "aws_ecs_task_definition")
    return {c["name"]: c for c in json.loads(task["container_definitions"])}


def role_policy(out, name):
    (policy,) = [p for p in resources(out, "aws_iam_role_policy").values() if p["name"] == name]
    return {s["Sid"]: s for s in statements(policy)}


# --- egress ------------------------------------------------------------------------------------


def test_private_route_tables_reach_only_the_aggregators_through_the_nat(out):
    nat_id, _ = one(out, "aws_nat_gateway")
    private_tables = {f"${{aws_route_table.{k}.id}}" for k in resources(out, "aws_route_table") if "private" in k}
    routes = [r for r in resources(out, "aws_route").values() if r["route_table_id"] in private_tables]
    assert sorted((r["route_table_id"], r["destination_cidr_block"]) for r in routes) == sorted(
        (table, f"{ip}/32") for table in private_tables for ip in AGGREGATORS
    )
    assert all(r["nat_gateway_id"] == f"${{aws_nat_gateway.{nat_id}.id}}" for r in routes)


def test_only_the_public_nat_subnet_has_a_default_route(out):
    defaults = [r for r in resources(out, "aws_route").values() if r["destination_cidr_block"] == "0.0.0.0/0"]
    (default,) = defaults
    (public_table,) = [k for k in resources(out, "aws_route_table") if "public" in k]
    assert default["route_table_id"] == f"${{aws_route_table.{public_table}.id}}"
    assert "aws_internet_gateway" in default["gateway_id"]
    (rta,) = [a for a in resources(out, "aws_route_table_association").values() if public_table in a["route_table_id"]]
    _, nat = one(out, "aws_nat_gateway")
    assert rta["subnet_id"] == nat["subnet_id"]


def test_nat_has_a_reserved_ip_in_a_public_subnet_of_the_upper_half(out):
    eip_id, eip = one(out, "aws_eip")
    assert eip["domain"] == "vpc"
    _, nat = one(out, "aws_nat_gateway")
    assert nat["allocation_id"] == f"${{aws_eip.{eip_id}.allocation_id}}"
    assert nat["connectivity_type"] == "public"
    (public,) = [s for s in resources(out, "aws_subnet").values() if s["tags"]["tier"] == "public"]
    assert public["map_public_ip_on_launch"] is False
    net = ipaddress.ip_network(public["cidr_block"])
    assert net.subnet_of(ipaddress.ip_network("10.10.128.0/17"))
    assert not any(net.overlaps(ipaddress.ip_network(c)) for c in subnet_plan("10.10.0.0/16", 6))


@pytest.mark.parametrize("cidr", ["10.10.0.0/16", "10.20.0.0/20", "192.168.4.0/24"])
def test_public_subnet_never_collides_with_private_subnets(cidr):
    public = ipaddress.ip_network(public_subnet_cidr(cidr))
    assert public.subnet_of(ipaddress.ip_network(cidr))
    assert not any(public.overlaps(ipaddress.ip_network(c)) for c in subnet_plan(cidr, 6))


# --- security groups ---------------------------------------------------------------------------


def test_no_security_group_rule_opens_the_internet(out):
    for rtype in ("aws_vpc_security_group_egress_rule", "aws_vpc_security_group_ingress_rule"):
        for rule in resources(out, rtype).values():
            assert rule.get("cidr_ipv4") not in ("0.0.0.0/0",), rule
            assert rule.get("ip_protocol") != "-1"
    for group in resources(out, "aws_security_group").values():
        assert group.get("egress", []) == []
        assert group.get("ingress", []) == []


def test_task_egress_is_aggregators_on_the_fleet_port_endpoints_efs_and_s3(out):
    task_sg = next(k for k, g in resources(out, "aws_security_group").items() if "supernode" in k)
    rules = [
        r
        for r in resources(out, "aws_vpc_security_group_egress_rule").values()
        if r["security_group_id"] == f"${{aws_security_group.{task_sg}.id}}"
    ]
    by_target = {}
    for rule in rules:
        target = rule.get("cidr_ipv4") or rule.get("referenced_security_group_id") or rule.get("prefix_list_id")
        by_target[target] = (rule["from_port"], rule["to_port"])
    assert {t: p for t, p in by_target.items() if "/32" in t} == {f"{ip}/32": (9092, 9092) for ip in AGGREGATORS}
    endpoints_sg = next(k for k in resources(out, "aws_security_group") if "endpoints" in k)
    nfs_sg = next(k for k in resources(out, "aws_security_group") if "nfs" in k)
    assert by_target[f"${{aws_security_group.{endpoints_sg}.id}}"] == (443, 443)
    assert by_target[f"${{aws_security_group.{nfs_sg}.id}}"] == (2049, 2049)
    (s3,) = [t for t in by_target if "aws_prefix_list" in t]
    assert by_target[s3] == (443, 443)
    assert len(rules) == len(AGGREGATORS) + 3
    (prefix_list,) = out["data"]["aws_prefix_list"].values()
    assert prefix_list["name"] == "com.amazonaws.us-west-2.s3"


def test_endpoints_admit_https_only_from_the_task(out):
    endpoints_sg = next(k for k in resources(out, "aws_security_group") if "endpoints" in k)
    task_sg = next(k for k in resources(out, "aws_security_group") if "supernode" in k)
    rules = [
        r
        for r in resources(out, "aws_vpc_security_group_ingress_rule").values()
        if r["security_group_id"] == f"${{aws_security_group.{endpoints_sg}.id}}"
    ]
    assert [(r["referenced_security_group_id"], r["from_port"], r["to_port"]) for r in rules] == [
        (f"${{aws_security_group.{task_sg}.id}}", 443, 443)
    ]


def test_interface_endpoints_with_private_dns_and_account_only_policy(out):
    endpoints = [e for e in resources(out, "aws_vpc_endpoint").values() if e["vpc_endpoint_type"] == "Interface"]
    assert sorted(e["service_name"] for e in endpoints) == sorted(
        f"com.amazonaws.us-west-2.{s}" for s in ENDPOINT_SERVICES
    )
    for endpoint in endpoints:
        assert endpoint["private_dns_enabled"] is True
        assert len(endpoint["subnet_ids"]) == 2
        (statement,) = statements(endpoint)
        assert statement["Condition"] == {
            "StringEquals": {"aws:PrincipalAccount": "${data.aws_caller_identity.caller_identity.account_id}"}
        }


# --- roles -------------------------------------------------------------------------------------


def test_task_role_reads_exactly_its_own_bucket_and_key(out):
    bucket_id = next(k for k in resources(out, "aws_s3_bucket") if "logs" not in k and "log_bucket" not in k)
    bucket_arn = f"${{aws_s3_bucket.{bucket_id}.arn}}"
    data_key = next(k for k in resources(out, "aws_kms_key") if k.startswith("data_key"))
    sids = role_policy(out, "site-data")
    assert sids["ListSiteBucket"]["Action"] == "s3:ListBucket"
    assert sids["ListSiteBucket"]["Resource"] == bucket_arn
    assert sids["ReadSiteObjects"]["Action"] == "s3:GetObject"
    assert sids["ReadSiteObjects"]["Resource"] == f"{bucket_arn}/*"
    assert sids["DecryptSiteObjects"]["Action"] == "kms:Decrypt"
    assert sids["DecryptSiteObjects"]["Resource"] == f"${{aws_kms_key.{data_key}.arn}}"
    assert sids["DecryptSiteObjects"]["Condition"] == {"StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}}
    for statement in sids.values():
        assert statement["Effect"] == "Allow"
        assert "*" not in json.dumps(statement["Action"])
        assert statement["Resource"] != "*"


def test_task_role_mounts_the_file_system_only_through_its_access_point_read_only(out):
    fs_id, _ = one(out, "aws_efs_file_system")
    ap_id, _ = one(out, "aws_efs_access_point")
    mount = role_policy(out, "site-data")["MountSiteFileSystem"]
    assert mount["Action"] == ["elasticfilesystem:ClientMount"]
    assert mount["Resource"] == f"${{aws_efs_file_system.{fs_id}.arn}}"
    assert mount["Condition"] == {
        "StringEquals": {"elasticfilesystem:AccessPointArn": f"${{aws_efs_access_point.{ap_id}.arn}}"}
    }


def test_writable_data_adds_client_write_and_a_writable_mount():
    out = build(read_only=False)
    assert role_policy(out, "site-data")["MountSiteFileSystem"]["Action"] == [
        "elasticfilesystem:ClientMount",
        "elasticfilesystem:ClientWrite",
    ]
    (data_mount,) = [m for m in containers(out)["clientapp-executor"]["mountPoints"] if m["sourceVolume"] == "data"]
    assert data_mount["readOnly"] is False


def test_the_file_system_policy_names_the_task_as_writer_only_when_data_is_writable(out):
    task_role = next(k for k in resources(out, "aws_iam_role") if "task" in k)
    task = f"${{aws_iam_role.{task_role}.arn}}"

    def principals(policy_out, action):
        _, fs_policy = one(policy_out, "aws_efs_file_system_policy")
        return [
            s["Principal"]["AWS"] for s in statements(fs_policy) if s["Effect"] == "Allow" and s["Action"] == action
        ]

    assert principals(out, "elasticfilesystem:ClientMount") == [[task, LOADER]]
    assert principals(out, "elasticfilesystem:ClientWrite") == [[LOADER]]
    writable = build(read_only=False)
    assert principals(writable, "elasticfilesystem:ClientWrite") == [[task, LOADER]]


def test_bucket_only_site_has_no_efs_volume_or_grant():
    out = build(efs=False)
    assert "MountSiteFileSystem" not in role_policy(out, "site-data")
    _, task = one(out, "aws_ecs_task_definition")
    assert all("efs_volume_configuration" not in v for v in task["volume"])
    assert not any(m["containerPath"] == "/app/data" for m in containers(out)["clientapp-executor"]["mountPoints"])


def test_efs_only_site_has_no_bucket_grant():
    sids = role_policy(build(bucket=False), "site-data")
    assert set(sids) == {"MountSiteFileSystem"}


def test_execution_role_reads_one_secret_writes_one_log_group_pulls_cached_repos(out):
    secret_id, _ = one(out, "aws_secretsmanager_secret")
    (log_group_id,) = [
        k for k, g in resources(out, "aws_cloudwatch_log_group").items() if g["name"].startswith("/ecs/")
    ]
    secret_key = next(k for k in resources(out, "aws_kms_key") if "secret_key" in k)
    sids = role_policy(out, "pull-log-secret")
    assert sids["ReadNodeSecret"] == {
        "Sid": "ReadNodeSecret",
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": f"${{aws_secretsmanager_secret.{secret_id}.arn}}",
    }
    assert sids["DecryptNodeSecret"]["Resource"] == f"${{aws_kms_key.{secret_key}.arn}}"
    assert (
        sids["DecryptNodeSecret"]["Condition"]["StringEquals"]["kms:ViaService"]
        == "secretsmanager.us-west-2.amazonaws.com"
    )
    assert sids["WriteOwnLogs"]["Resource"] == f"${{aws_cloudwatch_log_group.{log_group_id}.arn}}:*"
    repo = (
        "arn:${data.aws_partition.partition.partition}:ecr:us-west-2:"
        "${data.aws_caller_identity.caller_identity.account_id}:repository/docker-hub/*"
    )
    assert sids["PullImages"]["Resource"] == [repo]
    assert sids["FillPullThroughCache"]["Resource"] == [repo]
    star = [s for s in sids.values() if s["Resource"] == "*"]
    assert [s["Action"] for s in star] == ["ecr:GetAuthorizationToken"]


def test_ecr_app_image_is_pulled_directly_with_a_grant_on_its_repository():
    image = "111122223333.dkr.ecr.us-west-2.amazonaws.com/fl/app:1.0.0"
    out = build(app_image=image)
    assert containers(out)["clientapp-executor"]["image"] == image
    assert (
        "arn:${data.aws_partition.partition.partition}:ecr:us-west-2:111122223333:repository/fl/app"
        in role_policy(out, "pull-log-secret")["PullImages"]["Resource"]
    )


def test_roles_are_assumable_only_by_this_accounts_ecs_tasks(out):
    supernode_roles = [r for k, r in resources(out, "aws_iam_role").items() if "supernode" in k]
    assert len(supernode_roles) == 2  # execution and task; the image cache's template role is ECR's
    for role in supernode_roles:
        (trust,) = statements(role, "assume_role_policy")
        assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert trust["Condition"]["StringEquals"] == {
            "aws:SourceAccount": "${data.aws_caller_identity.caller_identity.account_id}"
        }


# --- the node key ------------------------------------------------------------------------------


def test_private_key_lives_only_in_the_encrypted_secret(out):
    secret_id, secret = one(out, "aws_secretsmanager_secret")
    assert "aws_kms_key" in secret["kms_key_id"]
    _, version = one(out, "aws_secretsmanager_secret_version")
    assert version["secret_id"] == f"${{aws_secretsmanager_secret.{secret_id}.id}}"
    assert "SENTINEL-PRIVATE-KEY-MATERIAL" in json.dumps(version["secret_string"])
    holders = [
        (rtype, key)
        for rtype, items in out["resource"].items()
        for key, config in items.items()
        if "SENTINEL-PRIVATE-KEY-MATERIAL" in json.dumps(config)
    ]
    assert holders == [
        ("aws_secretsmanager_secret_version", next(iter(resources(out, "aws_secretsmanager_secret_version"))))
    ]
    assert "SENTINEL" not in json.dumps(out.get("output", {}))


def test_key_and_ca_reach_only_the_init_container_and_only_as_ecs_secrets(out):
    secret_id, _ = one(out, "aws_secretsmanager_secret")
    defs = containers(out)
    assert defs["node-files"]["secrets"] == [
        {"name": "FLWR_NODE_KEY", "valueFrom": f"${{aws_secretsmanager_secret.{secret_id}.arn}}:private_key::"},
        {"name": "FLWR_CA_CERT", "valueFrom": f"${{aws_secretsmanager_secret.{secret_id}.arn}}:ca_certificate::"},
    ]
    for name in ("supernode", "clientapp-executor"):
        assert "secrets" not in defs[name]
        assert all("KEY" not in e["name"] and "CERT" not in e["name"] for e in defs[name]["environment"])
    assert "environment" not in defs["node-files"]
    key_mounts = {m["containerPath"]: m["readOnly"] for m in defs["supernode"]["mountPoints"]}
    assert key_mounts["/app/node-key"] is True
    assert key_mounts["/app/ca"] is True
    assert not any(m["sourceVolume"] == "node-key" for m in defs["clientapp-executor"]["mountPoints"])


# --- the task ------------------------------------------------------------------------------------


def test_task_runs_supernode_and_executor_with_telemetry_off_and_read_only_roots(out):
    defs = containers(out)
    # flower-supernode under the SuperNode supervisor (tests/test_supernode_supervisor.py)
    assert defs["supernode"]["entryPoint"][:2] == ["python", "-c"]
    assert defs["supernode"]["entryPoint"][-4:] == ["--resolve-every", "10", "--", "flower-supernode"]
    command = defs["supernode"]["command"]
    for flag, value in zip(SUPERNODE_ARGS[::2], SUPERNODE_ARGS[1::2], strict=True):
        assert command[command.index(flag) + 1] == value
    # The ClientApp learns the site, its bucket (a reference to this site's bucket) and the EFS mount.
    node_config = command[command.index("--node-config") + 1]
    assert 'site="aws-us-west-2"' in node_config
    assert 'data-dir="/app/data"' in node_config
    assert re.search(r'data-bucket="\$\{aws_s3_bucket\.[\w-]+\.bucket\}"', node_config), node_config
    assert defs["supernode"]["image"].endswith(".dkr.ecr.us-west-2.amazonaws.com/docker-hub/flwr/supernode:1.25.0")
    assert defs["clientapp-executor"]["entryPoint"] == ["flower-superexec"]
    assert defs["clientapp-executor"]["command"] == list(EXECUTOR_ARGS)
    assert defs["clientapp-executor"]["image"].endswith("/docker-hub/flwr/superexec:1.25.0")
    assert defs["supernode"]["dependsOn"] == [{"containerName": "node-files", "condition": "SUCCESS"}]
    for name in ("supernode", "clientapp-executor"):
        env = {e["name"]: e["value"] for e in defs[name]["environment"]}
        assert env["FLWR_TELEMETRY_ENABLED"] == "0"
        assert env["FLWR_DISABLE_UPDATE_CHECK"] == "1"
        assert defs[name]["user"] == "49999:49999"
    for definition in defs.values():
        assert definition["readonlyRootFilesystem"] is True
        assert definition["privileged"] is False
        assert definition["logConfiguration"]["logDriver"] == "awslogs"


def test_efs_volume_uses_the_access_point_with_tls_and_iam_mounted_read_only(out):
    _, task = one(out, "aws_ecs_task_definition")
    fs_id, _ = one(out, "aws_efs_file_system")
    ap_id, _ = one(out, "aws_efs_access_point")
    (volume,) = [v for v in task["volume"] if v["name"] == "data"]
    assert volume["efs_volume_configuration"] == {
        "file_system_id": f"${{aws_efs_file_system.{fs_id}.id}}",
        "transit_encryption": "ENABLED",
        "authorization_config": {"access_point_id": f"${{aws_efs_access_point.{ap_id}.id}}", "iam": "ENABLED"},
    }
    (mount,) = [m for m in containers(out)["clientapp-executor"]["mountPoints"] if m["sourceVolume"] == "data"]
    assert mount == {"sourceVolume": "data", "containerPath": "/app/data", "readOnly": True}


def test_fargate_task_and_service_in_private_subnets_without_public_ip(out):
    _, task = one(out, "aws_ecs_task_definition")
    assert (task["cpu"], task["memory"], task["network_mode"]) == ("1024", "4096", "awsvpc")
    assert task["requires_compatibilities"] == ["FARGATE"]
    _, service = one(out, "aws_ecs_service")
    assert service["desired_count"] == 1
    assert service["launch_type"] == "FARGATE"
    assert service["deployment_maximum_percent"] == 100
    network = service["network_configuration"]
    assert network["assign_public_ip"] is False
    private = sorted(
        f"${{aws_subnet.{k}.id}}" for k, s in resources(out, "aws_subnet").items() if s["tags"]["tier"] == "private"
    )
    assert sorted(network["subnets"]) == private
    _, cluster = one(out, "aws_ecs_cluster")
    assert cluster["setting"] == [{"name": "containerInsights", "value": "enabled"}]


def test_logs_encrypted_with_the_site_log_key_and_its_retention(out):
    """The task's log group and Container Insights' (which ECS would otherwise create itself)."""
    groups = {g["name"]: g for g in resources(out, "aws_cloudwatch_log_group").values()}
    assert sorted(groups) == ["/aws/ecs/containerinsights/site-supernode/performance", "/ecs/site-supernode"]
    log_key = next(k for k in resources(out, "aws_kms_key") if k.startswith("log_key"))
    for group in groups.values():
        assert group["kms_key_id"] == f"${{aws_kms_key.{log_key}.arn}}"
        assert group["retention_in_days"] == 90


def test_docker_hub_images_come_through_the_pull_through_cache(out):
    _, rule = one(out, "aws_ecr_pull_through_cache_rule")
    assert rule["upstream_registry_url"] == "registry-1.docker.io"
    assert rule["ecr_repository_prefix"] == "docker-hub"
    ((credential_id, credential),) = out["data"]["aws_secretsmanager_secret"].items()
    assert credential["name"] == "ecr-pullthroughcache/docker-hub"
    assert rule["credential_arn"] == f"${{data.aws_secretsmanager_secret.{credential_id}.arn}}"
    _, template = one(out, "aws_ecr_repository_creation_template")
    assert template["applied_for"] == ["PULL_THROUGH_CACHE"]


def test_cached_repositories_are_created_by_a_template_role_with_the_caches_own_key(out):
    """ECR creates a KMS template's repositories as its custom role; without one the first pull
    through the cache fails (aws/containers-roadmap#2398)."""
    _, template = one(out, "aws_ecr_repository_creation_template")
    ((key_id, key),) = [(k, v) for k, v in resources(out, "aws_kms_key").items() if "image_cache" in k]
    assert key["enable_key_rotation"] is True
    assert template["encryption_configuration"] == [
        {"encryption_type": "KMS", "kms_key": f"${{aws_kms_key.{key_id}.arn}}"}
    ]
    ((role_id, role),) = [(k, v) for k, v in resources(out, "aws_iam_role").items() if "template_role" in k]
    assert template["custom_role_arn"] == f"${{aws_iam_role.{role_id}.arn}}"
    (trust,) = statements(role, "assume_role_policy")
    assert trust["Principal"] == {"Service": "ecr.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    ((policy_id, policy),) = [(k, v) for k, v in resources(out, "aws_iam_role_policy").items() if "template_role" in k]
    assert policy["role"] == f"${{aws_iam_role.{role_id}.id}}"
    grants = {s["Sid"]: s for s in statements(policy)}
    assert grants["CreateCachedRepositories"]["Action"] == ["ecr:CreateRepository", "ecr:TagResource"]
    assert grants["CreateCachedRepositories"]["Resource"].endswith(":repository/docker-hub/*")
    assert grants["EncryptWithCacheKey"]["Action"] == ["kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"]
    assert grants["EncryptWithCacheKey"]["Resource"] == f"${{aws_kms_key.{key_id}.arn}}"
    assert all(s["Effect"] == "Allow" and "*" not in json.dumps(s["Action"]) for s in grants.values())
    # IAM is eventually consistent: the template (and so the warm-up pull) waits after the policy.
    ((sleep_id, sleep),) = resources(out, "time_sleep").items()
    assert sleep["depends_on"] == [f"aws_iam_role_policy.{policy_id}"]
    assert sleep["create_duration"] == "60s"
    assert sleep["triggers"]["role"] == f"${{aws_iam_role.{role_id}.arn}}"
    assert template["depends_on"] == [f"time_sleep.{sleep_id}"]


# --- helpers and props ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "repository"),
    [
        ("flwr/supernode:1.25.0", "flwr/supernode:1.25.0"),
        ("python:3.11", "library/python:3.11"),
        ("docker.io/flwr/superexec:1.25.0", "flwr/superexec:1.25.0"),
        ("ghcr.io/org/app:1.0", None),
        ("us-docker.pkg.dev/p/r/app:1.0", None),
    ],
)
def test_docker_hub_repository(image, repository):
    assert docker_hub_repository(image) == repository


def test_props_refuse_bad_inputs():
    with pytest.raises(ValueError, match="--auth-supernode-private-key"):
        SuperNodeServiceProps(
            name="s", supernode_image="i", app_image="a", supernode_args=("--root-certificates", "x"),
            executor_args=(), cpu=1024, memory=4096, fleet_port=9092, log_retention_days=30,
        )  # fmt: skip
    with pytest.raises(ValueError, match="one key, one node"):
        SuperNodeServiceProps(
            name="s", supernode_image="i", app_image="a", supernode_args=SUPERNODE_ARGS,
            executor_args=(), cpu=1024, memory=4096, fleet_port=9092, log_retention_days=30, desired_count=2,
        )  # fmt: skip
    with pytest.raises(ValueError, match="ecr-pullthroughcache/"):
        DockerHubCacheProps("dockerhub")
    with pytest.raises(ValueError, match="each once"):
        InterfaceEndpointsProps(name="s", services=("logs", "logs"))
    with pytest.raises(ValueError, match="bucket or a file system"):
        SiteData()
    assert AggregatorEgressProps(name="s", vpc_cidr="10.0.0.0/16", zone="us-west-2a").zone == "us-west-2a"


# --- the init container's script, run for real -------------------------------------------------

SSH_KEYGEN, SH = shutil.which("ssh-keygen"), shutil.which("sh") or "/bin/sh"


@pytest.mark.skipif(SSH_KEYGEN is None, reason="needs ssh-keygen to make an OpenSSH key")
def test_node_files_script_writes_a_usable_key_and_ca_only_the_flower_user_reads(out, tmp_path):
    """Run the synthesized ``node-files`` command with ``/mnt`` remapped to a temporary directory:
    the key file is the OpenSSH key ECS injected (``ssh-keygen -y`` derives its public key), mode
    0400; the CA is world-readable; the writable volumes belong to the Flower user (when root)."""
    subprocess.run([SSH_KEYGEN, "-q", "-t", "ecdsa", "-b", "384", "-N", "", "-f", str(tmp_path / "id")], check=True)
    key = (tmp_path / "id").read_text()
    node_files = containers(out)["node-files"]
    assert node_files["entryPoint"] == ["sh", "-c"]
    (script,) = node_files["command"]
    root = tmp_path / "mnt"
    for volume in ("node-key", "ca", "supernode-home", "executor-home", "tmp"):
        (root / volume).mkdir(parents=True)
    uid = 49999 if os.geteuid() == 0 else os.geteuid()
    script = script.replace("/mnt/", f"{root}/").replace("49999:49999", f"{uid}:{uid}")
    env = {"PATH": os.environ["PATH"], "FLWR_NODE_KEY": key, "FLWR_CA_CERT": CA}
    subprocess.run([SH, "-c", script], env=env, check=True, timeout=30)
    written = root / "node-key" / "node.key"
    assert stat.S_IMODE(written.stat().st_mode) == 0o400
    assert written.stat().st_uid == uid
    derived = subprocess.run([SSH_KEYGEN, "-y", "-f", str(written)], capture_output=True, text=True, check=True)
    assert derived.stdout.split()[:2] == (tmp_path / "id.pub").read_text().split()[:2]
    ca = root / "ca" / "ca.crt"
    assert ca.read_text().startswith(CA)
    assert stat.S_IMODE(ca.stat().st_mode) == 0o444
    assert (root / "supernode-home").stat().st_uid == uid
    assert stat.S_IMODE((root / "tmp").stat().st_mode) == 0o1777


def test_node_files_script_fails_without_the_key(out, tmp_path):
    (script,) = containers(out)["node-files"]["command"]
    root = tmp_path / "mnt"
    for volume in ("node-key", "ca", "supernode-home", "executor-home", "tmp"):
        (root / volume).mkdir(parents=True)
    script = script.replace("/mnt/", f"{root}/")
    result = subprocess.run([SH, "-c", script], env={"PATH": os.environ["PATH"]}, capture_output=True, check=False)
    assert result.returncode != 0, "set -u must stop the task when ECS injected no key"
    assert not (root / "node-key" / "node.key").exists()
