"""The command line: ``python main.py [synth|validate] [--spec PATH] [--out DIR]``.

Errors are one line each (file, field path, problem) with exit code 2; tracebacks only with
``--debug``. ``synth`` is atomic: a failure leaves an existing output directory untouched.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from spec import SpecError, load_spec
from spec.loader import resolve_spec_path

EXIT_INVALID = 2
COMMANDS = frozenset({"synth", "validate"})
OUTDIR_ENV = "CDKTF_OUTDIR"  # set by `cdktf synth` to where it expects the app's output


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="Federated-learning infrastructure: spec in, Terraform stacks out. Without a command: synth.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def spec_option(cmd):
        cmd.add_argument(
            "--spec", metavar="PATH", help="federation spec (default: $FEDERATION_SPEC, else ./federation.yaml)"
        )
        cmd.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")

    synth = commands.add_parser("synth", help="validate the spec and write Terraform JSON stacks")
    spec_option(synth)
    synth.add_argument("--out", metavar="DIR", help="output directory (default: $CDKTF_OUTDIR, else cdktf.out)")
    synth.add_argument("--quiet", action="store_true", help="print nothing on success")

    validate = commands.add_parser("validate", help="check the spec only (no provider import); print every error")
    spec_option(validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS | {"-h", "--help"}:
        argv.insert(0, "synth")
    args = _parser().parse_args(argv)
    command = args.command
    try:
        spec_path = resolve_spec_path(args.spec)
        spec = load_spec(spec_path)
        if command == "validate":
            print("ok")
            return 0
        return _synth(spec, args)
    except SpecError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:
        if args.debug:
            raise
        from fedinfra.synth import SynthError

        if isinstance(exc, SynthError):
            for line in exc.lines:
                print(f"policy: {line}", file=sys.stderr)
            return EXIT_INVALID
        print(f"error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", file=sys.stderr)
        return 1


def _synth(spec, args) -> int:
    from fedinfra.summary import render_table, summarize
    from fedinfra.synth import synthesize

    outdir = args.out or os.environ.get(OUTDIR_ENV) or "cdktf.out"
    started = time.perf_counter()
    if not args.quiet:
        print("synthesizing (loading provider packages)...", file=sys.stderr, flush=True)
    synthesize(spec, outdir)
    if not args.quiet:
        print(render_table(summarize(outdir)))
        print(f"wrote {outdir} in {time.perf_counter() - started:.1f} s")
    return 0
