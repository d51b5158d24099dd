"""PDF worksheets: page geometry, print resolution, text, answer keys, grayscale and Japanese, checked in the PDF."""

from __future__ import annotations

import dataclasses
import functools
import html
import io
import math
import re
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader

from spotdiff_core import generate_puzzle, limits
from spotdiff_core.color import rgb_to_lab
from spotdiff_core.errors import BackendUnavailableError, InvalidInputError
from spotdiff_core.fonts import cjk_font_available, find_cjk_fonts, find_latin_fonts
from spotdiff_core.puzzle import Difference, Puzzle, bbox_of, center_of, marker_circle
from spotdiff_core.samples import illustration
from spotdiff_core.worksheet import (
    MAX_INSTRUCTIONS_CHARS,
    MAX_TITLE_CHARS,
    MIN_PRINT_DPI,
    MIN_SOURCE_DPI,
    PAGE_MARGIN_MM,
    TARGET_WIDTH_SHARE,
    Worksheet,
    WorksheetOptions,
    build_worksheet,
    instruction_text,
    make_worksheet,
    to_print_gray,
    worksheet_text,
)
from tests.conftest import photo

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
MM_PER_PT = 25.4 / 72
HAS_PDFTOPPM = shutil.which("pdftoppm") is not None
needs_pdftoppm = pytest.mark.skipif(not HAS_PDFTOPPM, reason="pdftoppm (poppler-utils) is not installed")
needs_cjk = pytest.mark.skipif(
    not cjk_font_available(), reason="no CJK font installed (apt-get install fonts-noto-cjk)"
)


# --- puzzles to print -----------------------------------------------------------------------------
@functools.cache
def real_puzzles() -> tuple[Puzzle, ...]:
    """A drawing and two photos (a street, a coffee cup) at small working sizes, made by the real pipeline (fast inpainter)."""
    make = functools.partial(generate_puzzle, segmenter="felzenszwalb", inpainter="telea")
    # The photos hold fewer natural differences than these (natural-only is the default): filled up.
    return (
        make(illustration(), n_differences=5, difficulty="normal", seed=11, max_side=512),
        make(
            photo("bus", 448),
            n_differences=4,
            difficulty="easy",
            seed=12,
            max_side=448,
            print_safe=True,
            fill_weak=True,
        ),
        make(photo("coffee", 384), n_differences=3, difficulty="hard", seed=13, max_side=384, fill_weak=True),
    )


def synthetic_puzzle(width: int, height: int, n: int = 3, *, seed: int = 0) -> Puzzle:
    """A textured picture with ``n`` squares made much darker: a valid Puzzle of any size, made instantly."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([xx * 200 // max(1, width - 1), yy * 200 // max(1, height - 1), np.full_like(xx, 150)], -1)
    original = np.clip(base + rng.integers(0, 40, (height, width, 1)), 0, 255).astype(np.uint8)
    modified = original.copy()
    side = max(6, min(width, height) // 8)
    differences = []
    for i in range(n):
        x = (i * 2 + 1) * width // (2 * n) - side // 2
        y = height // 2 - side // 2
        mask = np.zeros((height, width), bool)
        mask[y : y + side, x : x + side] = True
        modified[mask] = modified[mask] // 3
        differences.append(
            Difference(
                id=i + 1,
                kind=limits.KINDS[i % len(limits.KINDS)],
                mask=mask,
                bbox=bbox_of(mask),
                center=center_of(mask),
                area_fraction=float(mask.mean()),
                contrast=40.0,
                lightness_contrast=30.0 if i else 4.0,  # difference 1 is weak in gray on purpose
                saliency=1.0,
                conspicuity=0.5,
            )
        )
    return Puzzle(original, modified, tuple(differences), seed=seed, settings={"difficulty": "normal"})


# --- reading the PDF back -------------------------------------------------------------------------
def pdf_images(pdf: bytes) -> list[list[dict]]:
    """Per page, every image drawn: its pixel size and placed size (pt), from the content stream's cm operators."""
    from pypdf.generic import ContentStream

    reader = PdfReader(io.BytesIO(pdf))
    pages = []
    for page in reader.pages:
        xobjects = page["/Resources"].get_object().get("/XObject", {})
        ctm = np.eye(3)
        stack = []
        placed = []
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"q":
                stack.append(ctm.copy())
            elif operator == b"Q":
                ctm = stack.pop()
            elif operator == b"cm":
                a, b, c, d, e, f = (float(v) for v in operands)
                ctm = np.array([[a, b, 0], [c, d, 0], [e, f, 1]]) @ ctm
            elif operator == b"Do":
                xobject = xobjects[operands[0]].get_object()
                if xobject["/Subtype"] != "/Image":
                    continue
                width_pt = float(np.hypot(ctm[0, 0], ctm[0, 1]))
                height_pt = float(np.hypot(ctm[1, 0], ctm[1, 1]))
                placed.append(
                    {
                        "width_px": int(xobject["/Width"]),
                        "height_px": int(xobject["/Height"]),
                        "width_pt": width_pt,
                        "height_pt": height_pt,
                        "x_pt": float(ctm[2, 0]),
                        "y_pt": float(ctm[2, 1]),
                        "colorspace": str(xobject["/ColorSpace"]),
                        "dpi": min(
                            int(xobject["/Width"]) / (width_pt / 72), int(xobject["/Height"]) / (height_pt / 72)
                        ),
                    }
                )
        pages.append(placed)
    return pages


def pdf_text(pdf: bytes, page: int) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[page].extract_text()


def squeeze(text: str) -> str:
    """Text without whitespace, and without the NUL characters pypdf puts before each character of fpdf2's
    CFF-based CJK fonts (it reads their 2-byte embedded encoding one byte at a time; poppler reads it right)."""
    return "".join(text.replace("\x00", "").split())


def poppler_text(pdf: bytes, page: int) -> str | None:
    """The text of one page as poppler's pdftotext (what PDF viewers copy) reads it, or None without poppler."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    number = str(page + 1)
    done = subprocess.run([tool, "-f", number, "-l", number, "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def on_page(
    picture: np.ndarray, box: tuple[float, float, float, float], page_shape: tuple, dpi: float
) -> tuple[np.ndarray, np.ndarray]:
    """Where ``picture`` placed in ``box`` (mm) should appear on a page rendered at ``dpi``.

    Returns the picture warped to page pixels (H, W, 3) float and the (H, W) bool mask of the box's interior
    (2 px inside, away from the frame).
    """
    k = dpi / 25.4
    x, y, w, h = box
    matrix = np.array([[w * k / picture.shape[1], 0, x * k], [0, h * k / picture.shape[0], y * k]])
    size = (page_shape[1], page_shape[0])
    warped = cv2.warpAffine(picture.astype(np.float32), matrix, size, flags=cv2.INTER_LINEAR)
    inside = np.zeros(page_shape[:2], bool)
    inside[math.ceil(y * k) + 2 : math.floor((y + h) * k) - 2, math.ceil(x * k) + 2 : math.floor((x + w) * k) - 2] = (
        True
    )
    return warped.astype(np.float64), inside


def similarity(page: np.ndarray, expected: np.ndarray, inside: np.ndarray) -> float:
    """Pearson correlation between a rendered page and the expected picture inside a box."""
    return float(np.corrcoef(page[inside].astype(np.float64).ravel(), expected[inside].ravel())[0, 1])


def placement_box(placement) -> tuple[float, float, float, float]:
    return (placement.x_mm, placement.y_mm, placement.width_mm, placement.height_mm)


def save_artifact(name: str, picture: np.ndarray) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    Image.fromarray(picture).save(ARTIFACTS / name)


# --- options ------------------------------------------------------------------------------------------
def test_options_are_validated_keyword_only_and_frozen():
    with pytest.raises(InvalidInputError, match=r"paper 'a5'.*a4, letter"):
        WorksheetOptions(paper="a5")
    with pytest.raises(InvalidInputError, match=r"orientation 'sideways'"):
        WorksheetOptions(orientation="sideways")
    with pytest.raises(InvalidInputError, match=r"answers 'middle'.*after, end, none"):
        WorksheetOptions(answers="middle")
    with pytest.raises(InvalidInputError, match=r"lang 'fr'.*en, ja"):
        WorksheetOptions(lang="fr")
    with pytest.raises(InvalidInputError, match=r"grayscale must be True or False, not 'yes'"):
        WorksheetOptions(grayscale="yes")
    with pytest.raises(TypeError):
        WorksheetOptions("a4")  # keyword-only
    options = WorksheetOptions(paper="Letter", orientation="LANDSCAPE")
    assert (options.paper, options.orientation) == ("letter", "landscape")
    assert options.page_size_mm == (279.4, 215.9)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.paper = "a4"


def test_bad_puzzle_lists_are_refused_with_the_limit_named():
    puzzle = synthetic_puzzle(320, 240)
    with pytest.raises(InvalidInputError, match="at least one puzzle"):
        make_worksheet([])
    with pytest.raises(InvalidInputError, match=rf"at most {limits.MAX_PACK_PUZZLES} puzzles \(MAX_PACK_PUZZLES\)"):
        make_worksheet([puzzle] * (limits.MAX_PACK_PUZZLES + 1))
    with pytest.raises(InvalidInputError, match="Pack item 2 is a str"):
        make_worksheet([puzzle, "cat.jpg"])
    with pytest.raises(InvalidInputError, match="2 titles for 1 puzzles"):
        make_worksheet([puzzle], titles=["a", "b"])


# --- page count, size and orientation ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("paper", "orientation", "size_pt"),
    [
        ("a4", "portrait", (595.3, 841.9)),
        ("a4", "landscape", (841.9, 595.3)),
        ("letter", "portrait", (612.0, 792.0)),
        ("letter", "landscape", (792.0, 612.0)),
    ],
)
def test_page_size_and_orientation(paper, orientation, size_pt):
    pdf = make_worksheet([synthetic_puzzle(400, 300)], options=WorksheetOptions(paper=paper, orientation=orientation))
    for page in PdfReader(io.BytesIO(pdf)).pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(size_pt, abs=0.5)


@pytest.mark.parametrize(
    ("n_puzzles", "answers", "kinds"),
    [
        (1, "after", ("puzzle", "answers")),
        (1, "end", ("puzzle", "answers")),
        (1, "none", ("puzzle",)),
        (3, "after", ("cover", "puzzle", "answers", "puzzle", "answers", "puzzle", "answers")),
        (3, "end", ("cover", "puzzle", "puzzle", "puzzle", "answers", "answers")),  # two keys per page
        (3, "none", ("cover", "puzzle", "puzzle", "puzzle")),
    ],
)
def test_page_sequence(n_puzzles, answers, kinds):
    puzzles = [synthetic_puzzle(360, 240, n=2 + i, seed=i) for i in range(n_puzzles)]
    worksheet = build_worksheet(puzzles, options=WorksheetOptions(answers=answers))
    assert worksheet.page_kinds == kinds
    assert len(PdfReader(io.BytesIO(worksheet.pdf)).pages) == len(kinds)
    # Every answer key appears exactly once.
    keyed = [p.puzzle for p in worksheet.placements if p.role == "answers"]
    assert sorted(keyed) == ([] if answers == "none" else list(range(1, n_puzzles + 1)))


# --- the words on the page ---------------------------------------------------------------------------
def test_puzzle_pages_hold_instruction_labels_name_date_and_one_tick_box_per_difference():
    puzzles = real_puzzles()
    worksheet = build_worksheet(puzzles, titles=["House", "Chelsea the cat", None])
    for puzzle, page in zip(puzzles, worksheet.pages_of_kind("puzzle"), strict=True):
        text = pdf_text(worksheet.pdf, page)
        assert f"Find the {len(puzzle)} differences!" in text
        for words in ("Name", "Date", "Original", "Changed", "Found:"):
            assert words in text
    # Tick boxes: small squares with rounded corners, one per difference, on each puzzle page.
    for index, page in enumerate(worksheet.pages_of_kind("puzzle")):
        boxes = [op for op in worksheet._pages[page] if type(op).__name__ == "_Box" and op.w == op.h == 6.0]
        assert len(boxes) == len(worksheet.puzzles[index])
    cover = pdf_text(worksheet.pdf, 0)
    for expected in ("Spot the difference", "3 puzzles", "House", "Chelsea the cat", "Normal", "Easy", "Hard"):
        assert expected in cover
    assert "answer keys are at the end" in cover


def test_answer_key_legend_names_every_difference_and_its_kind():
    puzzle = real_puzzles()[0]
    worksheet = build_worksheet([puzzle], options=WorksheetOptions(answers="after"))
    text = pdf_text(worksheet.pdf, worksheet.pages_of_kind("answers")[0])
    kind_words = {
        "remove": "something removed",
        "recolor": "colour changed",
        "duplicate": "something added",
        "resize": "size changed",
        "flip": "flipped",
    }
    assert "Answers" in text
    for d in puzzle.differences:
        assert kind_words[d.kind] in text


def test_instruction_text_in_both_languages():
    assert instruction_text("en", 5) == "Find the 5 differences!"
    assert instruction_text("en", 1) == "Find the 1 difference!"
    assert instruction_text("ja", 5) == "まちがいを 5 こ さがそう"
    with pytest.raises(InvalidInputError, match="language 'de'"):
        instruction_text("de", 5)


# --- print quality --------------------------------------------------------------------------------------
@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_pictures_print_at_100_dpi_of_their_own_pixels_and_150_dpi_embedded(paper, orientation):
    puzzles = real_puzzles()
    worksheet = build_worksheet(puzzles, options=WorksheetOptions(paper=paper, orientation=orientation, answers="end"))
    from_pdf = pdf_images(worksheet.pdf)
    assert sum(len(p) for p in from_pdf) == len(worksheet.placements) == 3 * len(puzzles)
    for placement in worksheet.placements:
        on_page = from_pdf[placement.page]
        match = min(on_page, key=lambda i: abs(i["x_pt"] * MM_PER_PT - placement.x_mm))
        puzzle = worksheet.puzzles[placement.puzzle - 1]
        assert (placement.source_width_px, placement.source_height_px) == (puzzle.width, puzzle.height)
        source_dpi = puzzle.width / (match["width_pt"] / 72)
        assert source_dpi >= MIN_SOURCE_DPI  # never stretched thinner than 100 pixels of the puzzle per inch
        assert match["dpi"] >= MIN_PRINT_DPI  # what the printer gets: 150 dpi or more
        if source_dpi >= MIN_PRINT_DPI:  # enough pixels: embedded as they are
            assert (match["width_px"], match["height_px"]) == (puzzle.width, puzzle.height)
        else:  # resampled up, keeping the shape
            assert match["width_px"] > puzzle.width
            assert match["width_px"] / match["height_px"] == pytest.approx(puzzle.width / puzzle.height, rel=0.01)
        assert match["width_pt"] * MM_PER_PT == pytest.approx(placement.width_mm, abs=0.05)
        assert placement.source_dpi >= MIN_SOURCE_DPI and placement.dpi >= MIN_PRINT_DPI


def printable_width_share(pdf: bytes, paper: str, page: int) -> list[float]:
    """Each picture's printed width on one page, as a share of the printable width, from the PDF's cm operators."""
    page_w_mm = WorksheetOptions(paper=paper).page_size_mm[0]
    return [i["width_pt"] * MM_PER_PT / (page_w_mm - 2 * PAGE_MARGIN_MM) for i in pdf_images(pdf)[page]]


def picture_boxes(worksheet: Worksheet, page: int) -> list[tuple[float, float, float, float]]:
    """Each picture's box (x, y, w, h) in mm from the page's top-left corner, from the PDF's cm operators."""
    page_h = worksheet.options.page_size_mm[1]
    return [
        (
            i["x_pt"] * MM_PER_PT,
            page_h - (i["y_pt"] + i["height_pt"]) * MM_PER_PT,
            i["width_pt"] * MM_PER_PT,
            i["height_pt"] * MM_PER_PT,
        )
        for i in pdf_images(worksheet.pdf)[page]
    ]


def word_boxes(pdf: bytes, page: int) -> list[tuple[str, tuple[float, float, float, float]]] | None:
    """Every word poppler's pdftotext finds on one page with its box (x, y, w, h) in mm, or None without poppler."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    number = str(page + 1)
    done = subprocess.run(
        [tool, "-bbox", "-f", number, "-l", number, "-", "-"], input=pdf, capture_output=True, check=True
    )
    found = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', done.stdout.decode()
    )
    return [
        (
            html.unescape(text),
            (
                float(x0) * MM_PER_PT,
                float(y0) * MM_PER_PT,
                (float(x1) - float(x0)) * MM_PER_PT,
                (float(y1) - float(y0)) * MM_PER_PT,
            ),
        )
        for x0, y0, x1, y1, text in found
    ]


def overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def things_on_the_pictures(worksheet: Worksheet, page: int) -> list[str]:
    """What is drawn over a picture on one page: shapes from the layout's operations (a picture's own frame
    aside) and words where poppler finds them in the PDF (without poppler, where each text starts). Empty on a
    good page."""
    pictures = picture_boxes(worksheet, page)
    words = word_boxes(worksheet.pdf, page)
    drawn: list[tuple[str, tuple[float, float, float, float]]] = list(words or [])
    for op in worksheet._pages[page]:
        name = type(op).__name__
        if name == "_Box":
            box = (op.x, op.y, op.w, op.h)
            if any(np.allclose(box, p, atol=0.05) for p in pictures):
                continue  # the frame drawn around a picture
        elif name == "_Circle":
            box = (op.cx - op.r, op.cy - op.r, 2 * op.r, 2 * op.r)
        elif name == "_Line":
            box = (min(op.x1, op.x2), min(op.y1, op.y2), abs(op.x2 - op.x1) + 1e-3, abs(op.y2 - op.y1) + 1e-3)
        elif name == "_Text" and words is None:
            box = (op.x, op.y - op.size * 0.353 * 0.75, 1e-3, op.size * 0.353)
        else:
            continue
        drawn.append((f"{name} {op}", box))
    return [what for what, box in drawn for p in pictures if overlap(box, p)]


def squeezed_text(pdf: bytes, page: int) -> str:
    return squeeze(poppler_text(pdf, page) or pdf_text(pdf, page))


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize(
    "size",
    [(640, 427), (800, 450), (1024, 683), (2048, 1365), (640, 480), (1024, 768), (2048, 1536)],
    ids=lambda s: f"{s[0]}x{s[1]}",
)
def test_a_landscape_picture_from_640_px_fills_85_percent_of_portrait_paper(paper, size):
    # A picture saved from the web (640 px, 3:2) used to print at 60 % of the width, held back by 150 dpi; a 4:3
    # one on Letter at 76 %, held back by the heading (then the compact page: one heading row, a side column).
    # With everything a teacher may ask for on the sheet: class line, own instructions, a version label.
    puzzle = synthetic_puzzle(*size, n=5)
    options = WorksheetOptions(
        paper=paper, answers="after", class_line="Class 3B · Science", instructions="Circle them on picture B."
    )
    worksheet = build_worksheet([puzzle], options=options, titles=["Web picture"], versions=["A"])
    shares = printable_width_share(worksheet.pdf, paper, 0)
    assert len(shares) == 2 and min(shares) >= TARGET_WIDTH_SHARE == 0.85, (shares, worksheet.layouts)
    assert shares[0] == pytest.approx(shares[1])  # both pictures at one scale
    a, b = worksheet.placements[:2]
    assert (a.role, b.role) == ("original", "modified") and b.y_mm >= a.y_mm + a.height_mm  # stacked, A above B
    assert min(printable_width_share(worksheet.pdf, paper, 1)) >= 0.85  # the answer key too
    assert worksheet.min_source_dpi >= MIN_SOURCE_DPI and worksheet.min_dpi >= MIN_PRINT_DPI
    # Everything the teacher asked for is on the page, in full, and nothing is drawn over a picture.
    text = squeezed_text(worksheet.pdf, 0)
    for expected in (
        "Web picture",
        "Name",
        "Date",
        "Class 3B · Science",
        "Version A",
        "Circle them on picture B.",
        "Find the 5 differences!",
        "Found:",
        "Original",
        "Changed",
        "Page 1 of 2",
    ):
        assert squeeze(expected) in text, (expected, text)
    boxes = [op for op in worksheet._pages[0] if type(op).__name__ == "_Box" and op.w == op.h == 6.0]
    assert len(boxes) == len(puzzle)  # one tick box per difference
    assert things_on_the_pictures(worksheet, 0) == []
    key = squeezed_text(worksheet.pdf, 1)
    assert squeeze("Puzzle 1 · Version A") in key and "Webpicture" in key  # (its numbers sit on the picture)


def test_the_compact_page_is_used_only_where_the_regular_one_prints_below_85_percent():
    cases = {  # (paper, size, with class line and instructions): layout
        ("letter", (1024, 768), False): "compact",  # 76 % on the regular page
        ("letter", (1024, 683), True): "compact",  # 83 %
        ("a4", (1024, 768), True): "compact",  # 83 %
        ("a4", (1024, 768), False): "regular",  # 85.2 %
        ("letter", (1024, 683), False): "regular",  # 85.6 %
        ("a4", (1024, 683), True): "regular",
        ("letter", (1024, 576), True): "regular",
        ("letter", (320, 240), True): "regular",  # held small by its pixels (100 dpi), not by the heading
        ("letter", (768, 1024), True): "regular",  # portrait: side by side
    }
    for (paper, size, extras), layout in cases.items():
        words = {"class_line": "Class 3B", "instructions": "Circle them on picture B."} if extras else {}
        for orientation in ("portrait", "landscape"):
            options = WorksheetOptions(paper=paper, orientation=orientation, answers="none", **words)
            worksheet = build_worksheet([synthetic_puzzle(*size)], options=options)
            expected = layout if orientation == "portrait" else "regular"  # landscape paper: side by side
            assert worksheet.layouts == (expected,), (paper, size, extras, orientation)


def worst_case_words(lang: str) -> dict[str, str]:
    """The longest class line and instructions the options allow, in one language."""
    if lang == "ja":
        instructions = (
            "Bの えで みつけた まちがいに いろえんぴつで まるを つけて、ひとつ みつけたら はこに チェックを いれよう。"
        )
        class_line = "3ねん 2くみ · りか · はるの がっき · さとう せんせい "
    else:
        instructions = "Circle every difference you find on picture B with a coloured pencil, then tick a box. "
        class_line = "Class 4B · Mrs Sato · Science · Spring term · Room 12 "
    return {
        "instructions": (instructions * 10)[:MAX_INSTRUCTIONS_CHARS].strip(),
        "class_line": (class_line * 10)[:MAX_TITLE_CHARS].strip(),
    }


def is_subsequence(needle: str, haystack: str) -> bool:
    rest = iter(haystack)
    return all(c in rest for c in needle)


@pytest.mark.parametrize("lang", ["en", pytest.param("ja", marks=needs_cjk)])
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_longest_class_line_and_instructions_with_10_differences_still_fill_85_percent_in_full(paper, lang):
    # The compact page's column holds the most a teacher can type (MAX_INSTRUCTIONS_CHARS, MAX_TITLE_CHARS) with
    # 10 tick boxes, in a pack with version labels: nothing falls back to the regular page, nothing is cut.
    words = worst_case_words(lang)
    options = WorksheetOptions(paper=paper, lang=lang, answers="none", **words)
    puzzles = [synthetic_puzzle(1024, 768, n=10), synthetic_puzzle(1024, 683, n=10, seed=1)]
    worksheet = build_worksheet(puzzles, options=options, titles=["Bus", "Bus"], versions=["A", "B"])
    for index, page in enumerate(worksheet.pages_of_kind("puzzle")):
        assert min(printable_width_share(worksheet.pdf, paper, page)) >= 0.85, (index, worksheet.layouts)
        text = squeezed_text(worksheet.pdf, page)
        for expected in (words["class_line"], words["instructions"]):
            # In full, even where the column breaks it over A's and B's side: every character, in order.
            assert is_subsequence(squeeze(expected), text), (expected, text)
        assert "…" not in text
        assert squeeze(worksheet_text(lang, "version", label="AB"[index])) in text
        assert squeeze(instruction_text(lang, 10)) in text
        assert things_on_the_pictures(worksheet, page) == []
    assert worksheet.layouts[0] == "compact"


def test_when_the_column_cannot_hold_the_teachers_words_the_regular_page_is_used(monkeypatch):
    # No text within the options' limits overflows the column (see the test above); should one ever, the page
    # falls back to the regular layout rather than cut it.
    from spotdiff_core.worksheet_layout import _Composer

    monkeypatch.setattr(_Composer, "flow_text", lambda self, ops, text, *a: not text)
    options = WorksheetOptions(paper="letter", answers="none", class_line="Class 3B", instructions="Circle them.")
    worksheet = build_worksheet([synthetic_puzzle(1024, 768)], options=options)
    assert worksheet.layouts == ("regular",)
    assert min(printable_width_share(worksheet.pdf, "letter", 0)) < 0.85
    assert "Circle them." in pdf_text(worksheet.pdf, 0) and len(worksheet.placements) == 2
    without = build_worksheet([synthetic_puzzle(1024, 768)], options=dataclasses.replace(options, instructions=""))
    assert without.layouts == ("compact",)


def test_a_4_by_3_picture_fills_85_percent_of_a4_and_letter_and_a_portrait_picture_goes_side_by_side():
    for paper in ("a4", "letter"):
        worksheet = build_worksheet([synthetic_puzzle(640, 480)], options=WorksheetOptions(paper=paper))
        assert min(printable_width_share(worksheet.pdf, paper, 0)) >= 0.85
        worksheet = build_worksheet([synthetic_puzzle(480, 640)], options=WorksheetOptions(paper=paper))
        a, b = worksheet.placements[:2]
        assert b.x_mm >= a.x_mm + a.width_mm and a.y_mm == pytest.approx(b.y_mm)  # side by side
        assert sum(printable_width_share(worksheet.pdf, paper, 0)) >= 0.85


def test_a_small_picture_stops_at_100_dpi_rather_than_blur():
    # 320 px at 100 dpi is 81 mm: it may not be stretched across the page.
    worksheet = build_worksheet([synthetic_puzzle(320, 213)])
    for placement in worksheet.placements:
        assert placement.source_dpi == pytest.approx(MIN_SOURCE_DPI, abs=1)
        assert placement.dpi >= MIN_PRINT_DPI


def test_big_pictures_fill_the_page_and_keep_one_scale():
    # A 1800 px picture is not held back by the resolution limit: it grows until the page stops it.
    puzzle = synthetic_puzzle(1800, 1200)
    for orientation in ("portrait", "landscape"):
        worksheet = build_worksheet([puzzle], options=WorksheetOptions(orientation=orientation, answers="none"))
        a, b = worksheet.placements
        assert (a.width_mm, a.height_mm) == pytest.approx((b.width_mm, b.height_mm))  # equal scale
        assert a.dpi > MIN_PRINT_DPI + 5
        page_w, page_h = worksheet.options.page_size_mm
        if orientation == "portrait":
            assert b.y_mm > a.y_mm + a.height_mm  # stacked
            assert a.height_mm + b.height_mm > 0.6 * (page_h - 2 * PAGE_MARGIN_MM)
        else:
            assert b.x_mm > a.x_mm + a.width_mm  # side by side
            assert a.width_mm + b.width_mm > 0.9 * (page_w - 2 * PAGE_MARGIN_MM)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=st.integers(160, 2048),
    aspect=st.floats(0.25, 4.0),
    paper=st.sampled_from(["a4", "letter"]),
    orientation=st.sampled_from(["portrait", "landscape"]),
)
def test_layout_of_any_picture_shape_keeps_margins_resolution_and_no_overlap(width, aspect, paper, orientation):
    height = int(np.clip(round(width / aspect), 160, 2048))
    puzzle = synthetic_puzzle(width, height, n=2)
    worksheet = build_worksheet([puzzle], options=WorksheetOptions(paper=paper, orientation=orientation))
    page_w, page_h = worksheet.options.page_size_mm
    boxes = [placement_box(p) for p in worksheet.placements]
    for placement, (x, y, w, h) in zip(worksheet.placements, boxes, strict=True):
        assert placement.dpi >= MIN_PRINT_DPI
        assert x >= PAGE_MARGIN_MM - 1e-6 and y >= PAGE_MARGIN_MM - 1e-6
        assert x + w <= page_w - PAGE_MARGIN_MM + 1e-6 and y + h <= page_h - PAGE_MARGIN_MM + 1e-6
    (ax, ay, aw, ah), (bx, by, bw, bh) = boxes[:2]
    assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay  # the two pictures do not overlap
    # Nothing at all (text, lines, boxes) is drawn in the 12 mm every printer may not reach.
    for ops in worksheet._pages:
        for op in ops:
            xs = [getattr(op, a) for a in ("x", "x1", "x2") if hasattr(op, a)]
            ys = [getattr(op, a) for a in ("y", "y1", "y2") if hasattr(op, a)]
            if hasattr(op, "cx"):
                xs += [op.cx - op.r, op.cx + op.r]
                ys += [op.cy - op.r, op.cy + op.r]
            assert all(12.0 <= v <= page_w - 12.0 for v in xs)
            assert all(12.0 <= v <= page_h - 12.0 for v in ys)


@needs_pdftoppm
def test_rendered_pages_show_both_pictures_where_the_layout_put_them_and_nothing_in_the_margins():
    # A smooth photo (the coffee cup): its resampled rendering correlates with the picture above 0.98 at 100 dpi.
    # (The cat, used before, is all fur around a protected head: it holds no difference any more.)
    # The cup holds no natural difference at this size (natural-only is the default): filled up.
    puzzle = generate_puzzle(
        photo("coffee", 448),
        n_differences=1,
        seed=12,
        max_side=448,
        segmenter="felzenszwalb",
        inpainter="telea",
        fill_weak=True,
    )
    worksheet = build_worksheet([puzzle], options=WorksheetOptions(answers="after"))
    dpi = 100
    page = worksheet.render_page(0, dpi=dpi)
    save_artifact("worksheet-first-page.png", page)
    original, modified = (p for p in worksheet.placements if p.page == 0)
    assert original.y_mm + original.height_mm < modified.y_mm  # portrait: original above, modified below
    for placement, picture in ((original, puzzle.original), (modified, puzzle.modified)):
        expected, inside = on_page(picture, placement_box(placement), page.shape, dpi)
        assert similarity(page, expected, inside) > 0.98, f"the {placement.role} picture is not where it belongs"
        assert np.abs(page[inside] - expected[inside]).mean() < 5
        # The check can fail: the same picture 4 mm off does not match.
        x, y, w, h = placement_box(placement)
        shifted, inside_shifted = on_page(picture, (x + 4, y, w, h), page.shape, dpi)
        assert similarity(page, shifted, inside_shifted) < 0.9
    # Margins: the outer 12 mm of the page are blank paper.
    m = round(12 * dpi / 25.4)
    inner = np.zeros(page.shape[:2], bool)
    inner[m:-m, m:-m] = True
    assert page[~inner].min() >= 250


@needs_pdftoppm
def test_answer_page_differs_from_the_puzzle_page_inside_the_answer_regions_only():
    puzzle = real_puzzles()[0]
    worksheet = build_worksheet([puzzle], options=WorksheetOptions(answers="after"))
    dpi = 150
    puzzle_page = worksheet.render_page(0, dpi=dpi)
    answer_page = worksheet.render_page(1, dpi=dpi)
    save_artifact("worksheet-answer-page.png", answer_page)
    modified_box = placement_box(next(p for p in worksheet.placements if p.role == "modified"))
    answer_box = placement_box(next(p for p in worksheet.placements if p.role == "answers"))
    # The puzzle page shows the plain modified picture; the answer page the marked one.
    plain, inside = on_page(puzzle.modified, modified_box, puzzle_page.shape, dpi)
    assert np.abs(puzzle_page[inside] - plain[inside]).mean() < 5
    marked, inside = on_page(puzzle.draw_answers(), answer_box, answer_page.shape, dpi)
    assert np.abs(answer_page[inside] - marked[inside]).mean() < 5
    # Where draw_answers drew (rings and numbers) the answer page differs from the plain picture; elsewhere not.
    plain_there, _ = on_page(puzzle.modified, answer_box, answer_page.shape, dpi)
    drawn = (np.abs(puzzle.draw_answers().astype(int) - puzzle.modified.astype(int)).max(axis=2) > 60).astype(np.uint8)
    near = cv2.dilate(drawn, np.ones((9, 9), np.uint8))
    drawn_mask, _ = on_page(np.repeat(drawn[..., None] * 255, 3, 2), answer_box, answer_page.shape, dpi)
    near_mask, _ = on_page(np.repeat(near[..., None] * 255, 3, 2), answer_box, answer_page.shape, dpi)
    difference = np.abs(answer_page - plain_there).mean(axis=2)
    marks = inside & (drawn_mask[..., 0] > 200)
    away = inside & (near_mask[..., 0] == 0)
    assert difference[marks].mean() > 40, "the answer marks do not show on the answer page"
    assert difference[away].mean() < 4, "the answer page changed the picture away from the answers"
    # Every difference has its own mark around it.
    k = dpi / 25.4
    scale = answer_box[2] / puzzle.width
    for d in puzzle.differences:
        (cx, cy), radius = marker_circle(d, shape=puzzle.shape)
        px, py, r = (answer_box[0] + cx * scale) * k, (answer_box[1] + cy * scale) * k, radius * scale * k
        yy, xx = np.mgrid[0 : answer_page.shape[0], 0 : answer_page.shape[1]]
        ring = inside & (np.abs(np.hypot(xx - px, yy - py) - r) < 2)
        assert difference[ring].mean() > 30, f"difference {d.id} has no ring around it"


@needs_pdftoppm
def test_grayscale_prints_no_colour_anywhere_and_colour_mode_does():
    puzzles = real_puzzles()[:2]
    gray = build_worksheet(puzzles, options=WorksheetOptions(grayscale=True, answers="after"))
    for colorspace in (i["colorspace"] for page in pdf_images(gray.pdf) for i in page):
        assert colorspace == "/DeviceGray"
    for page in range(gray.page_count):
        rendered = gray.render_page(page, dpi=50).astype(int)
        spread = rendered.max(axis=2) - rendered.min(axis=2)
        assert spread.max() <= 3, f"page {page + 1} has colour (R, G, B differ by {spread.max()})"
    colour = build_worksheet(puzzles, options=WorksheetOptions(answers="after"))
    rendered = colour.render_page(1, dpi=50).astype(int)
    assert (rendered.max(axis=2) - rendered.min(axis=2)).max() > 60


def test_gray_keeps_lightness_so_print_safe_differences_stay_visible_on_paper():
    puzzle = real_puzzles()[1]  # made print-safe
    assert puzzle.settings["print_safe"]
    gray_original, gray_modified = to_print_gray(puzzle.original), to_print_gray(puzzle.modified)
    assert gray_original.shape == puzzle.shape and gray_original.dtype == np.uint8
    lightness = rgb_to_lab(puzzle.original)[..., 0]
    gray_lightness = rgb_to_lab(np.repeat(gray_original[..., None], 3, axis=2))[..., 0]
    assert np.abs(lightness - gray_lightness).max() < 1.0  # L* survives the conversion
    for d in puzzle.differences:
        a = rgb_to_lab(np.repeat(gray_original[..., None], 3, axis=2))[..., 0][d.mask]
        b = rgb_to_lab(np.repeat(gray_modified[..., None], 3, axis=2))[..., 0][d.mask]
        assert np.abs(a - b).mean() >= limits.MIN_PRINT_SAFE_DELTA_L - 0.5
    assert to_print_gray(puzzle.original) is not puzzle.original  # the input is untouched
    assert not puzzle.original.flags.writeable


def test_weak_in_gray_names_the_differences_that_may_vanish_in_gray():
    worksheet = build_worksheet([synthetic_puzzle(320, 240), synthetic_puzzle(320, 240)])
    assert worksheet.weak_in_gray() == [(1, [1]), (2, [1])]


# --- previews -------------------------------------------------------------------------------------------
@needs_pdftoppm
def test_pillow_preview_draws_the_same_layout_as_the_pdf():
    worksheet = build_worksheet(real_puzzles()[:2], titles=["House", "Cat"], options=WorksheetOptions(answers="end"))
    for page in range(worksheet.page_count):
        real = worksheet.render_page(page, dpi=40, renderer="pdftoppm").astype(np.float64)
        drawn = worksheet.render_page(page, dpi=40, renderer="pillow").astype(np.float64)
        assert real.shape == drawn.shape
        assert np.abs(real - drawn).mean() < 6, f"page {page + 1}: the preview does not match the PDF"


def test_render_page_refuses_bad_pages_and_renderers():
    worksheet = build_worksheet([synthetic_puzzle(320, 240)], options=WorksheetOptions(answers="none"))
    with pytest.raises(InvalidInputError, match="no page 3"):
        worksheet.render_page(3)
    with pytest.raises(InvalidInputError, match="renderer 'gs'"):
        worksheet.render_page(0, renderer="gs")
    with pytest.raises(InvalidInputError, match="20 to 300 dpi"):
        worksheet.render_page(0, dpi=1000)
    picture = worksheet.render_page(0, dpi=30, renderer="pillow")
    assert picture.dtype == np.uint8 and picture.shape == (round(297 * 30 / 25.4), round(210 * 30 / 25.4), 3)


def test_progress_reports_every_page():
    calls = []
    worksheet = build_worksheet(
        [synthetic_puzzle(320, 240)] * 3, progress=lambda stage, done, total: calls.append((stage, done, total))
    )
    assert calls == [("pages", i, worksheet.page_count) for i in range(1, worksheet.page_count + 1)]


# --- fonts and Japanese --------------------------------------------------------------------------------
def no_cjk_font(sample, **_):
    return find_cjk_fonts(sample, env_value="", known=(), use_fontconfig=False)


def test_missing_cjk_font_is_a_clear_error_not_empty_boxes(monkeypatch):
    monkeypatch.setattr("spotdiff_core.worksheet.find_cjk_fonts", no_cjk_font)
    with pytest.raises(BackendUnavailableError, match=r"no(ne is installed| CJK).*fonts-noto-cjk.*SPOTDIFF_CJK_FONT"):
        make_worksheet([synthetic_puzzle(320, 240)], options=WorksheetOptions(lang="ja"))


def test_cjk_font_from_the_environment_must_exist_and_have_the_glyphs(tmp_path, monkeypatch):
    monkeypatch.setenv("SPOTDIFF_CJK_FONT", str(tmp_path / "nope.ttf"))
    with pytest.raises(BackendUnavailableError, match=r"SPOTDIFF_CJK_FONT names '.*nope.ttf', which is not a file"):
        find_cjk_fonts("まちがい")
    latin = find_latin_fonts()
    if latin.builtin:
        pytest.skip("no Latin TrueType font installed to stand in for a font without Japanese glyphs")
    monkeypatch.setenv("SPOTDIFF_CJK_FONT", str(latin.regular.path))
    with pytest.raises(BackendUnavailableError, match=r"has no glyphs for"):
        find_cjk_fonts("まちがい")


def test_fontconfig_lookup_finds_a_font_when_the_known_paths_do_not(monkeypatch):
    if shutil.which("fc-list") is None or not cjk_font_available():
        pytest.skip("needs fontconfig and an installed CJK font")
    fonts = find_cjk_fonts("まちがいさがし", env_value="", known=(), use_fontconfig=True)
    assert fonts.covers("まちがいを 5 こ さがそう")


@needs_cjk
def test_japanese_pack_has_extractable_japanese_text():
    puzzles = real_puzzles()
    worksheet = build_worksheet(
        puzzles, options=WorksheetOptions(lang="ja", answers="after"), titles=["いえ", "ねこ", ""]
    )
    cover = squeeze(pdf_text(worksheet.pdf, 0))
    assert "まちがいさがしドリル" in cover and "いえ" in cover and "ねこ" in cover and "むずかしい" in cover
    for index, page in enumerate(worksheet.pages_of_kind("puzzle")):
        text = squeeze(pdf_text(worksheet.pdf, page))
        assert squeeze(instruction_text("ja", len(puzzles[index]))) in text
        if HAS_PDFTOPPM:  # poppler-utils: pdftotext reads the instruction exactly, spaces and all
            assert instruction_text("ja", len(puzzles[index])) in poppler_text(worksheet.pdf, page)
        assert "なまえ" in text and "ひづけ" in text
    assert "こたえ" in squeeze(pdf_text(worksheet.pdf, worksheet.pages_of_kind("answers")[0]))
    if HAS_PDFTOPPM:
        save_artifact("worksheet-ja-first-puzzle.png", worksheet.render_page(1, dpi=60))
    # The Pillow preview draws Japanese with the same font (no empty boxes, no crash).
    preview = worksheet.render_page(1, dpi=40, renderer="pillow")
    assert preview.shape[2] == 3


@needs_cjk
def test_english_titles_with_japanese_characters_use_the_cjk_font():
    worksheet = build_worksheet([synthetic_puzzle(320, 240)], titles=["ねこ cat"])
    assert "ねこcat" in squeeze(pdf_text(worksheet.pdf, 0))
    assert "CJK" in worksheet.fonts


def test_english_titles_without_a_cjk_font_print_question_marks_not_empty_boxes(monkeypatch):
    monkeypatch.setattr("spotdiff_core.worksheet.find_cjk_fonts", no_cjk_font)
    worksheet = build_worksheet([synthetic_puzzle(320, 240)], titles=["ねこ cat"])
    assert "?? cat" in pdf_text(worksheet.pdf, 0)


def test_worksheet_result_describes_itself():
    worksheet = build_worksheet([synthetic_puzzle(320, 240)], titles=["  a\nb\x00c  "])
    assert isinstance(worksheet, Worksheet)
    assert worksheet.titles == ("a b c",)
    assert worksheet.page_count == 2 and worksheet.min_dpi >= MIN_PRINT_DPI
    assert worksheet.pdf.startswith(b"%PDF-")
    with pytest.raises(InvalidInputError, match="page kind 'back'"):
        worksheet.pages_of_kind("back")


def test_without_any_truetype_font_english_uses_the_pdf_built_in_font(monkeypatch):
    from spotdiff_core.fonts import FontSet

    monkeypatch.setattr("spotdiff_core.worksheet.find_latin_fonts", lambda: FontSet(None, None, "Helvetica (built in)"))
    monkeypatch.setattr("spotdiff_core.worksheet.find_cjk_fonts", no_cjk_font)
    worksheet = build_worksheet([synthetic_puzzle(320, 240)], titles=["Café ねこ"])
    text = pdf_text(worksheet.pdf, 0)
    assert "Find the 3 differences!" in text and "Café ?? " in text + " "
    assert worksheet.fonts == "Helvetica (built in)"
    preview = worksheet.render_page(0, dpi=30, renderer="pillow")
    assert (preview < 128).any()  # the preview still draws the words


def test_build_pack_mixes_puzzles_and_bundle_bytes_and_names_bad_items():
    from spotdiff_core import puzzle_to_zip_bytes
    from spotdiff_core.errors import PuzzleFormatError
    from spotdiff_core.worksheet import build_pack, is_saved_puzzle, title_from_name

    first, second = synthetic_puzzle(320, 240), synthetic_puzzle(400, 300, n=2)
    items = [first, ("my_second-puzzle.zip", puzzle_to_zip_bytes(second))]
    assert all(is_saved_puzzle(i) for i in items)
    assert not is_saved_puzzle(("photo.jpg", b"\xff\xd8\xff\xe0"))
    worksheet = build_pack(items, options=WorksheetOptions(answers="none"))
    assert worksheet.titles == ("", "My second puzzle")
    assert [len(p) for p in worksheet.puzzles] == [3, 2]
    assert worksheet.page_kinds == ("cover", "puzzle", "puzzle")
    with pytest.raises(PuzzleFormatError, match=r"^pack item 2 of 2 \(broken\.zip\): "):
        build_pack([first, ("broken.zip", b"PK\x03\x04 not really a zip")])
    with pytest.raises(InvalidInputError, match=r"pack item 1 of 1 \(a\.png\): .*\(file name, file bytes\)"):
        build_pack([("a.png", "not bytes")])
    assert title_from_name("C:\\photos\\red_bus-2.jpg") == "Red bus 2"
    assert title_from_name("IMG_2041.JPG") == "" and title_from_name("china.png") == "China"


# --- titles, class line, instructions, versions -------------------------------------------------------
def test_titles_class_line_instructions_and_version_labels_on_puzzle_and_answer_pages():
    a, b = synthetic_puzzle(640, 427, seed=1), synthetic_puzzle(640, 427, n=2, seed=2)
    options = WorksheetOptions(
        answers="after", class_line="Class 4B · Mrs Sato", instructions="Circle each difference on picture B."
    )
    worksheet = build_worksheet([a, b], options=options, titles=["Red bus", "Red bus"], versions=["A", "B"])
    assert worksheet.versions == ("A", "B")
    cover = pdf_text(worksheet.pdf, 0)
    assert "Red bus · Version A" in cover and "Red bus · Version B" in cover and "Class 4B · Mrs Sato" in cover
    for index, label in enumerate("AB"):
        page = worksheet.pages_of_kind("puzzle")[index]
        text = pdf_text(worksheet.pdf, page)
        for expected in ("Red bus", f"Version {label}", "Class 4B · Mrs Sato", "Circle each difference on picture B."):
            assert expected in text, (expected, text)
        key = pdf_text(worksheet.pdf, worksheet.pages_of_kind("answers")[index])
        assert f"Puzzle {index + 1} · Version {label}" in key and f"Version {label}" in key
        assert f"Version {'BA'[index]}" not in text + key  # the other version's label is not on these pages
    # Titles and versions are checked against the puzzles they belong to.
    with pytest.raises(InvalidInputError, match="1 labels for 2 puzzles"):
        build_worksheet([a, b], versions=["A"])
    with pytest.raises(InvalidInputError, match="class_line must be text"):
        WorksheetOptions(class_line=3)


@needs_cjk
def test_japanese_version_labels_class_line_and_instructions():
    worksheet = build_worksheet(
        [synthetic_puzzle(640, 427)],
        options=WorksheetOptions(
            lang="ja", answers="after", class_line="3ねん 2くみ", instructions="Bの えに まるを つけよう"
        ),
        titles=["バス"],
        versions=["B"],
    )
    text = poppler_text(worksheet.pdf, 0) or pdf_text(worksheet.pdf, 0)
    for expected in ("バス", "B パターン", "3ねん 2くみ", "Bの えに まるを つけよう"):
        assert squeeze(expected) in squeeze(text)
    key = poppler_text(worksheet.pdf, 1) or pdf_text(worksheet.pdf, 1)
    assert squeeze("もんだい 1 · B パターン") in squeeze(key)


def test_answer_key_numbers_sit_clear_of_every_other_ring():
    from spotdiff_core.labels import LabelBox, LabelCircle
    from tests.test_labels import crowded_puzzle

    puzzle = crowded_puzzle()
    worksheet = build_worksheet([puzzle], options=WorksheetOptions(answers="after"))
    answers = next(p for p in worksheet.placements if p.role == "answers")
    scale = answers.width_mm / puzzle.width
    thickness = max(2, round(min(puzzle.shape) / 250))
    circles = []
    for d in puzzle.differences:
        (cx, cy), r = marker_circle(d, shape=puzzle.shape)
        circles.append(
            LabelCircle(answers.x_mm + cx * scale, answers.y_mm + cy * scale, r * scale, (thickness + 2) * scale)
        )
    page = worksheet._pages[answers.page]
    # The numbers on the picture: filled boxes in the marker colour with a white edge, each with its digit.
    boxes = [op for op in page if type(op).__name__ == "_Box" and op.fill == (255, 0, 170) and op.stroke]
    assert len(boxes) == len(puzzle)
    placed = [LabelBox(op.x, op.y, op.w, op.h) for op in boxes]
    for i, box in enumerate(placed):
        assert not any(box.overlaps(o) for j, o in enumerate(placed) if j != i)
        assert not any(box.touches_outline(c) for c in circles)
        assert answers.x_mm <= box.x and box.x + box.w <= answers.x_mm + answers.width_mm + 1e-6
    digits = [op.text for op in page if type(op).__name__ == "_Text" and op.color == (255, 255, 255)]
    assert sorted(digits) == sorted([str(d.id) for d in puzzle.differences] * 2)  # on the picture and in the legend


def test_every_printed_word_exists_in_both_languages():
    from spotdiff_core.worksheet import TEXTS

    assert set(TEXTS["en"]) == set(TEXTS["ja"])
    for key in ("version", "answers_for_version", "original_short", "modified_short"):
        assert TEXTS["en"][key] and TEXTS["ja"][key] and TEXTS["en"][key] != TEXTS["ja"][key]
