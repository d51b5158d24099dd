"""The LaMa inpainter: the TorchScript big-lama.pt that IOPaint and lama-cleaner use, from an explicit path."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..backends import Availability
from ..errors import BackendUnavailableError
from ..loading import WARNINGS_LOCK
from ..models import (
    LAMA_FILENAMES,
    LAMA_WEIGHTS_ENV,
    LoadedModel,
    ModelCache,
    find_weights,
    first_line,
    import_torch,
    missing_packages,
    pick_device,
)
from .base import Inpainter

PAD_MULTIPLE = 8  # LaMa downsamples three times, so each side must be a multiple of 8
WARMUP_SIDE = 64  # the load check fills one tiny picture, so a wrong file fails at construction


_MODELS = ModelCache()


class LamaInpainter(Inpainter):
    """LaMa (large-mask inpainting with Fourier convolutions): fills holes with plausible structure and texture.

    Calls the TorchScript module as ``model(image, mask)``: image float32 (1, 3, H, W) RGB in 0..1,
    mask float32 (1, 1, H, W) with 1 = hole, H and W multiples of 8; it returns (1, 3, H, W) RGB in
    0..1 (the convention of IOPaint's ``iopaint/model/lama.py``). The base class crops around the
    hole and pastes only the hole back.

    Parameters
    ----------
    weights : path-like, optional
        big-lama.pt. Default: ``$SPOTDIFF_LAMA_WEIGHTS``, else big-lama.pt in the models directory
        (``$SPOTDIFF_MODEL_DIR``, default ``<repo>/models``).
    device : str, optional
        Torch device; default a GPU when there is one, else the CPU.

    Raises
    ------
    BackendUnavailableError
        torch is not installed, or the weights file is missing, corrupt or does not behave like big-lama.pt.
    """

    name: ClassVar[str] = "lama"
    needs_weights: ClassVar[bool] = True
    description: ClassVar[str] = "LaMa large-mask inpainting (TorchScript big-lama.pt); needs the weights file."
    max_crop_side: ClassVar[int] = 512  # LaMa handles big crops (IOPaint feeds it whole pictures); 512 caps CPU time

    def __init__(self, *, weights: str | os.PathLike | None = None, device: str | None = None):
        if missing_packages("torch"):
            raise BackendUnavailableError(
                "The inpainter 'lama' needs torch, which is not installed (pip install torch)."
            )
        lookup = find_weights(weights, env_var=LAMA_WEIGHTS_ENV, filenames=LAMA_FILENAMES, what="LaMa")
        if lookup.path is None:
            raise BackendUnavailableError(f"The inpainter 'lama' cannot run: {lookup.problem}")
        self.weights_path: Path = lookup.path
        self.device = pick_device(device)
        self._loaded = _load(self.weights_path, self.device)

    @classmethod
    def availability(cls) -> Availability:
        if missing_packages("torch"):
            return Availability(False, "the package torch is not installed (pip install torch).")
        lookup = find_weights(None, env_var=LAMA_WEIGHTS_ENV, filenames=LAMA_FILENAMES, what="LaMa")
        if lookup.path is None:
            return Availability(False, lookup.problem)
        return Availability(True, f"weights {lookup.path} (from {lookup.source}); loaded when first used.")

    def fill(self, image: np.ndarray, mask: np.ndarray, *, seed: int) -> np.ndarray:
        """Fill ``mask`` in ``image`` (a crop) with LaMa.

        Parameters
        ----------
        image : (h, w, 3) uint8 ndarray
        mask : (h, w) bool ndarray
            True = hole.
        seed : int
            Unused: LaMa is deterministic.

        Returns
        -------
        (h, w, 3) uint8 ndarray
            ``image`` with only the hole pixels replaced.
        """
        del seed
        filled = _run(self._loaded, image, mask, self.device, self.weights_path)
        return np.where(mask[..., None], filled, image)


def _load(path: Path, device: str) -> LoadedModel:
    """The process-wide module for this file and device, loaded and checked on first use."""

    def load() -> Any:
        torch = import_torch()
        try:
            with WARNINGS_LOCK, warnings.catch_warnings():  # the filters are process-wide: one user at a time
                # big-lama.pt exists only as TorchScript, so its (deprecated) loader is the only way in.
                warnings.filterwarnings("ignore", message=r".*torch\.jit\.load.* is deprecated", category=FutureWarning)
                return torch.jit.load(str(path), map_location="cpu").to(device).eval()
        except Exception as exc:  # torch raises RuntimeError or ValueError for files that are not TorchScript
            raise BackendUnavailableError(
                f"The LaMa weights file {path} could not be loaded as TorchScript "
                f"({type(exc).__name__}: {first_line(exc)}); replace it with big-lama.pt (the TorchScript "
                f"file IOPaint uses) or unset {LAMA_WEIGHTS_ENV}."
            ) from exc

    def check(loaded: LoadedModel) -> None:
        side = WARMUP_SIDE
        hole = np.zeros((side, side), bool)
        hole[side // 4 : 3 * side // 4, side // 4 : 3 * side // 4] = True
        _run(loaded, np.full((side, side, 3), 128, np.uint8), hole, device, path)

    return _MODELS.get(path, device, load, check)


def _run(loaded: LoadedModel, image: np.ndarray, mask: np.ndarray, device: str, path: Path) -> np.ndarray:
    """One locked LaMa call on an (h, w, 3) uint8 picture and (h, w) bool hole; returns (h, w, 3) uint8."""
    torch = import_torch()
    h, w = mask.shape
    pad = ((0, -h % PAD_MULTIPLE), (0, -w % PAD_MULTIPLE))
    # Mirror padding, as IOPaint does: the network sees continuing texture, not a hard edge.
    padded_image = np.pad(image, (*pad, (0, 0)), mode="symmetric")
    padded_mask = np.pad(mask, pad, mode="symmetric")
    image_t = torch.from_numpy(np.ascontiguousarray(padded_image.transpose(2, 0, 1))).float().div_(255.0)[None]
    mask_t = torch.from_numpy(padded_mask.astype(np.float32))[None, None]
    with loaded.lock, torch.inference_mode():
        try:
            out = loaded.model(image_t.to(device), mask_t.to(device))
        except Exception as exc:
            raise BackendUnavailableError(
                f"LaMa ({path}) failed on a {w}x{h} crop ({type(exc).__name__}: {first_line(exc)}); "
                "is it big-lama.pt? Choose another inpainter (--inpainter patchmatch)."
            ) from exc
        expected = (1, 3, *padded_mask.shape)
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != expected or not out.is_floating_point():
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise BackendUnavailableError(
                f"LaMa ({path}) returned {got} where a float picture {expected} was expected; "
                "it is not big-lama.pt. Choose another inpainter (--inpainter patchmatch)."
            )
        result = out[0, :, :h, :w].clamp(0.0, 1.0).mul(255.0).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()
    return np.ascontiguousarray(result)
