"""The deployer's tools: Terraform or OpenTofu >= 1.10 under the name cdktf runs, Node.js for
``npx cdktf deploy``, the AWS CLI and docker for the member sites' image-cache warm-up
(``local-exec``), and gcloud for Google sign-in and the kubeconfig output."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from fedinfra.preflight.core import Environment, Finding, block, note
from stacks.plan import aws_member_regions

MIN_TERRAFORM = (1, 10)
"""Every stack declares ``required_version >= 1.10`` (the S3 backend's ``use_lockfile``)."""

BINARY_ENV = "TERRAFORM_BINARY_NAME"
"""The binary cdktf runs (``@cdktf/commons``: ``process.env.TERRAFORM_BINARY_NAME || "terraform"``)."""

PROJECT = Path(__file__).resolve().parents[2]
"""The app's directory (cdktf.json, package.json): ``npx cdktf`` resolves the CLI from here."""

_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def parse_version(output: str) -> tuple[int, int, int] | None:
    """The version in ``terraform version -json`` / ``tofu version -json`` output, or in the first
    ``vX.Y.Z`` of their plain-text output."""
    try:
        data = json.loads(output)
    except ValueError:
        data = None
    text = output
    if isinstance(data, dict):
        text = str(data.get("terraform_version") or data.get("tofu_version") or data.get("version") or "")
    match = _VERSION.search(text)
    return tuple(int(part) for part in match.groups()) if match else None


def check_terraform(spec, env: Environment) -> Iterator[Finding]:
    binary = env.variables.get(BINARY_ENV) or "terraform"
    path = env.which(binary)
    if path is None:
        if binary == "terraform" and env.which("tofu"):
            yield block(
                "terraform", f"not on PATH but tofu is; cdktf runs terraform unless told: export {BINARY_ENV}=tofu"
            )
        else:
            yield block(
                binary, "not on PATH; install Terraform >= 1.10 (or OpenTofu >= 1.10 with TERRAFORM_BINARY_NAME=tofu)"
            )
        return
    output = env.probe((path, "version", "-json"))
    version = parse_version(output) if output else None
    if version is None:
        yield block(binary, f"`{binary} version -json` failed or took too long; check the installation at {path}")
    elif version[:2] < MIN_TERRAFORM:
        wanted = ".".join(map(str, MIN_TERRAFORM))
        yield block(
            binary,
            f"version {'.'.join(map(str, version))} is too old: every stack requires >= {wanted} "
            f"(the S3 backend's use_lockfile); upgrade {binary}",
        )


def check_node(spec, env: Environment) -> Iterator[Finding]:
    missing = [tool for tool in ("node", "npx") if env.which(tool) is None]
    for tool in missing:
        yield block(tool, "not on PATH; install Node.js 20 and run `make setup` (npx cdktf deploy runs the stacks)")
    if not missing and not env.is_dir(str(PROJECT / "node_modules" / "cdktf-cli")):
        yield block(
            "cdktf-cli",
            "not installed in this project (npx would fetch an unpinned cdktf); run `make setup` "
            "(npm ci installs the pinned cdktf-cli 0.21.0)",
        )


def check_member_site_tools(spec, env: Environment) -> Iterator[Finding]:
    """Member stacks pull their cached images once from the deployer's machine (``local-exec``)."""
    regions = aws_member_regions(spec)
    if not regions:
        return
    needs = {"aws": "install the AWS CLI", "docker": "install docker (the daemon must run during the apply)"}
    for tool, action in needs.items():
        if env.which(tool) is None:
            yield block(
                tool,
                f"not on PATH; the member stacks ({', '.join(f'aws-{r}' for r in regions)}) run "
                f"`aws ecr get-login-password | docker login` and `docker pull` once from this machine; {action}",
            )


def check_google_tools(spec, env: Environment) -> Iterator[Finding]:
    if spec.gcp is None:
        return
    if env.which("gcloud") is None:
        yield note(
            "gcloud",
            "not on PATH; install the Google Cloud CLI to sign in (gcloud auth application-default login) "
            "and enable the APIs, or point GOOGLE_APPLICATION_CREDENTIALS at a service account key",
        )
    if env.which("gke-gcloud-auth-plugin") is None:
        yield note(
            "gke-gcloud-auth-plugin",
            "not on PATH; the deploy does not need it, kubectl with the clusters' kubeconfig output does: "
            "gcloud components install gke-gcloud-auth-plugin",
        )
