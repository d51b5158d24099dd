"""`python -m spotdiff_core worksheet`: packs from pictures and saved puzzles, one-line errors, no half-written PDF."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from spotdiff_core import limits, save_puzzle
from spotdiff_core.cli import main
from spotdiff_core.errors import SpotDiffError
from spotdiff_core.loading import load_image
from spotdiff_core.samples import illustration
from tests.conftest import photo
from tests.test_worksheet import needs_cjk, no_cjk_font, pdf_images, real_puzzles, squeeze

ROOT = Path(__file__).resolve().parent.parent
FAST = ["--max-side", "384", "--inpainter", "telea", "--segmenter", "felzenszwalb"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    """A picture, a saved puzzle .zip, a saved puzzle folder, and a file that is not a picture."""
    folder = tmp_path_factory.mktemp("inputs")
    picture = folder / "garden_drawing.png"
    Image.fromarray(illustration()).save(picture)
    bad = folder / "notes.png"
    bad.write_text("this is not a picture")
    house, bus, _ = real_puzzles()
    return {
        "picture": picture,
        "zip": save_puzzle(house, folder / "house.zip"),
        "folder": save_puzzle(bus, folder / "bus_puzzle"),
        "bad": bad,
    }


def loader_message(data: bytes) -> str:
    """What the picture loader itself says about these bytes (the pack error must carry it word for word)."""
    with pytest.raises(SpotDiffError) as caught:
        load_image(data)
    return str(caught.value)


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(["worksheet", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_pack_from_a_picture_a_zip_and_a_folder(tmp_path, inputs, capsys):
    out = tmp_path / "pack.pdf"
    code, stdout, stderr = run(
        [inputs["picture"], inputs["zip"], inputs["folder"], "--pdf", out, "-n", "4", "--seed", "7", *FAST], capsys
    )
    assert code == 0, stderr
    assert leftovers(tmp_path) == ["pack.pdf"]  # no temporary file left beside it
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    assert len(reader.pages) == 1 + 3 + 2  # cover, three puzzles, answer keys two to a page at the end
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [595, 842]
    # The picture became a new 4-difference puzzle with the seed given; the saved ones are used as they are.
    house, bus, _ = real_puzzles()
    assert "1. " in stdout and "4 differences" in stdout and "seed 7" in stdout
    assert f"{len(house)} differences" in stdout and f"seed {house.seed}" in stdout and f"seed {bus.seed}" in stdout
    texts = [squeeze(page.extract_text()) for page in reader.pages]
    assert "Findthe4differences!" in texts[1]
    assert f"Findthe{len(house)}differences!" in texts[2]
    assert f"Findthe{len(bus)}differences!" in texts[3]
    assert "Gardendrawing" in texts[0] and "Buspuzzle" in texts[0]  # titles from the file names
    assert all(i["dpi"] >= 150 for page in pdf_images(out.read_bytes()) for i in page)
    assert "Wrote 6 pages" in stdout and "pack.pdf" in stdout


def test_a_photo_that_holds_fewer_is_one_line_unless_weaker_changes_fill_up(tmp_path, capsys):
    # Natural-only is the default: the coffee cup holds fewer than 3 natural differences, and the pack says so
    # in one line naming the picture; --fill-weak makes the 3 asked for.
    cup = tmp_path / "in" / "cup.png"
    cup.parent.mkdir()
    Image.fromarray(photo("coffee", 384)).save(cup)
    out = tmp_path / "cup.pdf"
    code, stdout, stderr = run([cup, "--pdf", out, "-n", "3", "--seed", "4", *FAST], capsys)
    assert code == 1
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert stderr.startswith("python -m spotdiff_core: error: pack item 1 of 1 (") and "cup.png" in stderr
    assert re.search(r"can hold only \d of the 3 differences|No difference fits in this picture", stderr), stderr
    assert "Wrote" not in stdout and leftovers(tmp_path) == ["in"]
    code, stdout, stderr = run([cup, "--pdf", out, "-n", "3", "--seed", "4", "--fill-weak", *FAST], capsys)
    assert code == 0, stderr
    assert "1. " in stdout and "3 differences" in stdout and "seed 4" in stdout
    texts = [squeeze(page.extract_text()) for page in PdfReader(io.BytesIO(out.read_bytes())).pages]
    assert "Findthe3differences!" in texts[0]


def test_letter_landscape_grayscale_answers_after(tmp_path, inputs, capsys):
    out = tmp_path / "sheet.pdf"
    code, stdout, stderr = run(
        [
            inputs["zip"],
            "--pdf",
            out,
            "--paper",
            "letter",
            "--orientation",
            "landscape",
            "--answers",
            "after",
            "--grayscale",
        ],
        capsys,
    )
    assert code == 0, stderr
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    assert len(reader.pages) == 2
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [792, 612]
    assert {i["colorspace"] for page in pdf_images(out.read_bytes()) for i in page} == {"/DeviceGray"}
    assert "grayscale" in stdout
    # The drawing was not made print-safe: the warning names the differences that may fade in gray.
    weak = [d.id for d in real_puzzles()[0].differences if d.lightness_contrast < limits.MIN_PRINT_SAFE_DELTA_L]
    if weak:
        assert "may be hard to see in gray" in stderr and "--print-safe" in stderr


def test_one_bad_input_is_named_in_one_line_and_nothing_is_written(tmp_path, inputs, capsys):
    out = tmp_path / "pack.pdf"
    code, stdout, stderr = run([inputs["zip"], inputs["bad"], inputs["folder"], "--pdf", out, *FAST], capsys)
    assert code == 1
    errors = [line for line in stderr.splitlines() if "error" in line]
    assert len(errors) == 1
    assert errors[0].startswith("python -m spotdiff_core: error: pack item 2 of 3 (")
    assert "notes.png" in errors[0] and errors[0].endswith(loader_message(inputs["bad"].read_bytes()))
    assert leftovers(tmp_path) == []
    assert "Wrote" not in stdout


def test_a_failed_run_leaves_an_existing_pdf_untouched(tmp_path, inputs, capsys):
    out = tmp_path / "pack.pdf"
    out.write_bytes(b"%PDF- last week's pack")
    code, _, stderr = run([inputs["bad"], "--pdf", out], capsys)
    assert code == 1 and "pack item 1 of 1" in stderr
    assert out.read_bytes() == b"%PDF- last week's pack"
    assert leftovers(tmp_path) == ["pack.pdf"]


def test_a_failure_while_writing_removes_the_temporary_file(tmp_path, inputs, capsys, monkeypatch):
    def broken_replace(src, dst):
        raise OSError(28, "No space left on device", str(dst))

    monkeypatch.setattr(os, "replace", broken_replace)
    code, _, stderr = run([inputs["zip"], "--pdf", tmp_path / "pack.pdf"], capsys)
    assert code == 1 and "No space left on device" in stderr and len(stderr.strip().splitlines()) == 1
    assert leftovers(tmp_path) == []


def test_missing_input_is_reported_before_any_puzzle_is_made(tmp_path, inputs, capsys, monkeypatch):
    def no_generation(*args, **kwargs):
        raise AssertionError("a puzzle was made before the missing file was reported")

    monkeypatch.setattr("spotdiff_core.generator.get_pipeline", no_generation)
    code, _, stderr = run([inputs["picture"], tmp_path / "typo.jpg", "--pdf", tmp_path / "x.pdf"], capsys)
    assert code == 1
    assert "pack item 2 of 2" in stderr and "typo.jpg" in stderr and "no such file" in stderr
    assert not (tmp_path / "x.pdf").exists()


def test_too_many_inputs_name_the_limit(tmp_path, inputs, capsys):
    items = [inputs["zip"]] * (limits.MAX_PACK_PUZZLES + 1)
    code, _, stderr = run([*items, "--pdf", tmp_path / "x.pdf"], capsys)
    assert code == 1 and "MAX_PACK_PUZZLES" in stderr and str(limits.MAX_PACK_PUZZLES) in stderr
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--paper", "a5"], "argument --paper: invalid choice: 'a5'"),
        (["--orientation", "up"], "argument --orientation: invalid choice"),
        (["--answers", "middle"], "argument --answers: invalid choice"),
        (["--lang", "fr"], "argument --lang: invalid choice"),
        (["--differences", "0"], "--differences must be from 1 to 10"),
        (["--pdf", "no/such/folder/x.pdf"], "the folder 'no/such/folder' for 'no/such/folder/x.pdf' does not exist"),
    ],
)
def test_bad_options_are_one_line_usage_errors(tmp_path, inputs, capsys, args, message):
    argv = [inputs["zip"], *args] if "--pdf" in args else [inputs["zip"], "--pdf", tmp_path / "x.pdf", *args]
    code, _, stderr = run(argv, capsys)
    assert code == 2
    assert len(stderr.strip().splitlines()) == 1 and message in stderr
    assert leftovers(tmp_path) == []


def test_pdf_path_that_is_a_folder_is_refused(tmp_path, inputs, capsys):
    code, _, stderr = run([inputs["zip"], "--pdf", tmp_path], capsys)
    assert code == 2 and "is a folder" in stderr


def test_japanese_without_a_cjk_font_says_how_to_get_one(tmp_path, inputs, capsys, monkeypatch):
    monkeypatch.setattr("spotdiff_core.worksheet.find_cjk_fonts", no_cjk_font)
    code, _, stderr = run([inputs["picture"], "--pdf", tmp_path / "x.pdf", "--lang", "ja", *FAST], capsys)
    assert code == 1
    assert len(stderr.strip().splitlines()) == 1
    assert "CJK" in stderr and "fonts-noto-cjk" in stderr
    assert leftovers(tmp_path) == []


@needs_cjk
def test_japanese_worksheet_through_the_real_command_line(tmp_path, inputs):
    out = tmp_path / "ja.pdf"
    done = subprocess.run(
        [sys.executable, "-m", "spotdiff_core", "worksheet", str(inputs["zip"]), "--pdf", str(out), "--lang", "ja"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    text = squeeze(PdfReader(out).pages[0].extract_text())
    assert f"まちがいを{len(real_puzzles()[0])}こさがそう" in text


def test_help_lists_the_worksheet_options(capsys):
    with pytest.raises(SystemExit):
        main(["worksheet", "--help"])
    out = capsys.readouterr().out
    options = ("--pdf", "--paper", "--orientation", "--answers", "--grayscale", "--lang", "--print-safe", "--seed")
    for option in (*options, "--fill-weak"):
        assert option in out
    for option in ("--title", "--class-line", "--instructions", "--versions", "--jobs"):
        assert option in out


def test_titles_class_line_instructions_and_versions_from_the_command_line(tmp_path, inputs, capsys):
    out = tmp_path / "class.pdf"
    code, stdout, stderr = run(
        [
            inputs["picture"],
            inputs["zip"],
            "--pdf",
            out,
            "--title",
            "Our garden",
            "--title",
            "The house",
            "--class-line",
            "Class 3B",
            "--instructions",
            "Circle them on B.",
            "--versions",
            "2",
            "--jobs",
            "1",
            "-n",
            "3",
            "--seed",
            "5",
            *FAST,
        ],
        capsys,
    )
    assert code == 0, stderr
    assert "(version A)" in stdout and "(version B)" in stdout
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    texts = [page.extract_text() for page in reader.pages]
    assert len(reader.pages) == 1 + 4 + 2  # cover, 2 pictures x 2 versions, answer keys two to a page
    for page, (title, label) in enumerate(
        [("Our garden", "A"), ("Our garden", "B"), ("The house", "A"), ("The house", "B")], start=1
    ):
        assert title in texts[page] and f"Version {label}" in texts[page] and "Class 3B" in texts[page]
        assert "Circle them on B." in texts[page]
    assert "Puzzle 1 · Version A" in texts[5] and "Puzzle 2 · Version B" in texts[5]
    # The saved house is version A as it is; its version B is a new puzzle of the same picture and size.
    house = real_puzzles()[0]
    assert f"seed {house.seed}" in stdout and "seed 8" in stdout  # seed 5 + item 1 x 2 versions + 1
    code, _, stderr = run([inputs["picture"], "--pdf", out, "--title", "a", "--title", "b"], capsys)
    assert code == 2 and "give --title once per INPUT" in stderr and len(stderr.strip().splitlines()) == 1
