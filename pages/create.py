"""Create page: pick a picture, choose settings, make the puzzle, review it, replace differences, download."""

from __future__ import annotations

import secrets
import time

import numpy as np
import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from spotdiff_app import pictures, state
from spotdiff_app.drawing import answer_key, guide_picture, png_bytes
from spotdiff_app.game import to_working
from spotdiff_app.i18n import current_language, option_labels, t, translate
from spotdiff_app.messages import plain, show_error, show_unexpected
from spotdiff_app.navigation import has_worksheet_page, run_through_entry_script
from spotdiff_app.settings import CreateSettings, parse_seed
from spotdiff_app.widgets import (
    PERSIST,
    difficulty_control,
    fill_weak_toggle,
    n_differences_slider,
    print_safe_toggle,
    working_size_slider,
)
from spotdiff_core import INPAINTERS, SEGMENTERS, limits, puzzle_to_zip_bytes
from spotdiff_core.errors import SpotDiffError
from spotdiff_core.guided import stored_pointed, stored_protection
from spotdiff_core.samples import SAMPLES

ACTION_KEY = "create_action"  # a button asks, the page does it where its progress can be shown
POINT_MODES = ("off", "change", "protect")
POINT_CLICK_KEY = "create_point_click"  # the guide picture's last click (streamlit-image-coordinates)
POINT_SEEN_KEY = "create_point_seen"  # that click's time stamp once acted on: a rerun does not repeat it
POINT_ERROR_KEY = "create_point_error"  # why the last point was refused, shown beside the picture


def request(action: str, detail=None) -> None:
    """``detail``: the difference id to replace, or (x, y, kind) in working pixels for a point."""
    st.session_state[ACTION_KEY] = (action, detail)


def pending_point() -> None:
    """A new click on the guide picture becomes a "point" or "protect" action, once."""
    value = st.session_state.get(POINT_CLICK_KEY)
    mode = st.session_state.get("create_point_mode")
    puzzle = state.get_puzzle()
    if not value or mode not in ("change", "protect") or puzzle is None:
        return
    if value.get("unix_time") == st.session_state.get(POINT_SEEN_KEY):
        return
    st.session_state[POINT_SEEN_KEY] = value.get("unix_time")
    try:
        x, y = to_working(
            float(value["x"]),
            float(value["y"]),
            display_width=float(value["width"]),
            display_height=float(value["height"]),
            shape=puzzle.shape,
        )
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return
    kind = st.session_state.get("create_point_kind")
    request("point" if mode == "change" else "protect", (x, y, None if kind in (None, "auto") else kind))


FEWER_SEED_KEY = "create_fewer_seed"  # the seed of a puzzle that held fewer: asking for that many with it works


def ask_for_fewer(n: int, seed: int) -> None:
    st.session_state["create_n"] = n
    st.session_state[FEWER_SEED_KEY] = seed
    request("generate")


def ask_to_fill_up(seed: int) -> None:
    st.session_state["create_fill_weak"] = True
    st.session_state[FEWER_SEED_KEY] = seed
    request("generate")


def forget_upload(source: str, key: str) -> None:
    # The user removed the file (x on the uploader): forget it too, rather than reviving it.
    if st.session_state.get(key) is None:
        pictures.forget(source)


def backend_choice(label: str, registry, key: str) -> str:
    """A select box over a backend registry; says which one auto picks and which cannot run here."""
    described = {name: availability for name, availability, _cls in registry.describe()}
    try:
        auto_name = registry.resolve("auto").name
    except SpotDiffError:
        auto_name = "—"

    language = current_language()  # format_func may be called outside the script run

    def label_of(name: str) -> str:
        if name == "auto":
            return translate(language, "backend_auto", name=auto_name)
        if described[name].available:
            return translate(language, "backend_option", name=name)
        return translate(language, "backend_option_unavailable", name=name)

    return st.selectbox(label, registry.names(), format_func=label_of, key=key, persist_state=PERSIST)


def backend_status(registry) -> None:
    lines = [
        t("backend_status_ok" if a.available else "backend_status_missing", name=name, reason=a.reason)
        for name, a, _cls in registry.describe()
    ]
    st.caption("  \n".join(lines))


def choose_picture(max_side: int) -> pictures.Picture | None:
    """The picture source widgets; returns the chosen picture at working size, or None."""
    source = st.segmented_control(
        t("source_label"),
        ["upload", "sample", "camera"],
        format_func=option_labels("source_"),
        default="sample",
        required=True,
        key="create_source",
        persist_state=PERSIST,
    )
    try:
        if source == "sample":
            key = st.selectbox(
                t("sample_label"),
                list(SAMPLES),
                format_func=option_labels("sample_", fallback=lambda k: SAMPLES[k].title),
                key="create_sample",
                persist_state=PERSIST,
            )
            return pictures.from_sample(key, max_side=max_side)
        if source == "camera":
            shot = st.camera_input(
                t("camera_label"), key="create_camera", on_change=forget_upload, args=("camera", "create_camera")
            )
            if shot is not None:
                return pictures.from_upload("camera", shot, max_side=max_side)
            return pictures.remembered("camera", max_side=max_side)
        uploaded = st.file_uploader(
            t("upload_label"),
            type=list(pictures.UPLOAD_TYPES),
            help=t("upload_help", mb=limits.MAX_UPLOAD_BYTES // 2**20),
            # No lower cap in the browser: it would say "too large" only in a tooltip. The server takes up to
            # server.maxUploadSize and pictures.from_upload refuses over MAX_UPLOAD_BYTES in a visible error.
            key="create_upload",
            on_change=forget_upload,
            args=("upload", "create_upload"),
        )
        if uploaded is not None:
            return pictures.from_upload("upload", uploaded, max_side=max_side)
        return pictures.remembered("upload", max_side=max_side)
    except SpotDiffError as error:
        show_error(error)
        return None


def read_settings() -> CreateSettings | None:
    """The settings widgets; None (with a message shown) when they cannot make a puzzle."""
    n_differences = n_differences_slider("create_n")
    difficulty = difficulty_control("create_difficulty")
    kinds = st.pills(
        t("kinds_label"),
        list(limits.KINDS),
        selection_mode="multi",
        format_func=option_labels("kind_"),
        default=list(limits.KINDS),
        help=t("kinds_help"),
        key="create_kinds",
        wrap=True,
        persist_state=PERSIST,
    )
    print_safe = print_safe_toggle("create_print_safe")
    fill_weak = fill_weak_toggle("create_fill_weak")
    with st.expander(t("advanced_label")):
        seed_text = st.text_input(
            t("seed_label"),
            placeholder=t("seed_placeholder"),
            help=t("seed_help"),
            key="create_seed",
            persist_state=PERSIST,
        )
        max_side = working_size_slider("create_max_side")
        segmenter = backend_choice(t("segmenter_label"), SEGMENTERS, "create_segmenter")
        backend_status(SEGMENTERS)
        inpainter = backend_choice(t("inpainter_label"), INPAINTERS, "create_inpainter")
        backend_status(INPAINTERS)
    if not kinds:
        st.warning(t("kinds_empty"))
        return None
    try:
        seed = parse_seed(seed_text)
    except SpotDiffError as error:
        show_error(error)
        return None
    return CreateSettings(
        n_differences=n_differences,
        difficulty=difficulty,
        kinds=tuple(kinds),
        print_safe=print_safe,
        fill_weak=fill_weak,
        seed=seed,
        segmenter=segmenter,
        inpainter=inpainter,
        max_side=max_side,
    )


def run_action(action: tuple[str, int | None], picture: pictures.Picture | None, settings: CreateSettings) -> None:
    """Generate, regenerate or replace, showing progress by stage; the result becomes the session's puzzle."""
    kind, detail = action
    puzzle = state.get_puzzle()
    bar = st.progress(0.0, text=t("stage_segmenting"))

    def progress(stage: str, fraction: float) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=t(f"stage_{stage}"))

    started = time.perf_counter()
    seed = None
    try:
        pipeline = state.cached_pipeline(settings.segmenter, settings.inpainter)
        if kind == "replace" and puzzle is not None:
            new = pipeline.replace_difference(puzzle, detail, progress=progress)
            notice = t("replaced_in", id=detail, seconds=time.perf_counter() - started)
            info = state.puzzle_info()
        elif kind == "point" and puzzle is not None:
            x, y, point_kind = detail
            before = {d.id: d.mask for d in puzzle.differences}
            new = pipeline.add_difference(puzzle, (x, y), kind=point_kind, progress=progress)
            added = next(
                d.id for d in new.differences if d.id not in before or not np.array_equal(d.mask, before[d.id])
            )
            notice = t("added_in", id=added, seconds=time.perf_counter() - started)
            info = state.puzzle_info()
        elif kind == "protect" and puzzle is not None:
            new = pipeline.protect(puzzle, [detail[:2]], progress=progress)
            notice = t("protected_in", seconds=time.perf_counter() - started)
            info = state.puzzle_info()
        elif kind == "regenerate" and puzzle is not None:
            stored = puzzle.settings
            # Opened files are checked, but a puzzle made in code may hold anything: what is not a valid
            # choice falls back to the page's own.
            difficulty = stored.get("difficulty")
            print_safe = stored.get("print_safe")
            new = pipeline.generate(
                puzzle.original,
                n_differences=len(puzzle),
                difficulty=difficulty if difficulty in limits.DIFFICULTIES else settings.difficulty,
                kinds=[k for k in limits.KINDS if k in _listed(stored.get("kinds"))] or settings.kinds,
                print_safe=print_safe if isinstance(print_safe, bool) else settings.print_safe,
                max_side=min(max(max(puzzle.shape), limits.MIN_MAX_SIDE), limits.MAX_MAX_SIDE),
                fill_weak=stored.get("fill_weak") is True,
                # The person's choices stay: the same things pointed at, the same areas kept.
                at=[(*p["at"], p["kind"]) for p in stored_pointed(stored)][: len(puzzle)],
                protect=stored_protection(stored, puzzle.shape),
                progress=progress,
            )
            notice = t("generated_in", n=len(new), seconds=time.perf_counter() - started)
            info = state.puzzle_info()
        elif kind == "generate" and picture is not None:
            kwargs = settings.generate_kwargs()
            remembered = st.session_state.pop(FEWER_SEED_KEY, None)  # used once, whatever the seed box says
            if kwargs["seed"] is None:  # chosen here, so "make that many instead" can keep it
                kwargs["seed"] = remembered if remembered is not None else secrets.randbits(32)
            seed = kwargs["seed"]
            new = pipeline.generate(picture.image, progress=progress, **kwargs)
            notice = t("generated_in", n=len(new), seconds=time.perf_counter() - started)
            info = {"origin": "create", "name": picture.name, "credit": picture.credit}
            if picture.source == "sample":
                info["sample"] = picture.ident
        else:
            return
    except SpotDiffError as error:
        bar.empty()
        if kind in ("point", "protect"):
            st.session_state[POINT_ERROR_KEY] = str(error)  # shown beside the picture that was clicked
            return
        show_error(error)
        held = getattr(error, "held", None)
        if kind == "generate" and held is not None and seed is not None:
            # The picture holds fewer natural differences than asked: one click asks for that many, or
            # (when it was not already allowed) for the number asked with weaker changes making it up.
            if held:
                st.button(
                    t("fewer_button", n=held),
                    key="create_fewer",
                    icon=":material/auto_awesome:",
                    on_click=ask_for_fewer,
                    args=(held, seed),
                )
            if not settings.fill_weak:
                st.button(
                    t("fill_up_button", n=settings.n_differences),
                    key="create_fill_up",
                    icon=":material/playlist_add:",
                    on_click=ask_to_fill_up,
                    args=(seed,),
                )
        return
    except Exception as error:  # a bug, not bad input: one sentence here, the details in the server log
        bar.empty()
        show_unexpected(error, f"create page {kind}")
        return
    bar.empty()
    state.set_puzzle(new, **info)
    state.set_notice(notice)


def _listed(value) -> list:
    return value if isinstance(value, list) else []


def puzzle_kinds(puzzle) -> tuple[str, ...]:
    stored = puzzle.settings.get("kinds")
    kinds = tuple(k for k in limits.KINDS if isinstance(stored, list) and k in stored)
    return kinds or limits.KINDS


def protected_area(puzzle) -> np.ndarray:
    """What no difference may touch: faces the detectors found, and what the person marked to keep."""
    try:  # the pipeline pointing will use (its analysis is cached: made with the puzzle)
        pipeline = state.cached_pipeline(
            st.session_state.get("create_segmenter", "auto"), st.session_state.get("create_inpainter", "auto")
        )
    except SpotDiffError:
        pipeline = state.cached_pipeline()
    area = pipeline.analyse(puzzle.original).protected.copy()
    marked = stored_protection(puzzle.settings, puzzle.shape)
    return area | marked if marked is not None else area


def review(downloads_area=None) -> None:
    """The current puzzle: both pictures, answers, the list of differences, replace, regenerate, downloads.

    ``downloads_area``: an st.empty() placed after the review and sent before a long action runs, so the
    previous run's download buttons are gone while it runs (their deferred files are dropped by then: a click
    on one did nothing, issue 10); the downloads are drawn into it.
    """
    puzzle = state.get_puzzle()
    if puzzle is None:
        return
    st.divider()
    st.subheader(t("step_review"))
    st.caption(
        t(
            "review_caption",
            width=puzzle.width,
            height=puzzle.height,
            n=len(puzzle),
            difficulty=plain(t(f"difficulty_{puzzle.settings.get('difficulty', 'normal')}")),
            seed=puzzle.seed,
            segmenter=plain(puzzle.backends.get("segmenter", "?")),
            inpainter=plain(puzzle.backends.get("inpainter", "?")),
        )
    )
    notice = state.pop_notice()
    # Filled last: the browser gets "Made ..." only after the new download buttons. A click on the previous
    # run's button (still shown until its replacement arrives) asks for a deferred file that was already
    # dropped, and did nothing (MediaFileStorageError under load, issue 10).
    notice_slot = st.empty()
    weak = puzzle.weak_differences
    if weak:
        ids = ", ".join(f"#{d.id}" for d in weak)
        st.warning(
            t("weak_warning", natural=len(puzzle) - len(weak), n=len(puzzle), ids=ids), icon=":material/warning:"
        )
    with st.container(horizontal=True, vertical_alignment="bottom"):
        show_answers = st.toggle(t("answers_toggle"), help=t("answers_help"), key="create_answers")
        mode = st.segmented_control(
            t("point_mode_label"),
            POINT_MODES,
            format_func=option_labels("point_mode_"),
            default="off",
            help=t("point_mode_help"),
            key="create_point_mode",
        )
        if mode == "change":
            st.selectbox(
                t("point_kind_label"),
                ("auto", *puzzle_kinds(puzzle)),
                format_func=option_labels("kind_"),
                key="create_point_kind",
                width=240,
            )
    left, right = st.columns(2)
    if mode in ("change", "protect"):
        with left:
            st.caption(t("point_change_hint" if mode == "change" else "point_protect_hint"))
            refused = st.session_state.pop(POINT_ERROR_KEY, None)
            if refused:
                st.error(f"**{t('point_refused')}** {plain(refused)}", icon=":material/block:")
            streamlit_image_coordinates(
                guide_picture(puzzle, protected_area(puzzle)),
                key=POINT_CLICK_KEY,
                use_column_width="always",
                image_format="JPEG",
                jpeg_quality=90,
                cursor="crosshair",
            )
            st.caption(t("guide_caption"))
    else:
        left.image(puzzle.original, caption=t("original_caption"), width="stretch")
    right.image(answer_key(puzzle) if show_answers else puzzle.modified, caption=t("modified_caption"), width="stretch")

    st.markdown(f"##### {t('differences_title')}")
    for d in puzzle.differences:
        row, button = st.columns([6, 1], vertical_alignment="center")
        row.markdown(
            t(
                "difference_row",
                id=d.id,
                kind=t(f"kind_{d.kind}"),
                area=d.area_fraction * 100,
                contrast=d.contrast,
            )
        )
        button.button(
            t("replace_button"),
            key=f"create_replace_{d.id}",
            help=t("replace_help"),
            icon=":material/refresh:",
            on_click=request,
            args=("replace", d.id),
            width="stretch",
        )
    st.button(
        t("regenerate_button"),
        key="create_regenerate",
        help=t("regenerate_help"),
        icon=":material/casino:",
        on_click=request,
        args=("regenerate",),
    )

    with downloads_area.container() if downloads_area is not None else st.container():
        downloads(puzzle)
    if notice:
        notice_slot.success(notice, icon=":material/check_circle:")


def downloads(puzzle) -> None:
    """The download buttons (each file made only when clicked) and the links to play or print."""
    st.markdown(f"##### {t('downloads_title')}")
    name = f"spotdiff-{puzzle.seed}"
    with st.container(horizontal=True):
        st.download_button(
            t("download_bundle"),
            data=lambda: puzzle_to_zip_bytes(puzzle),
            file_name=f"{name}.zip",
            mime="application/zip",
            help=t("download_bundle_help"),
            icon=":material/folder_zip:",
            on_click="ignore",
            key="create_download_bundle",
            type="primary",
        )
        st.download_button(
            t("download_modified"),
            data=lambda: png_bytes(puzzle.modified),
            file_name=f"{name}-modified.png",
            mime="image/png",
            icon=":material/image:",
            on_click="ignore",
            key="create_download_modified",
        )
        st.download_button(
            t("download_answers"),
            data=lambda: png_bytes(answer_key(puzzle)),
            file_name=f"{name}-answers.png",
            mime="image/png",
            icon=":material/key:",
            on_click="ignore",
            key="create_download_answers",
        )
    with st.container(horizontal=True):
        st.page_link("pages/play.py", label=t("play_now"), icon=":material/sports_esports:")
        if has_worksheet_page():
            st.page_link("pages/worksheet.py", label=t("make_worksheet"), icon=":material/print:")


run_through_entry_script()
st.title(t("create_title"))
st.caption(t("create_intro"))

picture_column, settings_column = st.columns([5, 4], gap="large")
with settings_column:
    st.subheader(t("step_settings"))
    settings = read_settings()
with picture_column:
    st.subheader(t("step_picture"))
    picture = choose_picture(
        settings.max_side if settings else st.session_state.get("create_max_side", limits.DEFAULT_MAX_SIDE)
    )
    if picture is None:
        st.info(t("picture_missing"), icon=":material/image:")
    else:
        height, width = picture.image.shape[:2]
        # A tall photo at full column width would fill the screen and push the puzzle far down.
        st.image(picture.image, width="stretch" if width >= height else 360)
        caption = t("picture_caption", width=picture.image.shape[1], height=picture.image.shape[0])
        if picture.credit:
            caption += " · " + t("sample_credit", credit=picture.credit)
        st.caption(caption)

with settings_column:
    st.button(
        t("generate_button"),
        type="primary",
        icon=":material/auto_awesome:",
        width="stretch",
        disabled=picture is None or settings is None,
        on_click=request,
        args=("generate",),
        key="create_generate",
    )
    pending_point()
    action = st.session_state.pop(ACTION_KEY, None)
review_area = st.container()
downloads_area = st.empty()  # sent now, before a long action: see review()
if action is not None and settings is not None:
    with settings_column:
        run_action(action, picture, settings)
with review_area:
    review(downloads_area)
