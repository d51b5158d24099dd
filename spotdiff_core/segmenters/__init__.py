"""Segmenters: turn an RGB picture into candidate object regions. One module per backend."""

from __future__ import annotations

from ..backends import Registry
from .base import Segment, Segmenter
from .fastsam import FastSAMSegmenter
from .felzenszwalb import FelzenszwalbSegmenter

# auto: FastSAM when its weights are found and load, else the weights-free default.
SEGMENTERS: Registry[Segmenter] = Registry(
    "segmenter",
    {FelzenszwalbSegmenter.name: FelzenszwalbSegmenter, FastSAMSegmenter.name: FastSAMSegmenter},
    auto_order=(FastSAMSegmenter.name, FelzenszwalbSegmenter.name),
)

__all__ = ["SEGMENTERS", "FastSAMSegmenter", "FelzenszwalbSegmenter", "Segment", "Segmenter"]
