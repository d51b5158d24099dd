"""Protected areas, never touched by any change: faces (scikit-image's LBP frontal cascade), pairs of eyes, heads (round skin blobs)."""

from __future__ import annotations

import threading
from functools import lru_cache

import cv2
import numpy as np

from .naturalness import disk

FACE_SIDE = 448  # the detector runs on a copy this size on its long side (0.15 to 0.3 s here)
FACE_MIN_PX = 18  # smallest face looked for, in pixels of that copy
FACE_MARGIN = 0.9  # the protected ellipse reaches this share of the face box past each side (hair, ears, chin)
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _cascade():
    from skimage import data
    from skimage.feature import Cascade

    return Cascade(data.lbp_frontal_face_cascade_filename())


def find_faces(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Frontal faces in a picture, as boxes ``(x, y, w, h)`` in its pixels.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray

    Returns
    -------
    list of (x, y, w, h)
        Finds most frontal faces from about 4 % of the picture's long side up; misses profiles, turned
        heads and most animal faces; a few false hits on busy textures are expected (they only protect
        more than needed).
    """
    h, w = image.shape[:2]
    factor = min(1.0, FACE_SIDE / max(h, w))
    small = cv2.resize(image, (round(w * factor), round(h * factor)), interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    side = max(grey.shape)
    with _lock:  # the cascade object keeps state between calls
        found = _cascade().detect_multi_scale(
            img=grey,
            scale_factor=1.2,
            step_ratio=1,
            min_size=(FACE_MIN_PX, FACE_MIN_PX),
            max_size=(side, side),
            min_neighbor_number=4,
        )
    return [
        (round(d["c"] / factor), round(d["r"] / factor), round(d["width"] / factor), round(d["height"] / factor))
        for d in found
    ]


def face_mask(shape: tuple[int, int], faces: list[tuple[int, int, int, int]]) -> np.ndarray:
    """(H, W) bool: generous ellipses around face boxes, covering hair, ears, chin and neck."""
    mask = np.zeros(shape, np.uint8)
    for x, y, w, h in faces:
        centre = (round(x + w / 2), round(y + h * 0.6))
        axes = (round(w * (0.5 + FACE_MARGIN)), round(h * (0.6 + FACE_MARGIN)))
        cv2.ellipse(mask, centre, axes, 0, 0, 360, 1, -1)
    return mask.astype(bool)


HEAD_SIDE = 256  # skin blobs are looked for on a copy this size on its long side
HEAD_AREA = (0.002, 0.08)  # share of the picture a head (with neck, or a bald one) covers
HEAD_MIN_SOLIDITY = 0.7  # area / convex hull area: heads are round, arms and legs and table edges are not
HEAD_MAX_ELONGATION = 2.2  # long side / short side of the blob's tightest box: heads are roundish
HEAD_MARGIN = 0.2  # the protected hull is grown by this share of the blob's size


def head_mask(lab: np.ndarray) -> np.ndarray:
    """(H, W) bool: compact skin-toned blobs (heads in profile, bald heads, turned faces) and a margin.

    The frontal cascade misses turned heads; a mouth or a cheek changed on one is the worst difference a
    puzzle can have. A round patch of skin of a head's size is protected whatever its pose. Fur and wood
    share skin's colours, so a cat's head or a round wooden knob may be protected too: only more than needed.
    """
    from .objectness import skin_pixels

    h, w = lab.shape[:2]
    factor = min(1.0, HEAD_SIDE / max(h, w))
    small = cv2.resize(lab, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=cv2.INTER_AREA)
    skin = skin_pixels(small).astype(np.uint8)
    kernel = disk(2)
    skin = cv2.morphologyEx(cv2.morphologyEx(skin, cv2.MORPH_OPEN, kernel), cv2.MORPH_CLOSE, kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(skin, connectivity=8)
    small_mask = np.zeros(skin.shape, np.uint8)
    total = skin.size
    for i in range(1, count):
        area = stats[i, cv2.CC_STAT_AREA]
        if not HEAD_AREA[0] <= area / total <= HEAD_AREA[1]:
            continue
        points = cv2.findNonZero((labels == i).astype(np.uint8))
        hull = cv2.convexHull(points)
        if area / max(cv2.contourArea(hull), 1.0) < HEAD_MIN_SOLIDITY:
            continue
        (_, _), (side_a, side_b), _ = cv2.minAreaRect(points)
        if max(side_a, side_b) > HEAD_MAX_ELONGATION * max(1.0, min(side_a, side_b)):
            continue  # a bar (an arm, a table edge, a plank), not a head
        cv2.fillConvexPoly(small_mask, hull, 1)
        grow = max(1, round(HEAD_MARGIN * np.sqrt(area)))
        small_mask = np.maximum(
            small_mask,
            cv2.dilate((labels == i).astype(np.uint8), disk(grow)),
        )
    return cv2.resize(small_mask, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)


EYE_MAX_FRACTION = 0.0025  # an eye covers at most this share of the picture
EYE_MIN_COMPACTNESS = 0.45
EYE_FACE_MAX_FRACTION = 0.25  # a face around a pair of eyes covers at most this share of the picture
EYE_DARKER_L = 20.0  # an eye (a pupil, a dark eye, a drawn dot) is this much darker than the face around it ...
EYE_MIN_CONTRAST = 25.0  # ... and stands out from it by this dE (blobs of grass, gravel or fur do not)


def eye_pair_mask(segments, lab: np.ndarray) -> np.ndarray:
    """(H, W) bool: faces the cascade cannot see (drawn characters, animals), found by their pair of eyes.

    Two small, round, alike regions, each much darker than its surround, side by side (1.2 to 3.2 widths
    apart, level, no third alike one in the same row, which would make them windows or buttons) are taken
    as eyes, and an ellipse around them as a face. Without the darkness test, pairs of blobs in grass, fur
    or a facade passed: a third to two thirds of most review photos was protected, and they held almost
    no difference.

    Parameters
    ----------
    segments : list of Segment
    lab : (H, W, 3) float32 ndarray
    """
    H, W = lab.shape[:2]
    blobs = []
    for seg in segments:
        area = seg.area
        if not 0.00004 * H * W <= area <= EYE_MAX_FRACTION * H * W:
            continue
        x, y, w, h = seg.bbox
        if not 0.5 <= w / h <= 2.0 or area < EYE_MIN_COMPACTNESS * np.pi / 4 * w * h:
            continue
        cx, cy = x + w / 2, y + h / 2
        if any(abs(cx - b[0]) < 0.3 * w and abs(cy - b[1]) < 0.3 * h for b in blobs):
            continue  # the same blob found at another scale
        colour = lab[y : y + h, x : x + w][seg.local_mask].mean(axis=0)
        surround = _surround_colour(seg, lab)
        if colour[0] > surround[0] - EYE_DARKER_L or np.linalg.norm(colour - surround) < EYE_MIN_CONTRAST:
            continue
        blobs.append((cx, cy, w, h, area, colour))
    mask = np.zeros((H, W), np.uint8)
    if len(blobs) < 2:
        return mask.astype(bool)
    arr = np.array([b[:5] for b in blobs])
    colours = np.array([b[5] for b in blobs])
    for i in range(len(blobs)):
        cx, cy, w, h, area = arr[i]
        dx = arr[:, 0] - cx
        alike = (
            (np.abs(arr[:, 1] - cy) <= 0.35 * h)
            & (np.maximum(arr[:, 4], area) <= 1.7 * np.minimum(arr[:, 4], area))
            & (np.linalg.norm(colours - colours[i], axis=1) <= 12.0)
        )
        partners = np.nonzero(alike & (dx > 1.2 * w) & (dx <= 3.2 * w))[0]
        row = np.count_nonzero(alike & (np.abs(dx) > 0.8 * w) & (np.abs(dx) <= 6 * w))
        if len(partners) != 1 or row > 1:
            continue
        j = partners[0]
        span = arr[j, 0] - cx + w
        centre = (round((cx + arr[j, 0]) / 2), round(cy + 0.3 * span))
        axes = (round(1.1 * span), round(1.3 * span))
        if np.pi * axes[0] * axes[1] > EYE_FACE_MAX_FRACTION * H * W:
            continue  # two round things far apart (wheels, bollards, lamps), not the eyes of one face
        cv2.ellipse(mask, centre, axes, 0, 0, 360, 1, -1)
    return mask.astype(bool)


def _surround_colour(seg, lab: np.ndarray) -> np.ndarray:
    """Median Lab colour of a band half the segment's size around it."""
    H, W = lab.shape[:2]
    x, y, w, h = seg.bbox
    pad = max(2, max(w, h) // 2)
    x0, y0, x1, y1 = max(0, x - pad), max(0, y - pad), min(W, x + w + pad), min(H, y + h + pad)
    inside = np.zeros((y1 - y0, x1 - x0), np.uint8)
    inside[y - y0 : y - y0 + h, x - x0 : x - x0 + w] = seg.local_mask
    ring = cv2.dilate(inside, np.ones((2 * pad + 1, 2 * pad + 1), np.uint8)).astype(bool) & ~inside.astype(bool)
    return np.median(lab[y0:y1, x0:x1][ring], axis=0)


EYE_WHITE_L = 75.0  # the white of a drawn eye: this light ...
EYE_WHITE_CHROMA = 20.0  # ... and this grey
PUPIL_L = 40.0  # a pupil is this dark (an iris may be coloured: it is dark or it is left out)
PUPIL_SHARE = (0.06, 0.75)  # share of the eye's hull that is pupil
EYE_AREA = (0.00002, 0.003)  # share of the picture one drawn eye covers


OPENING_DELTA_E = 12.0  # dE from an eye's surround (the skin) that makes a pixel part of the eye
OPENING_MAX_GROWTH = 3.0  # the eye's opening (white, iris and pupil) is at most this many times its white
IRIS_STEP_L = 20.0  # an iris or pupil is this much darker than the eye's white ...
IRIS_SHARE = (0.1, 0.8)  # ... and covers this share of the opening
PUPIL_CORE_L = 30.0  # somewhere in it, a pupil this close to black
ROUND = 0.55  # area / convex hull area of a round blob (a pupil, an eye's opening is a little rounder)
FACE_ZONE = 4.0  # around a drawn eye, this many eye sizes are its face: nothing there is changed


def drawn_eyes(lab: np.ndarray) -> np.ndarray:
    """(N, 4) float32: drawn eyes as (x, y, size, opening): centre and diameter in pixels, and 1.0 for an eye
    found by its opening.

    Two shapes of drawn eye are found:

    - a round white holding a round dark pupil. Loose: a clock's face, a gap of sky between dark leaves
      pass too. It is used where a false find costs little: a thing enclosing an eye is a creature, and
      painting a creature whole paints its face (blind review G: a red devil turned magenta);
    - an eye's opening: a white beside a round iris with a near-black pupil, all enclosed by one surround,
      the skin (the sphinx of the review set has one; review I found its headdress recoloured). Strict:
      :func:`drawn_face_mask` keeps the face around these.

    Meant for drawings only.

    Parameters
    ----------
    lab : (H, W, 3) float32 ndarray
    """
    H, W = lab.shape[:2]
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    white = ((lab[..., 0] >= EYE_WHITE_L) & (chroma <= EYE_WHITE_CHROMA)).astype(np.uint8)
    dark = lab[..., 0] <= PUPIL_L
    count, labels, stats, _ = cv2.connectedComponentsWithStats(white, connectivity=8)
    eyes = []
    for i in range(1, count):
        x, y, w, h, area = stats[i]
        if not EYE_AREA[0] * H * W <= area <= EYE_AREA[1] * H * W:
            continue
        opening = _eye_opening(lab, labels == i, (x, y, w, h), area)
        if opening is not None:
            eyes.append((x + w / 2, y + h / 2, opening, 1.0))
        elif 0.4 <= w / h <= 2.5:
            size = _pupil_inside(labels[y : y + h, x : x + w] == i, dark[y : y + h, x : x + w])
            if size is not None:
                eyes.append((x + w / 2, y + h / 2, size, 0.0))
    return np.asarray(eyes, np.float32).reshape(-1, 4)


def _round_share(mask: np.ndarray) -> float:
    """Area over convex hull area (1 for a disc or a square, low for a cross, a ring or a stroke)."""
    points = cv2.findNonZero(mask.astype(np.uint8))
    if points is None:
        return 0.0
    return float(mask.sum() / max(cv2.contourArea(cv2.convexHull(points)), 1.0))


def _pupil_inside(local: np.ndarray, dark: np.ndarray) -> float | None:
    """A round white holding a round dark pupil: the eye's size, or None."""
    h, w = local.shape
    points = cv2.findNonZero(local.astype(np.uint8))
    hull = np.zeros(local.shape, np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(points), 1)
    hull_area = int(hull.sum())
    if hull_area < ROUND * np.pi / 4 * w * h:
        return None  # not round: a white stripe, a letter, a tooth row
    inner = hull.astype(bool) & ~local & dark
    parts, _, part_stats, _ = cv2.connectedComponentsWithStats(inner.astype(np.uint8), connectivity=8)
    if parts < 2:
        return None
    _, _, pw, ph, pupil_area = part_stats[1 + int(np.argmax(part_stats[1:, cv2.CC_STAT_AREA]))]
    if not PUPIL_SHARE[0] <= pupil_area / hull_area <= PUPIL_SHARE[1]:
        return None
    if pupil_area < ROUND * np.pi / 4 * pw * ph or not 0.4 <= pw / ph <= 2.5:
        return None  # a dark cross or bar (a window's frame, a clock's hands), not a round pupil
    return float(np.sqrt(hull_area))


def _eye_opening(lab: np.ndarray, white: np.ndarray, box: tuple[int, int, int, int], area: int) -> float | None:
    """A white beside a round iris with a near-black pupil, enclosed by one surround: the eye's size, or None."""
    H, W = lab.shape[:2]
    x, y, w, h = box
    reach = max(w, h)
    x0, y0, x1, y1 = max(0, x - reach), max(0, y - reach), min(W, x + w + reach), min(H, y + h + reach)
    window = lab[y0:y1, x0:x1]
    blob = white[y0:y1, x0:x1]
    border = np.concatenate([window[0], window[-1], window[:, 0], window[:, -1]])
    _, inverse, counts = np.unique(np.round(border / 6).astype(int), axis=0, return_inverse=True, return_counts=True)
    surround = border[inverse.ravel() == int(np.argmax(counts))].mean(axis=0)
    other = (np.linalg.norm(window - surround, axis=2) > OPENING_DELTA_E).astype(np.uint8)
    _, parts = cv2.connectedComponents(other, connectivity=8)
    touched = np.unique(parts[blob])
    touched = touched[touched > 0]
    if len(touched) != 1:
        return None
    opening = parts == touched[0]
    if opening[0].any() or opening[-1].any() or opening[:, 0].any() or opening[:, -1].any():
        return None  # not enclosed by one surround: part of a larger drawing (a cloud's edge, a window)
    size = int(opening.sum())
    if size > OPENING_MAX_GROWTH * area or _round_share(opening) < 0.6:
        return None
    darker = opening & ~blob & (window[..., 0] <= np.median(window[..., 0][blob]) - IRIS_STEP_L)
    if not IRIS_SHARE[0] <= darker.sum() / size <= IRIS_SHARE[1] or _round_share(darker) < ROUND:
        return None  # no iris, or a cross or bar across a white (a window's frame)
    if window[..., 0][darker].min() > PUPIL_CORE_L:
        return None  # no pupil: a red apple with a highlight
    return float(np.sqrt(size))


def drawn_face_mask(shape: tuple[int, int], eyes: np.ndarray) -> np.ndarray:
    """(H, W) bool: a disc of FACE_ZONE eye sizes around each eye found by its opening (the face, its hair or
    headdress); ``eyes`` as :func:`drawn_eyes` returns them."""
    mask = np.zeros(shape, np.uint8)
    for x, y, size, opening in eyes:
        if opening:
            cv2.circle(mask, (round(float(x)), round(float(y))), round(FACE_ZONE * float(size)), 1, -1)
    return mask.astype(bool)
