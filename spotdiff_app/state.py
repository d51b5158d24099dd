"""Session state of the app (current puzzle, game, picture) and the per-process cached pipeline."""

from __future__ import annotations

from typing import Any

import streamlit as st

from spotdiff_core import Pipeline, Puzzle

from .game import Game, GameMode

PUZZLE_KEY = "puzzle"  # the current Puzzle; the Worksheet page reads it too
PUZZLE_INFO_KEY = "puzzle_info"  # where it came from: {"origin": "create" | "bundle" | "sample", "name": ...}
GAME_KEY = "game"  # the Play page's Game for the current puzzle
NOTICE_KEY = "create_notice"  # the Create page's last success message


@st.cache_resource(show_spinner=False, max_entries=8)
def cached_pipeline(segmenter: str = "auto", inpainter: str = "auto") -> Pipeline:
    """One pipeline per backend pair, built once per process and shared by every session (thread-safe)."""
    return Pipeline.from_names(segmenter, inpainter)


def get_puzzle() -> Puzzle | None:
    puzzle = st.session_state.get(PUZZLE_KEY)
    return puzzle if isinstance(puzzle, Puzzle) else None


def puzzle_info() -> dict[str, Any]:
    return dict(st.session_state.get(PUZZLE_INFO_KEY) or {})


def pop_puzzle_info(key: str) -> Any:
    """Take ``key`` out of the current puzzle's info (e.g. the opened file's bytes, once the browser has them)."""
    info = st.session_state.get(PUZZLE_INFO_KEY)
    return info.pop(key, None) if isinstance(info, dict) else None


def set_puzzle(puzzle: Puzzle, **info: Any) -> None:
    """Make ``puzzle`` the session's current puzzle (the Play page starts a new game with it)."""
    st.session_state[PUZZLE_KEY] = puzzle
    st.session_state[PUZZLE_INFO_KEY] = info


def current_game(*, mode: GameMode | None = None) -> Game | None:
    """The game of the current puzzle; a new one (in ``mode``) when the puzzle changed since the last game began."""
    puzzle = get_puzzle()
    if puzzle is None:
        return None
    game = st.session_state.get(GAME_KEY)
    if not isinstance(game, Game) or game.puzzle is not puzzle:
        game = Game(puzzle, mode=mode)
        st.session_state[GAME_KEY] = game
    return game


def restart_game(*, mode: GameMode | None = None) -> None:
    """Start the current puzzle again from zero (in ``mode``, else the last game's)."""
    puzzle = get_puzzle()
    if puzzle is not None:
        last = st.session_state.get(GAME_KEY)
        if mode is None and isinstance(last, Game):
            mode = last.mode
        st.session_state[GAME_KEY] = Game(puzzle, mode=mode)


def set_notice(text: str | None) -> None:
    st.session_state[NOTICE_KEY] = text


def pop_notice() -> str | None:
    return st.session_state.pop(NOTICE_KEY, None)
