"""Guided creation: the thing under a point a person chose, protected areas, and how puzzle.json keeps them.

A person sees objects at once where the weights-free engine guesses. These helpers turn a click into
candidates for the pipeline (:meth:`Pipeline.add_difference`, ``generate(at=...)``) and clicks or a mask
into an area no difference may touch (``protect=``). They never edit pictures themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from . import limits
from .errors import InvalidInputError, PuzzleFormatError
from .regions import Candidate, propose_candidates
from .segmenters.base import Segment

PROTECT_RADIUS_FRACTION = 0.04  # a protecting click with no thing under it keeps a disk of 4 % of the diagonal
GRABCUT_WINDOW_FRACTION = 0.3  # the window GrabCut looks in around a point, as a share of the long side
GRABCUT_ITERATIONS = 4
REFINED_CANDIDATES = 2  # candidates under a point that GrabCut refines (each costs a few tens of ms)
MAX_RLE_RUNS = 200_000  # a stored protected area of more runs is not one a person drew


@dataclass(frozen=True)
class Pointed:
    """A point where a person asked for a difference, in working-size pixels, and the kind they chose."""

    x: int
    y: int
    kind: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"at": [self.x, self.y], "kind": self.kind}


def parse_point(point: Any, shape: tuple[int, int], *, what: str = "point") -> tuple[int, int]:
    """(x, y) as whole working-size pixels inside a picture of ``shape`` (H, W); one clear sentence otherwise."""
    try:
        x, y = point
        x, y = float(x), float(y)
    except (TypeError, ValueError):
        raise InvalidInputError(f"A {what} must be two numbers (x, y) in picture pixels, not {point!r}.") from None
    height, width = shape
    if not (np.isfinite(x) and np.isfinite(y) and 0 <= x < width and 0 <= y < height):
        raise InvalidInputError(
            f"The {what} ({x:g}, {y:g}) is outside the picture, which is {width} x {height} pixels."
        )
    return int(x), int(y)


def parse_pointed(item: Any, shape: tuple[int, int]) -> Pointed:
    """A :class:`Pointed` from ``(x, y)``, ``(x, y, kind)`` or a Pointed; the kind must be one we make."""
    if isinstance(item, Pointed):
        item = (item.x, item.y, item.kind)
    kind = None
    if isinstance(item, (tuple, list)) and len(item) == 3:
        *item, kind = item
    if kind is not None and kind not in limits.KINDS:
        raise InvalidInputError(f"Unknown kind of change {kind!r}; choose from {', '.join(limits.KINDS)}.")
    x, y = parse_point(item, shape)
    return Pointed(x, y, kind)


def _contains(cand: Candidate, x: int, y: int) -> bool:
    bx, by, bw, bh = cand.segment.bbox
    return bx <= x < bx + bw and by <= y < by + bh and bool(cand.segment.local_mask[y - by, x - bx])


def _distance(cand: Candidate, x: int, y: int, reach: int) -> float | None:
    """Pixels from (x, y) to the nearest pixel of the candidate, if within ``reach`` (else None)."""
    bx, by, bw, bh = cand.segment.bbox
    x0, y0 = max(bx, x - reach), max(by, y - reach)
    x1, y1 = min(bx + bw, x + reach + 1), min(by + bh, y + reach + 1)
    if x0 >= x1 or y0 >= y1:
        return None
    ys, xs = np.nonzero(cand.segment.local_mask[y0 - by : y1 - by, x0 - bx : x1 - bx])
    if len(xs) == 0:
        return None
    nearest = float(np.hypot(xs + x0 - x, ys + y0 - y).min())
    return nearest if nearest <= reach else None


def _within(inner: Candidate, outer: Candidate, share: float = 0.9) -> bool:
    """Whether most of ``inner`` lies inside ``outer``."""
    ix, iy, iw, ih = inner.segment.bbox
    ox, oy, ow, oh = outer.segment.bbox
    if ix < ox or iy < oy or ix + iw > ox + ow or iy + ih > oy + oh:
        return False
    part = outer.segment.local_mask[iy - oy : iy - oy + ih, ix - ox : ix - ox + iw]
    return bool((part & inner.segment.local_mask).sum() >= share * inner.segment.area)


def click_tolerance(shape: tuple[int, int]) -> int:
    """How far (working pixels) a point may miss a thing and still mean it: the Play page's rule for clicks."""
    return int(max(4.0, 0.01 * float(np.hypot(*shape))))


def grabcut_segment(image: np.ndarray, x: int, y: int, seed: Segment | None = None) -> Segment | None:
    """The region GrabCut grows from a point: sure foreground at the point, probable foreground over
    ``seed`` (a candidate under the point, which it refines) or a small disk, sure background at the edge of
    a window around them, everything else to be decided; the connected part holding the point, holes filled."""
    height, width = image.shape[:2]
    half = max(24, int(GRABCUT_WINDOW_FRACTION * max(height, width) / 2))
    if seed is not None:
        sx, sy, sw, sh = seed.bbox
        reach = max(sw, sh) // 2 + max(12, max(sw, sh) // 3)
        x0, y0 = max(0, min(x - half, sx + sw // 2 - reach)), max(0, min(y - half, sy + sh // 2 - reach))
        x1, y1 = min(width, max(x + half, sx + sw // 2 + reach)), min(height, max(y + half, sy + sh // 2 + reach))
    else:
        x0, y0, x1, y1 = max(0, x - half), max(0, y - half), min(width, x + half), min(height, y + half)
    crop = np.ascontiguousarray(image[y0:y1, x0:x1, ::-1])
    mask = np.full(crop.shape[:2], cv2.GC_PR_BGD, np.uint8)
    seed_radius = max(2, half // 12)
    if seed is not None:
        sx, sy, sw, sh = seed.bbox
        mask[sy - y0 : sy - y0 + sh, sx - x0 : sx - x0 + sw][seed.local_mask] = cv2.GC_PR_FGD
    else:
        cv2.circle(mask, (x - x0, y - y0), seed_radius * 2, int(cv2.GC_PR_FGD), -1)
    cv2.circle(mask, (x - x0, y - y0), seed_radius, int(cv2.GC_FGD), -1)
    edge = np.zeros_like(mask, bool)
    edge[[0, -1], :] = edge[:, [0, -1]] = True
    mask[edge] = cv2.GC_BGD
    background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(crop, mask, None, background, foreground, GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK)
    except cv2.error:
        return None
    found = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    _, labels = cv2.connectedComponents(found, connectivity=8)
    label = labels[y - y0, x - x0]
    if label == 0:
        return None
    part = (labels == label).astype(np.uint8)
    contours, _ = cv2.findContours(part, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(part, contours, -1, 1, thickness=cv2.FILLED)
    full = np.zeros((height, width), bool)
    full[y0:y1, x0:x1] = part.astype(bool)
    return Segment.from_mask(full)


def things_at(analysis, image: np.ndarray, x: int, y: int) -> list[Candidate]:
    """The things a click at (x, y) may mean, the most specific first.

    The analysis' candidates that hold the point (whole things before parts of the fallback tier, then the
    smallest first: a click on a car's wheel means the wheel), then those within the click tolerance of it
    (nearest first: a finger on a phone, a thin thing), then GrabCut's refinements of the first candidates
    under it (or, when there is none, the region GrabCut grows from the point alone) that pass the same
    filters as every candidate (not skin, not a fragment of a flat area, not cut by the border, not a sliver).
    """
    under = sorted(
        (c for c in analysis.candidates if _contains(c, x, y)), key=lambda c: (not c.is_object, c.segment.area)
    )
    reach = click_tolerance(image.shape[:2])
    near = []
    for cand in analysis.candidates:
        if not _contains(cand, x, y) and (distance := _distance(cand, x, y, reach)) is not None:
            near.append((not cand.is_object, distance, cand.segment.area, len(near), cand))
    nearby = []
    for cand in (item[-1] for item in sorted(near)):
        # With each thing near the point, the things inside it (a drawn thing's fill within its outline).
        inner = [c for c in analysis.candidates if c is not cand and _within(c, cand)]
        for thing in [cand, *sorted(inner, key=lambda c: (not c.is_object, c.segment.area))]:
            if all(thing is not other for other in [*under, *nearby]):
                nearby.append(thing)
    seeds = [c.segment for c in under[:REFINED_CANDIDATES]] or [None]
    segments = [s for s in (grabcut_segment(image, x, y, seed) for seed in seeds) if s is not None]
    refined = []
    if segments:
        grown = propose_candidates(
            segments,
            lab=analysis.lab,
            saliency_map=analysis.saliency,
            gradient=analysis.gradient,
            lab_smooth=analysis.lab_smooth,
            edges_near=analysis.edges_near,
            protected=analysis.protected,
        )
        refined = sorted((c for c in grown if _contains(c, x, y)), key=lambda c: (not c.is_object, c.segment.area))
    return under + nearby + refined


def protect_mask(analysis, shape: tuple[int, int], protect: Any) -> np.ndarray:
    """(H, W) bool: what ``protect`` asks to keep untouched.

    ``protect`` is None, an (H, W) bool mask, or a sequence of (x, y) points: each point keeps the largest
    thing under it (a click on a person's shirt keeps the whole shirt) and a disk around it.
    """
    height, width = shape
    if protect is None:
        return np.zeros(shape, bool)
    if isinstance(protect, np.ndarray) and protect.ndim == 2:
        if protect.shape != tuple(shape):
            raise InvalidInputError(
                f"A protected-area mask must be the working picture's size {width} x {height}, "
                f"not {protect.shape[1]} x {protect.shape[0]}."
            )
        return protect.astype(bool)
    if isinstance(protect, (str, bytes)) or not isinstance(protect, Iterable):
        raise InvalidInputError(f"protect must be a list of (x, y) points or a mask, not {type(protect).__name__}.")
    mask = np.zeros(shape, bool)
    radius = max(4, int(PROTECT_RADIUS_FRACTION * np.hypot(height, width)))
    for point in protect:
        x, y = parse_point(point, shape, what="protected point")
        under = [c for c in analysis.candidates if _contains(c, x, y)]
        if under:
            largest = max(under, key=lambda c: c.segment.area)
            bx, by, bw, bh = largest.segment.bbox
            mask[by : by + bh, bx : bx + bw] |= largest.segment.local_mask
        cv2.circle(mask.view(np.uint8), (x, y), radius, 1, -1)
    return mask


# --- puzzle.json --------------------------------------------------------------------------------------
def encode_mask(mask: np.ndarray) -> dict[str, Any]:
    """A bool mask as row-major run lengths, starting with a run of False (possibly 0 long)."""
    flat = mask.ravel().astype(np.int8)
    changes = np.flatnonzero(np.diff(flat)) + 1
    runs = np.diff(np.concatenate([[0], changes, [flat.size]]))
    if flat.size and flat[0]:
        runs = np.concatenate([[0], runs])
    return {"shape": [int(mask.shape[0]), int(mask.shape[1])], "runs": [int(r) for r in runs]}


def decode_mask(stored: Any, shape: tuple[int, int]) -> np.ndarray:
    """The inverse of :func:`encode_mask`, checked: a bad record is one clear sentence, never a crash."""
    problem = "the protected area in puzzle.json is damaged"
    if not isinstance(stored, Mapping):
        raise PuzzleFormatError(f"{problem}: it is not a record of shape and runs.")
    if stored.get("shape") != [shape[0], shape[1]]:
        raise PuzzleFormatError(f"{problem}: its size does not match the pictures.")
    runs = stored.get("runs")
    if (
        not isinstance(runs, list)
        or len(runs) > MAX_RLE_RUNS
        or not all(isinstance(r, int) and not isinstance(r, bool) and r >= 0 for r in runs)
        or sum(runs) != shape[0] * shape[1]
    ):
        raise PuzzleFormatError(f"{problem}: its runs do not cover the picture exactly.")
    values = np.arange(len(runs)) % 2 == 1
    return np.repeat(values, runs).reshape(shape)


def stored_protection(settings: Mapping[str, Any], shape: tuple[int, int]) -> np.ndarray | None:
    """The protected area a puzzle records (None if it has none)."""
    stored = settings.get("protected")
    return None if stored is None else decode_mask(stored, shape)


def stored_pointed(settings: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The pointed differences a puzzle records: [{"id", "at", "kind"}], only well-formed entries."""
    pointed = settings.get("pointed")
    if not isinstance(pointed, Sequence) or isinstance(pointed, (str, bytes)):
        return []
    return [p for p in pointed if isinstance(p, Mapping) and isinstance(p.get("id"), int)]


GUIDED_KEYS = ("protected", "pointed")  # kept in Puzzle.settings; puzzle.json has them under "guided"


def split_guided(settings: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the plain settings, the guided-creation records) of a puzzle's settings."""
    plain = {k: v for k, v in settings.items() if k not in GUIDED_KEYS}
    guided = {k: settings[k] for k in GUIDED_KEYS if k in settings}
    return plain, guided


def check_guided(value: Any, shape: tuple[int, int]) -> dict[str, Any]:
    """The "guided" record of a puzzle.json, checked (a shared file may carry anything); {} when absent."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or set(value) - set(GUIDED_KEYS):
        raise PuzzleFormatError('puzzle.json: "guided" must be an object with "protected" and "pointed" only.')
    checked: dict[str, Any] = {}
    if "protected" in value:
        decode_mask(value["protected"], shape)
        checked["protected"] = {"shape": list(value["protected"]["shape"]), "runs": list(value["protected"]["runs"])}
    if "pointed" in value:
        pointed = value["pointed"]
        if not isinstance(pointed, list) or len(pointed) > limits.MAX_DIFFERENCES:
            raise PuzzleFormatError(f"puzzle.json: guided.pointed must be a list of at most {limits.MAX_DIFFERENCES}.")
        entries = []
        for entry in pointed:
            ok = isinstance(entry, Mapping) and set(entry) == {"id", "at", "kind"}
            at = entry.get("at") if ok else None
            ok = (
                ok
                and isinstance(entry["id"], int)
                and not isinstance(entry["id"], bool)
                and 1 <= entry["id"] <= limits.MAX_DIFFERENCES
                and isinstance(at, list)
                and len(at) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in at)
                and 0 <= at[0] < shape[1]
                and 0 <= at[1] < shape[0]
                and (entry["kind"] is None or entry["kind"] in limits.KINDS)
            )
            if not ok:
                raise PuzzleFormatError(
                    'puzzle.json: each guided.pointed entry must be {"id", "at": [x, y] inside the picture, "kind"}.'
                )
            entries.append({"id": entry["id"], "at": list(at), "kind": entry["kind"]})
        checked["pointed"] = entries
    return checked
