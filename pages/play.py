"""Play page: find the differences by tapping either picture; open a puzzle file someone shared, or a shared link."""

from __future__ import annotations

import math
import secrets

import streamlit as st

from spotdiff_app import state, uploads
from spotdiff_app.board import board, encoded_pictures, kept_bundle, pictures_id
from spotdiff_app.drawing import board_pictures
from spotdiff_app.game import HINT_LIMITS, MISTAKE_PENALTY_S, Game, GameMode, Outcome, record_best
from spotdiff_app.i18n import t, t_or
from spotdiff_app.messages import format_duration, plain, show_error, show_unexpected
from spotdiff_app.navigation import run_through_entry_script
from spotdiff_app.pictures import from_sample
from spotdiff_app.settings import MAX_SEED, WORKING_SIZES
from spotdiff_app.share import ShareLink, link_of, read_link
from spotdiff_core import limits, load_puzzle, puzzle_to_zip_bytes
from spotdiff_core.errors import SpotDiffError

OPENED_KEY = "play_opened_file"  # file id of the last bundle opened, so a rerun does not reopen it
FLASH_KEY = "play_flash"  # (game number, {id, x, y, outcome}): the answer to the last tap, drawn where it landed
FEEDBACK_KEY = "play_feedback"  # (game number, text): the last tap's answer in words, under the board
CELEBRATED_KEY = "play_celebrated"  # game number whose win was celebrated already
BESTS_KEY = "play_bests"  # puzzle key -> best Result of this session
RECORDED_KEY = "play_recorded"  # game number -> (best, is_new) once its result was recorded
FORGET_KEY = "play_forget_token"  # set: the browser drops what it keeps and keeps no more this session
KEPT_KEY = "play_kept_in_browser"  # puzzle keys whose file the browser was given to keep
RESTORED_KEY = "play_restored"  # (game number, id) of the kept game taken over, so it is taken once
RESTORE_OFFERED_KEY = "play_restore_offered"  # puzzle keys whose first game was offered the kept one
OPENED_NOTICE_KEY = "play_opened_notice"  # (puzzle, text): "Opened ...", said under the board until the first tap
LINK_KEY = "play_link_loaded"  # the share link already turned into a puzzle this session
MODE_KEY = "play_mode"
HINTS_KEY = "play_hint_limit"
LARGE_KEY = "play_large_targets"
LIGHTNESS_KEY = "play_lightness"  # no colour-only differences in puzzles made here (print-safe generation)
LINK_PARAMS = ("sample", "seed", "n", "difficulty", "lightness")
HINTS_UNLIMITED = "unlimited"
HINT_CHOICES = [HINTS_UNLIMITED] + [str(n) for n in HINT_LIMITS if n is not None]
SAMPLE_REQUEST_KEY = "play_sample_requested"
NEXT_REQUEST_KEY = "play_next_requested"
SAMPLE_KEY = "drawing"  # quick and always holds the default 5 differences
LARGE_TARGET_DIFFERENCES = 3  # large-target mode: puzzles made on this page hold at most this many, easy ones
NEXT_SEED_TRIES = 3  # a new seed that cannot make the puzzle is skipped for the next one, this many times
STAR, NO_STAR = "★", "☆"


def board_key(game: Game) -> str:
    # A new game gets a new component, so the last tap of the old game is not replayed.
    return f"play_board_{game.number}"


def chosen_mode() -> GameMode:
    """The mode the options ask for (it applies to the next game)."""
    hints = st.session_state.get(HINTS_KEY) or HINTS_UNLIMITED
    return GameMode(
        timed=st.session_state.get(MODE_KEY) == "timed",
        hint_limit=None if hints == HINTS_UNLIMITED else int(hints),
        large_targets=bool(st.session_state.get(LARGE_KEY)),
    )


def new_game() -> None:
    state.restart_game(mode=chosen_mode())
    st.session_state.pop(FLASH_KEY, None)


def mode_changed() -> None:
    """A mode chosen before the first tap starts the game again in that mode; later it waits for the next game."""
    game = state.current_game(mode=chosen_mode())
    if game is not None and game.is_untouched:
        new_game()


# --- puzzle sources -----------------------------------------------------------------------


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
        data = uploaded.getvalue()
        puzzle = load_puzzle(data)
    except SpotDiffError as error:
        show_error(error)
        return
    except Exception as error:  # a bug, not a bad file: one sentence here, the details in the server log
        show_unexpected(error, "open bundle")
        return
    finally:
        uploads.release(uploaded)  # read once: the server does not keep the file (up to 80 MB) for the session
    state.set_puzzle(puzzle, origin="bundle", name=uploaded.name, bundle=data)
    # Under the board rather than in a toast, which on a phone covers the status line.
    st.session_state[OPENED_NOTICE_KEY] = (puzzle, t("opened_bundle", name=plain(uploaded.name), n=len(puzzle)))


def make_sample(link: ShareLink) -> bool:
    """Make the puzzle a share link (or "Try a sample") describes; one error in words if it cannot be made."""
    with st.spinner(t("stage_editing")):
        try:
            picture = from_sample(link.sample, max_side=limits.DEFAULT_MAX_SIDE)
            puzzle = state.cached_pipeline().generate(picture.image, **link.generate_kwargs())
        except SpotDiffError as error:
            show_error(error)
            return False
    state.set_puzzle(puzzle, origin="sample", name=picture.name, sample=link.sample)
    return True


def puzzle_from_link() -> None:
    """A shared link (?sample=...&seed=...) opens the same puzzle: generation is deterministic."""
    params = {key: st.query_params.get(key) for key in LINK_PARAMS}
    if params["sample"] is None:
        return
    try:
        link = read_link(params)
    except ValueError as error:
        st.error(t("share_link_invalid", reason=plain(error)), icon=":material/link_off:")
        return
    puzzle = state.get_puzzle()
    if link == st.session_state.get(LINK_KEY) or (puzzle is not None and link_of(puzzle, state.puzzle_info()) == link):
        return
    st.session_state[LINK_KEY] = link
    make_sample(link)


def next_puzzle() -> bool:
    """A new puzzle from the same picture with the next seed (a few tries if a seed cannot make it)."""
    puzzle = state.get_puzzle()
    if puzzle is None:
        return False
    info = state.puzzle_info()
    settings = puzzle.settings
    large = bool(st.session_state.get(LARGE_KEY))
    kwargs = {
        # Large targets: fewer and easier differences in the puzzles made from now on.
        "n_differences": min(len(puzzle), LARGE_TARGET_DIFFERENCES) if large else len(puzzle),
        "difficulty": "easy" if large else settings.get("difficulty", "normal"),
        "kinds": settings.get("kinds") or None,
        # "No colour-only differences" asks for it; a puzzle made that way keeps it.
        "print_safe": settings.get("print_safe") is True or bool(st.session_state.get(LIGHTNESS_KEY)),
        # The picture is at working size already; the recorded size keeps a sample's share link.
        "max_side": settings.get("max_side") if settings.get("max_side") in WORKING_SIZES else max(puzzle.shape),
        "fill_weak": settings.get("fill_weak") is True,
    }
    seed = int(puzzle.seed or 0)
    with st.spinner(t("next_puzzle_making")):
        for step in range(1, NEXT_SEED_TRIES + 1):
            try:
                new_seed = (seed + step) % (MAX_SEED + 1)
                new = state.cached_pipeline().generate(puzzle.original, seed=new_seed, **kwargs)
            except SpotDiffError as error:
                if step == NEXT_SEED_TRIES:
                    show_error(error)
                    return False
                continue
            break
    info.pop("bundle", None)  # the old puzzle's file: the browser is given the new one
    state.set_puzzle(new, **info)
    new_game()
    return True


# --- the game ------------------------------------------------------------------------------


def play_tap(game: Game) -> None:
    """Play the tap the board reported; each is counted once however often a rerun delivers it."""
    value = st.session_state.get(board_key(game))
    if not isinstance(value, dict) or value.get("need_pictures"):
        return  # nothing tapped yet, or the board asks for the pictures again (show_board sends them)
    if "restore" in value:
        # The browser kept this puzzle's game over a reload: carry on with it (once).
        if st.session_state.get(RESTORED_KEY) != (game.number, value.get("unix_time")):
            st.session_state[RESTORED_KEY] = (game.number, value.get("unix_time"))
            if game.restore(value["restore"]):
                st.session_state[FEEDBACK_KEY] = (game.number, t("game_restored"))
        return
    result = game.click_value(value)
    if result is None or result.outcome is Outcome.DUPLICATE:
        return
    outcome = result.outcome
    point = (result.x, result.y) if math.isfinite(result.x) and math.isfinite(result.y) else (None, None)
    flash = {"id": value.get("unix_time"), "x": point[0], "y": point[1], "outcome": outcome.value}
    st.session_state[FLASH_KEY] = (game.number, flash)
    text = {
        Outcome.HIT: t("hit_message", found=len(game.found), total=game.total),
        Outcome.MISS: t("miss_message")
        + (t("penalty_note", seconds=round(MISTAKE_PENALTY_S)) if game.mode.timed else ""),
        Outcome.ALREADY: t("already_message"),
    }.get(outcome)
    st.session_state[FEEDBACK_KEY] = (game.number, text)


def stars_text(stars: int) -> str:
    return STAR * stars + NO_STAR * (3 - stars)


def status_text(game: Game) -> str:
    """The compact status line: found, mistakes, hints, mode (the clock sits next to it and ticks)."""
    parts = [t("status_found", found=len(game.found), total=game.total), t("status_mistakes", mistakes=game.mistakes)]
    if game.hints_left is None:
        parts.append(t("status_hints", hints=game.hints_used))
    else:
        parts.append(t("status_hints_left", left=game.hints_left))
    parts.append(t(f"mode_{game.mode.name}"))
    result = game.result()
    if result is not None:
        parts.append(stars_text(result.stars))
    return " · ".join(parts)


def clock_text(game: Game) -> str:
    left = game.time_left()
    if left is None:
        return t("clock_elapsed", time=format_duration(game.elapsed()))
    return t("clock_left", time=format_duration(left))


def status_line(game: Game) -> None:
    """Counter, clock and the game's buttons in one compact row above the board (two rows on a phone)."""
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="play_status"):
        # The counter and the clock in one line; it ticks by itself (a small fragment) while the game runs.
        @st.fragment(run_every=None if game.is_over else 1.0)
        def ticking_status() -> None:
            if game.check_time() and st.session_state.get("play_timeout_seen") != game.number:
                st.session_state["play_timeout_seen"] = game.number
                st.rerun(scope="app")  # the countdown ran out: the whole board shows the end
            icon = ":material/schedule:" if game.time_limit is None else ":material/hourglass_bottom:"
            with st.container(key="play_status_text", width="content"):
                st.markdown(f"**{status_text(game)}** · {icon} {clock_text(game)}", width="content")

        ticking_status()
        with st.container(horizontal=True, vertical_alignment="center", gap="small", width="content"):
            game_buttons(game)


def game_buttons(game: Game) -> None:
    """Hint, reveal all (asks first) and the game options."""
    hint_label = t("hint_button") if game.hints_left is None else t("hint_button_left", left=game.hints_left)
    st.button(
        hint_label,
        icon=":material/lightbulb:",
        help=t("hint_help"),
        disabled=game.is_over or game.hints_left == 0,
        on_click=game.request_hint,
        key="play_hint",
    )
    if game.is_over:  # a plain button: an open question must not linger over the answers
        st.button(t("reveal_button"), icon=":material/visibility:", disabled=True, key="play_reveal_done")
    else:
        with st.popover(t("reveal_button"), icon=":material/visibility:", help=t("reveal_help")):
            st.markdown(t("reveal_confirm"))
            st.button(t("reveal_confirm_button"), type="primary", on_click=game.reveal_all, key="play_reveal")
    with st.popover(t("options_button"), icon=":material/tune:"):
        st.segmented_control(
            t("mode_label"),
            ["relaxed", "timed"],
            format_func=lambda m: t(f"mode_{m}"),
            default="relaxed",
            required=True,
            help=t("mode_help", penalty=round(MISTAKE_PENALTY_S)),
            key=MODE_KEY,
            on_change=mode_changed,
            persist_state="session",
        )
        st.segmented_control(
            t("hint_limit_label"),
            HINT_CHOICES,
            format_func=lambda n: t("hint_limit_unlimited") if n == HINTS_UNLIMITED else n,
            default=HINTS_UNLIMITED,
            required=True,
            key=HINTS_KEY,
            on_change=mode_changed,
            persist_state="session",
        )
        st.toggle(
            t("large_targets_label"),
            help=t("large_targets_help"),
            key=LARGE_KEY,
            on_change=mode_changed,
            persist_state="session",
        )
        st.toggle(t("lightness_label"), help=t("lightness_help"), key=LIGHTNESS_KEY, persist_state="session")
        st.caption(t("options_next_game"))
        st.button(
            t("forget_button"),
            icon=":material/delete:",
            help=t("forget_help"),
            key="play_forget",
            on_click=lambda: st.session_state.update({FORGET_KEY: secrets.token_hex(4)}),
        )
        if st.session_state.get(FORGET_KEY):
            st.caption(t("forget_done"))
        st.button(
            t("new_game_button"),
            icon=":material/restart_alt:",
            help=t("new_game_help"),
            on_click=new_game,
            key="play_new",
        )


def current_flash(game: Game) -> dict | None:
    flash = st.session_state.get(FLASH_KEY)
    return flash[1] if flash is not None and flash[0] == game.number else None


def banner_text(game: Game) -> str | None:
    """The end of the game in one line over the pictures: stars and time, time up, or answers shown."""
    if not game.is_over:
        return None
    numbers = {"found": len(game.found), "total": game.total, "time": format_duration(game.elapsed())}
    result = game.result()
    if result is not None:
        return t("banner_won", stars=stars_text(result.stars), **numbers)
    return t("banner_timed_out" if game.timed_out else "banner_revealed", **numbers)


def bundle_to_keep(game: Game) -> tuple[str, bytes] | None:
    """The puzzle file for the browser to keep (once per puzzle and session), so a reload opens it again.
    A sample needs none: its link makes it again."""
    info = state.puzzle_info()
    kept = st.session_state.setdefault(KEPT_KEY, set())
    if info.get("origin") == "sample" or game.key in kept:
        return None
    kept.add(game.key)
    # The opened file's bytes go to the browser once and are then dropped here: the session keeps no upload.
    data = state.pop_puzzle_info("bundle")
    if not isinstance(data, bytes):
        data = puzzle_to_zip_bytes(game.puzzle)
    return str(info.get("name") or "puzzle.zip"), data


def restore_kept_bundle() -> None:
    """On a fresh visit (a reload), open the puzzle file this browser kept, if any; a file that no longer
    opens is left alone (the player can open another)."""
    kept = kept_bundle(key="play_kept")
    if kept is None or st.session_state.get(KEPT_KEY + "_tried"):
        return
    st.session_state[KEPT_KEY + "_tried"] = True
    name, data = kept
    try:
        puzzle = load_puzzle(data)
    except SpotDiffError:
        return
    state.set_puzzle(puzzle, origin="bundle", name=name, bundle=data)
    st.session_state[OPENED_NOTICE_KEY] = (puzzle, t("restored_bundle", name=plain(name), n=len(puzzle)))
    st.rerun()


def show_board(game: Game) -> None:
    marks = (game.number, tuple(game.found), game.revealed, game.hint)
    shown = pictures_id(marks)
    value = st.session_state.get(board_key(game))
    # The board said (with its last tap) which pictures it shows: the same ones are not sent again.
    has_them = isinstance(value, dict) and value.get("have") == shown and not value.get("need_pictures")
    pictures = None if has_them else encoded_pictures(marks, lambda: board_pictures(game))
    # The first untouched game of a puzzle in this session may take over a game the browser kept (a reload).
    offered = st.session_state.setdefault(RESTORE_OFFERED_KEY, set())
    restorable = game.is_untouched and game.key not in offered
    offered.add(game.key)
    forget = st.session_state.get(FORGET_KEY)
    board(
        keep_bundle=None if forget else bundle_to_keep(game),
        forget=forget,
        progress_key=game.key,
        progress=game.progress(),
        restorable=restorable,
        banner=banner_text(game),
        pictures=pictures,
        pictures_id=shown,
        size=(game.puzzle.width, game.puzzle.height),
        labels=(t("picture_a"), t("picture_b")),
        flash=current_flash(game),
        over=game.is_over,
        key=board_key(game),
    )


def feedback(game: Game) -> None:
    """The last tap's answer and an open hint in words, in a line under the board (it moves nothing above)."""
    lines = []
    said = st.session_state.get(FEEDBACK_KEY)
    if said is not None and said[0] == game.number and said[1] and not game.is_over:
        lines.append(said[1])
    elif not game.is_over:
        opened = st.session_state.get(OPENED_NOTICE_KEY)
        if opened is not None and opened[0] is game.puzzle:
            lines.append(opened[1])
    if game.hint is not None and not game.is_over:
        lines.append(t("hint_message"))
    st.caption("  \n".join(lines) if lines else "\u00a0")  # a line even when empty: nothing jumps


def finish_card(game: Game) -> None:
    """When the game is over: stars, the numbers, the session's best for this puzzle, play again or next."""
    if not game.is_over:
        return
    numbers = {
        "found": len(game.found),
        "total": game.total,
        "time": format_duration(game.elapsed()),
        "mistakes": game.mistakes,
        "hints": game.hints_used,
    }
    with st.container(border=True, key="play_finish"):
        result = game.result()
        if result is not None:
            recorded = st.session_state.setdefault(RECORDED_KEY, {})
            if game.number not in recorded:
                recorded[game.number] = record_best(st.session_state.setdefault(BESTS_KEY, {}), game.key, result)
            best, is_new = recorded[game.number]
            st.markdown(f"### {stars_text(result.stars)}")
            st.success(t("finished_message", **numbers), icon=":material/celebration:")
            if is_new:
                st.caption(t("best_new"))
            else:
                st.caption(t("best_so_far", stars=stars_text(best.stars), time=format_duration(best.seconds)))
            if st.session_state.get(CELEBRATED_KEY) != game.number:
                st.session_state[CELEBRATED_KEY] = game.number
                st.balloons()
        elif game.timed_out:
            st.warning(t("timed_out_message", **numbers), icon=":material/timer_off:")
        else:
            st.info(t("revealed_message", **numbers), icon=":material/visibility:")
        with st.container(horizontal=True):
            st.button(t("play_again_button"), icon=":material/restart_alt:", on_click=new_game, key="play_again")
            st.button(
                t("next_puzzle_button"),
                icon=":material/skip_next:",
                type="primary",
                key="play_next",
                on_click=lambda: st.session_state.update({NEXT_REQUEST_KEY: True}),
            )


def puzzle_caption(game: Game) -> None:
    info = state.puzzle_info()
    name = t_or(f"sample_{info['sample']}", info.get("name", "")) if info.get("sample") else info.get("name")
    st.caption(
        t(
            "puzzle_caption",
            n=game.total,
            difficulty=plain(t(f"difficulty_{game.difficulty}")),
            width=game.puzzle.width,
            height=game.puzzle.height,
        )
        + (f" · {plain(name)}" if name else "")
    )


def share_link(game: Game) -> None:
    """A sample puzzle's settings in the address bar: a reload or a friend opening the link gets the same puzzle."""
    link = link_of(game.puzzle, state.puzzle_info())
    if link is None:
        for key in LINK_PARAMS:
            if key in st.query_params:
                del st.query_params[key]
        return
    st.session_state[LINK_KEY] = link
    params = link.params()
    for key in LINK_PARAMS:
        if key in params and st.query_params.get(key) != params[key]:
            st.query_params[key] = params[key]
        elif key not in params and key in st.query_params:
            del st.query_params[key]
    st.caption(t("share_link_note"))


@st.fragment
def play_area() -> None:
    """Status line, board and finish card: a tap reruns only this, not the page."""
    game = state.current_game(mode=chosen_mode())
    if game is None:
        return
    if st.session_state.pop(NEXT_REQUEST_KEY, False) and next_puzzle():
        st.rerun(scope="app")  # a new puzzle: the caption and the share link outside the board change too
    play_tap(game)
    game.check_time()
    status_line(game)
    show_board(game)
    feedback(game)
    finish_card(game)


# --- page ----------------------------------------------------------------------------------


def compact_layout() -> None:
    """Less padding round the board, so the status line and both pictures share the first screen."""
    st.html(
        """<style>
        [data-testid="stMainBlockContainer"] { padding-top: 4rem; padding-bottom: 2rem;
            padding-left: max(0.75rem, 2vw); padding-right: max(0.75rem, 2vw); }
        .st-key-play_status { row-gap: 0.25rem; justify-content: space-between; }
        /* The clock digits keep their width, so the line does not shift as they tick. */
        .st-key-play_status_text p { font-variant-numeric: tabular-nums; }
        @media (max-width: 640px) {
            /* A phone: room for two lines of status from the start, so a longer count (10 mistakes, a
               star rating) wraps into it instead of pushing the pictures down; the buttons on one row. */
            .st-key-play_status_text { min-height: 3.2em; }
            .st-key-play_status button { padding-left: 0.55rem; padding-right: 0.55rem; }
            /* No chevron on the phone's popover buttons: "Reveal all" is as wide as a popover during the
               game as it is as a plain button after it, so the row never wraps differently. */
            .st-key-play_status [data-testid="stPopoverButton"] div[aria-hidden="true"] { display: none; }
        }
        </style>"""
    )


run_through_entry_script()
puzzle_from_link()
uploader_shown = state.get_puzzle() is None
if uploader_shown:
    st.title(t("play_title"))
    with st.expander(t("open_bundle_label"), expanded=True, icon=":material/folder_open:"):
        open_bundle()
    if state.get_puzzle() is not None:
        st.rerun()  # the board alone, without the title and the uploader above it
if state.get_puzzle() is None:
    restore_kept_bundle()
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
        st.toggle(t("lightness_label"), help=t("lightness_help"), key=LIGHTNESS_KEY, persist_state="session")
        st.toggle(t("large_targets_label"), help=t("large_targets_help"), key=LARGE_KEY, persist_state="session")
    if st.session_state.pop(SAMPLE_REQUEST_KEY, False):
        seed = secrets.randbelow(100_000)  # short, so the shared link stays short
        lightness = bool(st.session_state.get(LIGHTNESS_KEY))
        if st.session_state.get(LARGE_KEY):
            link = ShareLink(SAMPLE_KEY, seed, LARGE_TARGET_DIFFERENCES, "easy", lightness)
        else:
            link = ShareLink(SAMPLE_KEY, seed, limits.DEFAULT_DIFFERENCES, "normal", lightness)
        if make_sample(link):
            st.rerun()
    st.stop()

compact_layout()
# Both pictures need the window's width on a desktop: the sidebar (language) starts folded away here.
st.set_page_config(initial_sidebar_state="collapsed")
play_area()
game = state.current_game(mode=chosen_mode())
puzzle_caption(game)
share_link(game)
if not uploader_shown:  # under the board, folded, once a puzzle is open
    with st.expander(t("open_bundle_label"), expanded=False, icon=":material/folder_open:"):
        before = state.get_puzzle()
        open_bundle()
        if state.get_puzzle() is not before:
            st.rerun()
