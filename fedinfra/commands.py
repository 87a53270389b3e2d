"""What each command does; ``fedinfra.cli`` parses arguments and reports errors.

The spec model and cdktf are imported inside the commands that need them: ``synth`` with an
up-to-date output (``fedinfra.synth_cache``) needs neither.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from fedinfra.errors import UsageError
from fedinfra.synth_inputs import OUTDIR_ENV, force_requested, resolve_spec_path

PROVIDER_PACKAGES = {
    "aws": "AWS",
    "google": "Google",
    "azurerm": "Azure",
    "kubernetes": "Kubernetes",
    "time": "Time",
    "tls": "TLS",
}


def validate(args) -> int:
    """Check the spec only; never imports cdktf or a provider."""
    from federation_spec import load_spec

    path = resolve_spec_path(args.spec)
    _notices(path, load_spec(path))
    print("ok")
    return 0


def preflight(args) -> int:
    """Print what a first deploy still needs; never imports cdktf or a provider."""
    from federation_spec import load_spec
    from fedinfra.preflight import exit_code, render, run_checks

    findings = run_checks(load_spec(resolve_spec_path(args.spec)))
    for line in render(findings):
        print(line)
    return exit_code(findings)


def synth(args) -> int:
    """Synthesize, unless the output directory is up to date with every input (then say so)."""
    from fedinfra import synth_cache
    from fedinfra.summary import render_table, summarize
    from fedinfra.synth_inputs import gather, synth_key

    started = time.perf_counter()
    spec_path = resolve_spec_path(args.spec)
    outdir = args.out or os.environ.get(OUTDIR_ENV) or "cdktf.out"
    inputs = gather(spec_path, outdir, args.stacks)
    key = synth_key(inputs)
    if not (args.force or force_requested()) and synth_cache.is_current(outdir, key):
        if not args.quiet:
            print(render_table(summarize(outdir)))
            print(f"{outdir} is up to date (key {key[:12]}); nothing to synthesize (--force to rebuild)")
        return 0
    from federation_spec import load_spec
    from fedinfra.synth import synthesize

    spec = load_spec(spec_path)
    _notices(spec_path, spec)
    _check_state_outside(spec, outdir)
    if not args.quiet:
        stale = synth_cache.stale_parts(outdir, inputs)
        if stale:
            print(f"{outdir} is out of date ({', '.join(stale)} changed)", file=sys.stderr)
        _progress(spec, args.stacks)
    synthesize(spec, outdir, stacks=args.stacks, inputs=inputs)
    if not args.quiet:
        print(render_table(summarize(outdir)))
        if spec.gcp is not None:
            from federation_spec.gcp_capacity import summary_line

            print(summary_line(spec.gcp))
        print(f"wrote {outdir} in {time.perf_counter() - started:.1f} s")
    return 0


def _notices(path, spec) -> None:
    """One line on stderr per widening the spec asks for (``federation_spec.widening``), even with --quiet:
    what the estate opens beyond its defaults is said every time it is built."""
    from federation_spec.widening import widenings

    for field, what in widenings(spec):
        print(f"notice: {path}: {field}: {what}", file=sys.stderr)


def _check_state_outside(spec, outdir: str) -> None:
    """Local state must not live in the output directory: every synth replaces it."""
    from stacks.backend import state_inside_output

    problem = state_inside_output(spec.state, outdir)
    if problem:
        raise UsageError(problem)


def graph(args) -> int:
    from fedinfra import graph as render
    from fedinfra.inspect import load_stacks, references

    with _synthesized(args) as outdir:
        stacks = load_stacks(outdir)
    counts = {name: sum(len(v) for v in doc.get("resource", {}).values()) for name, doc in stacks.items()}
    refs = references(stacks)
    text = render.dot(counts, refs) if args.format == "dot" else render.mermaid(counts, refs)
    if args.write:
        target = Path(args.write)
        target.write_text(render.splice(target.read_text(), render.mermaid(counts, refs)))
        print(f"updated the stack graph in {target}", file=sys.stderr)
    else:
        print(text, end="")
    if args.png:
        _render_png(render.dot(counts, refs), args.png)
    return 0


def inventory(args) -> int:
    from fedinfra.inspect import inventory as build_inventory
    from fedinfra.inspect import load_stacks

    with _synthesized(args) as outdir:
        stacks = load_stacks(outdir)
    for stack in build_inventory(stacks):
        print(f"{stack.name}")
        rows = list(stack.resource_types) + [(f"data.{dtype}", count) for dtype, count in stack.data_sources]
        width = max((len(name) for name, _ in rows), default=0)
        for name, count in rows:
            print(f"  {name:<{width}}  {count:>3}")
        for output in stack.outputs:
            flag = "sensitive" if output.sensitive else "         "
            print(f"  output {output.name:<34} {flag}  {output.description}")
        print()
    _print_members(stacks)
    _print_alerts(stacks)
    return 0


def _print_alerts(stacks: dict) -> None:
    """Every alert: its name, where it runs, what it watches, whom it tells."""
    from fedinfra.alerts import alerts

    found = alerts(stacks)
    if not found:
        print("alerts: none (no monitoring section: nobody is told when the federation breaks)")
        return
    print(f"alerts ({len(found)})")
    for alert in found:
        print(f"  {alert.name}  [{alert.where}]")
        print(f"      watches  {alert.watches}")
        print(f"      notifies {', '.join(alert.notifies) or 'nobody'}")
    print()


def _print_members(stacks: dict) -> None:
    """The federation as one system: each SuperNode site, its data, the aggregator it dials."""
    from fedinfra.members import federation_members

    members = federation_members(stacks)
    if not members:
        return
    print("federation members (SuperNode sites)")
    for member in members:
        print(f"  {member.site:<20} {member.kind:<4} dials {member.dials}")
        for data in member.data:
            print(f"  {'':<20} {'':<4} data  {data}")
    print()


def spec_reference(args) -> int:
    from federation_spec.reference import render_reference, splice

    if args.write:
        target = Path(args.write)
        target.write_text(splice(target.read_text(), render_reference()))
        print(f"updated the spec reference in {target}", file=sys.stderr)
    else:
        print(render_reference(), end="")
    return 0


def _progress(spec, patterns) -> None:
    """The slow part of synth is loading provider packages: say which, before it starts."""
    from stacks.plan import plan_stacks, select

    chosen = select(plan_stacks(spec), patterns)
    providers = sorted({p for plan in chosen for p in plan.providers})
    names = ", ".join(PROVIDER_PACKAGES.get(p, p) for p in providers)
    print(f"synthesizing {len(chosen)} stacks; loading providers: {names} ...", file=sys.stderr, flush=True)


@contextmanager
def _synthesized(args):
    """An output directory to read: ``--from DIR``, or a fresh synth of the spec in a temp dir."""
    if args.source:
        source = Path(args.source)
        if not (source / "manifest.json").exists():
            raise UsageError(f"{source}: no manifest.json; run `main.py synth --out {source}` first")
        yield source
        return
    from federation_spec import load_spec
    from fedinfra.synth import synthesize

    spec = load_spec(resolve_spec_path(args.spec))
    with tempfile.TemporaryDirectory(prefix="fedinfra-") as scratch:
        yield synthesize(spec, Path(scratch) / "out", stacks=args.stacks)


def _render_png(dot_text: str, target: str) -> None:
    dot = shutil.which("dot")
    if dot is None:
        raise UsageError("--png needs Graphviz's `dot` on PATH (e.g. apt-get install graphviz)")
    subprocess.run([dot, "-Tpng", "-o", target], input=dot_text, text=True, check=True)
    print(f"wrote {target}", file=sys.stderr)
