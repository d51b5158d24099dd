"""Two replicas of the app behind Debian's nginx with deploy/nginx.conf: sessions stick, files flow, a stop is local.

Several browser sessions go through the balancer: each uploads a picture, makes a puzzle and downloads it; every
request of a session reaches one replica (nginx's log); when one replica stops, the sessions on the other one go
on working. Load figures (sessions, puzzles per minute, health p95 through the balancer) are printed.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import statistics
import subprocess
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest
from PIL import Image

from spotdiff_app.i18n import EN
from spotdiff_core import load_puzzle
from spotdiff_core.samples import illustration
from tests.app_server import ROOT, free_port, health, serve_command, serving

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
CHROMIUM = shutil.which("chromium")
SESSIONS = 4
SECRET = "replica-test-shared-secret-0123456789"


@contextlib.contextmanager
def replica(workdir: Path, port: int):
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SPOTDIFF_MODEL_DIR": str(workdir), "STREAMLIT_SERVER_COOKIE_SECRET": SECRET}
    command = serve_command(port, "--server.address", "127.0.0.1")
    with serving(command, env=env, log_path=workdir / "streamlit.log", url=None) as process:
        yield process


def nginx_conf(workdir: Path, listen: int, upstreams: list[int]) -> Path:
    """deploy/nginx.conf with this machine's addresses, and its files (pid, logs, temp) under ``workdir``."""
    text = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    servers = [f"server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in upstreams]
    text = re.sub(r"server app1:8501[^;]*;\s*server app2:8501[^;]*;", "\n        ".join(servers), text)
    text = text.replace("listen 7860;", f"listen 127.0.0.1:{listen};")
    text = text.replace("access_log /dev/stdout replica;", f"access_log {workdir}/access.log replica;")
    text = text.replace(
        "worker_processes 1;", f"worker_processes 1;\npid {workdir}/nginx.pid;\nerror_log {workdir}/error.log;"
    )
    text = text.replace(
        "http {", f"http {{\n    client_body_temp_path {workdir}/body;\n    proxy_temp_path {workdir}/proxy;", 1
    )
    assert text.count("127.0.0.1:") == len(upstreams) + 1
    path = workdir / "nginx.conf"
    path.write_text(text, encoding="utf-8")
    return path


@contextlib.contextmanager
def balancer(workdir: Path, listen: int, upstreams: list[int]):
    workdir.mkdir(parents=True, exist_ok=True)
    conf = nginx_conf(workdir, listen, upstreams)
    check = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(workdir)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", str(workdir), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def picture_file(path: Path) -> Path:
    buf = io.BytesIO()
    Image.fromarray(illustration()).save(buf, format="PNG")
    path.write_bytes(buf.getvalue())
    return path


class HealthPoller(threading.Thread):
    """Asks the balancer's /_stcore/health every 0.5 s and keeps the times."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.times, self.failures, self.stop = url, [], 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=10) as response:
                    response.read()
                self.times.append(time.perf_counter() - started)
            except OSError:
                self.failures += 1
            self.stop.wait(0.5)


def replicas_by_key(access_log: Path) -> dict[str, set[str]]:
    """key -> the upstream addresses its requests went to (from the balancer's log)."""
    seen: dict[str, set[str]] = defaultdict(set)
    for line in access_log.read_text(errors="replace").splitlines():
        match = re.search(r" (\d+) (\S+) key=(\S+)$", line)
        if match and match.group(2) not in ("-",):
            seen[match.group(3)].add(match.group(2).split(",")[0].strip())
    return seen


def test_two_replicas_behind_nginx(tmp_path):
    if NGINX is None:
        pytest.skip("nginx is not installed (as root: apt-get install nginx-light)")
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (`make system-deps` installs it as root)")
    from playwright.sync_api import sync_playwright

    ports = [free_port(), free_port()]
    listen = free_port()
    picture = picture_file(tmp_path / "garden.png")
    url = f"http://127.0.0.1:{listen}"
    with contextlib.ExitStack() as stack:
        processes = [stack.enter_context(replica(tmp_path / f"app{i}", port)) for i, port in enumerate(ports)]
        for port in ports:
            deadline = time.monotonic() + 90
            while not health(f"http://127.0.0.1:{port}", timeout=2):
                assert time.monotonic() < deadline, "a replica did not start"
                time.sleep(0.3)
        stack.enter_context(balancer(tmp_path / "nginx", listen, ports))
        deadline = time.monotonic() + 20
        while not health(url, timeout=2):
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.2)
        poller = HealthPoller(url)
        poller.start()
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        stack.callback(browser.close)

        # Sessions (each its own cookie jar), until both replicas hold at least one.
        sessions = []
        for _ in range(12):
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(180_000)
            page.goto(url)
            page.get_by_role("heading", name="Create a puzzle").wait_for()
            key = next(c["value"] for c in context.cookies() if c["name"] == "spotdiff_replica")
            sessions.append((context, page, key))
            placed = {next(iter(v)) for k, v in replicas_by_key(tmp_path / "nginx" / "access.log").items()}
            if len(sessions) >= SESSIONS and len(placed) == 2:
                break

        started = time.monotonic()
        made = 0
        for _, page, _ in sessions:  # all upload and ask at once; then each waits for its puzzle
            page.get_by_role("radio", name="Upload").click()
            page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(picture)
        for _, page, _ in sessions:
            page.get_by_text("at working size").wait_for()
            page.get_by_role("button", name=EN["generate_button"]).click()
        for _, page, _ in sessions:
            with page.expect_download() as download:
                page.get_by_role("button", name=EN["download_bundle"]).click()
            assert len(load_puzzle(Path(download.value.path()).read_bytes())) == 5
            made += 1
        minutes = (time.monotonic() - started) / 60

        # Every request of a session went to one replica.
        seen = replicas_by_key(tmp_path / "nginx" / "access.log")
        homes = {}
        for _, _, key in sessions:
            assert len(seen[key]) == 1, f"session {key} went to {seen[key]}"
            homes[key] = next(iter(seen[key]))
        assert len(set(homes.values())) == 2, "both replicas hold sessions"

        # One replica stops: the sessions on the other go on (a new puzzle, a download); only its own are lost.
        stopped_port = ports[0]
        os.killpg(processes[0].pid, signal.SIGTERM)
        processes[0].wait(timeout=30)
        survivors = [(p, k) for _, p, k in sessions if homes[k] != f"127.0.0.1:{stopped_port}"]
        for page, _ in survivors:
            page.get_by_role("button", name=EN["regenerate_button"]).click()
        for page, _ in survivors:
            page.wait_for_timeout(500)
            with page.expect_download() as download:
                page.get_by_role("button", name=EN["download_bundle"]).click()
            assert len(load_puzzle(Path(download.value.path()).read_bytes())) == 5
            made += 1
        poller.stop.set()
        poller.join(timeout=15)

    p95 = statistics.quantiles(poller.times, n=20)[-1] * 1000 if len(poller.times) >= 20 else float("nan")
    on_stopped = sum(1 for k in homes.values() if k == f"127.0.0.1:{stopped_port}")
    print(
        f"\n{len(sessions)} sessions through nginx on 2 replicas ({on_stopped} on the one stopped): "
        f"{made} puzzles, {len(sessions) / minutes:.1f} puzzles/min while all made theirs at once; "
        f"health through the balancer: p95 {p95:.0f} ms over {len(poller.times)} checks, {poller.failures} failed"
    )
    assert poller.failures <= 2  # at most while the stopped replica is found out
    # Privacy: the balancer streamed uploads and downloads through, never to its temporary files.
    spooled = [p for d in ("body", "proxy") for p in (tmp_path / "nginx" / d).rglob("*") if p.is_file()]
    assert spooled == []
