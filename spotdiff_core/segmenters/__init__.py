"""Segmenters: turn an RGB picture into candidate object regions. One module per backend."""

from __future__ import annotations

from ..backends import Registry
from .base import Segment, Segmenter
from .felzenszwalb import FelzenszwalbSegmenter

SEGMENTERS: Registry[Segmenter] = Registry(
    "segmenter",
    {FelzenszwalbSegmenter.name: FelzenszwalbSegmenter},
    auto_order=(FelzenszwalbSegmenter.name,),
)

__all__ = ["SEGMENTERS", "FelzenszwalbSegmenter", "Segment", "Segmenter"]
