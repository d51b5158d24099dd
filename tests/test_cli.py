"""The command line, run as users run it: `python -m spotdiff_core ...` in a separate process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from spotdiff_core import generate_puzzle, limits, load_image, load_puzzle, puzzle_to_zip_bytes
from spotdiff_core.samples import illustration
from tests.helpers import encode, guarantee_violations

ROOT = Path(__file__).resolve().parents[1]
PROG = "python -m spotdiff_core"
SETTINGS = ["-n", "3", "--seed", "7", "--max-side", "512"]


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "spotdiff_core", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def drawing_png(workdir) -> Path:
    path = workdir / "drawing.png"
    path.write_bytes(encode(illustration(), "PNG"))
    return path


@pytest.fixture(scope="module")
def zip_run(workdir, drawing_png):
    """One `generate` to a .zip: (completed process, output path)."""
    out = workdir / "first" / "puzzle.zip"
    return run("generate", drawing_png, *SETTINGS, "--out", out, cwd=workdir), out


# --- generate --------------------------------------------------------------------------------------------


def test_generate_writes_a_loadable_zip_and_one_line_per_difference(zip_run):
    done, out = zip_run
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    puzzle = load_puzzle(out)
    assert len(puzzle) == 3 and puzzle.seed == 7 and puzzle.shape == (384, 512)
    assert guarantee_violations(puzzle, n_differences=3) == []
    lines = done.stdout.splitlines()
    assert lines[:-1] == [d.summary() for d in puzzle.differences]
    assert re.fullmatch(
        r"Saved 3 differences \(512x384, seed 7, felzenszwalb/patchmatch\) to .*puzzle\.zip in [\d.]+ s", lines[-1]
    )


def test_generate_writes_a_folder_with_the_same_puzzle(zip_run, workdir, drawing_png):
    done = run("generate", drawing_png, *SETTINGS, "-o", "as folder", cwd=workdir)
    assert done.returncode == 0, done.stderr
    folder = workdir / "as folder"
    assert sorted(p.name for p in folder.iterdir()) == ["labels.png", "modified.png", "original.png", "puzzle.json"]
    assert puzzle_to_zip_bytes(load_puzzle(folder)) == zip_run[1].read_bytes()


def test_two_processes_make_the_same_zip_byte_for_byte(zip_run, workdir, drawing_png):
    out = workdir / "second.zip"
    done = run("generate", drawing_png, *SETTINGS, "--out", out, cwd=workdir)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == zip_run[1].read_bytes()


def test_the_cli_makes_the_same_puzzle_as_the_library(zip_run, drawing_png):
    image = load_image(drawing_png, max_side=512)
    puzzle = generate_puzzle(image, n_differences=3, seed=7, max_side=512)
    assert puzzle_to_zip_bytes(puzzle) == zip_run[1].read_bytes()


def test_a_random_seed_is_printed_and_reproduces_the_puzzle(workdir, drawing_png):
    first = run("generate", drawing_png, "-n", "2", "--max-side", "256", "-o", "random.zip", cwd=workdir)
    assert first.returncode == 0, first.stderr
    seed = re.search(r"seed (\d+)", first.stdout.splitlines()[-1]).group(1)
    again = run("generate", drawing_png, "-n", "2", "--max-side", "256", "--seed", seed, "-o", "again.zip", cwd=workdir)
    assert again.returncode == 0, again.stderr
    assert (workdir / "random.zip").read_bytes() == (workdir / "again.zip").read_bytes()


def test_every_option_reaches_the_puzzle(workdir, drawing_png):
    done = run(
        "generate",
        drawing_png,
        "--differences",
        "2",
        "--difficulty",
        "easy",
        "--seed",
        "3",
        "--kinds",
        "recolor,remove",
        "--print-safe",
        "--max-side",
        "320",
        "--segmenter",
        "felzenszwalb",
        "--inpainter",
        "telea",
        "--fill-weak",
        "--out",
        "options.zip",
        cwd=workdir,
    )
    assert done.returncode == 0, done.stderr
    puzzle = load_puzzle(workdir / "options.zip")
    # fill_weak is a setting now (natural-only is the default; --fill-weak fills up with weaker changes).
    assert puzzle.settings == {
        "n_differences": 2,
        "difficulty": "easy",
        "kinds": ["remove", "recolor"],
        "print_safe": True,
        "max_side": 320,
        "fill_weak": True,
    }
    assert puzzle.backends == {"segmenter": "felzenszwalb", "inpainter": "telea"}
    assert puzzle.shape == (240, 320) and puzzle.seed == 3
    assert {d.kind for d in puzzle.differences} <= {"remove", "recolor"}
    assert guarantee_violations(puzzle, n_differences=2, print_safe=True) == []


# --- errors: one line on stderr, a non-zero exit, no traceback, nothing written ------------------------------


def assert_one_line_error(done: subprocess.CompletedProcess, pattern: str, *, code: int) -> None:
    assert done.returncode == code, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"{PROG}: error: ")
    assert re.search(pattern, lines[0]), lines[0]
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("args", "pattern", "code"),
    [
        (["--differences", "0"], r"--differences must be from 1 to 10 \(MIN_DIFFERENCES\), not 0", 2),
        (["--differences", "11"], r"--differences must be from 1 to 10 \(MAX_DIFFERENCES\), not 11", 2),
        (["-n", "three"], r"--differences must be a whole number, not 'three'", 2),
        (["--difficulty", "extreme"], r"invalid choice: 'extreme' \(choose from '?easy'?, '?normal'?, '?hard'?\)", 2),
        (
            ["--kinds", "bogus"],
            r"Unknown kind of change 'bogus'; choose from remove, recolor, duplicate, resize, flip",
            1,
        ),
        (["--kinds", ","], r"Unknown kind of change \(none given\)", 1),
        (["--max-side", "10"], r"--max-side must be from 256 to 2048 \(MIN_MAX_SIDE\), not 10", 2),
        (["--seed", "-1"], r"the seed must be from 0 to 2\*\*63 - 1, not -1", 2),
        (["--seed", "x"], r"the seed must be a whole number, not 'x'", 2),
        (["--segmenter", "magic"], r"invalid choice: 'magic'", 2),
        (["--bogus-option"], r"unrecognized arguments: --bogus-option", 2),
    ],
)
def test_a_bad_option_is_one_clear_line(workdir, drawing_png, args, pattern, code):
    out = workdir / "never.zip"
    done = run("generate", drawing_png, *args, "--out", out, cwd=workdir)
    assert_one_line_error(done, pattern, code=code)
    assert not out.exists()


def test_a_missing_out_is_one_clear_line(workdir, drawing_png):
    assert_one_line_error(
        run("generate", drawing_png, cwd=workdir), r"the following arguments are required: --out/-o", code=2
    )


def test_a_missing_image_argument_is_one_clear_line(workdir):
    assert_one_line_error(run("generate", "-o", "x.zip", cwd=workdir), r"required: IMAGE", code=2)


def test_no_command_is_one_clear_line(workdir):
    assert_one_line_error(run(cwd=workdir), r"required: COMMAND", code=2)


def test_an_unknown_command_is_one_clear_line(workdir):
    assert_one_line_error(run("solve", cwd=workdir), r"invalid choice: 'solve'", code=2)


def test_a_missing_file_is_one_clear_line(workdir):
    done = run("generate", workdir / "no such.jpg", "-o", "x.zip", cwd=workdir)
    assert_one_line_error(done, r"No picture file at '.*no such\.jpg'", code=1)


def test_a_file_that_is_not_a_picture_is_one_clear_line(workdir):
    notes = workdir / "notes.jpg"
    notes.write_text("shopping list: milk, eggs\n")
    done = run("generate", notes, "-o", "x.zip", cwd=workdir)
    assert_one_line_error(done, r"not a picture we can read; use JPEG, PNG, WebP, GIF, BMP or TIFF", code=1)


def test_a_too_small_picture_is_one_clear_line(workdir):
    tiny = workdir / "tiny.png"
    tiny.write_bytes(encode(np.zeros((100, 120, 3), np.uint8), "PNG"))
    done = run("generate", tiny, "-o", "x.zip", cwd=workdir)
    assert_one_line_error(done, rf"120 x 100 pixels .*at least {limits.MIN_IMAGE_SIDE} pixels", code=1)


def test_a_picture_that_cannot_hold_the_puzzle_is_one_clear_line(workdir):
    plain = workdir / "plain.png"
    plain.write_bytes(encode(np.full((300, 400, 3), 120, np.uint8), "PNG"))
    done = run("generate", plain, "-n", "3", "--seed", "1", "-o", "x.zip", cwd=workdir)
    assert_one_line_error(done, r"No difference fits in this picture", code=1)


@pytest.fixture(scope="module")
def cup_png(workdir) -> Path:
    """The coffee cup: it holds fewer than 4 natural differences at 384 px."""
    from tests.conftest import photo

    path = workdir / "cup.png"
    path.write_bytes(encode(photo("coffee", 384), "PNG"))
    return path


def test_a_photo_that_holds_fewer_is_one_line_and_fill_weak_reaches_the_number(workdir, cup_png):
    # Natural-only is the default: one line on stderr saying how many fit, exit 1, nothing written.
    settings = ["-n", "4", "--seed", "5", "--max-side", "384", "--inpainter", "telea"]
    refused = run("generate", cup_png, *settings, "-o", "cup.zip", cwd=workdir)
    assert_one_line_error(refused, r"can hold only \d of the 4 differences|No difference fits in this picture", code=1)
    assert "allow weaker changes to fill up" in refused.stderr
    assert not (workdir / "cup.zip").exists()
    done = run("generate", cup_png, *settings, "--fill-weak", "-o", "cup.zip", cwd=workdir)
    assert done.returncode == 0, done.stderr
    puzzle = load_puzzle(workdir / "cup.zip")
    assert len(puzzle) == 4 and puzzle.settings["fill_weak"] is True
    assert guarantee_violations(puzzle, n_differences=4) == []
    # The weaker changes are flagged on their lines and in one warning.
    lines = done.stdout.splitlines()
    assert lines[:-1] == [d.summary() for d in puzzle.differences]
    assert sum(line.endswith("  WEAK") for line in lines[:-1]) == len(puzzle.weak_differences) > 0
    assert done.stderr.splitlines() == [f"{PROG}: warning: {w}" for w in puzzle.warnings]
    assert lines[-1].startswith("Saved 4 differences")


def test_an_output_that_is_a_file_is_one_clear_line(workdir, drawing_png):
    taken = workdir / "taken"
    taken.write_text("do not overwrite")
    done = run("generate", drawing_png, *SETTINGS, "-o", taken, cwd=workdir)
    assert_one_line_error(done, r"it is a file, not a folder", code=1)
    assert taken.read_text() == "do not overwrite"


def test_an_output_in_an_unwritable_place_is_one_clear_line(workdir, drawing_png):
    blocker = workdir / "blocker"
    blocker.write_text("a file where a folder should be")
    done = run("generate", drawing_png, *SETTINGS, "-o", blocker / "inside" / "p.zip", cwd=workdir)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith(f"{PROG}: error: ")


# --- help and backends --------------------------------------------------------------------------------------


def test_generate_help_mentions_every_option(workdir):
    done = run("generate", "--help", cwd=workdir)
    assert done.returncode == 0 and done.stderr == ""
    for option in [
        "IMAGE",
        "--differences",
        "-n",
        "--difficulty",
        "--seed",
        "--kinds",
        "--print-safe",
        "--fill-weak",
        "--max-side",
        "--segmenter",
        "--inpainter",
        "--out",
        "-o",
        "easy,normal,hard",
        "remove,recolor,duplicate,resize,flip",
        "1 to 10",
        "256 to",
        "2048",
    ]:
        assert option in done.stdout, option


def test_top_level_help_lists_the_commands(workdir):
    done = run("--help", cwd=workdir)
    assert done.returncode == 0
    for command in ("generate", "backends"):
        assert command in done.stdout


def test_backends_lists_the_built_in_backends(workdir):
    done = run("backends", cwd=workdir)
    assert done.returncode == 0 and done.stderr == ""
    assert re.search(r"^segmenters:$", done.stdout, re.MULTILINE)
    assert re.search(r"^inpainters:$", done.stdout, re.MULTILINE)
    assert re.search(r"^\s+felzenszwalb\s+available: yes .*<- auto$", done.stdout, re.MULTILINE)
    assert re.search(r"^\s+patchmatch\s+available: yes .*<- auto$", done.stdout, re.MULTILINE)
    assert re.search(r"^\s+telea\s+available: yes", done.stdout, re.MULTILINE)
