"""Start `streamlit run streamlit_app.py` on a free localhost port for browser and load tests, and stop it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_S = 60


@dataclass(frozen=True)
class RunningApp:
    """A running app: its URL, its log file and the temporary folder it was given."""

    url: str
    log: Path
    tmpdir: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def health(url: str, *, timeout: float = 5.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def running_app(workdir: Path) -> Iterator[RunningApp]:
    """Run the app weights-free with its own empty TMPDIR and models folder under ``workdir``."""
    port = free_port()
    tmpdir, models = workdir / "tmp", workdir / "no-models"
    tmpdir.mkdir(parents=True, exist_ok=True)
    models.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("SPOTDIFF_FASTSAM_WEIGHTS", "SPOTDIFF_LAMA_WEIGHTS")}
    # An empty models directory: the app must run on the weights-free default backends. Its own TMPDIR shows
    # whether anything of a user's pictures is written to disk.
    env.update(SPOTDIFF_MODEL_DIR=str(models), TMPDIR=str(tmpdir), YOLO_OFFLINE="1", YOLO_AUTOINSTALL="false")
    log_path = workdir / "streamlit.log"
    command = [
        sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log_path.open("w+") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_S
            while not health(url, timeout=2):
                if process.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not answer on {url} within {STARTUP_TIMEOUT_S} s")
                time.sleep(0.3)
            yield RunningApp(url, log_path, tmpdir)
        finally:
            # Stop the server and anything it started (its own process group).
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=15)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
