"""A sample puzzle as a link: its sample, seed, number and difficulty, which make the same puzzle again."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spotdiff_core import limits
from spotdiff_core.puzzle import Puzzle
from spotdiff_core.samples import SAMPLES

from .settings import MAX_SEED


@dataclass(frozen=True)
class ShareLink:
    """What ``?sample=...&seed=...&n=...&difficulty=...`` says; generation is deterministic, so it is the puzzle.

    ``lightness`` (``&lightness=1``, left out when off): no colour-only differences; every change is also
    visible in lightness (the print-safe setting), for colour-blind players.
    """

    sample: str
    seed: int
    n: int
    difficulty: str
    lightness: bool = False

    def params(self) -> dict[str, str]:
        params = {"sample": self.sample, "seed": str(self.seed), "n": str(self.n), "difficulty": self.difficulty}
        if self.lightness:
            params["lightness"] = "1"
        return params

    def generate_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for Pipeline.generate (the usual settings otherwise, as "Try a sample" uses)."""
        return {"n_differences": self.n, "difficulty": self.difficulty, "seed": self.seed, "print_safe": self.lightness}


def read_link(params: Mapping[str, str | None]) -> ShareLink:
    """The link's puzzle from its query parameters.

    Raises
    ------
    ValueError
        A parameter is missing or not allowed; the message names it and what is allowed.
    """
    sample = params.get("sample")
    if sample not in SAMPLES:
        raise ValueError(f"sample {sample!r} is not one of {', '.join(SAMPLES)}")
    try:
        seed = int(params.get("seed") or "")
    except ValueError:
        seed = -1
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed {params.get('seed')!r} is not a whole number from 0 to {MAX_SEED}")
    try:
        n = int(params.get("n") or limits.DEFAULT_DIFFERENCES)
    except ValueError:
        n = -1
    if not limits.MIN_DIFFERENCES <= n <= limits.MAX_DIFFERENCES:
        raise ValueError(
            f"n {params.get('n')!r} is not a number of differences from {limits.MIN_DIFFERENCES} "
            f"to {limits.MAX_DIFFERENCES}"
        )
    difficulty = params.get("difficulty") or "normal"
    if difficulty not in limits.DIFFICULTIES:
        raise ValueError(f"difficulty {difficulty!r} is not one of {', '.join(limits.DIFFICULTIES)}")
    lightness = params.get("lightness") or "0"
    if lightness not in ("0", "1"):
        raise ValueError(f"lightness {lightness!r} is not 0 or 1")
    return ShareLink(sample, seed, n, difficulty, lightness == "1")


def link_of(puzzle: Puzzle, info: Mapping[str, Any]) -> ShareLink | None:
    """The link that makes ``puzzle`` again, or None when no link can (an uploaded picture or bundle, or a
    puzzle made on the Create page, whose backends and size the link does not carry)."""
    sample = info.get("sample")
    if info.get("origin") != "sample" or sample not in SAMPLES or puzzle.seed is None:
        return None
    settings = puzzle.settings
    if settings.get("max_side", limits.DEFAULT_MAX_SIDE) != limits.DEFAULT_MAX_SIDE or settings.get("fill_weak"):
        return None
    return ShareLink(
        str(sample),
        int(puzzle.seed),
        len(puzzle),
        str(settings.get("difficulty", "normal")),
        settings.get("print_safe") is True,
    )
