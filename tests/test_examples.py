"""Every example spec validates, synthesizes, passes the policies and checkov."""

from __future__ import annotations

import pytest

from federation_spec import load_spec
from fedinfra.synth import synthesize
from tests.conftest import ROOT
from tests.synth_helpers import Synthesized
from tests.test_checkov import run_checkov

EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.yaml"))
EXPECTED_STACKS = {
    "minimal-aws.yaml": ["aws-eu-west-1"],
    "aws-gke.yaml": ["aws-eu-central-1", "aws-eu-west-1", "gke-agg-eu", "gke-site-eu"],
}


def test_multi_cloud_example_is_the_default_estate_with_gcs_state(examples, default_synth):
    _, out = examples["multi-cloud.yaml"]
    assert out.stack_names() == default_synth.stack_names()
    assert len(out.stack_names()) == 20, (
        "12 + federation-trust, a node-key stack per GKE site and per AWS member site, two monitoring stacks"
    )
    for name in out.stack_names():
        backend = out.stack(name)["terraform"]["backend"]
        assert backend == {"gcs": {"bucket": "fedlearn-terraform-state", "prefix": f"fedlearn/{name}"}}
    remote = out.data("workload-fl-us", "terraform_remote_state")
    assert {r["backend"] for r in remote.values()} == {"gcs"}, "cross-stack reads use the same backend"


def test_multi_cloud_example_also_notifies_its_pager_topic_and_slack_channel(examples):
    """Existing destinations: the SNS topic only from the alarms of its region (us-east-1), the
    Google channel from every alert policy; the thresholds reach the alarms."""
    spec, out = examples["multi-cloud.yaml"]
    pager = spec.monitoring.sns_topic_arns[0]
    alarms = list(out.resources("monitoring-aws", "aws_cloudwatch_metric_alarm").values())
    alarms += out.resources("monitoring-aws", "aws_cloudwatch_composite_alarm").values()
    for alarm in alarms:
        assert (pager in alarm["alarm_actions"]) == (alarm["region"] == "us-east-1"), alarm["alarm_name"]
        assert (pager in alarm["ok_actions"]) == (alarm["region"] == "us-east-1"), alarm["alarm_name"]
    for policy in out.resources("monitoring-gcp", "google_monitoring_alert_policy").values():
        assert spec.monitoring.google_channels[0] in policy["notification_channels"], policy["display_name"]
    below = [a for a in alarms if a["alarm_name"].endswith("-supernode-tasks-below-desired")]
    assert below
    assert all(a["evaluation_periods"] == 10 for a in below)


@pytest.fixture(scope="module")
def examples(tmp_path_factory) -> dict:
    """Example name -> (spec, synthesized output), each synthesized once."""
    result = {}
    for name in EXAMPLES:
        spec = load_spec(ROOT / "examples" / name)
        project = tmp_path_factory.mktemp("example")
        result[name] = (spec, Synthesized(synthesize(spec, project / "out", root=project)))
    return result


def test_the_three_documented_examples_exist():
    assert {"minimal-aws.yaml", "aws-gke.yaml", "multi-cloud.yaml"} <= set(EXAMPLES)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_synthesizes_the_stacks_its_sections_ask_for(examples, name):
    spec, out = examples[name]
    names = out.stack_names()
    if spec.aws:
        assert {f"aws-{r.name}" for r in spec.aws.regions} <= set(names)
    if spec.gcp:
        assert {f"gke-{c.name}" for c in spec.gcp.clusters} <= set(names)
    assert ("azure-data-share" in names) == (spec.azure is not None)
    if name in EXPECTED_STACKS:
        assert names == EXPECTED_STACKS[name]


def test_hybrid_example_peers_its_regions_and_uses_s3_state(examples):
    _, out = examples["aws-gke.yaml"]
    assert out.dependencies("aws-eu-west-1") == ["aws-eu-central-1"]
    assert out.stack("gke-agg-eu")["terraform"]["backend"]["s3"]["key"] == "fedlearn/gke-agg-eu.tfstate"


@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLES)
def test_example_passes_checkov(examples, name):
    _, out = examples[name]
    reports = run_checkov(out.outdir / "stacks")
    failed = [f"{c['check_id']} {c['resource']}" for r in reports for c in r["results"]["failed_checks"]]
    assert failed == []
