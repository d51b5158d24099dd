"""Turning core errors and durations into the session's language, and showing them."""

from __future__ import annotations

import streamlit as st

from spotdiff_core.errors import (
    BackendUnavailableError,
    GenerationTimeoutError,
    ImageUnsuitableError,
    InvalidInputError,
    PuzzleFormatError,
    SpotDiffError,
)

from .i18n import t

# Most specific first: PuzzleFormatError is also an InvalidInputError.
_LEAD_INS: tuple[tuple[type[SpotDiffError], str], ...] = (
    (PuzzleFormatError, "error_puzzle_format"),
    (InvalidInputError, "error_invalid_input"),
    (ImageUnsuitableError, "error_image_unsuitable"),
    (BackendUnavailableError, "error_backend_unavailable"),
    (GenerationTimeoutError, "error_timeout"),
)


def error_text(error: SpotDiffError) -> str:
    """A translated lead-in for the kind of error, then the library's own sentence (what was wrong, what to do)."""
    key = next((key for cls, key in _LEAD_INS if isinstance(error, cls)), "error_generic")
    return f"**{t(key)}** {error}"


def show_error(error: SpotDiffError) -> None:
    """One st.error for a core error."""
    st.error(error_text(error), icon=":material/error:")


def format_duration(seconds: float) -> str:
    """Minutes and seconds, e.g. ``1:05``."""
    whole = max(0, int(seconds))
    return t("time_format", minutes=whole // 60, seconds=whole % 60)
