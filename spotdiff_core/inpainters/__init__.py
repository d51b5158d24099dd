"""Inpainters: fill a masked hole convincingly. One module per backend."""

from __future__ import annotations

from ..backends import Registry
from .base import Inpainter
from .patchmatch import PatchMatchInpainter
from .telea import TeleaInpainter

INPAINTERS: Registry[Inpainter] = Registry(
    "inpainter",
    {PatchMatchInpainter.name: PatchMatchInpainter, TeleaInpainter.name: TeleaInpainter},
    auto_order=(PatchMatchInpainter.name, TeleaInpainter.name),
)

__all__ = ["INPAINTERS", "Inpainter", "PatchMatchInpainter", "TeleaInpainter"]
