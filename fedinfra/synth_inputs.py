"""Everything a synth's output depends on, as digests: the synth key's inputs.

Gathered without importing cdktf, a provider package or the spec model (importing them is the
cost the synth cache avoids): files are hashed as bytes, package versions come from the names
of the installed ``*.dist-info`` directories, Node from the identity of its binary.

What the key covers (a change to any of these re-synthesizes):

- ``spec``: the resolved spec path and the spec file's bytes;
- ``sources``: every file of every top-level package of the app (a directory with an
  ``__init__.py``, found by listing the app root, so new modules and packages count without a
  list to maintain; ``tests`` and ``bench`` do not feed the output) plus ``main.py``;
- ``pins``: ``cdktf.json``, ``requirements*.txt``, ``package.json``, ``package-lock.json``;
- ``runtime``: the Python version, every installed distribution and its version (cdktf, jsii,
  constructs, the providers, pydantic, ...), and the ``node`` binary jsii runs (resolved path,
  size, modification time: cheaper than starting ``node --version`` and exact for any rebuild);
- ``options``: ``--stacks`` and the resolved output directory and working directory (local
  state paths in the output are relative to both);
- ``environment``: the variables listed in ``ENV_NAMES`` and every variable starting with one
  of ``ENV_PREFIXES``, except those in ``UNKEYED_ENV``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

APP_ROOT = Path(__file__).resolve().parent.parent
SPEC_ENV = "FEDERATION_SPEC"
DEFAULT_SPEC = "federation.yaml"
"""Mirrors ``federation_spec.loader.resolve_spec_path`` (importing it would load the spec model; a test
checks the two agree)."""

OUTDIR_ENV = "CDKTF_OUTDIR"
"""Set by ``cdktf synth``/``deploy``/``diff`` to where they expect the output."""
CONTINUE_ENV = "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS"
CONTINUE_DEFAULT = "true"
"""``fedinfra.synth`` sets this default before the jsii kernel starts, as ``cdktf synth`` does."""
FORCE_ENV = "FEDINFRA_FORCE_SYNTH"
"""``1``/``true``/``yes``: synthesize even when the output is up to date (as ``--force``)."""

ENV_NAMES = (
    SPEC_ENV,  # which spec (the resolved path is keyed as well)
    CONTINUE_ENV,  # read by the cdktf library
    "CDKTF_CONTEXT_JSON",  # app context passed by the cdktf CLI, read by cdktf's App
    "SYNTH_HCL_OUTPUT",  # cdktf's App writes HCL instead of JSON when "true"
    "NODE_OPTIONS",  # options of the jsii kernel's node process
)
ENV_PREFIXES = ("CDKTF_", "JSII_", "FEDINFRA_")
"""cdktf library and CLI settings, the jsii runtime (JSII_NODE, JSII_RUNTIME, ...), this app's
own switches (FEDINFRA_EAGER_PROVIDERS, ...)."""
UNKEYED_ENV = frozenset({OUTDIR_ENV, FORCE_ENV, "CDKTF_LOG_LEVEL", "CDKTF_DISABLE_PLUGIN_CACHE_ENV"})
"""Read, but never change the output: the output directory is keyed as a resolved path (so
``--out X`` and ``CDKTF_OUTDIR=X`` share a key), the rest steer the CLI, not the app."""

PINNED_FILES = ("cdktf.json", "package.json", "package-lock.json")
PINNED_GLOBS = ("requirements*.txt",)
ENTRY_POINTS = ("main.py",)
NOT_APP_PACKAGES = frozenset({"tests", "bench"})
SKIPPED_NAMES = frozenset({"__pycache__"})


def resolve_spec_path(cli_path: str | None, environ: Mapping[str, str] = os.environ) -> Path:
    """``--spec PATH``, else ``$FEDERATION_SPEC``, else ``./federation.yaml`` (as the loader)."""
    return Path(cli_path or environ.get(SPEC_ENV) or DEFAULT_SPEC)


def force_requested(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether ``FEDINFRA_FORCE_SYNTH`` asks to bypass the cache."""
    return environ.get(FORCE_ENV, "").strip().lower() in {"1", "true", "yes"}


def gather(
    spec_path: str | os.PathLike,
    outdir: str | os.PathLike,
    stacks: Sequence[str] | None = None,
    *,
    app_root: str | os.PathLike = APP_ROOT,
    environ: Mapping[str, str] = os.environ,
    cwd: str | os.PathLike | None = None,
    search_path: Sequence[str] | None = None,
) -> dict[str, str]:
    """Digest per input category (see the module docstring); equal digests, equal output."""
    root = Path(app_root)
    base = Path(cwd or os.getcwd())
    spec = base / spec_path
    parts = {
        "spec": {"path": os.path.realpath(spec), "bytes": _file_digest(spec)},
        "sources": _sources(root),
        "pins": _pins(root),
        "runtime": _runtime(environ, sys.path if search_path is None else search_path),
        "options": {
            "stacks": list(stacks) if stacks else None,
            "out": os.path.realpath(base / outdir),
            "cwd": os.path.realpath(base),
        },
        "environment": _environment(environ),
    }
    return {name: _digest(value) for name, value in parts.items()}


def synth_key(inputs: Mapping[str, str]) -> str:
    """One hex digest of every input category."""
    return _digest(dict(inputs))


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def _sources(root: Path) -> dict[str, str | None]:
    files = {name: _file_digest(root / name) for name in ENTRY_POINTS}
    for package in sorted(root.iterdir()):
        if package.name in NOT_APP_PACKAGES or not (package / "__init__.py").is_file():
            continue
        for directory, subdirs, names in os.walk(package):
            subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_NAMES and not d.startswith("."))
            for name in sorted(names):
                if name.endswith(".pyc") or name.startswith("."):
                    continue
                path = Path(directory) / name
                files[path.relative_to(root).as_posix()] = _file_digest(path)
    return files


def _pins(root: Path) -> dict[str, str | None]:
    files = {name: _file_digest(root / name) for name in PINNED_FILES}
    for pattern in PINNED_GLOBS:
        files.update({path.name: _file_digest(path) for path in sorted(root.glob(pattern))})
    return files


def _runtime(environ: Mapping[str, str], search_path: Sequence[str]) -> dict:
    """Python version, installed distributions (names of ``*.dist-info`` directories carry the
    version), and the node binary jsii starts (``JSII_NODE`` or ``node`` on PATH)."""
    distributions = set()
    for entry in search_path:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # not a directory (a zip), or gone
            continue
        distributions.update(name for name in names if name.endswith(".dist-info"))
    node = shutil.which(environ.get("JSII_NODE") or "node", path=environ.get("PATH"))
    identity = None
    if node:
        real = os.path.realpath(node)
        stat = os.stat(real)
        identity = [real, stat.st_size, stat.st_mtime_ns]
    return {"python": sys.version, "distributions": sorted(distributions), "node": identity}


def _environment(environ: Mapping[str, str]) -> dict[str, str]:
    keyed = {
        name: value
        for name, value in environ.items()
        if (name in ENV_NAMES or name.startswith(ENV_PREFIXES)) and name not in UNKEYED_ENV
    }
    keyed.setdefault(CONTINUE_ENV, CONTINUE_DEFAULT)
    return keyed
