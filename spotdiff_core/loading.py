"""Loading pictures users actually upload, safely, straight to the working size."""

from __future__ import annotations

import io
import os
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from . import limits
from .errors import ImageUnsuitableError, InvalidInputError

ImageSource = str | os.PathLike | bytes | bytearray | memoryview | BinaryIO

SUPPORTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO")


# warnings.catch_warnings is not thread-safe before Python 3.14: two overlapping uses (two sessions
# loading at once) can leave the process's warning filters changed for good. Every use here takes this lock.
WARNINGS_LOCK = threading.RLock()


@contextmanager
def quiet_pillow_warnings() -> Iterator[None]:
    """Hide Pillow's warnings while decoding an upload: our own pixel limit is lower than Pillow's bomb limit,
    and damaged metadata (corrupt EXIF) either still gives the pixels or ends in our own error."""
    with WARNINGS_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        warnings.simplefilter("ignore", UserWarning)
        yield


def pillow_open(fp: BinaryIO) -> Image.Image:
    """Pillow's own ``Image.open``, even after ultralytics has replaced it process-wide.

    ultralytics patches ``PIL.Image.open`` to pip-install a HEIF plugin when a file is not identified; offline
    that turns "not a picture" into a ModuleNotFoundError, so we call the original.
    """
    patches = sys.modules.get("ultralytics.utils.patches")
    return getattr(patches, "_image_open", Image.open)(fp)


def validate_max_side(max_side: int) -> int:
    """Check a working-size setting and return it as an int."""
    if isinstance(max_side, bool) or not isinstance(max_side, (int, np.integer)):
        raise InvalidInputError(f"max_side must be a whole number of pixels, not {max_side!r}.")
    if not limits.MIN_MAX_SIDE <= max_side <= limits.MAX_MAX_SIDE:
        raise InvalidInputError(
            f"max_side {max_side} is out of range: use {limits.MIN_MAX_SIDE} to {limits.MAX_MAX_SIDE} pixels "
            "(MIN_MAX_SIDE to MAX_MAX_SIDE)."
        )
    return int(max_side)


def _read_bytes(source: ImageSource) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise InvalidInputError(f"No picture file at {str(path)!r}.")
        size = path.stat().st_size
        if size > limits.MAX_UPLOAD_BYTES:
            raise InvalidInputError(too_big_message(size))
        data = path.read_bytes()
    elif hasattr(source, "read"):
        data = source.read(limits.MAX_UPLOAD_BYTES + 1)
    else:
        raise InvalidInputError(f"Cannot read a picture from a {type(source).__name__}.")
    if len(data) > limits.MAX_UPLOAD_BYTES:
        raise InvalidInputError(too_big_message(len(data)))
    if not data:
        raise InvalidInputError("The picture file is empty.")
    return data


def too_big_message(size: int) -> str:
    """The sentence for a picture file of ``size`` bytes, over MAX_UPLOAD_BYTES."""
    return (
        f"The picture file is {size / 2**20:.1f} MiB; the limit is "
        f"{limits.MAX_UPLOAD_BYTES // 2**20} MiB (MAX_UPLOAD_BYTES)."
    )


def _to_rgb_uint8(im: Image.Image, *, max_side: int | None = None) -> np.ndarray:
    """Any PIL mode -> RGB uint8, transparency composited on white, high bit depths scaled down.

    With ``max_side``, 8-bit pictures are also shrunk to the working size before the array is made."""
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(im)
        if mode == "F":
            # NaN (even signalling NaN, which warns when cast) and infinite samples come from damaged
            # files: they show as the darkest finite value, without numpy warnings.
            finite = np.isfinite(arr)
            lo, hi = (float(arr[finite].min()), float(arr[finite].max())) if finite.any() else (0.0, 0.0)
            arr = np.where(finite, arr, np.float32(lo)).astype(np.float64)
            arr = (arr - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(arr)
        else:
            arr = arr.astype(np.float64)
            # 16-bit modes say their depth; only 32-bit "I" pictures need a guess from the values.
            top = 65535.0 if mode.startswith("I;16") or arr.max() > 255 else 255.0
            arr = arr / top * 255.0
        gray = np.clip(np.rint(np.nan_to_num(arr)), 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2)
    if mode == "P" and "transparency" in im.info:
        im = im.convert("RGBA")
    elif mode in ("P", "1", "L", "CMYK", "YCbCr", "LAB", "HSV", "RGBX"):
        im = im.convert("RGB")
    if im.mode in ("LA", "PA", "La", "RGBa"):
        im = im.convert("RGBA")
    if im.mode == "RGBA":
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, im).convert("RGB")
    if im.mode != "RGB":
        im = im.convert("RGB")
    if max_side is not None and working_size(*im.size, max_side) != im.size:
        # Shrink in Pillow before making the array: each full-size copy of a 64 MP picture is 192 MB.
        # It is the Lanczos step resize_to_max_side takes, so the result is the same.
        im = im.resize(working_size(*im.size, max_side), Image.Resampling.LANCZOS)
    return np.asarray(im, dtype=np.uint8).copy()


def working_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The (width, height) a picture of this size is reduced to so its long side is at most ``max_side``."""
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def resize_to_max_side(image: np.ndarray, max_side: int) -> np.ndarray:
    """Shrink an RGB uint8 (H, W, 3) image so its long side is at most ``max_side`` (never enlarges)."""
    h, w = image.shape[:2]
    new_w, new_h = working_size(w, h, max_side)
    if (new_w, new_h) == (w, h):
        return image
    return np.asarray(Image.fromarray(image).resize((new_w, new_h), Image.Resampling.LANCZOS))


def load_image(source: ImageSource, *, max_side: int = limits.DEFAULT_MAX_SIDE) -> np.ndarray:
    """Load a picture as an RGB uint8 array at the working size.

    Handles JPEG, PNG, WebP, GIF (first frame), BMP and TIFF; EXIF orientation; grayscale,
    16-bit, palette and CMYK pictures; transparency (composited on white). Decompression
    bombs are refused from the header, before any pixel is decoded, and big JPEGs are decoded
    at reduced size directly.

    Parameters
    ----------
    source : path, bytes or binary file
        The picture file.
    max_side : int, keyword-only
        Long side of the returned picture in pixels (the picture is never enlarged).

    Returns
    -------
    image : (H, W, 3) uint8 ndarray

    Raises
    ------
    InvalidInputError
        Not a picture, a format we do not read, truncated, too large a file or too many pixels.
    ImageUnsuitableError
        The picture is smaller than ``limits.MIN_IMAGE_SIDE`` on its shorter side.
    """
    max_side = validate_max_side(max_side)
    data = _read_bytes(source)
    with quiet_pillow_warnings():
        try:
            im = pillow_open(io.BytesIO(data))
        except Image.DecompressionBombError as exc:
            # Pillow refuses from the header, far above our own limit: say it is too big, not unreadable.
            raise InvalidInputError(
                f"The picture has far too many pixels; the limit is {limits.MAX_SOURCE_PIXELS / 1e6:.0f} megapixels "
                f"and {limits.MAX_SOURCE_SIDE} pixels a side (MAX_SOURCE_PIXELS, MAX_SOURCE_SIDE)."
            ) from exc
        except UnidentifiedImageError as exc:
            raise InvalidInputError(
                "This file is not a picture we can read; use JPEG, PNG, WebP, GIF, BMP or TIFF."
            ) from exc
        except Exception as exc:  # Pillow plugins raise many kinds on garbage headers
            raise InvalidInputError(f"This picture file is damaged and cannot be read ({type(exc).__name__}).") from exc
        with im:
            if im.format not in SUPPORTED_FORMATS:
                raise InvalidInputError(
                    f"{im.format} pictures are not supported; use JPEG, PNG, WebP, GIF, BMP or TIFF."
                )
            width, height = im.size
            if (
                width > limits.MAX_SOURCE_SIDE
                or height > limits.MAX_SOURCE_SIDE
                or width * height > limits.MAX_SOURCE_PIXELS
            ):
                raise InvalidInputError(
                    f"The picture is {width} x {height} pixels; the limit is {limits.MAX_SOURCE_PIXELS / 1e6:.0f} megapixels "
                    f"and {limits.MAX_SOURCE_SIDE} pixels a side (MAX_SOURCE_PIXELS, MAX_SOURCE_SIDE)."
                )
            if width < 1 or height < 1:
                raise InvalidInputError("The picture has no pixels.")
            try:
                if getattr(im, "n_frames", 1) > 1:
                    im.seek(0)
                orientation = im.getexif().get(0x0112, 1) if hasattr(im, "getexif") else 1
                if im.format in ("JPEG", "MPO"):
                    # Decode at 1/2, 1/4 or 1/8 scale straight from the DCT: big photos cost little.
                    target = working_size(width, height, max_side)
                    if orientation in (5, 6, 7, 8):
                        target = target[::-1]
                    im.draft("RGB", target)
                im.load()
                if orientation != 1:
                    im = ImageOps.exif_transpose(im)
                rgb = _to_rgb_uint8(im, max_side=max_side)
            except InvalidInputError:
                raise
            except Exception as exc:  # Pillow's decoders raise many kinds (KeyError, TypeError...) on damaged files
                raise InvalidInputError(
                    "This picture file is truncated or damaged and cannot be read; save or export it again."
                ) from exc
    rgb = resize_to_max_side(rgb, max_side)
    h, w = rgb.shape[:2]
    if min(h, w) < limits.MIN_IMAGE_SIDE:
        raise ImageUnsuitableError(
            f"The picture is {w} x {h} pixels at working size; it must be at least "
            f"{limits.MIN_IMAGE_SIDE} pixels on its shorter side (MIN_IMAGE_SIDE)."
        )
    return rgb


def as_rgb_image(image: np.ndarray, *, name: str = "image") -> np.ndarray:
    """Validate an in-memory picture: an RGB uint8 (H, W, 3) array large enough for a puzzle."""
    if not isinstance(image, np.ndarray):
        raise InvalidInputError(f"{name} must be a numpy array (H, W, 3) of uint8, not {type(image).__name__}.")
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise InvalidInputError(
            f"{name} must be an RGB uint8 array of shape (H, W, 3); got {image.dtype} {image.shape}."
        )
    h, w = image.shape[:2]
    if min(h, w) < limits.MIN_IMAGE_SIDE:
        raise ImageUnsuitableError(
            f"The picture is {w} x {h} pixels; it must be at least {limits.MIN_IMAGE_SIDE} pixels on its shorter side (MIN_IMAGE_SIDE)."
        )
    return image
