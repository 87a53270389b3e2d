"""Physical names: the spec rejects names over their cloud's limit, and the longest names the spec
accepts synthesize to an estate where every name in the output is within its limit.

``federation_federation_spec.names.NAME_RULES`` is the table; these tests check it against the synthesized JSON, so a
construct that forms a name differently from the table, or a new named resource the table does
not cover, fails here.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator

import pytest
import yaml

from federation_spec import SpecError, parse_spec
from federation_spec.names import ACCOUNT_ID_PLACEHOLDER, NAME_RULES, rule_for
from tests.conftest import DEFAULT_SPEC
from tests.spec_helpers import errors_of

NAME_ATTRIBUTES = ("name", "name_prefix", "bucket", "bucket_prefix", "account_id", "policy_name")
"""Top-level resource attributes that carry a physical name."""
NESTED_NAMES = ("metadata.name", "tags.Name", "snapshot_schedule.name")
"""Names inside blocks: Kubernetes metadata, the AWS console's Name tag, the share's schedule."""

_ACCOUNT_TOKEN = re.compile(r"\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}")
_PURE_REFERENCE = re.compile(r"^\$\{[^{}]*\}$")


# --- the longest names the spec accepts ------------------------------------------------------


def _valid(data: dict) -> bool:
    try:
        parse_spec(yaml.safe_dump(data, sort_keys=False))
    except SpecError:
        return False
    return True


def _grow(data: dict, assign: Callable[[dict, int], None], low: int, high: int) -> dict:
    """``data`` with the largest n in ``low..high`` for which ``assign(data, n)`` still validates
    (binary search: a longer value only ever adds errors)."""
    assert _valid(data), "the starting spec must be valid"
    best = low
    while low <= high:
        middle = (low + high) // 2
        trial = copy.deepcopy(data)
        assign(trial, middle)
        if _valid(trial):
            best, low = middle, middle + 1
        else:
            high = middle - 1
    result = copy.deepcopy(data)
    assign(result, best)
    return result


def _name(letter: str, n: int) -> str:
    """A valid spec ``Name`` of exactly ``n`` characters."""
    return letter + "x" * (n - 1)


def _domain(n: int) -> str:
    """A valid DNS name of exactly ``n`` characters (labels of at most 60)."""
    body = "".join("." if i % 61 == 60 else "d" for i in range(n - 4))
    return (body[:-1] + "d" if body.endswith(".") else body) + ".com"


def longest_spec() -> dict:
    """The default estate with every optional named part on, in the longest-named regions, and
    each name-forming field grown, in turn, to the longest length that still validates."""
    data = yaml.safe_load(DEFAULT_SPEC.read_text())
    data["federation"].update(name="f", environment="e")
    for region, name in zip(data["aws"]["regions"], ("ap-southeast-2", "ap-northeast-1"), strict=True):
        region.update(name=name, data_bucket=True, shared_filesystem=True)
    for cluster, region, letter in zip(data["gcp"]["clusters"], ("northamerica-northeast1", "australia-southeast1", "europe-southwest1"), "abc", strict=True):  # fmt: skip
        cluster.update(name=letter, region=region)
    data["azure"]["data_share"]["snapshot_schedule"]["recurrence"] = "Hour"
    data["azure"]["data_share"]["datasets"] = [{"container": "a" * 63}, {"container": "b" * 63, "folder": "f" * 80}]

    data = _grow(data, lambda d, n: d["federation"].update(name=_name("f", n)), 1, 24)
    data = _grow(data, lambda d, n: d["federation"].update(environment=_name("e", n)), 1, 24)
    for i in range(len(data["gcp"]["clusters"])):
        data = _grow(data, lambda d, n, i=i: d["gcp"]["clusters"][i].update(name=_name("abc"[i], n)), 1, 24)
    data = _grow(data, lambda d, n: d["aws"]["direct_connect"]["connection"].update(location="L" * n), 2, 32)
    data = _grow(data, lambda d, n: d["dns"].update(domain=_domain(n)), 5, 253)
    data = _grow(data, lambda d, n: d["workload"].update(namespace="n" * n), 1, 63)
    return data


@pytest.fixture(scope="module")
def longest(tmp_path_factory):
    """(spec data, synthesized output) of the longest names the spec accepts."""
    from fedinfra.synth import synthesize
    from tests.synth_helpers import Synthesized

    data = longest_spec()
    project = tmp_path_factory.mktemp("longest")
    spec = parse_spec(yaml.safe_dump(data, sort_keys=False))
    return spec, Synthesized(synthesize(spec, project / "cdktf.out", root=project))


def _named_values(body: dict) -> Iterator[tuple[str, object]]:
    """(attribute path, value) of every name-carrying attribute of one resource."""
    for attribute in NAME_ATTRIBUTES:
        if attribute in body:
            yield attribute, body[attribute]
    for path in NESTED_NAMES:
        block, key = path.split(".")
        for item in body.get(block) or []:
            if isinstance(item, dict) and key in item:
                yield path, item[key]
        if isinstance(body.get(block), dict) and key in body[block]:
            yield path, body[block][key]


_HASH_SLICE = re.compile(r"\$\{substr\(sha256\(.*\), 0, (?P<length>\d+)\)\}$")
"""A name ending in the first N hex digits of a hash (e.g. the registration Job's) measures N
lowercase hex characters."""


def names_in(out) -> Iterator[tuple[str, str, str, str]]:
    """(stack, resource type, attribute, name) of every literal physical name in ``out``; the
    account ID token becomes 12 digits, references to other resources' names are skipped (they
    are checked where they are formed)."""
    for stack in out.stack_names():
        for rtype, _, body in out.all_resources(stack):
            for attribute, value in _named_values(body):
                if not isinstance(value, str) or _PURE_REFERENCE.match(value):
                    continue
                value = _ACCOUNT_TOKEN.sub(ACCOUNT_ID_PLACEHOLDER, value)
                yield stack, rtype, attribute, _HASH_SLICE.sub(lambda m: "0" * int(m["length"]), value)


def name_violations(out) -> tuple[list[str], list[str]]:
    """(names the table does not cover, names that break their rule) in ``out``."""
    uncovered, broken = set(), []
    for stack, rtype, attribute, name in names_in(out):
        rule = rule_for(rtype, attribute)
        if rule is None:
            uncovered.add(f"{rtype}.{attribute} (e.g. {name!r} in {stack})")
        elif "${" in name:
            broken.append(f"{stack}: {rtype}.{attribute} {name!r} holds a token the table cannot measure")
        elif not rule.minimum <= len(name) <= rule.limit or not re.fullmatch(rule.pattern, name):
            broken.append(f"{stack}: {rtype}.{attribute} {name!r} ({len(name)} chars) breaks: {rule.what}")
    return sorted(uncovered), broken


def test_longest_spec_reaches_the_limits(longest):
    spec, _ = longest
    prefix = f"{spec.federation.name}-{spec.federation.environment}"
    # S3 (63, with the 12-digit account ID) bounds the prefix; GKE (40) bounds every cluster name.
    assert len(f"{prefix}-ap-southeast-2-data-logs-{ACCOUNT_ID_PLACEHOLDER}") == 63
    assert all(len(f"{prefix}-{cluster.name}") == 40 for cluster in spec.gcp.clusters)
    assert len(spec.aws.direct_connect.connection.location) == 32
    assert len(spec.workload.namespace) == 63


def test_every_name_of_the_longest_spec_is_within_its_limit(longest):
    _, out = longest
    uncovered, broken = name_violations(out)
    assert not uncovered, f"named resources missing from federation_spec.names.NAME_RULES: {uncovered}"
    assert not broken, "\n".join(broken)


def test_every_name_of_the_default_estate_is_within_its_limit(default_synth):
    uncovered, broken = name_violations(default_synth)
    assert not uncovered, f"named resources missing from federation_spec.names.NAME_RULES: {uncovered}"
    assert not broken, "\n".join(broken)


def test_the_table_forms_names_exactly_as_the_stacks_do(longest):
    """Every name the table predicts from the spec is in the output, on the resource it says."""
    spec, out = longest
    found = {(rtype, attribute, name) for _, rtype, attribute, name in names_in(out)}
    checked = 0
    for rule in NAME_RULES:
        if rule.formed is None:
            continue
        for candidate in rule.formed(spec):
            checked += 1
            assert (rule.resource, rule.attribute, candidate.name) in found, (
                f"{rule.what}: the table forms {candidate.name!r}, the output has "
                f"{sorted(n for t, a, n in found if (t, a) == (rule.resource, rule.attribute))}"
            )
    assert checked > 40


def test_a_new_named_resource_must_be_in_the_table():
    """The coverage check fails on a resource type the table does not know."""

    class Fake:
        def stack_names(self):
            return ["s"]

        def all_resources(self, stack):
            yield "aws_new_thing", "x", {"name": "fl-dev-thing"}
            yield "aws_s3_bucket", "y", {"bucket": "x" * 64}

    uncovered, broken = name_violations(Fake())
    assert uncovered == ["aws_new_thing.name (e.g. 'fl-dev-thing' in s)"]
    assert len(broken) == 1
    assert "S3 bucket name" in broken[0]


# --- one name just over its limit -------------------------------------------------------------

AWS_ONLY = """
federation: {{name: {name}, environment: {environment}}}
aws:
  regions:
    - {{name: ap-southeast-2, cidr: 10.10.0.0/16, shared_filesystem: {efs}}}
"""

GCP_ONLY = """
federation: {{name: {name}, environment: {environment}}}
gcp:
  project: fl-project-123
  clusters:
    - {{name: {cluster}, region: us-central1, role: primary, cidr: 10.30.0.0/20, master_cidr: 172.16.0.0/28}}
"""

AZURE_ONLY = """
federation: {{name: {name}, environment: {environment}}}
azure:
  location: eastus
  data_share:
    terms: "Evaluation only."
    datasets: [{{container: evaluation-data}}]
    consumers: [{{email: partner@example.com}}]
"""

FEDERATION = "shorten federation.name or federation.environment"


def test_s3_bucket_one_character_over():
    # 16 + 1 + 9 = a 26-character prefix; the access-log bucket gets 64 characters.
    text = AWS_ONLY.format(name="fedlearn-product", environment="stage-abc", efs="false")
    bucket = f"fedlearn-product-stage-abc-ap-southeast-2-data-logs-{ACCOUNT_ID_PLACEHOLDER}"
    assert errors_of(text) == [
        f"federation.yaml: aws.regions[0].name: S3 bucket name '{bucket}' would be 64 characters (limit 63); {FEDERATION}"
    ]


def test_s3_bucket_at_the_limit_is_accepted():
    parse_spec(AWS_ONLY.format(name="fedlearn-product", environment="stage-ab", efs="false"))


def test_s3_reserved_prefix():
    text = AWS_ONLY.format(name="sthree", environment="dev", efs="false")
    [line] = errors_of(text)
    assert line.startswith(
        "federation.yaml: aws.regions[0].name: S3 bucket name 'sthree-dev-ap-southeast-2-data-logs-123456789012' is not valid: "
    )
    assert "not starting with 'xn--', 'sthree-' or 'amzn-s3-demo-'" in line


def test_security_group_prefix_cannot_start_with_sg():
    text = AWS_ONLY.format(name="sg", environment="dev", efs="true")
    assert errors_of(text) == [
        "federation.yaml: aws.regions[0].name: security group name prefix 'sg-dev-ap-southeast-2-shared-nfs-clients-' is not "
        "valid: printable ASCII, not starting with 'sg-' (Terraform appends 26 characters; names allow 255)"
    ]


def test_gke_cluster_one_character_over():
    at_limit = GCP_ONLY.format(name="fedlearn-production", environment="staging", cluster="us-central-1")
    assert len(parse_spec(at_limit).gcp.clusters[0].name) == 12  # 19 + 1 + 7 + 1 + 12 = 40
    text = GCP_ONLY.format(name="fedlearn-production", environment="staging", cluster="us-central-12")
    assert errors_of(text) == [
        "federation.yaml: gcp.clusters[0].name: GKE cluster name 'fedlearn-production-staging-us-central-12' would "
        "be 41 characters (limit 40); shorten gcp.clusters[0].name, federation.name or federation.environment"
    ]


def test_invitation_deployment_one_character_over():
    # A 45-character prefix: '<prefix>-invite-<12 hex digits>' is 65 characters, the ARM limit is 64.
    text = AZURE_ONLY.format(name="f" * 24, environment="e" * 20)
    [line] = errors_of(text)
    assert re.fullmatch(
        r"federation\.yaml: azure\.data_share\.consumers: ARM deployment name 'f{24}-e{20}-invite-[0-9a-f]{12}' "
        r"would be 65 characters \(limit 64\); " + FEDERATION,
        line,
    ), line
    parse_spec(AZURE_ONLY.format(name="f" * 24, environment="e" * 19))


def test_log_analytics_workspace_one_character_over():
    # A 48-character prefix: '<prefix>-data-share-logs' is 64 characters, the limit is 63.
    text = AZURE_ONLY.format(name="f" * 24, environment="e" * 23)
    lines = errors_of(text)
    assert (
        f"federation.yaml: azure.data_share: Log Analytics workspace name '{'f' * 24}-{'e' * 23}-data-share-logs' "
        f"would be 64 characters (limit 63); {FEDERATION}"
    ) in lines
    assert len(lines) == 2, lines  # and the invitation's deployment name, which is longer still


def test_validate_cli_prints_one_line_per_name(tmp_path):
    from tests.cli_helpers import run_main

    spec = tmp_path / "long.yaml"
    spec.write_text(AWS_ONLY.format(name="fedlearn-product", environment="stage-abc", efs="false"))
    result = run_main("validate", "--spec", str(spec))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "would be 64 characters (limit 63)" in result.stderr
