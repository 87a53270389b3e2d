"""The ``workload`` spec section: one bad input per validation rule, each naming its exact field path."""

from __future__ import annotations

import pytest
import yaml

from federation_spec import parse_spec
from federation_spec.workload import FLOWER_SERVERAPPIO_PORT, FLOWER_VERSION, quantity_value, split_image
from tests.spec_helpers import assert_error, errors_of

DIGEST = "sha256:" + "ab" * 32
CLUSTERS = [
    {
        "name": "fl-us",
        "region": "us-central1",
        "role": "primary",
        "cidr": "10.30.0.0/20",
        "master_cidr": "172.16.0.0/28",
    },
    {
        "name": "fl-asia",
        "region": "asia-southeast1",
        "role": "client",
        "cidr": "10.50.0.0/20",
        "master_cidr": "172.16.0.32/28",
    },
]


def spec_text(workload: dict | None = None, *, clusters=None, gcp: bool = True) -> str:
    doc = {"federation": {"name": "fedlearn", "environment": "dev"}}
    if gcp:
        doc["gcp"] = {"project": "fl-project-123", "clusters": clusters if clusters is not None else CLUSTERS}
    else:
        doc["aws"] = {"regions": [{"name": "us-west-2", "cidr": "10.10.0.0/16"}]}
    doc["workload"] = workload if workload is not None else {}
    return yaml.safe_dump(doc, sort_keys=False)


# --- valid specs and defaults ----------------------------------------------------------------


def test_empty_section_takes_the_flower_preset():
    workload = parse_spec(spec_text()).workload
    assert workload.framework == "flower"
    assert workload.namespace == "federated-learning"
    assert workload.aggregator.image == f"flwr/superlink:{FLOWER_VERSION}"
    assert workload.client.image == f"flwr/supernode:{FLOWER_VERSION}"
    assert (workload.aggregator.fleet_port, workload.aggregator.control_port) == (9092, 9093)
    assert workload.client.replicas == 1
    assert workload.client.storage == "20Gi"
    assert workload.app.image == f"flwr/superexec:{FLOWER_VERSION}"
    assert workload.app.data_read_only is True
    assert workload.aggregator.fleet_source_ranges == (), "partners only; NAT IPs and checkers are added by the stacks"
    assert workload.partner_node_keys == ()
    assert workload.aggregator_host is None


@pytest.mark.parametrize(
    "image",
    [
        "flwr/superlink:1.25.0",
        f"flwr/superlink@{DIGEST}",
        f"flwr/superlink:1.25.0@{DIGEST}",
        "us-docker.pkg.dev/proj/repo/trainer:2024-01-01",
        "localhost:5000/trainer:v1",
        f"registry.example.com:5000/team/trainer@{DIGEST}",
    ],
)
def test_pinned_images_are_accepted(image):
    assert parse_spec(spec_text({"aggregator": {"image": image}})).workload.aggregator.image == image


def test_digest_pins_even_a_latest_tag():
    image = f"flwr/superlink:latest@{DIGEST}"
    assert split_image(image) == ("flwr/superlink:latest", "latest", DIGEST)
    assert parse_spec(spec_text({"aggregator": {"image": image}})).workload.aggregator.image == image


def test_quantities_are_compared_as_numbers():
    assert quantity_value("500m") < quantity_value("1")
    assert quantity_value("1Gi") == 1024 * quantity_value("1Mi")
    assert quantity_value("2G") < quantity_value("2Gi")


def test_aggregator_host_is_accepted():
    text = spec_text({"aggregator_host": "aggregator.federated.yourcompany.net"})
    assert parse_spec(text).workload.aggregator_host == "aggregator.federated.yourcompany.net"


# --- images ----------------------------------------------------------------------------------


def test_image_without_tag_is_rejected():
    assert_error(spec_text({"aggregator": {"image": "flwr/superlink"}}), "workload.aggregator.image", "not pinned")


def test_latest_tag_is_rejected():
    assert_error(spec_text({"client": {"image": "flwr/supernode:latest"}}), "workload.client.image", "mutable tag")


def test_registry_port_is_not_a_tag():
    assert_error(spec_text({"client": {"image": "localhost:5000/supernode"}}), "workload.client.image", "not pinned")


def test_malformed_digest_is_rejected():
    assert_error(
        spec_text({"aggregator": {"image": "flwr/superlink@sha256:abc"}}), "workload.aggregator.image", "digest"
    )


def test_malformed_image_reference_is_rejected():
    assert_error(spec_text({"client": {"image": "Flwr/SuperNode:1.0"}}), "workload.client.image", "not a container")


def test_app_image_must_be_pinned():
    assert_error(spec_text({"app": {"image": "us-docker.pkg.dev/p/r/fl-app"}}), "workload.app.image", "not pinned")
    assert_error(spec_text({"app": {"image": "flwr/superexec:latest"}}), "workload.app.image", "mutable tag")


def test_old_training_section_gets_one_line_saying_what_replaced_it():
    training = {"image": "us-docker.pkg.dev/p/r/trainer:1.0.0", "command": ["python", "-m", "trainer"]}
    assert errors_of(spec_text({"training": training})) == [
        "federation.yaml: workload.training: removed: training now runs in the ClientApp of your Flower app, "
        "executed by each site's SuperNode; set workload.app.image (see README)"
    ]


# --- ports -----------------------------------------------------------------------------------


def test_privileged_port_is_rejected():
    assert_error(spec_text({"aggregator": {"fleet_port": 443}}), "workload.aggregator.fleet_port", "1024")


def test_port_above_range_is_rejected():
    assert_error(spec_text({"aggregator": {"control_port": 70000}}), "workload.aggregator.control_port", "65535")


def test_fleet_and_control_ports_must_differ():
    text = spec_text({"aggregator": {"fleet_port": 9500, "control_port": 9500}})
    assert_error(text, "workload.aggregator.control_port", "also the fleet_port")


def test_serverappio_port_is_reserved():
    text = spec_text({"aggregator": {"fleet_port": FLOWER_SERVERAPPIO_PORT}})
    assert_error(text, "workload.aggregator.fleet_port", "ServerAppIO")


# --- quantities ------------------------------------------------------------------------------


def test_storage_must_be_a_binary_quantity():
    assert_error(spec_text({"client": {"storage": "20GB"}}), "workload.client.storage", "storage quantity")


def test_storage_must_be_positive():
    assert_error(spec_text({"aggregator": {"state_storage": "0Gi"}}), "workload.aggregator.state_storage", "positive")


def test_cpu_quantity_is_checked():
    text = spec_text({"aggregator": {"resources": {"cpu_request": "two"}}})
    assert_error(text, "workload.aggregator.resources.cpu_request", "CPU quantity")


def test_memory_quantity_is_checked():
    text = spec_text({"client": {"resources": {"memory_limit": "4 GiB"}}})
    assert_error(text, "workload.client.resources.memory_limit", "memory quantity")


def test_request_above_limit_is_rejected():
    text = spec_text({"client": {"resources": {"memory_request": "8Gi", "memory_limit": "4Gi"}}})
    assert_error(text, "workload.client.resources", "memory_request 8Gi is more than memory_limit 4Gi")


def test_cpu_request_above_limit_is_rejected():
    text = spec_text({"aggregator": {"resources": {"cpu_request": "1500m", "cpu_limit": "1"}}})
    assert_error(text, "workload.aggregator.resources", "cpu_request 1500m")


# --- other fields ----------------------------------------------------------------------------


def test_insecure_flag_is_rejected():
    assert_error(spec_text({"aggregator": {"args": ["--insecure"]}}), "workload.aggregator.args", "TLS")


def test_insecure_flag_is_rejected_for_clients_too():
    assert_error(spec_text({"client": {"args": ["--insecure=true"]}}), "workload.client.args", "TLS")


def test_aggregator_host_must_be_a_dns_name():
    assert_error(spec_text({"aggregator_host": "aggregator"}), "workload.aggregator_host", "fully qualified")


def test_aggregator_host_must_not_be_an_ip():
    assert_error(spec_text({"aggregator_host": "203.0.113.10"}), "workload.aggregator_host", "IP address")


def test_namespace_must_be_a_dns_label():
    assert_error(spec_text({"namespace": "Federated_Learning"}), "workload.namespace", "DNS label")


def test_system_namespaces_are_rejected():
    assert_error(spec_text({"namespace": "kube-system"}), "workload.namespace", "reserved")


def test_fleet_source_ranges_must_be_cidrs():
    text = spec_text({"aggregator": {"fleet_source_ranges": ["203.0.113.1/24"]}})
    assert_error(text, "workload.aggregator.fleet_source_ranges[0]", "canonical")


def test_data_read_only_must_be_a_boolean():
    assert_error(spec_text({"app": {"data_read_only": "no"}}), "workload.app.data_read_only")


# --- partner SuperNode keys --------------------------------------------------------------------

PARTNER_KEY = (
    "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBCMdoEmCG3ceZ9OWfMSRhLnwtLhScS+puQ/"
    "TuiQvBq1NirdaYd47y/8ehvt8HGLQPCvoYR1Yqn6fLsvnpbnUMFANkaiynLC1ZrQWGbOmI1ptdZkWptBgHMxvqtdhLtix4Q== partner"
)


def test_partner_key_in_openssh_format_is_accepted():
    keys = parse_spec(spec_text({"partner_node_keys": [PARTNER_KEY]})).workload.partner_node_keys
    assert keys == (PARTNER_KEY,)


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJ4 partner", "not an OpenSSH ECDSA public key"),
        ("-----BEGIN PUBLIC KEY-----", "not an OpenSSH ECDSA public key"),
        ("ecdsa-sha2-nistp384 !!!notbase64", "not an OpenSSH ECDSA public key"),
        ("ecdsa-sha2-nistp256 " + PARTNER_KEY.split()[1], "another kind of key"),
        ("ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQ=", "another kind of key"),
        ("ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAA=", "not valid key data"),
    ],
)
def test_malformed_partner_key_is_rejected(key, fragment):
    assert_error(spec_text({"partner_node_keys": [key]}), "workload.partner_node_keys[0]", fragment)


def test_duplicate_partner_key_is_rejected():
    text = spec_text({"partner_node_keys": [PARTNER_KEY, PARTNER_KEY.replace(" partner", " again")]})
    assert_error(text, "workload.partner_node_keys[1]", "same key as partner_node_keys[0]")


def test_replicas_are_bounded():
    assert_error(spec_text({"client": {"replicas": -1}}), "workload.client.replicas", "greater than or equal to 0")


def test_a_site_runs_one_supernode_because_it_has_one_node_key():
    assert_error(
        spec_text({"client": {"replicas": 2}}),
        "workload.client.replicas",
        "2 SuperNodes would share the site's one node key (Flower refuses to activate a node already online); "
        "use 1, or 0 to pause the site, and add a site for more nodes",
    )


def test_unknown_framework_is_rejected():
    assert_error(spec_text({"framework": "tensorflow-federated"}), "workload.framework", "flower")


def test_typo_gets_a_suggestion():
    assert_error(spec_text({"client": {"replica": 2}}), "workload.client.replica", "did you mean 'replicas'")


def test_certificate_validity_is_bounded():
    assert_error(spec_text({"certificate_validity_days": 30}), "workload.certificate_validity_days")


# --- cross-section rules ---------------------------------------------------------------------


def test_workload_needs_the_gcp_section():
    assert_error(spec_text(gcp=False), "workload", "add a gcp section")


def test_workload_needs_a_primary_cluster():
    clusters = [dict(CLUSTERS[1])]
    assert_error(spec_text(clusters=clusters), "workload", "role primary")


def test_old_training_section_exits_2_with_one_line(tmp_path):
    from tests.cli_helpers import run_main

    spec = tmp_path / "old.yaml"
    training = {"image": "us-docker.pkg.dev/p/r/trainer:1.0.0", "command": ["python"]}
    spec.write_text(spec_text({"training": training}))
    result = run_main("validate", "--spec", str(spec))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"{spec}: workload.training: removed: training now runs in the ClientApp of your Flower app, "
        "executed by each site's SuperNode; set workload.app.image (see README)"
    ]
