"""The puzzle-setting widgets that the Create and Worksheet pages share (same labels, limits and defaults)."""

from __future__ import annotations

import streamlit as st

from spotdiff_core import limits

from .i18n import option_labels, t
from .settings import WORKING_SIZES

PERSIST = "session"  # choices survive a visit to another page


def n_differences_slider(key: str) -> int:
    return st.slider(
        t("n_differences_label"),
        limits.MIN_DIFFERENCES,
        limits.MAX_DIFFERENCES,
        limits.DEFAULT_DIFFERENCES,
        key=key,
        persist_state=PERSIST,
    )


def difficulty_control(key: str) -> str:
    return st.segmented_control(
        t("difficulty_label"),
        list(limits.DIFFICULTIES),
        format_func=option_labels("difficulty_"),
        default="normal",
        required=True,
        help=t("difficulty_help"),
        key=key,
        persist_state=PERSIST,
    )


def print_safe_toggle(key: str) -> bool:
    return st.toggle(t("print_safe_label"), help=t("print_safe_help"), key=key, persist_state=PERSIST)


def fill_weak_toggle(key: str) -> bool:
    return st.toggle(t("fill_weak_label"), help=t("fill_weak_help"), key=key, persist_state=PERSIST)


def working_size_slider(key: str) -> int:
    return st.select_slider(
        t("working_size_label"),
        WORKING_SIZES,
        value=limits.DEFAULT_MAX_SIDE,
        help=t("working_size_help"),
        key=key,
        persist_state=PERSIST,
    )
