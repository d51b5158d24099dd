"""Shared fixtures: real photos from scikit-image and a drawn illustration, all offline."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest
from hypothesis import settings

from spotdiff_core.samples import illustration

# Hypothesis: no wall-clock deadlines on shared 2-core machines; in CI, derandomised so a run can be repeated.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

# Real photos for the guarantee tests. Natural-only is the default and they hold few natural differences
# (coffee and rocket none or one, astronaut and bus a few at 512 px; chelsea, mostly fur around a protected
# face, none): tests of what holds for every difference make theirs with fill_weak=True.
PHOTO_NAMES = ("astronaut", "coffee", "bus", "rocket")
ULTRALYTICS_PHOTOS = ("bus", "zidane")  # street scene and portrait shipped inside the ultralytics package


def photo(name: str, long_side: int = 640) -> np.ndarray:
    """A real photo shipped inside scikit-image's or ultralytics' wheel, RGB uint8, long side ``long_side``."""
    if name in ULTRALYTICS_PHOTOS:
        import importlib.util
        from pathlib import Path

        from PIL import Image

        assets = Path(importlib.util.find_spec("ultralytics").origin).parent / "assets"
        image = np.asarray(Image.open(assets / f"{name}.jpg").convert("RGB"))
    else:
        from skimage import data

        image = getattr(data, name)()
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    h, w = image.shape[:2]
    scale = long_side / max(h, w)
    return cv2.resize(image[..., :3], (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)


@pytest.fixture(params=PHOTO_NAMES)
def any_photo(request) -> np.ndarray:
    return photo(request.param)


@pytest.fixture
def drawing() -> np.ndarray:
    return illustration()


FUZZ_LONG_ENV = "SPOTDIFF_FUZZ_LONG"


def pytest_collection_modifyitems(config, items):
    """Skip the long fuzzing runs unless asked for with `-m fuzz_long` or SPOTDIFF_FUZZ_LONG=1."""
    markexpr = config.getoption("markexpr", default="") or ""
    if os.environ.get(FUZZ_LONG_ENV) == "1" or ("fuzz_long" in markexpr and "not fuzz_long" not in markexpr):
        return
    skip = pytest.mark.skip(reason=f"long fuzzing run: select it with `-m fuzz_long` or {FUZZ_LONG_ENV}=1")
    for item in items:
        if "fuzz_long" in item.keywords:
            item.add_marker(skip)
