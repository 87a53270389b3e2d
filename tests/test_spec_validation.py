"""Bad input gets one clear line per problem: file, field path, what is wrong."""

from __future__ import annotations

import pytest

from federation_spec import SpecError, load_spec, parse_spec

VALID_REGION = "{name: us-west-2, cidr: 10.10.0.0/16}"


def errors(text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "fed.yaml")
    return caught.value.lines()


def aws(*regions: str, extra: str = "") -> str:
    return f"federation: {{name: fedlearn}}\naws:\n  regions: [{', '.join(regions)}]\n{extra}"


def test_default_spec_is_valid(default_spec):
    assert default_spec.federation.name == "fedlearn"
    assert [r.name for r in default_spec.aws.regions] == ["us-west-2", "us-east-1"]


def test_minimal_spec_gets_documented_defaults():
    spec = parse_spec(aws(VALID_REGION))
    region = spec.aws.regions[0]
    assert spec.federation.environment == "dev"
    assert spec.state.backend == "local"
    assert (region.availability_zones, region.data_bucket, region.shared_filesystem) == (2, True, False)
    assert region.zone_names() == ("us-west-2a", "us-west-2b")


def test_models_are_frozen():
    spec = parse_spec(aws(VALID_REGION))
    with pytest.raises(Exception, match="frozen"):
        spec.aws.regions[0].cidr = "10.0.0.0/16"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "fed.yaml: file is empty"),
        ("federation: [", "fed.yaml: malformed YAML: line 1"),
        ("- a\n- b", "fed.yaml: expected a mapping at the top level, got list"),
        ("federation: {name: a, name: b}", "fed.yaml: malformed YAML: line 1, column 23: duplicate key 'name'"),
        ("aws: {regions: []}", "fed.yaml: federation: required key is missing"),
        ("federation: {name: fedlearn}", "fed.yaml: the spec declares no cloud"),
        (aws(VALID_REGION, extra="awz: {}"), "fed.yaml: awz: unknown key 'awz'; did you mean 'aws'?"),
        (
            aws("{name: us-west-2, cidr: 10.10.0.0/16, availabilty_zones: 2}"),
            "fed.yaml: aws.regions[0].availabilty_zones: unknown key 'availabilty_zones'; did you mean 'availability_zones'?",
        ),
        (
            aws(VALID_REGION).replace("fedlearn", "Fed_Learn"),
            "fed.yaml: federation.name: 'Fed_Learn' is not a valid name",
        ),
        (
            aws(VALID_REGION).replace("{name: fedlearn}", "{name: fedlearn, tags: {Owner: x}}"),
            "fed.yaml: federation.tags.Owner: 'Owner' is not a valid tag key",
        ),
        (aws("{name: us-west-9, cidr: 10.10.0.0/16}"), "fed.yaml: aws.regions[0].name: unknown AWS region 'us-west-9'"),
        (aws("{name: us-west-2, cidr: 10.10.0.0}"), "fed.yaml: aws.regions[0].cidr: '10.10.0.0' has no prefix length"),
        (
            aws("{name: us-west-2, cidr: 10.10.0.300/16}"),
            "fed.yaml: aws.regions[0].cidr: '10.10.0.300/16' is not a valid IPv4 CIDR",
        ),
        (
            aws("{name: us-west-2, cidr: 10.10.0.1/16}"),
            "fed.yaml: aws.regions[0].cidr: '10.10.0.1/16' has host bits set; did you mean 10.10.0.0/16?",
        ),
        (aws("{name: us-west-2, cidr: 8.8.0.0/16}"), "fed.yaml: aws.regions[0].cidr: '8.8.0.0/16' is not a private"),
        (
            aws("{name: us-west-2, cidr: 10.0.0.0/8}"),
            "fed.yaml: aws.regions[0].cidr: '10.0.0.0/8' has prefix /8; expected /16 to /24",
        ),
        (
            aws(VALID_REGION, "{name: us-east-1, cidr: 10.10.128.0/17}"),
            "fed.yaml: aws.regions[1].cidr: 10.10.128.0/17 overlaps 10.10.0.0/16 at aws.regions[0].cidr",
        ),
        (
            aws(VALID_REGION, "{name: us-west-2, cidr: 10.20.0.0/16}"),
            "fed.yaml: aws.regions[1].name: duplicate AWS region 'us-west-2' (already at aws.regions[0].name)",
        ),
        (
            aws("{name: us-west-2, cidr: 10.10.0.0/16, availability_zones: 1}"),
            "fed.yaml: aws.regions[0].availability_zones: input should be greater than or equal to 2",
        ),
        (
            aws("{name: us-west-2, cidr: 10.10.0.0/16, availability_zones: 7}"),
            "fed.yaml: aws.regions[0].availability_zones: input should be less than or equal to 6",
        ),
        (
            aws("{name: us-west-2, cidr: 10.10.0.0/16, availability_zones: '2'}"),
            "fed.yaml: aws.regions[0].availability_zones: input should be a valid integer, got str '2'",
        ),
        (
            aws("{name: us-west-2, cidr: 10.10.0.0/16, data_bucket: 'yes'}"),
            "fed.yaml: aws.regions[0].data_bucket: input should be a valid boolean, got str 'yes'",
        ),
        (
            aws("{name: us-west-2, cidr: 10.10.0.0/16, availability_zones: 4}"),
            "fed.yaml: aws.regions[0].zones: more than 3 AZs need explicit zone names",
        ),
        (
            aws("{name: us-west-2, cidr: 10.10.0.0/16, zones: [us-west-2a]}"),
            "fed.yaml: aws.regions[0].zones: lists 1 zones but availability_zones is 2",
        ),
        (
            aws("{name: us-west-2, cidr: 10.10.0.0/16, zones: [us-west-2a, us-east-1b]}"),
            "fed.yaml: aws.regions[0].zones[1]: 'us-east-1b' is not a zone of us-west-2",
        ),
        (
            aws("{name: us-west-1, cidr: 10.10.0.0/16}"),
            "fed.yaml: aws.regions[0].zones: us-west-1 maps zone letters per account",
        ),
        (aws(), "fed.yaml: aws.regions: must list at least one entry"),
        (
            aws(VALID_REGION, extra="  log_retention_days: 42"),
            "fed.yaml: aws.log_retention_days: 42 is not a CloudWatch Logs retention period",
        ),
        (aws(VALID_REGION, extra="state: {backend: s3, bucket: b}"), "fed.yaml: state.region: required key is missing"),
        (
            aws(VALID_REGION, extra="state: {backend: s3, bucket: b, region: mars-1}"),
            "fed.yaml: state.region: unknown AWS region 'mars-1'",
        ),
        (
            aws(VALID_REGION, extra="state: {backend: ftp}"),
            "fed.yaml: state: input tag 'ftp' found using 'backend' does not match any of the expected tags",
        ),
        (
            aws(VALID_REGION, extra="state: {backend: gcs, bucket: b, prefx: p}"),
            "fed.yaml: state.prefx: unknown key 'prefx'; did you mean 'prefix'?",
        ),
    ],
)
def test_bad_input_is_one_clear_line(text, expected):
    lines = errors(text)
    assert any(line.startswith(expected) for line in lines), f"no line starts with {expected!r}: {lines}"
    assert all(line.startswith("fed.yaml: ") and "\n" not in line for line in lines)


def test_every_error_is_reported_not_just_the_first():
    lines = errors(aws("{name: us-west-9, cidr: 10.10.0.1/16, availability_zones: 9}"))
    assert [line.split(":")[1].strip() for line in lines] == [
        "aws.regions[0].name",
        "aws.regions[0].cidr",
        "aws.regions[0].availability_zones",
    ]


def test_missing_file(tmp_path):
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path / "nope.yaml")
    assert caught.value.lines() == [f"{tmp_path / 'nope.yaml'}: file not found"]


def test_explicit_zones_are_used(tmp_path):
    spec = parse_spec(aws("{name: ap-northeast-1, cidr: 10.10.0.0/16, availability_zones: 3}"))
    assert spec.aws.regions[0].zone_names() == ("ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d")
    spec = parse_spec(aws("{name: us-west-1, cidr: 10.10.0.0/16, zones: [us-west-1b, us-west-1c]}"))
    assert spec.aws.regions[0].zone_names() == ("us-west-1b", "us-west-1c")


def test_documentation_ranges_are_not_rfc1918():
    """Python's is_private accepts 192.0.2.0/24 (TEST-NET-1); a VPC there would not be private."""
    lines = errors(aws("{name: us-west-2, cidr: 192.0.2.0/24}"))
    assert lines == [
        "fed.yaml: aws.regions[0].cidr: '192.0.2.0/24' is not a private (RFC 1918) range: "
        "use 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
    ]
