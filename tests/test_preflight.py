"""`main.py preflight`: each line fires on a spec (or machine) that needs it and stays silent on a
ready one; exit codes 0/1/2; no cdktf or provider import; time-bounded tool probes."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from federation_spec import parse_spec
from fedinfra.preflight import Environment, exit_code, render, run_checks
from fedinfra.preflight import core as preflight_core
from fedinfra.preflight.gcp_apis import RESOURCE_APIS
from tests.cli_helpers import run_main
from tests.conftest import DEFAULT_SPEC, ROOT
from tests.preflight_helpers import DEFAULT, fake_tools, ready_data, write_ready_spec


def spec_of(data: dict):
    return parse_spec(yaml.safe_dump(data, sort_keys=False))


def ready_env(**overrides) -> Environment:
    """A machine with every tool (Terraform 1.11.4) and the plugin cache set up."""
    values = {
        "which": lambda name: f"/usr/local/bin/{name}",
        "probe": lambda argv: json.dumps({"terraform_version": "1.11.4", "platform": "linux_amd64"}),
        "variables": {"TF_PLUGIN_CACHE_DIR": "/cache"},
        "read_text": lambda path: None,
        "is_dir": lambda path: True,
    }
    values.update(overrides)
    return Environment(**values)


def lines(data: dict, env: Environment | None = None) -> list[str]:
    return [finding.render() for finding in run_checks(spec_of(data), env or ready_env())]


def blocking(data: dict, env: Environment | None = None) -> list[str]:
    return [line for line in lines(data, env) if line.startswith("block: ")]


def test_ready_spec_on_a_ready_machine_has_no_blocking_line():
    findings = run_checks(spec_of(ready_data()), ready_env())
    assert [f for f in findings if f.level == "block"] == []
    assert exit_code(findings) == 0
    assert render(findings)[-1].startswith("preflight: nothing blocks a first deploy")


def test_default_spec_blocks_on_every_sample_value():
    assert blocking(DEFAULT) == [
        "block: gcp.project: fl-project-123 is the sample project ID; set it to your project's ID (gcloud projects list)",
        "block: dns.domain: federated.yourcompany.net is the sample domain; set a domain you control and can delegate",
        "block: azure.data_share.consumers[0].email: partner@example.com is in the reserved domain example.com "
        "(no one receives mail there); set the consumer's Azure sign-in address",
        "block: azure.data_share.consumers[1].email: lab@example.org is in the reserved domain example.org "
        "(no one receives mail there); set the consumer's Azure sign-in address",
        "block: monitoring.emails[0]: fl-oncall@example.com is in the reserved domain example.com (no one receives "
        "mail there); set an address the operators read",
    ]
    assert exit_code(run_checks(spec_of(DEFAULT), ready_env())) == 1


def test_dns_notes_say_what_supernodes_dial_until_the_zone_answers():
    def dns_notes(data):
        return [line for line in lines(data) if line.startswith(("note: dns.", "note: workload.aggregator_host"))]

    data = ready_data()
    assert dns_notes(data) == [
        "note: dns.domain: nobody delegates fl.acme-research.net at first apply, so SuperNodes dial the primary "
        "aggregator's IP and do not follow failover; set dns.parent_zone_id (the stack writes NS and DS into that "
        "Route 53 zone), or delegate it yourself and set dns.delegated: true, to make them dial "
        "aggregator.fl.acme-research.net"
    ]
    data["dns"]["parent_zone_id"] = "Z0123456789ABCDEFGHIJ"
    assert dns_notes(data) == []
    del data["dns"]["parent_zone_id"]
    data["dns"]["delegated"] = True
    assert dns_notes(data)[0].startswith(
        "note: dns.delegated: SuperNodes dial aggregator.fl.acme-research.net: the parent zone of fl.acme-research.net "
        "must already hold the NS records"
    )
    data["dns"]["delegated"] = False
    data["workload"]["aggregator_host"] = "fl.partner-dns.org"
    assert [line.split(":")[1] for line in dns_notes(data)] == [" workload.aggregator_host"]


def test_reserved_rbac_group_blocks():
    data = ready_data()
    data["gcp"]["rbac_security_group"] = "gke-security-groups@example.com"
    assert blocking(data) == [
        "block: gcp.rbac_security_group: gke-security-groups@example.com is in the reserved domain example.com "
        "(no one receives mail there); set gke-security-groups@<your Cloud Identity domain>"
    ]
    data["gcp"]["rbac_security_group"] = "gke-security-groups@acme-research.net"
    assert blocking(data) == []


def test_documentation_account_ids_block():
    data = ready_data()
    data["aws"]["data_admin_role_arns"] = ["arn:aws:iam::123456789012:role/loader", "arn:aws:iam::210987654321:role/ok"]
    data["aws"]["regions"][0]["app_image"] = "111122223333.dkr.ecr.us-west-2.amazonaws.com/fl-app:1.0.0"
    assert blocking(data) == [
        "block: aws.data_admin_role_arns[0]: 123456789012 is an AWS documentation account ID; "
        "use your account's ID in arn:aws:iam::123456789012:role/loader",
        "block: aws.regions[0].app_image: 111122223333 is an AWS documentation account ID; "
        "use your account's ID in 111122223333.dkr.ecr.us-west-2.amazonaws.com/fl-app:1.0.0",
    ]


def test_google_apis_note_names_every_api_and_the_project():
    found = [line for line in lines(ready_data()) if "gcloud services enable" in line]
    assert found == [
        "note: gcp.project: enable the APIs the stacks use before the first apply (idempotent): gcloud services "
        "enable binaryauthorization.googleapis.com cloudresourcemanager.googleapis.com compute.googleapis.com "
        "container.googleapis.com dns.googleapis.com iam.googleapis.com iamcredentials.googleapis.com "
        "logging.googleapis.com monitoring.googleapis.com serviceusage.googleapis.com --project acme-fl-prod-4821"
    ]
    data = ready_data()
    for key in ("gcp", "workload", "dns"):
        del data[key]
    assert not [line for line in lines(data) if "gcloud" in line]


def test_every_google_resource_type_the_stacks_create_has_its_api(default_synth):
    """A new Google resource type must name its API, or the preflight command would miss it."""
    types = set()
    for path in Path(default_synth.outdir).glob("stacks/*/cdk.tf.json"):
        types |= {t for t in json.loads(path.read_text()).get("resource", {}) if t.startswith("google_")}
    assert types, "the default spec creates Google resources"
    assert sorted(types - set(RESOURCE_APIS)) == []


def test_docker_hub_secret_command_per_member_region():
    found = [line for line in lines(ready_data()) if "create-secret" in line]
    assert found == [
        f"note: aws.member.docker_hub_credential_secret: run: aws secretsmanager create-secret --region {region} "
        "--name ecr-pullthroughcache/docker-hub --secret-string file://docker-hub.json"
        for region in ("us-west-2", "us-east-1")
    ]
    data = ready_data()
    del data["workload"]  # without a workload no site is a federation member
    assert not [line for line in lines(data) if "docker_hub_credential_secret" in line]


def test_new_direct_connect_port_bills_and_needs_the_loa():
    found = [line for line in lines(ready_data()) if line.startswith("note: aws.direct_connect.connection: ")]
    assert len(found) == 1
    assert "orders a dedicated 1Gbps port at EqSe2 (us-west-2), billed per port-hour" in found[0]
    assert "describe-loa" in found[0]
    assert "LOA-CFA" in found[0]
    data = ready_data()
    data["aws"]["direct_connect"]["connection"] = {"id": "dxcon-fgabc123"}
    assert not [line for line in lines(data) if "direct_connect" in line]


def test_data_share_wait_and_consumers_are_notes():
    found = [line for line in lines(ready_data()) if line.startswith("note: azure.data_share")]
    assert any("pauses 10 minutes" in line for line in found)
    assert any("invitations go to partner@northwind-labs.org" in line for line in found)
    data = ready_data()
    del data["azure"]
    assert not [line for line in lines(data) if "azure" in line]


def test_missing_terraform_blocks_and_tofu_needs_the_binary_name():
    def without(*missing):
        return lambda name: None if name in missing else f"/usr/bin/{name}"

    assert blocking(ready_data(), ready_env(which=without("terraform", "tofu"))) == [
        "block: terraform: not on PATH; install Terraform >= 1.10 (or OpenTofu >= 1.10 with TERRAFORM_BINARY_NAME=tofu)"
    ]
    assert blocking(ready_data(), ready_env(which=without("terraform"))) == [
        "block: terraform: not on PATH but tofu is; cdktf runs terraform unless told: export TERRAFORM_BINARY_NAME=tofu"
    ]
    tofu = ready_env(
        which=without("terraform"), variables={"TERRAFORM_BINARY_NAME": "tofu", "TF_PLUGIN_CACHE_DIR": "/c"}
    )
    assert blocking(ready_data(), tofu) == []


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ('{"terraform_version": "1.9.8"}', "block: terraform: version 1.9.8 is too old"),
        ("Terraform v1.5.7\non linux_amd64\n", "block: terraform: version 1.5.7 is too old"),
        (None, "block: terraform: `terraform version -json` failed or took too long"),
        ('{"terraform_version": "1.10.0"}', None),
        ("OpenTofu v1.10.6\n", None),
    ],
)
def test_terraform_version(output, expected):
    found = blocking(ready_data(), ready_env(probe=lambda argv: output))
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1, found
        assert found[0].startswith(expected), found


def test_member_sites_need_aws_cli_docker_and_node():
    env = ready_env(which=lambda name: None if name in {"aws", "docker", "npx"} else f"/usr/bin/{name}")
    found = blocking(ready_data(), env)
    assert [line.split(":")[1].strip() for line in found] == ["npx", "aws", "docker"]
    assert "aws-us-west-2, aws-us-east-1" in found[1]
    data = ready_data()
    del data["aws"]
    assert [line.split(":")[1].strip() for line in blocking(data, env)] == ["npx"]


def test_cdktf_cli_must_be_installed_in_the_project():
    def only_cache(path):
        return not path.endswith("cdktf-cli")

    assert blocking(ready_data(), ready_env(is_dir=only_cache)) == [
        "block: cdktf-cli: not installed in this project (npx would fetch an unpinned cdktf); run `make setup` "
        "(npm ci installs the pinned cdktf-cli 0.21.0)"
    ]


def test_gcloud_tools_are_notes():
    env = ready_env(which=lambda name: None if name.startswith(("gcloud", "gke-")) else f"/usr/bin/{name}")
    found = [line for line in lines(ready_data(), env) if "gcloud" in line.split(":")[1]]
    assert [line.split(":")[:2] for line in found] == [["note", " gcloud"], ["note", " gke-gcloud-auth-plugin"]]


def test_plugin_cache_notes():
    unset = ready_env(variables={})
    found = [line for line in lines(ready_data(), unset) if line.startswith("note: TF_PLUGIN_CACHE_DIR: ")]
    assert found == [
        "note: TF_PLUGIN_CACHE_DIR: unset: each of the 20 stacks downloads its providers again; deploy with "
        '`make deploy` (sets it), or: export TF_PLUGIN_CACHE_DIR=$HOME/.terraform.d/plugin-cache && mkdir -p "$TF_PLUGIN_CACHE_DIR"'
    ]
    in_config = ready_env(variables={}, read_text=lambda path: 'plugin_cache_dir = "$HOME/.terraform.d/plugin-cache"\n')
    assert not [line for line in lines(ready_data(), in_config) if "TF_PLUGIN_CACHE" in line]
    missing = ready_env(is_dir=lambda path: False)
    assert (
        "note: TF_PLUGIN_CACHE_DIR: /cache does not exist and Terraform does not create it: mkdir -p /cache"
        in lines(ready_data(), missing)
    )
    breaking = ready_env(variables={"TF_PLUGIN_CACHE_DIR": "/c", "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE": "1"})
    assert any(
        line.startswith("note: TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE: set")
        for line in lines(ready_data(), breaking)
    )


def test_version_probe_is_time_bounded(tmp_path, monkeypatch):
    """A hanging `terraform version` counts as failed after the probe timeout, not forever."""
    slow = tmp_path / "terraform"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(slow.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(preflight_core, "PROBE_TIMEOUT_SECONDS", 0.5)
    env = ready_env(
        which=lambda name: str(slow) if name == "terraform" else f"/usr/bin/{name}", probe=preflight_core._run_probe
    )
    started = time.perf_counter()
    found = blocking(ready_data(), env)
    assert time.perf_counter() - started < 5
    assert found == [
        f"block: terraform: `terraform version -json` failed or took too long; check the installation at {slow}"
    ]


# --- the command line, as a user runs it -------------------------------------------------------


def run_preflight(spec: Path, path: str, cache: Path) -> subprocess.CompletedProcess:
    env = {"PATH": path, "TF_PLUGIN_CACHE_DIR": str(cache)}
    return run_main("preflight", "--spec", str(spec), env=env, timeout=60)


def test_cli_exit_codes(tmp_path):
    ready = write_ready_spec(tmp_path / "ready.yaml")
    path = str(fake_tools(tmp_path / "bin"))
    result = run_preflight(ready, path, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not [line for line in result.stdout.splitlines() if line.startswith("block: ")]
    assert result.stdout.splitlines()[-1].startswith("preflight: nothing blocks a first deploy (")

    result = run_preflight(DEFAULT_SPEC, path, tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "preflight: 5 blocking, 12 notes; fix the blocking lines before deploying"

    old = str(fake_tools(tmp_path / "old-bin", "1.9.8"))
    result = run_preflight(ready, old, tmp_path)
    assert result.returncode == 1
    assert "block: terraform: version 1.9.8 is too old" in result.stdout


def test_cli_bad_spec_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    data = ready_data()
    data["gcp"]["project"] = "Not_A_Project"
    bad.write_text(yaml.safe_dump(data, sort_keys=False))
    result = run_main("preflight", "--spec", str(bad))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{bad}: gcp.project: 'Not_A_Project' is not a GCP project ID (6-30 lowercase letters, digits and "
        "hyphens, starting with a letter, not ending with a hyphen)"
    ]


def test_preflight_imports_no_cdktf_and_is_fast(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import contextlib, io, json, sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from fedinfra.cli import main\n"
        "started = time.perf_counter()\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main(['preflight', '--spec', {str(DEFAULT_SPEC)!r}])\n"
        "elapsed = time.perf_counter() - started\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'cdktf', 'constructs', 'jsii'} or m.startswith('cdktf_'))\n"
        "print(json.dumps({'code': code, 'heavy': heavy, 'elapsed': elapsed}))\n"
    )
    result = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, timeout=60, check=False)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["code"] == 1, result.stderr
    assert report["heavy"] == []
    assert report["elapsed"] < 1.0, report


def test_readme_shows_the_default_specs_real_output(tmp_path):
    """The Deploying section's example is what the command prints (every tool present, no cache set)."""
    env = {"PATH": str(fake_tools(tmp_path / "bin")), "HOME": str(tmp_path), "TF_CLI_CONFIG_FILE": ""}
    result = run_main("preflight", "--spec", str(DEFAULT_SPEC), env={**env, "TF_PLUGIN_CACHE_DIR": ""}, timeout=60)
    readme = (ROOT / "README.md").read_text()
    example = readme.split("$ python main.py preflight\n", 1)[1].split("```", 1)[0]
    assert result.stdout == example


def test_cpu_quota_note_names_the_need_until_a_quota_is_stated():
    note_line = [line for line in lines(ready_data()) if line.startswith("note: gcp.cpu_quota: ")]
    assert len(note_line) == 1
    assert "needs 30 vCPUs in project acme-fl-prod-4821" in note_line[0]
    assert "(us-central1 12, europe-west1 12, asia-southeast1 6)" in note_line[0]
    assert "quotas.metric=CPUS_ALL_REGIONS" in note_line[0]
    data = ready_data()
    data["gcp"]["cpu_quota"] = 32
    assert not [line for line in lines(data) if "gcp.cpu_quota" in line]


def test_cpu_quota_below_the_peak_blocks():
    data = ready_data()
    data["gcp"]["cpu_quota"] = 24
    data["gcp"]["region_cpu_quota"] = {"us-central1": 8}
    assert blocking(data) == [
        "block: gcp.cpu_quota: the first apply needs 30 vCPUs in project acme-fl-prod-4821 at its peak "
        "(us-central1 12, europe-west1 12, asia-southeast1 6), more than the CPUS_ALL_REGIONS quota of 24; "
        "request an increase or lower node_pool.min_nodes / machine_type",
        "block: gcp.region_cpu_quota.us-central1: the first apply needs 12 vCPUs in us-central1 at its peak, "
        "more than the CPUS quota of 8; request an increase or lower node_pool.min_nodes / machine_type",
    ]


def test_a_site_with_data_and_no_loader_is_noted_until_loaders_are_named():
    noted = [line for line in lines(ready_data()) if "data_loaders" in line]
    assert len(noted) == 2  # both default sites store data
    assert noted[:1] == [
        "note: aws.regions[0].data_loaders: us-west-2 stores data but names no loader: only this account's "
        "administrators can load it, by assuming fedlearn-dev-us-west-2-data-loader (output data_loader_role_arn; "
        "see 'Loading data into an AWS site'); name the roles that load data in data_loaders"
    ]
    data = ready_data()
    for region in data["aws"]["regions"]:
        region["data_loaders"] = ["arn:aws:iam::210987654321:role/ingest"]
    assert not [line for line in lines(data) if "data_loaders" in line]


def test_monitoring_notes_confirmation_mails_and_a_missing_section():
    data = ready_data()
    assert [line for line in lines(data) if line.startswith("note: monitoring")] == [
        "note: monitoring.emails: each address receives an 'AWS Notification - Subscription Confirmation' mail per "
        "alarm region (us-east-1, us-west-2); CloudWatch alarms reach it only after it is confirmed"
    ]
    del data["monitoring"]
    assert [line for line in lines(data) if line.startswith("note: monitoring")] == [
        "note: monitoring: no monitoring section: nobody is told when an aggregator or a site stops; add "
        "monitoring.emails (see 'Monitoring' in the README)"
    ]


def test_reserved_alert_recipient_blocks():
    data = ready_data()
    data["monitoring"]["emails"] = ["oncall@example.net"]
    assert blocking(data) == [
        "block: monitoring.emails[0]: oncall@example.net is in the reserved domain example.net (no one receives "
        "mail there); set an address the operators read"
    ]


def test_the_examples_sample_parent_zone_id_blocks():
    data = ready_data()
    data["dns"]["parent_zone_id"] = "Z0123456789ABCDEFGHIJ"
    assert blocking(data) == [
        "block: dns.parent_zone_id: Z0123456789ABCDEFGHIJ is the example's sample zone ID; set the ID of your "
        "public Route 53 zone acme-research.net (aws route53 list-hosted-zones-by-name --dns-name acme-research.net)"
    ]
    data["dns"]["parent_zone_id"] = "Z04517272LHZ7SXPQ8TF6"
    assert blocking(data) == []
