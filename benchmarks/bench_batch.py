"""Benchmark: `python -m spotdiff_core batch` of 12 pictures, serial (--jobs 1) against a pool (--jobs 2).

Each run is the real command in a fresh process, with a pack PDF, so worker start-up is counted. The two runs
must write the same bytes (checked). The machine is shared: the load average before each run is printed, and
with other work on the cores the pool's gain is smaller than on an idle machine.

    python benchmarks/bench_batch.py [--jobs 2] [--max-side 512] [--differences 3] [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the drawings come from the package
    sys.path.insert(0, str(ROOT))


def twelve_pictures(folder: Path) -> list[Path]:
    """Four drawings at two sizes and four scikit-image photos: 12 picture files."""
    import numpy as np
    from PIL import Image
    from skimage import data

    from spotdiff_core.drawings import kitchen_table, park_scene, street_scene
    from spotdiff_core.samples import illustration

    pictures: dict[str, np.ndarray] = {}
    for width, height in ((800, 600), (640, 427)):
        pictures[f"street-{width}.png"] = street_scene(width=width, height=height)
        pictures[f"kitchen-{width}.png"] = kitchen_table(width=width, height=height)
        pictures[f"park-{width}.png"] = park_scene(width=width, height=height)
        pictures[f"garden-{width}.png"] = illustration(width, height)
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        pictures[f"{name}.jpg"] = getattr(data, name)()
    paths = []
    for name, image in pictures.items():
        path = folder / name
        Image.fromarray(image).save(path, quality=92)
        paths.append(path)
    return paths


def run_batch(folder: Path, out: Path, jobs: int, args: argparse.Namespace) -> tuple[float, int, str]:
    command = [
        sys.executable,
        "-m",
        "spotdiff_core",
        "batch",
        str(folder),
        "--out",
        str(out),
        "--pack",
        str(out.with_suffix(".pdf")),
        "--jobs",
        str(jobs),
        "--seed",
        "1",
        "--differences",
        str(args.differences),
        "--max-side",
        str(args.max_side),
        "--fill-weak",  # photos hold fewer natural differences: every picture makes a puzzle
        "--segmenter",
        "felzenszwalb",
        "--inpainter",
        "auto",
    ]
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, check=False)
    return time.perf_counter() - started, done.returncode, done.stdout + done.stderr


def outputs(out: Path) -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    files["pack.pdf"] = out.with_suffix(".pdf").read_bytes()
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--max-side", type=int, default=512)
    parser.add_argument("--differences", type=int, default=3)
    parser.add_argument("--runs", type=int, default=1, help="runs of each (the best is reported too)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        folder = Path(tmp) / "pictures"
        folder.mkdir()
        twelve_pictures(folder)
        times: dict[int, list[float]] = {1: [], args.jobs: []}
        results = {}
        for run in range(args.runs):
            for jobs in (1, args.jobs):
                load = os.getloadavg()[0]
                out = Path(tmp) / f"out-{jobs}-{run}"
                seconds, code, log = run_batch(folder, out, jobs, args)
                if code not in (0, 1) or "Traceback" in log:  # 1: some picture failed, named in the summary
                    print(log, file=sys.stderr)
                    print(f"batch --jobs {jobs} failed with exit code {code}", file=sys.stderr)
                    return 1
                made = next(line for line in log.splitlines() if line.startswith("Made "))
                times[jobs].append(seconds)
                results[jobs] = outputs(out)
                print(
                    f"run {run + 1}: --jobs {jobs}: {seconds:6.1f} s  (load average before: {load:.1f}); {made}",
                    flush=True,
                )
        same = results[1] == results[args.jobs]
        serial, pooled = min(times[1]), min(times[args.jobs])
        print(
            f"12 pictures, {args.differences} differences at {args.max_side} px: serial {serial:.1f} s, "
            f"--jobs {args.jobs} {pooled:.1f} s, speed-up {serial / pooled:.2f}x on {os.cpu_count()} cores "
            f"(shared machine: figures include other users' load); outputs byte-identical: {same}"
        )
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
