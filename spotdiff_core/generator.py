"""The puzzle pipeline: segment, propose, choose N by difficulty, edit, verify, and build the Puzzle."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import cv2
import numpy as np

from . import limits, parallel
from .color import rgb_to_lab
from .edits import EDITS, STRENGTHS, EditContext, things_table
from .errors import GenerationTimeoutError, ImageUnsuitableError, InvalidInputError
from .guided import (
    Pointed,
    encode_mask,
    parse_pointed,
    protect_mask,
    stored_pointed,
    stored_protection,
    things_at,
)
from .inpainters import INPAINTERS
from .inpainters.base import Inpainter
from .loading import as_rgb_image, resize_to_max_side, validate_max_side
from .metrics import failed_guarantee, measure_change, spectral_residual_saliency
from .naturalness import LIMITS, grow, verdict
from .objectness import picture_edges
from .protect import drawn_eyes, drawn_face_mask, eye_pair_mask, face_mask, find_faces, head_mask
from .puzzle import Difference, Puzzle, bbox_of, center_of
from .regions import Candidate, propose_candidates
from .segmenters import SEGMENTERS
from .segmenters.base import Segmenter

ProgressCallback = Callable[[str, float], None]
STAGES = ("segmenting", "choosing", "editing", "checking")
ACCEPTANCE_MARGIN = 0.5  # dE / dL kept above the floors, so other Lab conversions agree a change is visible
PLANNED_KIND_TRIES = 12  # candidates tried with a slot's planned kind before any kind is allowed
MAX_TRIES_PER_SLOT = 16  # edits made and judged per difference before settling for the best weak one
MAX_FALLBACK_TRIES = 12  # more edits allowed with the rules waived, when none of those was even weak
SALIENCY_RANK_WEIGHT = 0.2
SIZE_RANK_WEIGHT = 1.0
RESERVED_CANDIDATES = 40  # the next candidates in line, which duplicates try not to cover


@dataclass(frozen=True)
class Settings:
    """Validated generation settings (what puzzle.json records)."""

    n_differences: int = limits.DEFAULT_DIFFERENCES
    difficulty: str = "normal"
    kinds: tuple[str, ...] = limits.KINDS
    print_safe: bool = False
    max_side: int = limits.DEFAULT_MAX_SIDE
    fill_weak: bool = False  # reach the number asked for with changes that failed the gate (flagged weak)

    def as_dict(self) -> dict:
        return {
            "n_differences": self.n_differences,
            "difficulty": self.difficulty,
            "kinds": list(self.kinds),
            "print_safe": self.print_safe,
            "max_side": self.max_side,
            "fill_weak": self.fill_weak,
        }


def make_settings(
    *,
    n_differences: int = limits.DEFAULT_DIFFERENCES,
    difficulty: str = "normal",
    kinds: Iterable[str] | str | None = None,
    print_safe: bool = False,
    max_side: int = limits.DEFAULT_MAX_SIDE,
    fill_weak: bool = False,
) -> Settings:
    """Validate settings; every message names the bad value and the allowed ones."""
    if isinstance(n_differences, bool) or not isinstance(n_differences, (int, np.integer)):
        raise InvalidInputError(f"The number of differences must be a whole number, not {n_differences!r}.")
    if not limits.MIN_DIFFERENCES <= n_differences <= limits.MAX_DIFFERENCES:
        raise InvalidInputError(
            f"The number of differences must be from {limits.MIN_DIFFERENCES} to {limits.MAX_DIFFERENCES} "
            f"(MAX_DIFFERENCES), not {n_differences}."
        )
    if difficulty not in limits.DIFFICULTIES:
        raise InvalidInputError(f"Unknown difficulty {difficulty!r}; choose {', '.join(limits.DIFFICULTIES)}.")
    if kinds is None:
        kinds = limits.KINDS
    elif isinstance(kinds, str):
        kinds = [k.strip() for k in kinds.split(",") if k.strip()]
    kinds = tuple(dict.fromkeys(kinds))
    unknown = [k for k in kinds if k not in limits.KINDS]
    if unknown or not kinds:
        raise InvalidInputError(
            f"Unknown kind of change {', '.join(map(repr, unknown)) or '(none given)'}; choose from {', '.join(limits.KINDS)}."
        )
    kinds = tuple(k for k in limits.KINDS if k in kinds)  # canonical order: settings compare equal
    return Settings(
        int(n_differences), difficulty, kinds, bool(print_safe), validate_max_side(max_side), bool(fill_weak)
    )


@dataclass(frozen=True)
class Deadline:
    """When a generation must stop; :meth:`check` raises GenerationTimeoutError past it."""

    seconds: float
    end: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        if not (isinstance(seconds, (int, float)) and seconds > 0):
            raise InvalidInputError(f"The time limit must be a positive number of seconds, not {seconds!r}.")
        return cls(float(seconds), time.monotonic() + seconds)

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise GenerationTimeoutError(
                f"Making the puzzle took longer than {self.seconds:g} s (GENERATION_TIME_LIMIT_S is "
                f"{limits.GENERATION_TIME_LIMIT_S:g} s) and was stopped; try a smaller working size or "
                "fewer differences."
            )


@dataclass(frozen=True, eq=False)
class Analysis:
    """What the pipeline knows about a picture before editing it."""

    lab: np.ndarray
    saliency: np.ndarray
    gradient: np.ndarray
    candidates: tuple[Candidate, ...]
    protected: np.ndarray  # (H, W) bool: faces (never changed)
    lab_smooth: np.ndarray  # (H, W, 3) float32, Lab blurred (sigma 1): surround matching
    edges_near: np.ndarray  # (H, W) bool, within a few px of a Canny edge
    faces: tuple[tuple[int, int, int, int], ...] = ()
    drawn: bool = False  # a drawing (mostly flat colour), not a photo: see is_drawn
    things: np.ndarray | None = None  # (N, 9) float32: each segment's colour, size... (edits.things_table)
    eyes: np.ndarray | None = None  # (N, 4) float32: drawn eyes (x, y, size, opening) (drawings only; see drawn_eyes)


DRAWN_FLAT_SHARE = 0.55  # drawings measured 0.61-0.97 of their pixels flat, photos 0.01-0.47
FLAT_GRADIENT = 0.5  # L units per pixel: flat


def is_drawn(gradient: np.ndarray) -> bool:
    """Whether a picture is a drawing (flat colour fills) rather than a photo, from its L gradient (Sobel)."""
    return bool((gradient < 4.0 * FLAT_GRADIENT).mean() >= DRAWN_FLAT_SHARE)


@dataclass(frozen=True, eq=False)
class Attempt:
    """One kind of change applied to one candidate, measured and judged."""

    kind: str
    mask: np.ndarray
    window: tuple[slice, slice]
    new_lab: np.ndarray
    image: np.ndarray
    naturalness: dict
    natural: bool
    off_size: bool = False  # outside the difficulty's area range, or louder than it allows

    @property
    def badness(self) -> float:
        """How far the worst naturalness score goes past its limit (below 1: within every limit).

        A natural change of the wrong size for the difficulty ranks just below 1: the best fallback.
        """
        worst = max((v / LIMITS[k] for k, v in self.naturalness.items() if k in LIMITS), default=0.0)
        return max(worst, 0.99) if self.off_size else worst


def _pad_to_min_area(mask: np.ndarray, blocked: np.ndarray) -> np.ndarray | None:
    """The answer mask, grown around a small change until it covers MIN_REGION_FRACTION of the picture.

    A small thing (a leaf, a button) makes a fair difference when its answer region is big enough to
    click; the region still hugs the change (the changed share is checked afterwards). None if growing
    would reach a blocked area.
    """
    needed = limits.MIN_REGION_FRACTION * mask.size * 1.02
    grown = mask
    for radius in range(1, 40):
        if grown.sum() >= needed:
            return grown
        grown = grow(mask, radius)
        if (grown & blocked).any():
            return None
    return None


def _thumbnail(lab: np.ndarray, side: int = 96) -> np.ndarray:
    """The picture's Lab colours (N, 3) on a coarse grid (long side ``side``): what covers how much of it."""
    h, w = lab.shape[:2]
    factor = side / max(h, w)
    small = cv2.resize(lab, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=cv2.INTER_AREA)
    return small.reshape(-1, 3)


def _gradient(lab: np.ndarray) -> np.ndarray:
    lightness = lab[..., 0]
    gx = cv2.Sobel(lightness, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(lightness, cv2.CV_32F, 0, 1, ksize=3)
    return cv2.magnitude(gx, gy)


def _union(candidates: Sequence[Candidate], shape: tuple[int, int]) -> np.ndarray:
    """(H, W) bool union of candidates' masks."""
    union = np.zeros(shape, bool)
    for cand in candidates:
        x, y, w, h = cand.segment.bbox
        union[y : y + h, x : x + w] |= cand.segment.local_mask
    return union


def _overlaps(cand: Candidate, mask: np.ndarray) -> bool:
    x, y, w, h = cand.segment.bbox
    return bool((mask[y : y + h, x : x + w] & cand.segment.local_mask).any())


def spacing_pixels(shape: tuple[int, int]) -> int:
    """The minimum gap between two answer regions for a picture of this (H, W): 2 % of its diagonal."""
    return int(np.ceil(limits.MIN_SPACING_FRACTION * np.hypot(*shape)))


def _order_candidates(candidates: Sequence[Candidate], difficulty: str, rng: np.random.Generator) -> list[Candidate]:
    """Candidates in the order to try them: conspicuous first for easy, inconspicuous first for hard."""
    if not candidates:
        return []

    def rank(values) -> np.ndarray:  # 0 (lowest) .. 1 (highest)
        return np.argsort(np.argsort(values)) / max(1, len(candidates) - 1)

    prior = np.array([c.prior for c in candidates]) + rng.normal(0.0, 0.04, len(candidates))
    busy = np.array([c.busyness for c in candidates])
    busy = busy / (busy.max() + 1e-6)
    # Size leads (a vetted object's size is what a player sees first), then conspicuity and saliency on their
    # own ranks: small drawn shapes are both small (hard) and salient (easy).
    size = rank([c.area_fraction for c in candidates])
    salient = rank([c.saliency for c in candidates])
    if difficulty == "easy":
        key = -SIZE_RANK_WEIGHT * size - rank(prior) - SALIENCY_RANK_WEIGHT * salient
    elif difficulty == "hard":
        key = SIZE_RANK_WEIGHT * size + rank(prior) - 0.1 * busy + SALIENCY_RANK_WEIGHT * salient
    else:
        key = np.abs(prior - np.median(prior))
    lo, hi = STRENGTHS[difficulty].preferred_area
    preferred = np.array([lo <= c.area_fraction <= hi for c in candidates])
    objects = np.array([c.is_object for c in candidates])
    order = np.lexsort((key, ~preferred, ~objects))  # whole things first, the rest only for the fallback tier
    return [candidates[i] for i in order]


class Pipeline:
    """A segmenter and an inpainter, ready to make puzzles; safe to share between threads.

    Build it once per process (the app caches it) and call :meth:`generate`.
    """

    _CACHE_SIZE = 4

    def __init__(self, segmenter: Segmenter, inpainter: Inpainter):
        self.segmenter = segmenter
        self.inpainter = inpainter
        self._analyses: OrderedDict[bytes, Analysis] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_names(cls, segmenter: str = "auto", inpainter: str = "auto") -> Pipeline:
        """Build from registry names (``auto`` picks the best available backend).

        When ``auto`` skips a backend that failed to load (a corrupt weights file, say), the reason is
        logged and kept in ``pipeline.backend_notes``; a named backend that cannot run raises
        BackendUnavailableError instead.
        """
        import logging

        segmenter_backend, segmenter_notes = SEGMENTERS.create(segmenter)
        inpainter_backend, inpainter_notes = INPAINTERS.create(inpainter)
        pipeline = cls(segmenter_backend, inpainter_backend)
        pipeline.backend_notes = (*segmenter_notes, *inpainter_notes)
        for note in pipeline.backend_notes:
            logging.getLogger(__name__).warning(note)
        return pipeline

    @property
    def backends(self) -> dict[str, str]:
        return {"segmenter": self.segmenter.name, "inpainter": self.inpainter.name}

    # --- analysis (cached per picture) ---------------------------------------------
    def analyse(self, image: np.ndarray, progress: ProgressCallback | None = None) -> Analysis:
        """Segment and score a picture; the result is cached for a few recent pictures.

        ``progress(stage, fraction)`` hears of each step (fractions 0 to 0.35 of a whole generation).
        """
        report = progress or (lambda stage, fraction: None)
        key = hashlib.blake2b(image.tobytes(), digest_size=16, person=str(image.shape).encode()[:16]).digest()
        with self._lock:
            if key in self._analyses:
                self._analyses.move_to_end(key)
                return self._analyses[key]
        # the face cascade runs beside the colour maths and the segmenter (all release the GIL), started
        # first as it is the longest step besides the segmenter's
        finding_faces = parallel.submit(find_faces, image)
        lab = rgb_to_lab(image)
        saliency = spectral_residual_saliency(image)
        gradient = _gradient(lab)
        report("segmenting", 0.05)
        segments = self.segmenter.segment(image)
        report("segmenting", 0.15)
        faces = finding_faces.result()
        drawn = is_drawn(gradient)
        eyes = drawn_eyes(lab) if drawn else None
        protected = face_mask(image.shape[:2], faces) | eye_pair_mask(segments, lab) | head_mask(lab)
        if eyes is not None:
            protected |= drawn_face_mask(image.shape[:2], eyes)
        lab_smooth = cv2.GaussianBlur(lab, (0, 0), 1.0)
        edges_near = picture_edges(lab)
        report("segmenting", 0.2)
        candidates = propose_candidates(
            segments,
            lab=lab,
            saliency_map=saliency,
            gradient=gradient,
            lab_smooth=lab_smooth,
            edges_near=edges_near,
            protected=protected,
        )
        analysis = Analysis(
            lab,
            saliency,
            gradient,
            tuple(candidates),
            protected,
            lab_smooth,
            edges_near,
            tuple(faces),
            drawn,
            things_table(segments, lab_smooth),
            eyes,
        )
        with self._lock:
            self._analyses[key] = analysis
            while len(self._analyses) > self._CACHE_SIZE:
                self._analyses.popitem(last=False)
        return analysis

    # --- the public operations --------------------------------------------------------
    def generate(
        self,
        image: np.ndarray,
        *,
        n_differences: int = limits.DEFAULT_DIFFERENCES,
        difficulty: str = "normal",
        seed: int | None = None,
        kinds: Iterable[str] | str | None = None,
        print_safe: bool = False,
        max_side: int = limits.DEFAULT_MAX_SIDE,
        fill_weak: bool = False,
        at: Sequence = (),
        protect=None,
        progress: ProgressCallback | None = None,
        time_limit: float = limits.GENERATION_TIME_LIMIT_S,
    ) -> Puzzle:
        """Make a puzzle; see :func:`generate_puzzle`."""
        settings = make_settings(
            n_differences=n_differences,
            difficulty=difficulty,
            kinds=kinds,
            print_safe=print_safe,
            max_side=max_side,
            fill_weak=fill_weak,
        )
        seed = _validate_seed(seed)
        deadline = Deadline.after(time_limit)
        report = progress or (lambda stage, fraction: None)
        original = resize_to_max_side(as_rgb_image(image), settings.max_side)
        shape = original.shape[:2]
        pointed = [parse_pointed(p, shape) for p in at]
        if len(pointed) > settings.n_differences:
            raise InvalidInputError(
                f"{len(pointed)} points were given but only {settings.n_differences} differences asked for; "
                "ask for at least as many differences as points."
            )
        report("segmenting", 0.0)
        analysis = self.analyse(original, report)
        deadline.check()
        kept = protect_mask(analysis, shape, protect)
        report("choosing", 0.35)
        rng = np.random.default_rng(seed)
        modified, made = original, []
        for did, point in enumerate(pointed, start=1):
            modified, made = self._pointed(
                original, modified, analysis, made, did, point, settings, rng, deadline, kept
            )
        ids = list(range(len(pointed) + 1, settings.n_differences + 1))
        if ids:
            modified, made = self._fill(
                original, modified, analysis, made, ids, settings, rng, deadline, report, protect=kept
            )
        report("checking", 0.95)
        recorded = _guided_settings(kept, [(did, p) for did, p in enumerate(pointed, start=1)])
        puzzle = self._assemble(
            original, modified, made, analysis, settings.print_safe, seed, {**settings.as_dict(), **recorded}
        )
        report("checking", 1.0)
        return puzzle

    def replace_difference(
        self,
        puzzle: Puzzle,
        difference_id: int,
        *,
        seed: int | None = None,
        protect=None,
        progress: ProgressCallback | None = None,
        time_limit: float = limits.GENERATION_TIME_LIMIT_S,
    ) -> Puzzle:
        """A copy of ``puzzle`` where difference ``difference_id`` is undone and a new one made elsewhere.

        The other differences stay exactly as they are; the new one keeps the same id. Areas the puzzle
        keeps protected stay so; ``protect`` (points or a mask) adds to them.
        """
        old = puzzle.difference(difference_id)
        settings, analysis, kept = self._resume(puzzle, protect)
        seed = _validate_seed(seed)
        report = progress or (lambda stage, fraction: None)
        deadline = Deadline.after(time_limit)
        report("segmenting", 0.0)
        base, keep = _without(puzzle, difference_id)
        rng = np.random.default_rng([puzzle.seed, difference_id, seed])
        report("choosing", 0.35)
        modified, made = self._fill(
            puzzle.original,
            base,
            analysis,
            keep,
            [difference_id],
            settings,
            rng,
            deadline,
            report,
            avoid=old.mask,
            protect=kept,
        )
        replaced = [*_string_list(puzzle.settings.get("replaced")), f"{difference_id}:{seed}"][-16:]
        pointed = [(p["id"], p) for p in stored_pointed(puzzle.settings) if p["id"] != difference_id]
        report("checking", 0.95)
        return self._reassemble(
            puzzle, modified, made, analysis, settings, {"replaced": replaced, **_guided_settings(kept, pointed)}
        )

    def add_difference(
        self,
        puzzle: Puzzle,
        point,
        *,
        kind: str | None = None,
        seed: int | None = None,
        protect=None,
        progress: ProgressCallback | None = None,
        time_limit: float = limits.GENERATION_TIME_LIMIT_S,
    ) -> Puzzle:
        """A copy of ``puzzle`` with a difference at ``point`` (x, y in working-size pixels).

        The thing under the point is changed by ``kind`` (or the first of the puzzle's kinds that looks
        natural on it), through the same rules, checks and naturalness gate as every difference. It is added
        as difference N + 1, or, when the puzzle already has ``limits.MAX_DIFFERENCES``, it takes the place
        of the weakest one. The same puzzle, point, kind and seed give the same result.

        Raises
        ------
        ImageUnsuitableError
            One sentence on why not: a protected area, too close to another difference, no separate thing
            there, or no change of it would look natural.
        """
        settings, analysis, kept = self._resume(puzzle, protect)
        target = parse_pointed((*point, kind) if kind is not None else point, puzzle.shape)
        seed = 0 if seed is None else _validate_seed(seed)
        report = progress or (lambda stage, fraction: None)
        deadline = Deadline.after(time_limit)
        report("segmenting", 0.0)
        if len(puzzle) >= limits.MAX_DIFFERENCES:
            did = min(puzzle.differences, key=lambda d: (d.natural, d.conspicuity)).id  # the weakest gives way
            base, keep = _without(puzzle, did)
        else:
            did = max((d.id for d in puzzle.differences), default=0) + 1
            base, keep = _without(puzzle, None)
        rng = np.random.default_rng([puzzle.seed, target.x, target.y, seed])
        report("choosing", 0.35)
        modified, made = self._pointed(
            puzzle.original, base, analysis, keep, did, target, settings, rng, deadline, kept
        )
        pointed = [(p["id"], p) for p in stored_pointed(puzzle.settings) if p["id"] != did] + [(did, target)]
        report("checking", 0.95)
        recorded = {"n_differences": len(made), **_guided_settings(kept, pointed)}
        if "replaced" in puzzle.settings:
            recorded["replaced"] = _string_list(puzzle.settings["replaced"])
        return self._reassemble(puzzle, modified, made, analysis, settings, recorded)

    def protect(
        self,
        puzzle: Puzzle,
        protect,
        *,
        seed: int | None = None,
        progress: ProgressCallback | None = None,
        time_limit: float = limits.GENERATION_TIME_LIMIT_S,
    ) -> Puzzle:
        """A copy of ``puzzle`` that keeps ``protect`` (points or a mask) unchanged from now on.

        Differences in the newly protected area (or too close to it to be told apart) are replaced by new ones
        elsewhere, each as :meth:`replace_difference` would; the area is recorded, so later replacements,
        additions and regenerations keep off it too.

        Raises
        ------
        ImageUnsuitableError
            A difference there has nowhere else to go (the message names it); the puzzle is unchanged.
        """
        kept = self._resume(puzzle, protect)[2]
        spacing = spacing_pixels(puzzle.shape)
        moved = [d.id for d in puzzle.differences if (grow(d.mask, spacing) & kept).any()]
        result = Puzzle(
            original=puzzle.original,
            modified=puzzle.modified,
            differences=puzzle.differences,
            seed=puzzle.seed,
            settings={**puzzle.settings, **_guided_settings(kept, [])},
            backends=puzzle.backends,
        )
        for did in moved:
            try:
                result = self.replace_difference(
                    result, did, seed=0 if seed is None else seed, progress=progress, time_limit=time_limit
                )
            except ImageUnsuitableError:
                raise ImageUnsuitableError(
                    f"Difference {did} lies in the area to keep, and no other place in the picture holds a "
                    "natural difference for it; replace or keep it, or protect a smaller area."
                ) from None
        return result

    # --- the work ------------------------------------------------------------------------
    def _reassemble(
        self,
        puzzle: Puzzle,
        modified: np.ndarray,
        made: list[tuple[int, str, np.ndarray, dict]],
        analysis: Analysis,
        settings: Settings,
        recorded: dict,
    ) -> Puzzle:
        """:meth:`_assemble` for a changed copy of ``puzzle``: same picture and seed, settings plus ``recorded``."""
        return self._assemble(
            puzzle.original,
            modified,
            made,
            analysis,
            settings.print_safe,
            puzzle.seed,
            {**settings.as_dict(), **recorded},
        )

    def _resume(self, puzzle: Puzzle, protect) -> tuple[Settings, Analysis, np.ndarray]:
        """A saved puzzle's settings, its picture's analysis, and its protected area plus ``protect``."""
        stored = dict(puzzle.settings)
        # A shared puzzle file may carry anything here: what is not a valid setting falls back to the default.
        kinds = [k for k in _string_list(stored.get("kinds")) if k in limits.KINDS]
        max_side = stored.get("max_side")
        if not (isinstance(max_side, int) and limits.MIN_MAX_SIDE <= max_side <= limits.MAX_MAX_SIDE):
            max_side = min(max(max(puzzle.shape), limits.MIN_MAX_SIDE), limits.MAX_MAX_SIDE)
        settings = make_settings(
            n_differences=min(max(len(puzzle), limits.MIN_DIFFERENCES), limits.MAX_DIFFERENCES),
            difficulty=stored.get("difficulty") if stored.get("difficulty") in limits.DIFFICULTIES else "normal",
            kinds=kinds or None,
            print_safe=stored.get("print_safe") is True,
            max_side=max_side,
            fill_weak=stored.get("fill_weak") is True,  # a shared file may say "yes"
        )
        analysis = self.analyse(puzzle.original)
        kept = protect_mask(analysis, puzzle.shape, protect)
        before = stored_protection(stored, puzzle.shape)
        if before is not None:
            kept |= before
        return settings, analysis, kept

    def _pointed(
        self,
        original: np.ndarray,
        base: np.ndarray,
        analysis: Analysis,
        keep: list[tuple[int, str, np.ndarray, dict]],
        did: int,
        point: Pointed,
        settings: Settings,
        rng: np.random.Generator,
        deadline: Deadline,
        protect: np.ndarray,
    ) -> tuple[np.ndarray, list[tuple[int, str, np.ndarray, dict]]]:
        """One difference on the thing at a point a person chose, or ImageUnsuitableError saying why not."""
        x, y = point.x, point.y
        where = f"at ({x}, {y})"
        if analysis.protected[y, x] or protect[y, x]:
            raise ImageUnsuitableError(
                f"The point {where} is in a protected area (a face, or a place marked to keep); "
                "point at something else."
            )
        spacing = spacing_pixels(original.shape[:2])
        taken = analysis.protected | protect
        for other, _, mask, _ in keep:
            grown = grow(mask, spacing)
            if grown[y, x]:
                raise ImageUnsuitableError(
                    f"The point {where} is on or next to difference {other}; point at a thing further from it."
                )
            taken |= grown
        things = things_at(analysis, original, x, y)
        if not things:
            raise ImageUnsuitableError(
                f"There is no separate thing {where} that could change (it looks like background, texture, "
                "skin, or a thing too big or cut by the border); point at a thing that stands out from its surround."
            )
        things = [c for c in things if not _overlaps(c, taken)]
        if not things:
            raise ImageUnsuitableError(
                f"The thing {where} reaches into a protected area or too close to another difference; "
                "point at a thing further from them."
            )
        kinds = (point.kind,) if point.kind else settings.kinds
        try:
            return self._fill(
                original,
                base,
                analysis,
                keep,
                [did],
                replace(settings, kinds=kinds, fill_weak=False),
                rng,
                deadline,
                lambda stage, fraction: None,
                only=things,
                protect=protect,
            )
        except ImageUnsuitableError:
            raise ImageUnsuitableError(
                f"No change of the thing {where} would look natural or stay clear of the other differences "
                f"(tried: {', '.join(kinds)}); point at another thing"
                + ("." if point.kind is None else ", or let the kind be chosen.")
            ) from None

    def _fill(
        self,
        original: np.ndarray,
        base: np.ndarray,
        analysis: Analysis,
        keep: list[tuple[int, str, np.ndarray, dict]],
        ids: list[int],
        settings: Settings,
        rng: np.random.Generator,
        deadline: Deadline,
        report: ProgressCallback,
        avoid: np.ndarray | None = None,
        only: Sequence[Candidate] | None = None,
        protect: np.ndarray | None = None,
    ) -> tuple[np.ndarray, list[tuple[int, str, np.ndarray, dict]]]:
        """Add one difference per id to ``base``; returns the picture and all (id, kind, mask).

        ``only``: the things a person pointed at, tried in this order instead of the analysis' candidates
        (whole things or not: the person says it is one; the kinds' rules and the gate still judge).
        ``protect``: an area a person asked to keep, blocked like faces.
        """
        shape = original.shape[:2]
        spacing = spacing_pixels(shape)
        modified = np.array(base, copy=True)
        modified_lab = rgb_to_lab(modified) if keep else analysis.lab.copy()
        blocked = analysis.protected.copy()  # faces: never changed, not even by a halo or a copy
        if protect is not None:
            blocked |= protect
        for _, _, mask, _ in keep:
            blocked |= grow(mask, spacing)
        blocked_sources = blocked | avoid if avoid is not None else blocked
        made = list(keep)
        remaining = list(only) if only is not None else _order_candidates(analysis.candidates, settings.difficulty, rng)
        remaining = [c for c in remaining if not _overlaps(c, blocked_sources)]
        # The plan does not depend on how many are asked for, so the first K slots go the same way for any N
        # (an error's "can hold only K" is then a promise: asking for K with the same seed works).
        plan = [settings.kinds[i] for i in rng.permutation(len(settings.kinds))]
        ctx = EditContext(
            image=modified,
            lab=modified_lab,
            gradient=analysis.gradient,
            blocked=blocked,
            spacing=spacing,
            rng=rng,
            inpainter=self.inpainter,
            strength=STRENGTHS[settings.difficulty],
            print_safe=settings.print_safe,
            lab_smooth=analysis.lab_smooth,
            edges_near=analysis.edges_near,
            thumbnail_lab=_thumbnail(analysis.lab_smooth),
            drawn=analysis.drawn,
            things=analysis.things,
            eyes=analysis.eyes,
        )
        for slot, did in enumerate(ids):
            report("editing", 0.4 + 0.55 * slot / len(ids))
            ctx.reserved = _union(remaining[:RESERVED_CANDIDATES], shape)
            # Kinds used least so far come first, so one kind that suits many things does not take every slot.
            used = Counter(m[1] for m in made)
            planned = min(plan[slot % len(plan) :] + plan[: slot % len(plan)], key=lambda k: used[k])
            others = sorted((k for k in settings.kinds if k != planned), key=lambda k: (used[k], plan.index(k)))
            accepted, fallback, fallback_cand = None, None, None
            tries = 0
            # Tier 1, natural: whole things, each kind under its rules, every edit through the naturalness gate.
            # First the planned kind on the best few candidates (keeps the mix of kinds), then any kind on any.
            # A natural edit of the wrong size for the difficulty is kept aside as a fallback. Only when the
            # caller asks to fill up (settings.fill_weak): an edit that fails the gate is a fallback too, and
            # tier 2, when tier 1 finds nothing, waives the rules; such changes are flagged weak.
            for relaxed in (False, True) if settings.fill_weak else (False,):
                ctx.relaxed = relaxed
                for kinds, limit in (([planned], PLANNED_KIND_TRIES), ([planned, *others], None)):
                    exhausted = set()
                    for index, cand in enumerate(remaining[:limit]):
                        if tries >= MAX_TRIES_PER_SLOT + (MAX_FALLBACK_TRIES if relaxed else 0):
                            break
                        if not relaxed and not cand.is_object and only is None:
                            continue
                        deadline.check()
                        usable = False
                        for k in kinds:
                            ran, attempt = self._attempt(k, cand, ctx, analysis)
                            tries += ran
                            if attempt is None:
                                continue
                            usable = True
                            if attempt.natural:
                                accepted = attempt
                                break
                            if not settings.fill_weak and verdict(attempt.naturalness) is not None:
                                continue
                            if fallback is None or attempt.badness < fallback.badness:
                                fallback, fallback_cand = attempt, cand
                        if accepted is not None:
                            exhausted.add(index)
                            break
                        if limit is None and relaxed and not usable:
                            exhausted.add(index)  # no kind fits it now, and none will once more answers exist
                    remaining = [c for i, c in enumerate(remaining) if i not in exhausted]
                    if accepted is not None:
                        break
                if accepted is not None or fallback is not None:
                    break
            ctx.relaxed = False
            if accepted is None and fallback is not None:
                accepted = fallback
                remaining = [c for c in remaining if c is not fallback_cand]
            if accepted is None:
                held = len(made)
                weak = "" if settings.fill_weak else "allow weaker changes to fill up, "
                how = "even with weaker changes" if settings.fill_weak else "so that it looks natural"
                asked = f"difficulty {settings.difficulty}, kinds {', '.join(settings.kinds)}"
                if held == 0:
                    raise ImageUnsuitableError(
                        f"No difference fits in this picture ({asked}): it has no separate objects that can be "
                        f"changed {how}; {weak + 'or ' if weak else ''}try another picture.",
                        held=0,
                    )
                raise ImageUnsuitableError(
                    f"This picture can hold only {held} of the {len(keep) + len(ids)} differences asked for "
                    f"({asked}); ask for {held} or fewer, {weak}allow more kinds of change, or use a picture "
                    "with more separate objects.",
                    held=held,
                )
            mask, window = accepted.mask, accepted.window
            modified[mask] = accepted.image[mask]
            modified_lab[window] = np.where(mask[window][..., None], accepted.new_lab, modified_lab[window])
            grown = grow(mask, spacing)
            blocked |= grown
            blocked_sources |= grown
            remaining = [c for c in remaining if not _overlaps(c, blocked_sources)]
            made.append((did, accepted.kind, mask, accepted.naturalness))
        return modified, made

    def _attempt(self, kind: str, cand: Candidate, ctx: EditContext, analysis: Analysis) -> tuple[bool, Attempt | None]:
        """Apply one kind of change to one candidate and judge it.

        Returns (ran, attempt): ``ran`` is whether the edit was made (what costs time: the search counts
        these); ``attempt`` is None if the kind's rules refused the thing, or the change breaks a guarantee
        or is damage (past the gate's hard limits); otherwise ``attempt.natural`` says whether it passed
        the naturalness gate.
        """
        result = EDITS[kind](cand, ctx)
        if result is None:
            return False, None
        if (result.mask & ctx.blocked).any() or verdict(result.naturalness, hard=True) is not None:
            return True, None
        mask = _pad_to_min_area(result.mask, ctx.blocked)
        if mask is None:
            return True, None
        x0, y0, bw, bh = bbox_of(mask)
        window = (slice(y0, y0 + bh), slice(x0, x0 + bw))
        new_lab = rgb_to_lab(result.image[window])
        measure = measure_change(
            analysis.lab[window], new_lab, mask[window], analysis.saliency[window], picture_area=mask.size
        )
        if failed_guarantee(measure, print_safe=ctx.print_safe, margin=ACCEPTANCE_MARGIN) is not None:
            return True, None
        lowest, highest = ctx.strength.contrast_range
        if measure.contrast < lowest:
            return True, None  # visible, but not as strong as easy asks
        smallest, largest = ctx.strength.area_range
        # Not as large (easy), as small or as quiet (hard) as the difficulty asks: only a fallback.
        off_size = not smallest <= measure.area_fraction <= largest or measure.contrast > highest
        natural = not ctx.relaxed and not off_size and verdict(result.naturalness) is None
        if ctx.relaxed:
            result.naturalness["rules"] = 1.0  # made in the fallback tier: the kind's rules were waived
        return True, Attempt(kind, mask, window, new_lab, result.image, dict(result.naturalness), natural, off_size)

    def _assemble(
        self,
        original: np.ndarray,
        modified: np.ndarray,
        made: list[tuple[int, str, np.ndarray, dict]],
        analysis: Analysis,
        print_safe: bool,
        seed: int,
        settings: dict,
    ) -> Puzzle:
        """Measure every difference on the final pictures and build the Puzzle."""
        modified_lab = rgb_to_lab(modified)
        differences = []
        for did, kind, mask, naturalness in sorted(made, key=lambda m: m[0]):
            measure = measure_change(analysis.lab, modified_lab, mask, analysis.saliency)
            problem = failed_guarantee(measure, print_safe=print_safe)
            if problem is not None:  # cannot happen unless an edit lied about its mask
                raise ImageUnsuitableError(f"Difference {did} ({kind}) failed its final check: {problem}.")
            differences.append(
                Difference(
                    id=did,
                    kind=kind,
                    mask=mask,
                    bbox=bbox_of(mask),
                    center=center_of(mask),
                    area_fraction=round(measure.area_fraction, 6),
                    contrast=round(measure.contrast, 3),
                    lightness_contrast=round(measure.lightness_contrast, 3),
                    saliency=round(measure.saliency, 4),
                    conspicuity=measure.conspicuity,
                    naturalness=naturalness,
                    natural=verdict(naturalness) is None,
                )
            )
        return Puzzle(
            original=original,
            modified=modified,
            differences=tuple(differences),
            seed=seed,
            settings=settings,
            backends=self.backends,
        )


def _without(puzzle: Puzzle, removed: int | None) -> tuple[np.ndarray, list[tuple[int, str, np.ndarray, dict]]]:
    """The puzzle's changed picture with difference ``removed`` undone (if any), and the others to keep."""
    base = np.array(puzzle.modified, copy=True)
    keep = []
    for d in puzzle.differences:
        if d.id == removed:
            base[d.mask] = puzzle.original[d.mask]
        else:
            keep.append((d.id, d.kind, d.mask, dict(d.naturalness)))
    return base, keep


def _string_list(value) -> list[str]:
    """``value`` if it is a list of strings (as a puzzle file should have it), else an empty list."""
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    return []


def _guided_settings(kept: np.ndarray, pointed: Sequence[tuple[int, Pointed | dict]]) -> dict:
    """What puzzle.json records of guided creation: the protected area and the pointed differences."""
    recorded: dict = {}
    if kept.any():
        recorded["protected"] = encode_mask(kept)
    entries = []
    for did, point in sorted(pointed, key=lambda item: item[0]):
        entry = point.as_dict() if isinstance(point, Pointed) else {"at": point.get("at"), "kind": point.get("kind")}
        entries.append({"id": did, **entry})
    if entries:
        recorded["pointed"] = entries
    return recorded


def _validate_seed(seed: int | None) -> int:
    if seed is None:
        return secrets.randbits(32)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise InvalidInputError(f"The seed must be a whole number from 0 to 2**63 - 1, not {seed!r}.")
    return int(seed)


@lru_cache(maxsize=8)
def get_pipeline(segmenter: str = "auto", inpainter: str = "auto") -> Pipeline:
    """The shared pipeline for these backend names (built once per process)."""
    return Pipeline.from_names(segmenter, inpainter)


def generate_puzzle(
    image: np.ndarray,
    *,
    n_differences: int = limits.DEFAULT_DIFFERENCES,
    difficulty: str = "normal",
    seed: int | None = None,
    kinds: Iterable[str] | str | None = None,
    print_safe: bool = False,
    max_side: int = limits.DEFAULT_MAX_SIDE,
    fill_weak: bool = False,
    segmenter: str = "auto",
    inpainter: str = "auto",
    progress: ProgressCallback | None = None,
    time_limit: float = limits.GENERATION_TIME_LIMIT_S,
) -> Puzzle:
    """Make a spot-the-difference puzzle from a picture.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray
        The RGB picture (reduced to ``max_side`` if larger; not modified).
    n_differences : int
        Exactly this many differences, 1 to ``limits.MAX_DIFFERENCES``.
    difficulty : {"easy", "normal", "hard"}
        Easy: large, strong, salient changes; hard: small, subtle ones in busier places.
    seed : int, optional
        Same picture, settings and seed give the same puzzle, byte for byte. Random if None
        (the puzzle records the seed used).
    kinds : iterable of str or comma-separated str, optional
        Allowed kinds of change (default all of ``limits.KINDS``).
    print_safe : bool
        Every difference also changes lightness (mean |dL| >= 8) so it survives grey printing.
    max_side : int
        Long side of the working picture.
    fill_weak : bool
        Every difference passes the naturalness gate unless this is True; then, when the picture holds fewer
        natural differences than asked for, weaker ones fill up (flagged ``natural: false`` in the puzzle).
    segmenter, inpainter : str
        Backend names from the registries, or ``"auto"``.
    progress : callable(stage, fraction), optional
        Called with stages "segmenting", "choosing", "editing", "checking".
    time_limit : float
        Seconds after which generation stops with GenerationTimeoutError.

    Returns
    -------
    Puzzle

    Raises
    ------
    InvalidInputError
        A bad setting or picture array.
    ImageUnsuitableError
        The picture cannot hold that many (natural) differences; the message and ``error.held`` say how many.
    """
    return get_pipeline(segmenter, inpainter).generate(
        image,
        n_differences=n_differences,
        difficulty=difficulty,
        seed=seed,
        kinds=kinds,
        print_safe=print_safe,
        max_side=max_side,
        fill_weak=fill_weak,
        progress=progress,
        time_limit=time_limit,
    )
