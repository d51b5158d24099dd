"""Command line: `python -m spotdiff_core generate|backends ...`; errors are one line on stderr."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence

from . import limits
from .errors import SpotDiffError

PROG = "python -m spotdiff_core"


class CliError(Exception):
    """A usage error: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage and exits; we want one clear line
        raise CliError(message)


def _int_in(lo: int, hi: int, name: str, limit_names: tuple[str, str]) -> Callable[[str], int]:
    """An argparse type for a whole number in [lo, hi]; the message names the limit that was crossed."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, not {text!r}") from None
        if not lo <= value <= hi:
            crossed = limit_names[0] if value < lo else limit_names[1]
            raise argparse.ArgumentTypeError(f"{name} must be from {lo} to {hi} ({crossed}), not {value}")
        return value

    return parse


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"the seed must be a whole number, not {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"the seed must be from 0 to 2**63 - 1, not {value}")
    return value


def _xy(text: str) -> tuple[float, float]:
    try:
        x, y = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a point is X,Y in the picture's pixels, like 120,80, not {text!r}") from None
    if not (x >= 0 and y >= 0 and max(x, y) < float("inf")):
        raise argparse.ArgumentTypeError(f"a point's X and Y are pixels from the top left corner, not {text!r}")
    return x, y


def _pointed(text: str) -> tuple[float, float, str | None]:
    where, _, kind = text.partition(":")
    if kind and kind not in limits.KINDS:
        raise argparse.ArgumentTypeError(f"unknown kind {kind!r} in {text!r}; choose from {', '.join(limits.KINDS)}")
    return (*_xy(where), kind or None)


def add_puzzle_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that makes puzzles (generate, worksheet)."""
    parser.add_argument(
        "--differences",
        "-n",
        type=_int_in(
            limits.MIN_DIFFERENCES, limits.MAX_DIFFERENCES, "--differences", ("MIN_DIFFERENCES", "MAX_DIFFERENCES")
        ),
        default=limits.DEFAULT_DIFFERENCES,
        metavar="N",
        help=f"how many differences, {limits.MIN_DIFFERENCES} to {limits.MAX_DIFFERENCES} (default {limits.DEFAULT_DIFFERENCES})",
    )
    parser.add_argument(
        "--difficulty",
        choices=limits.DIFFICULTIES,
        default="normal",
        help="easy: large, strong changes; hard: small, subtle ones (default normal)",
    )
    parser.add_argument(
        "--seed", type=_seed, default=None, help="make the same puzzle again (default: random, printed)"
    )
    parser.add_argument(
        "--kinds",
        default=",".join(limits.KINDS),
        metavar="LIST",
        help=f"comma-separated kinds of change allowed (default {','.join(limits.KINDS)})",
    )
    parser.add_argument(
        "--print-safe",
        action="store_true",
        help="every difference also changes lightness, so it shows on a black-and-white printer",
    )
    parser.add_argument(
        "--fill-weak",
        action="store_true",
        help="when the picture holds fewer natural differences than asked for, fill up with weaker ones "
        "(flagged in puzzle.json and warned about) instead of stopping with an error",
    )
    parser.add_argument(
        "--max-side",
        type=_int_in(limits.MIN_MAX_SIDE, limits.MAX_MAX_SIDE, "--max-side", ("MIN_MAX_SIDE", "MAX_MAX_SIDE")),
        default=limits.DEFAULT_MAX_SIDE,
        metavar="PX",
        help=f"long side of the working picture in pixels, {limits.MIN_MAX_SIDE} to {limits.MAX_MAX_SIDE} (default {limits.DEFAULT_MAX_SIDE})",
    )
    from .inpainters import INPAINTERS
    from .segmenters import SEGMENTERS

    parser.add_argument(
        "--segmenter", choices=SEGMENTERS.names(), default="auto", help="segmentation backend (default auto)"
    )
    parser.add_argument(
        "--inpainter", choices=INPAINTERS.names(), default="auto", help="inpainting backend (default auto)"
    )


def puzzle_settings(args: argparse.Namespace) -> dict:
    """The generation keyword arguments from the options :func:`add_puzzle_options` added."""
    return {
        "n_differences": args.differences,
        "difficulty": args.difficulty,
        "seed": args.seed,
        "kinds": args.kinds,
        "print_safe": args.print_safe,
        "max_side": args.max_side,
        "fill_weak": args.fill_weak,
    }


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

    from .worksheet_cli import add_worksheet_command

    add_worksheet_command(sub, add_puzzle_options)

    from .gallery import add_gallery_command

    add_gallery_command(sub)

    for register in EXTRA_COMMANDS:
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
