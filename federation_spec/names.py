"""Every physical name the estate creates, how the spec forms it, and the cloud's limit on it.

Clouds reject a name that is too long or uses a forbidden character only at apply time, often
after other resources were created. ``NAME_RULES`` is the one table of those names: what each is
(``what``), which Terraform resource attribute carries it (``resource``/``attribute``), the
cloud's ``limit`` and character rule (``pattern``), and, for names built from spec fields, the
formula (``formed``) that ``name_issues`` checks at validation time with an error naming the
spec fields to shorten. Names fixed in code, or shortened with a hash by their construct
(``formed`` is None), are checked on the synthesized output by the tests, which also fail on a
named resource this table does not cover.

The AWS account ID is a token at synth time; ``ACCOUNT_ID_PLACEHOLDER`` reserves its 12 digits.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from federation_spec.errors import SpecIssue
from federation_spec.gcp import CLUSTER_NAME_LIMIT

if TYPE_CHECKING:
    from federation_spec.model import FederationSpec

ACCOUNT_ID_PLACEHOLDER = "123456789012"
"""Stands for the 12-digit AWS account ID that bucket names end with (unknown until apply)."""

UNIQUE_SUFFIX = 26
"""Characters Terraform appends to a ``name_prefix`` (a timestamp plus a counter)."""

_FEDERATION = "federation.name or federation.environment"


@dataclass(frozen=True)
class Candidate:
    """One name the spec forms: the field ``path`` an error is reported at, the ``name``, and
    the spec fields that make it long (``shorten``)."""

    path: str
    name: str
    shorten: str = _FEDERATION


@dataclass(frozen=True)
class NameRule:
    """One kind of physical name: ``limit`` and ``minimum`` characters, ``pattern`` (matched
    against the whole name) described by ``charset``. ``formed`` yields the names a spec makes;
    None: the name is fixed in code or fitted by its construct (checked on the output only)."""

    what: str
    resource: str
    attribute: str
    limit: int
    pattern: str
    charset: str
    formed: Callable[[FederationSpec], Iterator[Candidate]] | None = None
    minimum: int = 1

    def problem(self, candidate: Candidate) -> str | None:
        """Why ``candidate`` is not a valid name, or None."""
        name, length = candidate.name, len(candidate.name)
        if length > self.limit:
            return (
                f"{self.what} {name!r} would be {length} characters (limit {self.limit}); shorten {candidate.shorten}"
            )
        if length < self.minimum:
            return f"{self.what} {name!r} would be {length} characters (at least {self.minimum})"
        if not re.fullmatch(self.pattern, name):
            return f"{self.what} {name!r} is not valid: {self.charset}"
        return None


def _prefix(spec: FederationSpec) -> str:
    return f"{spec.federation.name}-{spec.federation.environment}"


# --- AWS -------------------------------------------------------------------------------------


def _regions(spec: FederationSpec, test=lambda region: True) -> Iterator[tuple[str, str]]:
    """(path, ``<prefix>-<region>``) of the AWS regions that pass ``test``."""
    if spec.aws:
        for i, region in enumerate(spec.aws.regions):
            if test(region):
                yield f"aws.regions[{i}].name", f"{_prefix(spec)}-{region.name}"


def _data_buckets(spec):
    for path, site in _regions(spec, lambda r: r.data_bucket):
        yield Candidate(path, f"{site}-data-{ACCOUNT_ID_PLACEHOLDER}")
        yield Candidate(path, f"{site}-data-logs-{ACCOUNT_ID_PLACEHOLDER}")


def _data_loaders(spec):
    """``<prefix>-<region>-data-loader``: the IAM role of every site that stores data."""
    for path, site in _regions(spec, lambda r: r.has_data):
        yield Candidate(path, f"{site}-data-loader")


def _supernode(suffix: str = ""):
    """``<prefix>-<region>-supernode<suffix>``: the ECS cluster, service and key secret of a
    member site (formed for every region: the limits are far above what a region can reach)."""

    def formed(spec):
        for path, site in _regions(spec):
            yield Candidate(path, f"{site}-supernode{suffix}")

    return formed


def _kms_aliases(spec):
    for path, site in _regions(spec):
        yield Candidate(path, f"alias/{site}-logs")
    for path, site in _regions(spec, lambda r: r.data_bucket or r.shared_filesystem):
        yield Candidate(path, f"alias/{site}-data")
    if spec.dns:
        yield Candidate("dns", f"alias/{_prefix(spec)}-dnssec")
        yield Candidate("dns", f"alias/{_prefix(spec)}-dns-query-logs")


def _log_groups(spec):
    fed = spec.federation
    if spec.aws:
        for i, region in enumerate(spec.aws.regions):
            name = f"/{fed.name}/{fed.environment}/vpc-flow-logs/{region.name}"
            yield Candidate(f"aws.regions[{i}].name", name)
    if spec.dns:
        yield Candidate("dns.domain", f"/aws/route53/{spec.dns.domain}", "dns.domain")


def _nfs_security_groups(spec):
    for path, site in _regions(spec, lambda r: r.shared_filesystem):
        # the mount targets' group is ``<site>-shared-nfs-``; its clients' group, checked here,
        # extends it, so one error covers both
        yield Candidate(path, f"{site}-shared-nfs-clients-")


def _query_log_policy(spec):
    if spec.dns:
        yield Candidate("dns", f"{_prefix(spec)}-route53-query-logs")


def _ksk(spec):
    if spec.dns:
        yield Candidate("dns", re.sub(r"[^A-Za-z0-9_]", "_", f"{_prefix(spec)}_ksk"))


def _direct_connect(suffix: str):
    """``<prefix>-<location>`` for a new port, ``<prefix>-dx`` for an existing connection."""

    def formed(spec):
        if spec.aws and spec.aws.direct_connect:
            connection = spec.aws.direct_connect.connection
            if connection.location is not None:
                location = connection.location.lower()
                yield Candidate("aws.direct_connect.connection.location", f"{_prefix(spec)}-{location}{suffix}")
            else:
                yield Candidate("federation.name", f"{_prefix(spec)}-dx{suffix}")

    return formed


def _vif(spec):
    if spec.aws and spec.aws.direct_connect and spec.aws.direct_connect.transit_vif:
        yield from _direct_connect("-transit")(spec)


# --- GCP -------------------------------------------------------------------------------------


def _clusters(suffix: str = "", test=lambda cluster: True):
    def formed(spec):
        if spec.gcp:
            for i, cluster in enumerate(spec.gcp.clusters):
                if test(cluster):
                    path = f"gcp.clusters[{i}].name"
                    yield Candidate(path, f"{_prefix(spec)}-{cluster.name}{suffix}", f"{path}, {_FEDERATION}")

    return formed


def _firewalls(spec):
    yield from _clusters("-allow-internal")(spec)
    yield from _clusters("-deny-ingress")(spec)


# --- Azure -----------------------------------------------------------------------------------


def _data_share(suffix: str):
    def formed(spec):
        if spec.azure:
            yield Candidate("azure.data_share", f"{_prefix(spec)}-data-share{suffix}")

    return formed


_CADENCE = {"Hour": "hourly", "Day": "daily"}


def _schedule(spec):
    if spec.azure and spec.azure.data_share.snapshot_schedule:
        cadence = _CADENCE[spec.azure.data_share.snapshot_schedule.recurrence]
        yield Candidate("azure.data_share.snapshot_schedule", f"{_prefix(spec)}-data-share-{cadence}")


def _share(spec):
    if spec.azure:
        fed = spec.federation
        yield Candidate("azure.data_share", re.sub(r"\W", "_", f"{fed.name}_{fed.environment}_share"))


def _invitation_deployments(spec):
    if spec.azure:
        for consumer in spec.azure.data_share.consumers:
            digest = hashlib.sha256(consumer.email.strip().lower().encode()).hexdigest()[:12]
            yield Candidate("azure.data_share.consumers", f"{_prefix(spec)}-invite-{digest}")


# --- Kubernetes ------------------------------------------------------------------------------


def _namespace(spec):
    if spec.workload:
        yield Candidate("workload.namespace", spec.workload.namespace, "workload.namespace")


# Character rules, as each API documents them.
_S3 = r"(?!xn--|sthree-|amzn-s3-demo-)[a-z0-9][a-z0-9.-]*[a-z0-9](?<!-s3alias)(?<!--ol-s3)(?<!\.mrap)(?<!--x-s3)"
_RFC1035 = r"[a-z]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = rf"{_DNS1123_LABEL}(\.{_DNS1123_LABEL})*"
_IAM = r"[\w+=,.@-]+"
_ARM_NAME = r"[-\w.()]*[-\w()]"
_DX_NOTE = "no documented limit in the Direct Connect API; kept within 100"

NAME_RULES: tuple[NameRule, ...] = (
    # AWS
    NameRule(
        "S3 bucket name",
        "aws_s3_bucket",
        "bucket",
        63,
        _S3,
        "lowercase letters, digits, '.' and '-', starting and ending with a letter or digit, "
        "not starting with 'xn--', 'sthree-' or 'amzn-s3-demo-'",
        _data_buckets,
        minimum=3,
    ),
    NameRule(
        "ECS cluster name",
        "aws_ecs_cluster",
        "name",
        255,
        r"[A-Za-z0-9_-]+",
        "letters, digits, '_' and '-'",
        _supernode(),
    ),
    NameRule(
        "ECS service name",
        "aws_ecs_service",
        "name",
        255,
        r"[A-Za-z0-9_-]+",
        "letters, digits, '_' and '-'",
        _supernode(),
    ),
    NameRule(
        "Secrets Manager secret name",
        "aws_secretsmanager_secret",
        "name",
        512,
        r"[A-Za-z0-9/_+=.@-]+",
        "letters, digits and '/_+=.@-'",
        _supernode("/node-key"),
    ),
    NameRule(
        "KMS alias",
        "aws_kms_alias",
        "name",
        256,
        r"alias/(?!aws/)[A-Za-z0-9/_-]+",
        "'alias/' then letters, digits, '/', '_' and '-', not 'alias/aws/'",
        _kms_aliases,
    ),
    NameRule(
        "CloudWatch log group name",
        "aws_cloudwatch_log_group",
        "name",
        512,
        r"[\w./#-]+",
        "letters, digits, '_', '-', '/', '.' and '#'",
        _log_groups,
    ),
    NameRule(
        "CloudWatch Logs resource policy name",
        "aws_cloudwatch_log_resource_policy",
        "policy_name",
        255,
        r"[\w+=,.@/-]+",
        "letters, digits and '+=,.@/_-' (no documented limit; kept within 255)",
        _query_log_policy,
    ),
    NameRule("IAM role name", "aws_iam_role", "name", 64, _IAM, "letters, digits and '+=,.@_-'", _data_loaders),
    NameRule(
        "IAM role name prefix",
        "aws_iam_role",
        "name_prefix",
        64 - UNIQUE_SUFFIX,
        _IAM,
        "letters, digits and '+=,.@_-' (Terraform appends 26 characters; roles allow 64)",
    ),
    NameRule("IAM inline policy name", "aws_iam_role_policy", "name", 128, _IAM, "letters, digits and '+=,.@_-'"),
    NameRule("IAM policy name", "aws_iam_policy", "name", 128, _IAM, "letters, digits and '+=,.@_-'"),
    NameRule(
        "security group name prefix",
        "aws_security_group",
        "name_prefix",
        255 - UNIQUE_SUFFIX,
        r"(?!sg-)[\x20-\x7e]+",
        "printable ASCII, not starting with 'sg-' (Terraform appends 26 characters; names allow 255)",
        _nfs_security_groups,
    ),
    NameRule(
        "Route 53 key-signing key name",
        "aws_route53_key_signing_key",
        "name",
        128,
        r"[A-Za-z0-9_]+",
        "letters, digits and '_'",
        _ksk,
        minimum=3,
    ),
    *(
        NameRule(
            f"Route 53 Resolver DNS Firewall {what} name",
            f"aws_route53_resolver_firewall_{rtype}",
            "name",
            64,
            r"(?![0-9]+$)[A-Za-z0-9_ -]+",
            "letters, digits, '_', '-' and spaces, not only digits",
        )
        for what, rtype in (
            ("rule group", "rule_group"),
            ("domain list", "domain_list"),
            ("rule", "rule"),
            ("rule group association", "rule_group_association"),
        )
    ),
    NameRule("Route 53 zone name", "aws_route53_zone", "name", 253, _DNS1123_SUBDOMAIN, "a DNS name (see dns.domain)"),
    NameRule("Route 53 record name", "aws_route53_record", "name", 253, _DNS1123_SUBDOMAIN, "a DNS name"),
    NameRule(
        "Direct Connect connection name",
        "aws_dx_connection",
        "name",
        100,
        r"[\x20-\x7e]+",
        f"printable ASCII ({_DX_NOTE})",
        _direct_connect(""),
    ),
    NameRule(
        "Direct Connect gateway name",
        "aws_dx_gateway",
        "name",
        100,
        r"[\x20-\x7e]+",
        f"printable ASCII ({_DX_NOTE})",
        _direct_connect(""),
    ),
    NameRule(
        "Direct Connect virtual interface name",
        "aws_dx_transit_virtual_interface",
        "name",
        100,
        r"[\x20-\x7e]+",
        f"printable ASCII ({_DX_NOTE})",
        _vif,
    ),
    NameRule(
        "SNS topic name",
        "aws_sns_topic",
        "name",
        256,
        r"[A-Za-z0-9_-]+",
        "letters, digits, '_' and '-' (monitoring: <prefix>-alarms-<region>, far within the limit)",
    ),
    NameRule(
        "CloudWatch Logs metric filter name",
        "aws_cloudwatch_log_metric_filter",
        "name",
        512,
        r"[^:*]+",
        "no ':' or '*' (monitoring: <prefix>-<site>-<signal>, far within the limit)",
    ),
    NameRule("AWS Name tag", "aws_*", "tags.Name", 256, r"[\w .:/=+@-]*", "letters, digits, spaces and '_.:/=+-@'"),
    # Google Cloud
    NameRule(
        "log-based metric name",
        "google_logging_metric",
        "name",
        100,
        r"[A-Za-z0-9_.,+!*'()%/\\-]+",
        "letters, digits and '_-.,+!*'()%/\\' (monitoring: <prefix>-flower-<signal>, within the limit)",
    ),
    NameRule(
        "GKE cluster name",
        "google_container_cluster",
        "name",
        CLUSTER_NAME_LIMIT,
        _RFC1035,
        "lowercase letters, digits and '-', starting with a letter, not ending with '-'",
        _clusters(),
    ),
    NameRule(
        "GKE node pool name prefix",
        "google_container_node_pool",
        "name_prefix",
        40 - UNIQUE_SUFFIX,
        r"[a-z]([-a-z0-9]*)?",
        "lowercase letters, digits and '-' (Terraform appends 26 characters; node pools allow 40)",
    ),
    NameRule(
        "route name",
        "google_compute_route",
        "name",
        63,
        _RFC1035,
        "an RFC 1035 label",
        _clusters("-restricted-google-apis"),
    ),
    NameRule(
        "Cloud DNS zone name",
        "google_dns_managed_zone",
        "name",
        63,
        _RFC1035,
        "an RFC 1035 label",
        _clusters("-googleapis"),
    ),
    NameRule(
        "Cloud DNS record name",
        "google_dns_record_set",
        "name",
        253,
        rf"(\*\.)?{_DNS1123_SUBDOMAIN}\.",
        "a fully qualified DNS name with a trailing dot (fixed in code: Private Google Access)",
    ),
    NameRule("VPC network name", "google_compute_network", "name", 63, _RFC1035, "an RFC 1035 label", _clusters()),
    NameRule("subnet name", "google_compute_subnetwork", "name", 63, _RFC1035, "an RFC 1035 label", _clusters()),
    NameRule(
        "Cloud Router name", "google_compute_router", "name", 63, _RFC1035, "an RFC 1035 label", _clusters("-nat")
    ),
    NameRule(
        "Cloud NAT name", "google_compute_router_nat", "name", 63, _RFC1035, "an RFC 1035 label", _clusters("-nat")
    ),
    NameRule("firewall rule name", "google_compute_firewall", "name", 63, _RFC1035, "an RFC 1035 label", _firewalls),
    NameRule(
        "static IP name",
        "google_compute_address",
        "name",
        63,
        _RFC1035,
        "an RFC 1035 label",
        _clusters("-aggregator", lambda cluster: cluster.runs_aggregator),
    ),
    NameRule(
        "service account ID",
        "google_service_account",
        "account_id",
        30,
        r"[a-z][a-z0-9-]{4,28}[a-z0-9]",
        "6-30 lowercase letters, digits and '-', starting with a letter (long names get a hash suffix)",
        minimum=6,
    ),
    # Azure
    NameRule(
        "resource group name",
        "azurerm_resource_group",
        "name",
        90,
        _ARM_NAME,
        "letters, digits, '_', '-', '.', '(' and ')', not ending with '.'",
        _data_share("-rg"),
    ),
    NameRule(
        "Log Analytics workspace name",
        "azurerm_log_analytics_workspace",
        "name",
        63,
        r"[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]",
        "letters, digits and '-', starting and ending with a letter or digit",
        _data_share("-logs"),
        minimum=4,
    ),
    NameRule(
        "Data Share account name",
        "azurerm_data_share_account",
        "name",
        90,
        r"[^<>%&:\\?/#*$^();,.|+={}\[\]!~@]+",
        "no <>%&:\\?/#*$^();,.|+={}[]!~@",
        _data_share("-account"),
        minimum=3,
    ),
    NameRule("Data Share name", "azurerm_data_share", "name", 90, r"\w+", "letters, digits and '_'", _share, minimum=2),
    NameRule(
        "Data Share snapshot schedule name",
        "azurerm_data_share",
        "snapshot_schedule.name",
        90,
        r"[^&%#/]+",
        "no '&', '%', '#' or '/'",
        _schedule,
    ),
    NameRule(
        "Data Share dataset name",
        "azurerm_data_share_dataset_blob_storage",
        "name",
        90,
        r"[\w-]+",
        "letters, digits, '_' and '-' (longer container/folder names are cut to 90)",
        minimum=2,
    ),
    NameRule(
        "storage account name",
        "azurerm_storage_account",
        "name",
        24,
        r"[a-z0-9]+",
        "lowercase letters and digits (derived with a hash suffix)",
        minimum=3,
    ),
    NameRule(
        "storage container name",
        "azurerm_storage_container",
        "name",
        63,
        r"[a-z0-9](-?[a-z0-9])*",
        "lowercase letters, digits and single '-' (see azure.data_share.datasets)",
        minimum=3,
    ),
    NameRule(
        "diagnostic setting name",
        "azurerm_monitor_diagnostic_setting",
        "name",
        260,
        r"[^<>*%&:\\?+/]+",
        "no <>*%&:\\?+/",
        _data_share("-account-logs"),
    ),
    NameRule(
        "ARM deployment name",
        "azurerm_resource_group_template_deployment",
        "name",
        64,
        r"[-\w.()]+",
        "letters, digits, '_', '-', '.', '(' and ')'",
        _invitation_deployments,
    ),
    # Kubernetes
    NameRule(
        "Kubernetes namespace",
        "kubernetes_namespace_v1",
        "metadata.name",
        63,
        _DNS1123_LABEL,
        "a DNS-1123 label",
        _namespace,
    ),
    NameRule("Kubernetes Service name", "kubernetes_service_v1", "metadata.name", 63, _RFC1035, "a DNS-1035 label"),
    NameRule("Kubernetes Job name", "kubernetes_job_v1", "metadata.name", 63, _DNS1123_LABEL, "a DNS-1123 label"),
    *(
        NameRule(f"Kubernetes {kind} name", resource, "metadata.name", 253, _DNS1123_SUBDOMAIN, "a DNS-1123 subdomain")
        for kind, resource in (
            ("ConfigMap", "kubernetes_config_map_v1"),
            ("Secret", "kubernetes_secret_v1"),
            ("Deployment", "kubernetes_deployment_v1"),
            ("PersistentVolumeClaim", "kubernetes_persistent_volume_claim_v1"),
            ("ServiceAccount", "kubernetes_service_account_v1"),
            ("NetworkPolicy", "kubernetes_network_policy_v1"),
        )
    ),
)


def rule_for(resource: str, attribute: str) -> NameRule | None:
    """The rule covering ``attribute`` of ``resource`` (``aws_*`` rules cover every AWS type)."""
    for rule in NAME_RULES:
        if rule.attribute == attribute and (
            rule.resource == resource or (rule.resource.endswith("*") and resource.startswith(rule.resource[:-1]))
        ):
            return rule
    return None


def name_issues(spec: FederationSpec) -> list[SpecIssue]:
    """Every name the spec forms, checked against its cloud's rules before anything is
    synthesized. One issue per field path: the name that overshoots its limit the most (so the
    message says how much to shorten), else the first with a forbidden character."""
    found: dict[str, tuple[int, str]] = {}
    for rule in NAME_RULES:
        if rule.formed is None:
            continue
        for candidate in rule.formed(spec):
            message = rule.problem(candidate)
            overshoot = len(candidate.name) - rule.limit
            if message and (candidate.path not in found or overshoot > found[candidate.path][0]):
                found[candidate.path] = (overshoot, message)
    return [SpecIssue(path, message) for path, (_, message) in found.items()]
