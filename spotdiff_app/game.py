"""The rules of one game of spot-the-difference: found set, mistakes, hints, click dedupe and the clock."""

from __future__ import annotations

import enum
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

_game_numbers = itertools.count(1)


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
    """

    def __init__(self, puzzle: Puzzle, *, clock: Callable[[], float] = time.monotonic, seed: int | None = None):
        self.puzzle = puzzle
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
        """Every difference found by the player (not revealed)."""
        return len(self.found) == self.total and not self.revealed

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

    def summary(self) -> dict[str, object]:
        """The numbers a finish message shows."""
        return {
            "found": len(self.found),
            "total": self.total,
            "seconds": self.elapsed(),
            "mistakes": self.mistakes,
            "hints": self.hints_used,
            "revealed": self.revealed,
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
        """
        if click_id is not None:
            if click_id in self._seen_clicks:
                return ClickResult(Outcome.DUPLICATE)
            self._seen_clicks.add(click_id)
        if self.is_over:
            return ClickResult(Outcome.IGNORED)
        if display_width is not None or display_height is not None:
            if not display_width or not display_height or display_width <= 0 or display_height <= 0:
                return ClickResult(Outcome.IGNORED)
            x, y = to_working(x, y, display_width=display_width, display_height=display_height, shape=self.puzzle.shape)
        if not (math.isfinite(x) and math.isfinite(y)):
            return ClickResult(Outcome.IGNORED)
        hit = self.puzzle.hit_test(x, y)
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
        except (KeyError, TypeError, ValueError):
            return ClickResult(Outcome.IGNORED)
        return self.click(x, y, display_width=width, display_height=height, click_id=value.get("unix_time"))

    def request_hint(self) -> Hint | None:
        """Show the rough area of one difference not found yet (counts as a hint); None when the game is over."""
        remaining = self.remaining
        if self.is_over or not remaining:
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
