"""Inpainters: fill a masked hole convincingly. One module per backend."""

from __future__ import annotations

from ..backends import Registry
from .base import Inpainter
from .lama import LamaInpainter
from .patchmatch import PatchMatchInpainter
from .telea import TeleaInpainter

# auto: LaMa when its weights are found and load, else the weights-free PatchMatch, else Telea.
INPAINTERS: Registry[Inpainter] = Registry(
    "inpainter",
    {
        PatchMatchInpainter.name: PatchMatchInpainter,
        TeleaInpainter.name: TeleaInpainter,
        LamaInpainter.name: LamaInpainter,
    },
    auto_order=(LamaInpainter.name, PatchMatchInpainter.name, TeleaInpainter.name),
)

__all__ = ["INPAINTERS", "Inpainter", "LamaInpainter", "PatchMatchInpainter", "TeleaInpainter"]
