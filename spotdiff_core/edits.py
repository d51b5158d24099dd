"""The kinds of change: remove, recolor, duplicate, resize, flip, each with its own rules of plausibility.

Each returns the exact pixels it changed and the naturalness scores that apply to it (see naturalness.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import cv2
import numpy as np

from . import limits
from .clone import clone_fill
from .color import hue_turn, lab_to_rgb, rgb_to_lab
from .horizon import crossing_fill, find_crossing
from .inpainters.base import Inpainter
from .membrane import has_grain, membrane_fill, smooth_parts
from .naturalness import (
    CONTINUE_DEPTH,
    HARD_LIMITS,
    LIMITS,
    attached,
    cut_lines,
    dangling,
    fill_holes,
    fill_scores,
    grow,
    ring_of,
    seam,
    window_around,
)
from .objectness import EDGE_REACH, PURE_DELTA_E, foliage_share, picture_edges, ring_radius, skin_share
from .regions import Candidate


@dataclass(frozen=True)
class Strength:
    """How strong and how large the changes of one difficulty are."""

    # degrees, for recolor: the least and the most (review H: turns of 110-180 degrees on easy gave a pink sun
    # and a magenta headstock; a thing painted another plausible colour needs less)
    hue_rotation: tuple[float, float]
    target_delta_e: float  # recolor and duplicate placement aim at this mean dE
    grow: float  # resize factors
    shrink: float
    preferred_area: tuple[float, float]  # candidate area fractions tried first
    contrast_range: tuple[float, float]  # accepted mean dE of a change (on top of the visibility floor)
    area_range: tuple[float, float] = (0.0, 1.0)  # accepted answer area (share of the picture) of a change


STRENGTHS = {
    "easy": Strength(
        hue_rotation=(60, 110),
        target_delta_e=40.0,
        grow=1.5,
        shrink=0.6,
        preferred_area=(0.006, 0.055),
        contrast_range=(16.0, float("inf")),
        area_range=(0.004, 1.0),
    ),
    "normal": Strength(
        hue_rotation=(45, 90),
        target_delta_e=25.0,
        grow=1.35,
        shrink=0.7,
        preferred_area=(0.002, 0.03),
        contrast_range=(0.0, float("inf")),
        area_range=(0.0, 0.02),
    ),
    "hard": Strength(
        hue_rotation=(25, 60),
        target_delta_e=15.0,
        grow=1.22,
        shrink=0.78,
        preferred_area=(0.0012, 0.008),
        contrast_range=(0.0, 35.0),  # quiet: a change that shouts is not hard, however small
        area_range=(0.0, 0.005),
    ),
}


# --- the rules of plausibility (thresholds on the object cues; docs/QUALITY.md) ---------------------
MIN_PLAIN_RING = 0.7  # ring purity: a surround this uniform can be continued by a fill, or receive a copy
MIN_REMOVE_RING = 0.55  # a fill copies only from the pure part of the ring: it needs this much of it
MIN_DETACHED_CLOSED = 0.75  # outline share with a clear step: a thing that can be lifted off its surround
MAX_UNIFORM_SPREAD = 11.0  # dE inside: one material, so a new colour looks painted, not pasted
MAX_UNIFORM_TEXTURE = 3.5  # mean L gradient inside: fur, foliage, print and fabric patterns are busier
MAX_DUPLICATE_FRACTION = 0.03  # a copy of anything larger takes over the picture
MAX_TEXT_EDGES = 0.45  # share of an object's pixels near edges above which it may carry text or a pattern
MIN_SOURCE_SHARE = 0.4  # a fill needs this share of its ring free of other things to copy from
RESERVED_PENALTY = 50.0  # duplicate placement: covering an object that could become another difference
PLACEMENT_TRIES = 80
MAX_EXTRA_HALO = 8  # px a hole may reach past its halo to take a thing's outline stroke or shadow with it
PAINT_DELTA_E = 5.0  # dE between two parts of a drawing's ring that are the same paint
MIN_PAINT_SHARE = 0.5  # a membrane fill needs this share of its source to be that one paint
CRUMB_SHARE = 0.1  # bits beside a removed thing up to this share of its area are painted over with it
CLIP_MARGIN = 6  # px around a cut-out where pieces of its neighbours are looked for
CLIP_DELTA_E = 15.0  # dE from the surround's median that makes a pixel part of some thing
KIN_DELTA_E = 12.0  # kin of a thing (see kin): another thing this close in mean colour ...
KIN_AREA_RATIO = 2.5  # ... within this factor in size ...
KIN_ASPECT_RATIO = 1.6  # ... and of a like shape (box aspect within this factor, extent within KIN_EXTENT)
KIN_EXTENT = 0.2
KIN_MIN_CONTRAST = 12.0  # ... that stands out from its own surround by this dE (the sphinx's flank is no
# kin of the small pyramid above it: it is a piece of the sphinx)
KIN_RING = 4  # px: the surround a thing is told apart from (its box grown by this much, less the thing)
ROW_AREA_RATIO = 3.5  # kin in a row may differ more in size: the segmenter cuts alike things differently
# (review M: the street's one hub cap was removed; the other wheel's came out 2.7 times its size)
ROW_TOLERANCE = 0.3  # kin whose centre is this share of the thing's height (width) level with it form a row
CUT_OFFSETS = tuple(range(EDGE_REACH + 1, EDGE_REACH + 9))  # px out from a cut-out where its surround is judged


@dataclass
class EditContext:
    """What an edit may look at: the current picture, randomness, the inpainter and the free space."""

    image: np.ndarray  # (H, W, 3) uint8, the modified picture so far (not changed by edits)
    lab: np.ndarray  # (H, W, 3) float32, its Lab
    gradient: np.ndarray  # (H, W) float32, gradient magnitude of L
    blocked: np.ndarray  # (H, W) bool, where a new answer may not reach (other answers, spacing, faces)
    spacing: int  # pixels between answers
    rng: np.random.Generator
    inpainter: Inpainter
    strength: Strength
    print_safe: bool
    lab_smooth: np.ndarray | None = None  # (H, W, 3) float32, the original's Lab blurred (surround matching)
    thumbnail_lab: np.ndarray | None = None  # (N, 3) float32, the original's colours on a coarse grid
    relaxed: bool = False  # the fallback tier: the rules of plausibility are waived (results are flagged weak)
    edges_near: np.ndarray | None = None  # (H, W) bool, near a Canny edge of the original
    reserved: np.ndarray | None = None  # (H, W) bool, objects still waiting to be changed: copies avoid them
    fills: dict = field(default_factory=dict)  # hole and source -> filled pixels, for this picture's edits
    drawn: bool = True  # the picture is a drawing (flat colour), not a photo
    things: np.ndarray | None = None  # (N, 9) float32: each segment's colour, size, place... (things_table)
    eyes: np.ndarray | None = None  # (N, 4) float32: drawn eyes (x, y, size, opening) (protect.drawn_eyes)


@dataclass(frozen=True, eq=False)
class EditResult:
    """A picture with one change applied, the (H, W) bool mask of every pixel it may have changed,
    and the naturalness scores that apply to this kind of change."""

    image: np.ndarray
    mask: np.ndarray
    naturalness: dict = field(default_factory=dict)


# --- small helpers -----------------------------------------------------------------


def _halo(area: int) -> int:
    """How far past an object's mask its removal reaches (anti-aliased edges, outlines, soft shadows)."""
    return int(max(3, round(0.06 * np.sqrt(area)))) + 1


def _soft_alpha(local: np.ndarray) -> np.ndarray:
    """A feathered alpha (float32 0..1) for pasting a cut-out, padded by 2 px; it stays inside the mask.

    The mask is eroded by a pixel first, so none of the old background at the object's edge comes along.
    """
    tight = cv2.erode(local.astype(np.uint8), np.ones((3, 3), np.uint8)) if min(local.shape) > 6 else local
    padded = np.pad(tight.astype(np.float32), 2)
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


def _whole(cand: Candidate) -> tuple[np.ndarray, int]:
    """The thing's mask grown round by its outline stroke (a smooth, whole outline rather than the segmenter's
    blocky one: pasted as it was, a drawn thing got a jagged, broken edge), and how far it was grown (px)."""
    reach = max(1, _halo(cand.segment.area) - 2)
    local = np.pad(cand.segment.local_mask, reach)
    return grow(local, reach), reach


def _cutout(image: np.ndarray, cand: Candidate) -> tuple[np.ndarray, np.ndarray, int]:
    """The whole thing's pixels and feathered alpha (see :func:`_whole`), padded by 2 px, and how far the
    cut-out reaches past the segment's box on each side (px)."""
    x, y, w, h = cand.segment.bbox
    whole, reach = _whole(cand)
    alpha = _soft_alpha(whole)
    pad = reach + 2
    H, W = image.shape[:2]
    x0, y0, x1, y1 = x - pad, y - pad, x + w + pad, y + h + pad
    # mirrored past the picture's edge where the box reaches beyond it (as if the whole picture were padded)
    inner = image[max(0, y0) : min(H, y1), max(0, x0) : min(W, x1)]
    edges = (max(0, -y0), max(0, y1 - H), max(0, -x0), max(0, x1 - W))
    return cv2.copyMakeBorder(inner, *edges, cv2.BORDER_REFLECT), alpha, pad


def is_detached(cand: Candidate) -> bool:
    """A thing with a clean outline on one plain surface: it can be lifted, copied, moved or mirrored."""
    return cand.cues.closed >= MIN_DETACHED_CLOSED and cand.cues.ring_purity >= MIN_PLAIN_RING


def _fill_source(ctx: EditContext, hole: np.ndarray, width: int, *, textured: bool = False) -> np.ndarray | None:
    """Where a fill may copy from: the hole's own ring, less other answers and things unlike the surround.

    On a texture or pattern (``textured``) the whole ring is the surround: a two-tone stripe is not clutter
    (the result is judged by ``foreign`` and ``dangling``).
    """
    ring = ring_of(hole, width)
    usable = ring & ~ctx.blocked
    if not usable.any():
        return None
    if textured:
        return usable if usable.sum() >= MIN_REMOVE_RING * ring.sum() else None
    colours = ctx.lab[usable]
    median = np.median(colours, axis=0)
    spread = float(np.linalg.norm(colours - median, axis=1).mean())
    like = np.zeros_like(usable)
    like[usable] = np.linalg.norm(colours - median, axis=1) <= max(PURE_DELTA_E + 3, 2.0 * spread)
    # A busy or cluttered surround cannot be continued convincingly (judged past the hole, so a drawn
    # outline stroke that goes with the thing does not count as clutter).
    if like.sum() < (MIN_SOURCE_SHARE if ctx.relaxed else MIN_REMOVE_RING) * ring.sum():
        return usable if ctx.relaxed else None
    return like


@dataclass(frozen=True, eq=False)
class _Removal:
    image: np.ndarray  # the picture with the hole filled
    hole: np.ndarray  # (H, W) bool: the object grown by its halo
    width: int  # px: the ring the fill continues
    attached: float | None  # the cut's "attached" score; None when it runs through texture or a line is drawn
    # on across the hole (then dangling judges it)


def _remove_object(
    ctx: EditContext,
    mask: np.ndarray,
    area: int,
    *,
    covered: np.ndarray | None = None,
    refuse: Callable[[], bool] | None = None,
) -> _Removal | None:
    """Fill the object (grown by its halo) from its own surround.

    None when the hole would reach a blocked area, has nothing to copy from, or is cut along edges of the
    picture past what the tier allows (judged before the costly fill: a thing attached to others or set in
    texture cannot be lifted out cleanly). ``covered``: where the thing is put back changed; the cut there
    is hidden under it. ``refuse()``, a costlier test of the thing, is asked only once the cut is fine.
    """
    # The hole reaches past the thing's halo as far as needed (up to MAX_EXTRA_HALO px) for its edge to run
    # on plain surround: a drawn outline stroke or a soft shadow goes with the thing. A thing crossed by
    # others on a plain surround (an arm, a stem, rays) is refused before the costly fill. One set in
    # texture or a pattern is lifted out only in the fallback tier (a blind review found no fill there a
    # person would not spot): cloned from beside the hole, and judged by whether crossing edges go on.
    halo = _halo(area)
    lines = cut_lines(mask, ctx.edges_near, tuple(range(halo + 1, halo + MAX_EXTRA_HALO + 2)), covered=covered)
    extra = next((i for i, line in enumerate(lines) if line.clean), None)
    cut: float | None = None
    if extra is not None:
        cut = lines[extra].score
    elif all(line.textured for line in lines):
        if not ctx.relaxed:
            return None  # in texture: no fill a person would not spot (blind review: none usable); fallback only
        extra = 0
    else:
        extra = int(np.argmin([line.score for line in lines]))
        cut = lines[extra].score
        if cut > (HARD_LIMITS if ctx.relaxed else LIMITS)["attached"]:
            # crossed by edges: in a drawing, maybe only the line between two paints it stands on
            if not ctx.drawn:
                return None
            return _remove_across_line(ctx, grow(mask, halo + extra), area, refuse=refuse)
    hole = grow(mask, halo + extra)
    if (hole & ctx.blocked).any() or (refuse is not None and refuse()):
        return None
    width = max(8, ring_radius(area))
    source = _fill_source(ctx, hole, width, textured=cut is None)
    if source is None:
        return None
    # Flat paint or a gradient in a drawing is painted over (PatchMatch left ghosts and smears there), with
    # any crumb of the thing left beside the hole (a speck of a lily pad floating in the pond).
    paint = _smooth_paint(ctx, source) if ctx.drawn and cut is not None else None
    if paint is not None:
        crumbs = _crumbs(ctx, hole, paint, width, area)
        if crumbs is not None and not (crumbs & ctx.blocked).any():
            hole = hole | crumbs
            paint = paint & ~hole
            source = source & ~hole
    seed = int(ctx.rng.integers(0, 2**31 - 1))
    # Remove, resize and flip of one thing fill the same hole from the same surround: filled once. The
    # surround it copies from excludes every change made so far, so the fill is still valid later.
    key = hashlib.blake2b(np.packbits(hole).tobytes() + np.packbits(source).tobytes(), digest_size=16).digest()
    image = ctx.image.copy()
    if key in ctx.fills:
        image[hole] = ctx.fills[key]
    else:
        cloned = None
        if cut is None:  # texture: a piece of it from beside the hole keeps its grain (PatchMatch smears it)
            lab = ctx.lab_smooth if ctx.lab_smooth is not None else ctx.lab
            cloned = clone_fill(ctx.image, lab, hole, ctx.blocked | hole)
        elif paint is not None:
            # continued from a few px out: the surround next to a thing carries its glow or anti-aliasing
            cloned = membrane_fill(ctx.image, hole & ~_surround_kept(ctx, hole, mask), paint & ~grow(hole, 3))
        image = cloned if cloned is not None else ctx.inpainter.inpaint(ctx.image, hole, seed=seed, source=source)
        ctx.fills[key] = image[hole]
    return _Removal(image, hole, width, None if cut is None else round(cut, 4))


def _remove_across_line(
    ctx: EditContext, hole: np.ndarray, area: int, *, refuse: Callable[[], bool] | None = None
) -> _Removal | None:
    """A drawn thing standing on the line between two paints (a pyramid on the horizon): the line is drawn
    on straight across the hole and each side painted with its own paint (:mod:`horizon`); None when its
    surround is anything else. The gate then judges whether the edges that crossed the cut go on."""
    if (hole & ctx.blocked).any():
        return None
    width = max(8, ring_radius(area))
    crossing = find_crossing(ctx.lab, hole, ring_of(hole, width) & ~ctx.blocked)
    if crossing is None or (refuse is not None and refuse()):
        return None
    return _Removal(crossing_fill(ctx.image, hole, crossing), hole, width, None)


def _surround_kept(ctx: EditContext, hole: np.ndarray, thing: np.ndarray) -> np.ndarray:
    """Pixels of a hole's halo (past the thing and its anti-aliased edge) that are already the colour of the
    surround next to them: they stay. A cloud the removed sun was behind keeps its edge rather than losing
    a bite to the sky that is painted over the sun."""
    win = window_around(hole, 2)
    local = hole[win]
    halo = local & ~grow(thing[win], 2)
    if not halo.any():
        return np.zeros_like(hole)
    _, nearest = cv2.distanceTransformWithLabels(local.astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL)
    lab = ctx.lab[win]
    outside = ~local
    colours = np.zeros((int(nearest.max()) + 1, 3), np.float32)
    colours[nearest[outside]] = lab[outside]
    kept = np.zeros_like(hole)
    kept[win] = halo & (np.linalg.norm(lab - colours[nearest], axis=-1) <= PAINT_DELTA_E)
    return kept


def _smooth_paint(ctx: EditContext, source: np.ndarray) -> np.ndarray | None:
    """The part of a fill's source that is one flat or smoothly shaded paint, or None when it has grain.

    The paint is the largest part of the source with no edge inside (at most membrane.PAINT_STEP dE per px: a sky
    gradient is one paint, a cloud beside it is not), with any other such part of about its colour: a pale
    cloud beside a pale sky would otherwise be continued over the hole as a grey hump.
    """
    win = window_around(source, 2)
    lab = ctx.lab[win]
    local = source[win]
    count, labels, stats = smooth_parts(lab, local)
    if count <= 1:
        return None
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    means = np.array([lab[labels == k].mean(axis=0) if k else np.zeros(3) for k in range(count)])
    alike = np.nonzero(np.linalg.norm(means - means[largest], axis=1) <= PAINT_DELTA_E)[0]
    paint = np.isin(labels, alike[alike > 0])
    if paint.sum() < MIN_PAINT_SHARE * local.sum() or has_grain(lab[..., 0], paint):
        return None
    out = np.zeros_like(source)
    out[win] = paint
    return out


def _crumbs(ctx: EditContext, hole: np.ndarray, paint: np.ndarray, width: int, area: int) -> np.ndarray | None:
    """Small bits unlike the surround's paint lying wholly within ``width`` px of a hole, grown by 1 px.

    Painted over with the hole: left alone they float where the thing was. Anything larger than a
    crumb (CRUMB_SHARE of the thing) or reaching further is another thing and stays.
    """
    win = window_around(hole, 2 * width + 2)
    local_hole = hole[win]
    colours = ctx.lab[win]
    paint_colour = np.median(ctx.lab[paint], axis=0)
    unlike = np.linalg.norm(colours - paint_colour, axis=-1) > 2 * PAINT_DELTA_E
    near = grow(local_hole, width)
    count, labels, stats, _ = cv2.connectedComponentsWithStats((unlike & ~local_hole).astype(np.uint8), connectivity=8)
    if count <= 1:
        return None
    touching = np.unique(labels[grow(local_hole, 3) & ~local_hole & unlike])
    outside = np.unique(labels[~near])
    keep = [k for k in touching if k and k not in outside and stats[k, cv2.CC_STAT_AREA] <= CRUMB_SHARE * area]
    if not keep:
        return None
    crumbs = np.zeros_like(hole)
    crumbs[win] = grow(np.isin(labels, keep), 1)
    return crumbs & ~hole


def _fill_naturalness(ctx: EditContext, image: np.ndarray, filled: np.ndarray, width: int) -> dict[str, float]:
    """seam / foreign / flat of the filled part of an edit, measured in a window around it."""
    if not filled.any():
        return {}
    win = window_around(filled, width + 2)
    return fill_scores(ctx.lab[win], rgb_to_lab(image[win]), filled[win], ring_width=width)


def _removal_scores(
    ctx: EditContext, image: np.ndarray, removed: _Removal, footprint: np.ndarray | None = None
) -> dict[str, float]:
    """The scores of a thing lifted out (and, with ``footprint``, put back changed): its fill and its cut."""
    filled = removed.hole & ~footprint if footprint is not None else removed.hole
    scores = _fill_naturalness(ctx, image, filled, removed.width)
    if removed.attached is not None:
        scores["attached"] = removed.attached
    win = window_around(removed.hole, CONTINUE_DEPTH + 4)
    covered = footprint[win] if footprint is not None else None
    after = picture_edges(rgb_to_lab(image[win]))
    scores["dangling"] = dangling(removed.hole[win], ctx.edges_near[win], after, covered=covered)
    return scores


# --- the kinds -----------------------------------------------------------------------


def remove(cand: Candidate, ctx: EditContext) -> EditResult | None:
    """Remove the object and continue its own surround over the hole (texture from the ring only)."""
    if cand.ring_contrast < limits.CHANGED_PIXEL_DELTA_E:
        return None  # it barely differs from its surround: removing it would not show
    # a gap in a row or grid of alike things is found without comparing (the picture match, the costlier
    # test, only once the cut is fine)
    if not ctx.relaxed and in_a_row(cand, ctx):
        return None
    twin = None if ctx.relaxed else partial(twin_in_line, cand, ctx)
    removed = _remove_object(ctx, cand.full_mask(ctx.image.shape[:2]), cand.segment.area, refuse=twin)
    if removed is None:
        return None
    return EditResult(removed.image, removed.hole, _removal_scores(ctx, removed.image, removed))


def _is_skin_or_foliage(lab: np.ndarray) -> bool:
    """True when most of these (N, 3) Lab colours are skin-toned or foliage green."""
    return bool(skin_share(lab) > 0.5 or foliage_share(lab) > 0.5)


MAX_SURFACE_SHARE = 0.035  # a colour covering more of the picture is a surface seen through gaps (sky, wall, road)


def _is_part_of_large_surface(colour: np.ndarray, cand: Candidate, ctx: EditContext) -> bool:
    """True when the thing's colour covers much of the rest of the picture: sky through an arch, a paving slab."""
    if ctx.thumbnail_lab is None:
        return False
    share = float((np.linalg.norm(ctx.thumbnail_lab - colour, axis=1) < PURE_DELTA_E * 0.75).mean())
    return share - cand.area_fraction > MAX_SURFACE_SHARE


SAME_COLOUR_DELTA_E = 10.0  # a colour this close is the same paint
SAME_HUE_DEG = 15.0  # or, for a coloured paint, this close in hue (and within 35 % in chroma)
NEAR_REACH = 1.2  # how far around a thing its colour is looked for, in units of its longer side
MAX_SAME_NEAR = 0.1  # of the thing's area: more of its colour nearby and a new colour would stand out


def _colour_nearby(ctx: EditContext, mask: np.ndarray, colour: np.ndarray) -> bool:
    """True when the thing's colour is found again near it, past its fringe: it is one part of a thing painted
    alike (one foot of a pair, half of a strap, the band of a hydrant, a disc with its rays, one check of a
    cloth) or one of a group. A blind review (E) found every such recolour a giveaway: the odd one out shows
    in the changed picture alone."""
    area = int(mask.sum())
    _, _, width, height = cv2.boundingRect(mask.astype(np.uint8))
    near = ring_of(mask, max(8, int(NEAR_REACH * max(width, height)))) & ~ring_of(mask, FRINGE_PX + 1)
    if not near.any():
        return False
    lab = ctx.lab_smooth if ctx.lab_smooth is not None else ctx.lab
    return bool(_same_paint(lab[near], colour).sum() > MAX_SAME_NEAR * area)


def _same_paint(lab: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """(N,) bool: which of these Lab colours are the paint ``colour`` under other light: close in Lab, or (for
    a coloured paint) of its hue and about its chroma, whatever the shading (gradient-shaded drawings)."""
    close = np.linalg.norm(lab - colour, axis=1) < SAME_COLOUR_DELTA_E
    chroma = float(np.hypot(colour[1], colour[2]))
    their_chroma = np.hypot(lab[:, 1], lab[:, 2])
    if chroma < 12.0:  # white, grey or black: the same when as light and as colourless (a shaded white belly)
        return close | ((their_chroma < 12.0) & (np.abs(lab[:, 0] - colour[0]) < SAME_COLOUR_DELTA_E * 1.2))
    alike = (np.rad2deg(hue_turn(lab, colour)) < SAME_HUE_DEG) & (np.abs(their_chroma - chroma) < 0.35 * chroma)
    return close | alike


MAX_NEUTRAL_SPREAD = 6.0  # dE inside a grey, white or black thing that may be painted: matte, not shiny
# A thing lit and shaded in a photo (a cup with a highlight, a ball) spreads in lightness, not in hue: its hue
# may turn when its coloured pixels share one hue and its surface is not a print or a weave.
MAX_SHADED_SPREAD = 30.0
MAX_SHADED_TEXTURE = 7.0
HUED_CHROMA = 8.0  # a pixel with less chroma is a highlight or deep shadow: it has no hue of its own
MIN_HUED_SHARE = 0.6
MAX_HUE_SPREAD_DEG = 20.0


def _one_hue(lab: np.ndarray) -> bool:
    """Whether most of these (N, 3) Lab colours are coloured, and of one hue (chroma-weighted circular spread)."""
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    hued = chroma > HUED_CHROMA
    if hued.mean() < MIN_HUED_SHARE:
        return False
    angles = np.arctan2(lab[hued, 2], lab[hued, 1])
    weights = chroma[hued]
    length = np.hypot((weights * np.cos(angles)).sum(), (weights * np.sin(angles)).sum()) / weights.sum()
    spread = np.rad2deg(np.sqrt(max(0.0, -2.0 * np.log(max(length, 1e-9)))))
    return bool(spread <= MAX_HUE_SPREAD_DEG)


GARISH_HUES = (100.0, 140.0)  # Lab hue of lime and chartreuse, which few painted things are
GARISH_CHROMA = 30.0
NEON_HUES = (140.0, 250.0)  # green to cyan: light and strong, they glow like a highlighter
NEON_LIGHTNESS = 75.0
NEON_CHROMA = 35.0


def is_garish(a: float, b: float, lightness: float = 50.0) -> bool:
    """True for a colour few painted things have: strong lime or chartreuse (the neon a hue turn makes of
    yellow or green things), or a light, strong green or cyan (a yellow sun turned neon cyan)."""
    hue = float(np.degrees(np.arctan2(b, a)) % 360)
    chroma = float(np.hypot(a, b))
    if chroma > GARISH_CHROMA and GARISH_HUES[0] < hue < GARISH_HUES[1]:
        return True
    return bool(lightness > NEON_LIGHTNESS and chroma > NEON_CHROMA and NEON_HUES[0] <= hue < NEON_HUES[1])


# Hues (Lab degrees) of common paints, dyes and plastics, for giving a grey, white or black thing a colour.
PAINT_HUES = (30.0, 60.0, 95.0, 150.0, 200.0, 250.0, 290.0, 330.0)


def recolor(cand: Candidate, ctx: EditContext) -> EditResult | None:
    """Give a thing of one uniform material another plausible colour, keeping its shading and texture.

    The a/b channels are shifted as a whole (hue turned, chroma never boosted past the original's), L keeps
    every detail; a grey, white or black thing gets a moderate paint colour. Skin, fur, foliage and
    textured things are refused.
    """
    if not ctx.drawn and not ctx.relaxed:
        # In photos no recolour passed a blind review (E: 1 of 48 usable): paint on lit, textured things
        # looks applied, a piece of a larger thing gets two colours, and a fringe of the old colour stays.
        return None
    cues = cand.cues
    uniform = cues.inside_spread <= MAX_UNIFORM_SPREAD and cues.inside_texture <= MAX_UNIFORM_TEXTURE
    shaded = cues.inside_spread <= MAX_SHADED_SPREAD and cues.inside_texture <= MAX_SHADED_TEXTURE
    if not ctx.relaxed and (not (uniform or shaded) or cues.closed < 0.7):
        return None
    x, y, w, h = cand.segment.bbox
    box, local = (slice(y, y + h), slice(x, x + w)), cand.segment.local_mask
    if (ctx.blocked[box] & local).any() or _holds_eye(cand, ctx):
        return None  # a face, or a creature whose face would be painted with it
    inside = ctx.lab[box][local]  # (in its box: the whole picture's mask costs a millisecond a try)
    if not ctx.relaxed and not uniform and not _one_hue(inside):
        return None  # lit and shaded but of several colours (a print, a label, a patterned cloth)
    if _is_skin_or_foliage(inside):
        return None  # never paint skin, fur or leaves, not even to reach the number asked for
    colour = inside.mean(axis=0)
    paint = np.median(inside, axis=0)  # its main colour: the mean is pulled by a bit of outline or a highlight
    # (the cheapest refusals first: none of these tests changes anything)
    if not ctx.relaxed and (_is_part_of_large_surface(colour, cand, ctx) or kin_count(cand, ctx) >= 2):
        return None  # one of a set of alike things (apples on a tree, windows) painted otherwise is an odd one out
    mask = cand.full_mask(ctx.image.shape[:2])
    if not ctx.relaxed and _sky_thing_of_its_own_colour(ctx, mask, paint):
        return None  # a pink sun or a lavender cloud is found without comparing (review I: 6 of 8 giveaways)
    if not ctx.relaxed and _colour_nearby(ctx, mask, paint):
        return None
    mean_a, mean_b = float(inside[:, 1].mean()), float(inside[:, 2].mean())
    chroma = float(np.hypot(mean_a, mean_b))
    lightness = float(inside[:, 0].mean())
    target = ctx.strength.target_delta_e
    least, most = ctx.strength.hue_rotation
    d_l = 0.0
    theta = 0.0
    if chroma >= 12.0:
        # The hue of every pixel turns by the same angle: shading, highlights (which have little chroma) and
        # texture stay as they were, as if the thing had been made in another colour.
        needed = np.rad2deg(2 * np.arcsin(min(1.0, target / (2 * chroma))))
        turn = np.deg2rad(float(np.clip(needed * ctx.rng.uniform(1.0, 1.2), least, most)))
        first = float(ctx.rng.choice([-1, 1]))
        for theta in (first * turn, -first * turn):
            new_a = mean_a * np.cos(theta) - mean_b * np.sin(theta)
            new_b = mean_a * np.sin(theta) + mean_b * np.cos(theta)
            if not is_garish(new_a, new_b, lightness):
                break
        else:
            return None  # both ways lead to a colour no such thing is painted (lime)
        new_a, new_b = mean_a, mean_b  # the turn does it; no shift on top
    else:
        if cues.inside_spread > MAX_NEUTRAL_SPREAD or cues.closed < 0.7:
            # A shiny grey thing (metal, glass, a highlight) looks tinted, not painted; grey stone, asphalt or
            # shadow without a clear outline becomes a neon patch: refused in the fallback tier too. (White
            # things keep their colour change: a recolour must show on grey, white and black things alike.)
            return None
        # A neutral thing: a moderate colour (strong for easy, gentle for hard), never neon.
        new_chroma = float(np.clip(0.9 * target, 14.0, 34.0))
        hue = np.deg2rad(float(ctx.rng.choice(PAINT_HUES)))
        new_a, new_b = mean_a + new_chroma * np.cos(hue), mean_b + new_chroma * np.sin(hue)
        if lightness > 88 or lightness < 18:
            d_l = (-1.0 if lightness > 55 else 1.0) * min(25.0, 0.6 * target)  # pure white/black cannot take colour
    if ctx.print_safe:
        d_l = (-1.0 if lightness > 55 else 1.0) * max(abs(d_l), limits.MIN_PRINT_SAFE_DELTA_L + 6)
    # Only the thing's own paint changes: a sun painted on a picture's sky keeps its yellow (review: a cyan sun);
    # and all of it: pieces of that paint cut off by its own drawing (the crescent beside a balloon's
    # highlight, its knot) turn with it (review H: a two-tone balloon), and so do tints of it the thing
    # encloses (review L: a brown balloon kept its pink highlight).
    mask = _own_paint(ctx.lab, fill_holes(mask | _paint_pieces(ctx, mask, paint)), paint)
    if (mask & ctx.blocked).any():
        return None
    return _shift_colour(ctx, mask, np.array([d_l, new_a - mean_a, new_b - mean_b], np.float32), turn=theta)


SKY_REACH = 6  # px: the band (this far out, past an outline stroke) whose colour says whether it is the sky
SKY_HUES = (190.0, 300.0)  # Lab hue of a sky, blue or pale and overcast ...
SKY_MIN_CHROMA = 3.0  # ... with at least this much of it (a white or grey wall has none) ...
SKY_MIN_L = 50.0  # ... and this light
SKY_TOP = 0.6  # the thing's centre lies in this upper share of the picture
SUN_HUES = (55.0, 105.0)  # Lab hue of a yellow to orange sun


def _sky_thing_of_its_own_colour(ctx: EditContext, mask: np.ndarray, paint: np.ndarray) -> bool:
    """A thing in the sky that has one colour everyone knows: a white or grey cloud or moon, a yellow sun.

    Painted another colour it is found in the changed picture alone (review I: a pink sun, lavender and
    pale blue clouds, a brown moon). A balloon or a kite keeps its recolour; a yellow one is taken for a sun.
    """
    ys, _ = np.nonzero(mask)
    if ys.mean() > SKY_TOP * mask.shape[0]:
        return False
    surround = np.median(ctx.lab[ring_of(grow(mask, SKY_REACH), SKY_REACH)], axis=0)  # past an outline stroke
    s_chroma = float(np.hypot(surround[1], surround[2]))
    s_hue = float(np.degrees(np.arctan2(surround[2], surround[1])) % 360)
    if s_chroma < SKY_MIN_CHROMA or not SKY_HUES[0] <= s_hue <= SKY_HUES[1] or surround[0] < SKY_MIN_L:
        return False  # not a sky: a cream or white wall, a lawn, a night
    chroma = float(np.hypot(paint[1], paint[2]))
    hue = float(np.degrees(np.arctan2(paint[2], paint[1])) % 360)
    return chroma < 12.0 or (chroma >= 25.0 and SUN_HUES[0] <= hue <= SUN_HUES[1])


def _paint_pieces(ctx: EditContext, mask: np.ndarray, paint: np.ndarray) -> np.ndarray:
    """(H, W) bool: small pieces of the thing's paint just outside its mask, within its outline's reach.

    A drawing's strokes cut a thing's paint into parts (a highlight's ring touching the outline, the knot
    below a balloon, a cup's handle); the segmenter returns the largest. Parts of the same paint, each at
    most PIECE_SHARE of its area, belong to it when they lie (nearly) wholly within the thing's convex hull
    grown by twice its halo, or touch the thing across its outline stroke and stay within PIECE_REACH of
    its size (review L: a cup turned pink kept its yellow handle).
    """
    area = int(mask.sum())
    reach = 2 * _halo(area)
    _, _, w, h = cv2.boundingRect(mask.view(np.uint8))
    far = max(reach, int(PIECE_REACH * max(w, h)))
    win = window_around(mask, far + 2)
    local = mask[win]
    hull = np.zeros(local.shape, np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(cv2.findNonZero(local.astype(np.uint8))), 1)
    near = grow(hull.astype(bool), reach)
    within = grow(hull.astype(bool), far)
    touching = grow(local, reach)
    lab = ctx.lab[win]
    same = _same_paint(lab.reshape(-1, 3), paint).reshape(local.shape) & ~local
    count, labels, stats, _ = cv2.connectedComponentsWithStats(same.astype(np.uint8), connectivity=8)
    out = np.zeros_like(mask)
    if count <= 1:
        return out
    inside = np.bincount(labels[near], minlength=count)
    attached = np.bincount(labels[touching], minlength=count) > 0
    held = np.bincount(labels[within], minlength=count)
    keep = [
        k
        for k in range(1, count)
        if stats[k, cv2.CC_STAT_AREA] <= PIECE_SHARE * area
        and (
            inside[k] >= PIECE_INSIDE * stats[k, cv2.CC_STAT_AREA]
            or (attached[k] and held[k] == stats[k, cv2.CC_STAT_AREA])
        )
    ]
    if keep:
        out[win] = np.isin(labels, keep)
    return out


def _holds_eye(cand: Candidate, ctx: EditContext) -> bool:
    """Whether a drawn eye lies within the thing's outline (its convex hull): the thing is a creature."""
    if ctx.eyes is None or not len(ctx.eyes):
        return False
    x, y, w, h = cand.segment.bbox
    inside = (ctx.eyes[:, 0] >= x) & (ctx.eyes[:, 0] < x + w) & (ctx.eyes[:, 1] >= y) & (ctx.eyes[:, 1] < y + h)
    if not inside.any():
        return False
    hull = cv2.convexHull(cv2.findNonZero(cand.segment.local_mask.astype(np.uint8)))
    return any(
        cv2.pointPolygonTest(hull, (float(ex - x), float(ey - y)), False) >= 0 for ex, ey in ctx.eyes[inside, :2]
    )


def _own_paint(lab: np.ndarray, mask: np.ndarray, paint: np.ndarray) -> np.ndarray:
    """The pixels of ``mask`` painted in the thing's ``paint`` (Lab), shaded or not; not things on it.

    A coloured paint: pixels of about its hue, and greyish ones (outline, highlight: a hue turn leaves
    them as they are). A neutral paint: pixels within OWN_PAINT_DELTA_E of it.
    """
    win = window_around(mask, 1)
    local, colours = mask[win], lab[win]
    chroma = np.hypot(colours[..., 1], colours[..., 2])
    if float(np.hypot(paint[1], paint[2])) >= 12.0:
        own = (hue_turn(colours, paint) <= np.deg2rad(OWN_PAINT_HUE)) | (chroma < 10.0)
    else:
        own = np.linalg.norm(colours - paint, axis=-1) <= OWN_PAINT_DELTA_E
    out = np.zeros_like(mask)
    out[win] = local & own
    return out


PIECE_SHARE = 0.25  # a piece of a thing's paint cut off by its own strokes is at most this share of it ...
PIECE_INSIDE = 0.9  # ... and lies this much within reach of its outline ...
PIECE_REACH = 0.5  # ... or touches it across its stroke and stays within this share of its size (a handle)
OWN_PAINT_HUE = 45.0  # degrees of hue from a thing's paint that are still its paint (shading, not a sun on it)
OWN_PAINT_DELTA_E = 20.0  # dE from a neutral thing's paint that is still its paint
FRINGE_PX = 2  # px past a thing's outline where its anti-aliased edge still carries some of its colour


def _shift_colour(ctx: EditContext, mask: np.ndarray, delta: np.ndarray, *, turn: float = 0.0) -> EditResult | None:
    """Shift the Lab colour of the thing under ``mask`` by ``delta`` (dL, da, db) and turn its hue by ``turn``
    radians, and do the same to its fringe in part.

    A fringe pixel (within FRINGE_PX outside) is shifted by how much of the thing's colour it carries
    (between the thing's mean colour and the surround's just past the fringe): otherwise the old colour is
    left as a thin rim around the new one. Every pixel changed is in the returned mask.
    """
    win = window_around(mask, FRINGE_PX + 3)
    inside, lab = mask[win], ctx.lab[win]
    outside = cv2.distanceTransform((~inside).astype(np.uint8), cv2.DIST_L2, 3)
    fringe = (outside > 0) & (outside <= FRINGE_PX)
    beyond = (outside > FRINGE_PX) & (outside <= FRINGE_PX + 2)
    thing = lab[inside].mean(axis=0)
    weight = inside.astype(np.float32)
    if beyond.any():
        span = max(float(np.linalg.norm(np.median(lab[beyond], axis=0) - thing)), 1.0)
        carried = np.clip(1.0 - np.linalg.norm(lab - thing, axis=-1) / span, 0.0, 1.0)
        weight = np.where(fringe, carried, weight)
    changed = weight > 0.1
    if (changed & ctx.blocked[win]).any():
        return None
    new = lab + weight[..., None] * delta
    if turn:
        angle = weight * turn
        cos, sin = np.cos(angle), np.sin(angle)
        a, b = new[..., 1].copy(), new[..., 2].copy()
        new[..., 1], new[..., 2] = a * cos - b * sin, a * sin + b * cos
    new[..., 0] = np.clip(new[..., 0], 0, 100)
    out = ctx.image.copy()
    out[win][changed] = lab_to_rgb(new)[changed]
    answer = np.zeros_like(mask)
    answer[win] = changed
    scores = {"seam": round(seam(lab, rgb_to_lab(out[win]), changed), 4)}
    return EditResult(out, answer, scores)


def _surround_match(ctx: EditContext, ring_local: np.ndarray, sx: int, sy: int, dx: int, dy: int) -> float:
    """Mean dE between the blurred surround of the box at (sx, sy) and the same pattern at (dx, dy)."""
    h, w = ring_local.shape
    src = ctx.lab_smooth[sy : sy + h, sx : sx + w][ring_local]
    dst = ctx.lab_smooth[dy : dy + h, dx : dx + w][ring_local]
    return float(np.linalg.norm(src - dst, axis=1).mean())


def things_table(segments, lab_smooth: np.ndarray) -> np.ndarray:
    """(N, 9) float32: each segment's mean Lab colour (blurred picture), area (px), centre (x, y), the
    aspect of its box (w / h), its extent (area / box area) and its contrast (dE from its surround's mean).

    Only segments of a size a difference's kin could have (within KIN_AREA_RATIO of the smallest and largest
    answer region) are listed: the specks and backgrounds a segmenter also returns cannot be kin.
    """
    H, W = lab_smooth.shape[:2]
    smallest = limits.MIN_REGION_FRACTION * H * W / KIN_AREA_RATIO
    largest = limits.MAX_REGION_FRACTION * H * W * KIN_AREA_RATIO
    rows = []
    for seg in segments:
        x, y, w, h = seg.bbox
        area = seg.area
        if not smallest <= area <= largest:
            continue
        local = seg.local_mask.astype(np.uint8)
        colour = cv2.mean(lab_smooth[y : y + h, x : x + w], mask=local)[:3]
        moments = cv2.moments(local, binaryImage=True)
        cx, cy = moments["m10"] / moments["m00"], moments["m01"] / moments["m00"]
        x0, y0, x1, y1 = max(0, x - KIN_RING), max(0, y - KIN_RING), min(W, x + w + KIN_RING), min(H, y + h + KIN_RING)
        around = np.ones((y1 - y0, x1 - x0), np.uint8)  # its box grown by KIN_RING px, less the thing
        around[y - y0 : y - y0 + h, x - x0 : x - x0 + w] -= local
        surround = cv2.mean(lab_smooth[y0:y1, x0:x1], mask=around)[:3]
        contrast = float(np.linalg.norm(np.subtract(colour, surround)))
        rows.append((*colour, area, x + cx, y + cy, w / h, area / (w * h), contrast))
    return np.asarray(rows, np.float32).reshape(-1, 9)


def kin(cand: Candidate, ctx: EditContext, *, area_ratio: float = KIN_AREA_RATIO) -> np.ndarray:
    """(K, 2) float32: centres of the other things like this one (colour, size, shape) found elsewhere.

    One of a set of alike things painted another colour is an odd one out, and a gap in a row of them
    shows: both are found in the changed picture alone (see recolor and :func:`in_a_row`).
    """
    if ctx.things is None or not len(ctx.things):
        return np.zeros((0, 2), np.float32)  # nothing known about the picture's other things
    x, y, w, h = cand.segment.bbox
    local = cand.segment.local_mask
    colour = ctx.lab_smooth[y : y + h, x : x + w][local].mean(axis=0)
    ys, xs = np.nonzero(local)
    centre = np.array([x + xs.mean(), y + ys.mean()])
    area = float(local.sum())
    t = ctx.things
    like_colour = np.linalg.norm(t[:, :3] - colour, axis=1) <= KIN_DELTA_E
    like_size = (t[:, 3] >= area / area_ratio) & (t[:, 3] <= area * area_ratio)
    aspect = w / h
    like_shape = (np.abs(np.log(t[:, 6] / aspect)) <= np.log(KIN_ASPECT_RATIO)) & (
        np.abs(t[:, 7] - area / (w * h)) <= KIN_EXTENT
    )
    elsewhere = np.linalg.norm(t[:, 4:6] - centre, axis=1) >= max(w, h)
    standing_out = t[:, 8] >= KIN_MIN_CONTRAST  # a thing of its own, not a piece of a larger one of its colour
    found = like_colour & like_size & like_shape & elsewhere & standing_out
    if not found.any():
        return np.zeros((0, 2), np.float32)
    # the same thing found again at other scales of the segmenter counts once
    points = t[found, 4:6]
    distinct = [points[0]]
    for p in points[1:]:
        if all(np.linalg.norm(p - q) >= max(w, h) for q in distinct):
            distinct.append(p)
    return np.asarray(distinct, np.float32)


def kin_count(cand: Candidate, ctx: EditContext) -> int:
    """How many other things like this one the picture holds elsewhere (see :func:`kin`)."""
    return len(kin(cand, ctx))


def in_a_row(cand: Candidate, ctx: EditContext) -> bool:
    """Whether a thing like this one stands level with it or right above or below it (a row or column).

    Such things make a pattern (windows in a grid, the hubcaps of a car, a row of flowers), and the gap a
    removal leaves in it is found without comparing (review H: a house left with no windows, one wheel
    without its hubcap).
    """
    x, y, w, h = cand.segment.bbox
    centres = kin(cand, ctx, area_ratio=ROW_AREA_RATIO)
    if not len(centres):
        return False
    cx, cy = x + w / 2, y + h / 2
    return bool(
        ((np.abs(centres[:, 1] - cy) <= ROW_TOLERANCE * h) | (np.abs(centres[:, 0] - cx) <= ROW_TOLERANCE * w)).any()
    )


TWIN_MATCH = 0.9  # normalised correlation of a thing's picture (with a little of its surround) with its twin's
TWIN_PAD = 3  # px of surround taken with it
TWIN_LOOKS = 12  # distinct matching places (best first) whose colour is compared with the thing's


def twin_in_line(cand: Candidate, ctx: EditContext) -> bool:
    """Whether the very same picture as the thing's stands level with it or right above or below it.

    Found by template matching (in grey, then the mean colour compared within KIN_DELTA_E: a red disc and a
    blue one match in grey) in the thing's row and column, whatever the segmenter made of the twin: the two wheels' hub caps of a car came out as segments of different sizes and colours, and
    one was removed (reviews I and M). Costs a few ms.
    """
    H, W = ctx.image.shape[:2]
    x, y, w, h = cand.segment.bbox
    x0, y0 = max(0, x - TWIN_PAD), max(0, y - TWIN_PAD)
    x1, y1 = min(W, x + w + TWIN_PAD), min(H, y + h + TWIN_PAD)
    picture = np.ascontiguousarray(ctx.image[y0:y1, x0:x1])
    template = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
    th, tw = template.shape
    if float(template.std()) < 1.0:
        return False  # a flat patch matches any flat place
    colour = rgb_to_lab(picture.reshape(-1, 3).mean(axis=0, keepdims=True).astype(np.uint8))[0]
    bands = (
        (max(0, y0 - th // 2), min(H, y1 + th // 2), 0, W),  # its row
        (0, H, max(0, x0 - tw // 2), min(W, x1 + tw // 2)),  # its column
    )
    for top, bottom, left, right in bands:
        band = cv2.cvtColor(np.ascontiguousarray(ctx.image[top:bottom, left:right]), cv2.COLOR_RGB2GRAY)
        if band.shape[0] < th or band.shape[1] < tw:
            continue
        score = cv2.matchTemplate(band, template, cv2.TM_CCOEFF_NORMED)
        score = np.nan_to_num(score, nan=0.0, posinf=0.0, neginf=0.0)
        ys, xs = np.nonzero(score >= TWIN_MATCH)
        away = np.hypot(xs + left - x0, ys + top - y0) >= max(w, h)
        ys, xs = ys[away], xs[away]
        looked: list[tuple[int, int]] = []
        for i in np.argsort(-score[ys, xs], kind="stable"):
            yy, xx = int(ys[i]), int(xs[i])
            if any(abs(yy - ly) < th // 2 and abs(xx - lx) < tw // 2 for ly, lx in looked):
                continue  # the same match again, a pixel over
            if len(looked) == TWIN_LOOKS:
                break
            looked.append((yy, xx))
            # the same shape in grey is not enough: a red disc and a blue one match there
            other = ctx.image[top + yy : top + yy + th, left + xx : left + xx + tw].reshape(-1, 3)
            other_colour = rgb_to_lab(other.mean(axis=0, keepdims=True).astype(np.uint8))[0]
            if np.linalg.norm(other_colour - colour) <= KIN_DELTA_E:
                return True
    return False


def _clips_others(ctx: EditContext, footprint: np.ndarray, left: int, top: int) -> bool:
    """Whether a cut-out's footprint (h, w) bool, at (left, top) of the picture, cuts through something.

    Things unlike the surround that the footprint holds only in part: a piece of a neighbour would be
    pasted along with the thing, clipped by the cut-out's edge.
    """
    H, W = ctx.lab.shape[:2]
    m = CLIP_MARGIN
    h, w = footprint.shape
    if top - m < 0 or left - m < 0 or top + h + m > H or left + w + m > W:
        return False  # cut-outs reaching past the picture are refused where they are placed
    lab = ctx.lab_smooth[top - m : top + h + m, left - m : left + w + m]
    inside = np.pad(footprint, m)
    ring = grow(inside, m) & ~inside
    background = np.median(lab[ring], axis=0)
    unlike = (np.linalg.norm(lab - background, axis=-1) > CLIP_DELTA_E).astype(np.uint8)
    count, labels = cv2.connectedComponents(unlike, connectivity=8)
    if count <= 1:
        return False
    held = np.unique(labels[cv2.erode(inside.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)])
    beyond = np.unique(labels[~grow(inside, 1)])
    return bool(np.intersect1d(held[held > 0], beyond).size)


def duplicate(cand: Candidate, ctx: EditContext) -> EditResult | None:
    """Copy a whole, detached thing to another spot of the same surface, in the same band of the scene.

    Only when filling up (the fallback tier): in blind review H none of 6 copies was usable (a second glint
    on one visor, a window off its grid, an identical twin of a butterfly), 6 of 10 in G; a copy shows
    itself as a copy more often than any other kind.
    """
    if not ctx.relaxed:
        return None
    if cand.area_fraction > MAX_DUPLICATE_FRACTION:
        return None
    # Detached even when filling up: a copy of a piece of something larger floats where it lands.
    if not is_detached(cand):
        return None
    limit = HARD_LIMITS  # made in the fallback tier only: nothing past the hard limits
    H, W = ctx.image.shape[:2]
    cut = attached(cand.full_mask((H, W)), ctx.edges_near, offsets=CUT_OFFSETS)
    if cut > limit["attached"]:
        return None  # a torn piece of something larger, or a thing on its arm: a copy would float
    x, y, _w, _h = cand.segment.bbox
    rgb, alpha, pad = _cutout(ctx.image, cand)
    oh, ow = alpha.shape
    ring_w = max(4, ring_radius(cand.segment.area) // 2)
    if ow + 2 * ring_w + 8 >= W or oh + 2 * ring_w + 8 >= H:
        return None
    footprint_local = alpha > 1.0 / 255.0
    if _clips_others(ctx, footprint_local, x - pad, y - pad):
        return None  # the cut-out would carry a clipped piece of a neighbour (half a flower) along
    # The surround pattern: a ring around the footprint, inside a box padded by ring_w.
    padded_fp = np.pad(footprint_local, ring_w)
    ring_local = ring_of(padded_fp, ring_w)
    sx, sy = x - pad - ring_w, y - pad - ring_w
    if sx < 0 or sy < 0 or sx + padded_fp.shape[1] > W or sy + padded_fp.shape[0] > H:
        return None
    forbidden = ctx.blocked | grow(cand.full_mask((H, W)), ctx.spacing)
    best, best_score, best_scores = None, np.inf, None
    band = max(oh, int(0.12 * H))  # things that stand on something stay at their height in the scene
    for _ in range(PLACEMENT_TRIES):
        px = int(ctx.rng.integers(ring_w + 2, W - ow - ring_w - 2))
        py = int(np.clip(y - pad + ctx.rng.integers(-band, band + 1), ring_w + 2, H - oh - ring_w - 2))
        if forbidden[py : py + oh, px : px + ow][footprint_local].any():
            continue
        rim = _surround_match(ctx, ring_local, sx, sy, px - ring_w, py - ring_w)
        if rim > limit["rim"]:
            continue
        cover = float(ctx.edges_near[py : py + oh, px : px + ow][footprint_local].mean())
        if cover > limit["cover"]:
            continue
        score = rim + 40.0 * cover
        if ctx.reserved is not None and ctx.reserved[py : py + oh, px : px + ow][footprint_local].any():
            score += RESERVED_PENALTY
        if score < best_score:
            best, best_score = (px, py), score
            best_scores = {"rim": round(rim, 3), "cover": round(cover, 4), "attached": round(cut, 4)}
    if best is None:
        return None
    out, footprint = _paste(ctx.image, rgb, alpha, *best)
    return EditResult(out, footprint, best_scores)


def resize(cand: Candidate, ctx: EditContext) -> EditResult | None:
    """Grow or shrink a detached thing about its base; the uncovered surround is continued from its ring.

    Only when filling up (the fallback tier): in the blind reviews D to G, 12 to 25 % of the resizes on drawings
    were usable and none on photos (a blurred or haloed edge, a thing grown into its neighbours, a change
    nobody can name).
    """
    if not ctx.relaxed:
        return None
    H, W = ctx.image.shape[:2]
    grow = ctx.rng.random() < 0.5
    if cand.area_fraction * ctx.strength.grow**2 > 0.6 * limits.MAX_REGION_FRACTION:
        grow = False
    factor = ctx.strength.grow if grow else ctx.strength.shrink
    whole, reach = _whole(cand)  # the thing with its outline stroke, smooth
    x, y, w, h = cand.segment.bbox
    base = y + h
    x, y, w, h = x - reach, y - reach, w + 2 * reach, h + 2 * reach
    if x < 0 or y < 0 or x + w > W or y + h > H:
        return None
    nw, nh = max(3, round(w * factor)), max(3, round(h * factor))
    cx = x + w / 2.0
    nx, ny = round(cx - nw / 2.0) - 2, round(base + reach * factor) - nh - 2  # the thing's base stays where it stood
    if nx < 0 or ny < 0 or nx + nw + 4 > W or ny + nh + 4 > H:
        return None
    crop = ctx.image[y : y + h, x : x + w]
    interp = cv2.INTER_CUBIC if grow else cv2.INTER_AREA
    scaled_rgb = cv2.resize(crop, (nw, nh), interpolation=interp)
    scaled_mask = cv2.resize(whole.astype(np.float32), (nw, nh), interpolation=cv2.INTER_LINEAR) > 0.5
    rgb = cv2.copyMakeBorder(scaled_rgb, 2, 2, 2, 2, cv2.BORDER_REPLICATE)
    alpha = _soft_alpha(scaled_mask)
    covered = np.zeros((H, W), bool)
    covered[ny : ny + alpha.shape[0], nx : nx + alpha.shape[1]] = alpha > 0.5
    removed = _remove_object(ctx, cand.full_mask((H, W)), cand.segment.area, covered=covered)
    if removed is None:
        return None
    out, footprint = _paste(removed.image, rgb, alpha, nx, ny)
    answer = removed.hole | footprint
    if (answer & ctx.blocked).any():
        return None
    return EditResult(out, answer, _removal_scores(ctx, out, removed, footprint))


def _looks_like_text(cand: Candidate, ctx: EditContext) -> bool:
    """Many edges inside a thing: lettering, a pattern or a face, which a mirror would give away."""
    x, y, w, h = cand.segment.bbox
    local = cv2.erode(cand.segment.local_mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    if not local.any():
        return False
    return float(ctx.edges_near[y : y + h, x : x + w][local].mean()) > MAX_TEXT_EDGES


def flip(cand: Candidate, ctx: EditContext) -> EditResult | None:
    """Mirror a clearly asymmetric, detached thing left-right in place (never text, never upside down)."""
    # A clean outline is enough: the mirrored thing covers most of its hole, and the cut and the fill are
    # judged only where it does not (the surround there must come away cleanly).
    if (not ctx.relaxed and cand.cues.closed < MIN_DETACHED_CLOSED) or _looks_like_text(cand, ctx):
        return None
    H, W = ctx.image.shape[:2]
    x, y, w, h = cand.segment.bbox
    local = cand.segment.local_mask
    crop_lab = ctx.lab[y : y + h, x : x + w]
    mirrored = np.flip(local, axis=1)
    both = local & mirrored
    changed_shape = float((local ^ mirrored).sum() / local.sum())
    de_overlap = (
        float(np.linalg.norm(crop_lab - np.flip(crop_lab, axis=1), axis=-1)[both].mean()) if both.any() else 0.0
    )
    if de_overlap < 12.0 and changed_shape < 0.25:
        return None  # nearly symmetric: the flip would look unchanged or leave only a smear
    rgb, alpha, pad = _cutout(ctx.image, cand)  # the whole thing with its outline stroke
    rgb, alpha = np.flip(rgb, axis=1), np.flip(alpha, axis=1)
    if x - pad < 0 or y - pad < 0 or x - pad + alpha.shape[1] > W or y - pad + alpha.shape[0] > H:
        return None
    covered = np.zeros((H, W), bool)
    covered[y - pad : y - pad + alpha.shape[0], x - pad : x - pad + alpha.shape[1]] = alpha > 0.5
    removed = _remove_object(ctx, cand.full_mask((H, W)), cand.segment.area, covered=covered)
    if removed is None:
        return None
    out, footprint = _paste(removed.image, rgb, alpha, x - pad, y - pad)
    return EditResult(out, removed.hole | footprint, _removal_scores(ctx, out, removed, footprint))


EDITS: dict[str, Callable[[Candidate, EditContext], EditResult | None]] = {
    "remove": remove,
    "recolor": recolor,
    "duplicate": duplicate,
    "resize": resize,
    "flip": flip,
}
