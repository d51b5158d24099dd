"""Concurrent users: many generations at once through ONE shared pipeline, as Streamlit sessions run them.

Each thread loads its picture with load_image and generates with get_pipeline() (the weights-free default
backends). Every puzzle must keep the product's guarantees and be byte-identical to a serial run with the
same picture, settings and seed; no thread may crash or hang.
"""

from __future__ import annotations

import io
import threading
import time
import warnings

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage.color import rgb2lab

from spotdiff_core import limits
from spotdiff_core.bundle import puzzle_to_zip_bytes
from spotdiff_core.drawings import street_scene
from spotdiff_core.generator import get_pipeline
from spotdiff_core.loading import load_image
from spotdiff_core.puzzle import Puzzle
from spotdiff_core.samples import illustration
from tests.conftest import photo

WORKING_SIZE = 448
# Natural-only is the default and the photos here hold fewer natural differences: each session fills up
# (fill_weak=True) to this many, as a user who turned on "Fill up with weaker changes" would.
N_DIFFERENCES = 4
JOIN_TIMEOUT_S = 600.0  # all threads together; a generation takes about a second on an idle machine

# (picture, seed, difficulty): eight sessions, two pairs sharing a picture (and so the pipeline's analysis cache).
JOBS = [
    ("astronaut", 1, "normal"),
    ("coffee", 2, "easy"),
    ("street", 3, "hard"),
    ("rocket", 4, "normal"),
    ("motorcycle", 5, "normal"),
    ("drawing", 6, "easy"),
    ("astronaut", 7, "hard"),
    ("coffee", 8, "normal"),
]


def _picture(name: str) -> np.ndarray:
    if name == "drawing":
        return illustration()
    if name == "street":
        return street_scene(width=640, height=480)
    if name == "motorcycle":
        from skimage import data

        left = data.stereo_motorcycle()[0]
        h, w = left.shape[:2]
        scale = 640 / max(h, w)
        return cv2.resize(left, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    return photo(name)


def _png(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


UPLOADS = {name: _png(_picture(name)) for name in {job[0] for job in JOBS}}


def _make(pipeline, name: str, seed: int, difficulty: str) -> tuple[np.ndarray, Puzzle]:
    """What one session does: load the upload at working size, then generate."""
    image = load_image(UPLOADS[name], max_side=WORKING_SIZE)
    puzzle = pipeline.generate(
        image, n_differences=N_DIFFERENCES, seed=seed, difficulty=difficulty, max_side=WORKING_SIZE, fill_weak=True
    )
    return image, puzzle


def _check_guarantees(image: np.ndarray, puzzle: Puzzle) -> None:
    """Exact count, nothing changed outside the answers, every answer visible (dE measured here, with skimage)."""
    assert len(puzzle) == N_DIFFERENCES
    assert [d.id for d in puzzle.differences] == list(range(1, N_DIFFERENCES + 1))
    assert np.array_equal(puzzle.original, image), "the original is the loaded picture, untouched"
    answers = np.zeros(puzzle.shape, bool)
    for d in puzzle.differences:
        assert not (answers & d.mask).any(), "answer regions overlap"
        answers |= d.mask
    assert np.array_equal(puzzle.original[~answers], puzzle.modified[~answers]), "a pixel changed outside the answers"
    lab_original = rgb2lab(puzzle.original)
    lab_modified = rgb2lab(puzzle.modified)
    for d in puzzle.differences:
        delta_e = float(np.linalg.norm(lab_original[d.mask] - lab_modified[d.mask], axis=1).mean())
        assert delta_e >= limits.MIN_CONTRAST_DELTA_E, f"difference {d.id} has mean dE {delta_e:.2f}"


@pytest.mark.slow
def test_eight_concurrent_generations_through_one_pipeline_match_serial_runs():
    pipeline = get_pipeline()
    assert pipeline is get_pipeline(), "one shared pipeline per process"
    assert not pipeline.segmenter.needs_weights and not pipeline.inpainter.needs_weights
    filters_before = list(warnings.filters)

    barrier = threading.Barrier(len(JOBS))
    results: dict[int, tuple[np.ndarray, Puzzle]] = {}
    errors: dict[int, BaseException] = {}

    def session(i: int, name: str, seed: int, difficulty: str) -> None:
        try:
            barrier.wait(timeout=60)  # start together, so loads and analyses really overlap
            results[i] = _make(pipeline, name, seed, difficulty)
        except BaseException as exc:
            errors[i] = exc

    threads = [
        threading.Thread(target=session, args=(i, *job), name=f"session-{i}", daemon=True) for i, job in enumerate(JOBS)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, JOIN_TIMEOUT_S - (time.monotonic() - started)))
    hung = [t.name for t in threads if t.is_alive()]
    assert not hung, f"threads still running after {JOIN_TIMEOUT_S:.0f} s (deadlock?): {hung}"
    assert not errors, f"sessions failed: {errors!r}"
    assert sorted(results) == list(range(len(JOBS)))
    # load_image changes the warning filters while it runs; concurrent loads must leave them as they were.
    assert warnings.filters == filters_before

    for i, (name, seed, difficulty) in enumerate(JOBS):
        image, puzzle = results[i]
        _check_guarantees(image, puzzle)
        serial_image, serial_puzzle = _make(pipeline, name, seed, difficulty)
        assert np.array_equal(image, serial_image)
        assert puzzle_to_zip_bytes(puzzle) == puzzle_to_zip_bytes(serial_puzzle), (
            f"session {i} ({name}, seed {seed}, {difficulty}) differs from the serial run"
        )
    distinct = {puzzle_to_zip_bytes(results[i][1]) for i in range(len(JOBS))}
    assert len(distinct) == len(JOBS), "every session got its own puzzle"


def test_concurrent_loads_leave_the_warning_filters_alone():
    # Regression: load_image hid Pillow's warnings with warnings.catch_warnings, which is not thread-safe;
    # overlapping loads left "ignore UserWarning" and "ignore DecompressionBombWarning" in the filters for good.
    pictures = [_png(photo(name, 256)) for name in ("astronaut", "coffee", "chelsea", "rocket")]
    filters_before = list(warnings.filters)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def loads(offset: int) -> None:
        try:
            barrier.wait(timeout=60)
            for k in range(25):
                image = load_image(pictures[(offset + k) % len(pictures)], max_side=256)
                assert image.shape[2] == 3
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=loads, args=(i,), daemon=True) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors
    assert warnings.filters == filters_before
