"""Where to put the number of each answer circle so that no number is hidden by another circle or number.

Pure geometry, in any unit (pixels on a picture, millimetres on a page): the PDF answer key and the app's
answer key and Play board marks draw their numbers where :func:`place_labels` says.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import InvalidInputError

# Directions tried around a circle, best first: top right (where a reader looks for a number), then the
# other diagonals, then the sides; y grows downwards as on a picture or a PDF page in mm from the top.
_ANGLES_DEG = (-45, -135, 45, 135, -90, 0, 90, 180, -67.5, -22.5, -112.5, -157.5, 22.5, 67.5, 112.5, 157.5)
_MAX_RINGS = 64


@dataclass(frozen=True)
class LabelCircle:
    """A circle drawn around an answer: centre, radius and the stroke width of its outline."""

    cx: float
    cy: float
    r: float
    stroke: float = 0.0


@dataclass(frozen=True)
class LabelBox:
    """A label's rectangle: top-left corner (x, y), width and height."""

    x: float
    y: float
    w: float
    h: float

    @property
    def center(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2

    def overlaps(self, other: LabelBox) -> bool:
        """Whether the two rectangles share any area (touching edges do not count)."""
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )

    def distances_to(self, x: float, y: float) -> tuple[float, float]:
        """(nearest, farthest) distance from the point (x, y) to the rectangle (nearest is 0 inside it)."""
        dx = max(self.x - x, 0.0, x - (self.x + self.w))
        dy = max(self.y - y, 0.0, y - (self.y + self.h))
        far_x = max(abs(self.x - x), abs(self.x + self.w - x))
        far_y = max(abs(self.y - y), abs(self.y + self.h - y))
        return math.hypot(dx, dy), math.hypot(far_x, far_y)

    def touches_outline(self, circle: LabelCircle) -> bool:
        """Whether the rectangle covers any part of the circle's drawn outline (its stroke included)."""
        near, far = self.distances_to(circle.cx, circle.cy)
        half = circle.stroke / 2
        return near <= circle.r + half and far >= circle.r - half

    def inside_disk(self, circle: LabelCircle) -> bool:
        """Whether the rectangle reaches into the circle's disk."""
        near, _ = self.distances_to(circle.cx, circle.cy)
        return near < circle.r


def _candidate(circle: LabelCircle, w: float, h: float, angle: float, distance: float) -> tuple[float, float]:
    """Top-left corner of a w x h box beyond the circle in direction ``angle``, at least ``distance`` from its
    outline: the box's nearest projection on that direction is exactly r + stroke/2 + distance."""
    ux, uy = math.cos(angle), math.sin(angle)
    reach = circle.r + circle.stroke / 2 + distance + (w / 2) * abs(ux) + (h / 2) * abs(uy)
    return circle.cx + ux * reach - w / 2, circle.cy + uy * reach - h / 2


def place_labels(
    circles: Sequence[LabelCircle],
    sizes: Sequence[tuple[float, float]],
    *,
    bounds: tuple[float, float, float, float],
    gap: float = 1.0,
) -> list[LabelBox]:
    """A box for the label of each circle, next to its circle and clear of every other circle and label.

    Each label is placed just outside its own circle, top right when that is free, otherwise in the
    nearest free direction, then further out ring by ring. A place is free when the box stays inside
    ``bounds``, overlaps no label already placed and covers no other circle's outline; places inside another
    circle's disk are used only when nothing else is free. When no free place exists at all (a crowded,
    small picture) the label goes where it collides least.

    Parameters
    ----------
    circles : sequence of LabelCircle
        The circles, in drawing order; label ``i`` belongs to circle ``i``.
    sizes : sequence of (width, height)
        Each label's size, in the circles' unit.
    bounds : (x0, y0, x1, y1)
        The area labels must stay inside (the picture).
    gap : float
        Space between a label and its own circle's outline.

    Returns
    -------
    list of LabelBox
        One box per circle, in the same order.
    """
    if len(circles) != len(sizes):
        raise InvalidInputError(f"Give one label size per circle: {len(sizes)} sizes for {len(circles)} circles.")
    x0, y0, x1, y1 = bounds
    placed: list[LabelBox] = []
    for index, (circle, (w, h)) in enumerate(zip(circles, sizes, strict=True)):
        others = [c for j, c in enumerate(circles) if j != index]
        step = max(w, h, 1e-9) * 0.75
        best: tuple[tuple[int, int, int], LabelBox] | None = None
        for ring in range(_MAX_RINGS):
            distance = gap + ring * step
            if ring and distance > max(x1 - x0, y1 - y0):
                break
            for order, degrees in enumerate(_ANGLES_DEG):
                x, y = _candidate(circle, w, h, math.radians(degrees), distance)
                # Pushed back inside the picture: then it may land on its own circle, which counts as a clash.
                x = min(max(x, x0), max(x0, x1 - w))
                y = min(max(y, y0), max(y0, y1 - h))
                box = LabelBox(x, y, w, h)
                hard = sum(box.overlaps(p) for p in placed) + sum(box.touches_outline(c) for c in others)
                hard += box.touches_outline(circle)
                soft = sum(box.inside_disk(c) for c in others)
                cost = (hard, soft, ring * len(_ANGLES_DEG) + order)
                if best is None or cost < best[0]:
                    best = (cost, box)
            if best is not None and best[0][:2] == (0, 0):
                break
        placed.append(best[1])  # type: ignore[index]  # ring 0 always runs
    return placed
