"""vCPUs of a Compute Engine machine type, read from its name alone (no API call, no catalogue).

Compute Engine's CPU quotas (``CPUS_ALL_REGIONS`` per project, ``CPUS`` per region) count a VM's
vCPUs, its ``guestCpus``. The names this module understands, and what they count:

- predefined ``<family>-<standard|highmem|highcpu>-<N>`` (optionally ``-lssd``/``-nolssd``, as
  C3/C4 name their local-SSD variants): ``N``, e.g. ``e2-standard-4`` -> 4, ``c3-highcpu-22-lssd`` -> 22;
- custom ``[<family>-]custom-<N>-<MB>`` (optionally ``-ext`` for extended memory): ``N``, e.g.
  ``n2-custom-6-24576`` -> 6, ``custom-2-7680`` -> 2 (N1);
- shared-core ``e2-micro``, ``e2-small``, ``e2-medium`` and ``e2-custom-<micro|small|medium>-<MB>``:
  2 each (their guestCpus; they run on a fraction of that, but quota counts the vCPUs they
  expose), ``f1-micro`` and ``g1-small``: 1 each.

Anything else (GPU shapes like ``a2-highgpu-1g``, ``megamem``/``ultramem``, TPU hosts) is refused
by the spec: its vCPU count cannot be read reliably from the name and it draws on quotas (GPUs)
this tool does not size. Counting from the name keeps ``validate`` offline and deterministic.
"""

from __future__ import annotations

import re

SHARED_CORE_VCPUS = {"e2-micro": 2, "e2-small": 2, "e2-medium": 2, "f1-micro": 1, "g1-small": 1}
"""guestCpus of the shared-core types: what the CPU quotas count for them."""

_PREDEFINED = re.compile(r"^[a-z][a-z0-9]*-(?:standard|highmem|highcpu)-(?P<vcpus>[1-9][0-9]*)(?:-lssd|-nolssd)?$")
_CUSTOM = re.compile(r"^(?:[a-z][a-z0-9]*-)?custom-(?P<vcpus>[1-9][0-9]*)-[1-9][0-9]*(?:-ext)?$")
_SHARED_CUSTOM = re.compile(r"^e2-custom-(?:micro|small|medium)-[1-9][0-9]*$")

EXPECTED = (
    "expected <family>-<standard|highmem|highcpu>-<vCPUs> (e.g. e2-standard-4), "
    "[<family>-]custom-<vCPUs>-<MB>, or a shared-core type (e2-micro, e2-small, e2-medium, f1-micro, g1-small)"
)


def machine_vcpus(machine_type: str) -> int | None:
    """The vCPUs Compute Engine's CPU quotas count for one VM of ``machine_type``; None if the
    name follows none of the known patterns."""
    if machine_type in SHARED_CORE_VCPUS:
        return SHARED_CORE_VCPUS[machine_type]
    if _SHARED_CUSTOM.match(machine_type):
        return 2
    match = _PREDEFINED.match(machine_type) or _CUSTOM.match(machine_type)
    return int(match["vcpus"]) if match else None
