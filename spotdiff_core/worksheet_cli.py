"""The `worksheet` and `batch` subcommands: printable PDFs, and many puzzles at once on every core (never half-written)."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

from . import limits
from .batch import (
    MAX_VERSIONS,
    PuzzleJob,
    check_jobs,
    make_puzzles,
    pictures_in,
    repeated_versions,
    version_label,
)
from .cli_options import CliError, _int_in, add_puzzle_options, puzzle_settings
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


def _out_folder(text: str) -> Path:
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{text!r} is a file; give a folder for the saved puzzles")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputPathError(f"the folder {str(parent)!r} for {text!r} does not exist; create it first")
    return path


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"--jobs must be at least 1, not {value}")
    return value


def add_page_options(parser: argparse.ArgumentParser) -> None:
    """Paper, layout, language, class line and instructions of a PDF (worksheet and batch --pack)."""
    parser.add_argument("--paper", choices=tuple(PAPER_SIZES_MM), default="a4", help="paper size (default a4)")
    parser.add_argument(
        "--orientation",
        choices=ORIENTATIONS,
        default="portrait",
        help="paper orientation; the two pictures are stacked or side by side, whichever prints them larger "
        "(default portrait)",
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
    parser.add_argument(
        "--class-line", default="", metavar="TEXT", help='printed on every page, e.g. "Class 3B - Science"'
    )
    parser.add_argument(
        "--instructions", default="", metavar="TEXT", help="your own instructions, printed under the standard one"
    )
    parser.add_argument(
        "--versions",
        type=_int_in(1, MAX_VERSIONS, "--versions", ("1", "26 versions, A to Z")),
        default=1,
        metavar="K",
        help="make K class versions (A, B, C, ...) of each picture, each with its own differences and answer key "
        "(default 1)",
    )
    parser.add_argument(
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help="worker processes making puzzles (default: every core); the output is the same with any number",
    )


def _options(args: argparse.Namespace) -> WorksheetOptions:
    return WorksheetOptions(
        paper=args.paper,
        orientation=args.orientation,
        answers=args.answers,
        grayscale=args.grayscale,
        lang=args.lang,
        class_line=args.class_line,
        instructions=args.instructions,
    )


def add_worksheet_command(sub: argparse._SubParsersAction) -> None:
    """Add `worksheet` to the CLI's subcommands."""
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
        help=f"pictures and saved puzzles, at most {limits.MAX_PACK_PUZZLES} (MAX_PACK_PUZZLES) with their versions",
    )
    parser.add_argument("--pdf", required=True, type=_pdf_path, metavar="OUT.pdf", help="the PDF file to write")
    parser.add_argument(
        "--title",
        action="append",
        default=[],
        metavar="TEXT",
        help="the title printed on a puzzle's page; give it once per INPUT, in order (default: from the file name)",
    )
    add_puzzle_options(parser)
    add_page_options(parser)
    parser.set_defaults(handler=run_worksheet)


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it over: readers never see half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_write_atomically = write_atomically  # the name tests and older callers use


def _describe(options: WorksheetOptions) -> str:
    paper = options.paper.upper() if options.paper == "a4" else "Letter"
    return f"{paper} {options.orientation}, answers {options.answers}{', grayscale' if options.grayscale else ''}"


def run_worksheet(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    options = _options(args)
    if args.title and len(args.title) != len(args.inputs):
        raise CliError(
            f"give --title once per INPUT, in order: {len(args.title)} --title for {len(args.inputs)} inputs"
        )

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "puzzles" and total > 1 and done:
            print(f"puzzle {done} of {total} ready", file=sys.stderr, flush=True)

    worksheet = build_pack(
        args.inputs,
        options=options,
        titles=args.title or None,
        **puzzle_settings(args),
        versions=args.versions,
        jobs=args.jobs,
        segmenter=args.segmenter,
        inpainter=args.inpainter,
        progress=progress,
    )
    write_atomically(args.pdf, worksheet.pdf)
    names = [name for name in args.inputs for _ in range(args.versions)]
    for number, (name, puzzle, version) in enumerate(
        zip(names, worksheet.puzzles, worksheet.versions, strict=True), start=1
    ):
        print(
            f"{number}. {name}{f' (version {version})' if version else ''}: {len(puzzle)} differences, "
            f"{puzzle.settings.get('difficulty', '?')}, {puzzle.width}x{puzzle.height}, seed {puzzle.seed}"
        )
        for warning in puzzle.warnings:  # weak differences, when filling up
            print(f"warning: puzzle {number}: {warning}", file=sys.stderr)
    _warn_gray(worksheet)
    _warn_repeated(args.inputs, list(worksheet.puzzles), args.versions)
    n = len(worksheet.puzzles)
    print(
        f"Wrote {worksheet.page_count} pages ({n} puzzle{'s' if n > 1 else ''}, {_describe(options)}, "
        f"pictures at {worksheet.min_source_dpi:.0f} dpi or more) to {args.pdf} in {time.perf_counter() - started:.1f} s"
    )
    return 0


def _warn_repeated(names: list, puzzles: list, versions: int) -> None:
    """Say when versions of one picture came out alike: the picture holds only the differences asked for."""
    if versions < 2:
        return
    for position, name in enumerate(names):
        group = puzzles[position * versions : (position + 1) * versions]
        if any(p is None for p in group):
            continue
        for i, j in repeated_versions(group):
            print(
                f"warning: {name}: versions {version_label(i)} and {version_label(j)} have the same differences "
                "(the picture holds no others); ask for fewer differences or allow weaker changes (--fill-weak)",
                file=sys.stderr,
            )


def _warn_gray(worksheet) -> None:
    if worksheet.options.grayscale:
        for number, ids in worksheet.weak_in_gray():
            print(
                f"warning: puzzle {number}: difference{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))} "
                f"may be hard to see in gray (lightness change below {limits.MIN_PRINT_SAFE_DELTA_L:g}); "
                "make it with --print-safe",
                file=sys.stderr,
            )


# --- batch -------------------------------------------------------------------------------------------------
def add_batch_command(sub: argparse._SubParsersAction) -> None:
    """Add `batch` to the CLI's subcommands."""
    parser = sub.add_parser(
        "batch",
        help="make a saved puzzle from every picture in a folder, on every core",
        description="Make one saved puzzle (.zip) per picture and version in OUT, on a pool of worker processes, "
        "and optionally a worksheet pack of them all. A picture that fails is named in the summary and the "
        "others go on; the exit code is 1 if any failed. The output is the same, byte for byte, whatever --jobs.",
    )
    parser.add_argument(
        "inputs", nargs="+", metavar="PICTURES_OR_FOLDER", help="picture files, or folders of pictures (not recursive)"
    )
    parser.add_argument(
        "--out", "-o", required=True, type=_out_folder, metavar="DIR", help="the folder to save the puzzles in"
    )
    parser.add_argument(
        "--pack", type=_pdf_path, default=None, metavar="PACK.pdf", help="also write a worksheet pack of every puzzle"
    )
    add_puzzle_options(parser)
    add_page_options(parser)
    parser.set_defaults(handler=run_batch)


def _bundle_names(pictures: list[Path], versions: int) -> list[str]:
    """A distinct .zip name per picture and version: ``cat.zip`` or ``cat-A.zip``; ``cat.png.zip`` when two
    pictures share a stem."""
    stems = [p.stem for p in pictures]
    names = []
    for picture, stem in zip(pictures, stems, strict=True):
        base = picture.name if stems.count(stem) > 1 else stem
        for v in range(versions):
            names.append(f"{base}-{version_label(v)}.zip" if versions > 1 else f"{base}.zip")
    return names


def run_batch(args: argparse.Namespace) -> int:
    from .bundle import puzzle_to_zip_bytes
    from .generator import make_settings
    from .worksheet import build_worksheet, title_from_name

    started = time.perf_counter()
    options = _options(args)
    pictures = pictures_in(args.inputs)
    versions = args.versions
    total = len(pictures) * versions
    if args.pack is not None and total > limits.MAX_PACK_PUZZLES:
        raise CliError(
            f"--pack holds at most {limits.MAX_PACK_PUZZLES} puzzles (MAX_PACK_PUZZLES), and this batch makes {total}; "
            "leave out --pack or split the pictures"
        )
    settings = puzzle_settings(args)
    base_seed = settings.pop("seed")
    if base_seed is None:  # chosen here, so a pool run is as reproducible as a serial one
        base_seed = secrets.randbelow(2**31)
    checked = make_settings(**settings)
    generate = {
        "n_differences": checked.n_differences,
        "difficulty": checked.difficulty,
        "kinds": checked.kinds,
        "print_safe": checked.print_safe,
        "max_side": checked.max_side,
        "fill_weak": checked.fill_weak,
    }
    jobs = []
    for i, picture in enumerate(pictures):
        for v in range(versions):
            name = picture.name if versions == 1 else f"{picture.name} (version {version_label(v)})"
            jobs.append(PuzzleJob(name, picture, (base_seed + i * versions + v) % 2**63, generate))
    bundles = _bundle_names(pictures, versions)
    workers = min(check_jobs(args.jobs), len(jobs))
    args.out.mkdir(exist_ok=True)
    print(
        f"Making {total} puzzle{'s' if total > 1 else ''} from {len(pictures)} picture{'s' if len(pictures) > 1 else ''} "
        f"with {workers} process{'es' if workers > 1 else ''} (seed {base_seed})",
        file=sys.stderr,
        flush=True,
    )

    def done(index: int, result, finished: int) -> None:
        job = jobs[index]
        if isinstance(result, BaseException):
            print(f"[{finished}/{total}] {job.name}: failed: {result}", file=sys.stderr, flush=True)
            return
        write_atomically(args.out / bundles[index], puzzle_to_zip_bytes(result))
        weak = f", {len(result.warnings)} warning(s)" if result.warnings else ""
        print(
            f"[{finished}/{total}] {job.name}: {len(result)} differences, seed {result.seed}{weak} -> "
            f"{args.out / bundles[index]}",
            file=sys.stderr,
            flush=True,
        )

    results = make_puzzles(jobs, workers=workers, segmenter=args.segmenter, inpainter=args.inpainter, on_done=done)
    failed = [(job, r) for job, r in zip(jobs, results, strict=True) if isinstance(r, BaseException)]
    _warn_repeated([p.name for p in pictures], [None if isinstance(r, BaseException) else r for r in results], versions)
    made = [(i, r) for i, r in enumerate(results) if not isinstance(r, BaseException)]
    if args.pack is not None and made:
        worksheet = build_worksheet(
            [r for _, r in made],
            options=options,
            titles=[title_from_name(pictures[i // versions].name) for i, _ in made],
            versions=[version_label(i % versions) if versions > 1 else "" for i, _ in made],
        )
        write_atomically(args.pack, worksheet.pdf)
        print(
            f"Wrote a pack of {len(made)} puzzles ({worksheet.page_count} pages, {_describe(options)}) to {args.pack}"
        )
        _warn_gray(worksheet)
    seconds = time.perf_counter() - started
    print(
        f"Made {len(made)} of {total} puzzles into {args.out} in {seconds:.1f} s (seed {base_seed}, {workers} process{'es' if workers > 1 else ''})"
    )
    if failed:
        print(f"{len(failed)} failed:", file=sys.stderr)
        for job, error in failed:
            print(f"  {job.name}: {error}", file=sys.stderr)
        return 1
    return 0
