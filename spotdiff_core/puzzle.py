"""The puzzle data model: `Difference` and `Puzzle`, with hit-testing and drawing helpers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import cv2
import numpy as np
from scipy import ndimage

from .errors import InvalidInputError
from .labels import LabelCircle, place_labels


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.setflags(write=False)
    return array


def bbox_of(mask: np.ndarray) -> tuple[int, int, int, int]:
    """Bounding box ``(x, y, w, h)`` of the True pixels of a (H, W) bool mask (zeros if empty)."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return (0, 0, 0, 0)
    x0, x1, y0, y1 = int(xs.min()), int(xs.max()), int(ys.min()), int(ys.max())
    return (x0, y0, x1 - x0 + 1, y1 - y0 + 1)


def center_of(mask: np.ndarray) -> tuple[int, int]:
    """A point ``(x, y)`` inside a (H, W) bool mask, as central as possible (its pole of inaccessibility)."""
    padded = np.pad(mask, 1).astype(np.uint8)
    dist = cv2.distanceTransform(padded, cv2.DIST_L2, 5)[1:-1, 1:-1]
    y, x = np.unravel_index(int(np.argmax(dist)), dist.shape)
    return int(x), int(y)


@dataclass(frozen=True, eq=False)
class Difference:
    """One change between the original and the modified picture.

    Attributes
    ----------
    id : int
        1..N, also its value in the saved label map.
    kind : str
        One of ``limits.KINDS``.
    mask : (H, W) bool ndarray
        The answer region: every pixel the change touched, at working size.
    bbox : (x, y, w, h)
    center : (x, y)
        A point inside the region, for markers and clicks.
    area_fraction : float
        Region area / picture area.
    contrast : float
        Mean CIE76 dE between original and modified over the region.
    lightness_contrast : float
        Mean |dL| over the region (what a black-and-white printer keeps).
    saliency : float
        Mean spectral-residual saliency of the region, relative to the picture's mean (1 = average).
    conspicuity : float
        0..1, how easy the change is to spot (combines size, contrast and saliency).
    naturalness : mapping of str to float
        The naturalness gate's scores that apply to this kind of change (seam, foreign, flat, rim, cover;
        see ``naturalness.py``); empty for puzzles saved before the gate existed.
    natural : bool
        False for a weak difference: it failed the gate and was kept only because the picture could not
        hold enough natural ones (the app and the CLI say so).
    """

    id: int
    kind: str
    mask: np.ndarray = field(repr=False)
    bbox: tuple[int, int, int, int]
    center: tuple[int, int]
    area_fraction: float
    contrast: float
    lightness_contrast: float
    saliency: float
    conspicuity: float
    naturalness: Mapping[str, float] = field(default_factory=dict)
    natural: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "naturalness", dict(self.naturalness))
        mask = np.asarray(self.mask)
        if mask.dtype != bool or mask.ndim != 2:
            raise InvalidInputError(
                f"Difference {self.id}: mask must be a (H, W) bool array, got {mask.dtype} {mask.shape}."
            )
        object.__setattr__(self, "mask", _frozen(mask))

    def summary(self) -> str:
        """One line: id, kind, where, how big and how strong."""
        _x, _y, w, h = self.bbox
        return (
            f"#{self.id} {self.kind:<9} at ({self.center[0]}, {self.center[1]}) box {w}x{h}  "
            f"area {self.area_fraction * 100:.2f}%  dE {self.contrast:.1f}  dL {self.lightness_contrast:.1f}  "
            f"conspicuity {self.conspicuity:.2f}" + ("" if self.natural else "  WEAK")
        )

    def scores(self) -> dict[str, float]:
        """The measured scores as a plain dict (what the saved JSON holds)."""
        return {
            "area_fraction": self.area_fraction,
            "contrast": self.contrast,
            "lightness_contrast": self.lightness_contrast,
            "saliency": self.saliency,
            "conspicuity": self.conspicuity,
        }


@dataclass(frozen=True, eq=False)
class Puzzle:
    """A finished puzzle: the two pictures at working size and the exact answers.

    Attributes
    ----------
    original, modified : (H, W, 3) uint8 ndarray
    differences : tuple of Difference
        Ordered by id (1..N); their masks never overlap.
    seed : int
        The seed that reproduces this puzzle with the same picture and settings.
    settings : dict
        The generation settings (n_differences, difficulty, kinds, print_safe, max_side, fill_weak), and the
        records of guided creation when there are any (protected, pointed; see :mod:`spotdiff_core.guided`).
    backends : dict
        Which segmenter and inpainter made it, e.g. ``{"segmenter": "felzenszwalb", "inpainter": "patchmatch"}``.
    """

    original: np.ndarray = field(repr=False)
    modified: np.ndarray = field(repr=False)
    differences: tuple[Difference, ...]
    seed: int
    settings: Mapping[str, Any] = field(default_factory=dict)
    backends: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.original.shape != self.modified.shape or self.original.ndim != 3:
            raise InvalidInputError(
                f"original {self.original.shape} and modified {self.modified.shape} must be RGB pictures of one size."
            )
        object.__setattr__(self, "original", _frozen(self.original))
        object.__setattr__(self, "modified", _frozen(self.modified))
        object.__setattr__(self, "differences", tuple(sorted(self.differences, key=lambda d: d.id)))
        object.__setattr__(self, "settings", dict(self.settings))
        object.__setattr__(self, "backends", dict(self.backends))
        for d in self.differences:
            if d.mask.shape != self.shape:
                raise InvalidInputError(
                    f"Difference {d.id}: mask shape {d.mask.shape} does not match the picture {self.shape}."
                )

    # --- views -------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of the working-size pictures."""
        return self.original.shape[:2]

    @property
    def width(self) -> int:
        return self.original.shape[1]

    @property
    def height(self) -> int:
        return self.original.shape[0]

    def __len__(self) -> int:
        return len(self.differences)

    def difference(self, difference_id: int) -> Difference:
        """The difference with this id (1..N)."""
        for d in self.differences:
            if d.id == difference_id:
                return d
        raise InvalidInputError(f"There is no difference {difference_id}; this puzzle has ids 1 to {len(self)}.")

    @cached_property
    def labels(self) -> np.ndarray:
        """(H, W) uint8 label map: 0 = unchanged, k = pixels of difference k."""
        labels = np.zeros(self.shape, dtype=np.uint8)
        for d in self.differences:
            labels[d.mask] = d.id
        labels.setflags(write=False)
        return labels

    @cached_property
    def _distance_and_nearest(self) -> tuple[np.ndarray, np.ndarray]:
        # Exact Euclidean distance (float64) from every pixel to the nearest answer pixel, and which answer
        # that is. OpenCV's labelled transform is a 5x5 chamfer approximation (off by up to ~0.6 px) in
        # float32, so clicks right at the tolerance came out on the wrong side.
        dist, (rows, cols) = ndimage.distance_transform_edt(self.labels == 0, return_indices=True)
        return dist, self.labels[rows, cols]

    def default_tolerance(self) -> float:
        """The click tolerance used when none is given: 1 % of the picture diagonal (at least 4 px)."""
        return max(4.0, 0.01 * float(np.hypot(*self.shape)))

    def hit_test(self, x: float, y: float, *, tolerance: float | None = None) -> Difference | None:
        """The difference at point ``(x, y)`` of the puzzle picture, or None.

        Parameters
        ----------
        x, y : float
            Working-size pixel coordinates (column, row).
        tolerance : float, optional
            A click at most this many pixels outside a region still counts as that region
            (default :meth:`default_tolerance`).
        """
        if tolerance is None:
            tolerance = self.default_tolerance()
        try:
            x, y = float(x), float(y)
        except OverflowError:  # a whole number too big for a float is far outside the picture
            return None
        if not (np.isfinite(x) and np.isfinite(y)) or not self.differences:
            return None
        col, row = int(np.floor(x)), int(np.floor(y))
        if not (0 <= row < self.height and 0 <= col < self.width):
            return None
        label = int(self.labels[row, col])
        if label == 0 and tolerance > 0:
            dist, nearest = self._distance_and_nearest
            if dist[row, col] <= tolerance:
                label = int(nearest[row, col])
        return self.difference(label) if label else None

    @property
    def weak_differences(self) -> tuple[Difference, ...]:
        """Differences that failed the naturalness gate (kept because the picture held too few natural ones)."""
        return tuple(d for d in self.differences if not d.natural)

    @property
    def warnings(self) -> list[str]:
        """Plain sentences about what a person should know before using this puzzle."""
        weak = self.weak_differences
        if not weak:
            return []
        ids = ", ".join(f"#{d.id} ({d.kind})" for d in weak)
        return [
            f"This picture holds only {len(self) - len(weak)} natural differences of the {len(self)} asked for: "
            f"{ids} may look edited; replace them or ask for fewer."
        ]

    def summary(self) -> str:
        """A few lines: size, settings, backends and one line per difference."""
        head = (
            f"Puzzle {self.width}x{self.height}, {len(self)} differences, "
            f"difficulty {self.settings.get('difficulty', '?')}, seed {self.seed}, "
            f"backends {self.backends.get('segmenter', '?')}/{self.backends.get('inpainter', '?')}"
        )
        return "\n".join([head, *(d.summary() for d in self.differences)])

    def draw_answers(
        self,
        *,
        image: np.ndarray | None = None,
        ids: set[int] | None = None,
        color: tuple[int, int, int] = (255, 0, 170),
        thickness: int | None = None,
        numbers: bool = True,
    ) -> np.ndarray:
        """Outline and number differences on a copy of a picture (default: the modified one).

        Parameters
        ----------
        image : (H, W, 3) uint8, optional
            The picture to draw on (not modified).
        ids : set of int, optional
            Only these differences (default: all).
        """
        canvas = np.array(self.modified if image is None else image, dtype=np.uint8, copy=True)
        thickness = thickness or max(2, round(min(self.shape) / 250))
        marks = [(d, color, d.id) for d in self.differences if ids is None or d.id in ids]
        draw_numbered_markers(canvas, marks, thickness=thickness, numbers=numbers)
        return canvas


def marker_circle(d: Difference, *, shape: tuple[int, int]) -> tuple[tuple[int, int], int]:
    """Centre and radius of a circle around a difference, for markers."""
    x, y, w, h = d.bbox
    cx, cy = x + w / 2.0, y + h / 2.0
    radius = int(np.ceil(np.hypot(w, h) / 2.0)) + max(4, round(min(shape) / 100))
    return (round(cx), round(cy)), radius


LABEL_FONT = cv2.FONT_HERSHEY_DUPLEX


def label_boxes(
    shape: tuple[int, int], circles: list[tuple[tuple[int, int], int]], texts: list[str], *, thickness: int
) -> list[tuple[int, int, int, int]]:
    """Where each circle's number goes on a picture of this (H, W): (x, y, w, h) boxes in pixels from
    :func:`spotdiff_core.labels.place_labels`, so no number lies on another circle or another number."""
    scale = max(0.5, min(shape) / 700)
    pad = max(2, thickness)
    sizes = []
    for text in texts:
        (tw, th), _ = cv2.getTextSize(text, LABEL_FONT, scale, max(1, thickness - 1))
        sizes.append((tw + 2 * pad, th + 2 * pad))
    # The white halo under each circle is 2 px wider than the circle's own stroke.
    label_circles = [LabelCircle(cx, cy, r, thickness + 2) for (cx, cy), r in circles]
    boxes = place_labels(label_circles, sizes, bounds=(0, 0, shape[1], shape[0]), gap=1.0)
    return [(math.floor(b.x), math.floor(b.y), w, h) for b, (w, h) in zip(boxes, sizes, strict=True)]


def draw_numbered_markers(
    canvas: np.ndarray,
    marks: list[tuple[Difference, tuple[int, int, int], int]],
    *,
    thickness: int,
    numbers: bool = True,
) -> None:
    """Circle each difference and number it on ``canvas`` (H, W, 3) uint8, in place.

    ``marks`` holds (difference, colour, number). Every circle is drawn first, then every number in a filled
    box placed by :func:`label_boxes`, so a later circle never covers an earlier number (the saved
    labels.png, the app's answer key and the Play board's marks all draw this way).
    """
    circles = [marker_circle(d, shape=canvas.shape[:2]) for d, _, _ in marks]
    for ((cx, cy), radius), (_, color, _) in zip(circles, marks, strict=True):
        cv2.circle(canvas, (cx, cy), radius, (255, 255, 255), thickness + 2, cv2.LINE_AA)
        cv2.circle(canvas, (cx, cy), radius, color, thickness, cv2.LINE_AA)
    if not numbers:
        return
    texts = [str(number) for _, _, number in marks]
    boxes = label_boxes(canvas.shape[:2], circles, texts, thickness=thickness)
    scale = max(0.5, min(canvas.shape[:2]) / 700)
    pad = max(2, thickness)
    for (x, y, w, h), (_, color, _), text in zip(boxes, marks, texts, strict=True):
        cv2.rectangle(canvas, (x, y), (x + w - 1, y + h - 1), color, -1)
        baseline_y = y + h - pad
        cv2.putText(
            canvas, text, (x + pad, baseline_y), LABEL_FONT, scale, (255, 255, 255), max(1, thickness - 1), cv2.LINE_AA
        )
