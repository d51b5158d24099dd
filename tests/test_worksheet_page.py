"""The Worksheet page (AppTest): current puzzle or uploads to one PDF, preview, download, progress, errors."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from spotdiff_app.i18n import EN
from spotdiff_core import puzzle_to_zip_bytes
from spotdiff_core.samples import illustration
from tests.conftest import photo
from tests.markdown_view import shown
from tests.test_worksheet import no_cjk_font, real_puzzles, synthetic_puzzle
from tests.test_worksheet_cli import loader_message

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
PAGE = "pages/worksheet.py"
RESULT_KEY = "worksheet_result"


def open_page(puzzle=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    if puzzle is not None:
        at.session_state["puzzle"] = puzzle  # what the Create and Play pages leave behind
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def png_bytes(picture: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(picture).save(buf, format="PNG")
    return buf.getvalue()


def make_pdf(at: AppTest) -> AppTest:
    at.button(key="ws_make").click()
    at.run()
    assert not at.exception, at.exception
    return at


def preview_captions(at: AppTest) -> list[str]:
    return [caption for image in at.get("image") for caption in image.captions]


def texts(elements) -> list[str]:
    """What a person reads (file names and library sentences are escaped Markdown in the source)."""
    return [shown(str(e.value)) for e in elements]


def test_without_a_puzzle_the_page_asks_for_files():
    at = open_page()
    assert at.title[0].value.endswith("Printable worksheet")
    assert at.segmented_control(key="ws_source").value == "files"
    assert any("Upload one or more" in t for t in texts(at.info))
    assert at.button(key="ws_make").disabled
    at.segmented_control(key="ws_source").set_value("current")
    at.run()
    assert any("no current puzzle" in t for t in texts(at.info))


def test_current_puzzle_becomes_a_pdf_with_preview_and_download():
    puzzle = real_puzzles()[0]
    at = open_page(puzzle)
    assert at.segmented_control(key="ws_source").value == "current"
    assert any(f"{len(puzzle)} differences" in t for t in texts(at.caption))
    at.segmented_control(key="ws_answers").set_value("after")
    at.segmented_control(key="ws_paper").set_value("letter")
    at.text_input(key="ws_title").set_value("Our garden")
    make_pdf(at)
    assert not at.error
    made = [t for t in texts(at.success) if "Made 2 pages" in t]
    # The 512 px drawing fills the page: it prints at 100 to 150 of its own pixels per inch.
    assert len(made) == 1 and 100 <= int(re.search(r"at (\d+) dpi or more", made[0]).group(1)) < 150
    result = at.session_state[RESULT_KEY]
    assert result["page_kinds"] == ("puzzle", "answers")
    reader = PdfReader(io.BytesIO(result["pdf"]))
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [612, 792]
    assert "Our garden" in reader.pages[0].extract_text()
    # Previews of the first page and of the answer key, and the download.
    assert preview_captions(at) == ["First page", "Answer key"]
    assert at.get("download_button")[0].proto.label == "Download the PDF"
    # Changing a choice marks the PDF as out of date until it is made again.
    at.segmented_control(key="ws_orientation").set_value("landscape")
    at.run()
    assert any("choices changed" in t for t in texts(at.warning))


def test_pack_from_uploaded_pictures_and_puzzle_files_reports_progress(monkeypatch):
    import spotdiff_core.worksheet as worksheet_module

    calls = []
    real_build_pack = worksheet_module.build_pack

    def recording_build_pack(items, *, progress, **kwargs):
        def forward(stage, done, total):
            calls.append((stage, done, total))
            progress(stage, done, total)

        return real_build_pack(items, progress=forward, **kwargs)

    monkeypatch.setattr(worksheet_module, "build_pack", recording_build_pack)
    house, bus, _ = real_puzzles()
    at = open_page()
    at.file_uploader(key="ws_uploads").set_value(
        [
            ("house.zip", puzzle_to_zip_bytes(house), "application/zip"),
            ("garden.png", png_bytes(illustration(480, 360)), "image/png"),
            ("bus.zip", puzzle_to_zip_bytes(bus), "application/zip"),
        ]
    )
    at.run()
    at.select_slider(key="ws_max_side").set_value(384)
    at.slider(key="ws_n").set_value(3)
    at.text_input(key="ws_seed").set_value("5")
    at.run()
    make_pdf(at)
    assert not at.error, texts(at.error)
    result = at.session_state[RESULT_KEY]
    assert result["page_kinds"] == ("cover", "puzzle", "puzzle", "puzzle", "answers", "answers")
    assert len(PdfReader(io.BytesIO(result["pdf"])).pages) == 6
    assert result["puzzles"] == [
        {"title": "House", "differences": len(house), "seed": house.seed, "version": ""},
        {"title": "Garden", "differences": 3, "seed": 6, "version": ""},  # picture 2 of the pack: seed + 1
        {"title": "Bus", "differences": len(bus), "seed": bus.seed, "version": ""},
    ]
    # At once: the two saved puzzles are ready; then the picture's puzzle.
    assert [c for c in calls if c[0] == "puzzles"] == [("puzzles", 2, 3), ("puzzles", 3, 3)]
    assert ("pages", 6, 6) in calls
    assert preview_captions(at) == ["First page", "First puzzle", "Answer key"]


def test_a_photo_that_holds_fewer_is_an_error_until_weaker_changes_may_fill_up():
    # Natural-only is the default: the coffee cup holds fewer than 3 natural differences; the toggle fills up.
    at = open_page()
    assert at.toggle(key="ws_fill_weak").value is False
    assert at.toggle(key="ws_fill_weak").label == EN["fill_weak_label"]
    at.file_uploader(key="ws_uploads").set_value([("cup.png", png_bytes(photo("coffee", 384)), "image/png")])
    at.run()
    at.select_slider(key="ws_max_side").set_value(384)
    at.slider(key="ws_n").set_value(3)
    at.text_input(key="ws_seed").set_value("4")
    at.run()
    make_pdf(at)
    errors = texts(at.error)
    assert len(errors) == 1 and "pack item 1 of 1 (cup.png)" in errors[0], errors
    assert "can hold only" in errors[0] or "No difference fits" in errors[0]
    assert RESULT_KEY not in at.session_state
    at.toggle(key="ws_fill_weak").set_value(True)
    at.run()
    make_pdf(at)
    assert not at.error, texts(at.error)
    assert at.session_state[RESULT_KEY]["puzzles"] == [{"title": "Cup", "differences": 3, "seed": 4, "version": ""}]


def test_a_bad_file_in_a_pack_is_named_in_an_error():
    at = open_page()
    at.file_uploader(key="ws_uploads").set_value(
        [
            ("house.zip", puzzle_to_zip_bytes(real_puzzles()[0]), "application/zip"),
            ("broken.png", b"not a picture at all", "image/png"),
        ]
    )
    at.run()
    make_pdf(at)
    errors = texts(at.error)
    assert len(errors) == 1
    assert f"pack item 2 of 2 (broken.png): {loader_message(b'not a picture at all')}" in errors[0]
    assert RESULT_KEY not in at.session_state


def test_too_many_files_for_one_pack(monkeypatch):
    monkeypatch.setattr("spotdiff_core.limits.MAX_PACK_PUZZLES", 2)
    data = puzzle_to_zip_bytes(synthetic_puzzle(320, 240))
    at = open_page()
    at.file_uploader(key="ws_uploads").set_value([(f"p{i}.zip", data, "application/zip") for i in range(3)])
    at.run()
    assert any("at most 2 puzzles" in t for t in texts(at.error))
    assert at.button(key="ws_make").disabled


def test_japanese_without_a_cjk_font_shows_the_library_sentence(monkeypatch):
    monkeypatch.setattr("spotdiff_core.worksheet.find_cjk_fonts", no_cjk_font)
    at = open_page(synthetic_puzzle(320, 240))
    at.segmented_control(key="ws_lang").set_value("ja")
    make_pdf(at)
    errors = texts(at.error)
    assert len(errors) == 1 and "fonts-noto-cjk" in errors[0] and "CJK" in errors[0]


def test_grayscale_warns_about_differences_that_fade_in_gray():
    at = open_page(synthetic_puzzle(320, 240))  # its difference 1 barely changes lightness
    at.toggle(key="ws_grayscale").set_value(True)
    make_pdf(at)
    warnings = texts(at.warning)
    assert any("Puzzle 1: difference 1 may be hard to see in gray" in w for w in warnings)


def test_nothing_of_the_uploads_is_written_to_disk(tmp_path, monkeypatch):
    import tempfile

    scratch, cwd = tmp_path / "tmp", tmp_path / "cwd"
    scratch.mkdir()
    cwd.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.chdir(cwd)
    at = open_page()
    at.file_uploader(key="ws_uploads").set_value(
        [("house.zip", puzzle_to_zip_bytes(real_puzzles()[0]), "application/zip")]
    )
    at.run()
    make_pdf(at)
    assert len(at.session_state[RESULT_KEY]["page_kinds"]) == 2
    assert os.listdir(scratch) == [] and os.listdir(cwd) == []


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_worksheet_text_of_the_page_is_translated(lang):
    from spotdiff_app.i18n import TEXTS

    keys = [k for k in TEXTS["en"] if k.startswith("ws_")]
    assert len(keys) > 20
    assert all(TEXTS[lang].get(k) for k in keys)


def test_titles_class_line_instructions_and_class_versions_reach_the_pdf():
    house = real_puzzles()[0]
    at = open_page()
    at.file_uploader(key="ws_uploads").set_value(
        [
            ("IMG_2041.zip", puzzle_to_zip_bytes(house), "application/zip"),
            ("my_garden.png", png_bytes(illustration(480, 360)), "image/png"),
        ]
    )
    at.run()
    # Each file has a title field, filled in with a cleaned-up name (a camera's number gives none).
    fields = [w for w in at.text_input if w.key and w.key.startswith("ws_file_title_")]
    assert [f.value for f in fields] == ["", "My garden"]
    fields[0].set_value("Our house")
    at.text_input(key="ws_class_line").set_value("Class 3B")
    at.text_area(key="ws_instructions").set_value("Circle them on picture B.")
    at.slider(key="ws_versions").set_value(2)
    at.select_slider(key="ws_max_side").set_value(384)
    at.slider(key="ws_n").set_value(3)
    at.text_input(key="ws_seed").set_value("5")
    at.run()
    make_pdf(at)
    assert not at.error, texts(at.error)
    result = at.session_state[RESULT_KEY]
    assert [(p["title"], p["version"]) for p in result["puzzles"]] == [
        ("Our house", "A"),
        ("Our house", "B"),
        ("My garden", "A"),
        ("My garden", "B"),
    ]
    assert result["puzzles"][0]["seed"] == house.seed  # the saved puzzle is version A as it is
    assert [p["seed"] for p in result["puzzles"][1:]] == [6, 7, 8]
    reader = PdfReader(io.BytesIO(result["pdf"]))
    pages = [page.extract_text() for page in reader.pages]
    for page, (title, label) in zip(
        pages[1:5], [("Our house", "A"), ("Our house", "B"), ("My garden", "A"), ("My garden", "B")], strict=True
    ):
        assert (
            title in page and f"Version {label}" in page and "Class 3B" in page and "Circle them on picture B." in page
        )


def test_the_current_puzzle_is_titled_by_its_file_name_unless_the_teacher_types_one():
    house = real_puzzles()[0]
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["puzzle"] = house
    at.session_state["puzzle_info"] = {"origin": "create", "name": "red_bus-2.jpg"}
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert at.text_input(key="ws_title").placeholder == "Red bus 2"
    make_pdf(at)
    assert at.session_state[RESULT_KEY]["puzzles"][0]["title"] == "Red bus 2"
    at.text_input(key="ws_title").set_value("Our bus")
    make_pdf(at)
    assert at.session_state[RESULT_KEY]["puzzles"][0]["title"] == "Our bus"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_versions_that_came_out_alike_are_warned_about(monkeypatch, lang):
    house = real_puzzles()[0]

    def same_puzzle_again(jobs, **kwargs):  # a picture that holds only these differences
        for index, _ in enumerate(jobs):
            yield index, house

    monkeypatch.setattr("spotdiff_core.batch.iter_puzzles", same_puzzle_again)
    at = open_page(house)
    if lang == "ja":
        at.selectbox(key="language_choice").set_value("ja")
        at.run()
    at.slider(key="ws_versions").set_value(2)
    at.run()
    make_pdf(at)
    assert not at.error, texts(at.error)
    warnings = texts(at.warning)
    expected = "versions A and B have the same differences" if lang == "en" else "パターン A と B は同じまちがい"
    assert any(expected in w for w in warnings), warnings
