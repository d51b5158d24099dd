"""Removing a thing that stands on the line between two paints (a pyramid on the horizon, a bush on a field's edge).

A removal in a drawing paints the surround over the hole (:mod:`membrane`), which needs one paint around
it. A thing standing on the line between two paints (sand and sky) was refused: its cut crosses an edge.
An illustrator removing it would draw the line on straight across where it stood and paint each side.
:func:`find_crossing` checks that the hole's surround is exactly two smooth paints and that the line between
them meets the hole twice, heading straight for the other meeting point; :func:`crossing_fill` paints each
side of the straight line with its own membrane and draws the line itself with the cross-section it has
beside the hole (a soft step, an anti-aliased edge or a stroke).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .membrane import has_grain, membrane_fill, smooth_parts
from .naturalness import window_around

MIN_EACH_PAINT = 0.15  # each of the two paints covers at least this share of the ring
MIN_TWO_PAINTS = 0.75  # the two paints cover this share of the ring; the rest is the line between them
MIN_PAINT_APART = 10.0  # dE between the two paints' means: less and they are one paint
MAX_TURN_DEG = 20.0  # the line beside the hole heads this close to straight for its other end
MIN_SIDE_SHARE = 0.95  # of each paint's ring pixels on its own side of the line
STRAIGHT_SLACK = 0.05  # of the chord's length: how far the line past the hole may stray from straight
PROFILE_STEP = 0.5  # px: the line's cross-section is sampled this finely


@dataclass(frozen=True)
class Crossing:
    """The two paints around a hole and the straight line between them (window coordinates)."""

    window: tuple[slice, slice]
    paint_a: np.ndarray  # (h, w) bool: ring pixels of the paint on the positive side of the line
    paint_b: np.ndarray  # (h, w) bool: ... and of the other paint
    start: np.ndarray  # (2,) float: (x, y) where the line meets the hole
    end: np.ndarray  # (2,) float: where it leaves it
    half_width: float  # px: half the line's own width (its anti-aliased step or stroke)
    line: np.ndarray  # (h, w) bool: the line's pixels in the ring, beside the hole


def _signed_distance(shape: tuple[int, int], start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """(h, w) float32: each pixel's distance from the straight line start-end, positive on its left."""
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    dx, dy = (end - start) / max(float(np.hypot(*(end - start))), 1e-6)
    return (xs - start[0]) * dy - (ys - start[1]) * dx


def _axis(points: np.ndarray) -> np.ndarray:
    """Unit (x, y) direction of the longest axis of a set of (N, 2) points."""
    centred = points - points.mean(axis=0)
    _, _, vt = np.linalg.svd(centred.astype(np.float64), full_matrices=False)
    return vt[0]


def find_crossing(lab: np.ndarray, hole: np.ndarray, ring: np.ndarray) -> Crossing | None:
    """The two paints and the straight line between them around ``hole``, or None.

    Parameters
    ----------
    lab : (H, W, 3) float32 ndarray
    hole : (H, W) bool ndarray
    ring : (H, W) bool ndarray
        The usable surround of the hole (other answers and protected areas left out).
    """
    if not ring.any():
        return None
    win = window_around(hole | ring, 2)
    local_lab, local_ring, local_hole = lab[win], ring[win], hole[win]
    count, labels, stats = smooth_parts(local_lab, local_ring)
    if count < 3:
        return None
    order = 1 + np.argsort(-stats[1:, cv2.CC_STAT_AREA])
    means = np.array([local_lab[labels == k].mean(axis=0) for k in range(1, count)])
    first, second = means[order[0] - 1], means[order[1] - 1]
    if np.linalg.norm(first - second) < MIN_PAINT_APART:
        return None
    # each part of the ring joins the paint it is the colour of (a gradient sky may come in pieces)
    to_first = np.linalg.norm(means - first, axis=1) <= np.linalg.norm(means - second, axis=1)
    near_either = np.minimum(np.linalg.norm(means - first, axis=1), np.linalg.norm(means - second, axis=1))
    ids = np.arange(1, count)
    a = np.isin(labels, ids[to_first & (near_either <= MIN_PAINT_APART / 2)])
    b = np.isin(labels, ids[~to_first & (near_either <= MIN_PAINT_APART / 2)])
    total = local_ring.sum()
    if min(a.sum(), b.sum()) < MIN_EACH_PAINT * total or a.sum() + b.sum() < MIN_TWO_PAINTS * total:
        return None
    if has_grain(local_lab[..., 0], a) or has_grain(local_lab[..., 0], b):
        return None  # grain: a membrane would paint it flat
    # the line: what lies between the paints in the ring, touching both
    rest = (local_ring & ~a & ~b).astype(np.uint8)
    grow = np.ones((5, 5), np.uint8)
    near_a, near_b = cv2.dilate(a.astype(np.uint8), grow) > 0, cv2.dilate(b.astype(np.uint8), grow) > 0
    parts, part_labels = cv2.connectedComponents(rest, connectivity=8)
    meets = [k for k in range(1, parts) if (near_a & near_b & (part_labels == k)).any()]
    if len(meets) != 2:
        return None
    at_hole = cv2.dilate(local_hole.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    ends, axes = [], []
    for k in meets:
        ys, xs = np.nonzero((part_labels == k) & at_hole)
        if len(xs) < 2:
            return None
        ends.append(np.array([xs.mean(), ys.mean()]))
        ys, xs = np.nonzero(part_labels == k)
        axes.append(_axis(np.stack([xs, ys], axis=1)))
    start, end = ends
    chord = (end - start) / max(float(np.hypot(*(end - start))), 1e-6)
    for axis in axes:
        if np.degrees(np.arccos(min(1.0, abs(float(axis @ chord))))) > MAX_TURN_DEG:
            return None  # the line turns where the thing stands (a corner, a curve): no straight way across
    side = _signed_distance(local_hole.shape, start, end)
    if (side[a] > 0).mean() < 0.5:
        a, b = b, a
    if (side[a] > 0).mean() < MIN_SIDE_SHARE or (side[b] < 0).mean() < MIN_SIDE_SHARE:
        return None  # the paints are not on the two sides of that line
    line = np.isin(part_labels, meets)
    half_width = float(np.percentile(np.abs(side[line]), 90)) if line.any() else 1.0
    offset = np.array([win[1].start, win[0].start], np.float64)  # window to picture coordinates
    start_at, end_at = start + offset, end + offset
    if not _straight_beyond(lab, hole, start_at, end_at, first, second):
        return None  # a curve or a bump (a cloud's top) would come out as a flat cut
    return Crossing(win, a, b, start, end, max(1.0, half_width), line)


def _straight_beyond(
    lab: np.ndarray, hole: np.ndarray, start: np.ndarray, end: np.ndarray, first: np.ndarray, second: np.ndarray
) -> bool:
    """Whether the line between the two paints runs straight on past the hole for half its width each way.

    Judged on the boundary between pixels of the two colours within that reach (picture coordinates):
    nine in ten of its pixels lie within STRAIGHT_SLACK of the chord's length from the chord's line.
    """
    chord = float(np.hypot(*(end - start)))
    reach = max(8, int(chord / 2))
    H, W = hole.shape
    x0, x1 = max(0, int(min(start[0], end[0])) - reach), min(W, int(max(start[0], end[0])) + reach + 1)
    y0, y1 = max(0, int(min(start[1], end[1])) - reach), min(H, int(max(start[1], end[1])) + reach + 1)
    window = lab[y0:y1, x0:x1]
    to_first = np.linalg.norm(window - first, axis=-1)
    to_second = np.linalg.norm(window - second, axis=-1)
    near = max(MIN_PAINT_APART, 0.45 * float(np.linalg.norm(first - second)))  # a gradient drifts from its mean
    like_first = (to_first <= near) & (to_first < to_second)
    like_second = (to_second <= near) & (to_second < to_first)
    touch = np.ones((3, 3), np.uint8)
    boundary = (cv2.dilate(like_first.astype(np.uint8), touch) > 0) & like_second
    boundary &= ~(cv2.dilate(hole[y0:y1, x0:x1].astype(np.uint8), np.ones((9, 9), np.uint8)) > 0)
    ys, xs = np.nonzero(boundary)
    if len(xs) < reach:
        return False  # the line does not go on: it ends at the thing
    direction = (end - start) / max(chord, 1e-6)
    distance = np.abs((xs + x0 - start[0]) * direction[1] - (ys + y0 - start[1]) * direction[0])
    return float(np.percentile(distance, 90)) <= max(2.0, STRAIGHT_SLACK * chord)


def crossing_fill(image: np.ndarray, hole: np.ndarray, crossing: Crossing) -> np.ndarray:
    """A copy of ``image`` with ``hole`` painted over: each side of the line with its own paint, the line
    drawn straight across with its cross-section measured beside the hole. Only pixels in ``hole`` change."""
    win = crossing.window
    local_hole = hole[win]
    keep_clear = cv2.dilate(local_hole.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    local = image[win]
    side = _signed_distance(local_hole.shape, crossing.start, crossing.end)
    fill_a = _paint_side(local, local_hole & (side > 0), crossing.paint_a & ~keep_clear, side <= 0, crossing)
    fill_b = _paint_side(local, local_hole & (side <= 0), crossing.paint_b & ~keep_clear, side > 0, crossing)
    out = np.where((side > 0)[..., None], fill_a, fill_b)
    # the cross-section of the line beside the hole, by signed distance, drawn across it
    reach = crossing.half_width + 1.0
    beside = ~local_hole & (np.abs(side) <= reach) & (crossing.line | crossing.paint_a | crossing.paint_b)
    beside &= cv2.dilate(crossing.line.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    if beside.sum() >= 4:
        bins = np.round(side[beside] / PROFILE_STEP).astype(int)
        colours = local[beside].astype(np.float32)
        offset = int(bins.min())
        sums = np.zeros((int(bins.max()) - offset + 1, 3), np.float32)
        counts = np.zeros(len(sums), np.float32)
        np.add.at(sums, bins - offset, colours)
        np.add.at(counts, bins - offset, 1.0)
        have = counts > 0
        steps = np.arange(len(sums))
        profile = np.stack([np.interp(steps, steps[have], sums[have, c] / counts[have]) for c in range(3)], axis=1)
        on_line = local_hole & (np.abs(side) <= reach)
        index = np.clip(np.round(side[on_line] / PROFILE_STEP).astype(int) - offset, 0, len(profile) - 1)
        out[on_line] = np.clip(np.rint(profile[index]), 0, 255).astype(np.uint8)
    result = image.copy()
    result[win][local_hole] = out[local_hole]
    return result


JUNCTION_REACH = 10.0  # px: a paint's colour where the line meets the hole is measured this close to it


def _paint_side(
    local: np.ndarray, hole: np.ndarray, paint: np.ndarray, beyond: np.ndarray, crossing: Crossing
) -> np.ndarray:
    """One side of the hole painted with its paint (window coordinates).

    The membrane is bounded by the paint around the hole and, along the line, by that paint's colours where
    the line meets the hole, blended along the chord: bounded only by the ring, a sky gradient sagged over
    the open side and left a faint lighter ghost of the removed pyramid (review M).
    """
    if not hole.any() or not paint.any():
        return local
    ys, xs = np.nonzero(paint)
    ends = []
    for point in (crossing.start, crossing.end):
        near = np.hypot(xs - point[0], ys - point[1]) <= JUNCTION_REACH
        ends.append(np.median(local[ys[near], xs[near]] if near.any() else local[paint], axis=0).astype(np.float32))
    chord = crossing.end - crossing.start
    gy, gx = np.mgrid[0 : local.shape[0], 0 : local.shape[1]].astype(np.float32)
    t = np.clip(
        ((gx - crossing.start[0]) * chord[0] + (gy - crossing.start[1]) * chord[1]) / float(chord @ chord), 0, 1
    )
    bounded = local.copy()
    along = ends[0] + t[..., None] * (ends[1] - ends[0])
    bounded[beyond] = np.clip(np.rint(along[beyond]), 0, 255).astype(np.uint8)
    return membrane_fill(bounded, hole, paint | beyond)
