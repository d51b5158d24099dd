"""The errors spotdiff_core raises: one family, each message says what was wrong and what to do."""

from __future__ import annotations


class SpotDiffError(Exception):
    """Base class of every error this library raises on purpose."""


class InvalidInputError(SpotDiffError, ValueError):
    """An argument, option or file is not something we can use (bad value, not an image, malformed bundle)."""


class ImageUnsuitableError(SpotDiffError):
    """The picture is valid but cannot hold the requested puzzle (too small, too plain, too few objects).

    ``held``: how many differences it can hold, when the search for them knows (0: none fits; asking for
    ``held`` > 0 with the same seed and settings works), else None (too small, say).
    """

    def __init__(self, message: str, *, held: int | None = None):
        super().__init__(message)
        self.held = held


class BackendUnavailableError(SpotDiffError):
    """A requested segmenter or inpainter cannot run here (missing package or weights file)."""


class PuzzleFormatError(InvalidInputError):
    """A saved puzzle (folder, zip or JSON) is malformed or does not match its pictures."""


class GenerationTimeoutError(SpotDiffError):
    """Generating a puzzle took longer than the allowed time."""
