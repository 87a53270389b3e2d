"""The ``azure`` section: a governed Azure Data Share that partner sites subscribe to.

The provider side publishes blob containers (or folders in them) as datasets of one copy-based
share, optionally on a snapshot schedule, and invites consumers by their Azure sign-in e-mail.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from federation_spec.azure_access import PublicIpRule, SubnetId, Writer, access_issues
from federation_spec.base import NonEmpty, SpecModel, StrictStr
from federation_spec.regions import AZURE_LOCATIONS


def _known_location(value: str) -> str:
    if value not in AZURE_LOCATIONS:
        compact = value.lower().replace(" ", "")
        hint = (
            f"; did you mean {compact!r}?"
            if compact in AZURE_LOCATIONS
            else " (use the programmatic name, e.g. eastus)"
        )
        raise ValueError(f"unknown Azure location {value!r}{hint}")
    return value


AzureLocation = Annotated[StrictStr, AfterValidator(_known_location)]

# Azure blob container names: 3-63 characters; lowercase letters, digits and single hyphens;
# starting and ending with a letter or digit.
_CONTAINER = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$")


def _container(value: str) -> str:
    if not _CONTAINER.match(value):
        raise ValueError(
            f"{value!r} is not a valid Azure container name (3-63 lowercase letters, digits and single "
            "hyphens, starting and ending with a letter or digit)"
        )
    return value


ContainerName = Annotated[StrictStr, AfterValidator(_container)]

_FOLDER_SEGMENT = re.compile(r"^[^\\\s][^\\]*$")


def _folder(value: str) -> str:
    segments = value.split("/")
    if not value or len(value) > 1024 or any(s in {"", ".", ".."} or not _FOLDER_SEGMENT.match(s) for s in segments):
        raise ValueError(
            f"{value!r} is not a folder path inside a container (segments separated by single '/', "
            "no leading or trailing '/', no '.', '..' or backslashes, e.g. v1 or labels/v1)"
        )
    return value


FolderPath = Annotated[StrictStr, AfterValidator(_folder)]

# An e-mail address as Azure sign-in names use them: dot-atom local part, dotted DNS domain.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
_EMAIL = re.compile(rf"^({_LOCAL})@({_DOMAIN})$")


def _email(value: str) -> str:
    match = _EMAIL.match(value)
    if not match or len(match.group(1)) > 64 or len(value) > 254:
        raise ValueError(f"{value!r} is not a well-formed e-mail address (expected e.g. partner@example.com)")
    return value


Email = Annotated[StrictStr, AfterValidator(_email)]

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?")
_OFFSET = re.compile(r"^(?:Z|[+-]\d{2}:\d{2})$")
_EXAMPLE_TIMESTAMP = "2026-01-01T00:00:00Z"


def _utc_timestamp(value):
    """An ISO 8601 timestamp in UTC (``Z`` or ``+00:00``); YAML may already have parsed it."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        stem = _TIMESTAMP.match(value)
        if not stem or not _OFFSET.match(value[stem.end() :] or "Z"):
            raise ValueError(f"{value!r} is not an ISO 8601 timestamp (expected e.g. {_EXAMPLE_TIMESTAMP})")
        if stem.end() == len(value):
            raise ValueError(f"{value!r} has no time zone; write it in UTC, e.g. {_EXAMPLE_TIMESTAMP}")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a valid date and time (expected e.g. {_EXAMPLE_TIMESTAMP})") from None
    else:
        raise ValueError(f"expected an ISO 8601 UTC timestamp such as {_EXAMPLE_TIMESTAMP}, got {type(value).__name__}")
    if parsed.tzinfo is None:
        raise ValueError(f"{parsed.isoformat()!r} has no time zone; write it in UTC, e.g. {_EXAMPLE_TIMESTAMP}")
    if parsed.utcoffset() != timedelta(0):
        raise ValueError(f"{parsed.isoformat()!r} is not in UTC; write it with a trailing Z, e.g. {_EXAMPLE_TIMESTAMP}")
    return parsed.astimezone(UTC)


UtcTimestamp = Annotated[datetime, BeforeValidator(_utc_timestamp)]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _calendar_date(value):
    """A calendar date ``YYYY-MM-DD``; YAML parses unquoted dates itself."""
    if isinstance(value, datetime):
        raise ValueError(f"expected a date such as 2027-06-30, got the timestamp {value.isoformat()!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a valid calendar date") from None
    raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD (e.g. 2027-06-30)")


CalendarDate = Annotated[date, BeforeValidator(_calendar_date)]


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


Text = Annotated[StrictStr, AfterValidator(_text)]


def rfc3339(moment: datetime) -> str:
    """``2026-01-01T00:00:00Z``: the UTC form Azure APIs and azurerm expect."""
    fraction = f".{moment.microsecond:06d}".rstrip("0") if moment.microsecond else ""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


class BlobDataset(SpecModel):
    """One dataset of the share: a whole private container, or one ``folder`` (blob prefix) in it.
    The container is created in the share's source storage account."""

    container: ContainerName
    """Azure container name: 3-63 characters, lowercase letters, digits and single hyphens."""
    folder: FolderPath | None = None
    """Path inside the container (e.g. `v1`); absent: the whole container."""

    def covers(self, other: BlobDataset) -> bool:
        """Whether every blob of ``other`` is also shared by this dataset."""
        if self.container != other.container:
            return False
        if self.folder is None:
            return True
        return other.folder is not None and (other.folder == self.folder or other.folder.startswith(self.folder + "/"))


class SnapshotSchedule(SpecModel):
    """The seed's "trigger": a copy of the datasets is offered to consumers every ``recurrence``
    (``Hour`` or ``Day``), starting at ``start_time`` (ISO 8601, UTC)."""

    recurrence: Literal["Hour", "Day"]
    """Snapshot cadence."""
    start_time: UtcTimestamp
    """ISO 8601 timestamp in UTC (`Z` or `+00:00`)."""

    @property
    def start_time_rfc3339(self) -> str:
        return rfc3339(self.start_time)


class Consumer(SpecModel):
    """A partner invited to subscribe, by Azure sign-in e-mail (aliases do not work). The
    invitation lapses at the end of ``expires`` (UTC) if given; otherwise it stays open."""

    email: Email
    """The consumer's Azure sign-in address; unique (case-insensitive)."""
    expires: CalendarDate | None = None
    """`YYYY-MM-DD`, after the schedule's start date; the invitation lapses at 23:59:59 UTC that day. Absent: never."""

    @property
    def expiration_rfc3339(self) -> str | None:
        """The last second of ``expires`` in UTC, or ``None``."""
        if self.expires is None:
            return None
        return rfc3339(datetime.combine(self.expires, datetime.max.time().replace(microsecond=0), tzinfo=UTC))


class DataShareSpec(SpecModel):
    """A copy-based share with its ``terms`` of use, ``datasets``, optional ``snapshot_schedule``
    and the ``consumers`` invited to it; ``writers`` may upload into the shared containers from
    ``allowed_networks`` or ``allowed_subnet_ids`` (by default no one can: Entra ID only, firewall
    closed to all but trusted Azure services)."""

    terms: Text
    """Terms of use consumers must accept."""
    description: Text | None = None
    """Share description shown to consumers."""
    datasets: Annotated[tuple[BlobDataset, ...], NonEmpty]
    """One blob dataset per entry; entries may not overlap."""
    snapshot_schedule: SnapshotSchedule | None = None
    """Automatic snapshots; absent: manual only."""
    consumers: tuple[Consumer, ...] = Field(default_factory=tuple)
    """One invitation per consumer."""
    writers: tuple[Writer, ...] = Field(default_factory=tuple)
    """Producers allowed to upload into the shared containers (Entra ID sign-in only)."""
    allowed_networks: tuple[PublicIpRule, ...] = Field(default_factory=tuple)
    """Public IPv4 addresses or ranges (/16 to /30) the storage firewall admits, e.g. writers' egress."""
    allowed_subnet_ids: tuple[SubnetId, ...] = Field(default_factory=tuple)
    """Virtual network subnets (with the `Microsoft.Storage` service endpoint) the firewall admits."""

    def issues(self, path: str) -> list[tuple[str, str]]:
        """Cross-field checks: unique consumers, datasets that do not overlap, expiry after start,
        and the writer and network rules (``federation_spec.azure_access``)."""
        found = access_issues(
            self.writers,
            self.allowed_networks,
            self.allowed_subnet_ids,
            {d.container for d in self.datasets},
            path,
        )
        seen: dict[str, int] = {}
        for i, consumer in enumerate(self.consumers):
            key = consumer.email.lower()
            if key in seen:
                found.append(
                    (
                        f"{path}.consumers[{i}].email",
                        f"duplicate consumer {consumer.email!r} (already at {path}.consumers[{seen[key]}])",
                    )
                )
            else:
                seen[key] = i
        for i, dataset in enumerate(self.datasets):
            for j, earlier in enumerate(self.datasets[:i]):
                if earlier.covers(dataset) or dataset.covers(earlier):
                    found.append(
                        (
                            f"{path}.datasets[{i}]",
                            f"overlaps {path}.datasets[{j}] (same container {dataset.container!r}; "
                            "share a container once, or disjoint folders of it)",
                        )
                    )
                    break
        if self.snapshot_schedule is not None:
            start = self.snapshot_schedule.start_time.date()
            for i, consumer in enumerate(self.consumers):
                if consumer.expires is not None and consumer.expires <= start:
                    found.append(
                        (
                            f"{path}.consumers[{i}].expires",
                            f"{consumer.expires.isoformat()} is not after the snapshot schedule's start "
                            f"({start.isoformat()}); the invitation would lapse before the first snapshot",
                        )
                    )
        return found


class AzureSection(SpecModel):
    """The Azure side of the federation: one Data Share in ``location``."""

    location: AzureLocation
    """A known Azure location, programmatic name (`eastus`)."""
    data_share: DataShareSpec
    """The governed share."""
