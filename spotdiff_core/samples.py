"""Sample pictures that need no network: public-domain/CC0 photos shipped in scikit-image, and a drawing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw


@dataclass(frozen=True)
class Sample:
    """A bundled sample picture and where it comes from."""

    key: str
    title: str
    credit: str
    load: Callable[[], np.ndarray]


def _skimage(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from skimage import data

        image = getattr(data, name)()
        return np.ascontiguousarray(image[..., :3])

    return load


def illustration(width: int = 640, height: int = 480) -> np.ndarray:
    """A flat-colour drawing: sky, grass, a house, a sun, a tree, flowers, a ball, a cloud and a grey stone.

    Returns
    -------
    (height, width, 3) uint8 ndarray
    """
    im = Image.new("RGB", (width, height), (150, 200, 245))
    d = ImageDraw.Draw(im)
    sx, sy = width / 640, height / 480

    def box(x0: float, y0: float, x1: float, y1: float) -> list[float]:
        return [x0 * sx, y0 * sy, x1 * sx, y1 * sy]

    d.rectangle(box(0, 330, 640, 480), fill=(90, 170, 70))  # grass
    d.ellipse(box(520, 30, 600, 110), fill=(250, 210, 40))  # sun
    d.ellipse(box(80, 50, 200, 100), fill=(255, 255, 255))  # cloud
    d.rectangle(box(250, 200, 400, 330), fill=(200, 80, 60))  # house
    d.polygon([(240 * sx, 200 * sy), (325 * sx, 130 * sy), (410 * sx, 200 * sy)], fill=(120, 60, 40))  # roof
    d.rectangle(box(305, 260, 345, 330), fill=(90, 50, 30))  # door
    d.rectangle(box(265, 220, 295, 250), fill=(180, 220, 250))  # windows
    d.rectangle(box(355, 220, 385, 250), fill=(180, 220, 250))
    d.rectangle(box(470, 250, 490, 340), fill=(110, 70, 40))  # tree trunk
    d.ellipse(box(435, 170, 525, 260), fill=(40, 130, 50))  # tree crown
    for i, colour in enumerate([(230, 60, 120), (250, 240, 80), (160, 90, 220)]):
        cx = 60 + i * 60
        d.rectangle(box(cx - 2, 380, cx + 2, 420), fill=(40, 110, 40))  # stem
        d.ellipse(box(cx - 14, 360, cx + 14, 388), fill=colour)  # flower
    d.ellipse(box(540, 390, 590, 440), fill=(40, 90, 220))  # ball
    d.ellipse(box(120, 230, 160, 270), fill=(128, 128, 128))  # grey stone
    return np.asarray(im).copy()


SAMPLES: dict[str, Sample] = {
    s.key: s
    for s in (
        Sample("drawing", "Drawing: house and garden", "Drawn by this program (no copyright).", illustration),
        Sample("coffee", "Coffee cup", "Rachel Michetti, CC0 (scikit-image sample data).", _skimage("coffee")),
        Sample("astronaut", "Astronaut", "NASA, public domain (scikit-image sample data).", _skimage("astronaut")),
        Sample(
            "chelsea", "Chelsea the cat", "Stefan van der Walt, CC0 (scikit-image sample data).", _skimage("chelsea")
        ),
        Sample("rocket", "Rocket launch", "SpaceX, public domain (scikit-image sample data).", _skimage("rocket")),
    )
}
