"""The whole app in a real browser: `streamlit run` driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from spotdiff_core import load_puzzle

from .app_server import running_app

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
GENERATE_TIMEOUT_MS = 120_000
STEP_TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """`streamlit run streamlit_app.py` on a free port, weights-free, with its own TMPDIR; stopped at the end."""
    try:
        with running_app(tmp_path_factory.mktemp("app")) as running:
            yield running
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def server(app) -> str:
    return app.url


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
            image.locator("img").evaluate("img => img.decode()")  # resolves once the picture is loaded and drawn
    page.wait_for_timeout(800)  # let the layout settle after the resize
    page.screenshot(path=ARTIFACTS / name)
    page.set_viewport_size(size)


def component_images(page):
    """The two clickable pictures of the Play page (inside the board component's iframe)."""
    board = page.locator("iframe[data-testid='stCustomComponentV1']").first.content_frame
    return [board.locator(f"#side-{side}") for side in "ab"]


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

    # Upload a photo and make a puzzle with the default settings (5 differences, normal). Natural-only is the
    # default and the coffee cup holds fewer natural differences: the error offers to fill up, and one click
    # makes the 5 asked for, with weaker changes among them.
    page.get_by_role("radio", name="Upload").click()
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(photo_jpeg)
    page.get_by_text("at working size").wait_for()
    page.get_by_role("button", name="Make the puzzle").click()
    page.get_by_text("This picture cannot hold the puzzle.").wait_for(timeout=GENERATE_TIMEOUT_MS)
    page.get_by_role("button", name="Make 5 with weaker changes").click()
    page.get_by_text("Made 5 differences in").wait_for(timeout=GENERATE_TIMEOUT_MS)
    assert page.get_by_role("switch", name="Fill up with weaker changes").is_checked()
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
    page.get_by_text("Found 0 / 5").wait_for()
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
        page.get_by_text(f"Found {found} / 5").wait_for()

    page.get_by_text("You found all 5 differences").wait_for()
    finish = page.get_by_text("You found all 5 differences").inner_text()
    assert "Mistakes: 1" in finish and "Hints: 0" in finish
    # The balloons fly for a few seconds over everything; the screenshot is of the result under them.
    page.add_style_tag(content="[data-testid='stBalloons'] { display: none !important; }")
    screenshot(page, "finished.png", pictures=True)
    page.close()


def test_nothing_of_the_user_stays_on_the_server(app, browser, server, photo_jpeg):
    """Privacy: after upload, generate, download and play, the app's TMPDIR is empty and its log has no file name."""
    test_upload_generate_download_and_play_to_the_end(browser, server, photo_jpeg)
    left_behind = sorted(p.relative_to(app.tmpdir) for p in app.tmpdir.rglob("*"))
    assert left_behind == [], f"the app left files in its temporary folder: {left_behind}"
    log = app.log.read_text(errors="replace")
    assert photo_jpeg.name not in log, "the server log names the user's file"
    assert "base64" not in log and "\\x89PNG" not in log, "the server log holds picture data"


@pytest.mark.parametrize("page_path", ["play", "worksheet"])
def test_a_page_link_opened_first_on_a_fresh_server_shows_the_whole_app(browser, tmp_path, page_path):
    """The first request to /play or /worksheet must still get the language and the navigation."""
    with running_app(tmp_path) as app:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(STEP_TIMEOUT_MS)
        page.goto(f"{app.url}/{page_path}?lang=ja")
        heading = {"play": "あそぶ", "worksheet": "印刷用プリント"}[page_path]
        page.get_by_role("heading").filter(has_text=heading).first.wait_for()
        page.get_by_role("link").filter(has_text="つくる").first.wait_for()  # the navigation is there
        page.close()
