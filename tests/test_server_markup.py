"""Text from a shared puzzle file or an upload's name is shown as text, never as Markdown (AppTest, all pages).

The review opened a crafted puzzle file and the browser fetched pictures from an outside address and showed a
working "phish" link: difficulty, segmenter and inpainter went into captions, zip member names, kinds and
versions into error messages, all rendered as Markdown. Each echoed field is tried here; what the page shows
is rendered as Streamlit does (tests/markdown_view.py) and must hold no link, picture or HTML, while still
showing the text itself.
"""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from spotdiff_app.messages import plain
from spotdiff_core import load_puzzle
from spotdiff_core.bundle import puzzle_files
from spotdiff_core.errors import PuzzleFormatError
from tests.markdown_view import live_markup, shown
from tests.test_worksheet import synthetic_puzzle

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
# Short enough to be quoted whole by the loader's messages (they cut quoted values at 40 characters).
HOSTILE = "![t](http://e.vil/t.png)[p](http://e.vil)"[:37]
LINK = "[phish](https://e.vil/login)"
MARKDOWN_ELEMENTS = ("caption", "markdown", "error", "warning", "info", "success", "toast", "title", "subheader")


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return puzzle_files(synthetic_puzzle(320, 240))


def zipped(files: dict[str, bytes], extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in {**files, **(extra or {})}.items():
            zf.writestr(name, data)
    return buf.getvalue()


def with_value(files: dict[str, bytes], path: tuple, value) -> bytes:
    doc = json.loads(files["puzzle.json"])
    parent = doc
    for step in path[:-1]:
        parent = parent.setdefault(step, {}) if isinstance(step, str) else parent[step]
    parent[path[-1]] = value
    return zipped({**files, "puzzle.json": json.dumps(doc).encode()})


def rendered(at: AppTest) -> list[str]:
    """The Markdown source of every text element on the page."""
    texts = []
    for kind in MARKDOWN_ELEMENTS:
        texts += [str(e.value) for e in getattr(at, kind)]
    texts += [caption for image in at.get("image") for caption in image.captions]
    return texts


def open_page(page: str, puzzle=None, info: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if puzzle is not None:
        at.session_state["puzzle"] = puzzle
        at.session_state["puzzle_info"] = info or {"origin": "bundle", "name": "puzzle.zip"}
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


HOSTILE_FILES = {
    "difficulty": (("settings", "difficulty"), HOSTILE),
    "kinds": (("settings", "kinds"), [HOSTILE]),
    "replaced": (("settings", "replaced"), [HOSTILE]),
    "settings key": (("settings", HOSTILE), 1),
    "segmenter": (("backends", "segmenter"), HOSTILE),
    "inpainter": (("backends", "inpainter"), HOSTILE),
    "kind": (("differences", 0, "kind"), HOSTILE),
    "version": (("version",), HOSTILE),
    "document key": ((HOSTILE,), 1),
}


@pytest.mark.parametrize("field", [*HOSTILE_FILES, "zip member name"])
def test_a_hostile_value_in_a_shared_file_is_refused_as_plain_text(files, field):
    data = zipped(files, {HOSTILE: b"x"}) if field == "zip member name" else with_value(files, *HOSTILE_FILES[field])
    # As it was: the loader's sentence quotes the value, which is live Markdown on its own.
    with pytest.raises(PuzzleFormatError) as info:
        load_puzzle(data)
    assert live_markup(str(info.value)), "the test value no longer reaches the message"

    at = open_page("pages/play.py")
    at.file_uploader(key="play_bundle").set_value(("shared.zip", data, "application/zip")).run()
    assert not at.exception, at.exception
    assert len(at.error) == 1, [e.value for e in at.error]
    message = str(at.error[0].value)
    assert live_markup(message) == []
    assert HOSTILE[:24] in shown(message)  # still shown, as the text it is (a list's quote is cut shorter)
    assert "puzzle" not in at.session_state
    assert all(live_markup(text) == [] for text in rendered(at))


def test_the_name_of_an_opened_bundle_is_plain_text(files):
    name = f"{LINK}.zip"
    at = open_page("pages/play.py")
    at.file_uploader(key="play_bundle").set_value((name, zipped(files), "application/zip")).run()
    assert not at.exception and not at.error
    naming = [text for text in rendered(at) if name in shown(text)]
    assert naming, "the page names the opened file (its notice, its caption)"
    assert [text for text in rendered(at) if live_markup(text)] == []


@pytest.mark.parametrize("page", ["pages/create.py", "pages/play.py", "pages/worksheet.py"])
def test_captions_of_a_puzzle_with_hostile_settings_are_plain_text(page):
    # A puzzle built in code (or by an older loader) can hold anything: the captions still show text only.
    puzzle = dataclasses.replace(
        synthetic_puzzle(320, 240),
        settings={"difficulty": HOSTILE, "kinds": 5},
        backends={"segmenter": LINK, "inpainter": HOSTILE},
    )
    at = open_page(page, puzzle, {"origin": "bundle", "name": LINK})
    texts = rendered(at)
    assert texts
    assert [t for t in texts if live_markup(t)] == []
    if page == "pages/create.py":
        caption = next(t for t in texts if "seed" in t)
        assert LINK in shown(caption) and HOSTILE in shown(caption)


def test_a_file_name_in_a_worksheet_pack_error_is_plain_text():
    at = open_page("pages/worksheet.py")
    name = f"{HOSTILE}.png"
    at.file_uploader(key="ws_uploads").set_value([(name, b"not a picture at all", "image/png")]).run()
    at.button(key="ws_make").click().run()
    assert not at.exception, at.exception
    assert len(at.error) == 1
    message = str(at.error[0].value)
    assert live_markup(message) == [] and name in shown(message)


@pytest.mark.parametrize(
    "value",
    [
        "[a](http://e.vil) ![b](http://e.vil/x.png) <img src=x> <http://e.vil>",
        "see http://e.vil/x or www.e.vil or me@e.vil",
        "**bold** _it_ `code` ~~s~~ # head\n- list\n> quote | a | b |",
        "$x^2$ :red[red] :material/lock: \\[escaped\\] &amp; &lt;",
    ],
)
def test_plain_shows_exactly_the_text(value):
    assert live_markup(value) or "**" in value or "$" in value  # each case is markup when not escaped
    assert live_markup(plain(value)) == []
    assert shown(plain(value)) == " ".join(value.split())
