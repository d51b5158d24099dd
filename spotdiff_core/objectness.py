"""Object cues: does a region look like a whole, nameable thing, and on what kind of surround does it sit?

The cues are cheap statistics of a region, its outline and two bands around it (GUIDE section 6 lists what
they measured on development photos). They decide which regions become candidates at all and which kinds
of change suit each one (:func:`kind_rules` in ``edits``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np
from scipy import ndimage

from .naturalness import disk, fill_holes
from .segmenters.base import Segment

OUTLINE_STEP = 3  # px: the outline is judged by colours this far inside and outside it
CLOSED_DELTA_E = 10.0  # an outline point is "closed" where inside and outside differ by more than this
EDGE_REACH = 2  # px: an outline point is on an edge if a Canny edge lies this close
PURE_DELTA_E = 12.0  # a ring pixel belongs to the main surround within this dE of the ring's median


def _hue_chroma(lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.degrees(np.arctan2(lab[:, 2], lab[:, 1])) % 360, np.hypot(lab[:, 1], lab[:, 2])


def skin_pixels(lab: np.ndarray) -> np.ndarray:
    """Which Lab colours (..., 3) are skin-toned (also fur, wood and sand: warm, moderate chroma), as bool."""
    hue = np.degrees(np.arctan2(lab[..., 2], lab[..., 1])) % 360
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    return (lab[..., 0] > 25) & (chroma > 8) & (chroma < 50) & (hue > 15) & (hue < 80)


def skin_share(lab: np.ndarray) -> float:
    """Share of these (N, 3) Lab colours that are skin-toned (see :func:`skin_pixels`)."""
    if len(lab) == 0:
        return 0.0
    return float(skin_pixels(lab).mean())


def foliage_share(lab: np.ndarray) -> float:
    """Share of these (N, 3) Lab colours that are foliage green."""
    if len(lab) == 0:
        return 0.0
    hue, chroma = _hue_chroma(lab)
    return float(((chroma > 10) & (hue > 95) & (hue < 170)).mean())


@dataclass(frozen=True)
class ObjectCues:
    """What a region's outline and surroundings say about it (all in Lab, CIE76 dE).

    Attributes
    ----------
    closed : float
        Share of the outline where the colour OUTLINE_STEP px inside differs from OUTLINE_STEP px outside
        by more than CLOSED_DELTA_E: 1 for a shape cut out cleanly from its surround.
    edge_support : float
        Share of the outline lying on (within EDGE_REACH px of) a Canny edge of the picture.
    contrast : float
        dE between the mean colour inside and the mean colour of the ring around it.
    inside_spread : float
        Mean dE of the (lightly blurred) inside from its mean: low for one uniform material.
    inside_texture : float
        Mean gradient magnitude of L inside (its own outline left out), in L units per px: flat paint is
        below 1.5, fur, foliage and print are high.
    ring_purity : float
        Share of the ring within PURE_DELTA_E of the ring's median colour: high when the object sits on
        one surface, low when other things crowd around it.
    ring_texture : float
        Mean gradient magnitude of L in the ring.
    continued : float
        Share of a wider band (1x to 4x the ring radius) whose colour is close to the inside: high for
        a fragment of a larger area (sky, lawn, fur, a wall) rather than a thing of its own.
    compactness : float
        4 pi area / perimeter**2 (1 for a disc, small for ragged or stringy shapes).
    """

    closed: float
    edge_support: float
    contrast: float
    inside_spread: float
    inside_texture: float
    ring_purity: float
    ring_texture: float
    continued: float
    compactness: float

    def as_dict(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in asdict(self).items()}


def ring_radius(area: int) -> int:
    """Width in px of the ring that stands for an object's immediate surroundings."""
    return int(max(3, round(0.25 * np.sqrt(area))))


def measure_cues(
    mask: np.ndarray,
    offset: tuple[int, int],
    *,
    lab_smooth: np.ndarray,
    gradient: np.ndarray,
    edges_near: np.ndarray,
) -> ObjectCues | None:
    """Measure the cues of one region.

    Parameters
    ----------
    mask : (h, w) bool ndarray
        The region inside its bounding box.
    offset : (x, y)
        Where that box sits in the picture.
    lab_smooth : (H, W, 3) float32 ndarray
        The picture in Lab, lightly blurred (sigma about 1 px) so noise does not count as texture.
    gradient : (H, W) float32 ndarray
        Gradient magnitude of L.
    edges_near : (H, W) bool ndarray
        Where a Canny edge of the picture is within EDGE_REACH px (see :func:`picture_edges`).

    Returns
    -------
    ObjectCues, or None if the region has no room for a ring inside the picture.
    """
    H, W = edges_near.shape
    x, y = offset
    h, w = mask.shape
    area = int(mask.sum())
    if area == 0:
        return None
    ring_r = ring_radius(area)
    band_r = 4 * ring_r
    x0, y0 = max(0, x - band_r), max(0, y - band_r)
    x1, y1 = min(W, x + w + band_r), min(H, y + h + band_r)
    inside = np.zeros((y1 - y0, x1 - x0), np.uint8)
    inside[y - y0 : y - y0 + h, x - x0 : x - x0 + w] = mask
    lab = lab_smooth[y0:y1, x0:x1]
    grad = gradient[y0:y1, x0:x1]
    # Distance to the region (one transform instead of two large dilations).
    distance = cv2.distanceTransform(1 - inside, cv2.DIST_L2, 3)
    inside_b = inside.astype(bool)
    ring = (distance > 0) & (distance <= ring_r)
    if ring.sum() < 8:
        return None
    wide = (distance > ring_r) & (distance <= band_r)

    inside_lab, ring_lab = lab[inside_b], lab[ring]
    mean_in, mean_ring = inside_lab.mean(axis=0), ring_lab.mean(axis=0)
    inside_spread = float(np.linalg.norm(inside_lab - mean_in, axis=1).mean())
    ring_purity = float((np.linalg.norm(ring_lab - np.median(ring_lab, axis=0), axis=1) < PURE_DELTA_E).mean())
    core = cv2.erode(inside, disk(2)).astype(bool)
    inside_texture = float(grad[core].mean()) / 4.0 if core.any() else 0.0  # Sobel gain 4: per px of L
    if wide.any():
        close = np.linalg.norm(lab[wide] - mean_in, axis=1) < max(8.0, inside_spread)
        continued = float(close.mean())
    else:
        continued = 0.0

    # The outline, with an outward normal per point from the smoothed mask's gradient.
    contours, _ = cv2.findContours(inside, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    points = np.vstack([c[:, 0, :] for c in contours]) if contours else np.zeros((0, 2), int)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    compactness = float(4 * np.pi * area / perimeter**2) if perimeter > 0 else 0.0
    soft = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), 2.0)
    gy, gx = np.gradient(soft)
    px, py = points[:, 0], points[:, 1]
    nx, ny = -gx[py, px], -gy[py, px]
    norm = np.hypot(nx, ny) + 1e-6
    nx, ny = nx / norm, ny / norm
    ch, cw = inside.shape
    ox = np.clip(np.rint(px + OUTLINE_STEP * nx).astype(int), 0, cw - 1)
    oy = np.clip(np.rint(py + OUTLINE_STEP * ny).astype(int), 0, ch - 1)
    ix = np.clip(np.rint(px - OUTLINE_STEP * nx).astype(int), 0, cw - 1)
    iy = np.clip(np.rint(py - OUTLINE_STEP * ny).astype(int), 0, ch - 1)
    step = np.linalg.norm(lab[oy, ox] - lab[iy, ix], axis=1)
    closed = float((step > CLOSED_DELTA_E).mean()) if len(step) else 0.0
    edge_support = float(edges_near[y0:y1, x0:x1][py, px].mean()) if len(px) else 0.0

    return ObjectCues(
        closed=closed,
        edge_support=edge_support,
        contrast=float(np.linalg.norm(mean_in - mean_ring)),
        inside_spread=inside_spread,
        inside_texture=inside_texture,
        ring_purity=ring_purity,
        ring_texture=float(grad[ring].mean()) / 4.0,
        continued=continued,
        compactness=compactness,
    )


def picture_edges(lab: np.ndarray) -> np.ndarray:
    """Where (H, W) bool a Canny edge of a Lab picture's lightness or chroma lies within EDGE_REACH px."""
    lightness = np.clip(lab[..., 0] * 2.55, 0, 255).astype(np.uint8)
    edges = cv2.Canny(lightness, 40, 100)
    chroma = np.clip(np.hypot(lab[..., 1], lab[..., 2]) * 2.0, 0, 255).astype(np.uint8)
    edges |= cv2.Canny(chroma, 60, 140)
    return cv2.dilate(edges, disk(EDGE_REACH)).astype(bool)


SNAP_REACH = 3  # px: how far an outline may move to meet the picture's own colour boundary
SNAP_SAMPLES = 96  # colours kept per side for the nearest-colour test


def nearest_distance(colours: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(N,) float32: the distance from each of ``colours`` (N, 3) to the nearest of ``reference`` (M, 3)."""
    distance, _ = cv2.batchDistance(
        np.ascontiguousarray(colours, np.float32), np.ascontiguousarray(reference, np.float32), cv2.CV_32F, K=1
    )
    return distance.ravel()


SNAP_MAX_CHANGE = 0.3  # a snap that changes the area by more than this share is not trusted


def snap_to_colours(segment: Segment, lab_smooth: np.ndarray) -> Segment:
    """A region's mask with its outline moved onto the picture's colour boundary (within SNAP_REACH px).

    Segmenters work on reduced copies (and FastSAM's masks are coarse), so outlines land a pixel or three
    off the object: a recolour then spills onto the surround, a cut-out carries a rim of its old
    background, and the cues misjudge the thing. Each pixel of the band around the outline goes to the
    side whose colours (sampled from the sure inside and the sure outside) it is nearest to; the result is
    cleaned (opened, holes filled, largest part). The original mask is returned when the snap would change
    the area by more than SNAP_MAX_CHANGE or leave nothing.

    Parameters
    ----------
    segment : Segment
    lab_smooth : (H, W, 3) float32 ndarray
        The picture in Lab, lightly blurred.

    Returns
    -------
    Segment (its box may grow or shrink by up to SNAP_REACH px).
    """
    x, y, w, h = segment.bbox
    local = segment.local_mask
    H, W = lab_smooth.shape[:2]
    r = SNAP_REACH
    pad = 2 * r + 3
    x0, y0, x1, y1 = max(0, x - pad), max(0, y - pad), min(W, x + w + pad), min(H, y + h + pad)
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    mask[y - y0 : y - y0 + h, x - x0 : x - x0 + w] = local

    def grown(radius: int) -> np.ndarray:
        return cv2.dilate(mask, disk(radius)).astype(bool)

    # Sure inside: one pixel clear of the band, so colours blurred across the edge are not taken as the thing's.
    core = cv2.erode(mask, disk(r + 1)).astype(bool)
    near = grown(r)
    outside = grown(2 * r + 2) & ~grown(r + 2)  # sure outside: clear of the band, where the edge itself may blur
    band = near & ~core
    if core.sum() < 12 or outside.sum() < 12:
        return segment
    crop = lab_smooth[y0:y1, x0:x1]

    def samples(where: np.ndarray) -> np.ndarray:
        colours = crop[where]
        step = max(1, len(colours) // SNAP_SAMPLES)
        return colours[::step][:SNAP_SAMPLES]

    def nearest(colours: np.ndarray, reference: np.ndarray) -> np.ndarray:
        return nearest_distance(colours, reference)

    pixels = crop[band]
    inside_side = nearest(pixels, samples(core)) <= nearest(pixels, samples(outside))
    snapped = core.copy()
    snapped[band] = inside_side
    snapped = cv2.morphologyEx(snapped.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)).astype(bool)
    labels, count = ndimage.label(snapped)
    if count == 0:
        return segment
    if count > 1:
        sizes = np.bincount(labels.ravel())[1:]
        snapped = labels == 1 + int(np.argmax(sizes))
    snapped = fill_holes(snapped)
    area, new_area = segment.area, int(snapped.sum())
    if abs(new_area - area) > SNAP_MAX_CHANGE * area:
        return segment
    ys, xs = np.nonzero(snapped)
    sx0, sx1, sy0, sy1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    return Segment((int(x0 + sx0), int(y0 + sy0), int(sx1 - sx0), int(sy1 - sy0)), snapped[sy0:sy1, sx0:sx1])
