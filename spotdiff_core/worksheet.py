"""Printable PDF worksheets and puzzle packs, with answer keys, laid out for school printers.

The public entry points (``build_worksheet``, ``build_pack``, ``Worksheet``) live here; the pieces are in
``worksheet_words`` (printed words), ``worksheet_layout`` (options, measures, the page composer) and
``worksheet_pdf`` (writing the PDF, preview pictures).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import limits
from .errors import BackendUnavailableError, InvalidInputError, SpotDiffError
from .fonts import FontSet, find_cjk_fonts, find_latin_fonts
from .generator import Pipeline
from .puzzle import Puzzle
from .worksheet_layout import (  # noqa: F401  (re-exported: callers import these from here)
    ANSWER_PLACEMENTS,
    JPEG_QUALITY,
    MAX_INSTRUCTIONS_CHARS,
    MAX_TITLE_CHARS,
    MIN_PRINT_DPI,
    MIN_SOURCE_DPI,
    ORIENTATIONS,
    PAGE_KINDS,
    PAGE_MARGIN_MM,
    PAPER_SIZES_MM,
    TARGET_WIDTH_SHARE,
    ImagePlacement,
    ProgressCallback,
    WorksheetOptions,
    _clean_title,
    _Composer,
    _Op,
    _plan,
    to_print_gray,
)
from .worksheet_pdf import _draw_ops, _write_pdf, render_pdf_page
from .worksheet_words import LANGUAGES, TEXTS, instruction_text, worksheet_text  # noqa: F401


# --- The result ---------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Worksheet:
    """A finished worksheet: the PDF bytes and what is on each page.

    Attributes
    ----------
    pdf : bytes
        The PDF document.
    options : WorksheetOptions
    page_kinds : tuple of str
        "cover", "puzzle" or "answers" for each page, in order.
    placements : tuple of ImagePlacement
        Every picture placed, with its print resolution.
    puzzles : tuple of Puzzle
        The puzzles, in pack order.
    titles : tuple of str
        Each puzzle's printed title ("" means the generic heading).
    versions : tuple of str
        Each puzzle's version label ("A", "B", ...; "" for none).
    layouts : tuple of str
        Each puzzle page's layout: "regular" (heading above the pictures) or "compact" (one heading row and
        a column beside the pictures, used when the regular heading would hold a landscape picture on
        portrait paper below ``TARGET_WIDTH_SHARE`` of the printable width).
    fonts : str
        Which font files the text uses.
    """

    pdf: bytes = field(repr=False)
    options: WorksheetOptions
    page_kinds: tuple[str, ...]
    placements: tuple[ImagePlacement, ...]
    puzzles: tuple[Puzzle, ...] = field(repr=False)
    titles: tuple[str, ...]
    versions: tuple[str, ...]
    layouts: tuple[str, ...]
    fonts: str
    _pages: tuple[tuple[_Op, ...], ...] = field(repr=False)
    _font_sets: dict[str, FontSet] = field(repr=False)

    @property
    def page_count(self) -> int:
        return len(self.page_kinds)

    def pages_of_kind(self, kind: str) -> list[int]:
        """0-based indices of the pages of one kind ("cover", "puzzle" or "answers")."""
        if kind not in PAGE_KINDS:
            raise InvalidInputError(f"Unknown page kind {kind!r}; choose {', '.join(PAGE_KINDS)}.")
        return [i for i, k in enumerate(self.page_kinds) if k == kind]

    @property
    def min_dpi(self) -> float:
        """The lowest print resolution of any embedded picture in the document (at least ``MIN_PRINT_DPI``)."""
        return min(p.dpi for p in self.placements)

    @property
    def min_source_dpi(self) -> float:
        """The lowest print resolution of any puzzle's own pixels (at least ``MIN_SOURCE_DPI``)."""
        return min(p.source_dpi for p in self.placements)

    def width_share(self, placement: ImagePlacement) -> float:
        """A placed picture's printed width as a share (0 to 1) of the page's printable width."""
        return placement.width_mm / (self.options.page_size_mm[0] - 2 * PAGE_MARGIN_MM)

    def weak_in_gray(self) -> list[tuple[int, list[int]]]:
        """Differences that may be hard to see when printed in gray: (puzzle number, difference ids).

        A difference counts as weak when its mean lightness change is below
        ``limits.MIN_PRINT_SAFE_DELTA_L`` (what print-safe puzzles guarantee).
        """
        weak = []
        for number, puzzle in enumerate(self.puzzles, start=1):
            ids = [d.id for d in puzzle.differences if d.lightness_contrast < limits.MIN_PRINT_SAFE_DELTA_L]
            if ids:
                weak.append((number, ids))
        return weak

    def render_page(self, page: int = 0, *, dpi: float = 60, renderer: str = "auto") -> np.ndarray:
        """A picture of one page, for previews.

        Parameters
        ----------
        page : int
            0-based page index.
        dpi : float
            Resolution, 20 to 300.
        renderer : {"auto", "pdftoppm", "pillow"}
            "pdftoppm" draws the real PDF (poppler); "pillow" draws the same layout without it;
            "auto" uses pdftoppm when installed.

        Returns
        -------
        (H, W, 3) uint8 ndarray
        """
        if isinstance(page, bool) or not isinstance(page, int) or not 0 <= page < self.page_count:
            raise InvalidInputError(f"There is no page {page!r}; this worksheet has pages 0 to {self.page_count - 1}.")
        if not 20 <= dpi <= 300:
            raise InvalidInputError(f"The preview resolution must be from 20 to 300 dpi, not {dpi!r}.")
        if renderer not in ("auto", "pdftoppm", "pillow"):
            raise InvalidInputError(f"Unknown renderer {renderer!r}; choose auto, pdftoppm or pillow.")
        if renderer == "pdftoppm" or (renderer == "auto" and shutil.which("pdftoppm")):
            return render_pdf_page(self.pdf, page, dpi=dpi)
        return _draw_ops(self._pages[page], self.options.page_size_mm, self._font_sets, dpi)


# --- Building ------------------------------------------------------------------------------------
def _fonts_for(options: WorksheetOptions, texts: Sequence[str]) -> dict[str, FontSet]:
    """The fonts that can draw the fixed words of the page; titles use a CJK font if one is needed and found."""
    fixed = "".join(TEXTS[options.lang].values()) + "0123456789…·–"
    if options.lang == "ja":
        return {"main": find_cjk_fonts(re.sub(r"\{[a-z_]+\}", "", fixed))}
    main = find_latin_fonts()
    fonts = {"main": main}
    extra = "".join(texts)
    if not main.covers(extra):
        # Without one, such characters print as "?" rather than as empty boxes.
        with contextlib.suppress(BackendUnavailableError):
            fonts["cjk"] = find_cjk_fonts("".join(c for c in extra if not main.covers(c)))
    return fonts


def build_worksheet(
    puzzles: Sequence[Puzzle],
    *,
    options: WorksheetOptions | None = None,
    titles: Sequence[str | None] | None = None,
    versions: Sequence[str | None] | None = None,
    progress: ProgressCallback | None = None,
) -> Worksheet:
    """Lay out and write a worksheet PDF for one puzzle or a pack of them.

    A single puzzle gives its puzzle page (and answer key); several give a numbered pack with a
    cover page listing the puzzles and their difficulty.

    Parameters
    ----------
    puzzles : sequence of Puzzle
        1 to ``limits.MAX_PACK_PUZZLES`` puzzles, printed in this order.
    options : WorksheetOptions, optional
        Paper, orientation, answer keys, grayscale and language (default: A4 portrait in English,
        answers at the end).
    titles : sequence of str or None, optional
        One title per puzzle (None or "" prints the generic heading).
    versions : sequence of str or None, optional
        One version label per puzzle ("A", "B", ...), printed on its page and its answer key as
        "Version A"; None or "" prints none.
    progress : callable(stage, done, total), optional
        Called after each page is laid out (its pictures encoded), with stage "pages".

    Returns
    -------
    Worksheet

    Raises
    ------
    InvalidInputError
        No puzzles, too many, or titles that do not match them.
    BackendUnavailableError
        A Japanese worksheet and no CJK font is installed.
    """
    options = options if options is not None else WorksheetOptions()
    if not isinstance(options, WorksheetOptions):
        raise InvalidInputError(f"options must be a WorksheetOptions, not {type(options).__name__}.")
    puzzles = tuple(puzzles)
    if not puzzles:
        raise InvalidInputError("A worksheet needs at least one puzzle.")
    if len(puzzles) > limits.MAX_PACK_PUZZLES:
        raise InvalidInputError(
            f"A pack holds at most {limits.MAX_PACK_PUZZLES} puzzles (MAX_PACK_PUZZLES), not {len(puzzles)}; "
            "split it into several packs."
        )
    for i, puzzle in enumerate(puzzles, start=1):
        if not isinstance(puzzle, Puzzle):
            raise InvalidInputError(f"Pack item {i} is a {type(puzzle).__name__}, not a Puzzle.")
    if titles is None:
        titles = [""] * len(puzzles)
    titles = tuple(_clean_title(t) for t in titles)
    if len(titles) != len(puzzles):
        raise InvalidInputError(f"Give one title per puzzle: {len(titles)} titles for {len(puzzles)} puzzles.")
    versions = tuple(_clean_title(v, 12) for v in (versions if versions is not None else [""] * len(puzzles)))
    if len(versions) != len(puzzles):
        raise InvalidInputError(
            f"Give one version label per puzzle: {len(versions)} labels for {len(puzzles)} puzzles."
        )

    fonts = _fonts_for(options, [*titles, *versions, options.class_line, options.instructions])
    composer = _Composer(puzzles, titles, options, fonts, versions)
    plan = _plan(len(puzzles), options.answers)
    total = len(plan)
    for number, (kind, indices) in enumerate(plan, start=1):
        if kind == "cover":
            ops = composer.cover_page(plan, total)
        elif kind == "puzzle":
            ops = composer.puzzle_page(indices[0], number, total)
        else:
            ops = composer.answer_page(indices, number, total)
        composer.pages.append(ops)
        composer.page_kinds.append(kind)
        # Laying a page out encodes its pictures, the slow part: progress moves page by page.
        if progress is not None:
            progress("pages", number, total)
    pdf = _write_pdf(composer)
    return Worksheet(
        pdf=pdf,
        options=options,
        page_kinds=tuple(composer.page_kinds),
        placements=tuple(composer.placements),
        puzzles=puzzles,
        titles=titles,
        versions=versions,
        layouts=tuple(composer.puzzle_layouts[i] for i in range(len(puzzles))),
        fonts=", ".join(f.description for f in fonts.values()),
        _pages=tuple(tuple(ops) for ops in composer.pages),
        _font_sets=fonts,
    )


def make_worksheet(
    puzzles: Sequence[Puzzle],
    *,
    options: WorksheetOptions | None = None,
    titles: Sequence[str | None] | None = None,
    progress: ProgressCallback | None = None,
) -> bytes:
    """The PDF bytes of a worksheet; see :func:`build_worksheet`."""
    return build_worksheet(puzzles, options=options, titles=titles, progress=progress).pdf


# --- Packs from files ------------------------------------------------------------------------------
PackInput = Puzzle | str | os.PathLike | tuple[str, bytes]
"""A pack item: a Puzzle, a path (picture, puzzle folder or .zip), or (file name, file bytes)."""

_ZIP_MAGIC = b"PK\x03\x04"


def _input_name(item: PackInput) -> str:
    if isinstance(item, Puzzle):
        return "puzzle"
    if isinstance(item, tuple):
        return str(item[0])
    return str(item)


# Names cameras and phones give pictures: no title at all reads better than "IMG 2041".
_CAMERA_NAME = re.compile(r"(img|dsc|dscn|dscf|pxl|mvimg|photo|image|screenshot|scan|wp|p)?[\d_ -]*", re.IGNORECASE)


def title_from_name(name: str) -> str:
    """A printable title from a file name: ``"red_bus-2.jpg"`` -> ``"Red bus 2"``, ``"IMG_2041.JPG"`` -> ``""``
    (a camera's numbered name prints the generic heading instead)."""
    stem = Path(str(name).replace("\\", "/").rstrip("/")).name
    if "." in stem and not Path(stem).suffix[1:].isdigit():
        stem = Path(stem).stem
    if _CAMERA_NAME.fullmatch(stem) and any(c.isdigit() for c in stem):
        return ""
    text = _clean_title(stem.replace("_", " ").replace("-", " "))
    return text[:1].upper() + text[1:]


def _looks_like_bundle(name: str, data: bytes | None, path: Path | None) -> bool:
    if path is not None and path.is_dir():
        return True
    if name.lower().endswith(".zip"):
        return True
    if data is not None:
        return data[:4] == _ZIP_MAGIC
    if path is not None:
        with path.open("rb") as fh:
            return fh.read(4) == _ZIP_MAGIC
    return False


def is_saved_puzzle(item: PackInput) -> bool:
    """Whether a pack item is used as it is (a Puzzle, a puzzle folder or .zip) rather than made from a picture."""
    if isinstance(item, tuple):
        return (
            len(item) == 2
            and isinstance(item[1], (bytes, bytearray, memoryview))
            and _looks_like_bundle(str(item[0]), bytes(item[1][:4]), None)
        )
    if isinstance(item, (str, os.PathLike)):
        path = Path(item)
        return path.exists() and _looks_like_bundle(str(item), None, path)
    return True


@dataclass(frozen=True, eq=False)
class _Entry:
    """One pack item, read: a saved puzzle (used as version A) or a picture to make puzzles from."""

    name: str
    title: str
    puzzle: Puzzle | None
    source: Any = field(repr=False)


def _read_item(item: PackInput) -> _Entry:
    """One pack item as a saved puzzle or a picture source, with its default title (pictures are not read yet)."""
    from .bundle import load_puzzle

    if isinstance(item, Puzzle):
        return _Entry("puzzle", "", item, None)
    if isinstance(item, tuple):
        if len(item) != 2 or not isinstance(item[1], (bytes, bytearray, memoryview)):
            raise InvalidInputError("A pack item given as a pair must be (file name, file bytes).")
        name, data = str(item[0]), bytes(item[1])
        path = None
        source: Any = data
    elif isinstance(item, (str, os.PathLike)):
        path = Path(item)
        name, data, source = str(item), None, path
        if not path.exists():
            raise InvalidInputError(f"There is no file or folder {name!r}.")
    else:
        raise InvalidInputError(
            f"Cannot use a {type(item).__name__} as a pack item; give a Puzzle, a path or (name, bytes)."
        )
    title = title_from_name(name)
    if _looks_like_bundle(name, data, path):
        return _Entry(name, title, load_puzzle(source), None)
    return _Entry(name, title, None, source)


def _settings_of(puzzle: Puzzle) -> dict[str, Any]:
    """The generation settings a saved puzzle was made with (defaults for any that make no sense)."""
    from .generator import make_settings

    stored = puzzle.settings
    try:
        settings = make_settings(
            n_differences=len(puzzle),
            difficulty=stored.get("difficulty", "normal"),
            kinds=stored.get("kinds"),
            print_safe=stored.get("print_safe", False) is True,
            max_side=max(limits.MIN_MAX_SIDE, min(limits.MAX_MAX_SIDE, max(puzzle.shape))),
            fill_weak=stored.get("fill_weak", False) is True,
        )
    except (SpotDiffError, TypeError):
        settings = make_settings(n_differences=len(puzzle), max_side=limits.DEFAULT_MAX_SIDE)
    return _generate_kwargs(settings)


def _generate_kwargs(settings) -> dict[str, Any]:
    return {
        "n_differences": settings.n_differences,
        "difficulty": settings.difficulty,
        "kinds": settings.kinds,
        "print_safe": settings.print_safe,
        "max_side": settings.max_side,
        "fill_weak": settings.fill_weak,
    }


def _named_error(exc: BaseException, position: int, total: int, name: str) -> SpotDiffError:
    if isinstance(exc, OSError) and not isinstance(exc, SpotDiffError):
        return InvalidInputError(f"pack item {position} of {total} ({name}): cannot be read ({exc.strerror or exc}).")
    message = f"pack item {position} of {total} ({name}): {exc}"
    try:
        named = type(exc)(message)
    except Exception:  # a subclass with another constructor
        return InvalidInputError(message)
    if not isinstance(named, SpotDiffError):
        return InvalidInputError(message)
    if hasattr(exc, "held"):
        named.held = exc.held  # type: ignore[attr-defined]
    return named


def build_pack(
    inputs: Sequence[PackInput],
    *,
    options: WorksheetOptions | None = None,
    titles: Sequence[str | None] | None = None,
    n_differences: int = limits.DEFAULT_DIFFERENCES,
    difficulty: str = "normal",
    seed: int | None = None,
    kinds: Sequence[str] | str | None = None,
    print_safe: bool = False,
    max_side: int = limits.DEFAULT_MAX_SIDE,
    fill_weak: bool = False,
    versions: int = 1,
    segmenter: str = "auto",
    inpainter: str = "auto",
    pipeline: Pipeline | None = None,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
) -> Worksheet:
    """Make a worksheet from pictures and saved puzzles: pictures become new puzzles, saved ones are used as is.

    Parameters
    ----------
    inputs : sequence of Puzzle, path or (name, bytes)
        1 to ``limits.MAX_PACK_PUZZLES`` items (times ``versions``). A path is a picture file, a puzzle folder
        or a puzzle ``.zip``; bytes are a picture file or a puzzle ``.zip`` (told apart by content).
    options : WorksheetOptions, optional
    titles : sequence of str or None, optional
        Printed titles, one per item (default: from the file names); every version of an item shares it.
    n_differences, difficulty, kinds, print_safe, max_side, fill_weak, segmenter, inpainter
        How to make puzzles from pictures (see :func:`spotdiff_core.generate_puzzle`).
    versions : int
        Class versions per item, 1 to 26: "A", "B", ... each with its own differences (its own seed), the
        same count and difficulty, labelled on its page and its answer key. A saved puzzle is version A;
        the other versions are made from its original picture with its own settings.
    pipeline : Pipeline, optional
        A ready pipeline to make puzzles with in this process (an app's cached one); worker processes build
        their own with the same backends.
    jobs : int, optional
        Worker processes making puzzles (default: every core; 1 makes them one after another here). The
        PDF is the same byte for byte whatever the number.
    seed : int, optional
        Item ``i`` (0-based), version ``v`` is made with seed ``seed + i * versions + v``, so a pack can be
        made again exactly. Without a seed, versions of a saved puzzle use its seed + ``v``.
    progress : callable(stage, done, total), optional
        Called with ("puzzles", done, total) at once and as each puzzle is made or loaded, with
        ("working", done, total) while puzzles are made (``done`` then counts the shares of the puzzles under
        way too, a float), then with ("pages", ...).

    Returns
    -------
    Worksheet

    Raises
    ------
    SpotDiffError
        Of the kind the bad item raised, with a message that starts by naming it:
        ``"pack item 3 of 5 (cat.jpg): ..."``. Nothing is written.
    """
    from .batch import PuzzleJob, check_jobs, check_versions, iter_puzzles, version_label
    from .generator import _validate_seed, make_settings

    options = options if options is not None else WorksheetOptions()
    inputs = list(inputs)
    versions = check_versions(versions)
    workers = check_jobs(jobs)
    if not inputs:
        raise InvalidInputError("A worksheet needs at least one picture or saved puzzle.")
    if len(inputs) * versions > limits.MAX_PACK_PUZZLES:
        made = f"{len(inputs)} items x {versions} versions = {len(inputs) * versions}" if versions > 1 else len(inputs)
        raise InvalidInputError(
            f"A pack holds at most {limits.MAX_PACK_PUZZLES} puzzles (MAX_PACK_PUZZLES), not {made}; "
            "split it into several packs."
        )
    if titles is not None and len(titles) != len(inputs):
        raise InvalidInputError(f"Give one title per pack item: {len(titles)} titles for {len(inputs)} items.")
    generate = _generate_kwargs(
        make_settings(
            n_differences=n_differences,
            difficulty=difficulty,
            kinds=kinds,
            print_safe=print_safe,
            max_side=max_side,
            fill_weak=fill_weak,
        )
    )
    if seed is not None:
        seed = _validate_seed(seed)
    if options.lang == "ja":
        _fonts_for(options, [])  # no font: say so before minutes of puzzle making
    n_items = len(inputs)
    # Missing paths are reported before any work, so a typo in the last item costs nothing.
    for position, item in enumerate(inputs, start=1):
        if isinstance(item, (str, os.PathLike)) and not Path(item).exists():
            raise InvalidInputError(f"pack item {position} of {n_items} ({item}): there is no such file or folder.")
    entries: list[_Entry] = []
    for position, item in enumerate(inputs, start=1):
        try:
            entries.append(_read_item(item))
        except (SpotDiffError, OSError) as exc:
            raise _named_error(exc, position, n_items, _input_name(item)) from exc

    # Every puzzle of the pack in order: a saved one as it is, or a job that makes it.
    total = n_items * versions
    slots: list[Puzzle | int] = []
    job_list: list[PuzzleJob] = []
    where: list[tuple[int, str]] = []  # per job: its item's position and name (with the version)
    for position, entry in enumerate(entries, start=1):
        for v in range(versions):
            item_seed = None if seed is None else (seed + (position - 1) * versions + v) % 2**63
            name = entry.name if versions == 1 else f"{entry.name}, version {version_label(v)}"
            if entry.puzzle is not None and v == 0:
                slots.append(entry.puzzle)
                continue
            if entry.puzzle is not None:
                if item_seed is None:
                    item_seed = (entry.puzzle.seed + v) % 2**63
                job = PuzzleJob(name, entry.puzzle.original, item_seed, _settings_of(entry.puzzle))
            else:
                job = PuzzleJob(name, entry.source, item_seed, generate)
            slots.append(len(job_list))
            job_list.append(job)
            where.append((position, name))
    done = total - len(job_list)
    if progress is not None:
        progress("puzzles", done, total)  # at once: the bar moves from the first second
    made: dict[int, Puzzle] = {}
    under_way: dict[int, float] = {}  # job index -> share of that puzzle done so far

    def step(index: int, fraction: float) -> None:
        if index not in made:
            # Never backwards: a puzzle that starts a stage again (a retry) keeps the share it had reached; a
            # puzzle just begun shows as a sliver, so the bar moves as soon as any work starts.
            under_way[index] = min(1.0, max(under_way.get(index, 0.0), fraction, 0.02))
            progress("working", done + sum(under_way.values()), total)  # type: ignore[misc]

    running = iter_puzzles(
        job_list,
        workers=workers,
        segmenter=segmenter,
        inpainter=inpainter,
        pipeline=pipeline,
        on_step=step if progress is not None else None,
    )
    with contextlib.closing(running):
        for index, result in running:
            if isinstance(result, BaseException):
                position, name = where[index]
                raise _named_error(result, position, n_items, name) from result
            made[index] = result
            under_way.pop(index, None)
            done += 1
            if progress is not None:
                progress("puzzles", done, total)
    puzzles = [slot if isinstance(slot, Puzzle) else made[slot] for slot in slots]
    item_titles = list(titles) if titles is not None else [e.title for e in entries]
    return build_worksheet(
        puzzles,
        options=options,
        titles=[t for t in item_titles for _ in range(versions)],
        versions=[version_label(v) if versions > 1 else "" for _ in entries for v in range(versions)],
        progress=progress,
    )
