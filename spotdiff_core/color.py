"""Colour maths in CIE Lab: conversions and the CIE76 colour difference used by every check."""

from __future__ import annotations

import os
import threading

import cv2
import numpy as np


def _set_up_lab_tables() -> None:
    cv2.cvtColor(np.zeros((1, 1, 3), np.float32), cv2.COLOR_RGB2Lab)


# OpenCV builds its float Lab tables at the first conversion either way (0.14 s): done on a thread while the
# rest of the engine is imported, it costs a fresh process (the CLI, a batch worker) no wall time. Every
# conversion waits for it, and so does a fork (a child must not inherit a half-built table).
_lab_tables = threading.Thread(target=_set_up_lab_tables, name="spotdiff-lab-tables", daemon=True)
_lab_tables.start()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_lab_tables.join)


def rgb_to_lab(image: np.ndarray) -> np.ndarray:
    """Convert RGB to CIE Lab (D65).

    Parameters
    ----------
    image : (H, W, 3) uint8 or (N, 3) uint8 array
        RGB values.

    Returns
    -------
    lab : same shape, float32
        L in [0, 100], a and b roughly in [-128, 127].
    """
    _lab_tables.join()
    rgb = np.asarray(image)
    flat = rgb.ndim == 2
    if flat:
        rgb = rgb[None]
    lab = cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    return lab[0] if flat else lab


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """Convert CIE Lab (float, as from :func:`rgb_to_lab`) to RGB uint8 of the same leading shape."""
    _lab_tables.join()
    lab = np.asarray(lab, dtype=np.float32)
    flat = lab.ndim == 2
    if flat:
        lab = lab[None]
    rgb = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)
    out = np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)
    return out[0] if flat else out


def delta_e(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """CIE76 colour difference per pixel between two RGB uint8 images of shape (H, W, 3) -> (H, W) float32."""
    return np.linalg.norm(rgb_to_lab(a) - rgb_to_lab(b), axis=-1)


def delta_l(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Absolute lightness difference |dL| per pixel between two RGB uint8 images -> (H, W) float32."""
    return np.abs(rgb_to_lab(a)[..., 0] - rgb_to_lab(b)[..., 0])


def hue_turn(lab: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """The angle (radians, 0 to pi) between the hue of each Lab colour (..., 3) and that of ``colour`` (3,)."""
    turn = np.arctan2(lab[..., 2], lab[..., 1]) - np.arctan2(colour[2], colour[1])
    return np.abs((turn + np.pi) % (2 * np.pi) - np.pi)
