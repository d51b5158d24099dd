"""The Create page's settings as one object, and the small parsing the widgets need."""

from __future__ import annotations

from dataclasses import dataclass

from spotdiff_core import limits
from spotdiff_core.errors import InvalidInputError

from .i18n import t

WORKING_SIZES = (256, 384, 512, 640, 768, 1024, 1280, 1536, 2048)
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class CreateSettings:
    """Everything the Create page's widgets decide about a puzzle."""

    n_differences: int = limits.DEFAULT_DIFFERENCES
    difficulty: str = "normal"
    kinds: tuple[str, ...] = limits.KINDS
    print_safe: bool = False
    seed: int | None = None
    segmenter: str = "auto"
    inpainter: str = "auto"
    max_side: int = limits.DEFAULT_MAX_SIDE
    fill_weak: bool = False

    def generate_kwargs(self) -> dict:
        """Keyword arguments for Pipeline.generate."""
        return {
            "n_differences": self.n_differences,
            "difficulty": self.difficulty,
            "kinds": self.kinds,
            "print_safe": self.print_safe,
            "seed": self.seed,
            "max_side": self.max_side,
            "fill_weak": self.fill_weak,
        }


def parse_seed(text: str | None) -> int | None:
    """The seed typed in the box: None when empty (a random puzzle), else a whole number 0..2**63-1."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        seed = int(text)
    except ValueError:
        seed = -1
    if not 0 <= seed <= MAX_SEED:
        raise InvalidInputError(t("seed_invalid", max=MAX_SEED, value=text))
    return seed
