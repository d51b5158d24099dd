"""The Play page's board: both pictures in one component that fits them to the window and marks a tap at once."""

from __future__ import annotations

import base64
import hashlib
import io
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import streamlit as st
import streamlit.components.v1 as components
from PIL import Image

from spotdiff_core import limits

FRONTEND = Path(__file__).resolve().parent / "board_frontend"
_component = components.declare_component("spotdiff_board", path=str(FRONTEND))

ENCODED_KEY = "play_encoded_pictures"  # marks state -> the two pictures as data URLs, for this session
ENCODED_KEEP = 4  # a few states back: enough for a hint that comes and goes, small in memory
JPEG_QUALITY = 90
encodings_made = 0  # how many pictures were encoded in this process (the tests check the cache with it)


def jpeg_data_url(image: np.ndarray) -> str:
    """A (H, W, 3) uint8 picture as a JPEG data URL (in memory only)."""
    global encodings_made
    encodings_made += 1
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(buf, format="JPEG", quality=JPEG_QUALITY)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def encoded_pictures(marks: tuple, draw: Callable[[], tuple[np.ndarray, np.ndarray]]) -> list[str]:
    """The two pictures with their marks, encoded once per state of the marks (``marks``, hashable) and kept
    between clicks, so a miss or a repeated click sends the same bytes without encoding anything."""
    cache = st.session_state.setdefault(ENCODED_KEY, OrderedDict())
    if marks in cache:
        cache.move_to_end(marks)
        return cache[marks]
    encoded = [jpeg_data_url(picture) for picture in draw()]
    cache[marks] = encoded
    while len(cache) > ENCODED_KEEP:
        cache.popitem(last=False)
    return encoded


def pictures_id(marks: tuple) -> str:
    """A short id of the pictures for a state of the marks (``marks``, as for :func:`encoded_pictures`)."""
    return hashlib.sha1(repr(marks).encode(), usedforsecurity=False).hexdigest()[:12]


def board(
    *,
    pictures: list[str] | None,
    pictures_id: str,
    size: tuple[int, int],
    labels: tuple[str, str],
    flash: Mapping[str, object] | None,
    over: bool,
    key: str,
    progress_key: str | None = None,
    progress: Mapping[str, object] | None = None,
    restorable: bool = False,
    banner: str | None = None,
    keep_bundle: tuple[str, bytes] | None = None,
    forget: str | None = None,
) -> dict | None:
    """Show the board; returns the last tap, ``{x, y, width, height, side, pointer, viewport_width, unix_time}``
    in displayed pixels of the picture tapped, or None.

    ``pictures`` may be None when the board already shows the pictures ``pictures_id`` (its last tap said
    so, as ``have``): a tap then costs a few hundred bytes instead of both pictures again; a board that lost
    them asks with ``{need_pictures: true}``. ``size`` is the pictures' (width, height) in working pixels; ``flash`` the answer to the last tap
    (``{id, x, y, outcome}``, working pixels), drawn where the tap landed; ``over`` stops taps.

    ``progress`` (plain JSON) is kept in the browser's own storage under ``progress_key`` while the game runs
    and dropped when it ends. When ``restorable`` (an untouched first game of a puzzle) and the browser kept a
    game of this puzzle, the board returns ``{restore: progress, unix_time}`` instead of a tap. ``banner`` is
    a line shown over the pictures (the end of a game), until tapped. ``keep_bundle`` (file name, puzzle .zip
    bytes) is kept in the browser's IndexedDB, for :func:`kept_bundle` after a reload; send it once per puzzle.
    ``forget`` (a new token each time) makes the browser drop every puzzle file and game it keeps, and keep
    no more while it is given.
    """
    width, height = size
    return _component(
        pictures=pictures,
        pictures_id=pictures_id,
        width=width,
        height=height,
        labels=list(labels),
        flash=dict(flash) if flash else None,
        over=over,
        layout="auto",
        progress_key=progress_key,
        progress=dict(progress) if progress else None,
        restorable=restorable,
        banner=banner,
        keep_bundle=None
        if keep_bundle is None
        else {"name": keep_bundle[0], "data": base64.b64encode(keep_bundle[1]).decode("ascii")},
        forget=forget,
        key=key,
        default=None,
    )


def kept_bundle(*, key: str) -> tuple[str, bytes] | None:
    """The puzzle file this browser kept (file name, .zip bytes), if any, once the browser has answered; shows
    nothing. Larger than an upload may be, or not base64: None (the loader checks the rest)."""
    value = _component(mode="restore", key=key, default=None)
    if not isinstance(value, dict) or not isinstance(value.get("bundle"), str):
        return None
    data = value["bundle"]
    if len(data) > limits.MAX_BUNDLE_BYTES * 4 // 3 + 4:
        return None
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:
        return None
    return str(value.get("name") or ""), raw
