"""Benchmark: the synth cache (cold, unchanged, changed spec) and the lazy vs eager provider import.

    make bench                       # 3 runs of each, default federation.yaml
    .venv/bin/python bench/synth_bench.py --runs 5 --spec examples/minimal-aws.yaml
    .venv/bin/python bench/synth_bench.py --stacks 'aws-*' gke-fl-us azure-data-share
    .venv/bin/python bench/synth_bench.py --skip-imports   # the cache measurement only
    .venv/bin/python bench/synth_bench.py --skip-cache     # the import measurement only

Each run is a fresh ``python main.py synth`` process (as a user runs it). Reports the median
wall time, the peak resident memory of the Python process and of the largest process in the tree
(usually the jsii Node kernel).

Cache: per run, ``cold`` synthesizes into an empty directory, ``unchanged`` runs the same
command again (served from the synth cache), ``changed`` runs it after a one-line edit to a
copy of the spec (a comment: the key changes, the output must not), and the bench fails unless
the fresh synth after the edit is byte-identical to the output the cache served.

Imports: ``lazy`` and ``eager`` always synthesize (``--force``), with ``main.py validate`` as the
floor; prints the eager/lazy ratio. The load average is printed with the numbers (the machine
may be shared). Results also go to ``bench/results/latest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# Runs main.py in-process and records the Python process's own peak RSS (KiB) at exit, so the
# Python side can be told apart from the jsii Node process that wait4() also reports.
_WRAPPER = """
import atexit, os, resource, runpy, sys
def _record():
    with open(os.environ["BENCH_PEAK_FILE"], "w") as f:
        f.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
atexit.register(_record)
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(sys.argv[0]))
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run_once(args: list[str], env_extra: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, Python peak RSS and largest-process peak RSS (MiB) of one ``main.py`` run."""
    with tempfile.NamedTemporaryFile(delete=False) as peak_file:
        pass
    env = {
        **os.environ,
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "BENCH_PEAK_FILE": peak_file.name,
        **env_extra,
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", _WRAPPER, str(ROOT / "main.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"main.py {' '.join(args)} failed: {process.stderr.read().decode()[-2000:]}")
    python_peak = int(Path(peak_file.name).read_text() or 0) / 1024
    os.unlink(peak_file.name)
    return elapsed, python_peak, usage.ru_maxrss / 1024


def measure(label: str, args: list[str], env_extra: dict[str, str], runs: int) -> dict:
    times, python_peaks, tree_peaks = [], [], []
    for index in range(runs):
        seconds, python_peak, tree_peak = run_once(args, env_extra)
        times.append(seconds)
        python_peaks.append(python_peak)
        tree_peaks.append(tree_peak)
        print(
            f"  {label:<8} run {index + 1}/{runs}: {seconds:6.2f} s, Python peak {python_peak:5.0f} MiB, "
            f"largest process {tree_peak:5.0f} MiB",
            file=sys.stderr,
            flush=True,
        )
    return {
        "median_s": statistics.median(times),
        "runs_s": times,
        "python_peak_mib": max(python_peaks),
        "largest_process_peak_mib": max(tree_peaks),
    }


def tree_bytes(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def measure_cache(spec: str, stacks: list[str] | None, runs: int, scratch: Path) -> dict:
    """Medians of a cold synth, an unchanged re-synth and a re-synth after a one-line spec edit."""
    spec_copy = scratch / "spec.yaml"
    out = scratch / "cache-out"
    synth = ["synth", "--quiet", "--spec", str(spec_copy), "--out", str(out)]
    if stacks:
        synth += ["--stacks", *stacks]
    samples: dict[str, list[tuple[float, float, float]]] = {"cold": [], "unchanged": [], "changed": []}
    original = Path(spec).read_text()
    for index in range(runs):
        spec_copy.write_text(original)
        shutil.rmtree(out, ignore_errors=True)
        (scratch / f".synth-key-{out.name}.json").unlink(missing_ok=True)
        for variant in ("cold", "unchanged", "changed"):
            if variant == "changed":
                served = tree_bytes(out)
                spec_copy.write_text(original + f"# bench edit {index}\n")
            samples[variant].append(run_once(synth, {}))
            if variant == "cold":
                inode = out.stat().st_ino
            elif variant == "unchanged" and out.stat().st_ino != inode:
                raise SystemExit("the unchanged re-synth was not served from the synth cache")
            print(
                f"  {variant:<9} run {index + 1}/{runs}: {samples[variant][-1][0]:6.2f} s", file=sys.stderr, flush=True
            )
        if tree_bytes(out) != served:
            raise SystemExit("the fresh synth after the spec edit differs from the output the cache served")
    return {
        variant: {
            "median_s": statistics.median(s[0] for s in rows),
            "runs_s": [s[0] for s in rows],
            "python_peak_mib": max(s[1] for s in rows),
            "largest_process_peak_mib": max(s[2] for s in rows),
        }
        for variant, rows in samples.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per variant (default 3)")
    parser.add_argument("--spec", default=str(ROOT / "federation.yaml"), help="spec to synthesize")
    parser.add_argument("--skip-eager", action="store_true", help="measure the lazy import only")
    parser.add_argument("--skip-imports", action="store_true", help="skip validate/lazy/eager")
    parser.add_argument("--skip-cache", action="store_true", help="skip cold/unchanged/changed")
    parser.add_argument("--stacks", nargs="+", metavar="GLOB", help="synthesize only these stacks (as synth --stacks)")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        synth = ["synth", "--quiet", "--force", "--spec", options.spec, "--out", str(Path(scratch) / "out")]
        if options.stacks:
            synth += ["--stacks", *options.stacks]
        results = {
            "spec": os.path.relpath(options.spec, ROOT),
            "stacks": options.stacks or "all",
            "runs": options.runs,
            "cpus": os.cpu_count(),
            "load_average_before": os.getloadavg(),
        }
        if not options.skip_cache:
            results.update(measure_cache(options.spec, options.stacks, options.runs, Path(scratch)))
        if not options.skip_imports:
            results["validate"] = measure("validate", ["validate", "--spec", options.spec], {}, options.runs)
            results["lazy"] = measure("lazy", synth, {"FEDINFRA_EAGER_PROVIDERS": "0"}, options.runs)
            if not options.skip_eager:
                results["eager"] = measure("eager", synth, {"FEDINFRA_EAGER_PROVIDERS": "1"}, options.runs)
                results["speedup"] = results["eager"]["median_s"] / results["lazy"]["median_s"]
        results["load_average_after"] = os.getloadavg()

    print(f"\nspec {results['spec']}, stacks {results['stacks']}, {options.runs} runs each, {results['cpus']} CPUs")
    load = " / ".join(
        f"{a:.1f}-{b:.1f}" for a, b in zip(results["load_average_before"], results["load_average_after"], strict=True)
    )
    print(f"load average (1/5/15 min, before-after): {load}")
    print(f"{'variant':<10}{'median':>10}{'Python peak':>14}{'largest process':>18}")
    for variant in ("cold", "unchanged", "changed", "validate", "lazy", "eager"):
        if variant in results:
            row = results[variant]
            print(
                f"{variant:<10}{row['median_s']:>9.2f}s{row['python_peak_mib']:>10.0f} MiB"
                f"{row['largest_process_peak_mib']:>14.0f} MiB"
            )
    if "unchanged" in results:
        ratio = results["cold"]["median_s"] / results["unchanged"]["median_s"]
        print(f"cold / unchanged median: {ratio:.1f}x")
    if "speedup" in results:
        print(f"eager / lazy median: {results['speedup']:.2f}x")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
