"""Shared fixtures: real photos from scikit-image and a drawn illustration, all offline."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

PHOTO_NAMES = ("astronaut", "coffee", "chelsea", "rocket")


def photo(name: str, long_side: int = 640) -> np.ndarray:
    """A real photo shipped inside scikit-image's wheel, RGB uint8, long side ``long_side``."""
    from skimage import data

    image = getattr(data, name)()
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    h, w = image.shape[:2]
    scale = long_side / max(h, w)
    return cv2.resize(image[..., :3], (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)


def illustration(width: int = 640, height: int = 480) -> np.ndarray:
    """A flat-colour drawing: sky, grass, a house, a sun, a tree, flowers, a ball and a cloud."""
    im = Image.new("RGB", (width, height), (150, 200, 245))
    d = ImageDraw.Draw(im)
    sx, sy = width / 640, height / 480

    def box(x0, y0, x1, y1):
        return [x0 * sx, y0 * sy, x1 * sx, y1 * sy]

    d.rectangle(box(0, 330, 640, 480), fill=(90, 170, 70))
    d.ellipse(box(520, 30, 600, 110), fill=(250, 210, 40))  # sun
    d.ellipse(box(80, 50, 200, 100), fill=(255, 255, 255))  # cloud
    d.rectangle(box(250, 200, 400, 330), fill=(200, 80, 60))  # house
    d.polygon([(240 * sx, 200 * sy), (325 * sx, 130 * sy), (410 * sx, 200 * sy)], fill=(120, 60, 40))  # roof
    d.rectangle(box(305, 260, 345, 330), fill=(90, 50, 30))  # door
    d.rectangle(box(265, 220, 295, 250), fill=(180, 220, 250))  # window
    d.rectangle(box(355, 220, 385, 250), fill=(180, 220, 250))  # window
    d.rectangle(box(470, 250, 490, 340), fill=(110, 70, 40))  # trunk
    d.ellipse(box(435, 170, 525, 260), fill=(40, 130, 50))  # crown
    for i, colour in enumerate([(230, 60, 120), (250, 240, 80), (160, 90, 220)]):
        cx = 60 + i * 60
        d.rectangle(box(cx - 2, 380, cx + 2, 420), fill=(40, 110, 40))
        d.ellipse(box(cx - 14, 360, cx + 14, 388), fill=colour)  # flowers
    d.ellipse(box(540, 390, 590, 440), fill=(40, 90, 220))  # ball
    d.ellipse(box(120, 230, 160, 270), fill=(128, 128, 128))  # grey stone
    return np.asarray(im).copy()


@pytest.fixture(params=PHOTO_NAMES)
def any_photo(request) -> np.ndarray:
    return photo(request.param)


@pytest.fixture
def drawing() -> np.ndarray:
    return illustration()
