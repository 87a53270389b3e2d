"""The command line: ``python main.py [synth|validate|preflight|graph|inventory|spec-reference] ...``.

Errors are one line each (file, field path, problem) with exit code 2; tracebacks only with
``--debug``. ``synth`` is atomic: a failure leaves an existing output directory untouched, and so
does Ctrl-C (``interrupted``, exit 130; see ``fedinfra.interrupt``).
"""

from __future__ import annotations

import argparse
import os
import sys

from fedinfra.errors import UsageError

EXIT_INVALID = 2
COMMANDS = ("synth", "validate", "preflight", "graph", "inventory", "spec-reference")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="Federated-learning infrastructure: spec in, Terraform stacks out. Without a command: synth.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(cmd, *, stacks: bool = True):
        cmd.add_argument(
            "--spec", metavar="PATH", help="federation spec (default: $FEDERATION_SPEC, else ./federation.yaml)"
        )
        cmd.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
        if stacks:
            cmd.add_argument(
                "--stacks",
                nargs="+",
                metavar="GLOB",
                help="only these stacks (globs, e.g. 'aws-*') and what they depend on",
            )

    synth = commands.add_parser("synth", help="validate the spec and write Terraform JSON stacks (default command)")
    common(synth)
    synth.add_argument("--out", metavar="DIR", help="output directory (default: $CDKTF_OUTDIR, else cdktf.out)")
    synth.add_argument("--quiet", action="store_true", help="print nothing on success")
    synth.add_argument(
        "--force",
        action="store_true",
        help="synthesize even if the output is up to date with every input (also: FEDINFRA_FORCE_SYNTH=1)",
    )

    validate = commands.add_parser("validate", help="check the spec only (no provider import); print every error")
    common(validate, stacks=False)

    preflight = commands.add_parser(
        "preflight",
        help="what a first deploy still needs (offline, no provider import); exit 1 if something blocks",
    )
    common(preflight, stacks=False)

    graph = commands.add_parser("graph", help="stacks and their cross-stack references as Mermaid or Graphviz DOT")
    common(graph)
    graph.add_argument(
        "--from", dest="source", metavar="DIR", help="read an existing synth output instead of synthesizing"
    )
    graph.add_argument(
        "--format", choices=("mermaid", "dot"), default="mermaid", help="output format (default mermaid)"
    )
    graph.add_argument("--png", metavar="FILE", help="also render a PNG with Graphviz `dot` (must be installed)")
    graph.add_argument("--write", metavar="FILE", help="replace the Mermaid diagram between the markers in FILE")

    inventory = commands.add_parser("inventory", help="resource types per stack and every output (sensitive or not)")
    common(inventory)
    inventory.add_argument(
        "--from", dest="source", metavar="DIR", help="read an existing synth output instead of synthesizing"
    )

    reference = commands.add_parser(
        "spec-reference", help="print the spec reference (Markdown) generated from the spec model"
    )
    reference.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    reference.add_argument(
        "--write", metavar="FILE", help="replace the reference between the markers in FILE (README.md)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in {*COMMANDS, "-h", "--help"}:
        argv.insert(0, "synth")
    args = _parser().parse_args(argv)
    from fedinfra import commands, interrupt

    interrupt.install()
    try:
        return getattr(commands, args.command.replace("-", "_"))(args)
    except KeyboardInterrupt:
        interrupt.exit_interrupted()
    except BrokenPipeError:  # output piped into `head` and the like
        if interrupt.received():  # the jsii kernel died with the process group
            interrupt.exit_interrupted()
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the interpreter's final flush
        return 0
    except Exception as exc:
        from federation_spec import (
            SpecError,  # only on failure: a synth served from the cache never loads the spec model
        )

        if isinstance(exc, SpecError):
            for line in exc.lines():
                print(line, file=sys.stderr)
            return EXIT_INVALID
        if interrupt.received():  # e.g. a truncated reply from the jsii kernel killed by Ctrl-C
            interrupt.exit_interrupted()
        if args.debug:
            raise
        return _report(exc)


def _report(exc: Exception) -> int:
    """One line per problem on stderr; exit 2 for anything the user can fix, 1 otherwise."""
    from fedinfra.synth import SynthError
    from stacks.plan import UnknownStackError

    if isinstance(exc, SynthError):
        for line in exc.lines:
            print(f"policy: {line}", file=sys.stderr)
        return EXIT_INVALID
    if isinstance(exc, UsageError | UnknownStackError):
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(f"error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", file=sys.stderr)
    return 1
