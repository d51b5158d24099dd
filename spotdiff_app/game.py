"""The rules of one game of spot-the-difference: found set, mistakes, hints, click dedupe, the clock, modes, stars."""

from __future__ import annotations

import enum
import functools
import hashlib
import itertools
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from spotdiff_core.puzzle import Puzzle, marker_circle

# How big a hint circle is, relative to the difference's own marker circle and to the picture diagonal.
HINT_RADIUS_FACTOR = 2.5
HINT_MIN_RADIUS_FRACTION = 0.07

# How far from a difference a tap still counts, in CSS pixels of the picture as shown: a finger covers
# about 20 px of a phone screen, a mouse pointer is precise to a few. Large-target mode doubles both.
TOUCH_TOLERANCE_PX = 20.0
POINTER_TOLERANCE_PX = 10.0
LARGE_TARGET_FACTOR = 2.0
NARROW_SCREEN_PX = 700  # a window narrower than this is a phone or small tablet: taps get the touch tolerance

# Timed mode: the countdown per difference by difficulty, and what a mistake costs.
SECONDS_PER_DIFFERENCE = {"easy": 40.0, "normal": 30.0, "hard": 20.0}
MISTAKE_PENALTY_S = 5.0
# Stars: the time a good player needs per difference (par); more mistakes than this costs a star.
PAR_SECONDS_PER_DIFFERENCE = {"easy": 12.0, "normal": 18.0, "hard": 25.0}
MISTAKES_FOR_THREE_STARS = 2
HINT_LIMITS = (None, 3, 1, 0)  # the choices offered: unlimited, 3, 1, none

_game_numbers = itertools.count(1)


def tap_tolerance(*, display_width: float, width: int, touch: bool, large_targets: bool = False) -> float:
    """How far (working-size pixels) a tap may land from a difference of a picture ``width`` px wide that is
    shown ``display_width`` CSS px wide, and still count for it.

    The rule is set in displayed pixels (``TOUCH_TOLERANCE_PX`` for a finger, ``POINTER_TOLERANCE_PX`` for a
    mouse), so a picture shrunk onto a phone forgives as much on screen as a big one on a desktop.
    """
    css = TOUCH_TOLERANCE_PX if touch else POINTER_TOLERANCE_PX
    if large_targets:
        css *= LARGE_TARGET_FACTOR
    return css * width / display_width


def is_touch(value: Mapping[str, object]) -> bool:
    """A tap from a touch screen or a narrow window (the board component says which)."""
    if value.get("pointer") == "touch":
        return True
    try:
        viewport = float(value.get("viewport_width") or 0)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return False
    return 0 < viewport < NARROW_SCREEN_PX


@dataclass(frozen=True)
class GameMode:
    """How a game is played, chosen before it starts.

    timed : a countdown (``SECONDS_PER_DIFFERENCE`` by difficulty), each mistake takes ``MISTAKE_PENALTY_S`` off;
        relaxed when False (the clock only counts up).
    hint_limit : how many hints the game allows; None for as many as wanted.
    large_targets : taps count from twice as far (young children, older players).
    """

    timed: bool = False
    hint_limit: int | None = None
    large_targets: bool = False

    @property
    def name(self) -> str:
        return "timed" if self.timed else "relaxed"


@dataclass(frozen=True)
class Result:
    """How a finished game went: what the finish card and the session's best results show."""

    stars: int
    seconds: float
    mistakes: int
    hints: int

    def beats(self, other: Result | None) -> bool:
        """More stars, then less time, then fewer mistakes, then fewer hints."""
        if other is None:
            return True
        return (-self.stars, self.seconds, self.mistakes, self.hints) < (
            -other.stars,
            other.seconds,
            other.mistakes,
            other.hints,
        )


def star_rating(*, seconds: float, mistakes: int, hints: int, total: int, difficulty: str = "normal") -> int:
    """1 to 3 stars for a won game: start at 3 and lose one each for going over par time
    (``PAR_SECONDS_PER_DIFFERENCE`` x differences), for more than ``MISTAKES_FOR_THREE_STARS`` mistakes and for
    using any hint; never fewer than 1."""
    par = PAR_SECONDS_PER_DIFFERENCE.get(difficulty, PAR_SECONDS_PER_DIFFERENCE["normal"]) * max(1, total)
    stars = 3 - (seconds > par) - (mistakes > MISTAKES_FOR_THREE_STARS) - (hints > 0)
    return max(1, stars)


def puzzle_key(puzzle: Puzzle) -> str:
    """A short fingerprint of a puzzle (its pictures and answers), to keep best results per puzzle."""
    digest = hashlib.sha1(usedforsecurity=False)
    for array in (puzzle.original, puzzle.modified, puzzle.labels):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]


def record_best(bests: dict[str, Result], key: str, result: Result) -> tuple[Result, bool]:
    """Keep ``result`` in ``bests`` under ``key`` if it beats the one there; returns (the best, whether it is new)."""
    best = bests.get(key)
    if result.beats(best):
        bests[key] = result
        return result, True
    return best, False  # type: ignore[return-value]


class Outcome(enum.StrEnum):
    """What a click did."""

    HIT = "hit"  # found a new difference
    ALREADY = "already"  # on a difference found before: neither a hit nor a mistake
    MISS = "miss"  # nothing there: one more mistake
    DUPLICATE = "duplicate"  # the same click delivered again (a rerun): ignored
    IGNORED = "ignored"  # the game is over, or the click could not be read: ignored


@dataclass(frozen=True)
class ClickResult:
    """The outcome of one click, with the point in working-size pixels and the difference it hit, if any."""

    outcome: Outcome
    x: float = math.nan
    y: float = math.nan
    difference_id: int | None = None


@dataclass(frozen=True)
class Hint:
    """A circle (working-size pixels) that surely contains the whole of one not-yet-found difference."""

    difference_id: int
    center: tuple[int, int]
    radius: int


def to_working(x: float, y: float, *, display_width: float, display_height: float, shape: tuple[int, int]):
    """Map a point from displayed pixels to working-size pixels of a picture of ``shape`` (H, W).

    The picture may be shown at any size; the component reports that size with every click.
    """
    height, width = shape
    return x * width / display_width, y * height / display_height


class Game:
    """One play-through of a puzzle. Plain Python, no Streamlit: the Play page keeps one in the session.

    Parameters
    ----------
    puzzle : Puzzle
    clock : callable, optional
        Seconds as a float (default ``time.monotonic``); tests pass a fake clock.
    seed : int, optional
        Seeds where hints are drawn (default: the puzzle's seed, so a replay gives the same hints).
    mode : GameMode, optional
        Relaxed or timed, the hint limit, large targets (default: relaxed, unlimited hints).
    """

    def __init__(
        self,
        puzzle: Puzzle,
        *,
        clock: Callable[[], float] = time.monotonic,
        seed: int | None = None,
        mode: GameMode | None = None,
    ):
        self.puzzle = puzzle
        self.mode = mode or GameMode()
        self.timed_out = False
        self.number = next(_game_numbers)  # tells games apart, e.g. in widget keys
        self._clock = clock
        self.started_at = clock()
        self.finished_at: float | None = None
        self.found: list[int] = []  # difference ids in the order they were found
        self.mistakes = 0
        self.hints_used = 0
        self.hint: Hint | None = None
        self.revealed = False
        self._seen_clicks: set[object] = set()
        self._rng = np.random.default_rng(puzzle.seed if seed is None else seed)

    # --- state ---------------------------------------------------------------
    @property
    def total(self) -> int:
        return len(self.puzzle)

    @property
    def is_won(self) -> bool:
        """Every difference found by the player (not revealed, not out of time)."""
        return len(self.found) == self.total and not self.revealed and not self.timed_out

    @property
    def difficulty(self) -> str:
        difficulty = self.puzzle.settings.get("difficulty", "normal")
        return difficulty if difficulty in SECONDS_PER_DIFFERENCE else "normal"

    @property
    def time_limit(self) -> float | None:
        """Seconds on the countdown of a timed game (by difficulty and number of differences); None if relaxed."""
        if not self.mode.timed:
            return None
        return SECONDS_PER_DIFFERENCE[self.difficulty] * self.total

    def time_left(self) -> float | None:
        """Seconds left on a timed game's countdown, mistakes' penalties taken off; None if relaxed."""
        limit = self.time_limit
        if limit is None:
            return None
        return max(0.0, limit - self.elapsed() - MISTAKE_PENALTY_S * self.mistakes)

    def check_time(self) -> bool:
        """End a timed game whose countdown ran out; True if it has (now or before)."""
        if self.timed_out:
            return True
        if self.is_over or self.mode.timed is False:
            return False
        left = self.time_left()
        if left is not None and left <= 0:
            self.timed_out = True
            # The game ended when the time ran out, not when someone noticed.
            self.finished_at = self.started_at + max(0.0, self.time_limit - MISTAKE_PENALTY_S * self.mistakes)
            self.hint = None
            return True
        return False

    @property
    def hints_left(self) -> int | None:
        """Hints still allowed; None when unlimited."""
        if self.mode.hint_limit is None:
            return None
        return max(0, self.mode.hint_limit - self.hints_used)

    def tolerance(self, *, display_width: float, touch: bool) -> float:
        """The tap tolerance (working-size pixels) for this game's picture shown ``display_width`` px wide."""
        return tap_tolerance(
            display_width=display_width, width=self.puzzle.width, touch=touch, large_targets=self.mode.large_targets
        )

    def result(self) -> Result | None:
        """Stars, time, mistakes and hints of a won game; None until then."""
        if not self.is_won:
            return None
        seconds = self.elapsed()
        stars = star_rating(
            seconds=seconds,
            mistakes=self.mistakes,
            hints=self.hints_used,
            total=self.total,
            difficulty=self.difficulty,
        )
        return Result(stars, seconds, self.mistakes, self.hints_used)

    @property
    def is_over(self) -> bool:
        return self.finished_at is not None

    @property
    def remaining(self) -> list[int]:
        """Ids of the differences not found yet, in id order."""
        return [d.id for d in self.puzzle.differences if d.id not in self.found]

    def elapsed(self) -> float:
        """Seconds since the game started; stops when it ends."""
        end = self.finished_at if self.finished_at is not None else self._clock()
        return max(0.0, end - self.started_at)

    @functools.cached_property
    def key(self) -> str:
        """The puzzle's fingerprint (:func:`puzzle_key`), computed once per game."""
        return puzzle_key(self.puzzle)

    def progress(self) -> dict[str, object]:
        """What the player's browser keeps of a game under way, to carry it over a reload (plain JSON)."""
        return {
            "found": list(self.found),
            "mistakes": self.mistakes,
            "hints": self.hints_used,
            "seconds": round(self.elapsed(), 1),
            "timed": self.mode.timed,
            "hint_limit": self.mode.hint_limit,
            "large_targets": self.mode.large_targets,
        }

    @property
    def is_untouched(self) -> bool:
        """Nothing played yet: no difference found, no mistake, no hint, not over."""
        return not self.found and not self.mistakes and not self.hints_used and not self.is_over

    def restore(self, progress: Mapping[str, object]) -> bool:
        """Carry on a game from :meth:`progress` (as the browser kept it over a reload); only into an untouched
        game, and only a progress that fits this puzzle. Returns whether it was taken; anything else is ignored."""
        if not self.is_untouched or not isinstance(progress, Mapping):
            return False
        found, mistakes, hints = progress.get("found"), progress.get("mistakes"), progress.get("hints")
        seconds, hint_limit = progress.get("seconds"), progress.get("hint_limit")
        known = {d.id for d in self.puzzle.differences}
        ok = (
            isinstance(found, list)
            and all(type(i) is int and i in known for i in found)
            and len(set(found)) == len(found) < self.total
            and type(mistakes) is int
            and type(hints) is int
            and 0 <= mistakes <= 100_000
            and 0 <= hints <= 100_000
            and isinstance(seconds, int | float)
            and math.isfinite(seconds)
            and 0 <= seconds <= 7 * 24 * 3600
            and (hint_limit is None or (type(hint_limit) is int and 0 <= hint_limit <= 100))
        )
        if not ok:
            return False
        self.mode = GameMode(
            timed=progress.get("timed") is True,
            hint_limit=hint_limit,
            large_targets=progress.get("large_targets") is True,
        )
        self.found = list(found)
        self.mistakes = mistakes
        self.hints_used = hints
        self.started_at = self._clock() - float(seconds)
        self.check_time()
        return True

    def summary(self) -> dict[str, object]:
        """The numbers a finish message shows."""
        return {
            "found": len(self.found),
            "total": self.total,
            "seconds": self.elapsed(),
            "mistakes": self.mistakes,
            "hints": self.hints_used,
            "revealed": self.revealed,
            "timed_out": self.timed_out,
        }

    # --- actions -------------------------------------------------------------
    def click(
        self,
        x: float,
        y: float,
        *,
        display_width: float | None = None,
        display_height: float | None = None,
        click_id: object = None,
        touch: bool = False,
    ) -> ClickResult:
        """Play a click at ``(x, y)``.

        Parameters
        ----------
        x, y : float
            Where the click landed, in displayed pixels if ``display_width``/``display_height`` are given,
            else in working-size pixels.
        display_width, display_height : float, optional
            The size the picture was shown at when clicked.
        click_id : hashable, optional
            Identifies the click (the component's ``unix_time``); a click seen before is ignored,
            so a value delivered again by a rerun counts once.
        touch : bool
            A finger rather than a mouse: the larger tolerance (see :func:`tap_tolerance`).

        A click inside a difference counts for it; a click outside every difference counts for the one whose
        outline is nearest, if that is within the tolerance, which is set in displayed pixels (when the display
        size is given; else the puzzle's default).
        """
        if click_id is not None:
            if click_id in self._seen_clicks:
                return ClickResult(Outcome.DUPLICATE)
            self._seen_clicks.add(click_id)
        if self.check_time() or self.is_over:
            return ClickResult(Outcome.IGNORED)
        tolerance = None
        if display_width is not None or display_height is not None:
            if not display_width or not display_height or display_width <= 0 or display_height <= 0:
                return ClickResult(Outcome.IGNORED)
            if not (math.isfinite(display_width) and math.isfinite(display_height)):
                return ClickResult(Outcome.IGNORED)
            x, y = to_working(x, y, display_width=display_width, display_height=display_height, shape=self.puzzle.shape)
            tolerance = self.tolerance(display_width=display_width, touch=touch)
        elif touch or self.mode.large_targets:
            # No display size: the picture at its own size, one working pixel per CSS pixel.
            tolerance = self.tolerance(display_width=self.puzzle.width, touch=touch)
        if not (math.isfinite(x) and math.isfinite(y)):
            return ClickResult(Outcome.IGNORED)
        hit = self.puzzle.hit_test(x, y, tolerance=tolerance)
        if hit is None:
            self.mistakes += 1
            return ClickResult(Outcome.MISS, x, y)
        if hit.id in self.found:
            return ClickResult(Outcome.ALREADY, x, y, hit.id)
        self.found.append(hit.id)
        if self.hint is not None and self.hint.difference_id == hit.id:
            self.hint = None
        if len(self.found) == self.total:
            self._finish()
        return ClickResult(Outcome.HIT, x, y, hit.id)

    def click_value(self, value: Mapping[str, object] | None) -> ClickResult | None:
        """Play the value streamlit-image-coordinates returned (``{x, y, width, height, unix_time}``), if any."""
        if not value:
            return None
        try:
            x, y = float(value["x"]), float(value["y"])
            width, height = float(value["width"]), float(value["height"])
        except (KeyError, TypeError, ValueError, OverflowError):
            return ClickResult(Outcome.IGNORED)
        click_id = value.get("unix_time")
        if click_id is not None and type(click_id) not in (int, float, str):
            return ClickResult(Outcome.IGNORED)  # the browser sends a number; anything else is not a tap
        return self.click(x, y, display_width=width, display_height=height, click_id=click_id, touch=is_touch(value))

    def request_hint(self) -> Hint | None:
        """Show the rough area of one difference not found yet (counts as a hint); None when the game is over."""
        remaining = self.remaining
        if self.check_time() or self.is_over or not remaining or self.hints_left == 0:
            return None
        if self.hint is not None and len(remaining) > 1:
            # Asking again points at another difference rather than the same circle.
            remaining = [i for i in remaining if i != self.hint.difference_id]
        target = self.puzzle.difference(int(self._rng.choice(remaining)))
        (cx, cy), inner = marker_circle(target, shape=self.puzzle.shape)
        diagonal = float(np.hypot(*self.puzzle.shape))
        radius = round(max(inner * HINT_RADIUS_FACTOR, diagonal * HINT_MIN_RADIUS_FRACTION))
        # Shift the circle so the difference is inside it but not at its centre.
        angle = self._rng.uniform(0.0, 2.0 * math.pi)
        shift = self._rng.uniform(0.3, 0.9) * max(0, radius - inner)
        center = (round(cx + shift * math.cos(angle)), round(cy + shift * math.sin(angle)))
        self.hint = Hint(target.id, center, radius)
        self.hints_used += 1
        return self.hint

    def reveal_all(self) -> None:
        """Show every difference and end the game."""
        if not self.is_over:
            self.revealed = True
            self._finish()

    def _finish(self) -> None:
        self.finished_at = self._clock()
        self.hint = None
