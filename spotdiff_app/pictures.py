"""The Create page's picture: from an upload, the camera or a bundled sample, kept in memory for the session."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from spotdiff_core import limits, load_image
from spotdiff_core.errors import InvalidInputError
from spotdiff_core.loading import as_rgb_image, resize_to_max_side, too_big_message
from spotdiff_core.samples import SAMPLES

from . import uploads

UPLOAD_TYPES = ("jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff")
PICTURES_KEY = "create_pictures"  # source -> Picture, so a page switch does not lose an upload


@dataclass(frozen=True, eq=False)
class Picture:
    """A picture ready for the pipeline, (H, W, 3) uint8 at working size, and where it came from."""

    source: str  # "upload", "camera" or "sample"
    ident: str  # the upload's file id or the sample's key
    name: str
    image: np.ndarray
    max_side: int
    data: bytes | None = None  # the uploaded file's bytes (memory only), to reload at another working size
    credit: str | None = None


def _remembered() -> dict[str, Picture]:
    return st.session_state.setdefault(PICTURES_KEY, {})


def from_upload(source: str, uploaded, *, max_side: int) -> Picture:
    """Decode an UploadedFile (upload or camera) in memory; cached per file and working size.

    The server's copy of the upload is released once decoded (the session keeps the file's bytes once, to reload
    it at another working size); a file over MAX_UPLOAD_BYTES is refused here, on the server, in one sentence.

    Raises
    ------
    SpotDiffError
        Not a picture, too big, too small: the loader's message says which.
    """
    known = _remembered().get(source)
    if known is not None and known.ident == uploaded.file_id and known.max_side == max_side:
        return known
    if uploaded.size > limits.MAX_UPLOAD_BYTES:
        # Kept until the user removes it, so the sentence stays on the page (the session's upload budget bounds it).
        raise InvalidInputError(too_big_message(uploaded.size))
    data = uploaded.getvalue()
    image = load_image(data, max_side=max_side)
    uploads.release(uploaded)
    picture = Picture(source, uploaded.file_id, uploaded.name, image, max_side, data)
    _remembered()[source] = picture
    return picture


def remembered(source: str, *, max_side: int) -> Picture | None:
    """The last picture from ``source`` (the uploader forgets its file when the user switches pages)."""
    known = _remembered().get(source)
    if known is None or known.data is None:
        return None
    if known.max_side != max_side:
        known = Picture(
            known.source, known.ident, known.name, load_image(known.data, max_side=max_side), max_side, known.data
        )
        _remembered()[source] = known
    return known


def forget(source: str) -> None:
    _remembered().pop(source, None)


def from_sample(key: str, *, max_side: int) -> Picture:
    """A bundled sample picture at working size (cached for the session)."""
    known = _remembered().get("sample")
    if known is not None and known.ident == key and known.max_side == max_side:
        return known
    sample = SAMPLES[key]
    image = resize_to_max_side(as_rgb_image(sample.load(), name=sample.title), max_side)
    picture = Picture("sample", key, sample.title, image, max_side, credit=sample.credit)
    _remembered()["sample"] = picture
    return picture
