"""The whole app in a real browser: `streamlit run` driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from spotdiff_core import load_puzzle

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
STARTUP_TIMEOUT_S = 60
GENERATE_TIMEOUT_MS = 120_000
STEP_TIMEOUT_MS = 20_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`streamlit run streamlit_app.py` on a free port, weights-free, stopped at the end."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("SPOTDIFF_FASTSAM_WEIGHTS", "SPOTDIFF_LAMA_WEIGHTS")}
    # An empty models directory: the app must run on the weights-free default backends.
    env["SPOTDIFF_MODEL_DIR"] = str(tmp_path_factory.mktemp("no-models"))
    env["YOLO_OFFLINE"], env["YOLO_AUTOINSTALL"] = "1", "false"
    log = (tmp_path_factory.mktemp("server") / "streamlit.log").open("w+")
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "streamlit_app.py",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"streamlit exited with {process.returncode}:\n{log.read()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer on {url} within {STARTUP_TIMEOUT_S} s")
            time.sleep(0.3)
        yield url
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
        log.close()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (`make system-deps` installs it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def photo_jpeg(tmp_path) -> Path:
    """A real photo (scikit-image's coffee cup) as a JPEG file, the way a user would upload it."""
    from skimage import data

    path = tmp_path / "coffee.jpg"
    Image.fromarray(data.coffee()).save(path, quality=92)
    return path


def screenshot(page, name: str, *, pictures: bool = False) -> None:
    """A screenshot of the whole page (Streamlit scrolls inside the page, so make the window tall for it)."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 2000})
    if pictures:
        for image in component_images(page):
            image.wait_for()
            image.evaluate("img => img.decode()")  # resolves once the picture is loaded and drawn
    page.wait_for_timeout(800)  # let the layout settle after the resize
    page.screenshot(path=ARTIFACTS / name)
    page.set_viewport_size(size)


def component_images(page):
    """The two clickable pictures of the Play page (inside streamlit-image-coordinates' iframes)."""
    frames = page.locator("iframe[data-testid='stCustomComponentV1']")
    return [frames.nth(i).content_frame.locator("#image") for i in range(2)]


def displayed(puzzle, image, x: float, y: float) -> dict[str, float]:
    """A working-size point of the puzzle as a position on the displayed picture."""
    box = image.bounding_box()
    return {"x": float(x) * box["width"] / puzzle.width, "y": float(y) * box["height"] / puzzle.height}


def background_point(puzzle) -> tuple[float, float]:
    """The point of a coarse grid farthest from every difference (well inside the picture)."""
    ys, xs = np.mgrid[0.1 * puzzle.height : 0.9 * puzzle.height : 24j, 0.1 * puzzle.width : 0.9 * puzzle.width : 24j]
    distance = np.min([np.hypot(xs - d.center[0], ys - d.center[1]) for d in puzzle.differences], axis=0)
    best = int(np.argmax(distance))
    x, y = float(xs.flat[best]), float(ys.flat[best])
    assert puzzle.hit_test(x, y) is None
    return x, y


def test_upload_generate_download_and_play_to_the_end(browser, server, photo_jpeg):  # no server without a browser
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page.goto(server)
    page.get_by_role("heading", name="Create a puzzle").wait_for()

    # Upload a photo and make a puzzle with the default settings (5 differences, normal).
    page.get_by_role("radio", name="Upload").click()
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(photo_jpeg)
    page.get_by_text("at working size").wait_for()
    page.get_by_role("button", name="Make the puzzle").click()
    page.get_by_text("Made 5 differences in").wait_for(timeout=GENERATE_TIMEOUT_MS)
    page.get_by_text("With differences").wait_for()
    screenshot(page, "create.png")

    # The answers come from the bundle the user downloads, the way a friend would receive it.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Puzzle file (.zip)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    puzzle = load_puzzle(Path(download.path()).read_bytes())
    assert len(puzzle) == 5

    page.get_by_role("link", name="Play it now").click()
    page.get_by_text("0 / 5").wait_for()
    left, right = component_images(page)
    right.wait_for()
    screenshot(page, "play.png", pictures=True)

    # A click on plain background is a mistake.
    x, y = background_point(puzzle)
    left.click(position=displayed(puzzle, left, x, y))
    page.get_by_text("Nothing different there").first.wait_for()

    for found, difference in enumerate(puzzle.differences, start=1):
        image = (left, right)[found % 2]  # both pictures answer clicks
        image.click(position=displayed(puzzle, image, *difference.center))
        page.get_by_text(f"{found} / 5", exact=True).wait_for()

    page.get_by_text("You found all 5 differences").wait_for()
    finish = page.get_by_text("You found all 5 differences").inner_text()
    assert "Mistakes: 1" in finish and "Hints: 0" in finish
    # The balloons fly for a few seconds over everything; the screenshot is of the result under them.
    page.add_style_tag(content="[data-testid='stBalloons'] { display: none !important; }")
    screenshot(page, "finished.png", pictures=True)
    page.close()
