"""One provider lock file for every stack (used by ``scripts/deploy.sh``).

Every synth replaces the output directory, and with it each stack's ``.terraform.lock.hcl``, so
the lock file lives in the project (``providers.lock.hcl``, committed) and is copied into every
stack directory before ``cdktf deploy``. With it, ``terraform init`` links providers from the
shared plugin cache (Terraform >= 1.4 uses a cache entry only if it matches a checksum in the
lock file) and cdktf never adds ``-upgrade`` (it does only when a locked version no longer
matches a stack's constraint). ``lock-config`` writes the configuration the lock file is made
from: every provider of every stack, at the one version all stacks pin.

    python -m fedinfra.provider_lock lock-config OUTDIR DIR   # DIR/providers.tf.json
    python -m fedinfra.provider_lock install LOCKFILE OUTDIR  # copy into every stack directory
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

LOCK_NAME = ".terraform.lock.hcl"


class ProviderPinError(Exception):
    """Two stacks pin the same provider at different versions: one lock file cannot hold both."""


def stack_dirs(outdir: str | Path) -> list[Path]:
    """Every stack directory of a synth output, from its manifest, in name order."""
    manifest = json.loads((Path(outdir) / "manifest.json").read_text())
    return [Path(outdir) / stack["workingDirectory"] for _, stack in sorted(manifest["stacks"].items())]


def required_providers(outdir: str | Path) -> dict[str, dict]:
    """Provider name -> ``{source, version}`` over every stack; raises if two stacks disagree."""
    merged: dict[str, dict] = {}
    where: dict[str, str] = {}
    for directory in stack_dirs(outdir):
        document = json.loads((directory / "cdk.tf.json").read_text())
        for name, requirement in document.get("terraform", {}).get("required_providers", {}).items():
            if name in merged and merged[name] != requirement:
                raise ProviderPinError(
                    f"{directory.name} requires {name} {requirement}, {where[name]} requires {merged[name]}"
                )
            merged.setdefault(name, requirement)
            where.setdefault(name, directory.name)
    return dict(sorted(merged.items()))


def write_lock_config(outdir: str | Path, target: str | Path) -> Path:
    """``target/providers.tf.json``: a configuration that requires exactly the stacks' providers."""
    path = Path(target) / "providers.tf.json"
    document = {"terraform": {"required_providers": required_providers(outdir)}}
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return path


def install_lock_file(lock_file: str | Path, outdir: str | Path) -> list[Path]:
    """Copy ``lock_file`` into every stack directory as ``.terraform.lock.hcl``."""
    copies = []
    for directory in stack_dirs(outdir):
        shutil.copyfile(lock_file, directory / LOCK_NAME)
        copies.append(directory / LOCK_NAME)
    return copies


def main(argv: list[str]) -> int:
    usage = "usage: python -m fedinfra.provider_lock lock-config OUTDIR DIR | install LOCKFILE OUTDIR"
    if len(argv) != 3 or argv[0] not in {"lock-config", "install"}:
        print(usage, file=sys.stderr)
        return 2
    try:
        if argv[0] == "lock-config":
            write_lock_config(argv[1], argv[2])
        else:
            install_lock_file(argv[1], argv[2])
    except (OSError, KeyError, ValueError, ProviderPinError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
