"""What every subcommand shares: the program name, the one-line usage error, and the puzzle-making options.

Subcommand modules (worksheet_cli, gallery, ...) import from here, never from cli.py, which only gathers them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from . import limits

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


differences_count = _int_in(
    limits.MIN_DIFFERENCES, limits.MAX_DIFFERENCES, "--differences", ("MIN_DIFFERENCES", "MAX_DIFFERENCES")
)  # the argparse type of --differences
max_side_px = _int_in(limits.MIN_MAX_SIDE, limits.MAX_MAX_SIDE, "--max-side", ("MIN_MAX_SIDE", "MAX_MAX_SIDE"))


def add_puzzle_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that makes puzzles (generate, worksheet)."""
    parser.add_argument(
        "--differences",
        "-n",
        type=differences_count,
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
        type=max_side_px,
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
