"""Benchmark: peak memory and time of one generation from a 6000 x 4000 photo (load_image + generate_puzzle).

Synthesises the picture (a scikit-image photo upscaled; JPEG saved by Pillow at quality 90) in a temporary
folder, then loads and generates in a fresh child process and reports that child's peak RSS (ru_maxrss from
os.wait4, so no other process counts) and the time of each stage. The parent imports only the standard
library, so the child does not inherit a large address space. Target: peak RSS < 600 MB.

    python benchmarks/bench_memory.py [--format jpeg|png|tiff] [--size 6000x4000] [--max-side 1024] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 600.0
SAVE_OPTIONS = {
    "jpeg": {"format": "JPEG", "quality": 90},
    "png": {"format": "PNG", "compress_level": 6},
    "tiff": {"format": "TIFF", "compression": "tiff_adobe_deflate"},
}


def _status_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak so far) of this process, in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def make_picture(path: Path, width: int, height: int, fmt: str) -> None:
    """A real photo (chelsea, 451 x 300) upscaled to width x height and saved in ``fmt``."""
    from PIL import Image
    from skimage import data

    image = Image.fromarray(data.chelsea()).resize((width, height), Image.Resampling.BICUBIC)
    image.save(path, **SAVE_OPTIONS[fmt])


def child(path: Path, max_side: int, imports_only: bool) -> None:
    """Runs in the measured process: load, generate, and print what each stage cost as one JSON line."""
    start = time.perf_counter()
    from spotdiff_core import generate_puzzle, load_image

    report = {"import_s": time.perf_counter() - start, "after_import_rss_mb": _status_mb("VmRSS")}
    if not imports_only:
        start = time.perf_counter()
        image = load_image(path, max_side=max_side)
        report.update(
            load_s=time.perf_counter() - start, working_size=list(image.shape), load_hwm_mb=_status_mb("VmHWM")
        )
        start = time.perf_counter()
        puzzle = generate_puzzle(image, seed=1, max_side=max_side)
        report.update(generate_s=time.perf_counter() - start, differences=len(puzzle), backends=puzzle.backends)
    report["hwm_mb"] = _status_mb("VmHWM")
    print(json.dumps(report))


def measure(args: list[str]) -> tuple[dict, float, float, float]:
    """Run this script as a child; returns its JSON report, wall seconds, CPU seconds and peak RSS (MB) from wait4."""
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, __file__, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"child failed with exit code {proc.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    return json.loads(out.strip().splitlines()[-1]), wall, cpu, usage.ru_maxrss / 1024  # Linux: KiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", choices=sorted(SAVE_OPTIONS), default="jpeg")
    parser.add_argument("--size", default="6000x4000", help="WIDTHxHEIGHT of the synthesised picture")
    parser.add_argument("--max-side", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--make", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--imports-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))

    if args.make:
        make_picture(args.make, width, height, args.format)
        return 0
    if args.child:
        child(args.child, args.max_side, args.imports_only)
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        picture = Path(tmp) / f"photo_{width}x{height}.{args.format}"
        # Made in its own process, so this (measuring) process stays small.
        subprocess.run(
            [sys.executable, __file__, "--make", str(picture), "--size", args.size, "--format", args.format], check=True
        )
        size_mb = picture.stat().st_size / 2**20
        print(f"picture: {width} x {height} {args.format.upper()}, {size_mb:.1f} MiB; working size {args.max_side}")
        base, _, _, base_peak = measure(["--child", str(picture), "--imports-only"])
        print(f"baseline (import spotdiff_core only): peak RSS {base_peak:.0f} MB, import {base['import_s']:.2f} s")
        peaks, walls = [], []
        for run in range(1, args.runs + 1):
            report, wall, cpu, peak = measure(["--child", str(picture), "--max-side", str(args.max_side)])
            peaks.append(peak)
            walls.append(wall)
            print(
                f"run {run}: peak RSS {peak:.0f} MB (after load_image {report['load_hwm_mb']:.0f} MB); "
                f"load_image {report['load_s']:.2f} s -> {report['working_size']}, "
                f"generate_puzzle {report['generate_s']:.2f} s ({report['differences']} differences, "
                f"{report['backends']['segmenter']}/{report['backends']['inpainter']}); whole process {wall:.2f} s, "
                f"CPU {cpu:.2f} s"
            )
    worst = max(peaks)
    verdict = "OK" if worst < TARGET_MB else "OVER"
    print(
        f"peak RSS max {worst:.0f} MB (target < {TARGET_MB:.0f} MB): {verdict}; wall median {sorted(walls)[len(walls) // 2]:.2f} s"
    )
    return 0 if worst < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
