"""The inpainter contract: fill a masked hole so that only the hole changes (template method)."""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

import cv2
import numpy as np

from ..backends import Backend
from ..errors import InvalidInputError


class Inpainter(Backend):
    """Fills holes. Subclasses implement :meth:`fill` on a crop; :meth:`inpaint` does the rest.

    The base class crops around the hole (with context), shrinks the crop to ``max_crop_side``,
    calls :meth:`fill`, scales the result back and pastes only the hole pixels, so every backend
    changes nothing outside the mask.
    """

    max_crop_side: ClassVar[int] = 320  # fill resolution; larger crops are shrunk to this
    context: ClassVar[float] = 0.8  # context margin around the hole, as a fraction of its size
    copies_texture: ClassVar[bool] = False  # an exemplar backend: ``source`` limits where it copies from

    @abstractmethod
    def fill(self, image: np.ndarray, mask: np.ndarray, *, seed: int) -> np.ndarray:
        """Fill ``mask`` in ``image`` (a crop).

        Parameters
        ----------
        image : (h, w, 3) uint8 ndarray
        mask : (h, w) bool ndarray
            True = hole.
        seed : int
            For backends that are random; the same seed gives the same fill.

        Returns
        -------
        (h, w, 3) uint8 ndarray
        """

    def inpaint(
        self, image: np.ndarray, mask: np.ndarray, *, seed: int = 0, source: np.ndarray | None = None
    ) -> np.ndarray:
        """Return a copy of ``image`` (H, W, 3) uint8 with the (H, W) bool ``mask`` filled; nothing else changes.

        ``source`` (H, W) bool, optional: the only pixels an exemplar backend may copy texture from (the
        object's own surround), and the context the crop is cut around; model backends see the same crop.
        """
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise InvalidInputError(f"inpaint needs an RGB uint8 picture, got {image.dtype} {image.shape}.")
        if mask.shape != image.shape[:2]:
            raise InvalidInputError(f"inpaint: mask {mask.shape} does not match the picture {image.shape[:2]}.")
        out = image.copy()
        if not mask.any():
            return out
        h, w = mask.shape
        if source is not None and source.any():
            ys, xs = np.nonzero(mask | source)
            # Room around the source: a coarse pyramid level must still see pixels outside the hole.
            margin = int(max(16, 0.5 * max(np.ptp(ys), np.ptp(xs))))
        else:
            ys, xs = np.nonzero(mask)
            margin = None
        x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
        if margin is None:
            margin = int(max(16, self.context * max(x1 - x0, y1 - y0)))
        cx0, cy0 = max(0, x0 - margin), max(0, y0 - margin)
        cx1, cy1 = min(w, x1 + margin), min(h, y1 + margin)
        crop = image[cy0:cy1, cx0:cx1]
        hole = mask[cy0:cy1, cx0:cx1]
        fill_mask = hole
        if source is not None and self.copies_texture and source.any():
            fill_mask = hole | ~source[cy0:cy1, cx0:cx1]  # filled too, so never copied; only the hole is kept
        ch, cw = hole.shape
        factor = min(1.0, self.max_crop_side / max(ch, cw))
        if factor < 1.0:
            size = (max(8, round(cw * factor)), max(8, round(ch * factor)))
            small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
            small_hole = cv2.resize(fill_mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(bool)
            # Grow the reduced hole a little so no original pixel of the object leaks into the fill.
            small_hole = cv2.dilate(small_hole.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
            filled = cv2.resize(self.fill(small, small_hole, seed=seed), (cw, ch), interpolation=cv2.INTER_CUBIC)
        else:
            filled = self.fill(crop, fill_mask, seed=seed)
        region = out[cy0:cy1, cx0:cx1]
        region[hole] = filled[hole]
        return out
