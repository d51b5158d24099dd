"""One click cannot hold the server for long, and nothing unexpected reaches the browser as a traceback.

A worksheet pack had no overall time limit (30 photos at 2048 px with 10 differences: 70 s for one click);
settings from a shared file crashed Replace and Regenerate with a traceback shown with paths and source lines.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from spotdiff_app.i18n import EN
from spotdiff_core import limits, puzzle_to_zip_bytes
from tests.markdown_view import shown
from tests.test_worksheet import synthetic_puzzle

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


def worksheet_with_files(n: int) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("pages/worksheet.py").run()
    data = puzzle_to_zip_bytes(synthetic_puzzle(320, 240))
    at.file_uploader(key="ws_uploads").set_value([(f"p{i}.zip", data, "application/zip") for i in range(n)]).run()
    assert not at.exception, at.exception
    return at


def test_a_pack_stops_at_its_time_limit_in_one_sentence(monkeypatch):
    at = worksheet_with_files(3)
    monkeypatch.setattr(limits, "PACK_TIME_LIMIT_S", 0.0)
    at.button(key="ws_make").click().run()
    assert not at.exception, at.exception
    errors = [shown(e.value) for e in at.error]
    assert len(errors) == 1, errors
    assert errors[0].startswith(EN["error_timeout"])
    assert "longer than 0 s (PACK_TIME_LIMIT_S)" in errors[0] and "of 3 puzzles" in errors[0]
    assert "worksheet_result" not in at.session_state


def test_within_the_limit_the_pack_is_made():
    at = worksheet_with_files(3)
    at.button(key="ws_make").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state["worksheet_result"]["seconds"] < limits.PACK_TIME_LIMIT_S


def test_an_unexpected_error_in_a_pack_is_one_sentence_and_a_log_line(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise KeyError("/home/someone/secret-photo.jpg")

    monkeypatch.setattr("spotdiff_core.worksheet.build_pack", broken)
    at = worksheet_with_files(1)
    with caplog.at_level(logging.ERROR, logger="spotdiff_app"):
        at.button(key="ws_make").click().run()
    assert not at.exception, at.exception  # no traceback element
    assert [e.value for e in at.error] == [EN["error_unexpected"]]
    logged = [r.getMessage() for r in caplog.records if r.name == "spotdiff_app"]
    assert len(logged) == 1 and "worksheet pack failed with KeyError" in logged[0]
    assert "secret-photo" not in logged[0]  # the error's text may quote a user's file: not logged


@pytest.fixture(scope="module")
def made_puzzle():
    """A real puzzle from the Create page (the drawing, fast backend), for Regenerate all."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.selectbox(key="create_sample").set_value("drawing")
    at.slider(key="create_n").set_value(3)
    at.select_slider(key="create_max_side").set_value(384)
    at.selectbox(key="create_inpainter").set_value("telea")
    at.run()
    at.button(key="create_generate").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at.session_state["puzzle"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "settings",
    [
        {"kinds": 5},
        {"max_side": "big"},
        {"max_side": None},
        {"replaced": 7},
        {"difficulty": ["x"], "print_safe": "yes"},
        {"kinds": ["[p](http://e.vil)"], "fill_weak": "no"},
    ],
    ids=["kinds-5", "max_side-big", "max_side-null", "replaced-7", "difficulty-list", "kinds-hostile"],
)
def test_regenerate_all_and_replace_on_a_puzzle_with_nonsense_settings(made_puzzle, settings):
    # Opening such a file is refused (tests/test_server_markup.py); a puzzle made in code can still hold them.
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["puzzle"] = dataclasses.replace(made_puzzle, settings={**made_puzzle.settings, **settings})
    at.session_state["puzzle_info"] = {"origin": "create", "name": "drawing"}
    at.run()
    at.selectbox(key="create_inpainter").set_value("telea").run()
    for button in ("create_regenerate", "create_replace_1"):
        at.button(key=button).click().run()
        assert not at.exception, at.exception
        # Either it worked (a success notice) or one sentence says why not.
        assert len(at.success) + len(at.error) == 1, ([e.value for e in at.error], [s.value for s in at.success])
        assert len(at.session_state["puzzle"]) == len(made_puzzle)
