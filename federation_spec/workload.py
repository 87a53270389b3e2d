"""The ``workload`` section: the federated-learning workloads that run on the GKE clusters.

One framework preset (``flower``) fills in images, ports and arguments; everything is
overridable. The aggregator (Flower SuperLink) runs on the primary and secondary clusters, a
long-running client (Flower SuperNode) on every cluster, and next to each of them an executor
(Flower SuperExec) that runs the user's app image: the ServerApp beside the SuperLink, the
ClientApp (where training happens, on the site's data) beside each SuperNode. Images must be
pinned (a tag other than ``latest``, or a digest) so a redeploy never silently changes what runs.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import struct
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field, model_validator

from federation_spec.base import DnsLabel, Name, SpecModel, StrictBool, StrictInt, StrictStr
from federation_spec.reserved_names import reject_reserved

FLOWER_VERSION = "1.25.0"
"""Flower release the preset images are pinned to (``flwr/superlink``, ``flwr/supernode`` and
``flwr/superexec``). 1.25 keeps the Fleet, Control and ServerAppIO APIs on separate ports, so the
Control API (which registers node keys and starts runs) stays cluster-internal; from 1.41 on it
shares the Fleet port."""

FLOWER_SERVERAPPIO_PORT = 9091
"""The SuperLink's in-container ServerAppIO API: never exposed, so no other port may take it."""

MIN_PORT = 1024
"""Containers run as a non-root user without NET_BIND_SERVICE, so they cannot bind below 1024."""

MIN_SOURCE_PREFIX = 8
"""A fleet source wider than a /8 is refused, as for the GKE API's authorized networks."""

MUTABLE_TAGS = frozenset({"latest"})

_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_REPOSITORY = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
_REGISTRY = re.compile(r"^[A-Za-z0-9.-]+(?::[0-9]+)?$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_HOSTNAME_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_CPU = re.compile(r"^(?P<number>[0-9]+(?:\.[0-9]+)?)(?P<unit>m?)$")
_MEMORY = re.compile(r"^(?P<number>[0-9]+)(?P<unit>Ki|Mi|Gi|Ti|k|M|G|T)?$")
_STORAGE = re.compile(r"^(?P<number>[0-9]+)(?P<unit>Mi|Gi|Ti)$")
_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def split_image(value: str) -> tuple[str, str | None, str | None]:
    """``[registry/]repository[:tag][@sha256:digest]`` -> (name, tag, digest); raises ValueError."""
    name, _, digest = value.partition("@")
    if digest and not _DIGEST.match(digest):
        raise ValueError(f"{value!r} has a malformed digest (expected @sha256: and 64 lowercase hex digits)")
    head, slash, last = name.rpartition("/")
    repository_last, colon, tag = last.partition(":")
    path = f"{head}{slash}{repository_last}"
    first, _, rest = path.partition("/")
    registry_like = rest and ("." in first or ":" in first or first == "localhost")
    repository = rest if registry_like else path
    if not repository or not _REPOSITORY.match(repository) or (registry_like and not _REGISTRY.match(first)):
        raise ValueError(f"{value!r} is not a container image reference (expected e.g. flwr/superlink:1.25.0)")
    if colon and not _TAG.match(tag):
        raise ValueError(f"{value!r} has a malformed tag {tag!r}")
    return name, (tag if colon else None), (digest or None)


def _pinned_image(value: str) -> str:
    _, tag, digest = split_image(value)
    if tag is None and digest is None:
        raise ValueError(f"{value!r} is not pinned: add a version tag (e.g. :1.25.0) or a digest (@sha256:...)")
    if tag in MUTABLE_TAGS and digest is None:
        raise ValueError(f"{value!r} uses the mutable tag {tag!r}; pin a version tag or a digest")
    return value


def _hostname(value: str) -> str:
    labels = value.split(".")
    if len(value) > 253 or len(labels) < 2 or not all(_HOSTNAME_LABEL.match(label) for label in labels):
        raise ValueError(
            f"{value!r} is not a fully qualified DNS name (lowercase labels separated by dots, "
            "e.g. aggregator.fl.yourcompany.net)"
        )
    if labels[-1].isdigit():
        raise ValueError(f"{value!r} is an IP address; aggregator_host takes a DNS name (the IP is the default)")
    return reject_reserved(value)


def _quantity(pattern: re.Pattern, what: str, example: str):
    def check(value: str) -> str:
        match = pattern.match(value)
        if not match or quantity_value(value) <= 0:
            raise ValueError(f"{value!r} is not a positive {what} quantity (expected e.g. {example})")
        return value

    return check


def quantity_value(value: str) -> Decimal:
    """A Kubernetes CPU, memory or storage quantity as a number (cores or bytes)."""
    cpu = _CPU.match(value)
    if cpu:
        number = Decimal(cpu.group("number"))
        return number / 1000 if cpu.group("unit") == "m" else number
    memory = _MEMORY.match(value) or _STORAGE.match(value)
    if memory:
        return Decimal(memory.group("number")) * _UNITS[memory.group("unit") or ""]
    raise ValueError(f"{value!r} is not a Kubernetes quantity")


def _no_insecure(values: tuple[str, ...]) -> tuple[str, ...]:
    if any(arg == "--insecure" or arg.startswith("--insecure=") for arg in values):
        raise ValueError("'--insecure' would turn TLS off; the aggregator and its clients always use TLS")
    return values


_OPERATOR = re.compile(r"^(user|group|serviceAccount):[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


def _operator(value: str) -> str:
    if not _OPERATOR.match(value):
        raise ValueError(
            f"{value!r} is not an IAM principal (expected user:<email>, group:<email> or serviceAccount:<email>)"
        )
    return value


Operator = Annotated[StrictStr, AfterValidator(_operator)]
PinnedImage = Annotated[StrictStr, AfterValidator(_pinned_image)]
Hostname = Annotated[StrictStr, AfterValidator(_hostname)]
Port = Annotated[StrictInt, Field(ge=MIN_PORT, le=65535)]
CpuQuantity = Annotated[StrictStr, AfterValidator(_quantity(_CPU, "CPU", "250m or 1"))]
MemoryQuantity = Annotated[StrictStr, AfterValidator(_quantity(_MEMORY, "memory", "512Mi or 2Gi"))]
StorageQuantity = Annotated[StrictStr, AfterValidator(_quantity(_STORAGE, "storage", "20Gi"))]
ExtraArgs = Annotated[tuple[StrictStr, ...], AfterValidator(_no_insecure)]


def _source_range(value: str) -> str:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 CIDR block in canonical form (e.g. 203.0.113.0/24)") from None
    if "/" not in value:
        raise ValueError(f"{value!r} has no prefix length (expected e.g. {value}/32)")
    if network.prefixlen < MIN_SOURCE_PREFIX:
        raise ValueError(
            f"{value} would open the aggregators' fleet port to "
            f"{'the whole internet' if network.prefixlen == 0 else f'more than a /{MIN_SOURCE_PREFIX}'}; "
            "list the partner networks that need it"
        )
    return str(network)


SourceRange = Annotated[StrictStr, AfterValidator(_source_range)]


class Resources(SpecModel):
    """CPU and memory a container asks for (``*_request``, what the scheduler reserves) and may
    use at most (``*_limit``); every request must be at most its limit."""

    cpu_request: CpuQuantity = "250m"
    """CPU request (Kubernetes quantity, e.g. `250m`); at most the limit."""
    cpu_limit: CpuQuantity = "1"
    """CPU limit (Kubernetes quantity)."""
    memory_request: MemoryQuantity = "512Mi"
    """Memory request (e.g. `512Mi`); at most the limit."""
    memory_limit: MemoryQuantity = "1Gi"
    """Memory limit (e.g. `1Gi`)."""

    @model_validator(mode="after")
    def _requests_within_limits(self) -> Resources:
        for kind in ("cpu", "memory"):
            request, limit = getattr(self, f"{kind}_request"), getattr(self, f"{kind}_limit")
            if quantity_value(request) > quantity_value(limit):
                raise ValueError(f"{kind}_request {request} is more than {kind}_limit {limit}")
        return self


class Aggregator(SpecModel):
    """The coordination service (Flower SuperLink) on the primary and secondary clusters.

    ``fleet_port`` is where clients connect (the only port on the public load balancer, reachable
    from every cluster's Cloud NAT addresses, the Route 53 health checkers and the partner CIDRs
    in ``fleet_source_ranges``); ``control_port`` is where ``flwr run`` submits runs (cluster-
    internal only). ``state_storage`` sizes the volume that keeps the SuperLink's database across
    restarts. ``args`` are appended to the preset's arguments (later flags win)."""

    image: PinnedImage = f"flwr/superlink:{FLOWER_VERSION}"
    """Container image pinned by a tag other than `latest`, or by `@sha256:` digest."""
    fleet_port: Port = 9092
    """Fleet API port clients dial (1024-65535, distinct from the control port and 9091)."""
    control_port: Port = 9093
    """Control API port; exposed only inside the cluster (ClusterIP), never on the load balancer."""
    fleet_source_ranges: tuple[SourceRange, ...] = ()
    """Partner CIDRs allowed to reach the fleet port in addition to the defaults (every cluster's Cloud NAT IPs and, with a `dns` section, the Route 53 health checkers); never 0.0.0.0/0 or wider than /8, each printed at synth."""
    state_storage: StorageQuantity = "10Gi"
    """Size of the aggregator's state volume (`Mi`/`Gi`/`Ti`)."""
    resources: Resources = Field(default_factory=Resources)
    """Requests and limits of the container."""
    args: ExtraArgs = ()
    """Extra arguments appended to the preset's (later flags win; `--insecure` is rejected)."""


def _one_node_per_site(value: int) -> int:
    if value > 1:
        raise ValueError(
            f"{value} SuperNodes would share the site's one node key (Flower refuses to activate a node already online); "
            "use 1, or 0 to pause the site, and add a site for more nodes"
        )
    return value


class Client(SpecModel):
    """The long-running training client (Flower SuperNode) on every cluster: one node of the
    federation per site (``replicas`` 0 pauses it) with the site's ``storage``-sized data volume (``storage_class``,
    GKE's ``standard-rwo`` by default). ``args`` are appended to the preset's arguments."""

    image: PinnedImage = f"flwr/supernode:{FLOWER_VERSION}"
    """Container image pinned by a tag other than `latest`, or by `@sha256:` digest."""
    replicas: Annotated[StrictInt, Field(ge=0), AfterValidator(_one_node_per_site)] = 1
    """SuperNodes per site: 1 runs the site's node, 0 pauses the site (GKE and AWS member sites alike); never more, since a site has one node key."""
    storage: StorageQuantity = "20Gi"
    """Size of each site's ReadWriteOnce data volume."""
    storage_class: DnsLabel = "standard-rwo"
    """Storage class of the site data volume."""
    resources: Resources = Field(default_factory=lambda: Resources(cpu_limit="2", memory_limit="4Gi"))
    """Requests and limits of the container."""
    args: ExtraArgs = ()
    """Extra arguments appended to the preset's (later flags win; `--insecure` is rejected)."""
    resolve_interval: Annotated[StrictInt, Field(ge=1, le=300)] = 10
    """Seconds between lookups of the aggregator's DNS name by the SuperNode supervisor (GKE and AWS member sites); when the answer changes (failover or failback) the SuperNode reconnects to the new aggregator. Unused when clients dial an IP."""


_OPENSSH_EC_KEY = re.compile(r"^(ecdsa-sha2-nistp(?:256|384|521)) ([A-Za-z0-9+/]+={0,2})(?: [ -~]*)?$")


def _node_public_key(value: str) -> str:
    """An OpenSSH ECDSA public key line (``ecdsa-sha2-nistp384 AAAA... [comment]``) whose
    base64 body decodes and names the same key type (what ``flwr supernode register`` loads)."""
    match = _OPENSSH_EC_KEY.match(value.strip())
    if not match:
        raise ValueError(
            "is not an OpenSSH ECDSA public key (expected e.g. 'ecdsa-sha2-nistp384 AAAAE2Vj... site-x', "
            "as written by ssh-keygen -t ecdsa -b 384)"
        )
    key_type, body = match.groups()
    try:
        fields = _ssh_strings(base64.b64decode(body, validate=True))
    except (binascii.Error, struct.error, ValueError):
        raise ValueError(f"{key_type} key has a body that is not valid key data") from None
    curve = key_type.removeprefix("ecdsa-sha2-")
    if len(fields) != 3 or fields[0] != key_type.encode() or fields[1] != curve.encode():
        raise ValueError(f"key says {key_type} but its data holds another kind of key")
    if fields[2][:1] != b"\x04" or len(fields[2]) != 1 + 2 * _EC_COORDINATE_BYTES[curve]:
        raise ValueError(f"{key_type} key data does not hold an uncompressed {curve} point")
    return value.strip()


_EC_COORDINATE_BYTES = {"nistp256": 32, "nistp384": 48, "nistp521": 66}


def _ssh_strings(blob: bytes) -> list[bytes]:
    """Split an SSH wire-format blob into its length-prefixed strings (RFC 4251)."""
    fields, offset = [], 0
    while offset < len(blob):
        (length,) = struct.unpack(">I", blob[offset : offset + 4])
        if offset + 4 + length > len(blob):
            raise ValueError("truncated")
        fields.append(blob[offset + 4 : offset + 4 + length])
        offset += 4 + length
    return fields


NodePublicKey = Annotated[StrictStr, AfterValidator(_node_public_key)]


class App(SpecModel):
    """The user's Flower app: one image holding the app and its dependencies, built ``FROM
    flwr/superexec:<version>`` (the Flower version of the preset). It runs as the ServerApp
    executor beside each SuperLink and as the ClientApp executor beside each SuperNode, where the
    site's data volume is mounted at ``/app/data`` (read-only unless ``data_read_only`` is false)."""

    image: PinnedImage = f"flwr/superexec:{FLOWER_VERSION}"
    """Image of the executors, pinned; build yours FROM `flwr/superexec:1.25.0` (the default runs numpy-only apps)."""
    data_read_only: StrictBool = True
    """Mount the site data volume read-only into the ClientApp executor."""
    serverapp_resources: Resources = Field(default_factory=Resources)
    """Requests and limits of the ServerApp executor."""
    clientapp_resources: Resources = Field(default_factory=lambda: Resources(cpu_limit="2", memory_limit="4Gi"))
    """Requests and limits of the ClientApp executor (where training runs)."""


class WorkloadSection(SpecModel):
    """Federated-learning workloads on every GKE cluster of the ``gcp`` section.

    ``aggregator_host`` is a DNS name you manage outside this estate that clients dial to reach
    the aggregator (you vouch that it answers from the first apply); without it clients dial the
    ``dns`` section's name when that zone answers at first apply, else the primary's static IP. Every site's SuperNode authenticates with its own key pair, registered on both
    aggregators by the deployment, as are ``partner_node_keys`` (SuperNodes outside this estate).
    By default the site pods reach nothing but the aggregators' fleet port and DNS: no Google API,
    no metadata server, no Google identity. ``google_apis`` names the sites whose SuperNode and
    ClientApp may call Google APIs (``restricted.googleapis.com``, port 443) as the site's Google
    service account; ``operators`` are the only people allowed to port-forward to the Control
    API (submitting a run executes its code at every site); ``certificate_validity_days`` is the lifetime of the
    aggregator's TLS certificate (re-issued by Terraform within its last 30 days)."""

    REMOVED_KEYS: ClassVar[dict[str, str]] = {
        "training": "removed: training now runs in the ClientApp of your Flower app, executed by each "
        "site's SuperNode; set workload.app.image (see README)",
        "https_egress": "removed: site pods reach no Google API by default (a ClientApp could copy the site's data "
        "there); list the sites that need Google APIs in workload.google_apis, e.g. google_apis: [fl-us]",
    }
    """Keys of older specs and what replaced them (reported instead of 'unknown key')."""

    framework: Literal["flower"] = "flower"
    """Workload preset (images, ports and arguments of the aggregator and client)."""
    namespace: DnsLabel = "federated-learning"
    """Kubernetes namespace of the workloads (Pod Security `restricted`); not `default` or `kube-*`."""
    aggregator_host: Hostname | None = None
    """DNS name clients dial, for a name you manage elsewhere (it must answer from the first apply); default: the `dns` section's failover name if delegated, else the primary's static IP."""
    aggregator: Aggregator = Field(default_factory=Aggregator)
    """The aggregator (Flower SuperLink) on the primary and secondary clusters."""
    client: Client = Field(default_factory=Client)
    """The training client (Flower SuperNode) at every site."""
    app: App = Field(default_factory=App)
    """The user's Flower app image, run by the ServerApp and ClientApp executors."""
    partner_node_keys: tuple[NodePublicKey, ...] = ()
    """OpenSSH ECDSA public keys of partner SuperNodes outside this estate, registered on both aggregators."""
    google_apis: tuple[Name, ...] = ()
    """GKE sites (cluster names) whose SuperNode and ClientApp pods may call Google APIs (restricted.googleapis.com:443, the metadata server) as the site's Google service account; default none: the ClientApp could copy the site's data to any Google API."""
    operators: tuple[Operator, ...] = ()
    """Who may port-forward to the aggregators' Control API (`user:<email>`, `group:<email>` with `gcp.rbac_security_group`, `serviceAccount:<email>`): a Role and RoleBinding in the namespace; whoever submits a run executes its code at every site."""
    certificate_validity_days: Annotated[StrictInt, Field(ge=31, le=825)] = 365
    """Lifetime of the aggregator's TLS certificate; Terraform re-issues it in its last 30 days."""

    def issues(self, path: str) -> list[tuple[str, str]]:
        """Cross-field checks: ports distinct from each other and from the framework's own."""
        issues = []
        agg = self.aggregator
        if agg.fleet_port == agg.control_port:
            issues.append((f"{path}.aggregator.control_port", f"{agg.control_port} is also the fleet_port"))
        for key in ("fleet_port", "control_port"):
            if getattr(agg, key) == FLOWER_SERVERAPPIO_PORT:
                issues.append(
                    (
                        f"{path}.aggregator.{key}",
                        f"{FLOWER_SERVERAPPIO_PORT} is the SuperLink's internal ServerAppIO port; choose another",
                    )
                )
        for key in ("google_apis", "operators"):
            values = getattr(self, key)
            for index, value in enumerate(values):
                if value in values[:index]:
                    issues.append((f"{path}.{key}[{index}]", f"lists {value} twice"))
        seen: dict[str, int] = {}
        for index, key in enumerate(self.partner_node_keys):
            body = key.split()[1]
            if body in seen:
                issues.append(
                    (f"{path}.partner_node_keys[{index}]", f"is the same key as partner_node_keys[{seen[body]}]")
                )
            seen.setdefault(body, index)
        if self.namespace.startswith("kube-") or self.namespace == "default":
            issues.append((f"{path}.namespace", f"{self.namespace!r} is reserved; use a namespace of its own"))
        return issues
