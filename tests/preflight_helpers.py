"""A deploy-ready spec and a PATH of fake deployer tools, for the preflight and deploy tests."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from tests.conftest import DEFAULT_SPEC

DEFAULT = yaml.safe_load(DEFAULT_SPEC.read_text())
FAKE_TOOLS = ("node", "npx", "aws", "docker", "gcloud", "gke-gcloud-auth-plugin")


def ready_data() -> dict:
    """The default spec with real-looking values in place of every sample and reserved one."""
    data = copy.deepcopy(DEFAULT)
    data["gcp"]["project"] = "acme-fl-prod-4821"
    data["dns"]["domain"] = "fl.acme-research.net"
    data["azure"]["data_share"]["consumers"] = [{"email": "partner@northwind-labs.org"}]
    data["monitoring"]["emails"] = ["fl-oncall@acme-research.net"]
    return data


def write_ready_spec(path: Path) -> Path:
    path.write_text(yaml.safe_dump(ready_data(), sort_keys=False))
    return path


def fake_tools(directory: Path, terraform_version: str = "1.11.4", scripts: dict[str, str] | None = None) -> Path:
    """A directory of fake tools that succeed silently; ``terraform version -json`` prints
    ``terraform_version``; ``scripts`` replaces any tool's shell script body."""
    directory.mkdir()
    bodies = dict.fromkeys(FAKE_TOOLS, "exit 0\n")
    bodies["terraform"] = f'echo \'{{"terraform_version": "{terraform_version}"}}\'\n'
    bodies.update(scripts or {})
    for name, body in bodies.items():
        (directory / name).write_text("#!/bin/sh\n" + body)
        (directory / name).chmod(0o755)
    return directory
