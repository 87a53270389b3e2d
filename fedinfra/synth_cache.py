"""The synth record: which key an output directory was written for, and what it held.

A successful ``synth`` writes ``.synth-key-<dir>.json`` beside the output directory (not inside
it, so the output tree stays exactly what the app synthesized; not ``.<dir>.*``, the staging
prefix). The next ``synth`` with the same key (``fedinfra.synth_inputs``) reuses the output if
every file it wrote is still there, unchanged, and nothing was added but Terraform's own working
files (``cdktf deploy``/``diff`` run ``terraform init`` and ``plan`` in the stack directories).
A hand edit, a deleted file or an added file makes the next ``synth`` run again.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

TERRAFORM_WORK_FILES = frozenset({".terraform.lock.hcl", "plan"})
"""Files ``terraform init``/``cdktf diff`` and ``scripts/deploy.sh`` add to a stack directory."""
TERRAFORM_WORK_DIRS = frozenset({".terraform"})


def record_path(outdir: str | os.PathLike) -> Path:
    """Where the record of ``outdir`` lives: a hidden sibling file."""
    target = Path(outdir).absolute()
    return target.with_name(f".synth-key-{target.name}.json")


def output_digest(outdir: str | os.PathLike) -> dict[str, str]:
    """Relative path -> SHA-256 of every file below ``outdir`` except Terraform's working files."""
    root = Path(outdir)
    files = {}
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in TERRAFORM_WORK_DIRS)
        for name in sorted(names):
            if name in TERRAFORM_WORK_FILES:
                continue
            path = Path(directory) / name
            files[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def is_current(outdir: str | os.PathLike, key: str) -> bool:
    """True when ``outdir`` was written for ``key`` and is exactly as it was written."""
    recorded = read_record(outdir)
    if recorded is None or recorded.get("key") != key or not Path(outdir).is_dir():
        return False
    try:
        return output_digest(outdir) == recorded.get("output")
    except OSError:  # a file vanished while reading
        return False


def read_record(outdir: str | os.PathLike) -> dict | None:
    """The record beside ``outdir``, or None (missing or unreadable: treated as no record)."""
    try:
        record = json.loads(record_path(outdir).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def stale_parts(outdir: str | os.PathLike, inputs: dict[str, str]) -> list[str]:
    """Why a recorded output is not reused: the input categories that changed, or ``output``
    when the directory differs from what was written. Empty when there is no record."""
    recorded = read_record(outdir)
    if recorded is None:
        return []
    before = recorded.get("inputs", {})
    changed = [name for name, digest in inputs.items() if before.get(name) != digest]
    return changed or ["output"]


def write_record(outdir: str | os.PathLike, key: str, inputs: dict[str, str], output: dict[str, str]) -> None:
    """Record ``key`` for ``outdir`` (atomically: a reader sees the old record or the new one)."""
    target = record_path(outdir)
    partial = target.with_name(f"{target.name}.partial")
    partial.write_text(json.dumps({"key": key, "inputs": inputs, "output": output}, indent=1, sort_keys=True))
    os.replace(partial, target)


def forget(outdir: str | os.PathLike) -> None:
    """Drop the record of ``outdir`` (before its contents are replaced)."""
    record_path(outdir).unlink(missing_ok=True)
