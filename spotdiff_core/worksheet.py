"""Printable PDF worksheets and puzzle packs, with answer keys, laid out for school printers."""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from . import limits
from .errors import BackendUnavailableError, InvalidInputError, SpotDiffError
from .fonts import FontFace, FontSet, find_cjk_fonts, find_latin_fonts
from .generator import Pipeline
from .puzzle import Puzzle

# --- What a printed page promises -------------------------------------------------
MIN_PRINT_DPI = limits.MIN_PRINT_DPI
PAGE_MARGIN_MM = limits.PAGE_MARGIN_MM
PAPER_SIZES_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}  # portrait width, height
ORIENTATIONS = ("portrait", "landscape")
ANSWER_PLACEMENTS = ("after", "end", "none")
LANGUAGES = ("en", "ja")
PAGE_KINDS = ("cover", "puzzle", "answers")
JPEG_QUALITY = 92  # pictures are embedded as 4:4:4 JPEG: far smaller than lossless, no visible change

# A picture may be printed larger than its pixels allow at MIN_PRINT_DPI, down to MIN_SOURCE_DPI: a 640 px picture
# saved from the web then fills the page (90 % of A4's printable width) instead of 60 % of it. At 100 pixels per
# inch a photo still looks sharp at reading distance; below that, JPEG blocks and edges show. Such a picture is
# resampled (Lanczos) to MIN_PRINT_DPI before it is embedded, so the printer never enlarges it with its own
# cruder filter.
MIN_SOURCE_DPI = 100
# Slightly below the exact limit so that rounding of PDF coordinates never dips under MIN_SOURCE_DPI.
_MAX_MM_PER_PIXEL = 25.4 / (MIN_SOURCE_DPI + 0.5)
MAX_TITLE_CHARS = 120
MAX_INSTRUCTIONS_CHARS = 240

# Pictures held small by MIN_PRINT_DPI sit a little above the middle of the free space, as on a printed page.
_SPARE_ABOVE = 0.35

ProgressCallback = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; stage is "puzzles" (made or loaded) or "pages" (drawn)."""

# --- The words on the page ---------------------------------------------------------------
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "heading": "Spot the difference",
        "instruction": "Find the {n} differences!",
        "instruction_one": "Find the 1 difference!",
        "name": "Name",
        "date": "Date",
        "original": "Original picture",
        "modified": "Changed picture",
        "original_short": "Original",
        "modified_short": "Changed",
        "found": "Found:",
        "badge": "Puzzle {number}",
        "version": "Version {label}",
        "answers": "Answers",
        "answers_for": "Puzzle {number}",
        "answers_for_version": "Puzzle {number} · Version {label}",
        "cover_title": "Spot the difference",
        "cover_subtitle": "Puzzle pack · {n} puzzles",
        "col_number": "No.",
        "col_title": "Puzzle",
        "col_differences": "Differences",
        "col_difficulty": "Difficulty",
        "col_page": "Page",
        "answers_after": "The answer key follows each puzzle.",
        "answers_end": "The answer keys are at the end of the pack.",
        "answers_none": "This pack has no answer keys.",
        "footer": "spotdiff studio",
        "seed": "seed {seed}",
        "page": "Page {page} of {total}",
        "difficulty_easy": "Easy",
        "difficulty_normal": "Normal",
        "difficulty_hard": "Hard",
        "difficulty_unknown": "–",
        "kind_remove": "something removed",
        "kind_recolor": "colour changed",
        "kind_duplicate": "something added",
        "kind_resize": "size changed",
        "kind_flip": "flipped",
    },
    "ja": {
        "heading": "まちがいさがし",
        "instruction": "まちがいを {n} こ さがそう",
        "instruction_one": "まちがいを 1 こ さがそう",
        "name": "なまえ",
        "date": "ひづけ",
        "original": "もとの え",
        "modified": "かわった え",
        "original_short": "もと",
        "modified_short": "かわった",
        "found": "みつけた：",
        "badge": "もんだい {number}",
        "version": "{label} パターン",
        "answers": "こたえ",
        "answers_for": "もんだい {number}",
        "answers_for_version": "もんだい {number} · {label} パターン",
        "cover_title": "まちがいさがし ドリル",
        "cover_subtitle": "{n} もん",
        "col_number": "ばんごう",
        "col_title": "もんだい",
        "col_differences": "まちがい",
        "col_difficulty": "むずかしさ",
        "col_page": "ページ",
        "answers_after": "こたえは それぞれの もんだいの つぎの ページに あります。",
        "answers_end": "こたえは さいごの ページに あります。",
        "answers_none": "こたえは ついていません。",
        "footer": "spotdiff studio",
        "seed": "シード {seed}",
        "page": "{page} / {total} ページ",
        "difficulty_easy": "やさしい",
        "difficulty_normal": "ふつう",
        "difficulty_hard": "むずかしい",
        "difficulty_unknown": "–",
        "kind_remove": "なくなった もの",
        "kind_recolor": "いろが ちがう",
        "kind_duplicate": "ふえた もの",
        "kind_resize": "おおきさが ちがう",
        "kind_flip": "むきが ちがう",
    },
}


def worksheet_text(lang: str, key: str, **values: Any) -> str:
    """One string of the printed page in ``lang`` ("en" or "ja"), with ``{placeholders}`` filled in."""
    if lang not in TEXTS:
        raise InvalidInputError(f"Unknown worksheet language {lang!r}; choose {', '.join(LANGUAGES)}.")
    return TEXTS[lang][key].format(**values)


def instruction_text(lang: str, n_differences: int) -> str:
    """The instruction printed above the pictures, e.g. "Find the 5 differences!"."""
    key = "instruction_one" if n_differences == 1 else "instruction"
    return worksheet_text(lang, key, n=n_differences)


# --- Options ---------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class WorksheetOptions:
    """How to lay out and print a worksheet (validated on creation).

    Attributes
    ----------
    paper : {"a4", "letter"}
    orientation : {"portrait", "landscape"}
        Portrait stacks the two pictures; landscape puts them side by side.
    answers : {"end", "after", "none"}
        Answer keys all at the end of the pack, right after each puzzle, or none.
    grayscale : bool
        Pictures and every drawing colour in gray, for black-and-white printers. Pair it with
        print-safe puzzles, whose differences also change lightness.
    lang : {"en", "ja"}
        Language of the printed words. Japanese needs an installed CJK font.
    class_line : str
        Printed on every puzzle page before the name line, e.g. "Class 3B · Science" ("" for none).
    instructions : str
        The teacher's own instructions, printed under the standard one on every puzzle page ("" for none).
    """

    paper: str = "a4"
    orientation: str = "portrait"
    answers: str = "end"
    grayscale: bool = False
    lang: str = "en"
    class_line: str = ""
    instructions: str = ""

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("paper", self.paper, tuple(PAPER_SIZES_MM)),
            ("orientation", self.orientation, ORIENTATIONS),
            ("answers", self.answers, ANSWER_PLACEMENTS),
            ("lang", self.lang, LANGUAGES),
        ):
            if not isinstance(value, str) or value.lower() not in allowed:
                raise InvalidInputError(f"Unknown worksheet {name} {value!r}; choose {', '.join(allowed)}.")
            object.__setattr__(self, name, value.lower())
        if not isinstance(self.grayscale, (bool, np.bool_)):
            raise InvalidInputError(f"Worksheet grayscale must be True or False, not {self.grayscale!r}.")
        object.__setattr__(self, "grayscale", bool(self.grayscale))
        for name, limit in (("class_line", MAX_TITLE_CHARS), ("instructions", MAX_INSTRUCTIONS_CHARS)):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise InvalidInputError(f"Worksheet {name} must be text, not {type(value).__name__}.")
            object.__setattr__(self, name, _clean_title(value, limit))

    @property
    def page_size_mm(self) -> tuple[float, float]:
        """(width, height) of the page as printed, in millimetres."""
        width, height = PAPER_SIZES_MM[self.paper]
        return (height, width) if self.orientation == "landscape" else (width, height)


# --- Colours -----------------------------------------------------------------------------------
RGB = tuple[int, int, int]


@dataclass(frozen=True)
class _Palette:
    ink: RGB
    muted: RGB
    rule: RGB
    accent: RGB
    tint: RGB
    stripe: RGB
    marker: RGB
    white: RGB = (255, 255, 255)


_COLOUR = _Palette(
    ink=(31, 41, 55),
    muted=(100, 110, 125),
    rule=(150, 160, 172),
    accent=(15, 118, 110),
    tint=(222, 243, 240),
    stripe=(243, 248, 247),
    marker=(255, 0, 170),  # Puzzle.draw_answers' default, so screen and paper agree
)
# Gray printing: every colour is a gray, and answer rings are black so they stand out on a gray photo.
_GRAY = _Palette(
    ink=(30, 30, 30),
    muted=(100, 100, 100),
    rule=(150, 150, 150),
    accent=(55, 55, 55),
    tint=(232, 232, 232),
    stripe=(245, 245, 245),
    marker=(0, 0, 0),
)


def to_print_gray(image: np.ndarray) -> np.ndarray:
    """A picture in gray that keeps each pixel's CIE lightness L*.

    Keeping L* (rather than a plain luma average) means a print-safe difference, whose mean |dL|
    is at least ``limits.MIN_PRINT_SAFE_DELTA_L``, keeps exactly that contrast on paper.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray
        RGB picture (not modified).

    Returns
    -------
    (H, W) uint8 ndarray
    """
    from .color import rgb_to_lab

    lightness = rgb_to_lab(np.asarray(image, dtype=np.uint8))[..., 0].astype(np.float64)
    fy = (lightness + 16.0) / 116.0
    y = np.where(lightness > 8.0, fy**3, lightness / 903.3)
    srgb = np.where(y <= 0.0031308, 12.92 * y, 1.055 * np.power(np.clip(y, 0, 1), 1 / 2.4) - 0.055)
    return np.clip(np.rint(srgb * 255.0), 0, 255).astype(np.uint8)


# --- The layout: pages as short lists of drawing operations ------------------------------------
# Both the PDF writer and the Pillow preview draw from the same operations, so they agree.
@dataclass(frozen=True)
class _Text:
    x: float  # left end of the baseline, mm
    y: float
    text: str
    size: float  # points
    bold: bool
    color: RGB
    family: str  # "main" or "cjk"


@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    w: float
    h: float
    stroke: RGB | None
    fill: RGB | None
    line_width: float = 0.3
    radius: float = 0.0


@dataclass(frozen=True)
class _Circle:
    cx: float
    cy: float
    r: float
    stroke: RGB | None
    fill: RGB | None
    line_width: float = 0.3


@dataclass(frozen=True)
class _Line:
    x1: float
    y1: float
    x2: float
    y2: float
    color: RGB
    width: float = 0.3


@dataclass(frozen=True, eq=False)
class _Picture:
    x: float
    y: float
    w: float
    h: float
    jpeg: bytes = field(repr=False)  # exactly what is embedded; previews decode it too, so no pixels are kept


_Op = _Text | _Box | _Circle | _Line | _Picture


@dataclass(frozen=True)
class ImagePlacement:
    """Where a picture sits on the page and at what resolution it prints.

    Attributes
    ----------
    page : int
        0-based page index.
    puzzle : int
        1-based puzzle number in the pack.
    role : {"original", "modified", "answers"}
    x_mm, y_mm, width_mm, height_mm : float
        The placed box, from the page's top-left corner.
    width_px, height_px : int
        Pixel size of the embedded picture: the puzzle's working size, or more when a small picture is
        printed below ``MIN_PRINT_DPI`` and was resampled up to it.
    source_width_px, source_height_px : int
        The puzzle's working size.
    """

    page: int
    puzzle: int
    role: str
    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    width_px: int
    height_px: int
    source_width_px: int = 0
    source_height_px: int = 0

    @property
    def dpi(self) -> float:
        """Print resolution of the embedded pixels (pixels per inch) along the lower of the two axes."""
        return min(self.width_px / (self.width_mm / 25.4), self.height_px / (self.height_mm / 25.4))

    @property
    def source_dpi(self) -> float:
        """Print resolution of the puzzle's own pixels: at least ``MIN_SOURCE_DPI``."""
        w = self.source_width_px or self.width_px
        h = self.source_height_px or self.height_px
        return min(w / (self.width_mm / 25.4), h / (self.height_mm / 25.4))


def _jpeg(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(
        buf, format="JPEG", quality=JPEG_QUALITY, subsampling=0, optimize=True
    )
    return buf.getvalue()


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _clean_title(title: str | None, limit: int = MAX_TITLE_CHARS) -> str:
    text = _CONTROL.sub(" ", str(title or ""))
    return " ".join(text.split())[:limit]


class _Composer:
    """Lays out every page of one document as drawing operations, measuring text with fpdf2."""

    def __init__(
        self,
        puzzles: Sequence[Puzzle],
        titles: Sequence[str],
        options: WorksheetOptions,
        fonts: dict[str, FontSet],
        versions: Sequence[str] | None = None,
    ):
        from fpdf import FPDF

        self.puzzles = puzzles
        self.titles = titles
        self.versions = tuple(versions) if versions is not None else ("",) * len(puzzles)
        self.options = options
        self.lang = options.lang
        self.fonts = fonts
        self.palette = _GRAY if options.grayscale else _COLOUR
        self.page_w, self.page_h = options.page_size_mm
        self.margin = PAGE_MARGIN_MM
        self.content_w = self.page_w - 2 * self.margin
        self.pdf = FPDF(orientation="L" if options.orientation == "landscape" else "P", unit="mm", format=options.paper)
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(0, 0, 0)
        self.pdf.c_margin = 0
        for family, font_set in fonts.items():
            if font_set.builtin:
                continue
            self.pdf.add_font(family, "", str(font_set.regular.path), collection_font_number=font_set.regular.index)
            self.pdf.add_font(family, "B", str(font_set.bold.path), collection_font_number=font_set.bold.index)
        self.pages: list[list[_Op]] = []
        self.page_kinds: list[str] = []
        self.placements: list[ImagePlacement] = []
        self._pictures: dict[tuple[int, str, tuple[int, int]], bytes] = {}

    # --- text ----------------------------------------------------------------------------------
    def t(self, key: str, **values: Any) -> str:
        return worksheet_text(self.lang, key, **values)

    def _family_for(self, text: str) -> tuple[str, str]:
        """The font family that can draw ``text``, and the text (unknown characters become "?")."""
        main = self.fonts["main"]
        if main.covers(text):
            return "main", text
        cjk = self.fonts.get("cjk")
        if cjk is not None and cjk.covers(text):
            return "cjk", text
        return "main", "".join(c if main.covers(c) else "?" for c in text)

    def _select(self, family: str, bold: bool, size: float) -> None:
        if self.fonts[family].builtin:
            self.pdf.set_font("helvetica", "B" if bold else "", size)
        else:
            self.pdf.set_font(family, "B" if bold else "", size)

    def width(self, text: str, size: float, *, bold: bool = False) -> float:
        family, text = self._family_for(text)
        self._select(family, bold, size)
        return self.pdf.get_string_width(text)

    def fit(self, text: str, size: float, max_width: float, *, bold: bool = False) -> str:
        """``text``, shortened with an ellipsis if it is wider than ``max_width`` mm."""
        if self.width(text, size, bold=bold) <= max_width:
            return text
        ellipsis = "…" if self.fonts["main"].covers("…") else "..."
        while text and self.width(text + ellipsis, size, bold=bold) > max_width:
            text = text[:-1]
        return text.rstrip() + ellipsis if text else ""

    def text(
        self,
        ops: list[_Op],
        x: float,
        y: float,
        text: str,
        size: float,
        *,
        bold: bool = False,
        color: RGB | None = None,
        align: str = "left",
    ) -> float:
        """Add text with its baseline at ``y``; returns its width in mm."""
        family, text = self._family_for(text)
        w = self.width(text, size, bold=bold)
        if align == "right":
            x -= w
        elif align == "center":
            x -= w / 2
        ops.append(_Text(x, y, text, size, bold, color or self.palette.ink, family))
        return w

    # --- pictures ------------------------------------------------------------------------------
    def picture_pixels(self, index: int, role: str) -> np.ndarray:
        """One picture of puzzle ``index`` (0-based) as printed, at the working size: (H, W, 3) or (H, W) uint8."""
        puzzle = self.puzzles[index]
        gray = self.options.grayscale
        if role == "original":
            return to_print_gray(puzzle.original) if gray else puzzle.original
        if role == "modified":
            return to_print_gray(puzzle.modified) if gray else puzzle.modified
        # The answer key's rings only: its numbers are drawn as text on top, placed clear of every ring.
        base = np.repeat(to_print_gray(puzzle.modified)[..., None], 3, axis=2) if gray else None
        drawn = puzzle.draw_answers(image=base, color=self.palette.marker, numbers=False)
        return drawn[..., 0].copy() if gray else drawn

    def picture_jpeg(self, index: int, role: str, size: tuple[int, int]) -> bytes:
        """JPEG bytes of one picture resampled (Lanczos) to ``size`` (width, height) pixels, made once."""
        key = (index, role, size)
        if key not in self._pictures:
            pixels = self.picture_pixels(index, role)
            if (pixels.shape[1], pixels.shape[0]) != size:
                pixels = np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.LANCZOS))
            self._pictures[key] = _jpeg(pixels)
        return self._pictures[key]

    def picture(self, ops: list[_Op], index: int, role: str, x: float, y: float, scale: float) -> tuple[float, float]:
        """Place a picture at ``scale`` mm per working pixel with a thin frame; returns its (width, height) in mm.

        Below ``MIN_PRINT_DPI`` the picture is resampled up to it before embedding (see ``MIN_SOURCE_DPI``).
        """
        h_px, w_px = self.puzzles[index].shape
        w, h = w_px * scale, h_px * scale
        size = (w_px, h_px)
        if w_px / (w / 25.4) < MIN_PRINT_DPI:
            factor = (MIN_PRINT_DPI + 0.5) * (w / 25.4) / w_px
            size = (math.ceil(w_px * factor), math.ceil(h_px * factor))
        ops.append(_Picture(x, y, w, h, self.picture_jpeg(index, role, size)))
        ops.append(_Box(x, y, w, h, self.palette.rule, None, 0.3))
        self.placements.append(ImagePlacement(len(self.pages), index + 1, role, x, y, w, h, *size, w_px, h_px))
        return w, h

    # --- shared pieces ---------------------------------------------------------------------
    def header_band(
        self, ops: list[_Op], title: str, badge: str, *, tag: str = "", height: float = 12.0, size: float = 16.0
    ) -> float:
        """The coloured band on top: title on the left, badge (puzzle, difficulty) and version tag on the right."""
        x, y = self.margin, self.margin
        ops.append(_Box(x, y, self.content_w, height, None, self.palette.tint, radius=3.0))
        right = x + self.content_w - 4
        if tag:
            tag_size = 11.0
            tag_w = self.width(tag, tag_size, bold=True) + 6
            ops.append(_Box(right - tag_w, y + 2.2, tag_w, height - 4.4, None, self.palette.accent, radius=2.0))
            tag_base = y + height / 2 + tag_size * 0.353 * 0.36
            self.text(
                ops, right - tag_w / 2, tag_base, tag, tag_size, bold=True, color=self.palette.white, align="center"
            )
            right -= tag_w + 3
        badge_w = self.width(badge, 10) if badge else 0.0
        title = self.fit(title, size, right - (x + 5) - badge_w - 6, bold=True)
        baseline = y + height / 2 + size * 0.353 * 0.36
        self.text(ops, x + 5, baseline, title, size, bold=True, color=self.palette.accent)
        if badge:
            self.text(ops, right - 1, baseline, badge, 10, color=self.palette.muted, align="right")
        return y + height

    def name_date_line(self, ops: list[_Op], y: float, *, class_line: str = "") -> float:
        """[class line]  Name ______  Date ____ ; returns the y below it."""
        size, baseline = 10.5, y + 5.5
        x0, x1 = self.margin, self.margin + self.content_w
        if class_line:
            class_line = self.fit(class_line, size, self.content_w * 0.4, bold=True)
            x0 += self.text(ops, x0, baseline, class_line, size, bold=True) + 6
        split = x0 + (x1 - x0) * 0.64
        w = self.text(ops, x0, baseline, self.t("name"), size, color=self.palette.muted)
        ops.append(_Line(x0 + w + 2, baseline + 0.8, split - 6, baseline + 0.8, self.palette.rule, 0.3))
        w = self.text(ops, split, baseline, self.t("date"), size, color=self.palette.muted)
        ops.append(_Line(split + w + 2, baseline + 0.8, x1, baseline + 0.8, self.palette.rule, 0.3))
        return baseline + 2.5

    def wrap(self, text: str, size: float, max_width: float, max_lines: int = 2) -> list[str]:
        """``text`` broken into lines no wider than ``max_width`` mm (at word breaks, or anywhere for CJK)."""
        lines: list[str] = []
        rest = text
        while rest and len(lines) < max_lines:
            if self.width(rest, size) <= max_width:
                lines.append(rest)
                rest = ""
                break
            cut = len(rest)
            while cut > 1 and self.width(rest[:cut], size) > max_width:
                cut -= 1
            space = rest.rfind(" ", 0, cut + 1)
            if space > 0:
                cut = space
            lines.append(rest[:cut].rstrip())
            rest = rest[cut:].lstrip()
        if rest and lines:
            lines[-1] = self.fit(lines[-1] + " " + rest, size, max_width)
        return lines

    def footer(self, ops: list[_Op], page_number: int, total: int, extra: str = "") -> None:
        baseline = self.page_h - self.margin
        left = self.t("footer") + (f"  ·  {extra}" if extra else "")
        self.text(ops, self.margin, baseline, left, 7.5, color=self.palette.muted)
        page = self.t("page", page=page_number, total=total)
        self.text(ops, self.margin + self.content_w, baseline, page, 7.5, color=self.palette.muted, align="right")

    def badge_circle(self, ops: list[_Op], cx: float, cy: float, r: float, label: str, size: float, fill: RGB) -> None:
        ops.append(_Circle(cx, cy, r, None, fill))
        self.text(ops, cx, cy + size * 0.353 * 0.36, label, size, bold=True, color=self.palette.white, align="center")

    def magnifier(self, ops: list[_Op], x: float, baseline: float) -> float:
        """A small magnifying-glass mark before the instruction; returns its width."""
        cx, cy, r = x + 2.4, baseline - 2.9, 2.1
        ops.append(_Circle(cx, cy, r, self.palette.accent, None, 0.7))
        ops.append(_Line(cx + r * 0.7, cy + r * 0.7, cx + r * 1.75, cy + r * 1.75, self.palette.accent, 0.9))
        return 8.5

    def difficulty_label(self, puzzle: Puzzle) -> str:
        difficulty = str(puzzle.settings.get("difficulty", ""))
        key = f"difficulty_{difficulty}" if difficulty in limits.DIFFICULTIES else "difficulty_unknown"
        return self.t(key)

    def page_title(self, index: int) -> str:
        return self.titles[index] or self.t("heading")

    def version_tag(self, index: int) -> str:
        label = self.versions[index]
        return self.t("version", label=label) if label else ""

    # --- the pages -------------------------------------------------------------------------------
    def puzzle_page(self, index: int, page_number: int, total: int) -> list[_Op]:
        ops: list[_Op] = []
        puzzle = self.puzzles[index]
        pack = len(self.puzzles) > 1
        badge = self.difficulty_label(puzzle)
        if pack:
            badge = f"{self.t('badge', number=index + 1)}  ·  {badge}"
        y = self.header_band(ops, self.page_title(index), badge, tag=self.version_tag(index))
        y = self.name_date_line(ops, y + 1.0, class_line=self.options.class_line)

        # The instruction, with one tick box per difference on the same line when they fit.
        size = 13.0
        baseline = y + 7.0
        x = self.margin + self.magnifier(ops, self.margin, baseline)
        instruction_w = self.text(ops, x, baseline, instruction_text(self.lang, len(puzzle)), size, bold=True)
        box, gap = 6.0, 2.2
        found = self.t("found")
        boxes_w = self.width(found, 9.5) + 2.5 + len(puzzle) * (box + gap) - gap
        if x + instruction_w + 8 + boxes_w <= self.margin + self.content_w:
            tick_y, y = baseline - box + 1.0, baseline + 2.5
        else:
            tick_y, y = baseline + 3.0, baseline + 3.0 + box + 2.0
        tx = self.margin + self.content_w - boxes_w
        tx += self.text(ops, tx, tick_y + box - 1.5, found, 9.5, color=self.palette.muted) + 2.5
        for i in range(len(puzzle)):
            ops.append(_Box(tx + i * (box + gap), tick_y, box, box, self.palette.ink, None, 0.35, radius=0.8))
        if self.options.instructions:
            for line in self.wrap(self.options.instructions, 10.5, self.content_w - 8.5):
                y += 4.6
                self.text(ops, self.margin + 8.5, y, line, 10.5)
            y += 1.8

        self.place_pair(ops, index, y, self.page_h - self.margin - 4.5)
        self.footer(ops, page_number, total, self.t("seed", seed=puzzle.seed))
        return ops

    def place_pair(self, ops: list[_Op], index: int, top: float, bottom: float) -> None:
        """The two pictures between ``top`` and ``bottom`` (mm), as large as the page allows, at one scale.

        Three arrangements are measured and the one that prints the pictures largest is used: stacked with a
        label row above each, stacked with the labels in a narrow column to their left (when the height
        limits a landscape picture on portrait paper, that column is free page width), and side by side.
        """
        h_px, w_px = self.puzzles[index].shape
        area_h, label_h, gap, gutter = bottom - top, 6.0, 2.0, 14.0
        cw = self.content_w
        stacked = min(cw / w_px, (area_h - 2 * label_h - gap) / (2 * h_px), _MAX_MM_PER_PIXEL)
        beside = min((cw - gutter) / w_px, (area_h - gap) / (2 * h_px), _MAX_MM_PER_PIXEL)
        side_by_side = min((cw - 6.0) / (2 * w_px), (area_h - label_h) / h_px, _MAX_MM_PER_PIXEL)
        choices = {"stacked": stacked, "beside": beside * 0.99, "side_by_side": side_by_side * 0.99}
        if self.options.orientation == "landscape":  # landscape paper: side by side unless clearly worse
            choices["side_by_side"] = side_by_side * 1.02
        arrangement = max(choices, key=lambda k: choices[k])
        scale = {"stacked": stacked, "beside": beside, "side_by_side": side_by_side}[arrangement]
        pic_w, pic_h = w_px * scale, h_px * scale
        roles = ("original", "modified")
        if arrangement == "side_by_side":
            y0 = top + max(0.0, area_h - label_h - pic_h) * _SPARE_ABOVE
            left = self.margin + (cw - (2 * pic_w + 6.0)) / 2
            slots = [(left, y0), (left + pic_w + 6.0, y0)]
        elif arrangement == "stacked":
            block_h = 2 * (label_h + pic_h) + gap
            y0 = top + max(0.0, area_h - block_h) * _SPARE_ABOVE
            left = self.margin + (cw - pic_w) / 2
            slots = [(left, y0), (left, y0 + label_h + pic_h + gap)]
        else:
            block_h = 2 * pic_h + gap
            y0 = top + max(0.0, area_h - block_h) * _SPARE_ABOVE
            left = max(self.margin + gutter, self.margin + (cw - pic_w) / 2)
            for k, (letter, role) in enumerate(zip("AB", roles, strict=True)):
                sy = y0 + k * (pic_h + gap)
                cx = left - gutter / 2
                self.badge_circle(ops, cx, sy + 4.0, 3.4, letter, 11, self.palette.accent)
                short = self.fit(self.t(f"{role}_short"), 7, gutter - 1.0, bold=True)
                self.text(ops, cx, sy + 11.5, short, 7, bold=True, align="center")
                self.picture(ops, index, role, left, sy, scale)
            return
        for (sx, sy), letter, role in zip(slots, "AB", roles, strict=True):
            self.badge_circle(ops, sx + 2.6, sy + 2.8, 2.6, letter, 9.5, self.palette.accent)
            self.text(ops, sx + 7.0, sy + 4.3, self.fit(self.t(role), 11, pic_w - 8, bold=True), 11, bold=True)
            self.picture(ops, index, role, sx, sy + label_h, scale)

    def answer_block(self, ops: list[_Op], index: int, x: float, y: float, w: float, h: float) -> None:
        """One answer key inside the box (x, y, w, h): heading, marked picture, legend."""
        puzzle = self.puzzles[index]
        version = self.versions[index]
        if version:
            heading = self.t("answers_for_version", number=index + 1, label=version)
        else:
            heading = self.t("answers_for", number=index + 1)
        title = self.titles[index]
        hw = self.text(ops, x, y + 5.0, heading, 12, bold=True, color=self.palette.accent)
        if title:
            self.text(ops, x + hw + 3, y + 5.0, self.fit(title, 10, w - hw - 3), 10, color=self.palette.muted)
        top = y + 8.0
        row_h, col_w = 6.0, 56.0
        h_px, w_px = puzzle.shape
        max_cols = max(1, min(3, int(w // col_w)))

        def scale_for(cols: int) -> float:
            legend_h = math.ceil(len(puzzle) / cols) * row_h + 2.0
            return min(w / w_px, (h - 8.0 - legend_h - 2.0) / h_px, _MAX_MM_PER_PIXEL)

        # The legend sits under the picture, about as wide as it: 2 or 3 columns.
        cols = min(max_cols, max(2, round(w_px * scale_for(max_cols) / col_w)))
        scale = scale_for(cols)
        pic_x = x + (w - w_px * scale) / 2
        _, pic_h = self.picture(ops, index, "answers", pic_x, top, scale)
        self.answer_numbers(ops, index, pic_x, top, scale)
        legend_w = cols * col_w - 4.0
        legend_x = min(max(x, x + (w - legend_w) / 2), x + w - legend_w)
        legend_y = top + pic_h + 3.0
        for i, d in enumerate(puzzle.differences):
            row, col = divmod(i, cols)
            cx = legend_x + col * col_w + 2.6
            cy = legend_y + row * row_h + 2.6
            self.badge_circle(ops, cx, cy, 2.6, str(d.id), 8.5, self.palette.marker)
            kind = self.t(f"kind_{d.kind}") if f"kind_{d.kind}" in TEXTS[self.lang] else d.kind
            self.text(ops, cx + 4.5, cy + 1.3, self.fit(kind, 10, col_w - 9), 10)

    def answer_numbers(self, ops: list[_Op], index: int, x: float, y: float, scale: float) -> None:
        """Each ring's number on the answer picture placed at (x, y) mm, clear of every other ring and number."""
        from .labels import LabelCircle, place_labels
        from .puzzle import marker_circle

        puzzle = self.puzzles[index]
        thickness = max(2, round(min(puzzle.shape) / 250))  # Puzzle.draw_answers' default ring width, in pixels
        circles, sizes, texts = [], [], []
        size = 9.0
        for d in puzzle.differences:
            (cx, cy), radius = marker_circle(d, shape=puzzle.shape)
            circles.append(LabelCircle(x + cx * scale, y + cy * scale, radius * scale, (thickness + 2) * scale))
            texts.append(str(d.id))
            sizes.append((max(4.4, self.width(texts[-1], size, bold=True) + 2.0), 4.4))
        bounds = (x, y, x + puzzle.width * scale, y + puzzle.height * scale)
        for box, text in zip(place_labels(circles, sizes, bounds=bounds, gap=0.4), texts, strict=True):
            ops.append(_Box(box.x, box.y, box.w, box.h, self.palette.white, self.palette.marker, 0.3, radius=1.0))
            cx, cy = box.center
            self.text(
                ops, cx, cy + size * 0.353 * 0.36, text, size, bold=True, color=self.palette.white, align="center"
            )

    def answer_page(self, indices: Sequence[int], page_number: int, total: int) -> list[_Op]:
        ops: list[_Op] = []
        badge = self.t("answers_for", number=indices[0] + 1) if len(indices) == 1 and len(self.puzzles) > 1 else ""
        tag = self.version_tag(indices[0]) if len(indices) == 1 else ""
        y = self.header_band(ops, self.t("answers"), badge, tag=tag) + 5.0
        bottom = self.page_h - self.margin - 6.0
        gap = 8.0
        n = 2 if len(indices) > 1 or (self.options.answers == "end" and len(self.puzzles) > 1) else 1
        if self.options.orientation == "portrait":
            block_h = (bottom - y - gap * (n - 1)) / n
            boxes = [(self.margin, y + k * (block_h + gap), self.content_w, block_h) for k in range(n)]
        else:
            block_w = (self.content_w - gap * (n - 1)) / n
            boxes = [(self.margin + k * (block_w + gap), y, block_w, bottom - y) for k in range(n)]
        for index, (bx, by, bw, bh) in zip(indices, boxes, strict=False):
            self.answer_block(ops, index, bx, by, bw, bh)
        self.footer(ops, page_number, total)
        return ops

    def cover_page(self, plan: Sequence[tuple[str, tuple[int, ...]]], total: int) -> list[_Op]:
        ops: list[_Op] = []
        palette = self.palette
        n = len(self.puzzles)
        x0, y = self.margin, self.margin
        ops.append(_Box(x0, y, self.content_w, 30.0, None, palette.tint, radius=4.0))
        self.text(ops, x0 + 8, y + 14.5, self.t("cover_title"), 26, bold=True, color=palette.accent)
        self.text(ops, x0 + 8, y + 24.0, self.t("cover_subtitle", n=n), 12, color=palette.muted)
        y = self.name_date_line(ops, y + 32.0, class_line=self.options.class_line)
        self.text(ops, x0, y + 7.0, self.t(f"answers_{self.options.answers}"), 10, color=palette.muted)
        y += 12.0

        first_page = {}
        for page, (kind, indices) in enumerate(plan, start=1):
            if kind == "puzzle":
                first_page[indices[0]] = page
        columns = [
            ("col_number", 16.0, "right"),
            ("col_title", 0.0, "left"),
            ("col_differences", 26.0, "right"),
            ("col_difficulty", 28.0, "left"),
            ("col_page", 16.0, "right"),
        ]
        fixed = sum(w for _, w, _ in columns) + 4 * len(columns)
        widths = [w or self.content_w - fixed for _, w, _ in columns]
        bottom = self.page_h - self.margin - 8.0
        row_h = max(4.2, min(8.0, (bottom - y) / (n + 1)))
        size = min(11.0, row_h * 1.45)

        def row(values: Sequence[str], top: float, *, bold: bool, fill: RGB | None) -> None:
            if fill is not None:
                ops.append(_Box(x0, top, self.content_w, row_h, None, fill))
            cx = x0 + 2.0
            baseline = top + row_h / 2 + size * 0.353 * 0.36
            for value, (_, _, align), w in zip(values, columns, widths, strict=True):
                value = self.fit(value, size, w, bold=bold)
                anchor = cx + w if align == "right" else cx
                color = palette.ink if not bold else palette.accent
                self.text(ops, anchor, baseline, value, size, bold=bold, color=color, align=align)
                cx += w + 4

        row([self.t(key) for key, _, _ in columns], y, bold=True, fill=None)
        ops.append(_Line(x0, y + row_h, x0 + self.content_w, y + row_h, palette.rule, 0.4))
        for i, puzzle in enumerate(self.puzzles):
            title = self.page_title(i)
            if self.versions[i]:
                title = f"{title} · {self.version_tag(i)}"
            values = [
                str(i + 1),
                title,
                str(len(puzzle)),
                self.difficulty_label(puzzle),
                str(first_page[i]),
            ]
            row(values, y + (i + 1) * row_h, bold=False, fill=palette.stripe if i % 2 == 0 else None)
        self.footer(ops, 1, total)
        return ops


def _plan(n_puzzles: int, answers: str) -> list[tuple[str, tuple[int, ...]]]:
    """The page sequence: (kind, puzzle indices) per page."""
    plan: list[tuple[str, tuple[int, ...]]] = [("cover", ())] if n_puzzles > 1 else []
    for i in range(n_puzzles):
        plan.append(("puzzle", (i,)))
        if answers == "after":
            plan.append(("answers", (i,)))
    if answers == "end":
        if n_puzzles == 1:
            plan.append(("answers", (0,)))
        else:
            plan.extend(("answers", tuple(range(i, min(i + 2, n_puzzles)))) for i in range(0, n_puzzles, 2))
    return plan


# --- Writing the PDF and drawing previews -----------------------------------------------------
def _creation_date():
    """The PDF's creation date: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else today at 00:00 UTC.

    Day precision, not the second: the same puzzles and options give the same PDF byte for byte on one day
    (a batch made serially or on a pool, a pack made again from its seed), and a sheet needs no more.
    """
    from datetime import UTC, datetime

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _write_pdf(composer: _Composer) -> bytes:
    pdf = composer.pdf
    options = composer.options
    pdf.set_title(worksheet_text(options.lang, "heading"))
    pdf.set_creator("spotdiff studio")
    pdf.set_creation_date(_creation_date())
    pdf.set_lang("ja-JP" if options.lang == "ja" else "en")
    for ops in composer.pages:
        pdf.add_page()
        for op in ops:
            if isinstance(op, _Text):
                composer._select(op.family, op.bold, op.size)
                pdf.set_text_color(*op.color)
                pdf.text(op.x, op.y, op.text)
            elif isinstance(op, (_Box, _Circle)):
                style = "".join(("D" if op.stroke else "", "F" if op.fill else ""))
                if op.stroke:
                    pdf.set_draw_color(*op.stroke)
                    pdf.set_line_width(op.line_width)
                if op.fill:
                    pdf.set_fill_color(*op.fill)
                if isinstance(op, _Circle):
                    pdf.circle(op.cx, op.cy, op.r, style=style)
                else:
                    pdf.rect(op.x, op.y, op.w, op.h, style=style, round_corners=op.radius > 0, corner_radius=op.radius)
            elif isinstance(op, _Line):
                pdf.set_draw_color(*op.color)
                pdf.set_line_width(op.width)
                pdf.line(op.x1, op.y1, op.x2, op.y2)
            elif isinstance(op, _Picture):
                pdf.image(io.BytesIO(op.jpeg), x=op.x, y=op.y, w=op.w, h=op.h)
    return bytes(pdf.output())


def _pil_font(font_set: FontSet, bold: bool, size_px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    face: FontFace | None = font_set.bold if bold else font_set.regular
    if face is None:
        return ImageFont.load_default(size=size_px)
    return ImageFont.truetype(str(face.path), size=size_px, index=face.index)


def _draw_ops(ops: Sequence[_Op], size_mm: tuple[float, float], fonts: dict[str, FontSet], dpi: float) -> np.ndarray:
    """Draw one page's operations with Pillow: the same layout as the PDF, without needing poppler."""
    k = dpi / 25.4
    canvas = Image.new("RGB", (round(size_mm[0] * k), round(size_mm[1] * k)), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)

    def px(value: float) -> int:
        return round(value * k)

    for op in ops:
        if isinstance(op, _Text):
            font = _pil_font(fonts[op.family], op.bold, max(1, round(op.size / 72 * dpi)))
            draw.text((op.x * k, op.y * k), op.text, fill=op.color, font=font, anchor="ls")
        elif isinstance(op, _Box):
            box = (px(op.x), px(op.y), px(op.x + op.w), px(op.y + op.h))
            width = max(1, px(op.line_width)) if op.stroke else 0
            draw.rounded_rectangle(box, radius=px(op.radius), fill=op.fill, outline=op.stroke, width=width)
        elif isinstance(op, _Circle):
            box = (px(op.cx - op.r), px(op.cy - op.r), px(op.cx + op.r), px(op.cy + op.r))
            width = max(1, px(op.line_width)) if op.stroke else 0
            draw.ellipse(box, fill=op.fill, outline=op.stroke, width=width)
        elif isinstance(op, _Line):
            draw.line((px(op.x1), px(op.y1), px(op.x2), px(op.y2)), fill=op.color, width=max(1, px(op.width)))
        elif isinstance(op, _Picture):
            size = (max(1, px(op.w)), max(1, px(op.h)))
            with Image.open(io.BytesIO(op.jpeg)) as picture:
                canvas.paste(picture.convert("RGB").resize(size, Image.Resampling.LANCZOS), (px(op.x), px(op.y)))
    return np.asarray(canvas).copy()


def render_pdf_page(pdf: bytes, page: int = 0, *, dpi: float = 60) -> np.ndarray:
    """Rasterise one page of a PDF with poppler's ``pdftoppm``, entirely in memory.

    Parameters
    ----------
    pdf : bytes
        The PDF document.
    page : int
        0-based page index.
    dpi : float
        Resolution of the picture.

    Returns
    -------
    (H, W, 3) uint8 ndarray

    Raises
    ------
    BackendUnavailableError
        pdftoppm is not installed (Debian/Ubuntu package ``poppler-utils``).
    InvalidInputError
        The page does not exist or the PDF cannot be drawn.
    """
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise BackendUnavailableError(
            "Drawing a PDF page needs pdftoppm, which is not installed; install poppler-utils "
            "(`sudo apt-get install poppler-utils`) or use the built-in preview instead."
        )
    if isinstance(page, bool) or not isinstance(page, int) or page < 0:
        raise InvalidInputError(f"The page index must be a whole number from 0, not {page!r}.")
    number = str(page + 1)
    try:
        done = subprocess.run(
            [tool, "-png", "-r", f"{float(dpi):g}", "-f", number, "-l", number, "-singlefile", "-"],
            input=pdf,
            capture_output=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise InvalidInputError(f"pdftoppm could not draw page {page + 1}: {exc}.") from exc
    if done.returncode != 0 or not done.stdout:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InvalidInputError(
            f"pdftoppm could not draw page {page + 1} of the PDF ({reason[-1] if reason else 'no output'})."
        )
    with Image.open(io.BytesIO(done.stdout)) as im:
        return np.asarray(im.convert("RGB")).copy()


# --- The result ---------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Worksheet:
    """A finished worksheet: the PDF bytes and what is on each page.

    Attributes
    ----------
    pdf : bytes
        The PDF document.
    options : WorksheetOptions
    page_kinds : tuple of str
        "cover", "puzzle" or "answers" for each page, in order.
    placements : tuple of ImagePlacement
        Every picture placed, with its print resolution.
    puzzles : tuple of Puzzle
        The puzzles, in pack order.
    titles : tuple of str
        Each puzzle's printed title ("" means the generic heading).
    versions : tuple of str
        Each puzzle's version label ("A", "B", ...; "" for none).
    fonts : str
        Which font files the text uses.
    """

    pdf: bytes = field(repr=False)
    options: WorksheetOptions
    page_kinds: tuple[str, ...]
    placements: tuple[ImagePlacement, ...]
    puzzles: tuple[Puzzle, ...] = field(repr=False)
    titles: tuple[str, ...]
    versions: tuple[str, ...]
    fonts: str
    _pages: tuple[tuple[_Op, ...], ...] = field(repr=False)
    _font_sets: dict[str, FontSet] = field(repr=False)

    @property
    def page_count(self) -> int:
        return len(self.page_kinds)

    def pages_of_kind(self, kind: str) -> list[int]:
        """0-based indices of the pages of one kind ("cover", "puzzle" or "answers")."""
        if kind not in PAGE_KINDS:
            raise InvalidInputError(f"Unknown page kind {kind!r}; choose {', '.join(PAGE_KINDS)}.")
        return [i for i, k in enumerate(self.page_kinds) if k == kind]

    @property
    def min_dpi(self) -> float:
        """The lowest print resolution of any embedded picture in the document (at least ``MIN_PRINT_DPI``)."""
        return min(p.dpi for p in self.placements)

    @property
    def min_source_dpi(self) -> float:
        """The lowest print resolution of any puzzle's own pixels (at least ``MIN_SOURCE_DPI``)."""
        return min(p.source_dpi for p in self.placements)

    def width_share(self, placement: ImagePlacement) -> float:
        """A placed picture's printed width as a share (0 to 1) of the page's printable width."""
        return placement.width_mm / (self.options.page_size_mm[0] - 2 * PAGE_MARGIN_MM)

    def weak_in_gray(self) -> list[tuple[int, list[int]]]:
        """Differences that may be hard to see when printed in gray: (puzzle number, difference ids).

        A difference counts as weak when its mean lightness change is below
        ``limits.MIN_PRINT_SAFE_DELTA_L`` (what print-safe puzzles guarantee).
        """
        weak = []
        for number, puzzle in enumerate(self.puzzles, start=1):
            ids = [d.id for d in puzzle.differences if d.lightness_contrast < limits.MIN_PRINT_SAFE_DELTA_L]
            if ids:
                weak.append((number, ids))
        return weak

    def render_page(self, page: int = 0, *, dpi: float = 60, renderer: str = "auto") -> np.ndarray:
        """A picture of one page, for previews.

        Parameters
        ----------
        page : int
            0-based page index.
        dpi : float
            Resolution, 20 to 300.
        renderer : {"auto", "pdftoppm", "pillow"}
            "pdftoppm" draws the real PDF (poppler); "pillow" draws the same layout without it;
            "auto" uses pdftoppm when installed.

        Returns
        -------
        (H, W, 3) uint8 ndarray
        """
        if isinstance(page, bool) or not isinstance(page, int) or not 0 <= page < self.page_count:
            raise InvalidInputError(f"There is no page {page!r}; this worksheet has pages 0 to {self.page_count - 1}.")
        if not 20 <= dpi <= 300:
            raise InvalidInputError(f"The preview resolution must be from 20 to 300 dpi, not {dpi!r}.")
        if renderer not in ("auto", "pdftoppm", "pillow"):
            raise InvalidInputError(f"Unknown renderer {renderer!r}; choose auto, pdftoppm or pillow.")
        if renderer == "pdftoppm" or (renderer == "auto" and shutil.which("pdftoppm")):
            return render_pdf_page(self.pdf, page, dpi=dpi)
        return _draw_ops(self._pages[page], self.options.page_size_mm, self._font_sets, dpi)


# --- Building ------------------------------------------------------------------------------------
def _fonts_for(options: WorksheetOptions, texts: Sequence[str]) -> dict[str, FontSet]:
    """The fonts that can draw the fixed words of the page; titles use a CJK font if one is needed and found."""
    fixed = "".join(TEXTS[options.lang].values()) + "0123456789…·–"
    if options.lang == "ja":
        return {"main": find_cjk_fonts(re.sub(r"\{[a-z_]+\}", "", fixed))}
    main = find_latin_fonts()
    fonts = {"main": main}
    extra = "".join(texts)
    if not main.covers(extra):
        # Without one, such characters print as "?" rather than as empty boxes.
        with contextlib.suppress(BackendUnavailableError):
            fonts["cjk"] = find_cjk_fonts("".join(c for c in extra if not main.covers(c)))
    return fonts


def build_worksheet(
    puzzles: Sequence[Puzzle],
    *,
    options: WorksheetOptions | None = None,
    titles: Sequence[str | None] | None = None,
    versions: Sequence[str | None] | None = None,
    progress: ProgressCallback | None = None,
) -> Worksheet:
    """Lay out and write a worksheet PDF for one puzzle or a pack of them.

    A single puzzle gives its puzzle page (and answer key); several give a numbered pack with a
    cover page listing the puzzles and their difficulty.

    Parameters
    ----------
    puzzles : sequence of Puzzle
        1 to ``limits.MAX_PACK_PUZZLES`` puzzles, printed in this order.
    options : WorksheetOptions, optional
        Paper, orientation, answer keys, grayscale and language (default: A4 portrait in English,
        answers at the end).
    titles : sequence of str or None, optional
        One title per puzzle (None or "" prints the generic heading).
    versions : sequence of str or None, optional
        One version label per puzzle ("A", "B", ...), printed on its page and its answer key as
        "Version A"; None or "" prints none.
    progress : callable(stage, done, total), optional
        Called after each page is laid out (its pictures encoded), with stage "pages".

    Returns
    -------
    Worksheet

    Raises
    ------
    InvalidInputError
        No puzzles, too many, or titles that do not match them.
    BackendUnavailableError
        A Japanese worksheet and no CJK font is installed.
    """
    options = options if options is not None else WorksheetOptions()
    if not isinstance(options, WorksheetOptions):
        raise InvalidInputError(f"options must be a WorksheetOptions, not {type(options).__name__}.")
    puzzles = tuple(puzzles)
    if not puzzles:
        raise InvalidInputError("A worksheet needs at least one puzzle.")
    if len(puzzles) > limits.MAX_PACK_PUZZLES:
        raise InvalidInputError(
            f"A pack holds at most {limits.MAX_PACK_PUZZLES} puzzles (MAX_PACK_PUZZLES), not {len(puzzles)}; "
            "split it into several packs."
        )
    for i, puzzle in enumerate(puzzles, start=1):
        if not isinstance(puzzle, Puzzle):
            raise InvalidInputError(f"Pack item {i} is a {type(puzzle).__name__}, not a Puzzle.")
    if titles is None:
        titles = [""] * len(puzzles)
    titles = tuple(_clean_title(t) for t in titles)
    if len(titles) != len(puzzles):
        raise InvalidInputError(f"Give one title per puzzle: {len(titles)} titles for {len(puzzles)} puzzles.")
    versions = tuple(_clean_title(v, 12) for v in (versions if versions is not None else [""] * len(puzzles)))
    if len(versions) != len(puzzles):
        raise InvalidInputError(
            f"Give one version label per puzzle: {len(versions)} labels for {len(puzzles)} puzzles."
        )

    fonts = _fonts_for(options, [*titles, *versions, options.class_line, options.instructions])
    composer = _Composer(puzzles, titles, options, fonts, versions)
    plan = _plan(len(puzzles), options.answers)
    total = len(plan)
    for number, (kind, indices) in enumerate(plan, start=1):
        if kind == "cover":
            ops = composer.cover_page(plan, total)
        elif kind == "puzzle":
            ops = composer.puzzle_page(indices[0], number, total)
        else:
            ops = composer.answer_page(indices, number, total)
        composer.pages.append(ops)
        composer.page_kinds.append(kind)
        # Laying a page out encodes its pictures, the slow part: progress moves page by page.
        if progress is not None:
            progress("pages", number, total)
    pdf = _write_pdf(composer)
    return Worksheet(
        pdf=pdf,
        options=options,
        page_kinds=tuple(composer.page_kinds),
        placements=tuple(composer.placements),
        puzzles=puzzles,
        titles=titles,
        versions=versions,
        fonts=", ".join(f.description for f in fonts.values()),
        _pages=tuple(tuple(ops) for ops in composer.pages),
        _font_sets=fonts,
    )


def make_worksheet(
    puzzles: Sequence[Puzzle],
    *,
    options: WorksheetOptions | None = None,
    titles: Sequence[str | None] | None = None,
    progress: ProgressCallback | None = None,
) -> bytes:
    """The PDF bytes of a worksheet; see :func:`build_worksheet`."""
    return build_worksheet(puzzles, options=options, titles=titles, progress=progress).pdf


# --- Packs from files ------------------------------------------------------------------------------
PackInput = Puzzle | str | os.PathLike | tuple[str, bytes]
"""A pack item: a Puzzle, a path (picture, puzzle folder or .zip), or (file name, file bytes)."""

_ZIP_MAGIC = b"PK\x03\x04"


def _input_name(item: PackInput) -> str:
    if isinstance(item, Puzzle):
        return "puzzle"
    if isinstance(item, tuple):
        return str(item[0])
    return str(item)


# Names cameras and phones give pictures: no title at all reads better than "IMG 2041".
_CAMERA_NAME = re.compile(r"(img|dsc|dscn|dscf|pxl|mvimg|photo|image|screenshot|scan|wp|p)?[\d_ -]*", re.IGNORECASE)


def title_from_name(name: str) -> str:
    """A printable title from a file name: ``"red_bus-2.jpg"`` -> ``"Red bus 2"``, ``"IMG_2041.JPG"`` -> ``""``
    (a camera's numbered name prints the generic heading instead)."""
    stem = Path(str(name).replace("\\", "/").rstrip("/")).name
    if "." in stem and not Path(stem).suffix[1:].isdigit():
        stem = Path(stem).stem
    if _CAMERA_NAME.fullmatch(stem) and any(c.isdigit() for c in stem):
        return ""
    text = _clean_title(stem.replace("_", " ").replace("-", " "))
    return text[:1].upper() + text[1:]


def _looks_like_bundle(name: str, data: bytes | None, path: Path | None) -> bool:
    if path is not None and path.is_dir():
        return True
    if name.lower().endswith(".zip"):
        return True
    if data is not None:
        return data[:4] == _ZIP_MAGIC
    if path is not None:
        with path.open("rb") as fh:
            return fh.read(4) == _ZIP_MAGIC
    return False


def is_saved_puzzle(item: PackInput) -> bool:
    """Whether a pack item is used as it is (a Puzzle, a puzzle folder or .zip) rather than made from a picture."""
    if isinstance(item, tuple):
        return (
            len(item) == 2
            and isinstance(item[1], (bytes, bytearray, memoryview))
            and _looks_like_bundle(str(item[0]), bytes(item[1][:4]), None)
        )
    if isinstance(item, (str, os.PathLike)):
        path = Path(item)
        return path.exists() and _looks_like_bundle(str(item), None, path)
    return True


@dataclass(frozen=True, eq=False)
class _Entry:
    """One pack item, read: a saved puzzle (used as version A) or a picture to make puzzles from."""

    name: str
    title: str
    puzzle: Puzzle | None
    source: Any = field(repr=False)


def _read_item(item: PackInput) -> _Entry:
    """One pack item as a saved puzzle or a picture source, with its default title (pictures are not read yet)."""
    from .bundle import load_puzzle

    if isinstance(item, Puzzle):
        return _Entry("puzzle", "", item, None)
    if isinstance(item, tuple):
        if len(item) != 2 or not isinstance(item[1], (bytes, bytearray, memoryview)):
            raise InvalidInputError("A pack item given as a pair must be (file name, file bytes).")
        name, data = str(item[0]), bytes(item[1])
        path = None
        source: Any = data
    elif isinstance(item, (str, os.PathLike)):
        path = Path(item)
        name, data, source = str(item), None, path
        if not path.exists():
            raise InvalidInputError(f"There is no file or folder {name!r}.")
    else:
        raise InvalidInputError(
            f"Cannot use a {type(item).__name__} as a pack item; give a Puzzle, a path or (name, bytes)."
        )
    title = title_from_name(name)
    if _looks_like_bundle(name, data, path):
        return _Entry(name, title, load_puzzle(source), None)
    return _Entry(name, title, None, source)


def _settings_of(puzzle: Puzzle) -> dict[str, Any]:
    """The generation settings a saved puzzle was made with (defaults for any that make no sense)."""
    from .generator import make_settings

    stored = puzzle.settings
    try:
        settings = make_settings(
            n_differences=len(puzzle),
            difficulty=stored.get("difficulty", "normal"),
            kinds=stored.get("kinds"),
            print_safe=stored.get("print_safe", False) is True,
            max_side=max(limits.MIN_MAX_SIDE, min(limits.MAX_MAX_SIDE, max(puzzle.shape))),
            fill_weak=stored.get("fill_weak", False) is True,
        )
    except (SpotDiffError, TypeError):
        settings = make_settings(n_differences=len(puzzle), max_side=limits.DEFAULT_MAX_SIDE)
    return _generate_kwargs(settings)


def _generate_kwargs(settings) -> dict[str, Any]:
    return {
        "n_differences": settings.n_differences,
        "difficulty": settings.difficulty,
        "kinds": settings.kinds,
        "print_safe": settings.print_safe,
        "max_side": settings.max_side,
        "fill_weak": settings.fill_weak,
    }


def _named_error(exc: BaseException, position: int, total: int, name: str) -> SpotDiffError:
    if isinstance(exc, OSError) and not isinstance(exc, SpotDiffError):
        return InvalidInputError(f"pack item {position} of {total} ({name}): cannot be read ({exc.strerror or exc}).")
    message = f"pack item {position} of {total} ({name}): {exc}"
    try:
        named = type(exc)(message)
    except Exception:  # a subclass with another constructor
        return InvalidInputError(message)
    if not isinstance(named, SpotDiffError):
        return InvalidInputError(message)
    if hasattr(exc, "held"):
        named.held = exc.held  # type: ignore[attr-defined]
    return named


def build_pack(
    inputs: Sequence[PackInput],
    *,
    options: WorksheetOptions | None = None,
    titles: Sequence[str | None] | None = None,
    n_differences: int = limits.DEFAULT_DIFFERENCES,
    difficulty: str = "normal",
    seed: int | None = None,
    kinds: Sequence[str] | str | None = None,
    print_safe: bool = False,
    max_side: int = limits.DEFAULT_MAX_SIDE,
    fill_weak: bool = False,
    versions: int = 1,
    segmenter: str = "auto",
    inpainter: str = "auto",
    pipeline: Pipeline | None = None,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
) -> Worksheet:
    """Make a worksheet from pictures and saved puzzles: pictures become new puzzles, saved ones are used as is.

    Parameters
    ----------
    inputs : sequence of Puzzle, path or (name, bytes)
        1 to ``limits.MAX_PACK_PUZZLES`` items (times ``versions``). A path is a picture file, a puzzle folder
        or a puzzle ``.zip``; bytes are a picture file or a puzzle ``.zip`` (told apart by content).
    options : WorksheetOptions, optional
    titles : sequence of str or None, optional
        Printed titles, one per item (default: from the file names); every version of an item shares it.
    n_differences, difficulty, kinds, print_safe, max_side, fill_weak, segmenter, inpainter
        How to make puzzles from pictures (see :func:`spotdiff_core.generate_puzzle`).
    versions : int
        Class versions per item, 1 to 26: "A", "B", ... each with its own differences (its own seed), the
        same count and difficulty, labelled on its page and its answer key. A saved puzzle is version A;
        the other versions are made from its original picture with its own settings.
    pipeline : Pipeline, optional
        A ready pipeline to make puzzles with in this process (an app's cached one); worker processes build
        their own with the same backends.
    jobs : int, optional
        Worker processes making puzzles (default: every core; 1 makes them one after another here). The
        PDF is the same byte for byte whatever the number.
    seed : int, optional
        Item ``i`` (0-based), version ``v`` is made with seed ``seed + i * versions + v``, so a pack can be
        made again exactly. Without a seed, versions of a saved puzzle use its seed + ``v``.
    progress : callable(stage, done, total), optional
        Called with ("puzzles", done, total) at once and as each puzzle is made or loaded, then ("pages", ...).

    Returns
    -------
    Worksheet

    Raises
    ------
    SpotDiffError
        Of the kind the bad item raised, with a message that starts by naming it:
        ``"pack item 3 of 5 (cat.jpg): ..."``. Nothing is written.
    """
    from .batch import PuzzleJob, check_jobs, check_versions, iter_puzzles, version_label
    from .generator import _validate_seed, make_settings

    options = options if options is not None else WorksheetOptions()
    inputs = list(inputs)
    versions = check_versions(versions)
    workers = check_jobs(jobs)
    if not inputs:
        raise InvalidInputError("A worksheet needs at least one picture or saved puzzle.")
    if len(inputs) * versions > limits.MAX_PACK_PUZZLES:
        made = f"{len(inputs)} items x {versions} versions = {len(inputs) * versions}" if versions > 1 else len(inputs)
        raise InvalidInputError(
            f"A pack holds at most {limits.MAX_PACK_PUZZLES} puzzles (MAX_PACK_PUZZLES), not {made}; "
            "split it into several packs."
        )
    if titles is not None and len(titles) != len(inputs):
        raise InvalidInputError(f"Give one title per pack item: {len(titles)} titles for {len(inputs)} items.")
    generate = _generate_kwargs(
        make_settings(
            n_differences=n_differences,
            difficulty=difficulty,
            kinds=kinds,
            print_safe=print_safe,
            max_side=max_side,
            fill_weak=fill_weak,
        )
    )
    if seed is not None:
        seed = _validate_seed(seed)
    if options.lang == "ja":
        _fonts_for(options, [])  # no font: say so before minutes of puzzle making
    n_items = len(inputs)
    # Missing paths are reported before any work, so a typo in the last item costs nothing.
    for position, item in enumerate(inputs, start=1):
        if isinstance(item, (str, os.PathLike)) and not Path(item).exists():
            raise InvalidInputError(f"pack item {position} of {n_items} ({item}): there is no such file or folder.")
    entries: list[_Entry] = []
    for position, item in enumerate(inputs, start=1):
        try:
            entries.append(_read_item(item))
        except (SpotDiffError, OSError) as exc:
            raise _named_error(exc, position, n_items, _input_name(item)) from exc

    # Every puzzle of the pack in order: a saved one as it is, or a job that makes it.
    total = n_items * versions
    slots: list[Puzzle | int] = []
    job_list: list[PuzzleJob] = []
    where: list[tuple[int, str]] = []  # per job: its item's position and name (with the version)
    for position, entry in enumerate(entries, start=1):
        for v in range(versions):
            item_seed = None if seed is None else (seed + (position - 1) * versions + v) % 2**63
            name = entry.name if versions == 1 else f"{entry.name}, version {version_label(v)}"
            if entry.puzzle is not None and v == 0:
                slots.append(entry.puzzle)
                continue
            if entry.puzzle is not None:
                if item_seed is None:
                    item_seed = (entry.puzzle.seed + v) % 2**63
                job = PuzzleJob(name, entry.puzzle.original, item_seed, _settings_of(entry.puzzle))
            else:
                job = PuzzleJob(name, entry.source, item_seed, generate)
            slots.append(len(job_list))
            job_list.append(job)
            where.append((position, name))
    done = total - len(job_list)
    if progress is not None:
        progress("puzzles", done, total)  # at once: the bar moves from the first second
    made: dict[int, Puzzle] = {}
    running = iter_puzzles(job_list, workers=workers, segmenter=segmenter, inpainter=inpainter, pipeline=pipeline)
    with contextlib.closing(running):
        for index, result in running:
            if isinstance(result, BaseException):
                position, name = where[index]
                raise _named_error(result, position, n_items, name) from result
            made[index] = result
            done += 1
            if progress is not None:
                progress("puzzles", done, total)
    puzzles = [slot if isinstance(slot, Puzzle) else made[slot] for slot in slots]
    item_titles = list(titles) if titles is not None else [e.title for e in entries]
    return build_worksheet(
        puzzles,
        options=options,
        titles=[t for t in item_titles for _ in range(versions)],
        versions=[version_label(v) if versions > 1 else "" for _ in entries for v in range(versions)],
        progress=progress,
    )
