"""Benchmark: full default synth with the lazy provider import vs the stock eager import.

    make bench                       # 3 runs of each, default federation.yaml
    .venv/bin/python bench/synth_bench.py --runs 5 --spec examples/minimal-aws.yaml
    .venv/bin/python bench/synth_bench.py --stacks 'aws-*' gke-fl-us azure-data-share

Each run is a fresh ``python main.py synth`` process (as a user runs it). Reports the median
wall time, the peak resident memory of the Python process and of the largest process in the tree
(usually the jsii Node kernel), the
eager/lazy ratio, and the median time of ``main.py validate``. Results also go to
``bench/results/latest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per variant (default 3)")
    parser.add_argument("--spec", default=str(ROOT / "federation.yaml"), help="spec to synthesize")
    parser.add_argument("--skip-eager", action="store_true", help="measure the lazy import only")
    parser.add_argument("--stacks", nargs="+", metavar="GLOB", help="synthesize only these stacks (as synth --stacks)")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        synth = ["synth", "--quiet", "--spec", options.spec, "--out", str(Path(scratch) / "out")]
        if options.stacks:
            synth += ["--stacks", *options.stacks]
        results = {
            "spec": os.path.relpath(options.spec, ROOT),
            "stacks": options.stacks or "all",
            "runs": options.runs,
            "cpus": os.cpu_count(),
        }
        results["validate"] = measure("validate", ["validate", "--spec", options.spec], {}, options.runs)
        results["lazy"] = measure("lazy", synth, {"FEDINFRA_EAGER_PROVIDERS": "0"}, options.runs)
        if not options.skip_eager:
            results["eager"] = measure("eager", synth, {"FEDINFRA_EAGER_PROVIDERS": "1"}, options.runs)
            results["speedup"] = results["eager"]["median_s"] / results["lazy"]["median_s"]

    print(f"\nspec {results['spec']}, stacks {results['stacks']}, {options.runs} runs each, {results['cpus']} CPUs")
    print(f"{'variant':<10}{'median':>10}{'Python peak':>14}{'largest process':>18}")
    for variant in ("validate", "lazy", "eager"):
        if variant in results:
            row = results[variant]
            print(
                f"{variant:<10}{row['median_s']:>9.2f}s{row['python_peak_mib']:>10.0f} MiB"
                f"{row['largest_process_peak_mib']:>14.0f} MiB"
            )
    if "speedup" in results:
        print(f"eager / lazy median: {results['speedup']:.2f}x")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
