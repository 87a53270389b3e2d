"""Spec keys that keep each site's data in its silo: ``workload.google_apis``,
``workload.operators``, ``gcp.vpc_service_controls``, the removed ``https_egress``, and the
widenings every synth and validate print (``federation_spec.widening``)."""

from __future__ import annotations

import yaml

from federation_spec import parse_spec
from federation_spec.widening import widenings
from tests.cli_helpers import run_main
from tests.spec_helpers import assert_error
from tests.test_workload_spec import spec_text


def _with_gcp(workload: dict, **gcp) -> str:
    doc = yaml.safe_load(spec_text(workload))
    doc["gcp"].update(gcp)
    return yaml.safe_dump(doc, sort_keys=False)


def test_defaults_open_nothing():
    spec = parse_spec(spec_text())
    assert spec.workload.google_apis == ()
    assert spec.workload.operators == ()
    assert spec.gcp.vpc_service_controls is None
    assert widenings(spec) == []


def test_https_egress_is_removed_with_a_migration_hint():
    for value in (True, False):
        assert_error(spec_text({"https_egress": value}), "workload.https_egress", "removed", "workload.google_apis")


def test_google_apis_names_gcp_clusters_once():
    assert parse_spec(spec_text({"google_apis": ["fl-asia"]})).workload.google_apis == ("fl-asia",)
    assert_error(spec_text({"google_apis": ["fl-mars"]}), "workload.google_apis[0]", "not a gcp cluster", "fl-us")
    assert_error(spec_text({"google_apis": ["fl-us", "fl-us"]}), "workload.google_apis[1]", "twice")


def test_operators_are_iam_principals():
    ok = ["user:alice@corp.com", "serviceAccount:ci@fl-project-123.iam.gserviceaccount.com"]
    assert parse_spec(spec_text({"operators": ok})).workload.operators == tuple(ok)
    assert_error(spec_text({"operators": ["alice@corp.com"]}), "workload.operators[0]", "user:<email>")
    assert_error(spec_text({"operators": ["domain:corp.com"]}), "workload.operators[0]", "IAM principal")
    assert_error(spec_text({"operators": ok + ok[:1]}), "workload.operators[2]", "twice")


def test_group_operators_need_google_groups_for_rbac():
    text = spec_text({"operators": ["group:fl-ops@corp.com"]})
    assert_error(text, "workload.operators[0]", "gcp.rbac_security_group")
    parse_spec(_with_gcp({"operators": ["group:fl-ops@corp.com"]}, rbac_security_group="gke-security-groups@corp.com"))


def test_fleet_source_ranges_never_the_internet():
    """The same rule as the GKE API's authorized networks: no /0, nothing wider than a /8."""
    assert_error(
        spec_text({"aggregator": {"fleet_source_ranges": ["0.0.0.0/0"]}}),
        "workload.aggregator.fleet_source_ranges[0]",
        "whole internet",
    )
    assert_error(
        spec_text({"aggregator": {"fleet_source_ranges": ["64.0.0.0/2"]}}),
        "workload.aggregator.fleet_source_ranges[0]",
        "more than a /8",
    )
    parse_spec(spec_text({"aggregator": {"fleet_source_ranges": ["10.0.0.0/8"]}}))


def test_vpc_service_controls_shape():
    controls = {"access_policy": "123456789012", "restricted_services": ["storage.googleapis.com"]}
    spec = parse_spec(_with_gcp({}, vpc_service_controls=controls))
    assert spec.gcp.vpc_service_controls.restricted_services == ("storage.googleapis.com",)
    assert_error(
        _with_gcp({}, vpc_service_controls={**controls, "access_policy": "accessPolicies/1"}),
        "gcp.vpc_service_controls.access_policy",
        "policy number",
    )
    assert_error(
        _with_gcp({}, vpc_service_controls={**controls, "restricted_services": ["storage"]}),
        "gcp.vpc_service_controls.restricted_services[0]",
        "storage.googleapis.com",
    )
    assert_error(
        _with_gcp({}, vpc_service_controls={**controls, "restricted_services": []}),
        "gcp.vpc_service_controls.restricted_services",
    )
    assert_error(
        _with_gcp({}, vpc_service_controls={**controls, "restricted_services": ["container.googleapis.com"]}),
        "gcp.vpc_service_controls.restricted_services[0]",
        "lock the next apply out",
    )


def test_every_widening_is_listed_with_what_it_opens():
    workload = {
        "aggregator": {"fleet_source_ranges": ["203.0.113.0/24"], "args": ["--isolation", "process"]},
        "client": {"args": ["--max-retries", "3"]},
        "app": {"data_read_only": False},
        "google_apis": ["fl-asia"],
        "operators": ["user:alice@corp.com"],
    }
    found = dict(widenings(parse_spec(spec_text(workload))))
    assert found == {
        "workload.aggregator.fleet_source_ranges[0]": "opens the aggregators' fleet port 9092 to 203.0.113.0/24",
        "workload.google_apis[0]": "lets the ClientApp at fl-asia (code chosen by whoever submits a run) send the "
        "site's data to Google APIs in any project (no perimeter) as the site's Google service account",
        "workload.app.data_read_only": "mounts every site's data writable: any run's ClientApp can change or delete it",
        "workload.aggregator.args": "appends --isolation process to every SuperLink's command, unchecked beyond --insecure",
        "workload.client.args": "appends --max-retries 3 to every SuperNode's command, unchecked beyond --insecure",
        "workload.operators[0]": "lets user:alice@corp.com port-forward to the Control API: submit runs, i.e. run code "
        "at every site",
    }


def test_validate_prints_one_notice_line_per_widening(tmp_path):
    spec = tmp_path / "wide.yaml"
    spec.write_text(spec_text({"google_apis": ["fl-us"], "aggregator": {"fleet_source_ranges": ["203.0.113.0/24"]}}))
    result = run_main("validate", "--spec", str(spec))
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines == [
        f"notice: {spec}: workload.aggregator.fleet_source_ranges[0]: opens the aggregators' fleet port 9092 to "
        "203.0.113.0/24",
        f"notice: {spec}: workload.google_apis[0]: lets the ClientApp at fl-us (code chosen by whoever submits a run) "
        "send the site's data to Google APIs in any project (no perimeter) as the site's Google service account",
    ]
