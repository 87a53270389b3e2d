"""AWS steps the estate cannot take itself: the Docker Hub credential secret of the member sites'
ECR pull-through cache, and the billable Direct Connect port with its LOA-CFA step."""

from __future__ import annotations

from collections.abc import Iterator

from fedinfra.preflight.core import Environment, Finding, note
from stacks.plan import aws_member_regions


def check_docker_hub_secret(spec, env: Environment) -> Iterator[Finding]:
    """Every member region's stack reads the secret (a data source), so it must exist first."""
    regions = aws_member_regions(spec)
    if not regions:
        return
    name = spec.aws.member.docker_hub_credential_secret
    path = "aws.member.docker_hub_credential_secret"
    yield note(
        path,
        f"{name} must exist in {', '.join(regions)} before the first apply: a Docker Hub username and "
        'access token as docker-hub.json {"username": "<user>", "accessToken": "<token>"}, encrypted with '
        "the AWS managed key aws/secretsmanager (leave the key at its default: ECR's pull-through cache cannot "
        "read a secret under a customer-managed key)",
    )
    for region in regions:
        yield note(
            path,
            f"run: aws secretsmanager create-secret --region {region} --name {name} "
            "--secret-string file://docker-hub.json",
        )


def check_direct_connect_port(spec, env: Environment) -> Iterator[Finding]:
    """A new dedicated port bills and needs a cross-connect nobody can order from Terraform."""
    dx = spec.aws.direct_connect if spec.aws else None
    if dx is None or dx.connection.existing:
        return
    region = dx.connection_region(spec.aws.regions)
    port = f"{dx.connection.bandwidth} port at {dx.connection.location} ({region})"
    if dx.connection.status == "available":
        yield note(
            "aws.direct_connect.connection",
            f"status is available: deploy from the state that ordered the {port}; a first apply "
            "from empty state orders (and bills) a new port",
        )
        return
    yield note(
        "aws.direct_connect.connection",
        f"the first apply orders a dedicated {port}, billed per port-hour once it is up (or 90 days "
        "after the order); then: aws directconnect describe-loa --connection-id <dx_connection_id output> "
        f"--region {region}, give the LOA-CFA to the colocation provider, and when the port is available set "
        "status: available and add transit_vif",
    )


def check_data_writers(spec, env: Environment) -> Iterator[Finding]:
    """A site that stores data but names nobody to load it: only this account's administrators,
    by assuming the site's data loader role, can put training data there."""
    if spec.aws is None:
        return
    for name in spec.aws.sites_without_data_writer():
        index = next(i for i, region in enumerate(spec.aws.regions) if region.name == name)
        role = f"{spec.federation.name}-{spec.federation.environment}-{name}-data-loader"
        yield note(
            f"aws.regions[{index}].data_loaders",
            f"{name} stores data but names no loader: only this account's administrators can load it, by "
            f"assuming {role} (output data_loader_role_arn; see 'Loading data into an AWS site'); name the "
            "roles that load data in data_loaders",
        )
