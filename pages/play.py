"""Play page: find the differences by clicking either picture; open a puzzle file someone shared."""

from __future__ import annotations

import time

import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from spotdiff_app import state
from spotdiff_app.drawing import board_pictures
from spotdiff_app.game import Game, Outcome
from spotdiff_app.i18n import t, t_or
from spotdiff_app.messages import format_duration, plain, show_error
from spotdiff_app.navigation import run_through_entry_script
from spotdiff_app.pictures import from_sample
from spotdiff_core import limits, load_puzzle
from spotdiff_core.errors import SpotDiffError

OPENED_KEY = "play_opened_file"  # file id of the last bundle opened, so a rerun does not reopen it
FLASH_KEY = "play_flash"  # (game number, x, y, until): where the last miss landed, shown briefly
CELEBRATED_KEY = "play_celebrated"  # game number whose win was celebrated already
FLASH_SECONDS = 1.5
SIDES = ("a", "b")
SAMPLE_REQUEST_KEY = "play_sample_requested"
SAMPLE_KEY = "drawing"  # quick and always holds the default 5 differences


def click_key(game: Game, side: str) -> str:
    # A new game gets new components, so the last click of the old game is not replayed.
    return f"play_click_{game.number}_{side}"


def open_bundle() -> None:
    """The bundle uploader; a new file becomes the session's puzzle (read in memory only)."""
    uploaded = st.file_uploader(
        t("open_bundle_label"),
        type=["zip"],
        help=t("open_bundle_help"),
        max_upload_size=limits.MAX_BUNDLE_BYTES // 2**20,
        key="play_bundle",
        label_visibility="collapsed",
    )
    if uploaded is None or st.session_state.get(OPENED_KEY) == uploaded.file_id:
        return
    st.session_state[OPENED_KEY] = uploaded.file_id
    try:
        puzzle = load_puzzle(uploaded.getvalue())
    except SpotDiffError as error:
        show_error(error)
        return
    state.set_puzzle(puzzle, origin="bundle", name=uploaded.name)
    st.toast(t("opened_bundle", name=plain(uploaded.name), n=len(puzzle)), icon=":material/folder_open:")


def play_clicks(game: Game) -> None:
    """Play the clicks the two pictures reported; each is counted once however often a rerun delivers it."""
    for side in SIDES:
        result = game.click_value(st.session_state.get(click_key(game, side)))
        if result is None:
            continue
        if result.outcome is not Outcome.DUPLICATE:
            st.session_state.pop(FLASH_KEY, None)  # a new click replaces the last miss's cross
        if result.outcome is Outcome.HIT:
            st.toast(t("hit_message", found=len(game.found), total=game.total), icon=":material/check_circle:")
        elif result.outcome is Outcome.MISS:
            st.session_state[FLASH_KEY] = (game.number, result.x, result.y, time.monotonic() + FLASH_SECONDS)
            st.toast(t("miss_message"), icon=":material/close:")
        elif result.outcome is Outcome.ALREADY:
            st.toast(t("already_message"), icon=":material/visibility:")


def current_flash(game: Game) -> tuple[float, float] | None:
    flash = st.session_state.get(FLASH_KEY)
    if flash is None or flash[0] != game.number or game.is_over or time.monotonic() > flash[3]:
        return None
    return flash[1], flash[2]


def status(game: Game) -> None:
    """Counter, clock, mistakes and hints; the clock ticks by itself while the game runs."""
    # One row that wraps, rather than columns, so a phone shows the four numbers in two short rows.
    with st.container(horizontal=True, gap="medium"):
        found = st.container(width=140)
        clock = st.container(width=140)
        mistakes = st.container(width=140)
        hints = st.container(width=140)
    found.metric(t("found_metric"), t("found_value", found=len(game.found), total=game.total))
    mistakes.metric(t("mistakes_metric"), game.mistakes)
    hints.metric(t("hints_metric"), game.hints_used)

    @st.fragment(run_every=None if game.is_over else 1.0)
    def ticking_clock() -> None:
        st.metric(t("time_metric"), format_duration(game.elapsed()))
        flash = st.session_state.get(FLASH_KEY)
        if flash is not None and flash[0] == game.number and time.monotonic() > flash[3]:
            # The miss cross has been seen long enough: redraw the pictures without it.
            del st.session_state[FLASH_KEY]
            st.rerun(scope="app")

    with clock:
        ticking_clock()


def controls(game: Game) -> None:
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button(
            t("hint_button"),
            icon=":material/lightbulb:",
            help=t("hint_help"),
            disabled=game.is_over,
            on_click=game.request_hint,
            key="play_hint",
        )
        st.button(
            t("reveal_button"),
            icon=":material/visibility:",
            help=t("reveal_help"),
            disabled=game.is_over,
            on_click=game.reveal_all,
            key="play_reveal",
        )
        st.button(
            t("new_game_button"),
            icon=":material/restart_alt:",
            help=t("new_game_help"),
            on_click=state.restart_game,
            key="play_new",
        )
        st.toggle(t("stack_toggle"), help=t("stack_help"), key="play_stacked", persist_state="session")


def finish_message(game: Game) -> None:
    """The hint or finish message, in a slot that is always there so the pictures below never move."""
    with st.container():
        show_finish_message(game)


def show_finish_message(game: Game) -> None:
    if not game.is_over:
        if game.hint is not None:
            st.info(t("hint_message"), icon=":material/lightbulb:")
        return
    numbers = {
        "found": len(game.found),
        "total": game.total,
        "time": format_duration(game.elapsed()),
        "mistakes": game.mistakes,
        "hints": game.hints_used,
    }
    if game.is_won:
        st.success(t("finished_message", **numbers), icon=":material/celebration:")
        if st.session_state.get(CELEBRATED_KEY) != game.number:
            st.session_state[CELEBRATED_KEY] = game.number
            st.balloons()
    else:
        st.info(t("revealed_message", **numbers), icon=":material/visibility:")


def board(game: Game) -> None:
    """The two pictures, clickable; side by side, or stacked for narrow screens."""
    left, right = board_pictures(game, miss=current_flash(game))
    stacked = st.session_state.get("play_stacked")
    columns = [st.container(), st.container()] if stacked else st.columns(2, gap="small")
    for column, side, picture, caption in zip(
        columns, SIDES, (left, right), (t("picture_a"), t("picture_b")), strict=True
    ):
        with column:
            st.caption(caption)
            streamlit_image_coordinates(
                picture,
                key=click_key(game, side),
                use_column_width="always",
                image_format="JPEG",
                jpeg_quality=92,
                cursor="crosshair",
            )


run_through_entry_script()
st.title(t("play_title"))
puzzle_before = state.get_puzzle()
with st.expander(t("open_bundle_label"), expanded=puzzle_before is None, icon=":material/folder_open:"):
    open_bundle()

game = state.current_game()
if game is None:
    st.info(t("play_no_puzzle"), icon=":material/extension:")
    with st.container(horizontal=True, vertical_alignment="center"):
        st.page_link("pages/create.py", label=t("nav_create"), icon=":material/palette:")
        st.button(
            t("play_try_sample"),
            help=t("play_try_sample_help"),
            icon=":material/casino:",
            key="play_try_sample",
            on_click=lambda: st.session_state.update({SAMPLE_REQUEST_KEY: True}),
        )
    if st.session_state.pop(SAMPLE_REQUEST_KEY, False):
        with st.spinner(t("stage_editing")):
            try:
                picture = from_sample(SAMPLE_KEY, max_side=limits.DEFAULT_MAX_SIDE)
                state.set_puzzle(
                    state.cached_pipeline().generate(picture.image),
                    origin="sample",
                    name=picture.name,
                    sample=SAMPLE_KEY,
                )
            except SpotDiffError as error:
                show_error(error)
                st.stop()
        st.rerun()
    st.stop()

info = state.puzzle_info()
name = t_or(f"sample_{info['sample']}", info.get("name", "")) if info.get("sample") else info.get("name")
st.caption(
    t("play_intro")
    + "  \n"
    + t(
        "puzzle_caption",
        n=game.total,
        difficulty=plain(t(f"difficulty_{game.puzzle.settings.get('difficulty', 'normal')}")),
        width=game.puzzle.width,
        height=game.puzzle.height,
    )
    + (f" · {plain(name)}" if name else "")
)
play_clicks(game)
status(game)
controls(game)
finish_message(game)
board(game)
