"""Command line: `python -m spotdiff_core generate|backends|worksheet|batch|gallery ...`; errors are one line on stderr."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence

from .cli_options import (  # noqa: F401  (_int_in, _seed: kept importable from here for older callers)
    PROG,
    CliError,
    _int_in,
    _Parser,
    _pointed,
    _seed,
    _xy,
    add_puzzle_options,
    puzzle_settings,
)
from .errors import SpotDiffError


def _file_size(path: str) -> tuple[int, int]:
    """(width, height) of a picture file as it is shown (EXIF rotation applied), from its header only."""
    from PIL import Image

    with Image.open(path) as im:  # load_image has already read and checked the file
        width, height = im.size
        if im.getexif().get(0x0112) in (5, 6, 7, 8):  # shown turned by a quarter
            width, height = height, width
    return width, height


def _cmd_generate(args: argparse.Namespace) -> int:
    from .bundle import save_puzzle
    from .generator import get_pipeline
    from .loading import load_image

    started = time.perf_counter()
    image = load_image(args.image, max_side=args.max_side)
    guided = {}
    if args.at or args.protect:  # points are in the file's pixels; the puzzle is made at the working size
        width, height = _file_size(args.image)
        for x, y, *_ in [*args.at, *args.protect]:
            if x >= width or y >= height:
                raise CliError(f"the point {x:g},{y:g} is outside the picture, which is {width} x {height} pixels")
        scale = max(image.shape[:2]) / max(width, height)
        guided["at"] = [(x * scale, y * scale, kind) for x, y, kind in args.at]
        guided["protect"] = [(x * scale, y * scale) for x, y in args.protect] or None
    puzzle = get_pipeline(args.segmenter, args.inpainter).generate(image, **puzzle_settings(args), **guided)
    out = save_puzzle(puzzle, args.out)
    for d in puzzle.differences:
        print(d.summary())
    for warning in puzzle.warnings:
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    print(
        f"Saved {len(puzzle)} differences ({puzzle.width}x{puzzle.height}, seed {puzzle.seed}, "
        f"{puzzle.backends['segmenter']}/{puzzle.backends['inpainter']}) to {out} in {time.perf_counter() - started:.1f} s"
    )
    return 0


def _cmd_backends(args: argparse.Namespace) -> int:
    from .inpainters import INPAINTERS
    from .segmenters import SEGMENTERS

    for registry in (SEGMENTERS, INPAINTERS):
        print(f"{registry.kind}s:")
        try:
            auto = registry.resolve("auto").name
        except SpotDiffError:
            auto = None
        for name, availability, cls in registry.describe():
            mark = "yes" if availability.available else "no "
            chosen = "  <- auto" if name == auto else ""
            weights = "needs weights" if cls.needs_weights else "no weights"
            print(f"  {name:<14} available: {mark}  ({weights}) {availability.reason}{chosen}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Make spot-the-difference puzzles from pictures.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    gen = sub.add_parser(
        "generate",
        help="make a puzzle from a picture and save it",
        description="Make a puzzle from a picture and save it as a folder or .zip "
        "(original.png, modified.png, labels.png, puzzle.json).",
    )
    gen.add_argument("image", metavar="IMAGE", help="the picture: JPEG, PNG, WebP, GIF, BMP or TIFF")
    add_puzzle_options(gen)
    gen.add_argument(
        "--at",
        type=_pointed,
        action="append",
        default=[],
        metavar="X,Y[:KIND]",
        help="make a difference of the thing at this point of the picture file (pixels from the top left), "
        "optionally of this kind; repeatable, the rest are chosen automatically",
    )
    gen.add_argument(
        "--protect",
        type=_xy,
        action="append",
        default=[],
        metavar="X,Y",
        help="never change the thing at this point (and around it); repeatable",
    )
    gen.add_argument(
        "--out", "-o", required=True, metavar="DIR_OR_ZIP", help="where to save: a folder, or a path ending in .zip"
    )
    gen.set_defaults(handler=_cmd_generate)

    backends = sub.add_parser("backends", help="list the segmenters and inpainters and whether they can run here")
    backends.set_defaults(handler=_cmd_backends)

    # Each command module registers its subcommands; they import shared options from cli_options, not from here.
    from .gallery import add_gallery_command
    from .worksheet_cli import add_batch_command, add_worksheet_command

    for register in (add_worksheet_command, add_batch_command, add_gallery_command, *EXTRA_COMMANDS):
        register(sub)
    return parser


# Other modules add subcommands here: each entry takes the subparsers object and adds one command
# whose defaults include `handler` (a function of the parsed args returning the exit code).
EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_AUTOINSTALL", "false")
    try:
        args = build_parser().parse_args(argv)
        return int(args.handler(args))
    except CliError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except SpotDiffError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # e.g. cannot write the output folder
        print(f"{PROG}: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
