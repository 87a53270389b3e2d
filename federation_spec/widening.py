"""Everything a spec opens beyond the secure default, one line each, printed at every synth.

A key that widens what can reach the estate's data or its aggregators is accepted only within
bounds checked where it is declared (a fleet source range no wider than a /8, Azure IP rules /16
to /30, ...); inside those bounds it is still a choice someone should see every time the estate
is built, not only when the spec is reviewed. ``widenings(spec)`` lists each such choice as
(field path, what it opens); ``fedinfra`` prints them as ``notice: <file>: <path>: <what>``.
"""

from __future__ import annotations

from federation_spec.model import FederationSpec


def widenings(spec: FederationSpec) -> list[tuple[str, str]]:
    """(field path, what it opens) for every widening the spec asks for, in spec order."""
    found: list[tuple[str, str]] = []
    workload = spec.workload
    if workload is not None:
        agg = workload.aggregator
        for i, cidr in enumerate(agg.fleet_source_ranges):
            found.append(
                (
                    f"workload.aggregator.fleet_source_ranges[{i}]",
                    f"opens the aggregators' fleet port {agg.fleet_port} to {cidr}",
                )
            )
        perimeter = spec.gcp is not None and spec.gcp.vpc_service_controls is not None
        for i, site in enumerate(workload.google_apis):
            where = "inside the VPC Service Controls perimeter" if perimeter else "in any project (no perimeter)"
            found.append(
                (
                    f"workload.google_apis[{i}]",
                    f"lets the ClientApp at {site} (code chosen by whoever submits a run) send the site's data "
                    f"to Google APIs {where} as the site's Google service account",
                )
            )
        if not workload.app.data_read_only:
            found.append(
                (
                    "workload.app.data_read_only",
                    "mounts every site's data writable: any run's ClientApp can change or delete it",
                )
            )
        for key, what in (("aggregator", "SuperLink"), ("client", "SuperNode")):
            args = getattr(workload, key).args
            if args:
                found.append(
                    (
                        f"workload.{key}.args",
                        f"appends {' '.join(args)} to every {what}'s command, unchecked beyond --insecure",
                    )
                )
        for i, _ in enumerate(workload.partner_node_keys):
            found.append(
                (
                    f"workload.partner_node_keys[{i}]",
                    "lets a SuperNode outside the estate join both aggregators (it receives every global model)",
                )
            )
        for i, operator in enumerate(workload.operators):
            found.append(
                (
                    f"workload.operators[{i}]",
                    f"lets {operator} port-forward to the Control API: submit runs, i.e. run code at every site",
                )
            )
    if spec.azure is not None:
        share = spec.azure.data_share
        for i, network in enumerate(share.allowed_networks):
            found.append(
                (
                    f"azure.data_share.allowed_networks[{i}]",
                    f"admits {network} through the shared storage account's firewall",
                )
            )
        for i, _ in enumerate(share.allowed_subnet_ids):
            found.append(
                (
                    f"azure.data_share.allowed_subnet_ids[{i}]",
                    "admits that subnet through the shared storage account's firewall",
                )
            )
    return found
