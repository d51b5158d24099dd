"""The LaMa inpainter: weights lookup, the TorchScript call convention (with a stand-in module), fallbacks."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from spotdiff_core import generate_puzzle, get_pipeline
from spotdiff_core.errors import BackendUnavailableError
from spotdiff_core.generator import Pipeline
from spotdiff_core.inpainters import INPAINTERS, LamaInpainter, PatchMatchInpainter
from spotdiff_core.models import LAMA_WEIGHTS_ENV, MODEL_DIR_ENV
from tests.conftest import photo
from tests.helpers import guarantee_violations
from tests.model_stubs import build_lama_stand_in

pytest.importorskip("torch", reason="the LaMa backend needs torch (requirements.txt)")


@pytest.fixture(scope="session")
def lama_weights(tmp_path_factory) -> Path:
    """A TorchScript stand-in with big-lama.pt's signature (fills with the mean known colour), absolute path."""
    return build_lama_stand_in(tmp_path_factory.mktemp("lama") / "big-lama.pt")


@pytest.fixture
def lama_in_models_dir(monkeypatch, tmp_path, lama_weights):
    """The stand-in found as big-lama.pt in the models directory; no environment variable."""
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "big-lama.pt").symlink_to(lama_weights)
    monkeypatch.delenv(LAMA_WEIGHTS_ENV, raising=False)
    monkeypatch.setenv(MODEL_DIR_ENV, str(folder))
    get_pipeline.cache_clear()  # pipelines are cached per backend name: do not leak LaMa into other tests
    yield folder / "big-lama.pt"
    get_pipeline.cache_clear()


def test_without_weights_it_is_unavailable_and_says_where_it_looked(monkeypatch, tmp_path):
    monkeypatch.delenv(LAMA_WEIGHTS_ENV, raising=False)
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    availability = LamaInpainter.availability()
    assert not availability.available
    assert str(tmp_path / "big-lama.pt") in availability.reason and LAMA_WEIGHTS_ENV in availability.reason
    with pytest.raises(BackendUnavailableError, match="'lama' is not available: no LaMa weights file"):
        INPAINTERS.resolve("lama")
    assert INPAINTERS.resolve("auto") is PatchMatchInpainter


def test_the_models_directory_is_found_and_auto_prefers_lama(lama_in_models_dir):
    availability = LamaInpainter.availability()
    assert availability.available and str(lama_in_models_dir) in availability.reason
    assert INPAINTERS.resolve("auto") is LamaInpainter
    assert Pipeline.from_names("felzenszwalb", "auto").inpainter.name == "lama"


@pytest.mark.parametrize("shape", [(64, 64), (37, 53), (120, 81), (8, 200)])
def test_fill_changes_only_the_hole_at_any_size(lama_weights, shape):
    # The stand-in raises unless sides are padded to multiples of 8, the mask is 0/1 and the image 0..1.
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
    hole = np.zeros(shape, bool)
    hole[shape[0] // 4 : shape[0] // 2 + 1, shape[1] // 3 : shape[1] // 2 + 1] = True
    before = image.copy()
    filled = LamaInpainter(weights=lama_weights).fill(image, hole, seed=0)
    assert np.array_equal(image, before)
    assert filled.shape == image.shape and filled.dtype == np.uint8
    assert np.array_equal(filled[~hole], image[~hole])
    assert not np.array_equal(filled[hole], image[hole])


def test_colours_stay_rgb_and_the_fill_comes_from_the_model(lama_weights):
    # A red surround must give a red fill: a BGR mix-up anywhere would make it blue.
    image = np.zeros((40, 60, 3), np.uint8)
    image[...] = (200, 30, 10)
    hole = np.zeros((40, 60), bool)
    hole[10:30, 20:40] = True
    image[hole] = (0, 0, 255)
    filled = LamaInpainter(weights=lama_weights).fill(image, hole, seed=0)
    assert np.abs(filled[hole].astype(int) - (200, 30, 10)).max() <= 1


def test_inpaint_on_a_photo_changes_nothing_outside_the_mask(lama_weights):
    image = photo("chelsea", 1024)
    mask = np.zeros(image.shape[:2], bool)
    mask[300:420, 500:700] = True  # a crop larger than max_crop_side's share is reduced, then pasted back
    out = LamaInpainter(weights=lama_weights).inpaint(image, mask, seed=3)
    assert np.array_equal(out[~mask], image[~mask])
    assert not np.array_equal(out[mask], image[mask])
    assert LamaInpainter.max_crop_side > PatchMatchInpainter.max_crop_side


def test_generate_puzzle_with_lama_keeps_every_guarantee(lama_in_models_dir):
    # The coffee cup holds fewer natural differences than asked (natural-only is the default): filled up.
    image = photo("coffee", 1024)
    puzzle = generate_puzzle(image, n_differences=5, seed=5, segmenter="felzenszwalb", inpainter="lama", fill_weak=True)
    assert puzzle.backends == {"segmenter": "felzenszwalb", "inpainter": "lama"}
    assert guarantee_violations(puzzle, n_differences=5) == []
    removals = generate_puzzle(image, n_differences=3, seed=6, segmenter="felzenszwalb", kinds="remove", fill_weak=True)
    assert removals.backends["inpainter"] == "lama"  # auto, with the weights found
    assert guarantee_violations(removals, n_differences=3) == []


def test_threads_sharing_one_lama_match_serial_runs(lama_weights):
    inpainter = LamaInpainter(weights=lama_weights)
    assert LamaInpainter(weights=lama_weights)._loaded is inpainter._loaded
    image = photo("rocket", 640)
    masks = []
    for i in range(6):
        mask = np.zeros(image.shape[:2], bool)
        mask[40 + 50 * i : 80 + 50 * i, 60 + 70 * i : 130 + 70 * i] = True
        masks.append(mask)
    serial = [inpainter.inpaint(image, m) for m in masks]
    start = threading.Barrier(len(masks))

    def run(mask):
        start.wait()
        return inpainter.inpaint(image, mask)

    with ThreadPoolExecutor(max_workers=len(masks)) as pool:
        parallel = list(pool.map(run, masks))
    assert all(np.array_equal(a, b) for a, b in zip(parallel, serial, strict=True))


# --- broken weights files ---------------------------------------------------------------------------------


def test_a_file_that_is_not_an_archive_is_reported(monkeypatch, tmp_path):
    junk = tmp_path / "big-lama.pt"
    junk.write_bytes(b"<html>404 Not Found</html>")  # what a failed download often leaves behind
    monkeypatch.setenv(LAMA_WEIGHTS_ENV, str(junk))
    availability = LamaInpainter.availability()
    assert not availability.available and "not a PyTorch archive" in availability.reason
    with pytest.raises(
        BackendUnavailableError, match=r"'lama' is not available: the LaMa weights file .*truncated or corrupt"
    ):
        Pipeline.from_names("felzenszwalb", "lama")
    assert Pipeline.from_names("felzenszwalb", "auto").inpainter.name == "patchmatch"


def test_a_checkpoint_that_is_not_torchscript_fails_to_load_and_auto_falls_back(monkeypatch, tmp_path, caplog):
    import torch

    state = tmp_path / "big-lama.pt"
    torch.save({"generator": torch.zeros(3)}, state)  # a zip archive, but a state dict, not TorchScript
    monkeypatch.setenv(LAMA_WEIGHTS_ENV, str(state))
    assert LamaInpainter.availability().available
    with pytest.raises(BackendUnavailableError, match="could not be loaded as TorchScript"):
        LamaInpainter()
    pipeline = Pipeline.from_names("felzenszwalb", "auto")
    assert pipeline.inpainter.name == "patchmatch"
    (note,) = pipeline.backend_notes
    assert "auto did not use the inpainter 'lama'" in note and str(state) in note and note in caplog.text


def test_a_module_with_the_wrong_output_is_refused_at_load(monkeypatch, tmp_path):
    broken = build_lama_stand_in(tmp_path / "big-lama.pt", wrong_output=True)
    with pytest.raises(BackendUnavailableError, match=r"returned \(1, 1, 64, 64\) where a float picture"):
        LamaInpainter(weights=broken)
    monkeypatch.setenv(LAMA_WEIGHTS_ENV, str(broken))
    pipeline = Pipeline.from_names("felzenszwalb", "auto")
    assert pipeline.inpainter.name == "patchmatch" and "it is not big-lama.pt" in pipeline.backend_notes[0]
    # The coffee cup holds fewer than 2 natural removals (natural-only is the default): filled up.
    puzzle = pipeline.generate(photo("coffee", 640), n_differences=2, seed=1, kinds="remove", fill_weak=True)
    assert guarantee_violations(puzzle, n_differences=2) == []


# --- real weights ---------------------------------------------------------------------------------------------


@pytest.mark.weights
def test_real_lama_fills_a_hole_far_better_than_leaving_it():
    if not LamaInpainter.availability().available:
        pytest.skip(f"no real LaMa weights: {LamaInpainter.availability().reason}")
    inpainter = LamaInpainter()
    image = photo("astronaut", 512)
    mask = np.zeros(image.shape[:2], bool)
    mask[380:430, 40:100] = True  # part of the background panel: predictable from around it
    damaged = image.copy()
    damaged[mask] = 0
    filled = inpainter.inpaint(damaged, mask)
    error = np.abs(filled[mask].astype(float) - image[mask]).mean()
    damage = np.abs(damaged[mask].astype(float) - image[mask]).mean()
    assert error < 0.3 * damage
    assert np.array_equal(filled[~mask], damaged[~mask])
