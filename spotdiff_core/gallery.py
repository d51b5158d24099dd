"""Review galleries: contact sheets of generated puzzles (pairs, outlined answers, enlarged crops) for blind judging."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import re
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from . import limits
from .errors import ImageUnsuitableError, InvalidInputError, SpotDiffError
from .puzzle import Puzzle

# --- sheet layout (pixels) ------------------------------------------------------
SHEET_MAX_WIDTH = 1800
PICTURE_MAX_HEIGHT = 900  # tall pictures are scaled down further so a sheet stays viewable
MARGIN = 16
GAP = 12
PAIR_GAP = 10  # between the original and modified crop of one difference (pairs are 3 * GAP apart)
TITLE_HEIGHT = 34
CAPTION_HEIGHT = 26
CROP_HEIGHT = 260
CROP_PAD_FRACTION = 0.6
CROP_MIN_SIDE = 64
BACKGROUND = (236, 236, 236)
TEXT = (30, 30, 30)
ANSWER_COLOUR = (255, 230, 0)  # bright yellow on a black edge shows on light and dark pictures
ANSWER_EDGE = (0, 0, 0)

PictureLoader = Callable[[int], np.ndarray]


# --- pictures --------------------------------------------------------------------


@dataclass(frozen=True)
class GalleryPicture:
    """One picture of a gallery: how it was named, its short name for file names, and its kind.

    Attributes
    ----------
    spec : str
        What was asked for: a file path, ``sample:NAME`` or ``drawing:NAME``.
    name : str
        Short name used in output file names.
    category : str or None
        ``"photo"``, ``"drawing"`` or None when unknown.
    image : (H, W, 3) uint8 ndarray
        The picture at working size.
    """

    spec: str
    name: str
    category: str | None
    image: np.ndarray = dataclasses.field(repr=False)


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "picture"


def load_picture(spec: str, *, max_side: int = limits.DEFAULT_MAX_SIDE, category: str | None = None) -> GalleryPicture:
    """Load a gallery picture: a file path, ``sample:NAME`` (:data:`samples.SAMPLES`) or ``drawing:NAME``.

    Parameters
    ----------
    spec : str
        The picture to load.
    max_side : int, keyword-only
        Long side of the returned picture in pixels (never enlarged).
    category : str, optional, keyword-only
        ``"photo"`` or ``"drawing"``; by default drawings and ``sample:drawing`` are drawings, other
        samples are photos and files are unknown (None).

    Returns
    -------
    GalleryPicture
        With ``image`` an RGB uint8 (H, W, 3) array.

    Raises
    ------
    InvalidInputError
        Unknown sample or drawing name, or a file that is missing or not a picture.
    """
    from .loading import as_rgb_image, load_image, resize_to_max_side, validate_max_side

    max_side = validate_max_side(max_side)
    prefix, _, key = spec.partition(":")
    if prefix == "sample" and key:
        from .samples import SAMPLES

        if key not in SAMPLES:
            raise InvalidInputError(f"There is no sample {key!r}; choose one of {', '.join(SAMPLES)}.")
        image = resize_to_max_side(as_rgb_image(SAMPLES[key].load()), max_side)
        default_category = "drawing" if key == "drawing" else "photo"
        name = key
    elif prefix == "drawing" and key:
        from .drawings import DRAWINGS

        if key not in DRAWINGS:
            raise InvalidInputError(f"There is no drawing {key!r}; choose one of {', '.join(DRAWINGS)}.")
        image = resize_to_max_side(DRAWINGS[key](), max_side)
        default_category, name = "drawing", key
    else:
        image = load_image(spec, max_side=max_side)
        default_category, name = None, Path(spec).stem
    return GalleryPicture(spec=spec, name=_safe_name(name), category=category or default_category, image=image)


# --- drawing ---------------------------------------------------------------------


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from .fonts import find_latin_fonts

    fonts = find_latin_fonts()
    if fonts.bold is not None:
        try:
            return ImageFont.truetype(str(fonts.bold.path), size, index=fonts.bold.index)
        except OSError:
            pass
    return ImageFont.load_default(size=size)


def _scaled(image: np.ndarray, scale: float) -> np.ndarray:
    if scale == 1.0:
        return np.array(image, dtype=np.uint8, copy=True)
    h, w = image.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(np.ascontiguousarray(image), size, interpolation=interpolation)


def _label(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, *, size: int, bounds: tuple) -> None:
    """Bright text with a dark edge, moved inside ``bounds`` (x0, y0, x1, y1)."""
    font = _font(size)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font, stroke_width=2)
    w, h = right - left, bottom - top
    x = min(max(xy[0], bounds[0] + 2), bounds[2] - w - 2)
    y = min(max(xy[1], bounds[1] + 2), bounds[3] - h - 2)
    draw.text((x - left, y - top), text, font=font, fill=ANSWER_COLOUR, stroke_width=2, stroke_fill=ANSWER_EDGE)


def outline_answers(puzzle: Puzzle, image: np.ndarray, *, scale: float = 1.0) -> np.ndarray:
    """Outline every answer region (its contour) and number it ``#id`` on a copy of a picture.

    Parameters
    ----------
    puzzle : Puzzle
        Whose answer regions are drawn.
    image : (h, w, 3) uint8 ndarray
        The picture to draw on, ``puzzle`` size times ``scale`` (not modified).
    scale : float, keyword-only
        Size of ``image`` relative to the puzzle's working size.

    Returns
    -------
    (h, w, 3) uint8 ndarray
        A copy with 2 px bright outlines on a dark edge and the numbers.
    """
    canvas = np.array(image, dtype=np.uint8, copy=True)
    for d in puzzle.differences:
        contours, _ = cv2.findContours(d.mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        contours = [np.round((c.astype(np.float64) + 0.5) * scale - 0.5).astype(np.int32) for c in contours]
        cv2.drawContours(canvas, contours, -1, ANSWER_EDGE, 4, cv2.LINE_AA)
        cv2.drawContours(canvas, contours, -1, ANSWER_COLOUR, 2, cv2.LINE_AA)
    im = Image.fromarray(canvas)
    draw = ImageDraw.Draw(im)
    bounds = (0, 0, canvas.shape[1], canvas.shape[0])
    size = max(14, min(28, round(min(canvas.shape[:2]) / 28)))
    for d in puzzle.differences:
        x, y, _w, h = d.bbox
        top = y * scale - size - 8
        if top < 0:  # no room above the region: write it below
            top = (y + h) * scale + 4
        _label(draw, (x * scale, top), f"#{d.id}", size=size, bounds=bounds)
    return np.asarray(im, dtype=np.uint8).copy()


def alone_picture(puzzle: Puzzle) -> np.ndarray:
    """The modified picture alone, without marks (to judge what shows without comparing).

    Returns
    -------
    (H, W, 3) uint8 ndarray
        A copy of ``puzzle.modified``.
    """
    return np.array(puzzle.modified, dtype=np.uint8, copy=True)


def crop_box(puzzle: Puzzle, difference_id: int) -> tuple[int, int, int, int]:
    """The enlarged-crop window ``(x, y, w, h)`` around one answer: its box padded by 60 %, at least 64 px.

    The window is moved, not cut, to stay inside the picture (unless the picture is smaller).
    """
    x, y, w, h = puzzle.difference(difference_id).bbox
    out = []
    for start, length, limit in ((x, w, puzzle.width), (y, h, puzzle.height)):
        side = min(limit, max(CROP_MIN_SIDE, round(length * (1 + 2 * CROP_PAD_FRACTION))))
        lo = round(start + length / 2 - side / 2)
        lo = min(max(0, lo), limit - side)
        out.append((lo, side))
    (cx, cw), (cy, ch) = out
    return cx, cy, cw, ch


@dataclass(frozen=True)
class SheetLayout:
    """Where the pictures of the first two rows of a contact sheet are, in sheet pixels.

    Attributes
    ----------
    scale : float
        Size of the pictures on the sheet relative to the working size (at most 1).
    original, modified, original_marked, modified_marked : (x, y, w, h)
        Row 1 (unmarked) and row 2 (outlined answers).
    width : int
        Width of the sheet.
    crops_top : int
        Where the rows of enlarged crops start.
    """

    scale: float
    original: tuple[int, int, int, int]
    modified: tuple[int, int, int, int]
    original_marked: tuple[int, int, int, int]
    modified_marked: tuple[int, int, int, int]
    width: int
    crops_top: int


def sheet_layout(puzzle: Puzzle) -> SheetLayout:
    """The positions of the two rows of pictures on :func:`contact_sheet`'s sheet."""
    scale = min(1.0, (SHEET_MAX_WIDTH - 2 * MARGIN - GAP) / (2 * puzzle.width), PICTURE_MAX_HEIGHT / puzzle.height)
    w, h = max(1, round(puzzle.width * scale)), max(1, round(puzzle.height * scale))
    x0, x1 = MARGIN, MARGIN + w + GAP
    row1 = MARGIN + TITLE_HEIGHT + CAPTION_HEIGHT
    row2 = row1 + h + GAP + CAPTION_HEIGHT
    return SheetLayout(
        scale=scale,
        original=(x0, row1, w, h),
        modified=(x1, row1, w, h),
        original_marked=(x0, row2, w, h),
        modified_marked=(x1, row2, w, h),
        width=2 * MARGIN + 2 * w + GAP,
        crops_top=row2 + h + GAP,
    )


def _crop_pairs(puzzle: Puzzle, max_width: int) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """(id, original crop, modified crop), each enlarged to about CROP_HEIGHT and fitting the sheet in pairs."""
    pairs = []
    for d in puzzle.differences:
        x, y, w, h = crop_box(puzzle, d.id)
        factor = min(CROP_HEIGHT / h, (max_width - PAIR_GAP) / (2 * w))
        size = (max(1, round(w * factor)), max(1, round(h * factor)))
        interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
        crops = [
            cv2.resize(np.ascontiguousarray(picture[y : y + h, x : x + w]), size, interpolation=interpolation)
            for picture in (puzzle.original, puzzle.modified)
        ]
        pairs.append((d.id, crops[0], crops[1]))
    return pairs


def contact_sheet(puzzle: Puzzle, *, title: str = "") -> np.ndarray:
    """A contact sheet for judging a puzzle blind: no kinds and no scores are printed.

    Row 1: original | modified, unmarked. Row 2: the same pair with every answer region outlined
    and numbered ``#id``. Then, for each difference, an enlarged crop of the original and the
    modified picture side by side, labelled ``#id``. See :func:`sheet_layout` for where row 1 and
    row 2 are.

    Parameters
    ----------
    puzzle : Puzzle
        The puzzle to show.
    title : str, keyword-only
        A line printed at the top (e.g. the picture's name and the difficulty).

    Returns
    -------
    (H, W, 3) uint8 ndarray
        The RGB sheet, at most :data:`SHEET_MAX_WIDTH` wide.
    """
    layout = sheet_layout(puzzle)
    original = _scaled(puzzle.original, layout.scale)
    modified = _scaled(puzzle.modified, layout.scale)
    marked = [outline_answers(puzzle, picture, scale=layout.scale) for picture in (original, modified)]

    inner = layout.width - 2 * MARGIN
    pairs = _crop_pairs(puzzle, inner)
    # Flow the crop pairs left to right, wrapping into rows.
    placed, x, y, row_height = [], MARGIN, layout.crops_top, 0
    for number, a, b in pairs:
        pair_w, pair_h = a.shape[1] + PAIR_GAP + b.shape[1], CAPTION_HEIGHT + a.shape[0]
        if x > MARGIN and x + pair_w > layout.width - MARGIN:
            x, y, row_height = MARGIN, y + row_height + GAP, 0
        placed.append((number, a, b, x, y))
        x += pair_w + 3 * GAP
        row_height = max(row_height, pair_h)
    height = (y + row_height if pairs else layout.crops_top) + MARGIN

    sheet = Image.new("RGB", (layout.width, height), BACKGROUND)
    for picture, box in (
        (original, layout.original),
        (modified, layout.modified),
        (marked[0], layout.original_marked),
        (marked[1], layout.modified_marked),
    ):
        sheet.paste(Image.fromarray(picture), box[:2])
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((MARGIN, MARGIN), title, font=_font(22), fill=TEXT)
    captions = (
        (layout.original, "original"),
        (layout.modified, "modified"),
        (layout.original_marked, "original, answers outlined"),
        (layout.modified_marked, "modified, answers outlined"),
    )
    for (bx, by, _w, _h), text in captions:
        draw.text((bx, by - CAPTION_HEIGHT + 3), text, font=_font(17), fill=TEXT)
    for number, a, b, px, py in placed:
        draw.text((px, py + 2), f"#{number}", font=_font(18), fill=TEXT)
        sheet.paste(Image.fromarray(a), (px, py + CAPTION_HEIGHT))
        sheet.paste(Image.fromarray(b), (px + a.shape[1] + PAIR_GAP, py + CAPTION_HEIGHT))
    return np.asarray(sheet, dtype=np.uint8).copy()


# --- the manifest ------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """Plain JSON values for numbers, tuples, dicts, small arrays and dataclasses (NaN and inf become null)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, np.ndarray):
        return value.tolist() if value.size <= 64 else f"<array {value.dtype} {list(value.shape)}>"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return str(value)


def describe_puzzle(puzzle: Puzzle) -> dict[str, Any]:
    """Everything a review needs to know about a puzzle, as plain JSON values (no pictures, no masks).

    Every dataclass field of the Puzzle and of each Difference is included (except the pictures
    and masks), plus ``Difference.scores()``, so fields the engine adds later appear by themselves.
    """
    skip = {"original", "modified", "differences"}
    described: dict[str, Any] = {
        f.name: _jsonable(getattr(puzzle, f.name)) for f in dataclasses.fields(puzzle) if f.name not in skip
    }
    described["size"] = [puzzle.width, puzzle.height]
    described["warnings"] = _jsonable(getattr(puzzle, "warnings", []))
    differences = []
    for d in puzzle.differences:
        entry = {f.name: _jsonable(getattr(d, f.name)) for f in dataclasses.fields(d) if f.name != "mask"}
        entry.update({k: _jsonable(v) for k, v in d.scores().items()})
        differences.append(entry)
    described["differences"] = differences
    return described


# --- running a gallery ------------------------------------------------------------


def parse_difficulties(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"easy,normal"`` or a sequence -> a tuple of difficulty names, checked against ``limits.DIFFICULTIES``."""
    names = [t.strip() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    bad = [n for n in names if n not in limits.DIFFICULTIES]
    if bad or not names:
        raise InvalidInputError(
            f"Unknown difficulty {', '.join(map(repr, bad)) or 'list (empty)'}; use a comma-separated list of "
            f"{', '.join(limits.DIFFICULTIES)}."
        )
    return tuple(dict.fromkeys(names))


def make_gallery(
    pictures: Sequence[str | GalleryPicture],
    *,
    out: str | Path,
    difficulties: Sequence[str] = limits.DIFFICULTIES,
    n_differences: int = limits.DEFAULT_DIFFERENCES,
    seed: int = 1,
    max_side: int = limits.DEFAULT_MAX_SIDE,
    segmenter: str = "auto",
    inpainter: str = "auto",
    fill_weak: bool = False,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Make a puzzle for every picture and difficulty and write a reviewable gallery to ``out``.

    Writes ``NAME-DIFFICULTY-sheet.png`` (:func:`contact_sheet`), ``NAME-DIFFICULTY-alone.png``
    (:func:`alone_picture`), ``manifest.json`` and ``index.md``. A picture that holds fewer differences
    than asked gets that many (``held`` in its entry), as the app offers; one that cannot hold the
    puzzle at all (any other :class:`SpotDiffError` from generation) is recorded with its message and skipped; any
    other exception (an engine bug) is recorded too, with ``crashed`` true and its traceback.
    The manifest and index are rewritten after every sheet, so a stopped run keeps what it made.

    Parameters
    ----------
    pictures : sequence of str or GalleryPicture
        File paths, ``sample:NAME`` or ``drawing:NAME`` (see :func:`load_picture`), or loaded pictures.
        All are loaded before any puzzle is made, so a missing file stops the run at once.
    out : path, keyword-only
        The folder to write (created if needed).
    progress : callable, optional, keyword-only
        Called with each manifest entry when it is done.

    Returns
    -------
    dict
        The manifest, as written to ``manifest.json``.
    """
    from .generator import get_pipeline

    difficulties = parse_difficulties(difficulties)
    loaded = [p if isinstance(p, GalleryPicture) else load_picture(p, max_side=max_side) for p in pictures]
    pipeline = get_pipeline(segmenter, inpainter)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    seen: dict[str, int] = {}
    manifest: dict[str, Any] = {
        "settings": {
            "difficulties": list(difficulties),
            "n_differences": n_differences,
            "seed": seed,
            "max_side": max_side,
            "segmenter": segmenter,
            "inpainter": inpainter,
            "fill_weak": fill_weak,
        },
        "sheets": [],
    }
    for picture in loaded:
        seen[picture.name] = seen.get(picture.name, 0) + 1
        name = picture.name if seen[picture.name] == 1 else f"{picture.name}-{seen[picture.name]}"
        for difficulty in difficulties:
            entry: dict[str, Any] = {
                "picture": picture.spec,
                "name": name,
                "category": picture.category,
                "difficulty": difficulty,
                "seed": seed,
                "seconds": None,
                "error": None,
                "sheet": None,
                "alone": None,
                "crashed": False,
                "warnings": [],
                "held": None,
                "differences": [],
            }
            started = time.perf_counter()
            options = {"difficulty": difficulty, "seed": seed, "max_side": max_side, "fill_weak": fill_weak}
            try:
                try:
                    puzzle = pipeline.generate(picture.image, n_differences=n_differences, **options)
                except ImageUnsuitableError as exc:
                    if not exc.held:
                        raise
                    # What a person gets who takes the app's offer to make that many instead.
                    entry["held"] = exc.held
                    puzzle = pipeline.generate(picture.image, n_differences=exc.held, **options)
            except SpotDiffError as exc:
                entry["seconds"] = round(time.perf_counter() - started, 2)
                entry["error"] = str(exc)
            except Exception as exc:
                # A bug in the engine, not a property of the picture: recorded with its traceback so one
                # crash does not cost the rest of a long review run (the command still exits non-zero).
                entry["seconds"] = round(time.perf_counter() - started, 2)
                entry["error"] = f"{type(exc).__name__}: {exc}"
                entry["crashed"] = True
                entry["traceback"] = traceback.format_exc()
            else:
                entry["seconds"] = round(time.perf_counter() - started, 2)
                stem = f"{name}-{difficulty}"
                Image.fromarray(contact_sheet(puzzle, title=f"{name} - {difficulty}")).save(out / f"{stem}-sheet.png")
                Image.fromarray(alone_picture(puzzle)).save(out / f"{stem}-alone.png")
                entry["sheet"], entry["alone"] = f"{stem}-sheet.png", f"{stem}-alone.png"
                entry.update(describe_puzzle(puzzle))
            manifest["sheets"].append(entry)
            _write_outputs(out, manifest)
            if progress is not None:
                progress(entry)
    _write_outputs(out, manifest)
    return manifest


def _write_outputs(out: Path, manifest: dict[str, Any]) -> None:
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    settings = manifest["settings"]
    lines = [
        "# Puzzle gallery",
        "",
        f"{settings['n_differences']} differences, seed {settings['seed']}, max side {settings['max_side']}, "
        f"backends {settings['segmenter']}/{settings['inpainter']}. Look at each `-alone` picture first, then the sheet.",
        "",
    ]
    for number, entry in enumerate(manifest["sheets"], start=1):
        label = f"{entry['name']} ({entry['category'] or 'unknown'}), {entry['difficulty']}"
        if entry["crashed"]:
            lines.append(f"{number}. {label}: CRASHED: {entry['error']}")
        elif entry["error"]:
            lines.append(f"{number}. {label}: not made: {entry['error']}")
        else:
            held = f" (holds only {entry['held']} of {settings['n_differences']})" if entry.get("held") else ""
            lines.append(f"{number}. {label}{held}: [sheet]({entry['sheet']}), [alone]({entry['alone']})")
    (out / "index.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- the `gallery` command ----------------------------------------------------------


def add_gallery_command(sub: argparse._SubParsersAction) -> None:
    """Add `gallery` to the CLI's subcommands."""
    parser = sub.add_parser(
        "gallery",
        help="make puzzles from pictures and write contact sheets for reviewing them",
        description="For each PICTURE and difficulty, make a puzzle and write NAME-DIFFICULTY-sheet.png "
        "(the pair, the pair with answers outlined, enlarged crops; no kinds or scores), "
        "NAME-DIFFICULTY-alone.png (the modified picture alone), manifest.json and index.md. "
        "A PICTURE is a file, sample:NAME or drawing:NAME.",
    )
    parser.add_argument("pictures", nargs="+", metavar="PICTURE", help="a file path, sample:NAME or drawing:NAME")
    add_gallery_options(parser)
    parser.set_defaults(handler=run_gallery)


def add_gallery_options(parser: argparse.ArgumentParser) -> None:
    """The options of a gallery run (the `gallery` command and benchmarks/review_set.py): --out, --difficulties,
    --differences, --seed, --max-side, --segmenter, --inpainter; :func:`gallery_from_args` reads them."""
    from .cli_options import _seed, differences_count, max_side_px
    from .inpainters import INPAINTERS
    from .segmenters import SEGMENTERS

    def difficulties(text: str) -> tuple[str, ...]:
        try:
            return parse_difficulties(text)
        except InvalidInputError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parser.add_argument("--out", "-o", required=True, metavar="DIR", help="the folder to write")
    parser.add_argument(
        "--difficulties",
        type=difficulties,
        default=limits.DIFFICULTIES,
        metavar="LIST",
        help=f"comma-separated difficulties (default {','.join(limits.DIFFICULTIES)})",
    )
    parser.add_argument(
        "-n",
        "--differences",
        type=differences_count,
        default=limits.DEFAULT_DIFFERENCES,
        metavar="N",
        help=f"differences per puzzle (default {limits.DEFAULT_DIFFERENCES})",
    )
    parser.add_argument("--seed", type=_seed, default=1, help="the seed of every puzzle (default 1)")
    parser.add_argument(
        "--max-side",
        type=max_side_px,
        default=limits.DEFAULT_MAX_SIDE,
        metavar="PX",
        help=f"long side of the working picture (default {limits.DEFAULT_MAX_SIDE})",
    )
    parser.add_argument("--segmenter", choices=SEGMENTERS.names(), default="auto", help="(default auto)")
    parser.add_argument("--inpainter", choices=INPAINTERS.names(), default="auto", help="(default auto)")
    parser.add_argument(
        "--fill-weak",
        action="store_true",
        help="fill up with changes that failed the naturalness gate when a picture holds fewer natural ones",
    )


def gallery_from_args(pictures: Sequence[str | GalleryPicture], args: argparse.Namespace) -> dict[str, Any]:
    """:func:`make_gallery` with the options of :func:`add_gallery_options`, printing a line per sheet."""
    return make_gallery(
        pictures,
        out=args.out,
        difficulties=args.difficulties,
        n_differences=args.differences,
        seed=args.seed,
        max_side=args.max_side,
        segmenter=args.segmenter,
        inpainter=args.inpainter,
        fill_weak=args.fill_weak,
        progress=lambda entry: print(report_line(entry), flush=True),
    )


def report_line(entry: dict[str, Any]) -> str:
    """One line about a finished manifest entry, for progress output."""
    head = f"{entry['name']} {entry['difficulty']}"
    if entry.get("crashed"):
        return f"{head}: CRASHED ({entry['seconds']:.1f} s): {entry['error']} (traceback in manifest.json)"
    if entry["error"]:
        return f"{head}: not made ({entry['seconds']:.1f} s): {entry['error']}"
    held = f" (holds only {entry['held']})" if entry.get("held") else ""
    return f"{head}: {len(entry['differences'])} differences{held} in {entry['seconds']:.1f} s -> {entry['sheet']}"


def run_gallery(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    manifest = gallery_from_args(args.pictures, args)
    failed = sum(1 for e in manifest["sheets"] if e["error"])
    crashed = sum(1 for e in manifest["sheets"] if e["crashed"])
    print(
        f"Wrote {len(manifest['sheets']) - failed} sheets ({failed} not made"
        f"{f', {crashed} of them crashed' if crashed else ''}) and manifest.json, index.md "
        f"to {args.out} in {time.perf_counter() - started:.1f} s"
    )
    return 1 if crashed else 0
