"""Federation membership of AWS sites (``aws.member``, ``aws.regions[].federation_member``): the
default, and one bad input per rule naming its exact field path (exit 2 from the CLI)."""

from __future__ import annotations

import copy

import pytest
import yaml

from federation_spec import parse_spec
from federation_spec.aws_member import FARGATE_SIZES, fargate_memory_choices
from tests.cli_helpers import run_main
from tests.spec_helpers import ONE_PRIMARY_CLUSTER, assert_error

GCP = ONE_PRIMARY_CLUSTER


def spec_text(*regions: dict, member: dict | None = None, workload: bool = True) -> str:
    doc = {"federation": {"name": "fedlearn"}, "aws": {"regions": list(regions)}}
    if member is not None:
        doc["aws"]["member"] = member
    if workload:
        doc["gcp"] = copy.deepcopy(GCP)
        doc["workload"] = {}
    return yaml.safe_dump(doc, sort_keys=False)


def region(**extra) -> dict:
    return {"name": "us-west-2", "cidr": "10.10.0.0/16", **extra}


@pytest.mark.parametrize(
    ("site", "workload", "member"),
    [
        (region(), True, True),
        (region(data_bucket=False, shared_filesystem=True), True, True),
        (region(data_bucket=False), True, False),
        (region(), False, False),
        (region(federation_member=False), True, False),
    ],
)
def test_membership_defaults_to_on_for_data_sites_of_a_workload_spec(site, workload, member):
    spec = parse_spec(spec_text(site, workload=workload))
    assert spec.aws.regions[0].is_member(spec.workload is not None) is member


def test_member_settings_default_to_a_valid_fargate_size_read_only_data():
    settings = parse_spec(spec_text(region())).aws.member
    assert settings.memory in fargate_memory_choices(settings.cpu)
    assert settings.docker_hub_credential_secret.startswith("ecr-pullthroughcache/")


def test_every_fargate_size_table_entry_is_accepted():
    for cpu in FARGATE_SIZES:
        for memory in fargate_memory_choices(cpu):
            parse_spec(spec_text(region(), member={"cpu": cpu, "memory": memory}))


def test_member_without_bucket_or_file_system_is_refused():
    assert_error(
        spec_text(region(data_bucket=False, federation_member=True)),
        "aws.regions[0].federation_member",
        "neither data_bucket nor shared_filesystem",
    )


def test_member_without_workload_is_refused():
    assert_error(
        spec_text(region(federation_member=True), workload=False),
        "aws.regions[0].federation_member",
        "training needs a workload section",
    )


@pytest.mark.parametrize(
    ("member", "path", "fragment"),
    [
        ({"cpu": 1024, "memory": 1024}, "aws.member.memory", "1024 MiB is not a Fargate size for cpu 1024"),
        ({"cpu": 256, "memory": 4096}, "aws.member.memory", "use one of 512, 1024, 2048"),
        ({"cpu": 300}, "aws.member.cpu", "256"),
        ({"docker_hub_credential_secret": "dockerhub"}, "aws.member.docker_hub_credential_secret", "must start with"),
        ({"memory": "4Gi"}, "aws.member.memory", "integer"),
        ({"secret_recovery_window_days": 3}, "aws.member.secret_recovery_window_days", "use 0 (delete at once) or 7"),
        ({"secret_recovery_window_days": 31}, "aws.member.secret_recovery_window_days", "7 to 30 days"),
        ({"secret_recovery_window_days": "7"}, "aws.member.secret_recovery_window_days", "integer"),
    ],
)
def test_bad_member_settings(member, path, fragment):
    assert_error(spec_text(region(), member=member), path, fragment)


@pytest.mark.parametrize(
    ("image", "fragment"),
    [
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/fl/app:1.0.0", "not in this region's private ECR"),
        ("us-docker.pkg.dev/p/r/app:1.0.0", "not in this region's private ECR"),
        ("123456789012.dkr.ecr.us-west-2.amazonaws.com/fl/app", "is not pinned"),
    ],
)
def test_app_image_must_be_pinned_and_in_the_regions_ecr(image, fragment):
    assert_error(spec_text(region(app_image=image)), "aws.regions[0].app_image", fragment)


def test_app_image_in_the_regions_ecr_is_accepted():
    image = "123456789012.dkr.ecr.us-west-2.amazonaws.com/fl/app:1.0.0"
    assert parse_spec(spec_text(region(app_image=image))).aws.regions[0].app_image == image


def test_cli_exits_2_with_one_line(tmp_path):
    (tmp_path / "bad.yaml").write_text(spec_text(region(data_bucket=False, federation_member=True)))
    result = run_main("synth", "--spec", "bad.yaml", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("bad.yaml")]
    assert lines == [
        "bad.yaml: aws.regions[0].federation_member: a member trains on the site's data but the site has "
        "neither data_bucket nor shared_filesystem; enable one, or set federation_member: false"
    ]


def with_workload(text: str, **workload) -> str:
    doc = yaml.safe_load(text)
    doc["workload"] = workload
    return yaml.safe_dump(doc, sort_keys=False)


def test_app_image_outside_docker_hub_needs_an_ecr_copy_at_each_member():
    text = with_workload(spec_text(region()), app={"image": "us-docker.pkg.dev/p/r/app:1.0.0"})
    assert_error(text, "aws.regions[0].app_image", "required: the site has no internet path")
    ecr = "123456789012.dkr.ecr.us-west-2.amazonaws.com/fl/app:1.0.0"
    parse_spec(with_workload(spec_text(region(app_image=ecr)), app={"image": "us-docker.pkg.dev/p/r/app:1.0.0"}))
    parse_spec(with_workload(spec_text(region(federation_member=False)), app={"image": "us-docker.pkg.dev/p/r/a:1"}))


def test_supernode_image_must_come_from_docker_hub_for_member_sites():
    text = with_workload(spec_text(region()), client={"image": "ghcr.io/org/supernode:1.25.0"})
    assert_error(text, "workload.client.image", "pull the SuperNode image through ECR's Docker Hub cache")


def test_member_site_name_must_not_be_a_cluster_name():
    doc = yaml.safe_load(spec_text(region()))
    doc["gcp"]["clusters"].append(
        {
            "name": "aws-us-west-2",
            "region": "us-east1",
            "role": "client",
            "cidr": "10.50.0.0/20",
            "master_cidr": "172.16.0.32/28",
        }
    )
    assert_error(yaml.safe_dump(doc), "aws.regions[0].name", "is also a gcp cluster's name")


def test_docker_hub_secret_encryption_requirement_is_documented_where_the_user_creates_it():
    """ECR's pull-through cache reads the credential only under the AWS managed key
    aws/secretsmanager (AWS: "You must use the default aws/secretsmanager encryption key"); the
    user creates the secret, so the spec reference, the member-sites section and Deploying step 3
    must say so."""
    from pathlib import Path

    from federation_spec.aws_member import AwsMemberSettings

    assert "aws/secretsmanager" in AwsMemberSettings.model_fields["docker_hub_credential_secret"].description
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    member_section = readme.split("### AWS member sites")[1].split("\n### ")[0]
    credentials_step = readme.split("## Deploying")[1].split("\n4. ")[0]
    for text in (member_section, credentials_step):
        assert "aws/secretsmanager" in text
