"""Protected areas: faces found by scikit-image's LBP frontal-face cascade, never touched by any change."""

from __future__ import annotations

import threading
from functools import lru_cache

import cv2
import numpy as np

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


EYE_MAX_FRACTION = 0.0025  # an eye covers at most this share of the picture
EYE_MIN_COMPACTNESS = 0.45


def eye_pair_mask(segments, lab: np.ndarray) -> np.ndarray:
    """(H, W) bool: faces the cascade cannot see (drawn characters, animals), found by their pair of eyes.

    Two small, round, alike regions side by side (1.2 to 3.2 widths apart, level, no third alike one in the
    same row, which would make them windows or buttons) are taken as eyes, and an ellipse around them as a
    face.

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
        cv2.ellipse(mask, centre, (round(1.1 * span), round(1.3 * span)), 0, 0, 360, 1, -1)
    return mask.astype(bool)
