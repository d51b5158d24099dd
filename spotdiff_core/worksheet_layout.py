"""Worksheet layout: options, the page's measures and colours, and the composer that turns puzzles into pages of
drawing operations (text, boxes, circles, lines, pictures) in millimetres from the top-left corner."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from . import limits
from .errors import InvalidInputError
from .fonts import FontSet
from .puzzle import Puzzle
from .worksheet_words import LANGUAGES, TEXTS, instruction_text, worksheet_text

# --- What a printed page promises -------------------------------------------------
MIN_PRINT_DPI = limits.MIN_PRINT_DPI
PAGE_MARGIN_MM = limits.PAGE_MARGIN_MM
PAPER_SIZES_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}  # portrait width, height
ORIENTATIONS = ("portrait", "landscape")
ANSWER_PLACEMENTS = ("after", "end", "none")
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

# A landscape puzzle on portrait paper should print at least this share of the printable width (issue 12). The
# regular page's heading (title band, class and name line, instruction and tick boxes, teacher's instructions)
# takes about 40 mm of height, which leaves a 4:3 picture on Letter at 76 % of the width. Below this share the
# compact page is used: a one-line heading, and everything else in a column beside the pictures.
TARGET_WIDTH_SHARE = 0.85
_TICK_BOX, _TICK_GAP = 6.0, 2.2  # mm: one tick box per difference, big enough for a child's tick
_COMPACT_HEAD_H = 8.0  # the compact heading row: title band and name/date line
_COMPACT_HEAD_SPACE = 1.5  # between that row and picture A
_COMPACT_PAIR_GAP = 1.8  # between pictures A and B
_COMPACT_COLUMN_W = 3 * _TICK_BOX + 2 * _TICK_GAP + 1.6  # narrowest side column: three tick boxes in a row
_COMPACT_COLUMN_GAP = 2.5  # between the column and the pictures
_NAME_DATE_W = (90.0, 70.0)  # mm for "Name ___ Date ___" in the compact heading: wanted, least

ProgressCallback = Callable[[str, float, int], None]
"""``progress(stage, done, total)``; stage is "puzzles" (made or loaded), "working" (``done`` a float: puzzles
made plus the shares of those under way) or "pages" (laid out)."""


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


class _Typesetter:
    """Words on the page: the fonts, measuring and fitting text with fpdf2, and placing it as operations."""

    def __init__(self, options: WorksheetOptions, fonts: dict[str, FontSet]):
        from fpdf import FPDF

        self.options = options
        self.lang = options.lang
        self.fonts = fonts
        self.palette = _GRAY if options.grayscale else _COLOUR
        # The document the PDF writer fills later; here it measures text in the fonts it will be drawn with.
        self.pdf = FPDF(orientation="L" if options.orientation == "landscape" else "P", unit="mm", format=options.paper)
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(0, 0, 0)
        self.pdf.c_margin = 0
        for family, font_set in fonts.items():
            if font_set.builtin:
                continue
            self.pdf.add_font(family, "", str(font_set.regular.path), collection_font_number=font_set.regular.index)
            self.pdf.add_font(family, "B", str(font_set.bold.path), collection_font_number=font_set.bold.index)

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

    def wrap(self, text: str, size: float, max_width: float, max_lines: int = 2, *, bold: bool = False) -> list[str]:
        """``text`` broken into lines no wider than ``max_width`` mm (at word breaks, or anywhere for CJK); past
        ``max_lines`` the last line ends with an ellipsis."""
        lines: list[str] = []
        rest = text
        while rest and len(lines) < max_lines:
            if self.width(rest, size, bold=bold) <= max_width:
                lines.append(rest)
                rest = ""
                break
            cut = len(rest)
            while cut > 1 and self.width(rest[:cut], size, bold=bold) > max_width:
                cut -= 1
            space = rest.rfind(" ", 0, cut + 1)
            if space > 0:
                cut = space
            lines.append(rest[:cut].rstrip())
            rest = rest[cut:].lstrip()
        if rest and lines:
            lines[-1] = self.fit(lines[-1] + " " + rest, size, max_width, bold=bold)
        return lines


class _Composer(_Typesetter):
    """Lays out every page of one document as drawing operations: pictures, header, lines, the three kinds of page."""

    def __init__(
        self,
        puzzles: Sequence[Puzzle],
        titles: Sequence[str],
        options: WorksheetOptions,
        fonts: dict[str, FontSet],
        versions: Sequence[str] | None = None,
    ):
        super().__init__(options, fonts)
        self.puzzles = puzzles
        self.titles = titles
        self.versions = tuple(versions) if versions is not None else ("",) * len(puzzles)
        self.page_w, self.page_h = options.page_size_mm
        self.margin = PAGE_MARGIN_MM
        self.content_w = self.page_w - 2 * self.margin
        self.pages: list[list[_Op]] = []
        self.page_kinds: list[str] = []
        self.placements: list[ImagePlacement] = []
        self.puzzle_layouts: dict[int, str] = {}  # puzzle index -> "regular" or "compact"
        self._pictures: dict[tuple[int, str, tuple[int, int]], bytes] = {}

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
        """[class line]  Name ______  Date ____ ; returns the y below it. A class line wider than 40 % of the
        line gets its own lines above, in full."""
        size, baseline = 10.5, y + 5.5
        x0, x1 = self.margin, self.margin + self.content_w
        if class_line and self.width(class_line, size, bold=True) > self.content_w * 0.4:
            for line in self.wrap(class_line, size, self.content_w, max_lines=4, bold=True):
                self.text(ops, x0, baseline, line, size, bold=True)
                baseline += 4.8
            baseline += 1.0
        elif class_line:
            x0 += self.text(ops, x0, baseline, class_line, size, bold=True) + 6
        self.name_date_fields(ops, x0, x1, baseline, size)
        return baseline + 2.5

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
        """One puzzle page: the regular layout, or the compact one (see ``compact_puzzle_page``) when the
        regular heading holds a landscape picture below ``TARGET_WIDTH_SHARE`` of the printable width and the
        compact page prints it larger."""
        ops: list[_Op] = []
        y = self.regular_heading(ops, index)
        bottom = self.page_h - self.margin - 4.5
        arrangement, scale = self.pair_arrangement(index, y, bottom)
        if self.compact_helps(index, scale):
            compact = self.compact_puzzle_page(index, page_number, total)
            if compact is not None:
                self.puzzle_layouts[index] = "compact"
                return compact
        self.puzzle_layouts[index] = "regular"
        self.place_pair(ops, index, y, bottom, arrangement, scale)
        self.footer(ops, page_number, total, self.t("seed", seed=self.puzzles[index].seed))
        return ops

    def regular_heading(self, ops: list[_Op], index: int) -> float:
        """Title band, class and name line, the instruction with its tick boxes, the teacher's instructions;
        returns the y below them."""
        puzzle = self.puzzles[index]
        badge = self.difficulty_label(puzzle)
        if len(self.puzzles) > 1:
            badge = f"{self.t('badge', number=index + 1)}  ·  {badge}"
        y = self.header_band(ops, self.page_title(index), badge, tag=self.version_tag(index))
        y = self.name_date_line(ops, y + 1.0, class_line=self.options.class_line)

        # The instruction, with one tick box per difference on the same line when they fit.
        size = 13.0
        baseline = y + 7.0
        x = self.margin + self.magnifier(ops, self.margin, baseline)
        instruction_w = self.text(ops, x, baseline, instruction_text(self.lang, len(puzzle)), size, bold=True)
        box, gap = _TICK_BOX, _TICK_GAP
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
            for line in self.wrap(self.options.instructions, 10.5, self.content_w - 8.5, max_lines=6):
                y += 4.6
                self.text(ops, self.margin + 8.5, y, line, 10.5)
            y += 1.8
        return y

    def pair_arrangement(self, index: int, top: float, bottom: float) -> tuple[str, float]:
        """How the regular page places the two pictures between ``top`` and ``bottom`` (mm): the arrangement
        and its scale (mm per working pixel).

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
        return arrangement, {"stacked": stacked, "beside": beside, "side_by_side": side_by_side}[arrangement]

    def place_pair(self, ops: list[_Op], index: int, top: float, bottom: float, arrangement: str, scale: float) -> None:
        """The two pictures between ``top`` and ``bottom`` (mm) in the arrangement ``pair_arrangement`` chose."""
        h_px, w_px = self.puzzles[index].shape
        area_h, label_h, gap, gutter = bottom - top, 6.0, 2.0, 14.0
        cw = self.content_w
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

    # --- the compact puzzle page ----------------------------------------------------------------------
    def compact_scale(self, index: int) -> float:
        """mm per working pixel of both pictures on the compact page: stacked from below the heading row down
        to the bottom margin, leaving at least ``_COMPACT_COLUMN_W`` of width for the side column."""
        h_px, w_px = self.puzzles[index].shape
        top = self.margin + _COMPACT_HEAD_H + _COMPACT_HEAD_SPACE
        bottom = self.page_h - self.margin
        by_width = (self.content_w - _COMPACT_COLUMN_W - _COMPACT_COLUMN_GAP) / w_px
        by_height = (bottom - top - _COMPACT_PAIR_GAP) / (2 * h_px)
        return min(by_width, by_height, _MAX_MM_PER_PIXEL)

    def compact_helps(self, index: int, regular_scale: float) -> bool:
        """Whether puzzle ``index`` should get the compact page: a landscape picture on portrait paper that the
        regular page prints below ``TARGET_WIDTH_SHARE`` of the printable width, and the compact page larger."""
        h_px, w_px = self.puzzles[index].shape
        if self.options.orientation != "portrait" or w_px <= h_px:
            return False
        if w_px * regular_scale >= TARGET_WIDTH_SHARE * self.content_w:
            return False
        return self.compact_scale(index) > regular_scale * 1.001

    def compact_puzzle_page(self, index: int, page_number: int, total: int) -> list[_Op] | None:
        """The puzzle page with a one-line heading, for a landscape picture the regular heading leaves too small.

        The heading row holds the title (with the version tag) on the left and "Name ___ Date ___" on the
        right. The pictures, stacked A above B at one scale, take the rest of the height and all of the width
        but a column on their left. Beside A: its badge, the instruction, the tick boxes, then the teacher's
        instructions (continued beside B when long). Beside B: its badge; at B's foot (or the page's, when a
        flat picture leaves height the instructions need) the class line, the puzzle number and difficulty,
        and the footer (maker, seed, page). Nothing is cut: returns None when the teacher's words do not all
        fit in that column, and the regular page is used then.
        """
        puzzle = self.puzzles[index]
        palette = self.palette
        h_px, w_px = puzzle.shape
        scale = self.compact_scale(index)
        pic_w, pic_h = w_px * scale, h_px * scale
        top = self.margin + _COMPACT_HEAD_H + _COMPACT_HEAD_SPACE
        y_a = top  # right under the heading row: the column's footer sits at B's foot, whatever is spare
        y_b = y_a + pic_h + _COMPACT_PAIR_GAP
        pic_x = self.margin + self.content_w - pic_w
        col_x, col_w = self.margin, pic_x - _COMPACT_COLUMN_GAP - self.margin

        ops: list[_Op] = []
        self.compact_heading(ops, index)

        # Beside A: badge, instruction, tick boxes.
        y = self.column_badge(ops, col_x, y_a, "A", self.t("original_short"), col_w)
        for line in self.wrap(instruction_text(self.lang, len(puzzle)), 9.5, col_w, max_lines=4, bold=True):
            y += 4.2
            self.text(ops, col_x, y, line, 9.5, bold=True)
        y += 4.6
        self.text(ops, col_x, y, self.fit(self.t("found"), 8.5, col_w), 8.5, color=palette.muted)
        y += 1.8
        box, gap = _TICK_BOX, _TICK_GAP
        per_row = max(1, int((col_w + gap) // (box + gap)))
        for i in range(len(puzzle)):
            row, col = divmod(i, per_row)
            ops.append(_Box(col_x + col * (box + gap), y + row * (box + gap), box, box, palette.ink, None, 0.35, 0.8))
        y += math.ceil(len(puzzle) / per_row) * (box + gap) + 1.0
        if y > y_a + pic_h:
            return None

        # Beside B: badge on top; class line, puzzle and difficulty, footer at the bottom (bottom up).
        y_b_free = self.column_badge(ops, col_x, y_b, "B", self.t("modified_short"), col_w)
        rows: list[tuple[str, float, bool, RGB, float]] = []  # text, size, bold, colour, leading (top down)
        if self.options.class_line:
            size, leading = 8.5, 3.7
            lines = self.wrap(self.options.class_line, size, col_w, max_lines=1000, bold=True)
            if len(lines) > 3:  # a long class line leaves room for the instructions in a smaller size
                size, leading = 7.5, 3.3
                lines = self.wrap(self.options.class_line, size, col_w, max_lines=1000, bold=True)
            rows.extend((line, size, True, palette.ink, leading) for line in lines)
            rows.append(("", 0.0, False, palette.ink, 1.5))
        if len(self.puzzles) > 1:
            rows.append((self.fit(self.t("badge", number=index + 1), 8, col_w), 8.0, False, palette.muted, 3.4))
        rows.append((self.fit(self.difficulty_label(puzzle), 8, col_w), 8.0, False, palette.muted, 3.4))
        rows.append(("", 0.0, False, palette.ink, 2.0))
        for key, values in (
            ("footer", {}),
            ("seed", {"seed": puzzle.seed}),
            ("page", {"page": page_number, "total": total}),
        ):
            rows.append((self.fit(self.t(key, **values), 6.5, col_w), 6.5, False, palette.muted, 2.9))
        # The group stands at B's foot; when the teacher's instructions need more room (a flat picture leaves
        # height spare), at the foot of the page.
        group_h = sum(r[4] for r in rows) + 0.6
        for foot in (y_b + pic_h, self.page_h - self.margin):
            group_top = foot - group_h
            # The teacher's instructions, in full, in what is left of the column.
            spaces = [(y + 1.5, y_a + pic_h), (y_b_free, group_top - 2.0)]
            words: list[_Op] = []
            if group_top >= y_b_free and self.flow_text(words, self.options.instructions, col_x, col_w, spaces):
                break
        else:
            return None
        ops.extend(words)
        baseline = group_top
        for text, size, bold, color, leading in rows:
            baseline += leading
            if text:
                self.text(ops, col_x, baseline, text, size, bold=bold, color=color)

        self.picture(ops, index, "original", pic_x, y_a, scale)
        self.picture(ops, index, "modified", pic_x, y_b, scale)
        return ops

    def compact_heading(self, ops: list[_Op], index: int) -> None:
        """One row: the title (and version tag) in a tinted band on the left, "Name ___ Date ___" on the right."""
        palette = self.palette
        x0, y, h = self.margin, self.margin, _COMPACT_HEAD_H
        x1 = x0 + self.content_w
        tag = self.version_tag(index)
        tag_size = 9.5
        tag_w = self.width(tag, tag_size, bold=True) + 5.0 if tag else 0.0
        fixed = 4.0 + 4.0 + (tag_w + 1.5 if tag else 0.0) + 5.0  # band padding, tag, gap to the name line
        title = self.page_title(index)
        # The largest size from 13 pt down to 10 pt at which the title fits beside a full name line; a longer
        # title may shorten the name line to its least, and is ellipsised only past that.
        for size in (13.0, 12.0, 11.0, 10.0):
            if self.width(title, size, bold=True) <= self.content_w - _NAME_DATE_W[0] - fixed:
                break
        title = self.fit(title, size, self.content_w - _NAME_DATE_W[1] - fixed, bold=True)
        band_w = 4.0 + self.width(title, size, bold=True) + 4.0 + (tag_w + 1.5 if tag else 0.0)
        ops.append(_Box(x0, y, band_w, h, None, palette.tint, radius=2.5))
        baseline = y + h / 2 + size * 0.353 * 0.36
        self.text(ops, x0 + 4.0, baseline, title, size, bold=True, color=palette.accent)
        if tag:
            tag_x = x0 + band_w - 1.5 - tag_w
            ops.append(_Box(tag_x, y + 1.4, tag_w, h - 2.8, None, palette.accent, radius=1.8))
            tag_base = y + h / 2 + tag_size * 0.353 * 0.36
            self.text(ops, tag_x + tag_w / 2, tag_base, tag, tag_size, bold=True, color=palette.white, align="center")
        self.name_date_fields(ops, x0 + band_w + 5.0, x1, y + h / 2 + 10 * 0.353 * 0.36 + 0.4, 10.0)

    def name_date_fields(self, ops: list[_Op], x0: float, x1: float, baseline: float, size: float) -> None:
        """The fields "Name ______  Date ____" between ``x0`` and ``x1`` (mm), written on lines under ``baseline``."""
        split = x0 + (x1 - x0) * 0.64
        w = self.text(ops, x0, baseline, self.t("name"), size, color=self.palette.muted)
        ops.append(_Line(x0 + w + 2, baseline + 0.8, split - 6, baseline + 0.8, self.palette.rule, 0.3))
        w = self.text(ops, split, baseline, self.t("date"), size, color=self.palette.muted)
        ops.append(_Line(split + w + 2, baseline + 0.8, x1, baseline + 0.8, self.palette.rule, 0.3))

    def column_badge(self, ops: list[_Op], x: float, y: float, letter: str, label: str, w: float) -> float:
        """A picture's letter in a circle with its short name beside it, at the top of the side column;
        returns the y below it."""
        r = 3.4
        self.badge_circle(ops, x + r, y + r, r, letter, 11, self.palette.accent)
        size = 8.0
        label = self.fit(label, size, w - 2 * r - 1.8, bold=True)
        self.text(ops, x + 2 * r + 1.8, y + r + size * 0.353 * 0.36, label, size, bold=True)
        return y + 2 * r + 2.0

    def flow_text(self, ops: list[_Op], text: str, x: float, w: float, spaces: Sequence[tuple[float, float]]) -> bool:
        """``text`` wrapped to ``w`` mm and poured into ``spaces`` ((top, bottom) mm, in order), at 8 pt or, if
        that does not fit, 7 pt; returns False, drawing nothing, when it does not fit even so."""
        if not text:
            return True
        for size, leading in ((8.0, 3.5), (7.0, 3.1)):
            lines = self.wrap(text, size, w, max_lines=1000)
            capacity = [max(0, int((b - t) // leading)) for t, b in spaces]
            if len(lines) > sum(capacity):
                continue
            for (space_top, _), room in zip(spaces, capacity, strict=True):
                for k, line in enumerate(lines[:room]):
                    self.text(ops, x, space_top + (k + 1) * leading - 0.6, line, size)
                lines = lines[room:]
            return True
        return False

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
