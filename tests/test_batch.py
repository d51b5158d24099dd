"""`python -m spotdiff_core batch` and packs on a process pool: same bytes as serially, progress, failures named."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from spotdiff_core import load_puzzle
from spotdiff_core.batch import PuzzleJob, check_jobs, iter_puzzles, pictures_in
from spotdiff_core.drawings import park_scene, street_scene
from spotdiff_core.errors import InvalidInputError
from spotdiff_core.samples import illustration
from spotdiff_core.worksheet import WorksheetOptions, build_pack

ROOT = Path(__file__).resolve().parent.parent
FAST = ["--max-side", "320", "--segmenter", "felzenszwalb", "--inpainter", "telea", "-n", "2", "--fill-weak"]
GENERATE = {
    "n_differences": 2,
    "difficulty": "normal",
    "kinds": None,
    "print_safe": False,
    "max_side": 320,
    "fill_weak": True,
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Three drawings, a file that is not a picture, and a text file the folder scan must skip."""
    folder = tmp_path_factory.mktemp("pictures")
    Image.fromarray(street_scene(width=400, height=300)).save(folder / "street.png")
    Image.fromarray(park_scene(width=400, height=300)).save(folder / "park.jpg", quality=92)
    Image.fromarray(illustration(400, 300)).save(folder / "garden.png")
    (folder / "broken.jpg").write_text("this is not a picture")
    (folder / "notes.txt").write_text("not looked at")
    return folder


def run_cli(args: list[str], env_extra: dict | None = None) -> subprocess.CompletedProcess:
    """The real command in a fresh process (the pool starts its workers as a user's run would)."""
    import os

    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "spotdiff_core", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )


def test_batch_on_a_pool_matches_serial_byte_for_byte_and_names_the_bad_picture(folder, tmp_path):
    outputs = {}
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}"
        done = run_cli(
            ["batch", folder, "--out", out, "--jobs", jobs, "--seed", 7, "--pack", tmp_path / f"pack{jobs}.pdf", *FAST]
        )
        assert done.returncode == 1, done.stderr  # one picture failed
        assert "Traceback" not in done.stderr
        # Progress: one line per puzzle as it finishes, numbered; the bad one says why.
        progress = [line for line in done.stderr.splitlines() if line.startswith("[")]
        assert len(progress) == 4 and {line.split("]")[0] for line in progress} == {"[1/4", "[2/4", "[3/4", "[4/4"}
        assert any("broken.jpg: failed: " in line and "not a picture" in line for line in progress)
        # The summary at the end names it again.
        summary = done.stderr[done.stderr.index("1 failed:") :]
        assert "broken.jpg" in summary and "street.png" not in summary
        assert "Made 3 of 4 puzzles" in done.stdout
        outputs[jobs] = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
        outputs[jobs]["pack"] = (tmp_path / f"pack{jobs}.pdf").read_bytes()
    assert sorted(outputs[1]) == ["garden.zip", "pack", "park.zip", "street.zip"]
    assert outputs[1] == outputs[2]  # the same bytes, serial or on two processes
    puzzle = load_puzzle(tmp_path / "jobs2" / "street.zip")
    assert len(puzzle) == 2
    pack = PdfReader(io.BytesIO(outputs[2]["pack"]))
    assert len(pack.pages) == 1 + 3 + 2  # cover, 3 puzzles, answer keys two per page
    assert "Street" in pack.pages[0].extract_text() and "Garden" in pack.pages[0].extract_text()


def test_batch_versions_make_different_puzzles_of_one_picture_labelled_a_b(folder, tmp_path):
    single = tmp_path / "one"
    single.mkdir()
    (single / "park.jpg").write_bytes((folder / "park.jpg").read_bytes())
    pack = tmp_path / "versions.pdf"
    done = run_cli(["batch", single, "--out", tmp_path / "out", "--versions", 3, "--seed", 3, "--pack", pack, *FAST])
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["park-A.zip", "park-B.zip", "park-C.zip"]
    puzzles = [load_puzzle(tmp_path / "out" / n) for n in names]
    assert [p.seed for p in puzzles] == [3, 4, 5]
    assert {len(p) for p in puzzles} == {2} and {p.settings["difficulty"] for p in puzzles} == {"normal"}
    masks = [np.any([d.mask for d in p.differences], axis=0) for p in puzzles]
    assert not all(np.array_equal(masks[0], m) for m in masks[1:])  # not all the same differences
    reader = PdfReader(io.BytesIO(pack.read_bytes()))
    texts = [page.extract_text() for page in reader.pages]
    for label in "ABC":
        assert sum(f"Version {label}" in t for t in texts[1:4]) == 1  # on exactly one puzzle page
        assert any(f"Version {label}" in t for t in texts[4:])  # and on the answer keys


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--jobs", "0"], "--jobs must be at least 1, not 0"),
        (["--jobs", "two"], "--jobs must be a whole number, not 'two'"),
        (["--versions", "30"], "--versions must be from 1 to 26"),
    ],
)
def test_bad_batch_options_are_one_line_and_exit_2(folder, tmp_path, args, message, capsys):
    from spotdiff_core.cli import main

    code = main(["batch", str(folder), "--out", str(tmp_path / "out"), *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_folder_without_pictures_or_a_missing_path_is_one_line_and_exit_1(tmp_path, capsys):
    from spotdiff_core.cli import main

    (tmp_path / "empty").mkdir()
    for target, expected in ((tmp_path / "empty", "holds no pictures"), (tmp_path / "nope", "no file or folder")):
        code = main(["batch", str(target), "--out", str(tmp_path / "out")])
        err = capsys.readouterr().err
        assert code == 1 and expected in err and len(err.strip().splitlines()) == 1


def test_pictures_in_lists_a_folder_sorted_and_skips_other_files(folder):
    assert [p.name for p in pictures_in([folder])] == ["broken.jpg", "garden.png", "park.jpg", "street.png"]
    with pytest.raises(InvalidInputError, match="must be a whole number of at least 1"):
        check_jobs(0)
    assert check_jobs(None) >= 1


def test_pool_errors_come_back_as_errors_in_job_order_and_the_pool_goes_on(folder):
    jobs = [
        PuzzleJob("broken.jpg", folder / "broken.jpg", 1, GENERATE),
        PuzzleJob("garden.png", folder / "garden.png", 2, GENERATE),
    ]
    results = dict(iter_puzzles(jobs, workers=2, segmenter="felzenszwalb", inpainter="telea"))
    assert isinstance(results[0], InvalidInputError) and "not a picture" in str(results[0])
    assert len(results[1]) == 2 and results[1].seed == 2


def test_pack_versions_of_a_saved_puzzle_and_a_picture_same_pdf_serial_or_pooled(folder, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    from spotdiff_core import generate_puzzle

    saved = generate_puzzle(
        illustration(320, 240), n_differences=2, seed=4, max_side=320, segmenter="felzenszwalb", inpainter="telea"
    )
    calls = []
    common = {
        "options": WorksheetOptions(answers="after"),
        "versions": 2,
        "seed": 10,
        "n_differences": 2,
        "max_side": 320,
        "fill_weak": True,
        "segmenter": "felzenszwalb",
        "inpainter": "telea",
    }
    serial = build_pack([saved, folder / "street.png"], jobs=1, progress=lambda *a: calls.append(a), **common)
    pooled = build_pack([saved, folder / "street.png"], jobs=2, **common)
    assert serial.pdf == pooled.pdf
    assert serial.versions == ("A", "B", "A", "B")
    assert serial.puzzles[0] is saved  # a saved puzzle is version A as it is
    assert serial.puzzles[1].seed == 11 and len(serial.puzzles[1]) == 2  # B: seed + 0 * 2 + 1
    assert [p.seed for p in serial.puzzles[2:]] == [12, 13]
    assert serial.titles == ("", "", "Street", "Street")
    # Progress moves at once (the saved puzzle is ready) and per puzzle, then per page.
    puzzles = [c for c in calls if c[0] == "puzzles"]
    assert puzzles[0] == ("puzzles", 1, 4) and puzzles[-1] == ("puzzles", 4, 4) and len(puzzles) == 4
    assert [c for c in calls if c[0] == "pages"][-1] == ("pages", serial.page_count, serial.page_count)


def test_pack_limit_counts_versions():
    with pytest.raises(InvalidInputError, match=r"16 items x 2 versions = 32"):
        build_pack(["x.png"] * 16, versions=2)
    with pytest.raises(InvalidInputError, match="from 1 to 26"):
        build_pack(["x.png"], versions=0)


@pytest.mark.parametrize("jobs", [1, 2])
def test_pack_progress_moves_while_puzzles_are_made_never_backwards(folder, jobs):
    calls = []
    worksheet = build_pack(
        [folder / "street.png", folder / "garden.png"],
        jobs=jobs,
        progress=lambda *call: calls.append(call),
        seed=1,
        **{k: v for k, v in GENERATE.items() if k != "kinds"},
        segmenter="felzenszwalb",
        inpainter="telea",
    )
    assert len(worksheet.puzzles) == 2
    ready = [done for stage, done, _ in calls if stage == "puzzles"]
    working = [done for stage, done, _ in calls if stage == "working"]
    assert ready == [0, 1, 2]
    assert working == sorted(working) and working[0] > 0 and working[-1] <= 2  # never backwards
    # Before the first puzzle is ready, the bar has already moved (from inside the worker processes too).
    first_ready = next(i for i, (stage, done, _) in enumerate(calls) if stage == "puzzles" and done == 1)
    assert any(stage == "working" and 0 < done < 1 for stage, done, _ in calls[:first_ready])


def test_versions_that_came_out_alike_are_found_and_warned_about(folder, tmp_path, monkeypatch, capsys):
    from spotdiff_core.batch import repeated_versions
    from spotdiff_core.cli import main
    from tests.test_worksheet import synthetic_puzzle

    same, other = synthetic_puzzle(320, 240, seed=1), synthetic_puzzle(320, 240, n=2, seed=2)
    assert repeated_versions([same, same, other]) == [(0, 1)]
    assert repeated_versions([same, other]) == []
    # A picture that holds only the differences asked for gives every version the same ones: the batch says so.
    monkeypatch.setattr("spotdiff_core.worksheet_cli.make_puzzles", lambda jobs, **kwargs: [same for _ in jobs])
    code = main(["batch", str(folder / "park.jpg"), "--out", str(tmp_path / "out"), "--versions", "2"])
    err = capsys.readouterr().err
    assert code == 0
    assert "warning: park.jpg: versions A and B have the same differences" in err
