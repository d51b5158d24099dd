"""Benchmark: whole-process `python -m spotdiff_core generate` with a FastSAM-s-sized model vs the weights-free default.

Both runs make 5 differences on a scikit-image photo scaled to 1024 px on its long side and saved
as a JPEG in a temp folder. The FastSAM run uses a randomly initialised FastSAM-s-sized checkpoint
(same architecture and size as FastSAM-s.pt, built here: no download) through `auto`, with the same
inpainter as the weights-free run, so the difference is the model segmenter and its imports.
Reports the median wall time of several runs and each child's peak memory (ru_maxrss from wait4).
Targets (issue 3): FastSAM median <= 2x the weights-free median, peak memory < 1.5 GB.

    python benchmarks/bench_models.py [--runs 5] [--photo coffee] [--check]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 2.0
TARGET_MB = 1536.0


def run_measured(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and the summary line of one `generate` child process.

    The child is reaped with os.wait4, which returns that child's own resource usage (RUSAGE_CHILDREN
    would give the largest child so far).
    """
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # tell Popen the child is gone
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        sys.exit(f"generate failed ({' '.join(args[3:])}): {stderr.strip()}")
    summary = next((line for line in stdout.splitlines() if line.startswith("Saved")), stdout.strip()[-200:])
    return elapsed, usage.ru_maxrss / 1024, summary  # ru_maxrss is in KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per configuration (default 5)")
    parser.add_argument("--photo", default="coffee", help="scikit-image photo name (default coffee)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from benchmarks.bench_generate import photo_1024

    with tempfile.TemporaryDirectory(prefix="bench-models-") as tmp:
        tmp = Path(tmp)
        picture = photo_1024(args.photo, tmp)
        # Built in a child process: torch in this process would be counted in every forked child's peak RSS.
        weights = tmp / "FastSAM-s.pt"
        build = f"from pathlib import Path; from tests.model_stubs import build_random_fastsam; build_random_fastsam(Path({str(weights)!r}))"
        subprocess.run([sys.executable, "-c", build], cwd=ROOT, check=True)
        (tmp / "no-models").mkdir()
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("SPOTDIFF_")}
        base_env.update(PYTHONPATH=str(ROOT), SPOTDIFF_MODEL_DIR=str(tmp / "no-models"))
        configs = {
            "weights-free": base_env,
            "fastsam": {**base_env, "SPOTDIFF_FASTSAM_WEIGHTS": str(weights)},
        }
        results: dict[str, list[tuple[float, float, str]]] = {name: [] for name in configs}
        for run in range(args.runs + 1):  # run 0 warms the file cache and is not counted
            for name, env in configs.items():
                out = tmp / f"{name}-{run}"
                command = [sys.executable, "-m", "spotdiff_core", "generate", str(picture), "-n", "5"]
                command += ["--seed", str(args.seed), "--out", str(out)]
                measured = run_measured(command, env, tmp)
                if run:
                    results[name].append(measured)

    print(f"photo {args.photo} at 1024 px, 5 differences, {args.runs} runs each (after one warm-up run)")
    medians = {}
    for name, runs in results.items():
        times = [r[0] for r in runs]
        peak = max(r[1] for r in runs)
        medians[name] = statistics.median(times)
        print(
            f"  {name:<13} median {medians[name]:5.2f} s  (min {min(times):.2f}, max {max(times):.2f})  "
            f"peak RSS {peak:6.0f} MB  | {runs[-1][2]}"
        )
    ratio = medians["fastsam"] / medians["weights-free"]
    peak_fastsam = max(r[1] for r in results["fastsam"])
    ok = ratio <= TARGET_RATIO and peak_fastsam < TARGET_MB
    print(
        f"  fastsam / weights-free = {ratio:.2f}x (target <= {TARGET_RATIO}x); "
        f"fastsam peak {peak_fastsam:.0f} MB (target < {TARGET_MB:.0f} MB): {'met' if ok else 'MISSED'}"
    )
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
