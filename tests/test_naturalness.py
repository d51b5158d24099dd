"""The naturalness gate tells planted bad edits from good ones; object cues tell things from patches."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from spotdiff_core.color import lab_to_rgb, rgb_to_lab
from spotdiff_core.inpainters import INPAINTERS
from spotdiff_core.naturalness import LIMITS, fill_scores, outline, ring_of, seam, verdict
from spotdiff_core.objectness import SNAP_REACH, measure_cues, picture_edges, ring_radius, snap_to_colours
from spotdiff_core.regions import looks_like_object
from spotdiff_core.segmenters.base import Segment

H, W = 240, 320


def lawn(seed: int = 0) -> np.ndarray:
    """(H, W, 3) uint8: a fine, even green texture (grass seen from afar)."""
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (H, W)).astype(np.float32), (0, 0), 1.2)
    noise = noise / noise.std()
    image = np.empty((H, W, 3), np.float32)
    image[..., 0] = 70 + 14 * noise
    image[..., 1] = 140 + 22 * noise
    image[..., 2] = 60 + 10 * noise
    return np.clip(image, 0, 255).astype(np.uint8)


def disc(cx: int = 160, cy: int = 120, r: int = 22) -> np.ndarray:
    mask = np.zeros((H, W), np.uint8)
    cv2.circle(mask, (cx, cy), r, 1, -1)
    return mask.astype(bool)


def lawn_with_ball() -> tuple[np.ndarray, np.ndarray]:
    image = lawn()
    ball = disc()
    image[ball] = (200, 40, 40)
    return image, ball


def scores_of(original: np.ndarray, modified: np.ndarray, hole: np.ndarray) -> dict[str, float]:
    return fill_scores(rgb_to_lab(original), rgb_to_lab(modified), hole, ring_width=12)


def hole_of(ball: np.ndarray) -> np.ndarray:
    return cv2.dilate(ball.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)


# --- fills: a good removal passes, a smear, a seam and a copied neighbour fail -----------------


def test_a_fill_from_the_objects_own_surround_passes_the_gate():
    image, ball = lawn_with_ball()
    hole = hole_of(ball)
    source = ring_of(hole, 24)
    filled = INPAINTERS.create("patchmatch")[0].inpaint(image, hole, seed=3, source=source)
    scores = scores_of(image, filled, hole)
    assert verdict(scores) is None, scores
    assert (filled[~hole] == image[~hole]).all()


def test_a_smear_is_caught_as_flat():
    image, ball = lawn_with_ball()
    hole = hole_of(ball)
    smear = cv2.inpaint(image, hole.astype(np.uint8), 5, cv2.INPAINT_TELEA)
    scores = scores_of(image, smear, hole)
    assert scores["flat"] > LIMITS["flat"], scores
    assert verdict(scores) is not None


def test_a_fill_lighter_than_its_surround_is_caught_as_a_seam():
    image, ball = lawn_with_ball()
    hole = hole_of(ball)
    texture = np.roll(lawn(seed=1), 60, axis=1)  # right texture, wrong brightness
    lab = rgb_to_lab(texture)
    lab[..., 0] += 25
    patched = image.copy()
    patched[hole] = lab_to_rgb(lab)[hole]
    scores = scores_of(image, patched, hole)
    assert scores["seam"] > LIMITS["seam"], scores


def test_a_fill_that_copied_a_neighbouring_object_is_caught_as_foreign():
    image, ball = lawn_with_ball()
    hole = hole_of(ball)
    copied = image.copy()
    copied[hole] = (40, 60, 200)  # a blue thing from elsewhere pasted into the hole
    copied[hole & ~ball] = image[hole & ~ball]
    scores = scores_of(image, copied, hole)
    assert scores["foreign"] > LIMITS["foreign"], scores


# --- recolours: a painted object passes, a hue-rotated patch of texture fails ----------------


def test_recolouring_a_whole_object_along_its_outline_leaves_no_seam():
    image, ball = lawn_with_ball()
    lab = rgb_to_lab(image)
    new = lab.copy()
    new[ball, 1], new[ball, 2] = lab[ball, 2], -lab[ball, 1]  # red ball turned to another hue
    assert seam(lab, new, ball) <= LIMITS["seam"]


def test_a_hue_rotated_patch_of_fur_or_lawn_is_caught_as_a_seam():
    image = lawn()
    patch = disc(r=30)  # a region with no outline of its own: a piece of the texture
    lab = rgb_to_lab(image)
    new = lab.copy()
    a, b = lab[patch, 1], lab[patch, 2]
    new[patch, 1], new[patch, 2] = -b, a  # 90 degrees of hue, L kept
    assert seam(lab, new, patch) > LIMITS["seam"]


# --- pastes: a copy with its old background rim fails on a different background ----------------


def test_the_rim_test_compares_old_and_new_surroundings():
    from spotdiff_core.edits import EditContext, _surround_match

    image = lawn()
    image[:, W // 2 :] = (200, 200, 205)  # right half: a pale wall
    lab = rgb_to_lab(image)
    smooth = cv2.GaussianBlur(lab, (0, 0), 1.0)
    footprint = np.pad(disc(20, 20, 14)[:40, :40], 6)
    ring = ring_of(footprint, 6)
    ctx = EditContext(
        image=image, lab=lab, gradient=np.zeros((H, W), np.float32), blocked=np.zeros((H, W), bool),
        spacing=5, rng=np.random.default_rng(0), inpainter=None, strength=None, print_safe=False,
        lab_smooth=smooth,
    )  # fmt: skip
    same_lawn = _surround_match(ctx, ring, 20, 40, 60, 150)
    onto_wall = _surround_match(ctx, ring, 20, 40, 220, 150)
    assert same_lawn <= LIMITS["rim"] < onto_wall


# --- object cues: a ball is a thing; a patch of lawn, a slice of a big area is not -------------


def cues_of(image: np.ndarray, mask: np.ndarray):
    lab = rgb_to_lab(image)
    gx = cv2.Sobel(lab[..., 0], cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(lab[..., 0], cv2.CV_32F, 0, 1)
    ys, xs = np.nonzero(mask)
    x0, y0 = xs.min(), ys.min()
    local = mask[y0 : ys.max() + 1, x0 : xs.max() + 1]
    return measure_cues(
        local,
        (int(x0), int(y0)),
        lab_smooth=cv2.GaussianBlur(lab, (0, 0), 1.0),
        gradient=cv2.magnitude(gx, gy),
        edges_near=picture_edges(lab),
    )


def test_a_ball_on_a_lawn_looks_like_an_object():
    image, ball = lawn_with_ball()
    cues = cues_of(image, ball)
    assert looks_like_object(cues), cues
    assert cues.closed > 0.9 and cues.ring_purity > 0.7


def test_a_patch_of_lawn_is_not_an_object():
    cues = cues_of(lawn(), disc(r=25))
    assert not looks_like_object(cues), cues
    assert cues.closed < 0.5


def test_a_slice_of_a_large_flat_area_is_a_fragment():
    image = np.full((H, W, 3), (120, 170, 230), np.uint8)  # sky
    image[180:] = (80, 150, 60)
    piece = np.zeros((H, W), bool)
    piece[60:100, 100:160] = True  # a rectangle cut out of the sky, no outline
    cues = cues_of(image, piece)
    assert not looks_like_object(cues), cues


@pytest.mark.parametrize("area", [100, 2500, 40000])
def test_ring_radius_grows_with_the_object(area):
    assert ring_radius(area) >= 3
    assert ring_radius(4 * area) >= ring_radius(area)


def test_outline_is_a_band_on_both_sides_of_the_boundary():
    ball = disc()
    band = outline(ball, 1)
    assert band.any() and (band & ball).any() and (band & ~ball).any()
    assert not band[120, 160]  # the centre is not on the outline


# --- outlines snapped onto the picture's own boundary ------------------------------------------------


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def _snapped(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    lab_smooth = cv2.GaussianBlur(rgb_to_lab(image), (0, 0), 1.0)
    return snap_to_colours(Segment.from_mask(mask), lab_smooth).full_mask(mask.shape)


@pytest.mark.parametrize("offset", [-2, 2, SNAP_REACH])  # 3 px less on a 22 px disc: area -34 %, not trusted
def test_an_outline_a_few_pixels_off_is_snapped_onto_the_object(offset):
    # What a segmenter working on a reduced copy returns: the ball grown or shrunk by a few pixels.
    image, ball = lawn_with_ball()
    off = disc(r=22 + offset)
    assert _iou(off, ball) < 0.9
    snapped = _snapped(image, off)
    assert _iou(snapped, ball) > 0.95
    assert not (snapped & ~cv2.dilate(ball.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)).any()


def test_an_outline_on_a_textured_area_is_not_dragged_far():
    # A patch of lawn has no boundary to snap to: the mask may move by a few pixels, never grow wildly.
    patch = disc(r=25)
    snapped = _snapped(lawn(), patch)
    assert abs(int(snapped.sum()) - int(patch.sum())) <= 0.3 * patch.sum()
    assert _iou(snapped, patch) > 0.6


def test_a_small_thing_set_in_skin_is_never_changed():
    # A mouth or an eye on a turned head (which the frontal-face detector misses) sits in skin: never changed.
    from spotdiff_core import ImageUnsuitableError, generate_puzzle

    image = np.full((384, 512, 3), (60, 110, 190), np.uint8)  # a blue wall
    cv2.ellipse(image, (150, 190), (110, 140), 0, 0, 360, (224, 172, 140), -1, cv2.LINE_AA)  # a large skin area
    cv2.ellipse(image, (150, 230), (22, 10), 0, 0, 360, (120, 40, 50), -1, cv2.LINE_AA)  # a mouth in it
    cv2.circle(image, (400, 200), 28, (230, 200, 40), -1, cv2.LINE_AA)  # a yellow ball on the wall
    mouth = np.zeros(image.shape[:2], np.uint8)
    cv2.ellipse(mouth, (150, 230), (30, 18), 0, 0, 360, 1, -1)
    with pytest.raises(ImageUnsuitableError, match="can hold only 1 of the 2"):
        generate_puzzle(image, n_differences=2, kinds="remove,recolor", seed=0)
    puzzle = generate_puzzle(image, n_differences=1, kinds="remove,recolor", seed=0)
    assert not (puzzle.differences[0].mask & mouth.astype(bool)).any()
