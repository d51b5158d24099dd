"""Clone fill: cover a hole in texture with a piece of the same texture from beside it, as a clone stamp does.

PatchMatch blends many overlapping patches, which averages stochastic texture (weeds, foliage, gravel,
fur) into a smooth smear. A person retouching a photo copies a whole nearby piece instead and feathers its
border. :func:`clone_fill` does that: it tries offsets around the hole (mostly sideways: texture in a photo
changes scale with depth), keeps the one whose surround matches the hole's own surround best, and pastes
that piece with a feathered edge. It refuses when no piece of the surround fits (then PatchMatch fills).
"""

from __future__ import annotations

import cv2
import numpy as np

from .naturalness import foreign, ring_of, window_around

CLONE_RING = 6  # px around the hole compared with the same ring around the piece to copy
CLONE_STEPS = (1.15, 1.5, 2.0, 2.6)  # offset lengths, as multiples of the hole's size
CLONE_ANGLES = 16
VERTICAL_SQUASH = 0.5  # offsets reach half as far up and down: texture scale changes with depth
MAX_CLONE_MISMATCH = 9.0  # mean dE between the hole's ring and the piece's ring (or SELF_MISMATCH x its spread)
SELF_MISMATCH = 1.4
MAX_CLONE_SHIFT = 8.0  # dE between the mean colour of the piece and of the hole's ring: it holds no other thing
MAX_CLONE_FOREIGN = 0.05  # share of the piece unlike every colour of the hole's ring (naturalness.foreign)
MAX_PIECES_CHECKED = 6
MATCH_SIGMA = 3.0  # px: the scale at which the two surrounds are compared
FEATHER_PX = 3.0  # the piece is blended in over this many px inside the hole's border


def clone_fill(image: np.ndarray, lab: np.ndarray, hole: np.ndarray, forbidden: np.ndarray) -> np.ndarray | None:
    """A copy of ``image`` with ``hole`` covered by a piece of texture from beside it, or None.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray
    lab : (H, W, 3) float32 ndarray
        Its Lab colours (lightly blurred is best: noise is not a mismatch).
    hole : (H, W) bool ndarray
        What to cover (the thing and its halo).
    forbidden : (H, W) bool ndarray
        Where no copied piece or its ring may come from (other changes, protected areas, the thing).

    Only pixels inside ``hole`` change.
    """
    H, W = hole.shape
    rows, cols = window_around(hole, CLONE_RING + 1)
    local = hole[rows, cols]
    ring = ring_of(local, CLONE_RING) & ~local
    if not ring.any():
        return None
    h, w = local.shape
    size = max(h, w) - 2 * (CLONE_RING + 1)
    # Pixels of two pieces of grass never match one by one: compare their colour at a coarser scale.
    reach = int(np.ceil(max(CLONE_STEPS) * size)) + 1
    ay0, ax0 = max(0, rows.start - reach), max(0, cols.start - reach)
    ay1, ax1 = min(H, rows.stop + reach), min(W, cols.stop + reach)
    coarse = np.zeros_like(lab)
    coarse[ay0:ay1, ax0:ax1] = cv2.GaussianBlur(lab[ay0:ay1, ax0:ax1], (0, 0), MATCH_SIGMA)
    lab = coarse
    ring_lab = lab[rows, cols][ring]
    ring_mean = ring_lab.mean(axis=0)
    used = local | ring
    fits: list[tuple[float, int, int]] = []
    for step in CLONE_STEPS:
        for k in range(CLONE_ANGLES):
            angle = 2 * np.pi * k / CLONE_ANGLES
            dx = round(step * size * float(np.cos(angle)))
            dy = round(step * size * float(np.sin(angle)) * VERTICAL_SQUASH)
            y0, x0 = rows.start + dy, cols.start + dx
            if y0 < 0 or x0 < 0 or y0 + h > H or x0 + w > W:
                continue
            if forbidden[y0 : y0 + h, x0 : x0 + w][used].any():
                continue
            piece = lab[y0 : y0 + h, x0 : x0 + w]
            if np.linalg.norm(piece[local].mean(axis=0) - ring_mean) > MAX_CLONE_SHIFT:
                continue  # the piece holds something else than the surround (another thing, a shadow)
            mismatch = float(np.linalg.norm(piece[ring] - ring_lab, axis=1).mean())
            fits.append((mismatch + 2.0 * abs(dy) / max(size, 1), y0, x0))  # nearer the same depth is better
    # Texture differs from itself: two pieces of the same lawn differ about as much as its ring varies.
    spread = float(np.linalg.norm(ring_lab - ring_mean, axis=1).mean())
    limit = max(MAX_CLONE_MISMATCH, SELF_MISMATCH * spread)
    best = None
    for score, y0, x0 in sorted(fits)[:MAX_PIECES_CHECKED]:
        if score > limit:
            break
        # Nothing in the piece that its new surround lacks (a bright blob of bokeh, a leaf of another plant).
        if foreign(lab[y0 : y0 + h, x0 : x0 + w][local], ring_lab) <= MAX_CLONE_FOREIGN:
            best = (y0, x0)
            break
    if best is None:
        return None
    y0, x0 = best
    depth = cv2.distanceTransform(np.pad(local, 1).astype(np.uint8), cv2.DIST_L2, 3)[1:-1, 1:-1]
    alpha = np.clip(depth / FEATHER_PX, 0.0, 1.0)[..., None]
    out = image.copy()
    region = out[rows, cols].astype(np.float32)
    source = image[y0 : y0 + h, x0 : x0 + w].astype(np.float32)
    blended = np.rint(region * (1.0 - alpha) + source * alpha).astype(np.uint8)
    out[rows, cols][local] = blended[local]
    return out
