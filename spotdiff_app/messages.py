"""Turning core errors and durations into the session's language, and showing them."""

from __future__ import annotations

import logging
import re

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


# Every ASCII punctuation character may be backslash-escaped in CommonMark, and then stands for itself.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# GitHub-flavoured Markdown (Streamlit's renderer) turns URLs, www. names and e-mail addresses in plain text
# into links after escapes are undone; an invisible word joiner inside each trigger keeps them text.
_AUTOLINK_TRIGGERS = re.compile(r"(?i)(:)(//)|(www)(\.)|(@)()")
WORD_JOINER = "\u2060"


def plain(value: object) -> str:
    """``value`` as Markdown that shows exactly its text: never a link, picture, HTML, formula or styling.

    For everything that comes from outside the app (file names, values from a shared puzzle file, messages
    quoting them) before it goes into st.error, st.caption, st.toast or st.markdown. Line breaks become spaces.
    """
    text = " ".join(str(value).split())
    text = _AUTOLINK_TRIGGERS.sub(lambda m: WORD_JOINER.join(g for g in m.groups() if g is not None), text)
    return _PUNCTUATION.sub(r"\\\1", text)


def error_text(error: SpotDiffError) -> str:
    """A translated lead-in for the kind of error, then the library's own sentence (what was wrong, what to do).

    The sentence may quote a shared file's names and values, so it is shown as plain text."""
    key = next((key for cls, key in _LEAD_INS if isinstance(error, cls)), "error_generic")
    return f"**{t(key)}** {plain(error)}"


def show_error(error: SpotDiffError) -> None:
    """One st.error for a core error."""
    st.error(error_text(error), icon=":material/error:")


_LOG = logging.getLogger("spotdiff_app")


def show_unexpected(error: BaseException, action: str) -> None:
    """An error no one planned for: one translated sentence for the person, one line in the server log.

    The log line names the action, the error's type and where in our code it happened, never the error's
    message (it may quote a user's file) nor the user's data.
    """
    frames = []
    tb = error.__traceback__
    while tb is not None:
        frames.append(f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}")
        tb = tb.tb_next
    _LOG.error("%s failed with %s at %s", action, type(error).__name__, " < ".join(reversed(frames[-4:])))
    st.error(t("error_unexpected"), icon=":material/error:")


def format_duration(seconds: float) -> str:
    """Minutes and seconds, e.g. ``1:05``."""
    whole = max(0, int(seconds))
    return t("time_format", minutes=whole // 60, seconds=whole % 60)
