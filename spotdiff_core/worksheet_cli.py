"""The `worksheet` subcommand: pictures and saved puzzles in, one printable PDF out (never half-written)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from . import limits
from .cli import puzzle_settings
from .worksheet import ANSWER_PLACEMENTS, LANGUAGES, ORIENTATIONS, PAPER_SIZES_MM, WorksheetOptions, build_pack


class OutputPathError(argparse.ArgumentTypeError):
    """The --pdf path cannot be written (turned into the CLI's one-line usage error)."""


def _pdf_path(text: str) -> Path:
    path = Path(text)
    if path.is_dir():
        raise OutputPathError(f"{text!r} is a folder; give a file name such as {str(path / 'pack.pdf')!r}")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputPathError(f"the folder {str(parent)!r} for {text!r} does not exist; create it first")
    return path


def add_worksheet_command(sub: argparse._SubParsersAction, add_puzzle_options) -> None:
    """Add `worksheet` to the CLI's subcommands (``add_puzzle_options`` adds the generation options)."""
    parser = sub.add_parser(
        "worksheet",
        help="make a printable PDF worksheet or puzzle pack, with answer keys",
        description="Make a printable PDF: one page per puzzle (title, instruction, name and date, both "
        "pictures, tick boxes) and answer keys. Each INPUT is a picture (a new puzzle is made from it) or "
        "a saved puzzle folder or .zip (used as is). Several inputs make a numbered pack with a cover page.",
    )
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help=f"pictures and saved puzzles, at most {limits.MAX_PACK_PUZZLES} (MAX_PACK_PUZZLES)",
    )
    parser.add_argument("--pdf", required=True, type=_pdf_path, metavar="OUT.pdf", help="the PDF file to write")
    add_puzzle_options(parser)
    parser.add_argument("--paper", choices=tuple(PAPER_SIZES_MM), default="a4", help="paper size (default a4)")
    parser.add_argument(
        "--orientation",
        choices=ORIENTATIONS,
        default="portrait",
        help="portrait stacks the two pictures, landscape puts them side by side (default portrait)",
    )
    parser.add_argument(
        "--answers",
        choices=ANSWER_PLACEMENTS,
        default="end",
        help="answer keys right after each puzzle, all at the end, or none (default end)",
    )
    parser.add_argument(
        "--grayscale",
        action="store_true",
        help="print pictures and colours in gray, for black-and-white printers; "
        "use it with --print-safe so every difference still shows",
    )
    parser.add_argument(
        "--lang", choices=LANGUAGES, default="en", help="language of the printed words (ja needs a CJK font)"
    )
    parser.set_defaults(handler=run_worksheet)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it over: readers never see half a PDF."""
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_worksheet(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    options = WorksheetOptions(
        paper=args.paper, orientation=args.orientation, answers=args.answers, grayscale=args.grayscale, lang=args.lang
    )

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "puzzles" and total > 1:
            print(f"puzzle {done} of {total} ready", file=sys.stderr, flush=True)

    worksheet = build_pack(
        args.inputs,
        options=options,
        **puzzle_settings(args),
        segmenter=args.segmenter,
        inpainter=args.inpainter,
        progress=progress,
    )
    _write_atomically(args.pdf, worksheet.pdf)
    for number, (name, puzzle) in enumerate(zip(args.inputs, worksheet.puzzles, strict=True), start=1):
        print(
            f"{number}. {name}: {len(puzzle)} differences, {puzzle.settings.get('difficulty', '?')}, "
            f"{puzzle.width}x{puzzle.height}, seed {puzzle.seed}"
        )
        for warning in puzzle.warnings:  # weak differences, when filling up
            print(f"warning: puzzle {number}: {warning}", file=sys.stderr)
    if options.grayscale:
        for number, ids in worksheet.weak_in_gray():
            print(
                f"warning: puzzle {number}: difference{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))} "
                f"may be hard to see in gray (lightness change below {limits.MIN_PRINT_SAFE_DELTA_L:g}); "
                "make it with --print-safe",
                file=sys.stderr,
            )
    print(
        f"Wrote {worksheet.page_count} pages ({len(worksheet.puzzles)} puzzle{'s' if len(worksheet.puzzles) > 1 else ''}, "
        f"{options.paper.upper() if options.paper == 'a4' else 'Letter'} {options.orientation}, answers {options.answers}"
        f"{', grayscale' if options.grayscale else ''}, pictures at {worksheet.min_dpi:.0f} dpi or more) "
        f"to {args.pdf} in {time.perf_counter() - started:.1f} s"
    )
    return 0
