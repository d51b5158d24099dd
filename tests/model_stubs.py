"""Weights-free stand-ins for the model backends: a random FastSAM-shaped checkpoint and a tiny TorchScript LaMa."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

CALIBRATION_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")
CLASS_BIAS = -1.2  # about a third of a photo's anchors pass conf 0.25


def build_random_fastsam(path: Path, *, variant: str = "s", seed: int = 0) -> Path:
    """Save a randomly initialised FastSAM-compatible checkpoint (YOLOv8-seg, one class) at ``path``.

    FastSAM-s is a yolov8s-seg network and FastSAM-x a yolov8x-seg one, trained on one class; this
    builds the same architecture from ultralytics' YAML and saves it the way ultralytics saves
    checkpoints, so ``FastSAM(path)`` loads it through its real code.

    Straight from PyTorch's default init, activations shrink about 4x per layer and every output is
    the same constant, so no mask would ever vary with the picture. Two fixes make it behave like an
    (untrained) segmenter: batch-norm statistics are calibrated on four photos (a standard
    data-dependent init), and the head's biases replace the training priors. Box sides come out near
    a few strides (not 15), and about a third of a photo's anchors pass conf 0.25: not none, and not
    all, since a trained model is confident only on anchors over objects, and all 5,000 in NMS would
    cost 0.4 s a call. The masks are still random blobs inside random boxes; they only exercise the
    code.

    Parameters
    ----------
    path : Path
        Where to write the ``.pt`` file (absolute).
    variant : {"s", "x"}
        FastSAM-s-sized (23 MB) or FastSAM-x-sized (138 MB).
    seed : int
        Torch seed for the random weights.

    Returns
    -------
    Path
        ``path``, absolute.
    """
    from spotdiff_core.models import import_torch, import_ultralytics

    torch = import_torch()
    import_ultralytics()
    from ultralytics.nn.tasks import SegmentationModel

    torch.manual_seed(seed)
    model = SegmentationModel(f"yolov8{variant}-seg.yaml", nc=1, verbose=False)
    head = model.model[-1]
    reg_max = head.reg_max
    with torch.no_grad():
        for box, cls, coeff in zip(head.cv2, head.cv3, head.cv4, strict=True):
            cls[-1].bias.fill_(CLASS_BIAS)
            box[-1].bias.copy_((-0.5 * torch.arange(float(reg_max))).repeat(4))  # box sides ~4 strides
            coeff[-1].bias.fill_(1.0)  # masks cover a good part of their box
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None  # cumulative average over the calibration batch
    model.train()
    with torch.no_grad():
        model(_calibration_batch(torch))
    model.eval()
    path = Path(path).resolve()
    checkpoint = {"model": model.half(), "ema": None, "train_args": {"task": "segment", "imgsz": 640}, "epoch": -1}
    torch.save(checkpoint, path)
    return path


def _calibration_batch(torch):
    """Four (192, 320) photo crops as a float batch (4, 3, 192, 320) in 0..1."""
    import cv2
    from skimage import data

    crops = []
    for name in CALIBRATION_PHOTOS:
        image = getattr(data, name)()[..., :3]
        crops.append(cv2.resize(image, (320, 320 * image.shape[0] // image.shape[1]))[:192])
    batch = np.stack([np.ascontiguousarray(c.transpose(2, 0, 1)) for c in crops]).astype(np.float32) / 255.0
    return torch.from_numpy(batch)


LAMA_STAND_IN_SOURCE = "mean colour of the known pixels"


def build_lama_stand_in(path: Path, *, wrong_output: bool = False) -> Path:
    """Save a tiny TorchScript module with big-lama.pt's call signature at ``path``.

    ``model(image, mask)``: image float32 (1, 3, H, W) in 0..1, mask float32 (1, 1, H, W) of 0/1, H and
    W multiples of 8; returns (1, 3, H, W) in 0..1 with the hole set to the mean colour of the known
    pixels. It raises on any other input, so it checks the caller's side of the convention.

    Parameters
    ----------
    path : Path
        Where to write the file (absolute).
    wrong_output : bool
        Build a broken model instead, returning one channel (for the error paths).

    Returns
    -------
    Path
    """
    import torch

    class LamaStandIn(torch.nn.Module):
        def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            if image.dtype != torch.float32 or mask.dtype != torch.float32:
                raise RuntimeError("LaMa stand-in: float32 image and mask expected")
            if image.dim() != 4 or image.shape[0] != 1 or image.shape[1] != 3 or mask.dim() != 4 or mask.shape[1] != 1:
                raise RuntimeError("LaMa stand-in: image (1, 3, H, W) and mask (1, 1, H, W) expected")
            if image.shape[2:] != mask.shape[2:] or image.shape[2] % 8 != 0 or image.shape[3] % 8 != 0:
                raise RuntimeError("LaMa stand-in: equal sizes, sides multiples of 8 expected")
            if bool(((mask != 0.0) & (mask != 1.0)).any()):
                raise RuntimeError("LaMa stand-in: mask of 0/1 expected")
            if bool((image < 0.0).any()) or bool((image > 1.0).any()):
                raise RuntimeError("LaMa stand-in: image in 0..1 expected")
            known = 1.0 - mask
            colour = (image * known).sum(dim=[2, 3], keepdim=True) / known.sum().clamp(min=1.0)
            return image * known + colour * mask

    class BrokenLama(torch.nn.Module):
        def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            return image[:, :1] * mask

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch.jit.script is deprecated; big-lama.pt is TorchScript
        scripted = torch.jit.script(BrokenLama() if wrong_output else LamaStandIn())
    path = Path(path).resolve()
    scripted.save(str(path))
    return path
