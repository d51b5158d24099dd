"""Children's-book drawings, gallery contact sheets and the `gallery` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from spotdiff_core.cli import main
from spotdiff_core.drawings import DRAWINGS, kitchen_table, park_scene, street_scene
from spotdiff_core.gallery import (
    SHEET_MAX_WIDTH,
    GalleryPicture,
    alone_picture,
    contact_sheet,
    crop_box,
    describe_puzzle,
    make_gallery,
    sheet_layout,
)
from spotdiff_core.generator import get_pipeline

ROOT = Path(__file__).resolve().parent.parent
FAST = {"max_side": 320, "n_differences": 2, "segmenter": "felzenszwalb", "inpainter": "telea"}
FAST_ARGS = ["--max-side", "320", "-n", "2", "--segmenter", "felzenszwalb", "--inpainter", "telea"]


@pytest.fixture(scope="module")
def street_puzzle():
    # 400 px: at 320 px the street holds one natural difference (its clouds and sun keep their colours)
    picture = cv2.resize(street_scene(), (400, 300), interpolation=cv2.INTER_AREA)
    return get_pipeline("felzenszwalb", "telea").generate(picture, n_differences=2, seed=1, max_side=400)


# --- drawings ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DRAWINGS))
def test_drawings_are_deterministic_flat_colour_pictures_with_black_outlines(name):
    draw = DRAWINGS[name]
    image = draw()
    assert image.dtype == np.uint8 and image.shape == (600, 800, 3)
    assert image.tobytes() == draw().tobytes()

    near_black = image.max(axis=2) < 60
    assert 0.02 < near_black.mean() < 0.20
    # Flat fills: many separate regions of one colour inside the outlines, several of them sizeable.
    _count, _labels, stats, _ = cv2.connectedComponentsWithStats((~near_black).astype(np.uint8), connectivity=4)
    areas = stats[1:, cv2.CC_STAT_AREA] / near_black.size
    assert (areas > 0.002).sum() >= 25, f"only {(areas > 0.002).sum()} filled regions of 0.2 % or more"
    _colours, counts = np.unique(image.reshape(-1, 3), axis=0, return_counts=True)
    assert (counts / near_black.size > 0.005).sum() >= 12  # at least a dozen flat colours cover the page
    # Most non-outline pixels sit in perfectly flat neighbourhoods (no gradients or texture).
    flat = (cv2.Laplacian(image, cv2.CV_16S).max(axis=2) == 0) & ~near_black
    assert flat.mean() > 0.6


@pytest.mark.parametrize("scene", [street_scene, kitchen_table, park_scene])
def test_drawings_take_a_size(scene):
    image = scene(width=400, height=320)
    assert image.shape == (320, 400, 3) and image.dtype == np.uint8
    assert 0.02 < (image.max(axis=2) < 60).mean() < 0.25


# --- rendering ------------------------------------------------------------------------


def test_contact_sheet_holds_both_pictures_unmarked_then_marked_then_crops(street_puzzle):
    sheet = contact_sheet(street_puzzle, title="street - normal")
    layout = sheet_layout(street_puzzle)
    assert sheet.dtype == np.uint8 and sheet.ndim == 3 and sheet.shape[2] == 3
    assert sheet.shape[1] == layout.width <= SHEET_MAX_WIDTH
    assert layout.scale == 1.0  # a 400 px puzzle is shown at its own size

    def block(box):
        x, y, w, h = box
        return sheet[y : y + h, x : x + w]

    np.testing.assert_array_equal(block(layout.original), street_puzzle.original)
    np.testing.assert_array_equal(block(layout.modified), street_puzzle.modified)
    # Row 2 draws the outlines only around the answers: far from every answer it is the picture itself.
    near = np.zeros(street_puzzle.shape, dtype=bool)
    for d in street_puzzle.differences:
        near |= d.mask
    near = cv2.dilate(near.astype(np.uint8), np.ones((61, 61), np.uint8)).astype(bool)
    marked = block(layout.modified_marked)
    np.testing.assert_array_equal(marked[~near], street_puzzle.modified[~near])
    assert (marked[near] != street_puzzle.modified[near]).any(axis=1).mean() > 0.01
    # One row of enlarged crops at least 200 px tall below the pictures.
    assert sheet.shape[0] >= layout.crops_top + 200


def test_contact_sheet_scales_big_pictures_to_fit_two_side_by_side(street_puzzle):
    pipeline = get_pipeline("felzenszwalb", "telea")
    wide = pipeline.generate(street_scene(width=1600, height=1000), n_differences=1, seed=3, max_side=1600)
    sheet = contact_sheet(wide)
    layout = sheet_layout(wide)
    assert sheet.shape[1] <= SHEET_MAX_WIDTH and layout.scale < 1
    assert layout.modified[0] > layout.original[0] + layout.original[2]  # side by side, not overlapping


def test_crop_box_pads_the_answer_and_stays_inside(street_puzzle):
    for d in street_puzzle.differences:
        x, y, w, h = crop_box(street_puzzle, d.id)
        bx, by, bw, bh = d.bbox
        assert x <= bx and y <= by and x + w >= bx + bw and y + h >= by + bh
        assert w >= min(64, street_puzzle.width) and h >= min(64, street_puzzle.height)
        assert x >= 0 and y >= 0 and x + w <= street_puzzle.width and y + h <= street_puzzle.height


def test_alone_picture_is_the_modified_picture_without_marks(street_puzzle):
    alone = alone_picture(street_puzzle)
    np.testing.assert_array_equal(alone, street_puzzle.modified)
    assert alone.flags.writeable


def test_describe_puzzle_has_every_field_and_score_but_no_masks(street_puzzle):
    described = describe_puzzle(street_puzzle)
    json.dumps(described)
    assert described["warnings"] == list(getattr(street_puzzle, "warnings", []))
    for entry, d in zip(described["differences"], street_puzzle.differences, strict=True):
        assert "mask" not in entry
        assert entry["id"] == d.id and entry["kind"] == d.kind and entry["bbox"] == list(d.bbox)
        assert set(d.scores()) <= set(entry)


# --- the command and the gallery ----------------------------------------------------------


def test_gallery_command_writes_sheets_alone_pictures_manifest_and_index(tmp_path, capsys):
    out = tmp_path / "gallery"
    code = main(["gallery", "drawing:street", "--out", str(out), "--difficulties", "easy,normal", *FAST_ARGS])
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    for difficulty in ("easy", "normal"):
        for part in ("sheet", "alone"):
            with Image.open(out / f"street-{difficulty}-{part}.png") as im:
                assert im.mode == "RGB"
    manifest = json.loads((out / "manifest.json").read_text())
    assert [(s["picture"], s["difficulty"], s["category"]) for s in manifest["sheets"]] == [
        ("drawing:street", "easy", "drawing"),
        ("drawing:street", "normal", "drawing"),
    ]
    for sheet in manifest["sheets"]:
        assert sheet["error"] is None and sheet["seed"] == 1 and sheet["seconds"] >= 0
        assert len(sheet["differences"]) == 2
        assert {"id", "kind", "bbox", "contrast", "conspicuity", "area_fraction"} <= set(sheet["differences"][0])
    index = (out / "index.md").read_text()
    assert index.index("street-easy-sheet.png") < index.index("street-normal-sheet.png")
    assert "street easy: 2 differences" in stdout


def test_a_picture_that_cannot_hold_the_puzzle_is_recorded_and_the_run_goes_on(tmp_path):
    flat = GalleryPicture(spec="flat", name="flat", category="photo", image=np.full((240, 320, 3), 128, np.uint8))
    manifest = make_gallery([flat, "drawing:park"], out=tmp_path, difficulties=["hard"], **FAST)
    first, second = manifest["sheets"]
    assert first["error"] and "Traceback" not in first["error"] and first["sheet"] is None
    assert not (tmp_path / "flat-hard-sheet.png").exists()
    assert second["error"] is None and (tmp_path / "park-hard-sheet.png").is_file()
    assert "not made" in (tmp_path / "index.md").read_text()


def test_an_engine_crash_is_recorded_with_its_traceback_and_the_run_goes_on(tmp_path, monkeypatch, capsys):
    real = get_pipeline("felzenszwalb", "telea")

    class CrashesOnTheFirstPuzzle:
        calls = 0

        def generate(self, image, **settings):
            self.calls += 1
            if self.calls == 1:
                raise RuntimeError("engine bug for the test")
            return real.generate(image, **settings)

    monkeypatch.setattr("spotdiff_core.generator.get_pipeline", lambda segmenter, inpainter: CrashesOnTheFirstPuzzle())
    code = main(
        ["gallery", "drawing:kitchen", "drawing:street", "--out", str(tmp_path), *FAST_ARGS, "--difficulties", "easy"]
    )
    stdout, stderr = capsys.readouterr()
    assert code == 1 and "Traceback" not in stdout + stderr
    assert "kitchen easy: CRASHED" in stdout and "street easy: 2 differences" in stdout
    crashed, made = json.loads((tmp_path / "manifest.json").read_text())["sheets"]
    assert crashed["crashed"] and "engine bug for the test" in crashed["traceback"]
    assert not made["crashed"] and made["error"] is None


def test_a_missing_picture_is_one_line_on_stderr_and_a_failure(tmp_path):
    missing = tmp_path / "no-such-picture.jpg"
    done = subprocess.run(
        [sys.executable, "-m", "spotdiff_core", "gallery", str(missing), "--out", str(tmp_path / "out"), *FAST_ARGS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "no-such-picture.jpg" in lines[0]
    assert not (tmp_path / "out").exists()


def test_unknown_drawing_and_difficulty_are_named(capsys, tmp_path):
    assert main(["gallery", "drawing:castle", "--out", str(tmp_path)]) == 1
    assert "castle" in capsys.readouterr().err
    assert main(["gallery", "drawing:street", "--out", str(tmp_path), "--difficulties", "medium"]) == 2
    assert "medium" in capsys.readouterr().err
