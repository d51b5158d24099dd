"""Independent checks of the puzzle guarantees (GUIDE section 4) and small builders shared by the tests.

The measurements here use scikit-image's Lab conversion and scipy's exact distance transform on
purpose, so a mistake in the library's own measuring code cannot hide a broken guarantee.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage.color import rgb2lab

from spotdiff_core import limits
from spotdiff_core.puzzle import Difference, Puzzle, bbox_of, center_of


def lab(image: np.ndarray) -> np.ndarray:
    """CIE Lab (D65) of an RGB uint8 (H, W, 3) picture, float64, by scikit-image."""
    return rgb2lab(np.asarray(image, dtype=np.uint8))


@dataclass(frozen=True)
class Measured:
    """What one answer region does, measured independently of the library."""

    area_fraction: float
    mean_delta_e: float
    mean_delta_l: float
    changed_fraction: float


def measure(original_lab: np.ndarray, modified_lab: np.ndarray, mask: np.ndarray) -> Measured:
    diff = original_lab[mask] - modified_lab[mask]
    de = np.linalg.norm(diff, axis=1)
    return Measured(
        area_fraction=float(mask.mean()),
        mean_delta_e=float(de.mean()),
        mean_delta_l=float(np.abs(diff[:, 0]).mean()),
        changed_fraction=float((de > limits.CHANGED_PIXEL_DELTA_E).mean()),
    )


def measure_all(puzzle: Puzzle) -> dict[int, Measured]:
    """Independent measurements of every difference of a puzzle, by id."""
    lo, lm = lab(puzzle.original), lab(puzzle.modified)
    return {d.id: measure(lo, lm, d.mask) for d in puzzle.differences}


def min_gap(puzzle: Puzzle) -> float:
    """Smallest Euclidean distance (pixels, centre to centre) between pixels of two different answer regions."""
    gap = np.inf
    diffs = puzzle.differences
    for i, a in enumerate(diffs):
        distance_to_a = ndimage.distance_transform_edt(~a.mask)
        for b in diffs[i + 1 :]:
            gap = min(gap, float(distance_to_a[b.mask].min()))
    return gap


def guarantee_violations(puzzle: Puzzle, *, n_differences: int, print_safe: bool = False) -> list[str]:
    """Every broken guarantee of GUIDE section 4 (1 to 4) as readable lines; empty when the puzzle is good."""
    problems: list[str] = []
    if len(puzzle.differences) != n_differences:
        problems.append(f"{len(puzzle.differences)} differences, asked for {n_differences}")
    ids = [d.id for d in puzzle.differences]
    if ids != list(range(1, len(ids) + 1)):
        problems.append(f"ids {ids} are not 1..N")
    union = np.zeros(puzzle.shape, bool)
    for d in puzzle.differences:
        if (union & d.mask).any():
            problems.append(f"#{d.id} overlaps an earlier region")
        union |= d.mask
        if d.kind not in limits.KINDS:
            problems.append(f"#{d.id} has unknown kind {d.kind!r}")
    if not np.array_equal(puzzle.original[~union], puzzle.modified[~union]):
        changed = int((puzzle.original != puzzle.modified).any(axis=2)[~union].sum())
        problems.append(f"{changed} pixels outside the answer regions changed")
    for did, m in measure_all(puzzle).items():
        tag = f"#{did} ({puzzle.difference(did).kind})"
        if m.mean_delta_e < limits.MIN_CONTRAST_DELTA_E:
            problems.append(f"{tag} mean dE {m.mean_delta_e:.2f} < {limits.MIN_CONTRAST_DELTA_E}")
        if print_safe and m.mean_delta_l < limits.MIN_PRINT_SAFE_DELTA_L:
            problems.append(f"{tag} mean |dL| {m.mean_delta_l:.2f} < {limits.MIN_PRINT_SAFE_DELTA_L} (print-safe)")
        if m.changed_fraction < limits.MIN_CHANGED_FRACTION:
            problems.append(f"{tag} only {m.changed_fraction:.2f} of the region changed by dE > 5")
        if not limits.MIN_REGION_FRACTION <= m.area_fraction <= limits.MAX_REGION_FRACTION:
            problems.append(f"{tag} covers {m.area_fraction:.5f} of the picture")
    if len(puzzle.differences) > 1:
        needed = limits.MIN_SPACING_FRACTION * float(np.hypot(*puzzle.shape))
        gap = min_gap(puzzle)
        if gap < needed:
            problems.append(f"two regions only {gap:.1f} px apart, need {needed:.1f} px (2 % of the diagonal)")
    if not np.array_equal(puzzle.labels, _labels(puzzle)):
        problems.append("labels do not match the masks")
    return problems


def _labels(puzzle: Puzzle) -> np.ndarray:
    labels = np.zeros(puzzle.shape, np.uint8)
    for d in puzzle.differences:
        labels[d.mask] = d.id
    return labels


def object_pixels(image: np.ndarray, colour: tuple[int, int, int], *, max_delta_e: float = 10.0) -> np.ndarray:
    """(H, W) bool: pixels of ``image`` within ``max_delta_e`` (CIE76) of ``colour``."""
    target = lab(np.array([[colour]], dtype=np.uint8))[0, 0]
    return np.linalg.norm(lab(image) - target, axis=-1) < max_delta_e


def encode(image: Image.Image | np.ndarray, fmt: str, **params) -> bytes:
    """The bytes of ``image`` saved in format ``fmt`` (Pillow names: "PNG", "JPEG", ...)."""
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    buf = io.BytesIO()
    image.save(buf, format=fmt, **params)
    return buf.getvalue()


def make_difference(did: int, mask: np.ndarray, *, kind: str = "recolor") -> Difference:
    """A Difference with plausible scores around ``mask`` (for tests that need no real generation)."""
    return Difference(
        id=did,
        kind=kind,
        mask=mask,
        bbox=bbox_of(mask),
        center=center_of(mask),
        area_fraction=round(float(mask.mean()), 6),
        contrast=20.0,
        lightness_contrast=9.0,
        saliency=1.0,
        conspicuity=0.5,
    )


def make_puzzle(masks: list[np.ndarray], *, seed: int = 0) -> Puzzle:
    """A small synthetic Puzzle: grey original, each mask painted red in the modified picture."""
    h, w = masks[0].shape if masks else (160, 200)
    original = np.full((h, w, 3), 128, np.uint8)
    modified = original.copy()
    for mask in masks:
        modified[mask] = (220, 30, 30)
    diffs = tuple(make_difference(i, m) for i, m in enumerate(masks, start=1))
    return Puzzle(original=original, modified=modified, differences=diffs, seed=seed, settings={}, backends={})
