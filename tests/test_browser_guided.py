"""Guided creation in a real browser: point at things on the Create page to change them or keep them."""

from __future__ import annotations

import pytest
from PIL import Image

from spotdiff_app.i18n import EN, JA

from .test_browser import ARTIFACTS, GENERATE_TIMEOUT_MS, STEP_TIMEOUT_MS, app, browser, server  # noqa: F401
from .test_guided import THINGS, scene

pytestmark = pytest.mark.browser


def _text(table: dict, key: str) -> str:
    """The fixed start of a translated message with placeholders."""
    return table[key].split("{")[0].strip()


def _guide(page):
    frame = page.locator("iframe[data-testid='stCustomComponentV1']").first.content_frame
    image = frame.locator("#image")
    image.wait_for()
    image.evaluate("img => img.decode()")
    return image


def _point(page, x: float, y: float) -> None:
    """Click the guide picture at a working-size point of the 448 x 320 scene."""
    image = _guide(page)
    box = image.bounding_box()
    image.click(position={"x": x * box["width"] / 448, "y": y * box["height"] / 320})


@pytest.mark.parametrize(("lang", "viewport"), [("en", (1440, 900)), ("ja", (390, 844))])
def test_point_to_change_and_to_protect_in_the_browser(browser, server, tmp_path, lang, viewport):  # noqa: F811
    table = EN if lang == "en" else JA
    ARTIFACTS.mkdir(exist_ok=True)
    picture = tmp_path / "scene.png"
    Image.fromarray(scene()).save(picture)
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page.goto(server + ("/?lang=ja" if lang == "ja" else ""))
    page.locator(".st-key-create_generate button").wait_for()

    page.locator(".st-key-create_source").get_by_role("radio", name=table["source_upload"]).click()
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(picture)
    page.get_by_text("448 × 320").first.wait_for()
    page.get_by_role("slider").first.focus()  # the number of differences, the first slider of the settings
    page.keyboard.press("Home")  # one difference: the disks left free are then known to be free or next to it
    page.locator(".st-key-create_generate button").click()
    page.locator(".st-key-create_point_mode").wait_for(timeout=GENERATE_TIMEOUT_MS)

    # Point to change: click disks until one is added (one of them may already be the automatic difference).
    modes = page.locator(".st-key-create_point_mode")
    modes.get_by_role("radio", name=table["point_mode_change"]).click()
    page.get_by_text(table["point_change_hint"]).wait_for()
    added_text = _text(table, "added_in") if lang == "en" else "秒で足しました"
    refused_text = table["point_refused"]
    added, refused = page.get_by_text(added_text), page.get_by_text(refused_text)
    for point, _ in THINGS.values():
        _point(page, *point)
        page.wait_for_timeout(2500)  # the click's rerun replaces the last refusal (shown until then)
        page.wait_for_function(
            f"() => [{added_text!r}, {refused_text!r}].some(t => document.body.innerText.includes(t))",
            timeout=GENERATE_TIMEOUT_MS,
        )
        if added.count():
            break
        assert refused.count(), "a point is either added or refused with a sentence"
    assert added.count(), "some disk became a difference"
    _guide(page)
    page.wait_for_timeout(500)
    page.screenshot(path=ARTIFACTS / f"guided-change-{lang}.png", full_page=True)

    # Point to protect: the paper at the bottom left is kept; the page says so and draws it.
    modes.get_by_role("radio", name=table["point_mode_protect"]).click()
    page.get_by_text(table["point_protect_hint"]).wait_for()
    _point(page, 30, 300)
    kept = _text(table, "protected_in") if lang == "en" else "変えないようにしました"
    page.get_by_text(kept).wait_for(timeout=GENERATE_TIMEOUT_MS)
    _guide(page)  # drawn again with the kept area
    page.wait_for_timeout(500)
    page.screenshot(path=ARTIFACTS / f"guided-protect-{lang}.png", full_page=True)
    page.close()
