"""Atomic synthesis: build the app into a staging directory, then swap it into place.

A failed synth (bad spec, policy violation, crash) never touches an existing output directory.
Given the synth key's inputs, a successful synth records them beside the output, after the swap,
so the next synth of the same inputs can reuse it (``fedinfra.synth_cache``).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from federation_spec import FederationSpec
from fedinfra import synth_cache
from fedinfra.synth_inputs import CONTINUE_DEFAULT, CONTINUE_ENV, synth_key

# Let synth finish and report every error annotation (policy violations) through the manifest,
# as it does under `cdktf synth`; must be set before the jsii kernel starts.
os.environ.setdefault(CONTINUE_ENV, CONTINUE_DEFAULT)
ERROR_LEVELS = frozenset({"@cdktf/error", "ERROR"})
_ANNOTATION_LINE = re.compile(r"^\[(?P<path>[^\]]+)\] (?P<message>.+)$", re.MULTILINE)


class SynthError(Exception):
    """Synthesis produced error annotations (e.g. a broken policy rule); one line per problem."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


def synthesize(
    spec: FederationSpec,
    outdir: str | Path,
    stacks: list[str] | None = None,
    root: str | Path | None = None,
    inputs: dict[str, str] | None = None,
) -> Path:
    """Synthesize ``spec`` into ``outdir`` atomically; returns the output directory.

    ``stacks`` (globs) keeps only the matching stacks and the stacks they depend on. ``root`` is
    the project root local state lives under (default: the working directory); the staging
    directory is a sibling of ``outdir``, so relative state paths are the same from both.
    ``inputs`` (``fedinfra.synth_inputs.gather``, taken before the synth started) are recorded
    with the new output; without them any old record is dropped.
    """
    from stacks import build_app  # imported here so `validate` never loads cdktf

    target = Path(outdir).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        app = build_app(spec, outdir=str(staging), stacks=stacks, root=str(root) if root else None)
        try:
            app.synth()
        except RuntimeError as exc:  # the kernel started without the variable above
            found = [f"{m['path']}: {m['message']}" for m in _ANNOTATION_LINE.finditer(str(exc))]
            if not found:
                raise
            raise SynthError(found) from None
        errors = _error_annotations(staging)
        if errors:
            raise SynthError(errors)
        _swap_into_place(staging, target, inputs)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _error_annotations(outdir: Path) -> list[str]:
    """Error annotations recorded in the manifest (policy aspects add them with construct paths)."""
    import json

    manifest = json.loads((outdir / "manifest.json").read_text())
    lines = []
    for stack in manifest["stacks"].values():
        for note in stack.get("annotations", []):
            if note.get("level") in ERROR_LEVELS:
                lines.append(f"{note['constructPath']}: {note['message']}")
    return lines


def _swap_into_place(staging: Path, target: Path, inputs: dict[str, str] | None = None) -> None:
    """Replace ``target`` with ``staging`` with two renames, so readers never see a half directory;
    Ctrl-C waits until the swap is complete, so it never leaves the output directory missing.
    The old record goes before the swap and the new one is written after it: a crash in between
    leaves no record, so the next synth runs again."""
    from fedinfra.interrupt import deferred

    written = synth_cache.output_digest(staging) if inputs is not None else None
    backup = None
    with deferred():
        synth_cache.forget(target)
        if target.exists():
            backup = target.with_name(f".{target.name}.old")
            shutil.rmtree(backup, ignore_errors=True)
            target.rename(backup)
        staging.rename(target)
        if inputs is not None:
            synth_cache.write_record(target, synth_key(inputs), inputs, written)
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)
