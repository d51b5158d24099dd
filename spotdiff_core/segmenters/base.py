"""The segmenter contract and the compact region type it returns."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..backends import Backend


@dataclass(frozen=True, eq=False)
class Segment:
    """A candidate region stored compactly as its bounding box and the mask inside it.

    Attributes
    ----------
    bbox : (x, y, w, h)
        In picture pixels.
    local_mask : (h, w) bool ndarray
        The region inside ``bbox``.
    """

    bbox: tuple[int, int, int, int]
    local_mask: np.ndarray  # never changed in place (the area is counted once)

    @cached_property
    def area(self) -> int:
        """Pixels in the region (counted once: sorting and deduplicating candidates ask for it 100 000 times)."""
        return int(self.local_mask.sum())

    def full_mask(self, shape: tuple[int, int]) -> np.ndarray:
        """The region as a (H, W) bool mask of a picture of ``shape``."""
        mask = np.zeros(shape, dtype=bool)
        x, y, w, h = self.bbox
        mask[y : y + h, x : x + w] = self.local_mask
        return mask

    @classmethod
    def from_mask(cls, mask: np.ndarray) -> Segment | None:
        """A segment from a (H, W) bool mask, or None if it is empty."""
        ys, xs = np.nonzero(mask)
        if len(xs) == 0:
            return None
        x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
        return cls((int(x0), int(y0), int(x1 - x0), int(y1 - y0)), mask[y0:y1, x0:x1].copy())


class Segmenter(Backend):
    """Turns an RGB picture into candidate regions (objects or object parts); they may overlap."""

    @abstractmethod
    def segment(self, image: np.ndarray) -> list[Segment]:
        """Candidate regions of a picture.

        Parameters
        ----------
        image : (H, W, 3) uint8 ndarray
            RGB picture (not modified).

        Returns
        -------
        list of Segment
            In picture coordinates; the pipeline filters and scores them.
        """
