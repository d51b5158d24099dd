"""The FastSAM segmenter: weights lookup, real ultralytics loading and inference on a random checkpoint, fallbacks."""

from __future__ import annotations

import os
import re
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from spotdiff_core import generate_puzzle, get_pipeline
from spotdiff_core.errors import BackendUnavailableError, ImageUnsuitableError, InvalidInputError
from spotdiff_core.generator import Pipeline
from spotdiff_core.inpainters import TeleaInpainter
from spotdiff_core.models import FASTSAM_WEIGHTS_ENV, MODEL_DIR_ENV, model_dir
from spotdiff_core.segmenters import SEGMENTERS, FelzenszwalbSegmenter, Segment
from spotdiff_core.segmenters.fastsam import MERGE_AREA_RATIO, FastSAMSegmenter, merge_masks
from tests.conftest import photo
from tests.helpers import guarantee_violations
from tests.model_stubs import build_random_fastsam

pytest.importorskip("ultralytics", reason="the FastSAM backend needs ultralytics (requirements.txt)")


@pytest.fixture(scope="session")
def fastsam_weights(tmp_path_factory) -> Path:
    """A random FastSAM-s-sized checkpoint, built once per session, as an absolute path."""
    return build_random_fastsam(tmp_path_factory.mktemp("fastsam") / "FastSAM-s.pt")


@pytest.fixture
def no_weights(monkeypatch, tmp_path):
    """No FastSAM weights anywhere: an empty models directory and no environment variable."""
    monkeypatch.delenv(FASTSAM_WEIGHTS_ENV, raising=False)
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path / "empty-models"))
    get_pipeline.cache_clear()
    yield tmp_path / "empty-models"
    get_pipeline.cache_clear()


@pytest.fixture
def weights_in_env(monkeypatch, tmp_path, fastsam_weights):
    """The random checkpoint named by SPOTDIFF_FASTSAM_WEIGHTS (and an empty models directory)."""
    monkeypatch.setenv(FASTSAM_WEIGHTS_ENV, str(fastsam_weights))
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path / "empty-models"))
    get_pipeline.cache_clear()  # pipelines are cached per backend name: do not leak FastSAM into other tests
    yield fastsam_weights
    get_pipeline.cache_clear()


# --- finding weights (cheap, no torch) --------------------------------------------------------------


def test_without_weights_it_is_unavailable_and_says_where_it_looked(no_weights):
    availability = FastSAMSegmenter.availability()
    assert not availability.available
    assert str(no_weights / "FastSAM-s.pt") in availability.reason
    assert "FastSAM-x.pt" in availability.reason
    assert FASTSAM_WEIGHTS_ENV in availability.reason
    with pytest.raises(BackendUnavailableError, match=r"'fastsam' is not available: no FastSAM weights file"):
        SEGMENTERS.resolve("fastsam")
    assert SEGMENTERS.resolve("auto") is FelzenszwalbSegmenter


def test_an_env_path_that_does_not_exist_is_reported_not_skipped(monkeypatch, tmp_path):
    missing = tmp_path / "nowhere" / "FastSAM-s.pt"
    monkeypatch.setenv(FASTSAM_WEIGHTS_ENV, str(missing))
    availability = FastSAMSegmenter.availability()
    assert not availability.available
    assert str(missing) in availability.reason and f"unset {FASTSAM_WEIGHTS_ENV}" in availability.reason
    with pytest.raises(BackendUnavailableError, match="does not exist"):
        FastSAMSegmenter()


def test_the_models_directory_is_searched_small_model_first(monkeypatch, tmp_path, fastsam_weights):
    monkeypatch.delenv(FASTSAM_WEIGHTS_ENV, raising=False)
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    assert model_dir() == tmp_path.resolve()
    (tmp_path / "FastSAM-x.pt").write_bytes(fastsam_weights.read_bytes())
    assert "FastSAM-x.pt" in FastSAMSegmenter.availability().reason
    (tmp_path / "FastSAM-s.pt").symlink_to(fastsam_weights)
    availability = FastSAMSegmenter.availability()
    assert availability.available and "FastSAM-s.pt" in availability.reason
    assert "models directory" in availability.reason


def test_a_relative_weights_path_becomes_absolute(monkeypatch, fastsam_weights):
    monkeypatch.chdir(fastsam_weights.parent)
    segmenter = FastSAMSegmenter(weights=fastsam_weights.name)
    assert segmenter.weights_path == fastsam_weights and segmenter.weights_path.is_absolute()


def test_bad_options_name_the_value():
    with pytest.raises(InvalidInputError, match="imgsz must be a whole number from 32 to 2048, not 5"):
        FastSAMSegmenter(imgsz=5)
    with pytest.raises(InvalidInputError, match=r"conf must be in \(0, 1\], not 0"):
        FastSAMSegmenter(conf=0)


# --- real loading and inference ------------------------------------------------------------------------


def test_segments_are_valid_regions_of_the_picture_and_repeatable(fastsam_weights):
    segmenter = FastSAMSegmenter(weights=fastsam_weights)
    image = photo("coffee", 1024)
    before = image.copy()
    segments = segmenter.segment(image)
    assert np.array_equal(image, before)  # the input is not modified
    assert len(segments) >= 10
    h, w = image.shape[:2]
    for seg in segments:
        x, y, sw, sh = seg.bbox
        assert isinstance(seg, Segment) and seg.local_mask.dtype == bool
        assert seg.local_mask.shape == (sh, sw) and seg.area > 0
        assert x >= 0 and y >= 0 and x + sw <= w and y + sh <= h
    again = segmenter.segment(image)
    assert [s.bbox for s in again] == [s.bbox for s in segments]
    assert all(np.array_equal(a.local_mask, b.local_mask) for a, b in zip(again, segments, strict=True))


def test_one_model_per_file_is_shared_between_instances(fastsam_weights):
    first = FastSAMSegmenter(weights=fastsam_weights)
    second = FastSAMSegmenter(weights=fastsam_weights, imgsz=320, conf=0.6)
    assert first._loaded is second._loaded


def test_generate_puzzle_with_fastsam_keeps_every_guarantee(weights_in_env):
    # The random model's masks are blobs, not objects: few pass the object rules, so three are asked for,
    # filled up with weaker changes (natural-only is the default; the random blobs hold fewer natural ones).
    image = photo("coffee", 768)
    puzzle = generate_puzzle(image, n_differences=3, seed=7, segmenter="fastsam", max_side=768, fill_weak=True)
    assert puzzle.backends["segmenter"] == "fastsam"
    assert len(puzzle) == 3
    assert guarantee_violations(puzzle, n_differences=3) == []


def test_auto_picks_fastsam_when_its_weights_are_found(weights_in_env):
    pipeline = Pipeline.from_names("auto", "telea")
    assert pipeline.segmenter.name == "fastsam" and pipeline.backend_notes == ()
    assert pipeline.segmenter.weights_path == weights_in_env
    # Random blobs: few objects, and none natural (natural-only is the default): filled up.
    puzzle = pipeline.generate(photo("rocket", 1024), n_differences=1, seed=2, fill_weak=True)
    assert puzzle.backends == {"segmenter": "fastsam", "inpainter": "telea"}
    assert guarantee_violations(puzzle, n_differences=1) == []


def test_a_model_that_finds_nothing_gives_a_clear_error_not_a_crash(fastsam_weights):
    # Confidence 1.0 is never reached: FastSAM returns no masks at all.
    segmenter = FastSAMSegmenter(weights=fastsam_weights, conf=1.0)
    image = photo("chelsea", 640)
    assert segmenter.segment(image) == []
    with pytest.raises(ImageUnsuitableError, match="No difference fits in this picture"):
        Pipeline(segmenter, TeleaInpainter()).generate(image, n_differences=3, seed=1)


def test_concurrent_calls_with_different_settings_do_not_mix(fastsam_weights):
    # Two segmenters share one model (and its ultralytics predictor) but ask for different sizes and
    # thresholds: without the lock, one thread's arguments leak into the other's call.
    settings = [{"imgsz": 640, "conf": 0.25}, {"imgsz": 320, "conf": 0.58}]
    segmenters = [FastSAMSegmenter(weights=fastsam_weights, **s) for s in settings]
    pictures = [photo("coffee", 800), photo("rocket", 700)]
    jobs = [(i % 2, j % 2) for i in range(4) for j in range(2)]

    def signature(job):
        segments = segmenters[job[0]].segment(pictures[job[1]])
        return [(s.bbox, int(s.area)) for s in segments]

    serial = {job: signature(job) for job in set(jobs)}
    assert serial[(0, 0)] != serial[(1, 0)]  # the two settings really give different results
    start = threading.Barrier(len(jobs))  # every thread calls at the same moment

    def run(job):
        start.wait()
        return signature(job)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        parallel = list(pool.map(run, jobs))
    assert parallel == [serial[job] for job in jobs]


def test_several_threads_generating_through_one_pipeline_match_serial_runs(weights_in_env):
    pipeline = Pipeline.from_names("fastsam", "telea")
    requests = [("coffee", 3), ("rocket", 5), ("bus", 11)]
    pictures = {name: photo(name, 768) for name, _ in requests}

    def make(request):
        name, seed = request
        try:
            # Random blobs: few objects, rarely natural (natural-only is the default): filled up.
            puzzle = pipeline.generate(pictures[name], n_differences=1, seed=seed, fill_weak=True)
        except ImageUnsuitableError as error:  # the same outcome is expected either way
            return str(error)
        return puzzle.modified.tobytes(), [d.bbox for d in puzzle.differences]

    serial = [make(r) for r in requests]
    assert any(not isinstance(outcome, str) for outcome in serial), serial
    pipeline._analyses.clear()  # make the threads segment again, at the same time
    with ThreadPoolExecutor(max_workers=3) as pool:
        parallel = list(pool.map(make, requests))
    assert parallel == serial


# --- merging masks ---------------------------------------------------------------------------------------


def _disk(shape, centre, radius):
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 <= radius**2


def test_near_duplicates_merge_parts_stay_and_noise_goes():
    shape = (200, 300)
    whole = _disk(shape, (100, 100), 40)
    shifted = _disk(shape, (101, 102), 40)  # the same object again
    nearly_whole = _disk(shape, (100, 100), 37)  # nested, 86 % of the area: a duplicate
    part = _disk(shape, (100, 100), 15)  # nested, 14 % of the area: an object part
    other = _disk(shape, (100, 230), 30)
    speck = _disk(shape, (20, 20), 2)  # below MIN_MASK_FRACTION
    background = ~_disk(shape, (100, 150), 20)  # above MAX_MASK_FRACTION
    masks = np.stack([part, whole, shifted, nearly_whole, other, speck, background])
    scores = np.array([0.9, 0.8, 0.7, 0.75, 0.6, 0.95, 0.99])
    assert (15 / 37) ** 2 < MERGE_AREA_RATIO < (37 / 40) ** 2
    merged = merge_masks(masks, scores)
    assert len(merged) == 3
    assert np.array_equal(merged[0], part)  # most confident first
    assert np.array_equal(merged[1], whole | shifted | nearly_whole)
    assert np.array_equal(merged[2], other)


def test_merged_masks_have_their_holes_filled():
    ring = _disk((100, 100), (50, 50), 30) & ~_disk((100, 100), (50, 50), 10)
    (filled,) = merge_masks(ring[None], np.array([0.5]))
    assert np.array_equal(filled, _disk((100, 100), (50, 50), 30))
    assert merge_masks(np.zeros((0, 10, 10), bool), np.zeros(0)) == []


# --- broken weights files ---------------------------------------------------------------------------------


def test_a_truncated_file_is_reported_and_auto_falls_back(monkeypatch, tmp_path, fastsam_weights):
    broken = tmp_path / "FastSAM-s.pt"
    broken.write_bytes(fastsam_weights.read_bytes()[:100_000])
    monkeypatch.setenv(FASTSAM_WEIGHTS_ENV, str(broken))
    availability = FastSAMSegmenter.availability()
    assert not availability.available
    assert "not a PyTorch archive: it is truncated or corrupt" in availability.reason
    assert str(broken) in availability.reason and f"named by {FASTSAM_WEIGHTS_ENV}" in availability.reason
    with pytest.raises(BackendUnavailableError, match="truncated or corrupt"):
        Pipeline.from_names("fastsam", "telea")
    pipeline = Pipeline.from_names("auto", "telea")
    assert pipeline.segmenter.name == "felzenszwalb"


def test_an_archive_that_is_not_a_checkpoint_fails_to_load_and_auto_falls_back(monkeypatch, tmp_path, caplog):
    fake = tmp_path / "FastSAM-s.pt"
    with zipfile.ZipFile(fake, "w") as archive:  # passes the cheap check, fails in torch.load
        archive.writestr("archive/data.pkl", b"not a pickle")
    monkeypatch.setenv(FASTSAM_WEIGHTS_ENV, str(fake))
    assert FastSAMSegmenter.availability().available
    with pytest.raises(BackendUnavailableError, match=r"FastSAM weights file .*FastSAM-s.pt could not be loaded"):
        Pipeline.from_names("fastsam", "telea")
    pipeline = Pipeline.from_names("auto", "telea")
    assert pipeline.segmenter.name == "felzenszwalb"
    (note,) = pipeline.backend_notes
    assert "auto did not use the segmenter 'fastsam'" in note and str(fake) in note
    assert note in caplog.text
    # The coffee cup holds fewer than 3 natural differences (natural-only is the default): filled up.
    puzzle = pipeline.generate(photo("coffee", 640), n_differences=3, seed=1, fill_weak=True)
    assert puzzle.backends["segmenter"] == "felzenszwalb"


def test_a_detection_checkpoint_is_refused(tmp_path):
    from spotdiff_core.models import import_torch, import_ultralytics

    torch = import_torch()
    import_ultralytics()
    from ultralytics.nn.tasks import DetectionModel

    path = tmp_path / "detector.pt"
    torch.save({"model": DetectionModel("yolov8n.yaml", nc=1, verbose=False).half(), "train_args": {}}, path)
    with pytest.raises(BackendUnavailableError, match="is a 'detect' model, not a FastSAM segmentation model"):
        FastSAMSegmenter(weights=path)


# --- FastSAM-x and real weights ------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_fastsam_x_sized_checkpoint_loads_and_segments(tmp_path_factory):
    weights = build_random_fastsam(tmp_path_factory.mktemp("fastsam-x") / "FastSAM-x.pt", variant="x")
    segments = FastSAMSegmenter(weights=weights, imgsz=320).segment(photo("rocket", 640))
    assert segments and all(s.area > 0 for s in segments)


def _real_weights() -> Path | None:
    lookup = FastSAMSegmenter.availability()
    if not lookup.available:
        return None
    from spotdiff_core.models import FASTSAM_FILENAMES, find_weights

    return find_weights(None, env_var=FASTSAM_WEIGHTS_ENV, filenames=FASTSAM_FILENAMES, what="FastSAM").path


@pytest.mark.weights
def test_real_fastsam_weights_find_objects_in_photos():
    weights = _real_weights()
    if weights is None:
        pytest.skip(f"no real FastSAM weights: {FastSAMSegmenter.availability().reason}")
    pipeline = Pipeline(FastSAMSegmenter(weights=weights), TeleaInpainter())
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        # Filled up where a photo holds fewer natural differences (natural-only is the default).
        puzzle = pipeline.generate(photo(name, 1024), n_differences=5, seed=1, fill_weak=True)
        assert guarantee_violations(puzzle, n_differences=5) == []


def test_the_cli_with_fastsam_writes_everything_and_keeps_its_exit_codes(fastsam_weights, tmp_path):
    """With torch loaded, the CLI leaves through os._exit (skipping ~0.5 s of teardown): nothing may be lost."""
    import subprocess
    import sys

    from PIL import Image

    from spotdiff_core import load_puzzle
    from tests.conftest import photo

    picture = tmp_path / "coffee.jpg"
    Image.fromarray(photo("coffee", 640)).save(picture)
    env = {**os.environ, "SPOTDIFF_FASTSAM_WEIGHTS": str(fastsam_weights), "SPOTDIFF_MODEL_DIR": str(tmp_path)}
    # --fill-weak: the random model's blobs hold fewer natural differences (natural-only is the default).
    base = [sys.executable, "-m", "spotdiff_core", "generate", str(picture), "--seed", "1", "--segmenter", "fastsam"]
    base += ["--fill-weak"]
    ok = subprocess.run([*base, "-n", "2", "--out", str(tmp_path / "p.zip")], capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert len([line for line in ok.stdout.splitlines() if line.startswith("#")]) == 2
    assert ok.stdout.rstrip().splitlines()[-1].startswith("Saved 2 differences")
    assert len(load_puzzle(tmp_path / "p.zip")) == 2
    too_many = [*base, "-n", "10", "--kinds", "flip", "--difficulty", "easy", "--out", str(tmp_path / "q.zip")]
    refused = subprocess.run(too_many, capture_output=True, text=True, env=env)
    if refused.returncode == 0:  # the random model found room for all ten: then the output must be complete
        assert len(load_puzzle(tmp_path / "q.zip")) == 10
    else:
        assert refused.returncode == 1
        assert refused.stderr.strip().count("\n") == 0
        # Even filling up, the random blobs may hold no mirrorable thing at all: "No difference fits" says so.
        assert re.search(r"can hold only \d of the 10 differences|No difference fits in this picture", refused.stderr)
        assert not (tmp_path / "q.zip").exists()
