"""Turning raw segments into scored candidate regions: filter by size and shape, dedupe, score."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import cv2
import numpy as np

from . import limits, parallel
from .metrics import conspicuity
from .naturalness import disk
from .objectness import ObjectCues, measure_cues, skin_share, snap_to_colours
from .segmenters.base import Segment

# Candidates leave room to grow (resize) and a halo (remove) within MAX_REGION_FRACTION.
CANDIDATE_MIN_FRACTION = limits.MIN_REGION_FRACTION * 0.4  # small things get a padded answer region
CANDIDATE_MAX_FRACTION = 0.055
MIN_SOLIDITY = 0.5
MIN_ASPECT = 0.15
DUPLICATE_IOU = 0.7
MIN_THICKNESS = 0.12  # inscribed radius / sqrt(area): a disc has 0.56, a 1:5 bar 0.22, a 2 px line far less
MIN_THICKNESS_PX = 2.5
FLAT_SPREAD = 4.0  # mean dE from a region's mean colour below which it counts as flat
MAX_CONTINUED_BOUNDARY = 0.2  # a flat region whose colour goes on past this share of its ring is a fragment

# A whole thing, not a patch (objectness cues, see objectness.py and docs/QUALITY.md).
MIN_CLOSED = 0.6  # share of the outline with a clear colour step across it
MIN_EDGE_SUPPORT = 0.5  # share of the outline on real edges of the picture
MIN_OBJECT_CONTRAST = 12.0  # dE between the thing and its ring
MIN_COMPACTNESS = 0.12  # 4 pi A / P**2: ragged, stringy regions are pieces of texture
MAX_CONTINUED = 0.15  # share of the wider surround in the thing's own colour: more is a fragment of an area
BUSY_TEXTURE = 12.0  # mean L gradient (per px) of weeds, fur, bark, gravel: far above any painted surface
MIN_CONTRAST_IN_TEXTURE = 18.0  # a busy patch must stand out this much (dE) from a busy surround to be a thing

# A thing set in skin, or mostly skin-toned itself, is a part of a face or a body (an eye, a mouth, a cheek, the top
# of a head, an ear) that the frontal-face detector misses on profiles and turned heads: never changed. (Wood and
# sand look alike in colour; things in them are rarely good differences either: knots, grains, pebbles.)
SKIN_RING_SHARE = 0.5
SKIN_THING_SHARE = 0.5  # a region more skin-toned than this is a part of a body: never a candidate


@dataclass(frozen=True, eq=False)
class Candidate:
    """A region that could become a difference, with the scores used to choose it.

    Attributes
    ----------
    segment : Segment
    area_fraction : float
    ring_contrast : float
        dE between the region's mean colour and its surroundings' mean colour.
    saliency : float
        Mean relative saliency inside (1 = picture average).
    busyness : float
        Mean gradient magnitude around the region (busier surroundings hide changes).
    prior : float
        Expected conspicuity (0..1) before any edit.
    cues : ObjectCues
        Outline and surround statistics (what kinds of change suit it).
    is_object : bool
        Whether the cues say it is a whole thing (:func:`looks_like_object`); the others are used only in
        the fallback tier, and what is made of them is flagged weak.
    """

    segment: Segment
    area_fraction: float
    ring_contrast: float
    saliency: float
    busyness: float
    prior: float
    cues: ObjectCues
    is_object: bool = True

    def full_mask(self, shape: tuple[int, int]) -> np.ndarray:
        return self.segment.full_mask(shape)


def _solidity(local: np.ndarray) -> float:
    contours, _ = cv2.findContours(local.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return 0.0
    hull_area = cv2.contourArea(cv2.convexHull(np.vstack(contours)))
    return float(local.sum() / hull_area) if hull_area > 0 else 0.0


def _thickness(local: np.ndarray) -> float:
    """Radius of the largest disc inside a (h, w) bool mask, in pixels."""
    return float(cv2.distanceTransform(np.pad(local, 1).astype(np.uint8), cv2.DIST_L2, 5).max())


def _is_fragment_of_flat_area(inside_lab: np.ndarray, ring_lab: np.ndarray, mean_inside: np.ndarray) -> bool:
    """True for a piece cut out of a flat-coloured area: its own colour goes on past part of its boundary.

    Only flat regions are judged (drawn shapes); in textured photos colour similarity says little.
    """
    if np.linalg.norm(inside_lab - mean_inside, axis=1).mean() > FLAT_SPREAD:
        return False
    continues = np.linalg.norm(ring_lab - mean_inside, axis=1) < FLAT_SPREAD
    return float(continues.mean()) > MAX_CONTINUED_BOUNDARY


def _iou(a: Segment, b: Segment) -> float:
    ax, ay, aw, ah = a.bbox
    bx, by, bw, bh = b.bbox
    x0, y0 = max(ax, bx), max(ay, by)
    x1, y1 = min(ax + aw, bx + bw), min(ay + ah, by + bh)
    if x0 >= x1 or y0 >= y1:
        return 0.0
    inter = np.logical_and(
        a.local_mask[y0 - ay : y1 - ay, x0 - ax : x1 - ax], b.local_mask[y0 - by : y1 - by, x0 - bx : x1 - bx]
    ).sum()
    return float(inter / (a.area + b.area - inter))


def _set_in_skin(seg: Segment, lab: np.ndarray, pad: int) -> bool:
    """True when most of a band from ``pad`` to 3 ``pad`` px around the segment is skin-toned (eye shadows and
    lids right at the outline are dark, so the band starts a little way out)."""
    h, w = lab.shape[:2]
    x, y, sw, sh = seg.bbox
    reach = 3 * pad
    x0, y0, x1, y1 = max(0, x - reach), max(0, y - reach), min(w, x + sw + reach), min(h, y + sh + reach)
    inside = np.zeros((y1 - y0, x1 - x0), np.uint8)
    inside[y - y0 : y - y0 + sh, x - x0 : x - x0 + sw] = seg.local_mask
    distance = cv2.distanceTransform(1 - inside, cv2.DIST_L2, 3)
    band = (distance > pad) & (distance <= reach)
    return bool(band.any()) and skin_share(lab[y0:y1, x0:x1][band]) > SKIN_RING_SHARE


def _texture_in_texture(cues: ObjectCues) -> bool:
    """A busy patch in a busy surround, not much unlike it: a clump of weeds, a fold of fur, a knot in bark."""
    return (
        cues.inside_texture >= BUSY_TEXTURE
        and cues.ring_texture >= BUSY_TEXTURE
        and cues.contrast < MIN_CONTRAST_IN_TEXTURE
    )


def looks_like_object(cues: ObjectCues) -> bool:
    """True when the cues describe a whole thing cut out from its surround, not a patch of an area."""
    return (
        cues.closed >= MIN_CLOSED
        and cues.edge_support >= MIN_EDGE_SUPPORT
        and cues.contrast >= MIN_OBJECT_CONTRAST
        and cues.compactness >= MIN_COMPACTNESS
        and cues.continued <= MAX_CONTINUED
        and not _texture_in_texture(cues)
    )


def _candidate(
    seg: Segment,
    *,
    lab: np.ndarray,
    saliency_map: np.ndarray,
    gradient: np.ndarray,
    lab_smooth: np.ndarray,
    edges_near: np.ndarray,
    protected: np.ndarray | None,
) -> Candidate | None:
    """One kept segment, its outline snapped to the picture's colours, as a scored candidate; None if it is no thing."""
    h, w = lab.shape[:2]
    total = h * w
    x, y, sw, sh = seg.bbox
    if skin_share(lab[y : y + sh, x : x + sw][seg.local_mask]) > SKIN_THING_SHARE:
        return None  # skin or fur, told before the costly snap (most segments of a cat's picture)
    seg = snap_to_colours(seg, lab_smooth)
    x, y, sw, sh = seg.bbox
    if x <= 1 or y <= 1 or x + sw >= w - 1 or y + sh >= h - 1:
        return None
    if protected is not None and (protected[y : y + sh, x : x + sw] & seg.local_mask).any():
        return None
    pad = max(3, int(0.2 * np.sqrt(seg.area)))
    x0, y0, x1, y1 = max(0, x - pad), max(0, y - pad), min(w, x + sw + pad), min(h, y + sh + pad)
    inside = np.zeros((y1 - y0, x1 - x0), bool)
    inside[y - y0 : y - y0 + sh, x - x0 : x - x0 + sw] = seg.local_mask
    grown = cv2.dilate(inside.astype(np.uint8), disk(pad))
    ring = grown.astype(bool) & ~inside
    if not ring.any():
        return None
    crop_lab = lab[y0:y1, x0:x1]
    inside_lab, ring_lab = crop_lab[inside], crop_lab[ring]
    if skin_share(inside_lab) > SKIN_THING_SHARE or _set_in_skin(seg, lab, pad):
        return None  # a part of a face or a body (a cheek, the top of a head, an ear, an eye)
    mean_inside = inside_lab.mean(axis=0)
    if _is_fragment_of_flat_area(inside_lab, ring_lab, mean_inside):
        return None
    cues = measure_cues(seg.local_mask, (x, y), lab_smooth=lab_smooth, gradient=gradient, edges_near=edges_near)
    if cues is None:
        return None
    ring_contrast = float(np.linalg.norm(mean_inside - ring_lab.mean(axis=0)))
    saliency = float(saliency_map[y0:y1, x0:x1][inside].mean())
    busyness = float(gradient[y0:y1, x0:x1][ring].mean())
    fraction = seg.area / total
    return Candidate(
        segment=seg,
        area_fraction=fraction,
        ring_contrast=ring_contrast,
        saliency=saliency,
        busyness=busyness,
        prior=conspicuity(fraction, limits.MIN_CONTRAST_DELTA_E + ring_contrast, saliency),
        cues=cues,
        is_object=looks_like_object(cues),
    )


def propose_candidates(
    segments: list[Segment],
    *,
    lab: np.ndarray,
    saliency_map: np.ndarray,
    gradient: np.ndarray,
    lab_smooth: np.ndarray,
    edges_near: np.ndarray,
    protected: np.ndarray | None = None,
) -> list[Candidate]:
    """Filter, dedupe and score segments into candidates: whole objects outside protected areas.

    Parameters
    ----------
    segments : list of Segment
    lab : (H, W, 3) float32 ndarray
        The picture in Lab.
    saliency_map : (H, W) float32 ndarray, mean 1
    gradient : (H, W) float32 ndarray
        Gradient magnitude of L.
    lab_smooth, edges_near : ndarray
        Lightly blurred Lab and the near-edge mask, as :func:`objectness.measure_cues` takes them.
    protected : (H, W) bool ndarray, optional
        Areas no candidate may touch (faces).

    Returns
    -------
    list of Candidate, in a deterministic order (by position).
    """
    h, w = lab.shape[:2]
    total = h * w
    kept: list[Segment] = []
    for seg in sorted(segments, key=lambda s: (-s.area, s.bbox)):
        fraction = seg.area / total
        if not CANDIDATE_MIN_FRACTION <= fraction <= CANDIDATE_MAX_FRACTION:
            continue
        x, y, sw, sh = seg.bbox
        if x <= 1 or y <= 1 or x + sw >= w - 1 or y + sh >= h - 1:
            continue
        if min(sw, sh) / max(sw, sh) < MIN_ASPECT or _solidity(seg.local_mask) < MIN_SOLIDITY:
            continue
        if _thickness(seg.local_mask) < max(MIN_THICKNESS_PX, MIN_THICKNESS * np.sqrt(seg.area)):
            continue  # a sliver (an anti-aliased edge, a thin outline): no one could see it change
        if protected is not None and (protected[y : y + sh, x : x + sw] & seg.local_mask).any():
            continue
        # sorted by size: IoU is at most seg.area / other.area, so larger ones past 1 / DUPLICATE_IOU cannot match
        if any(other.area * DUPLICATE_IOU < seg.area and _iou(seg, other) > DUPLICATE_IOU for other in kept):
            continue
        kept.append(seg)

    candidate = partial(
        _candidate,
        lab=lab,
        saliency_map=saliency_map,
        gradient=gradient,
        lab_smooth=lab_smooth,
        edges_near=edges_near,
        protected=protected,
    )
    # each segment's snap and cues are its own: shared out between threads (OpenCV releases the GIL)
    candidates = [c for c in parallel.map_ordered(candidate, kept) if c is not None]
    candidates.sort(key=lambda c: (c.segment.bbox[1], c.segment.bbox[0], c.segment.area))
    return candidates
