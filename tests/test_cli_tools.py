"""synth --stacks, graph and inventory: what a reviewer reads before `cdktf deploy`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.cli_helpers import run_main
from tests.conftest import ROOT

AWS_STACKS = ("aws-direct-connect", "aws-us-east-1", "aws-us-west-2")
MEMBER_READS = (
    "gke-fl-us",
    "gke-fl-eu",
    "federation-pki",
    "federation-trust",
    "node-key-fl-us",
    "node-key-fl-eu",
    "node-key-fl-asia",
    "node-key-aws-us-west-2",
    "node-key-aws-us-east-1",
)
"""What the default's AWS member sites read, directly or through the trust stack."""


def test_selected_stacks_import_only_their_providers(tmp_path):
    """`synth --stacks 'aws-*'` imports only the providers of the selection and its dependencies:
    the default's AWS sites are federation members, which read the aggregators' clusters (Google),
    their key stacks (tls) and the trust stack, and wait for the image-cache role with the time
    provider; never Azure or Kubernetes provider packages."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from fedinfra.cli import main\n"
        f"code = main(['synth', '--quiet', '--stacks', 'aws-*', '--out', {str(tmp_path / 'out')!r}])\n"
        "providers = sorted({m.split('.')[0] for m in sys.modules if m.startswith('cdktf_cdktf_provider_')})\n"
        "print(json.dumps({'code': code, 'providers': providers}))\n"
    )
    result = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, check=False, timeout=600)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {
        "code": 0,
        "providers": [
            "cdktf_cdktf_provider_aws",
            "cdktf_cdktf_provider_google",
            "cdktf_cdktf_provider_time",
            "cdktf_cdktf_provider_tls",
        ],
    }, result.stderr[-2000:]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert sorted(manifest["stacks"]) == sorted([*AWS_STACKS, *MEMBER_READS])


def test_selection_pulls_in_dependencies(tmp_path):
    result = run_main("synth", "--quiet", "--stacks", "aws-us-east-1", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert sorted(manifest["stacks"]) == sorted([*AWS_STACKS, *MEMBER_READS])


def test_unknown_stack_glob_is_a_clear_error(tmp_path):
    result = run_main("synth", "--stacks", "gcp-*", "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: --stacks 'gcp-*' matches no stack; stacks are: ")
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    out = tmp_path_factory.mktemp("tools") / "out"
    result = run_main("synth", "--quiet", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_graph_mermaid_shows_stacks_and_cross_stack_references(synthesized):
    result = run_main("graph", "--from", str(synthesized))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "flowchart LR"
    stack = json.loads((synthesized / "stacks" / "aws-us-west-2" / "cdk.tf.json").read_text())
    count = sum(len(items) for items in stack["resource"].values())
    assert f'  aws_us_west_2["aws-us-west-2<br/>{count} resources"]' in lines
    assert '  aws_us_west_2 -->|"tgw.id, tgw_route_table.id"| aws_us_east_1' in lines
    assert '  aws_direct_connect -->|"direct_connect_gateway.id"| aws_us_west_2' in lines
    # The federation as one system: an AWS member site reads the aggregators' addresses, the CA and
    # its own key, and the aggregators read its NAT address.
    assert '  gke_fl_us -->|"aggregator_address.address"| aws_us_west_2' in lines
    assert '  federation_trust -->|"local.ca_certificate"| aws_us_west_2' in lines
    assert '  node_key_aws_us_west_2 -->|"node_key.private_key_openssh"| aws_us_west_2' in lines
    assert '  aws_us_west_2 -->|"federation_member_egress_eip.public_ip"| workload_fl_us' in lines


def test_graph_dot(synthesized):
    result = run_main("graph", "--from", str(synthesized), "--format", "dot")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("digraph federation {")
    assert '"aws-us-west-2" -> "aws-us-east-1" [label="tgw.id, tgw_route_table.id"];' in result.stdout


def test_graph_png_without_graphviz_is_a_clear_error(synthesized, tmp_path, monkeypatch):
    result = run_main(
        "graph", "--from", str(synthesized), "--png", str(tmp_path / "g.png"), env={"PATH": "/nonexistent"}
    )
    assert result.returncode == 2
    assert "--png needs Graphviz's `dot` on PATH" in result.stderr


def test_inventory_lists_types_counts_and_sensitive_outputs(synthesized):
    result = run_main("inventory", "--from", str(synthesized))
    assert result.returncode == 0, result.stderr
    text = result.stdout
    block = text.split("aws-direct-connect\n", 1)[1].split("\n\n", 1)[0]
    assert "  aws_dx_connection" in block
    sensitive = [line for line in block.splitlines() if "sensitive" in line.split()]
    assert sensitive == []  # the default orders a port without a VIF: no BGP key yet
    kubeconfigs = [line.split() for line in text.splitlines() if line.startswith("  output kubeconfig ")]
    assert kubeconfigs
    assert all(words[2] == "sensitive" for words in kubeconfigs)
    assert "cross-stack-output" not in text


def test_inventory_shows_every_federation_member_its_data_and_the_aggregator_it_dials(synthesized):
    text = run_main("inventory", "--from", str(synthesized)).stdout
    block = text.split("federation members (SuperNode sites)\n", 1)[1].split("\n\n", 1)[0]
    sites = [line.split()[:4] for line in block.splitlines() if "dials" in line]
    assert sites == [
        [site, kind, "dials", "gke-fl-us/google_compute_address.aggregator_address.address:9092"]
        for site, kind in (
            ("aws-us-east-1", "aws"),
            ("aws-us-west-2", "aws"),
            ("fl-asia", "gke"),
            ("fl-eu", "gke"),
            ("fl-us", "gke"),
        )
    ]
    assert "data  s3 fedlearn-dev-us-west-2-data-<account id>" in block
    assert "data  efs aws_efs_file_system.shared_fs_file_system (access point, TLS, IAM)" in block
    assert block.count("data  volume kubernetes_persistent_volume_claim_v1.") == 3


def test_inventory_from_missing_directory(tmp_path):
    result = run_main("inventory", "--from", str(tmp_path))
    assert result.returncode == 2
    assert "no manifest.json" in result.stderr


def test_inventory_lists_every_alert_what_it_watches_and_whom_it_tells(synthesized):
    """Each CloudWatch alarm and Cloud Monitoring policy of the default, with its meaning and its
    destinations resolved to the topic and e-mail addresses (or the e-mail channel)."""
    from fedinfra.inspect import load_stacks

    stacks = load_stacks(synthesized)
    expected = sorted(
        [
            alarm["alarm_name"]
            for rtype in ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm")
            for alarm in stacks["monitoring-aws"]["resource"][rtype].values()
        ]
        + [p["display_name"] for p in stacks["monitoring-gcp"]["resource"]["google_monitoring_alert_policy"].values()]
    )
    text = run_main("inventory", "--from", str(synthesized)).stdout
    block = text.split(f"alerts ({len(expected)})\n", 1)[1]
    lines = block.splitlines()
    names = sorted(line.strip().split("  [")[0] for line in lines if line.startswith("  ") and "  [" in line)
    assert names == expected
    unreachable = lines.index(next(line for line in lines if "fl-us-aggregator-unreachable" in line))
    assert "[CloudWatch us-east-1]" in lines[unreachable]
    assert "HealthCheckStatus" in lines[unreachable + 1]
    assert lines[unreachable + 2].split() == [
        "notifies",
        "sns:fedlearn-dev-alarms-us-east-1",
        "(e-mail",
        "fl-oncall@example.com)",
    ]
    policy = lines.index(
        next(line for line in lines if line.strip().startswith("fedlearn-dev-fl-asia: Flower containers not"))
    )
    assert "kubernetes.io/container/uptime" in lines[policy + 1]
    assert lines[policy + 2].split() == ["notifies", "email:fl-oncall@example.com"]
    # The pod that never starts (which uptime absence cannot see) has its own alert, by its events.
    starting = lines.index(
        next(line for line in lines if line.strip().startswith("fedlearn-dev-fl-asia: Flower pods not starting"))
    )
    assert "NotTriggerScaleUp" in lines[starting + 1]
    assert lines[starting + 2].split() == ["notifies", "email:fl-oncall@example.com"]
    assert "nobody" not in block
