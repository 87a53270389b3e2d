"""Validation of the ``azure`` section: one bad input per rule, each naming its exact field path."""

from __future__ import annotations

import pytest

from federation_spec import SpecError, parse_spec

SPEC = """
federation: {{name: fedlearn}}
azure:
  location: {location}
  data_share:
    terms: {terms}
    datasets: {datasets}
    snapshot_schedule: {schedule}
    consumers: {consumers}
"""

GOOD = {
    "location": "eastus",
    "terms": '"Use only for federated model evaluation."',
    "datasets": "[{container: evaluation-data}, {container: reference-labels, folder: v1}]",
    "schedule": '{recurrence: Day, start_time: "2026-01-01T00:00:00Z"}',
    "consumers": '[{email: partner@example.com}, {email: lab@example.org, expires: "2027-06-30"}]',
}


def spec_text(**changes: str) -> str:
    return SPEC.format(**{**GOOD, **changes})


def errors(**changes: str) -> list[str]:
    with pytest.raises(SpecError) as e:
        parse_spec(spec_text(**changes), "federation.yaml")
    return e.value.lines()


def test_the_issue_example_is_valid_without_any_other_cloud():
    spec = parse_spec(spec_text())
    assert spec.aws is None
    share = spec.azure.data_share
    assert [c.email for c in share.consumers] == ["partner@example.com", "lab@example.org"]
    assert share.snapshot_schedule.start_time_rfc3339 == "2026-01-01T00:00:00Z"


def test_unquoted_yaml_timestamp_and_date_are_accepted():
    spec = parse_spec(
        spec_text(
            schedule="{recurrence: Hour, start_time: 2026-01-01T08:00:00Z}",
            consumers="[{email: lab@example.org, expires: 2027-06-30}]",
        )
    )
    share = spec.azure.data_share
    assert share.snapshot_schedule.start_time_rfc3339 == "2026-01-01T08:00:00Z"
    assert share.consumers[0].expiration_rfc3339 == "2027-06-30T23:59:59Z"


def test_no_cloud_at_all_names_azure_as_an_option():
    with pytest.raises(SpecError) as e:
        parse_spec("federation: {name: fedlearn}\n", "federation.yaml")
    assert e.value.lines() == ["federation.yaml: the spec declares no cloud: add an 'aws', 'gcp' or 'azure' section"]


# --- location -----------------------------------------------------------------------------------


def test_unknown_location():
    assert errors(location="mars-north") == [
        "federation.yaml: azure.location: unknown Azure location 'mars-north' (use the programmatic name, e.g. eastus)"
    ]


def test_display_name_location_suggests_programmatic_name():
    assert errors(location='"East US"') == [
        "federation.yaml: azure.location: unknown Azure location 'East US'; did you mean 'eastus'?"
    ]


# --- consumers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "partner",
        "partner@",
        "@example.com",
        "partner@example",
        "a b@example.com",
        "partner@@example.com",
        "partner@-example.com",
    ],
)
def test_malformed_email(email):
    (line,) = errors(consumers=f'[{{email: "{email}"}}]')
    assert line.startswith("federation.yaml: azure.data_share.consumers[0].email: ")
    assert "not a well-formed e-mail address" in line


def test_duplicate_email_is_case_insensitive():
    assert errors(consumers="[{email: lab@example.org}, {email: partner@example.com}, {email: LAB@example.org}]") == [
        "federation.yaml: azure.data_share.consumers[2].email: duplicate consumer 'LAB@example.org' "
        "(already at azure.data_share.consumers[0])"
    ]


def test_expiry_not_after_start_time():
    (line,) = errors(consumers='[{email: partner@example.com}, {email: lab@example.org, expires: "2025-12-31"}]')
    assert line.startswith("federation.yaml: azure.data_share.consumers[1].expires: 2025-12-31 is not after")


def test_expiry_on_the_start_day_is_rejected():
    (line,) = errors(consumers='[{email: partner@example.com}, {email: lab@example.org, expires: "2026-01-01"}]')
    assert line.startswith("federation.yaml: azure.data_share.consumers[1].expires: 2026-01-01 is not after")


def test_expiry_without_schedule_is_not_compared():
    spec = parse_spec(spec_text(schedule="null", consumers='[{email: lab@example.org, expires: "2025-12-31"}]'))
    assert spec.azure.data_share.snapshot_schedule is None


@pytest.mark.parametrize("expires", ['"30/06/2027"', '"2027-02-30"', "2027-06-30T00:00:00Z"])
def test_malformed_expiry(expires):
    (line,) = errors(consumers=f"[{{email: lab@example.org, expires: {expires}}}]")
    assert line.startswith("federation.yaml: azure.data_share.consumers[0].expires: ")


# --- datasets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "container",
    ["ab", "a" * 64, "Evaluation-Data", "evaluation_data", "-evaluation", "evaluation-", "eval--data", "eval.data"],
)
def test_illegal_container_name(container):
    (line,) = errors(datasets=f'[{{container: "{container}"}}]')
    assert line.startswith("federation.yaml: azure.data_share.datasets[0].container: ")
    assert "not a valid Azure container name" in line


def test_legal_container_name_bounds():
    spec = parse_spec(spec_text(datasets=f"[{{container: abc}}, {{container: {'a1' * 31}b}}]"))
    assert [len(d.container) for d in spec.azure.data_share.datasets] == [3, 63]


@pytest.mark.parametrize("folder", ['"/v1"', '"v1/"', '"a//b"', '"../v1"', '"a\\\\b"', '""'])
def test_illegal_folder(folder):
    (line,) = errors(datasets=f"[{{container: labels, folder: {folder}}}]")
    assert line.startswith("federation.yaml: azure.data_share.datasets[0].folder: ")


def test_datasets_required():
    assert errors(datasets="[]") == ["federation.yaml: azure.data_share.datasets: must list at least one entry"]


@pytest.mark.parametrize(
    "datasets",
    [
        "[{container: labels}, {container: labels, folder: v1}]",
        "[{container: labels, folder: v1}, {container: labels}]",
        "[{container: labels, folder: v1}, {container: labels, folder: v1/train}]",
        "[{container: labels, folder: v1}, {container: labels, folder: v1}]",
    ],
)
def test_overlapping_datasets(datasets):
    (line,) = errors(datasets=datasets)
    assert line.startswith("federation.yaml: azure.data_share.datasets[1]: overlaps azure.data_share.datasets[0]")


def test_disjoint_folders_of_one_container_are_fine():
    spec = parse_spec(spec_text(datasets="[{container: labels, folder: v1}, {container: labels, folder: v10}]"))
    assert len(spec.azure.data_share.datasets) == 2


# --- schedule and terms -------------------------------------------------------------------------


def test_recurrence_must_be_hour_or_day():
    (line,) = errors(schedule='{recurrence: Week, start_time: "2026-01-01T00:00:00Z"}')
    assert line.startswith("federation.yaml: azure.data_share.snapshot_schedule.recurrence: ")
    assert "'Hour' or 'Day'" in line


@pytest.mark.parametrize(
    ("start_time", "problem"),
    [
        ('"next monday"', "is not an ISO 8601 timestamp"),
        ('"2026-01-01"', "is not an ISO 8601 timestamp"),
        ('"2026-01-01T00:00:00"', "has no time zone"),
        ("2026-01-01T00:00:00", "has no time zone"),
        ('"2026-01-01T00:00:00+02:00"', "is not in UTC"),
        ('"2026-13-01T00:00:00Z"', "is not a valid date and time"),
    ],
)
def test_start_time_must_be_iso8601_utc(start_time, problem):
    (line,) = errors(schedule=f"{{recurrence: Day, start_time: {start_time}}}")
    assert line.startswith("federation.yaml: azure.data_share.snapshot_schedule.start_time: ")
    assert problem in line


def test_terms_must_not_be_empty():
    assert errors(terms='"  "') == ["federation.yaml: azure.data_share.terms: must not be empty"]


def test_typo_in_key_suggests_the_right_one():
    text = spec_text().replace("consumers:", "consumer:")
    with pytest.raises(SpecError) as e:
        parse_spec(text, "federation.yaml")
    assert e.value.lines() == [
        "federation.yaml: azure.data_share.consumer: unknown key 'consumer'; did you mean 'consumers'?"
    ]
