"""The FastSAM segmenter (ultralytics; FastSAM-s or FastSAM-x weights from an explicit path, never downloaded)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np

from ..backends import Availability
from ..errors import BackendUnavailableError, InvalidInputError
from ..models import (
    FASTSAM_FILENAMES,
    FASTSAM_WEIGHTS_ENV,
    LoadedModel,
    ModelCache,
    apply_torch_threads,
    find_weights,
    first_line,
    import_torch,
    import_ultralytics,
    missing_packages,
    pick_device,
)
from ..naturalness import fill_holes
from .base import Segment, Segmenter

# Inference defaults, stated once. imgsz 640: a FastSAM-s pass takes about 0.5 s on one core of the
# 2-core target box (FastSAM's own 1024 costs 2.5x that), and the smallest answer region (0.1 % of
# the picture) is still ~16 px across. conf 0.25 keeps faint parts, since the pipeline filters and
# scores candidates anyway. iou 0.9 (FastSAM's everything-mode value) lets NMS keep nested part and
# whole masks; near-duplicates among them are merged below.
IMGSZ = 512
CONF = 0.25
IOU = 0.9
MAX_DET = 100
MASK_THRESHOLD = 0.5

MIN_MASK_FRACTION = 0.0005  # smaller masks are noise (answer regions cover at least 0.1 % of the picture)
MAX_MASK_FRACTION = 0.5  # larger ones are background or the whole picture
MERGE_CONTAINMENT = 0.85  # two masks merge when this share of the smaller lies inside the larger ...
MERGE_AREA_RATIO = 0.7  # ... and the smaller is at least this share of the larger (else it is a part)

WARMUP_SIDE = 64  # the load check runs one tiny inference, so a broken file fails at construction


_MODELS = ModelCache()


class FastSAMSegmenter(Segmenter):
    """FastSAM "segment everything" masks (a YOLOv8-seg network), turned into candidate regions.

    Inference runs on a copy reduced to ``imgsz`` on its long side; masks are mapped back to the
    picture, near-duplicate and nested near-duplicate masks are merged, and holes are filled. Object
    parts that are clearly smaller than their whole stay separate candidates, as with the default
    segmenter. One model per weights file is loaded per process and shared; calls are serialised,
    because ultralytics' predictor keeps per-call arguments on itself.

    When FastSAM finds too few usable regions, the pipeline says the picture cannot hold the puzzle,
    as with any segmenter: this one never mixes in weights-free proposals, because the puzzle records
    "fastsam" as the segmenter that made it.

    Parameters
    ----------
    weights : path-like, optional
        FastSAM-s.pt or FastSAM-x.pt. Default: ``$SPOTDIFF_FASTSAM_WEIGHTS``, else the first of
        FastSAM-s.pt, FastSAM-x.pt in the models directory (``$SPOTDIFF_MODEL_DIR``, default ``<repo>/models``).
    imgsz, conf, iou, max_det : int, float, float, int
        Inference size (long side, pixels), confidence and NMS IoU thresholds, most masks kept.
    device : str, optional
        Torch device; default a GPU when there is one, else the CPU.

    Raises
    ------
    BackendUnavailableError
        ultralytics or torch is not installed, or the weights file is missing, corrupt or not a FastSAM model.
    InvalidInputError
        An option is out of range.
    """

    name: ClassVar[str] = "fastsam"
    needs_weights: ClassVar[bool] = True
    description: ClassVar[str] = "FastSAM (ultralytics) segment-everything masks; needs FastSAM-s.pt or FastSAM-x.pt."

    def __init__(
        self,
        *,
        weights: str | os.PathLike | None = None,
        imgsz: int = IMGSZ,
        conf: float = CONF,
        iou: float = IOU,
        max_det: int = MAX_DET,
        device: str | None = None,
    ):
        if isinstance(imgsz, bool) or not isinstance(imgsz, int) or not 32 <= imgsz <= 2048:
            raise InvalidInputError(f"FastSAM imgsz must be a whole number from 32 to 2048, not {imgsz!r}.")
        for label, value in (("conf", conf), ("iou", iou)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < value <= 1.0:
                raise InvalidInputError(f"FastSAM {label} must be in (0, 1], not {value!r}.")
        if isinstance(max_det, bool) or not isinstance(max_det, int) or max_det < 1:
            raise InvalidInputError(f"FastSAM max_det must be a positive whole number, not {max_det!r}.")
        missing = missing_packages("torch", "ultralytics")
        if missing:
            raise BackendUnavailableError(
                f"The segmenter 'fastsam' needs {' and '.join(missing)}, which is not installed "
                "(pip install torch ultralytics-opencv-headless)."
            )
        lookup = find_weights(weights, env_var=FASTSAM_WEIGHTS_ENV, filenames=FASTSAM_FILENAMES, what="FastSAM")
        if lookup.path is None:
            raise BackendUnavailableError(f"The segmenter 'fastsam' cannot run: {lookup.problem}")
        self.weights_path: Path = lookup.path
        self.imgsz = imgsz
        self.conf = float(conf)
        self.iou = float(iou)
        self.max_det = max_det
        self.device = pick_device(device)
        self._loaded = _load(self.weights_path, self.device)

    @classmethod
    def availability(cls) -> Availability:
        missing = missing_packages("torch", "ultralytics")
        if missing:
            return Availability(
                False,
                f"the package {' and '.join(missing)} is not installed "
                "(pip install torch ultralytics-opencv-headless).",
            )
        lookup = find_weights(None, env_var=FASTSAM_WEIGHTS_ENV, filenames=FASTSAM_FILENAMES, what="FastSAM")
        if lookup.path is None:
            return Availability(False, lookup.problem)
        return Availability(True, f"weights {lookup.path} (from {lookup.source}); loaded when first used.")

    def segment(self, image: np.ndarray) -> list[Segment]:
        """Candidate regions of a picture.

        Parameters
        ----------
        image : (H, W, 3) uint8 ndarray
            RGB picture (not modified).

        Returns
        -------
        list of Segment
            In picture coordinates, merged and hole-filled, ordered by confidence.
        """
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise InvalidInputError(f"FastSAM needs an RGB uint8 picture (H, W, 3), got {image.dtype} {image.shape}.")
        h, w = image.shape[:2]
        factor = min(1.0, self.imgsz / max(h, w))
        small = image
        if factor < 1.0:
            small = cv2.resize(image, (round(w * factor), round(h * factor)), interpolation=cv2.INTER_AREA)
        masks, scores = self._predict(small)
        segments = []
        for mask in merge_masks(masks, scores):
            segment = _to_picture(mask, (h, w))
            if segment is not None:
                segments.append(segment)
        return segments

    def _predict(self, small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Raw masks (N, h, w) bool and confidences (N,) for an (h, w, 3) RGB picture."""
        bgr = np.ascontiguousarray(small[..., ::-1])  # ultralytics reads numpy pictures as BGR
        return _run(self._loaded, bgr, self._options(), self.weights_path)

    def _options(self) -> dict[str, Any]:
        return {
            "imgsz": self.imgsz,
            "conf": self.conf,
            "iou": self.iou,
            "max_det": self.max_det,
            "device": self.device,
            "retina_masks": True,  # masks at the input copy's size, not the network's
            "verbose": False,
            "save": False,
        }


def _load(path: Path, device: str) -> LoadedModel:
    """The process-wide model for this file and device, loaded and checked on first use."""

    def load() -> Any:
        import_torch()
        ultralytics = import_ultralytics()
        try:
            model = ultralytics.FastSAM(str(path))  # an absolute path to an existing file: nothing to download
        except Exception as exc:  # ultralytics raises TypeError, RuntimeError, AssertionError... for bad files
            raise BackendUnavailableError(
                f"The FastSAM weights file {path} could not be loaded ({type(exc).__name__}: {first_line(exc)}); "
                f"replace it with FastSAM-s.pt or FastSAM-x.pt, or unset {FASTSAM_WEIGHTS_ENV}."
            ) from exc
        if getattr(model, "task", None) != "segment":
            raise BackendUnavailableError(
                f"The weights file {path} is a {getattr(model, 'task', 'unknown')!r} model, not a FastSAM "
                "segmentation model; use FastSAM-s.pt or FastSAM-x.pt."
            )
        model.add_callback("on_predict_start", _skip_cpu_warmup)
        return model

    def check(loaded: LoadedModel) -> None:
        warmup = np.zeros((WARMUP_SIDE, WARMUP_SIDE, 3), np.uint8)
        options = {"imgsz": WARMUP_SIDE, "conf": CONF, "device": device, "verbose": False, "save": False}
        _run(loaded, warmup, options, path)

    return _MODELS.get(path, device, load, check)


def _skip_cpu_warmup(predictor: Any) -> None:
    """ultralytics callback: on a CPU its warm-up runs no forward pass, it only imports torchvision.

    That import takes 2 to 4 s on a small machine just to use torchvision's NMS, and ultralytics' own
    torch NMS gives the same boxes; on a GPU the warm-up (a real forward pass) is kept.
    """
    if getattr(predictor, "device", None) is not None and predictor.device.type == "cpu":
        predictor.done_warmup = True


def _run(loaded: LoadedModel, bgr: np.ndarray, options: dict[str, Any], path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One locked inference; returns masks (N, h, w) bool and confidences (N,) float32 as numpy copies."""
    h, w = bgr.shape[:2]
    torch = import_torch()
    with loaded.lock:
        try:
            result = loaded.model.predict(bgr, **options)[0]
            apply_torch_threads(torch)  # ultralytics sets its own count when it builds a predictor
        except Exception as exc:
            raise BackendUnavailableError(
                f"FastSAM ({path}) failed on a {w}x{h} picture ({type(exc).__name__}: {first_line(exc)}); "
                "choose another segmenter (--segmenter felzenszwalb)."
            ) from exc
        if result.masks is None or len(result) == 0:
            return np.zeros((0, h, w), bool), np.zeros(0, np.float32)
        masks = (result.masks.data > MASK_THRESHOLD).cpu().numpy()
        scores = result.boxes.conf.float().cpu().numpy()
    if masks.shape[1:] != (h, w):  # retina masks come at the input's size; be safe if a version differs
        masks = np.stack([cv2.resize(m.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0 for m in masks])
    return masks, scores


def merge_masks(masks: np.ndarray, scores: np.ndarray) -> list[np.ndarray]:
    """Drop tiny and huge masks, merge near-duplicates (including nearly-equal nested ones), fill holes.

    Parameters
    ----------
    masks : (N, h, w) bool ndarray
    scores : (N,) float ndarray
        Confidence of each mask; the most confident of a group leads it.

    Returns
    -------
    list of (h, w) bool ndarray
        One mask per group (the union of its members, holes filled), most confident group first.
    """
    if len(masks) == 0:
        return []
    n, h, w = masks.shape
    areas = masks.reshape(n, -1).sum(axis=1)
    sized = (areas >= MIN_MASK_FRACTION * h * w) & (areas <= MAX_MASK_FRACTION * h * w)
    order = sorted(np.flatnonzero(sized).tolist(), key=lambda i: (-float(scores[i]), -int(areas[i]), i))
    # Pixel overlaps are counted only for pairs whose sizes and boxes allow a merge: no (n, n) matrix
    # product, whose BLAS threads crawl on a busy two-core machine.
    boxes = {i: _bbox(masks[i]) for i in order}
    leaders: list[int] = []  # each group's first (most confident) mask
    unions: list[np.ndarray] = []
    union_boxes: list[tuple[int, int, int, int]] = []
    for index in order:
        for g, leader in enumerate(leaders):
            smaller, larger = sorted((int(areas[index]), int(areas[leader])))
            if smaller < MERGE_AREA_RATIO * larger:
                continue
            (ay0, ay1, ax0, ax1), (by0, by1, bx0, bx1) = boxes[index], boxes[leader]
            y0, y1, x0, x1 = max(ay0, by0), min(ay1, by1), max(ax0, bx0), min(ax1, bx1)
            if y0 >= y1 or x0 >= x1:
                continue
            overlap = np.count_nonzero(masks[index, y0:y1, x0:x1] & masks[leader, y0:y1, x0:x1])
            if overlap >= MERGE_CONTAINMENT * smaller:
                unions[g] |= masks[index]
                uy0, uy1, ux0, ux1 = union_boxes[g]
                union_boxes[g] = (min(uy0, ay0), max(uy1, ay1), min(ux0, ax0), max(ux1, ax1))
                break
        else:
            leaders.append(index)
            unions.append(masks[index].copy())
            union_boxes.append(boxes[index])
    return [_fill_holes(mask, box) for mask, box in zip(unions, union_boxes, strict=True)]


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1) of a non-empty (h, w) bool mask, end-exclusive."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _fill_holes(mask: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The (h, w) bool mask with enclosed holes filled, working inside its ``box`` (y0, y1, x0, x1) only."""
    y0, y1, x0, x1 = box
    out = mask.copy()
    out[y0:y1, x0:x1] = fill_holes(mask[y0:y1, x0:x1])
    return out


def _to_picture(mask: np.ndarray, shape: tuple[int, int]) -> Segment | None:
    """Map an (h, w) bool mask of the reduced copy to a Segment of a picture of ``shape`` (H, W)."""
    h, w = mask.shape
    big_h, big_w = shape
    if (h, w) == (big_h, big_w):
        return Segment.from_mask(mask)
    if not mask.any():
        return None
    sx, sy = big_w / w, big_h / h
    y0, y1, x0, x1 = _bbox(mask)
    bx0, by0 = int(np.floor(x0 * sx)), int(np.floor(y0 * sy))
    bx1, by1 = min(big_w, int(np.ceil(x1 * sx))), min(big_h, int(np.ceil(y1 * sy)))
    local = mask[y0:y1, x0:x1].astype(np.float32)
    # Linear interpolation then a 0.5 cut gives smooth edges instead of blocky nearest-neighbour steps.
    big = cv2.resize(local, (bx1 - bx0, by1 - by0), interpolation=cv2.INTER_LINEAR) > 0.5
    if not big.any():
        return None
    return Segment((bx0, by0, bx1 - bx0, by1 - by0), big)
