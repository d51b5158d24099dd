"""spotdiff_core: make fair, exact spot-the-difference puzzles from a picture (no streamlit, no torch on import)."""

from __future__ import annotations

from . import color, limits  # noqa: F401  (color first: it sets up OpenCV's Lab tables while the rest loads)
from .bundle import load_puzzle, puzzle_to_zip_bytes, save_puzzle
from .errors import (
    BackendUnavailableError,
    GenerationTimeoutError,
    ImageUnsuitableError,
    InvalidInputError,
    PuzzleFormatError,
    SpotDiffError,
)
from .generator import Pipeline, generate_puzzle, get_pipeline, make_settings
from .inpainters import INPAINTERS
from .loading import load_image
from .puzzle import Difference, Puzzle
from .segmenters import SEGMENTERS

__version__ = "0.1.0"

__all__ = [
    "INPAINTERS",
    "SEGMENTERS",
    "BackendUnavailableError",
    "Difference",
    "GenerationTimeoutError",
    "ImageUnsuitableError",
    "InvalidInputError",
    "Pipeline",
    "Puzzle",
    "PuzzleFormatError",
    "SpotDiffError",
    "generate_puzzle",
    "get_pipeline",
    "limits",
    "load_image",
    "load_puzzle",
    "make_settings",
    "puzzle_to_zip_bytes",
    "save_puzzle",
]
