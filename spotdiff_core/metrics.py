"""Measurements of pictures and regions: saliency, region scores and conspicuity."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from . import limits


def spectral_residual_saliency(image: np.ndarray) -> np.ndarray:
    """Spectral-residual saliency (Hou & Zhang, 2007), normalised so the picture's mean is 1.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray

    Returns
    -------
    (H, W) float32 ndarray, mean 1.
    """
    h, w = image.shape[:2]
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    side = 96
    small = cv2.resize(gray, (side, max(8, round(side * h / w))), interpolation=cv2.INTER_AREA)
    spectrum = np.fft.fft2(small)
    log_amplitude = np.log(np.abs(spectrum) + 1e-6).astype(np.float32)
    phase = np.angle(spectrum)
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3))
    saliency = np.abs(np.fft.ifft2(np.exp(residual + 1j * phase))) ** 2
    saliency = cv2.GaussianBlur(saliency.astype(np.float32), (0, 0), 2.5)
    saliency = cv2.resize(saliency, (w, h), interpolation=cv2.INTER_LINEAR)
    mean = float(saliency.mean())
    return saliency / mean if mean > 0 else np.ones((h, w), np.float32)


def conspicuity(area_fraction: float, contrast: float, saliency: float) -> float:
    """How easy a change is to spot, 0..1, from its size, its colour contrast and its saliency.

    Size counts most (0.1 % of the picture scores 0, 10 % scores 1, on a log scale), then the
    mean dE above the visibility floor, then relative saliency (3x the picture's mean scores 1).
    """
    size = np.clip(np.log10(max(area_fraction, 1e-9) / limits.MIN_REGION_FRACTION) / 2.0, 0.0, 1.0)
    strength = np.clip((contrast - limits.MIN_CONTRAST_DELTA_E) / 40.0, 0.0, 1.0)
    salient = np.clip(saliency / 3.0, 0.0, 1.0)
    return round(float(0.45 * size + 0.35 * strength + 0.2 * salient), 4)


@dataclass(frozen=True)
class ChangeMeasure:
    """What a change does to its answer region, measured between original and modified."""

    area_fraction: float
    contrast: float  # mean dE
    lightness_contrast: float  # mean |dL|
    changed_fraction: float  # share of pixels with dE above CHANGED_PIXEL_DELTA_E
    saliency: float

    @property
    def conspicuity(self) -> float:
        return conspicuity(self.area_fraction, self.contrast, self.saliency)


def measure_change(
    original_lab: np.ndarray,
    modified_lab: np.ndarray,
    mask: np.ndarray,
    saliency_map: np.ndarray,
    *,
    picture_area: int | None = None,
) -> ChangeMeasure:
    """Measure a change over its (H, W) bool answer mask, from Lab pictures (H, W, 3) float32.

    The arrays may be a window of the picture; then ``picture_area`` is the whole picture's pixel count.
    """
    diff = original_lab[mask] - modified_lab[mask]
    de = np.linalg.norm(diff, axis=1)
    return ChangeMeasure(
        area_fraction=float(mask.sum() / (picture_area or mask.size)),
        contrast=float(de.mean()) if de.size else 0.0,
        lightness_contrast=float(np.abs(diff[:, 0]).mean()) if de.size else 0.0,
        changed_fraction=float((de > limits.CHANGED_PIXEL_DELTA_E).mean()) if de.size else 0.0,
        saliency=float(saliency_map[mask].mean()) if de.size else 0.0,
    )


def failed_guarantee(measure: ChangeMeasure, *, print_safe: bool, margin: float = 0.0) -> str | None:
    """The first puzzle guarantee (GUIDE section 4) a change breaks, or None if it keeps them all.

    ``margin`` raises the dE and |dL| floors (the pipeline accepts changes with some headroom).
    """
    if not limits.MIN_REGION_FRACTION <= measure.area_fraction <= limits.MAX_REGION_FRACTION:
        return f"area {measure.area_fraction:.4f} outside {limits.MIN_REGION_FRACTION}..{limits.MAX_REGION_FRACTION}"
    if measure.contrast < limits.MIN_CONTRAST_DELTA_E + margin:
        return f"mean dE {measure.contrast:.1f} below {limits.MIN_CONTRAST_DELTA_E}"
    if print_safe and measure.lightness_contrast < limits.MIN_PRINT_SAFE_DELTA_L + margin:
        return f"mean |dL| {measure.lightness_contrast:.1f} below {limits.MIN_PRINT_SAFE_DELTA_L}"
    if measure.changed_fraction < limits.MIN_CHANGED_FRACTION:
        return f"only {measure.changed_fraction:.2f} of the region visibly changed"
    return None
