"""Membrane fill: continue a smooth surround (flat paint, a sky or lawn gradient) over a hole.

In a drawing a thing is removed by painting its surround over it, as an illustrator would. PatchMatch
copies patches, and around a hole in flat paint it copies whatever else lies near (the grey of a cloud
into the sky behind a sun): a mottled smear or a faint ghost of the thing that a person sees at once.
:func:`membrane_fill` instead solves Laplace's equation over the hole with the surround's own pixels as the
boundary: flat paint stays exactly flat and a gradient goes on as it was. Only the pixels of the surround
passed as ``source`` count; other things in the ring (an outline stroke, the cloud) are not continued.
"""

from __future__ import annotations

import cv2
import numpy as np

from .naturalness import edge_strength, window_around

LEVEL_MIN_SIDE = 8  # px: the coarsest level of the pyramid that seeds the solver
SMOOTHING_ITERATIONS = 150  # Jacobi sweeps per level after seeding from the level below
MAX_SMOOTH_TEXTURE = 1.2  # mean |Laplacian| of L (Lab units) of a surround a membrane may continue
PAINT_STEP = 1.5  # dE per px: within one paint colours change no faster (a sky gradient is one paint)


def surround_texture(l_channel: np.ndarray, where: np.ndarray) -> float:
    """Mean |Laplacian| of lightness (Lab L, float32 (h, w)) over ``where`` (h, w) bool: 0 for flat paint."""
    if not where.any():
        return 0.0
    return float(np.abs(cv2.Laplacian(l_channel, cv2.CV_32F, ksize=3))[where].mean())


def smooth_parts(lab: np.ndarray, where: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """The parts of ``where`` with no edge inside (at most PAINT_STEP dE per px), as
    ``cv2.connectedComponentsWithStats`` gives them: (count, labels, stats); part 0 is the rest."""
    smooth = (where & (edge_strength(lab) <= PAINT_STEP)).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(smooth, connectivity=8)
    return count, labels, stats


def has_grain(l_channel: np.ndarray, paint: np.ndarray) -> bool:
    """Whether a paint (its pixels less a 1 px rim) is textured past what a membrane may continue."""
    inner = cv2.erode(paint.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    return surround_texture(l_channel, inner) > MAX_SMOOTH_TEXTURE


def _solve(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Harmonic interpolation of (h, w, C) float32 ``values`` from the ``known`` pixels, over the rest.

    Multiresolution: the unknown pixels are seeded from the level below (half size), then relaxed with
    Jacobi sweeps of the 4-neighbour mean while the known pixels stay fixed.
    """
    h, w = known.shape
    if min(h, w) >= 2 * LEVEL_MIN_SIDE and known.any():
        small_known = cv2.resize(known.astype(np.float32), (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        sums = cv2.resize(values * known[..., None], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        have = small_known > 0.25
        small = np.where(have[..., None], sums / np.maximum(small_known, 1e-6)[..., None], 0.0).astype(np.float32)
        coarse = _solve(small, have)
        seeded = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)
    else:
        mean = values[known].mean(axis=0) if known.any() else np.zeros(values.shape[-1], np.float32)
        seeded = np.broadcast_to(mean, values.shape).astype(np.float32)
    fixed = known.astype(np.uint8)
    out = np.where(known[..., None], values, seeded).astype(np.float32)
    relaxed = np.empty_like(out)
    kernel = np.array([[0, 0.25, 0], [0.25, 0, 0.25], [0, 0.25, 0]], np.float32)
    for _ in range(SMOOTHING_ITERATIONS):  # two buffers in turn, OpenCV's masked copy (np.where: 30x slower)
        cv2.filter2D(out, -1, kernel, dst=relaxed, borderType=cv2.BORDER_REPLICATE)
        cv2.copyTo(values, fixed, relaxed)
        out, relaxed = relaxed, out
    return out


def membrane_fill(image: np.ndarray, hole: np.ndarray, source: np.ndarray) -> np.ndarray:
    """A copy of ``image`` with ``hole`` painted over from the ``source`` pixels around it.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray
    hole : (H, W) bool ndarray
        What to paint over.
    source : (H, W) bool ndarray
        The surround to continue (pixels of one smooth surface next to the hole); nothing else is used.

    Only pixels inside ``hole`` change.
    """
    out = image.copy()
    if not hole.any() or not source.any():
        return out
    win = window_around(hole | source, 2)
    known = source[win] & ~hole[win]
    values = image[win].astype(np.float32)
    solved = _solve(values, known)
    local = hole[win]
    out[win][local] = np.clip(np.rint(solved[local]), 0, 255).astype(np.uint8)
    return out
