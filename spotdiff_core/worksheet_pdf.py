"""Worksheet output: the PDF written from the composer's drawing operations, and page pictures for previews
(Pillow drawing the same operations, or poppler rendering the real PDF)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .errors import BackendUnavailableError, InvalidInputError
from .fonts import FontFace, FontSet
from .worksheet_layout import _Box, _Circle, _Composer, _Line, _Op, _Picture, _Text
from .worksheet_words import worksheet_text


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
