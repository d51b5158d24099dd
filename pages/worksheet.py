"""Worksheet page: a printable PDF of the current puzzle, or a pack from uploaded pictures and puzzle files."""

from __future__ import annotations

import time

import streamlit as st

from spotdiff_app import state
from spotdiff_app.i18n import LANGUAGES, current_language, t
from spotdiff_app.messages import plain, show_error, show_unexpected
from spotdiff_app.navigation import run_through_entry_script
from spotdiff_app.pictures import UPLOAD_TYPES
from spotdiff_app.settings import parse_seed
from spotdiff_app.widgets import (
    PERSIST,
    difficulty_control,
    fill_weak_toggle,
    n_differences_slider,
    print_safe_toggle,
    working_size_slider,
)
from spotdiff_core import limits
from spotdiff_core.batch import MAX_VERSIONS, repeated_versions, version_label
from spotdiff_core.errors import GenerationTimeoutError, SpotDiffError
from spotdiff_core.worksheet import (
    ANSWER_PLACEMENTS,
    ORIENTATIONS,
    PAPER_SIZES_MM,
    WorksheetOptions,
    build_pack,
    is_saved_puzzle,
    title_from_name,
)

# The last PDF made, in memory only: a plain dict (a class defined in this script would be a new class on every
# rerun, so isinstance checks on an older result would fail).
RESULT_KEY = "worksheet_result"
MAKE_REQUEST_KEY = "worksheet_make_requested"  # set by the Make button's callback
PREVIEW_DPI = 70


def choose_source() -> str:
    has_puzzle = state.get_puzzle() is not None
    return st.segmented_control(
        t("ws_source_label"),
        ["current", "files"],
        format_func=lambda s: t(f"ws_source_{s}"),
        default="current" if has_puzzle else "files",
        required=True,
        key="ws_source",
    )


def current_puzzle_inputs() -> tuple[list, list[str] | None, tuple] | None:
    """The session's puzzle as the only pack item, with its title; None (and a hint) when there is none."""
    puzzle = state.get_puzzle()
    if puzzle is None:
        st.info(t("ws_no_puzzle"), icon="🧩")
        st.page_link("pages/create.py", label=t("nav_create"), icon="🎨")
        return None
    st.caption(
        t(
            "ws_current_caption",
            n=len(puzzle),
            difficulty=plain(t(f"difficulty_{puzzle.settings.get('difficulty', 'normal')}")),
            width=puzzle.width,
            height=puzzle.height,
            seed=puzzle.seed,
        )
    )
    # Left empty, the title is the picture's cleaned-up file name (shown as the placeholder), else the heading.
    name = str(state.puzzle_info().get("name") or "")
    default = title_from_name(name) if name else ""
    title = st.text_input(
        t("ws_title_label"),
        placeholder=default or t("ws_title_placeholder"),
        max_chars=120,
        key="ws_title",
        persist_state=PERSIST,
    )
    title = title.strip() or default
    return [puzzle], [title], ("current", id(puzzle), title)


def uploaded_inputs() -> tuple[list, list[str], tuple] | None:
    """Uploaded pictures and puzzle files as (name, bytes) pack items; None (and a hint) when unusable."""
    uploads = st.file_uploader(
        t("ws_upload_label"),
        type=[*UPLOAD_TYPES, "zip"],
        accept_multiple_files=True,
        help=t("ws_upload_help", n=limits.MAX_PACK_PUZZLES),
        max_upload_size=limits.MAX_BUNDLE_BYTES // 2**20,
        key="ws_uploads",
    )
    if not uploads:
        st.info(t("ws_upload_missing"), icon="📄")
        return None
    if len(uploads) > limits.MAX_PACK_PUZZLES:
        st.error(t("ws_too_many", max=limits.MAX_PACK_PUZZLES, n=len(uploads)), icon="⚠️")
        return None
    # Read in memory only: nothing of the user's files touches the server's disk.
    items = [(f.name, f.getvalue()) for f in uploads]
    titles = []
    with st.expander(t("ws_titles_label"), expanded=len(uploads) <= 3):
        for number, upload in enumerate(uploads, start=1):
            titles.append(
                st.text_input(
                    t("ws_file_title_label", name=plain(upload.name)),
                    value=title_from_name(upload.name),
                    placeholder=t("ws_title_placeholder"),
                    max_chars=120,
                    key=f"ws_file_title_{number}_{upload.file_id}",
                )
            )
    return items, titles, ("files", tuple(f.file_id for f in uploads), tuple(titles))


def generation_settings(any_picture: bool) -> dict | None:
    """How to make puzzles from uploaded pictures; None (with a message) for an invalid seed."""
    with st.expander(t("ws_generation_label"), expanded=any_picture):
        n_differences = n_differences_slider("ws_n")
        difficulty = difficulty_control("ws_difficulty")
        print_safe = print_safe_toggle("ws_print_safe")
        fill_weak = fill_weak_toggle("ws_fill_weak")
        max_side = working_size_slider("ws_max_side")
        seed_text = st.text_input(
            t("seed_label"), placeholder=t("seed_placeholder"), help=t("ws_seed_help"), key="ws_seed"
        )
    try:
        seed = parse_seed(seed_text)
    except SpotDiffError as error:
        show_error(error)
        return None
    return {
        "n_differences": n_differences,
        "difficulty": difficulty,
        "print_safe": print_safe,
        "fill_weak": fill_weak,
        "max_side": max_side,
        "seed": seed,
    }


def versions_slider() -> int:
    """How many class versions (A, B, ...) of each puzzle."""
    return st.slider(
        t("ws_versions_label"),
        min_value=1,
        max_value=min(6, MAX_VERSIONS),
        value=1,
        help=t("ws_versions_help"),
        key="ws_versions",
    )


def read_options() -> WorksheetOptions:
    """The page-layout widgets."""
    # Short choices share a row; the longer ones get the column's full width so nothing is cut off.
    paper_column, lang_column = st.columns(2)
    paper = paper_column.segmented_control(
        t("ws_paper_label"),
        list(PAPER_SIZES_MM),
        format_func=lambda p: t(f"ws_paper_{p}"),
        default="a4",
        required=True,
        key="ws_paper",
        persist_state=PERSIST,
    )
    lang = lang_column.segmented_control(
        t("ws_lang_label"),
        list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        default=current_language(),
        required=True,
        key="ws_lang",
        persist_state=PERSIST,
    )
    orientation = st.segmented_control(
        t("ws_orientation_label"),
        list(ORIENTATIONS),
        format_func=lambda o: t(f"ws_orientation_{o}"),
        default="portrait",
        required=True,
        help=t("ws_orientation_help"),
        key="ws_orientation",
        persist_state=PERSIST,
    )
    answers = st.segmented_control(
        t("ws_answers_label"),
        list(ANSWER_PLACEMENTS),
        format_func=lambda a: t(f"ws_answers_{a}"),
        default="end",
        required=True,
        key="ws_answers",
        persist_state=PERSIST,
    )
    grayscale = st.toggle(
        t("ws_grayscale_label"), help=t("ws_grayscale_help"), key="ws_grayscale", persist_state=PERSIST
    )
    class_line = st.text_input(
        t("ws_class_label"), placeholder=t("ws_class_placeholder"), max_chars=120, key="ws_class_line"
    )
    instructions = st.text_area(
        t("ws_instructions_label"),
        placeholder=t("ws_instructions_placeholder"),
        max_chars=240,
        height=68,
        key="ws_instructions",
    )
    return WorksheetOptions(
        paper=paper,
        orientation=orientation,
        answers=answers,
        grayscale=grayscale,
        lang=lang,
        class_line=class_line,
        instructions=instructions,
    )


def make(
    items: list, titles: list[str] | None, options: WorksheetOptions, generation: dict, versions: int, signature: tuple
) -> None:
    """One call into the library, with a progress bar; the result is kept in the session (memory only).

    The bar moves as each puzzle is ready (made on every core) and as each page is laid out; the only wait
    before its first move is building the picture tools the first time, and the bar says so.
    """
    pictures_to_make = versions > 1 or not all(is_saved_puzzle(i) for i in items)
    # Puzzles take most of the time when there are any to make; without them the pages are all there is.
    share = 0.85 if pictures_to_make else 0.0
    first = t("ws_progress_start") if pictures_to_make else t("ws_progress_puzzles", done=0, total=len(items))
    bar = st.progress(0.0, text=first)
    started = time.perf_counter()

    highest = {"puzzles": 0.0, "pages": 0.0}  # the bar never goes back (a finished count may trail the shares)

    def progress(stage: str, done: float, total: int) -> None:
        key = "pages" if stage == "pages" else "puzzles"
        fraction = highest[key] = max(highest[key], done / total)
        if stage == "working":  # a puzzle under way got further: the bar moves, the count is of finished ones
            stage, done = "puzzles", int(done)
        # One click may not hold the server for long: the pack stops between two puzzles past the limit.
        if time.perf_counter() - started > limits.PACK_TIME_LIMIT_S:
            raise GenerationTimeoutError(
                f"Making the pack took longer than {limits.PACK_TIME_LIMIT_S:.0f} s (PACK_TIME_LIMIT_S) after "
                f"{done} of {total} {'puzzles' if stage == 'puzzles' else 'pages'}; make it from fewer pictures "
                "or at a smaller working size."
            )
        if stage == "puzzles":
            bar.progress(share * fraction, text=t("ws_progress_puzzles", done=done, total=total))
        else:
            bar.progress(share + (1 - share) * fraction, text=t("ws_progress_pages", done=done, total=total))

    try:
        worksheet = build_pack(
            items,
            options=options,
            titles=titles,
            versions=versions,
            pipeline=state.cached_pipeline() if pictures_to_make else None,
            progress=progress,
            **generation,
        )
        previews = []
        for key, pages in (
            ("ws_preview_first", [0]),
            ("ws_preview_puzzle", worksheet.pages_of_kind("puzzle")[:1] if worksheet.page_kinds[0] == "cover" else []),
            ("ws_preview_answers", worksheet.pages_of_kind("answers")[:1]),
        ):
            for page in pages:
                previews.append((key, worksheet.render_page(page, dpi=PREVIEW_DPI)))
    except SpotDiffError as error:
        bar.empty()
        show_error(error)
        return
    except Exception as error:  # a bug, not bad input: one sentence here, the details in the server log
        bar.empty()
        show_unexpected(error, "worksheet pack")
        return
    bar.empty()
    # Only what the page shows is kept, not the Worksheet (it holds every puzzle's pictures).
    st.session_state[RESULT_KEY] = {
        "pdf": worksheet.pdf,
        "page_kinds": worksheet.page_kinds,
        "min_dpi": worksheet.min_source_dpi,
        "grayscale": worksheet.options.grayscale,
        "weak_in_gray": worksheet.weak_in_gray(),
        "versions_alike": [
            (worksheet.titles[start] or t("ws_title_placeholder"), version_label(i), version_label(j))
            for start in range(0, len(worksheet.puzzles), versions)
            for i, j in repeated_versions(worksheet.puzzles[start : start + versions])
        ]
        if versions > 1
        else [],
        "puzzles": [
            {"title": title, "differences": len(puzzle), "seed": puzzle.seed, "version": version}
            for title, puzzle, version in zip(worksheet.titles, worksheet.puzzles, worksheet.versions, strict=True)
        ],
        "signature": signature,
        "previews": tuple(previews),  # (caption key, (H, W, 3) uint8 picture)
        "seconds": time.perf_counter() - started,
    }


def show_result(result: dict, signature: tuple) -> None:
    st.divider()
    if result["signature"] != signature:
        st.warning(t("ws_stale"), icon="🔄")
    st.success(
        t("ws_made", pages=len(result["page_kinds"]), seconds=result["seconds"], dpi=result["min_dpi"]),
        icon="✅",
    )
    if result["grayscale"]:
        for number, ids in result["weak_in_gray"]:
            st.warning(t("ws_weak_in_gray", number=number, ids=", ".join(map(str, ids))), icon=":material/print:")
    for title, first, second in result.get("versions_alike", []):
        st.warning(t("ws_versions_alike", title=plain(title), first=first, second=second), icon="🔁")
    st.download_button(
        t("ws_download"),
        data=result["pdf"],
        file_name="spotdiff-worksheet.pdf" if len(result["puzzles"]) == 1 else "spotdiff-pack.pdf",
        mime="application/pdf",
        icon="📄",
        type="primary",
        on_click="ignore",
        key="ws_download",
    )
    columns = st.columns(max(2, len(result["previews"])))
    for column, (key, picture) in zip(columns, result["previews"], strict=False):
        column.image(picture, caption=t(key), width="stretch")


run_through_entry_script()
st.title(t("ws_title"))
st.caption(t("ws_intro"))

inputs_column, options_column = st.columns([3, 2], gap="large")
with inputs_column:
    st.subheader(t("ws_step_puzzles"))
    source = choose_source()
    chosen = current_puzzle_inputs() if source == "current" else uploaded_inputs()
    generation: dict | None = {}
    versions = versions_slider()
    if source == "files":
        any_picture = chosen is not None and not all(is_saved_puzzle(i) for i in chosen[0])
        generation = generation_settings(any_picture or versions > 1)
with options_column:
    st.subheader(t("ws_step_page"))
    options = read_options()
    ready = chosen is not None and generation is not None
    signature = (chosen[2] if chosen else None, options, versions, tuple(sorted((generation or {}).items())))
    # A callback, not the button's return value: the click must survive run_through_entry_script's rerun.
    st.button(
        t("ws_make_button"),
        type="primary",
        icon=":material/print:",
        width="stretch",
        disabled=not ready,
        key="ws_make",
        on_click=st.session_state.__setitem__,
        args=(MAKE_REQUEST_KEY, True),
    )
    if st.session_state.pop(MAKE_REQUEST_KEY, False) and ready:
        make(chosen[0], chosen[1], options, generation, versions, signature)

result = st.session_state.get(RESULT_KEY)
if isinstance(result, dict) and "pdf" in result:
    show_result(result, signature)
