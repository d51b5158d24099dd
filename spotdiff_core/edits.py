"""The kinds of change: remove, recolor, duplicate, resize, flip. Each returns the exact pixels it changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from . import limits
from .color import lab_to_rgb, rgb_to_lab
from .inpainters.base import Inpainter
from .regions import Candidate


@dataclass(frozen=True)
class Strength:
    """How strong and how large the changes of one difficulty are."""

    hue_rotation: tuple[float, float]  # degrees, for recolor: the least and the most
    target_delta_e: float  # recolor and duplicate placement aim at this mean dE
    grow: float  # resize factors
    shrink: float
    preferred_area: tuple[float, float]  # candidate area fractions tried first
    busy_preference: float  # duplicate placement: >0 seeks busy surroundings, <0 plain ones
    contrast_range: tuple[float, float]  # accepted mean dE of a change (on top of the visibility floor)


STRENGTHS = {
    "easy": Strength(
        hue_rotation=(110, 180),
        target_delta_e=40.0,
        grow=1.5,
        shrink=0.6,
        preferred_area=(0.006, 0.055),
        busy_preference=-2.0,
        contrast_range=(16.0, float("inf")),
    ),
    "normal": Strength(
        hue_rotation=(50, 120),
        target_delta_e=25.0,
        grow=1.35,
        shrink=0.7,
        preferred_area=(0.002, 0.03),
        busy_preference=-1.5,
        contrast_range=(0.0, float("inf")),
    ),
    "hard": Strength(
        hue_rotation=(25, 70),
        target_delta_e=15.0,
        grow=1.22,
        shrink=0.78,
        preferred_area=(0.0012, 0.008),
        busy_preference=0.2,
        contrast_range=(0.0, float("inf")),
    ),
}


RESERVED_PENALTY = 50.0


@dataclass
class EditContext:
    """What an edit may look at: the current picture, randomness, the inpainter and the free space."""

    image: np.ndarray  # (H, W, 3) uint8, the modified picture so far (not changed by edits)
    lab: np.ndarray  # (H, W, 3) float32, its Lab
    gradient: np.ndarray  # (H, W) float32, gradient magnitude of L
    blocked: np.ndarray  # (H, W) bool, where a new answer may not reach (other answers plus spacing)
    spacing: int  # pixels between answers
    rng: np.random.Generator
    inpainter: Inpainter
    strength: Strength
    print_safe: bool
    reserved: np.ndarray | None = None  # (H, W) bool, objects still waiting to be changed: copies avoid them


@dataclass(frozen=True, eq=False)
class EditResult:
    """A picture with one change applied, and the (H, W) bool mask of every pixel it may have changed."""

    image: np.ndarray
    mask: np.ndarray


# --- small helpers -----------------------------------------------------------------


def _disk(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def _grow(mask: np.ndarray, radius: int) -> np.ndarray:
    return cv2.dilate(mask.astype(np.uint8), _disk(radius)).astype(bool) if radius > 0 else mask.copy()


def _halo(area: int) -> int:
    """How far past an object's mask its removal reaches (anti-aliased edges, soft shadows)."""
    # One pixel more than the anti-aliased edge, so no trace of the object is left to be copied back in.
    return int(max(3, round(0.06 * np.sqrt(area)))) + 1


def _soft_alpha(local: np.ndarray) -> np.ndarray:
    """A feathered alpha (float32 0..1) for pasting an object cut-out; it reaches 1 px past the mask."""
    padded = np.pad(local.astype(np.float32), 2)
    return cv2.GaussianBlur(padded, (0, 0), 0.7)


def _paste(base: np.ndarray, rgb: np.ndarray, alpha: np.ndarray, x: int, y: int) -> tuple[np.ndarray, np.ndarray]:
    """Alpha-blend ``rgb`` (h, w, 3) onto a copy of ``base`` at top-left (x, y); returns (image, footprint)."""
    h, w = alpha.shape
    out = base.copy()
    footprint = np.zeros(base.shape[:2], bool)
    local_fp = alpha > 1.0 / 255.0
    region = out[y : y + h, x : x + w].astype(np.float32)
    a = alpha[..., None]
    blended = np.rint(region * (1.0 - a) + rgb.astype(np.float32) * a).astype(np.uint8)
    out[y : y + h, x : x + w][local_fp] = blended[local_fp]
    footprint[y : y + h, x : x + w] = local_fp
    return out, footprint


def _cutout(image: np.ndarray, cand: Candidate) -> tuple[np.ndarray, np.ndarray]:
    """The object's pixels (h+4, w+4, 3) and feathered alpha (h+4, w+4), padded by 2 px."""
    x, y, w, h = cand.segment.bbox
    alpha = _soft_alpha(cand.segment.local_mask)
    padded = cv2.copyMakeBorder(image, 2, 2, 2, 2, cv2.BORDER_REFLECT)
    return padded[y : y + h + 4, x : x + w + 4].copy(), alpha


def _remove_object(ctx: EditContext, mask: np.ndarray, area: int) -> tuple[np.ndarray, np.ndarray] | None:
    hole = _grow(mask, _halo(area))
    if (hole & ctx.blocked).any():
        return None
    seed = int(ctx.rng.integers(0, 2**31 - 1))
    return ctx.inpainter.inpaint(ctx.image, hole, seed=seed), hole


# --- the kinds -----------------------------------------------------------------------


def remove(cand: Candidate, ctx: EditContext) -> EditResult | None:
    """Remove the object and fill the hole with the surrounding texture."""
    if cand.ring_contrast < limits.CHANGED_PIXEL_DELTA_E:
        return None  # the object barely differs from its surroundings: removing it would not show
    removed = _remove_object(ctx, cand.full_mask(ctx.image.shape[:2]), cand.segment.area)
    return None if removed is None else EditResult(*removed)


def recolor(cand: Candidate, ctx: EditContext) -> EditResult | None:
    """Change the object's colour: rotate its hue, or tint and lighten/darken it if it is grey, white or black."""
    mask = cand.full_mask(ctx.image.shape[:2])
    if (mask & ctx.blocked).any():
        return None
    x, y, w, h = cand.segment.bbox
    local = cand.segment.local_mask
    lab = ctx.lab[y : y + h, x : x + w].copy()
    inside = lab[local]
    chroma = float(np.hypot(inside[:, 1], inside[:, 2]).mean())
    lightness = float(inside[:, 0].mean())
    target = ctx.strength.target_delta_e
    # Rotate the hue just enough to reach the target difference (2 C sin(theta / 2) = target), within the range.
    needed = np.rad2deg(2 * np.arcsin(min(1.0, target / (2 * chroma)))) if chroma > 0 else 180.0
    least, most = ctx.strength.hue_rotation
    degrees = float(np.clip(needed * ctx.rng.uniform(1.0, 1.25), least, most))
    theta = np.deg2rad(degrees * ctx.rng.choice([-1.0, 1.0]))
    tint_angle = ctx.rng.uniform(0, 2 * np.pi)
    towards_middle = -1.0 if lightness > 55 else 1.0
    # Feather only the outermost pixel so the edge does not look cut out.
    dist = cv2.distanceTransform(np.pad(local, 1).astype(np.uint8), cv2.DIST_L2, 3)[1:-1, 1:-1]
    alpha = np.clip(dist / 1.5, 0.0, 1.0)[..., None]
    out_rgb = None
    for gain in (1.0, 1.6, 2.5):
        new = lab.copy()
        a, b = lab[..., 1], lab[..., 2]
        if chroma >= 12.0:
            scale = 1.0 if gain == 1.0 else gain * 0.8
            new[..., 1] = (a * np.cos(theta) - b * np.sin(theta)) * scale
            new[..., 2] = (a * np.sin(theta) + b * np.cos(theta)) * scale
            d_l = 0.0 if gain == 1.0 else towards_middle * 0.3 * target * gain
        else:
            tint = 0.85 * target * gain
            new[..., 1] = a + tint * np.cos(tint_angle)
            new[..., 2] = b + tint * np.sin(tint_angle)
            extreme = lightness > 85 or lightness < 20
            d_l = towards_middle * (0.5 if extreme else 0.25) * target * gain
        if ctx.print_safe:
            d_l = towards_middle * max(abs(d_l), 14.0 * gain)
        new[..., 0] = np.clip(lab[..., 0] + d_l, 0, 100)
        blended = lab * (1 - alpha) + new * alpha
        out_rgb = lab_to_rgb(blended)
        achieved = rgb_to_lab(out_rgb)[local] - inside
        mean_de = float(np.linalg.norm(achieved, axis=1).mean())
        mean_dl = float(np.abs(achieved[:, 0]).mean())
        if mean_de >= 0.9 * target and (not ctx.print_safe or mean_dl >= limits.MIN_PRINT_SAFE_DELTA_L + 2):
            break
    out = ctx.image.copy()
    out[y : y + h, x : x + w][local] = out_rgb[local]
    return EditResult(out, mask)


def duplicate(cand: Candidate, ctx: EditContext) -> EditResult | None:
    """Copy the object to a free, plain spot where it stands out, with a feathered edge."""
    rgb, alpha = _cutout(ctx.image, cand)
    oh, ow = alpha.shape
    H, W = ctx.image.shape[:2]
    if ow + 8 >= W or oh + 8 >= H:
        return None
    source = _grow(cand.full_mask((H, W)), ctx.spacing)
    forbidden = ctx.blocked | source
    obj_lab = rgb_to_lab(rgb)
    footprint_local = alpha > 1.0 / 255.0
    weights = alpha[footprint_local]
    best, best_score = None, -np.inf
    for _ in range(60):
        px = int(ctx.rng.integers(4, W - ow - 4))
        py = int(ctx.rng.integers(4, H - oh - 4))
        if forbidden[py : py + oh, px : px + ow][footprint_local].any():
            continue
        under = ctx.lab[py : py + oh, px : px + ow][footprint_local]
        contrast = float((np.linalg.norm(obj_lab[footprint_local] - under, axis=1) * weights).sum() / weights.sum())
        if contrast < limits.MIN_CONTRAST_DELTA_E + 3:
            continue
        # Busyness of the spot and a margin around it: a copy should not land on top of another object.
        busy = float(ctx.gradient[max(0, py - 6) : py + oh + 6, max(0, px - 6) : px + ow + 6].mean())
        # Strong and on a plain spot for easy puzzles; near the target and in busier places for hard ones.
        target = ctx.strength.target_delta_e
        too_weak = max(0.0, target - contrast)
        too_strong = max(0.0, contrast - 2.5 * target) if ctx.strength.busy_preference > 0 else 0.0
        score = -0.5 * (too_weak + too_strong) + ctx.strength.busy_preference * busy
        if ctx.reserved is not None and ctx.reserved[py : py + oh, px : px + ow][footprint_local].any():
            score -= RESERVED_PENALTY  # covering an object that could become another difference
        if score > best_score:
            best, best_score = (px, py), score
    if best is None:
        return None
    out, footprint = _paste(ctx.image, rgb, alpha, *best)
    return EditResult(out, footprint)


def resize(cand: Candidate, ctx: EditContext) -> EditResult | None:
    """Grow or shrink the object about its centre; the uncovered background is filled."""
    H, W = ctx.image.shape[:2]
    grow = ctx.rng.random() < 0.5
    if cand.area_fraction * ctx.strength.grow**2 > 0.6 * limits.MAX_REGION_FRACTION:
        grow = False
    factor = ctx.strength.grow if grow else ctx.strength.shrink
    x, y, w, h = cand.segment.bbox
    nw, nh = max(3, round(w * factor)), max(3, round(h * factor))
    cx, cy = x + w / 2.0, y + h / 2.0
    nx, ny = round(cx - nw / 2.0) - 2, round(cy - nh / 2.0) - 2
    if nx < 0 or ny < 0 or nx + nw + 4 > W or ny + nh + 4 > H:
        return None
    crop = ctx.image[y : y + h, x : x + w]
    interp = cv2.INTER_CUBIC if grow else cv2.INTER_AREA
    scaled_rgb = cv2.resize(crop, (nw, nh), interpolation=interp)
    scaled_mask = cv2.resize(cand.segment.local_mask.astype(np.float32), (nw, nh), interpolation=cv2.INTER_LINEAR) > 0.5
    removed = _remove_object(ctx, cand.full_mask((H, W)), cand.segment.area)
    if removed is None:
        return None
    background, hole = removed
    rgb = cv2.copyMakeBorder(scaled_rgb, 2, 2, 2, 2, cv2.BORDER_REPLICATE)
    out, footprint = _paste(background, rgb, _soft_alpha(scaled_mask), nx, ny)
    answer = hole | footprint
    if (answer & ctx.blocked).any():
        return None
    return EditResult(out, answer)


def flip(cand: Candidate, ctx: EditContext) -> EditResult | None:
    """Mirror the object in place (left-right, else upside down); refused if it looks the same mirrored."""
    H, W = ctx.image.shape[:2]
    x, y, w, h = cand.segment.bbox
    local = cand.segment.local_mask
    crop_lab = ctx.lab[y : y + h, x : x + w]
    for axis in (1, 0):
        mirrored = np.flip(local, axis=axis)
        both = local & mirrored
        changed_shape = float((local ^ mirrored).sum() / local.sum())
        de_overlap = (
            float(np.linalg.norm(crop_lab - np.flip(crop_lab, axis=axis), axis=-1)[both].mean()) if both.any() else 0.0
        )
        if de_overlap < 8.0 and changed_shape < 0.15:
            continue  # symmetric along this axis: the flip would look unchanged
        removed = _remove_object(ctx, cand.full_mask((H, W)), cand.segment.area)
        if removed is None:
            return None
        background, hole = removed
        rgb, _ = _cutout(ctx.image, cand)
        out, footprint = _paste(background, np.flip(rgb, axis=axis), _soft_alpha(mirrored), x - 2, y - 2)
        return EditResult(out, hole | footprint)
    return None


EDITS: dict[str, Callable[[Candidate, EditContext], EditResult | None]] = {
    "remove": remove,
    "recolor": recolor,
    "duplicate": duplicate,
    "resize": resize,
    "flip": flip,
}
