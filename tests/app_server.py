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
def serving(
    command: list[str], *, env: dict[str, str], log_path: Path, url: str | None, timeout: float = STARTUP_TIMEOUT_S
) -> Iterator[subprocess.Popen]:
    """Run a server ``command`` from the project root in its own process group, its output in ``log_path``.

    With ``url``, wait until its /_stcore/health answers (RuntimeError with the log's tail when it exits or does
    not answer within ``timeout`` s). Afterwards the server and anything it started are stopped.
    """
    with log_path.open("w+") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + timeout
            while url is not None and not health(url, timeout=2):
                if process.poll() is not None:
                    raise RuntimeError(f"the server exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the server did not answer on {url} within {timeout:g} s:\n{log_path.read_text()[-2000:]}"
                    )
                time.sleep(0.3)
            yield process
        finally:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=15)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def serve_command(port: int, *extra: str, module: str = "spotdiff_app.serve") -> list[str]:
    """The app's own launcher (XSRF cookie, upload limits: what `make run` and Docker use) on ``port``."""
    return [
        sys.executable, "-m", module, "--server.port", str(port),
        "--server.headless", "true", "--server.fileWatcherType", "none", *extra,
    ]  # fmt: skip


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
    url = f"http://127.0.0.1:{port}"
    with serving(command, env=env, log_path=log_path, url=url):
        yield RunningApp(url, log_path, tmpdir)
