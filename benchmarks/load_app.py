"""Load test: several browser sessions make puzzles at once on a running app while /_stcore/health is polled.

Bounded in count and time, localhost only. Reports throughput and latency (p50/p95) of whole generations
(page open -> "Made N differences") and of the health endpoint.

    python benchmarks/load_app.py [--sessions 8] [--rounds 2]       # starts its own `streamlit run`
    python benchmarks/load_app.py --url http://127.0.0.1:8501        # or drives a running app
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]  # fmt: skip
GENERATION_TIMEOUT_MS = 180_000
MAX_TOTAL_S = 600  # the whole load run stops after this


@dataclass
class LoadReport:
    sessions: int
    rounds: int
    generation_s: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    health_s: list[float] = field(default_factory=list)
    health_failures: int = 0
    wall_s: float = 0.0

    @property
    def throughput_per_min(self) -> float:
        return 60.0 * len(self.generation_s) / self.wall_s if self.wall_s else 0.0

    def summary(self) -> str:
        gen, hl = sorted(self.generation_s), sorted(self.health_s)
        return (
            f"{self.sessions} sessions x {self.rounds} rounds: {len(gen)} generations completed, "
            f"{len(self.failures)} failed, in {self.wall_s:.1f} s ({self.throughput_per_min:.1f} puzzles/min)\n"
            f"  generation latency p50 {percentile(gen, 50):.2f} s, p95 {percentile(gen, 95):.2f} s, "
            f"max {max(gen, default=0):.2f} s\n"
            f"  /_stcore/health: {len(hl)} answers, {self.health_failures} failures, "
            f"p50 {percentile(hl, 50) * 1000:.0f} ms, p95 {percentile(hl, 95) * 1000:.0f} ms, "
            f"max {max(hl, default=0) * 1000:.0f} ms"
        )


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _poll_health(url: str, stop: threading.Event, report: LoadReport) -> None:
    while not stop.is_set():
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as response:
                ok = response.status == 200
        except OSError:
            ok = False
        if ok:
            report.health_s.append(time.perf_counter() - start)
        else:
            report.health_failures += 1
        stop.wait(0.25)


async def _session(browser, url: str, index: int, rounds: int, report: LoadReport) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(60_000)
    done = 0
    try:
        for _ in range(rounds):
            start = time.perf_counter()
            await page.goto(url)
            await page.get_by_role("button", name="Make the puzzle").click()
            await page.get_by_text("Made 5 differences in").wait_for(timeout=GENERATION_TIMEOUT_MS)
            report.generation_s.append(time.perf_counter() - start)
            done += 1
    except Exception as exc:  # a failed session is counted, the others go on
        report.failures.append(
            f"session {index} after {done} puzzles: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        )
    finally:
        await context.close()


async def _drive(url: str, sessions: int, rounds: int, report: LoadReport) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            tasks = [_session(browser, url, i, rounds, report) for i in range(sessions)]
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=MAX_TOTAL_S)
        finally:
            await browser.close()


def run_load(url: str, *, sessions: int, rounds: int) -> LoadReport:
    """Drive ``sessions`` concurrent browser sessions, each making ``rounds`` puzzles, while polling health."""
    report = LoadReport(sessions, rounds)
    stop = threading.Event()
    poller = threading.Thread(target=_poll_health, args=(url, stop, report), daemon=True)
    poller.start()
    start = time.perf_counter()
    try:
        asyncio.run(_drive(url, sessions, rounds, report))
    finally:
        report.wall_s = time.perf_counter() - start
        stop.set()
        poller.join(timeout=15)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--url", help="a running app (default: start one on a free localhost port)")
    opts = parser.parse_args()
    if not 1 <= opts.sessions <= 32 or not 1 <= opts.rounds <= 10:
        parser.error("use 1 to 32 sessions and 1 to 10 rounds")
    if shutil.which("chromium") is None:
        print("load_app: Debian's chromium is not installed (make system-deps)", file=sys.stderr)
        return 2
    if opts.url:
        report = run_load(opts.url, sessions=opts.sessions, rounds=opts.rounds)
    else:
        sys.path.insert(0, str(ROOT))
        from tests.app_server import running_app

        with tempfile.TemporaryDirectory() as tmp, running_app(Path(tmp)) as app:
            report = run_load(app.url, sessions=opts.sessions, rounds=opts.rounds)
    print(report.summary())
    for failure in report.failures:
        print("  FAILED", failure)
    return 0 if not report.failures and not report.health_failures else 1


if __name__ == "__main__":
    raise SystemExit(main())
