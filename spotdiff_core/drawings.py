"""Children's-book drawings made by code (flat colours, thick black outlines), for reviewing puzzles on drawn art."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image, ImageDraw

# Every scene is laid out on an 800 x 600 reference page and stretched to the requested size.
REFERENCE_SIZE = (800, 600)
OUTLINE_PX = 3.5  # outline width at 800 x 600
SUPERSAMPLE = 2  # drawn at twice the size and reduced, so edges are smooth like a printed page
INK = (20, 20, 20)

Point = tuple[float, float]
Colour = tuple[int, int, int]


class _Page:
    """A canvas in reference coordinates: every shape is filled flat and outlined in black ink."""

    def __init__(self, width: int, height: int, background: Colour) -> None:
        self.width, self.height = width, height
        self.sx = width * SUPERSAMPLE / REFERENCE_SIZE[0]
        self.sy = height * SUPERSAMPLE / REFERENCE_SIZE[1]
        self.scale = math.sqrt(self.sx * self.sy)
        self.lw = max(2, round(OUTLINE_PX * self.scale))
        self.image = Image.new("RGB", (width * SUPERSAMPLE, height * SUPERSAMPLE), background)
        self.draw = ImageDraw.Draw(self.image)

    def _pts(self, points: Sequence[Point]) -> list[Point]:
        return [(x * self.sx, y * self.sy) for x, y in points]

    def _box(self, x0: float, y0: float, x1: float, y1: float) -> list[float]:
        return [x0 * self.sx, y0 * self.sy, x1 * self.sx, y1 * self.sy]

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill: Colour, *, radius: float = 0) -> None:
        self.draw.rounded_rectangle(
            self._box(x0, y0, x1, y1), radius=radius * self.scale, fill=fill, outline=INK, width=self.lw
        )

    def ellipse(self, x0: float, y0: float, x1: float, y1: float, fill: Colour) -> None:
        self.draw.ellipse(self._box(x0, y0, x1, y1), fill=fill, outline=INK, width=self.lw)

    def circle(self, cx: float, cy: float, r: float, fill: Colour) -> None:
        self.ellipse(cx - r, cy - r, cx + r, cy + r, fill)

    def dot(self, cx: float, cy: float, r: float, fill: Colour = INK) -> None:
        """A small filled circle without outline (eyes, knobs, nail heads)."""
        self.draw.ellipse(self._box(cx - r, cy - r, cx + r, cy + r), fill=fill)

    def polygon(self, points: Sequence[Point], fill: Colour) -> None:
        pts = self._pts(points)
        self.draw.polygon(pts, fill=fill)
        self.draw.line([*pts, pts[0], pts[1]], fill=INK, width=self.lw, joint="curve")

    def line(self, points: Sequence[Point], *, colour: Colour = INK, width: float = 1.0) -> None:
        """A stroke ``width`` times the outline width, with round ends."""
        pts = self._pts(points)
        w = max(1, round(self.lw * width))
        self.draw.line(pts, fill=colour, width=w, joint="curve")
        for x, y in (pts[0], pts[-1]):
            self.draw.ellipse([x - w / 2, y - w / 2, x + w / 2, y + w / 2], fill=colour)

    def stroke(self, points: Sequence[Point], colour: Colour, *, width: float = 1.5) -> None:
        """A coloured stroke ``width`` times the outline width, itself outlined in ink (stems, rails, rods)."""
        self.line(points, width=width + 1.0)
        self.line(points, colour=colour, width=width)

    def pieslice(self, x0: float, y0: float, x1: float, y1: float, start: float, end: float, fill: Colour) -> None:
        self.draw.pieslice(self._box(x0, y0, x1, y1), start, end, fill=fill, outline=INK, width=self.lw)

    def blob(self, ellipses: Sequence[tuple[float, float, float, float]], fill: Colour) -> None:
        """The union of several ellipses with one outline around it (clouds, tree crowns, bushes)."""
        for box in ellipses:
            self.draw.ellipse(self._box(*box), fill=INK)
        for box in ellipses:
            x0, y0, x1, y1 = self._box(*box)
            self.draw.ellipse([x0 + self.lw, y0 + self.lw, x1 - self.lw, y1 - self.lw], fill=fill)

    def result(self) -> np.ndarray:
        return np.asarray(self.image.reduce(SUPERSAMPLE), dtype=np.uint8).copy()


# --- shared motifs -----------------------------------------------------------


def _sun(page: _Page, cx: float, cy: float, r: float) -> None:
    for k in range(10):
        a = k * math.pi / 5
        tip = (cx + (r + 24) * math.cos(a), cy + (r + 24) * math.sin(a))
        left = (cx + (r - 4) * math.cos(a - 0.22), cy + (r - 4) * math.sin(a - 0.22))
        right = (cx + (r - 4) * math.cos(a + 0.22), cy + (r - 4) * math.sin(a + 0.22))
        page.polygon([left, tip, right], (255, 190, 40))
    page.circle(cx, cy, r, (255, 220, 60))


def _cloud(page: _Page, x: float, y: float, w: float) -> None:
    h = w * 0.45
    page.blob(
        [
            (x, y + h * 0.35, x + w * 0.45, y + h),
            (x + w * 0.2, y, x + w * 0.65, y + h * 0.85),
            (x + w * 0.5, y + h * 0.15, x + w * 0.9, y + h * 0.9),
            (x + w * 0.6, y + h * 0.4, x + w, y + h),
            (x + w * 0.15, y + h * 0.45, x + w * 0.85, y + h),
        ],
        (252, 252, 255),
    )


def _window(page: _Page, x0: float, y0: float, x1: float, y1: float, frame: Colour = (250, 250, 245)) -> None:
    page.rect(x0 - 4, y0 - 4, x1 + 4, y1 + 4, frame)
    page.rect(x0 + 2, y0 + 2, x1 - 2, y1 - 2, (170, 215, 250))
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    page.line([(mx, y0 + 2), (mx, y1 - 2)])
    page.line([(x0 + 2, my), (x1 - 2, my)])
    page.rect(x0 - 8, y1 + 2, x1 + 8, y1 + 9, frame)  # sill


def _flower(page: _Page, cx: float, cy: float, r: float, petals: Colour, *, stem_to: float | None = None) -> None:
    if stem_to is not None:
        page.stroke([(cx, cy), (cx, stem_to)], (60, 150, 60), width=1.4)
        leaf_y = (cy + stem_to) / 2 + r * 0.4
        page.polygon([(cx, leaf_y), (cx + r * 0.9, leaf_y - r * 0.7), (cx + r * 1.3, leaf_y - r * 0.2)], (80, 170, 70))
    for k in range(5):
        a = -math.pi / 2 + k * 2 * math.pi / 5
        page.circle(cx + r * 0.62 * math.cos(a), cy + r * 0.62 * math.sin(a), r * 0.5, petals)
    page.circle(cx, cy, r * 0.38, (250, 210, 50))


def _round_tree(page: _Page, cx: float, top: float, ground: float, width: float, *, apples: bool = False) -> None:
    trunk_w = width * 0.18
    page.polygon(
        [
            (cx - trunk_w * 0.8, ground),
            (cx - trunk_w / 2, top + width * 0.6),
            (cx + trunk_w / 2, top + width * 0.6),
            (cx + trunk_w * 0.8, ground),
        ],
        (140, 90, 50),
    )
    w = width
    page.blob(
        [
            (cx - w * 0.5, top + w * 0.2, cx - w * 0.02, top + w * 0.62),
            (cx - w * 0.3, top, cx + w * 0.25, top + w * 0.45),
            (cx - w * 0.05, top + w * 0.12, cx + w * 0.5, top + w * 0.6),
            (cx - w * 0.35, top + w * 0.35, cx + w * 0.35, top + w * 0.8),
        ],
        (70, 160, 70),
    )
    if apples:
        for ax, ay in ((-0.28, 0.42), (0.05, 0.25), (0.28, 0.5), (-0.05, 0.6)):
            page.circle(cx + ax * w, top + ay * w, w * 0.055, (220, 50, 50))


def _butterfly(page: _Page, cx: float, cy: float, size: float, wings: Colour) -> None:
    s = size
    page.line([(cx, cy - s * 0.4), (cx - s * 0.3, cy - s * 0.9)], width=0.5)
    page.line([(cx, cy - s * 0.4), (cx + s * 0.3, cy - s * 0.9)], width=0.5)
    page.ellipse(cx - s, cy - s * 0.8, cx, cy + s * 0.1, wings)
    page.ellipse(cx, cy - s * 0.8, cx + s, cy + s * 0.1, wings)
    lower = (min(wings[0] + 60, 255), min(wings[1] + 60, 255), min(wings[2] + 60, 255))
    page.ellipse(cx - s * 0.7, cy - s * 0.05, cx, cy + s * 0.6, lower)
    page.ellipse(cx, cy - s * 0.05, cx + s * 0.7, cy + s * 0.6, lower)
    page.ellipse(cx - s * 0.14, cy - s * 0.55, cx + s * 0.14, cy + s * 0.6, (70, 50, 40))


# --- the scenes ---------------------------------------------------------------


def street_scene(*, width: int = 800, height: int = 600) -> np.ndarray:
    """A street in a children's book: two houses, a tree, a car, a dog, a lamp post and more.

    Flat colours with thick black outlines, drawn by code (deterministic, no files). Objects: sun,
    two clouds, a balloon, a yellow house (roof, chimney, round attic window, four windows, door,
    flower box), a mailbox, an apple tree, a blue house (roof, attic window, five windows, door),
    a bush, a lamp post, a fire hydrant, a dog seen from the side, a car and road markings.

    Parameters
    ----------
    width, height : int, keyword-only
        Size of the picture in pixels (the scene is laid out for 800 x 600 and stretched).

    Returns
    -------
    image : (height, width, 3) uint8 ndarray
        The RGB drawing.
    """
    p = _Page(width, height, (165, 215, 250))
    _sun(p, 80, 75, 36)
    _cloud(p, 170, 35, 150)
    _cloud(p, 560, 50, 120)
    # pavement and road
    p.rect(-10, 398, 810, 472, (215, 208, 195))
    for x in range(40, 800, 120):
        p.line([(x, 400), (x - 14, 470)], width=0.6)
    p.rect(-10, 470, 810, 610, (105, 105, 115))
    for x in range(10, 800, 130):
        p.rect(x, 585, x + 70, 596, (250, 250, 250))

    # yellow house
    p.rect(185, 140, 212, 205, (160, 90, 70))  # chimney
    p.rect(180, 132, 217, 144, (160, 90, 70))
    p.rect(40, 228, 250, 400, (245, 195, 95))
    p.polygon([(22, 236), (145, 138), (268, 236)], (200, 65, 55))
    p.circle(145, 200, 15, (170, 215, 250))
    p.line([(145, 186), (145, 214)], width=0.6)
    for x0, y0 in ((62, 252), (183, 252), (62, 318), (183, 318)):
        _window(p, x0, y0, x0 + 46, y0 + 44)
    p.rect(120, 320, 170, 400, (110, 70, 150), radius=6)
    p.dot(160, 362, 4, (250, 210, 60))
    p.rect(112, 396, 178, 405, (180, 170, 160))  # step
    p.rect(176, 372, 238, 392, (160, 100, 60))  # flower box
    for k, colour in enumerate(((240, 80, 120), (250, 240, 90), (170, 100, 230))):
        _flower(p, 190 + k * 21, 362, 11, colour)

    # mailbox
    p.rect(268, 342, 277, 410, (140, 90, 50))
    p.rect(252, 312, 294, 348, (60, 110, 210), radius=10)
    p.rect(292, 300, 298, 334, (230, 50, 50))
    p.rect(298, 300, 314, 311, (230, 50, 50))

    # apple tree between the houses
    _round_tree(p, 345, 155, 412, 150, apples=True)

    # balloon floating away, with its string
    p.line([(382, 150), (375, 180), (388, 210), (380, 240)], width=0.5)
    p.ellipse(355, 82, 410, 148, (235, 60, 80))
    p.polygon([(376, 146), (389, 146), (382, 155)], (235, 60, 80))
    p.ellipse(366, 95, 378, 112, (250, 160, 170))  # shine

    # blue house
    p.rect(430, 190, 640, 400, (125, 175, 225))
    p.polygon([(412, 197), (535, 108), (658, 197)], (95, 95, 120))
    p.circle(535, 160, 16, (250, 230, 140))
    for x0 in (448, 515, 582):
        _window(p, x0, 212, x0 + 40, 254)
    for x0 in (448, 582):
        _window(p, x0, 290, x0 + 40, 332)
    p.rect(511, 296, 559, 400, (215, 60, 60), radius=6)
    p.rect(520, 306, 550, 330, (170, 215, 250), radius=4)
    p.dot(550, 355, 4, (250, 210, 60))
    p.rect(503, 396, 567, 405, (180, 170, 160))
    p.blob([(578, 368, 625, 410), (605, 360, 655, 410), (632, 372, 672, 410)], (60, 150, 75))  # bush

    # lamp post
    p.rect(700, 392, 732, 412, (50, 80, 70))
    p.rect(710, 190, 722, 396, (50, 80, 70))
    p.rect(695, 160, 737, 192, (255, 240, 150))
    p.polygon([(688, 162), (716, 138), (744, 162)], (50, 80, 70))
    p.rect(700, 188, 732, 198, (50, 80, 70))

    # fire hydrant
    p.rect(406, 452, 444, 462, (200, 40, 40))
    p.rect(412, 418, 438, 455, (225, 50, 50), radius=4)
    p.rect(404, 428, 446, 440, (200, 40, 40), radius=4)
    p.pieslice(411, 404, 439, 432, 180, 360, (200, 40, 40))

    # dog, seen from the side
    for x0 in (78, 94, 132, 148):
        p.rect(x0, 436, x0 + 12, 466, (205, 145, 85), radius=3)
    p.polygon([(70, 428), (44, 404), (50, 400), (78, 420)], (205, 145, 85))  # tail
    p.ellipse(66, 408, 168, 450, (205, 145, 85))
    p.ellipse(140, 384, 188, 428, (205, 145, 85))  # head
    p.ellipse(170, 402, 200, 424, (225, 180, 120))  # snout
    p.dot(196, 408, 5)  # nose
    p.dot(170, 398, 3.5)  # eye
    p.polygon([(146, 388), (162, 384), (156, 420), (142, 414)], (140, 90, 50))  # ear
    p.rect(136, 418, 160, 428, (220, 50, 50), radius=3)  # collar

    # car
    p.polygon([(505, 488), (535, 440), (640, 440), (672, 488)], (225, 55, 55))
    p.polygon([(521, 484), (543, 450), (584, 450), (584, 484)], (170, 215, 250))
    p.polygon([(594, 484), (594, 450), (633, 450), (654, 484)], (170, 215, 250))
    p.rect(462, 480, 712, 545, (225, 55, 55), radius=16)
    p.line([(592, 484), (592, 540)], width=0.6)
    p.rect(568, 500, 584, 506, (80, 80, 90), radius=2)  # door handle
    p.ellipse(694, 494, 710, 512, (255, 235, 120))  # headlight
    p.rect(462, 496, 474, 512, (250, 150, 40), radius=3)  # tail light
    for cx in (522, 650):
        p.circle(cx, 545, 26, (45, 45, 50))
        p.circle(cx, 545, 11, (190, 190, 200))
    return p.result()


def kitchen_table(*, width: int = 800, height: int = 600) -> np.ndarray:
    """A kitchen in a children's book: a laid table under a window, a clock and a picture on the wall.

    Flat colours with thick black outlines, drawn by code (deterministic, no files). Objects: a
    window with two curtains and a rod, a wall clock, a framed picture, a shelf with a jar and a
    plant, a table with a checked cloth, a teapot, a cup on a saucer, a plate with an apple, a pear
    and a banana, a vase of three flowers, a rug, a pet bowl and a ball of wool.

    Parameters
    ----------
    width, height : int, keyword-only
        Size of the picture in pixels (the scene is laid out for 800 x 600 and stretched).

    Returns
    -------
    image : (height, width, 3) uint8 ndarray
        The RGB drawing.
    """
    p = _Page(width, height, (250, 232, 185))
    # floor and skirting
    p.rect(-10, 410, 810, 610, (195, 140, 90))
    for y in (455, 510, 570):
        p.line([(-10, y), (810, y)], width=0.5)
    p.rect(-10, 394, 810, 412, (250, 250, 245))

    # window with curtains
    p.rect(58, 62, 282, 266, (250, 250, 245))
    p.rect(74, 78, 266, 250, (170, 215, 250))
    p.polygon([(76, 250), (76, 200), (150, 170), (230, 205), (264, 195), (264, 250)], (120, 200, 100))  # hills
    p.rect(164, 76, 176, 252, (250, 250, 245))
    p.rect(72, 158, 268, 170, (250, 250, 245))
    p.rect(44, 262, 296, 280, (250, 250, 245))
    p.stroke([(26, 50), (314, 50)], (150, 95, 55), width=1.6)
    p.circle(26, 50, 8, (150, 95, 55))
    p.circle(314, 50, 8, (150, 95, 55))
    p.polygon([(38, 50), (112, 50), (94, 150), (108, 272), (42, 285)], (235, 120, 150))
    p.polygon([(228, 50), (302, 50), (298, 285), (232, 272), (246, 150)], (235, 120, 150))
    for x in (60, 84):
        p.line([(x, 60), (x - 4, 270)], width=0.5)
    for x in (256, 280):
        p.line([(x, 60), (x + 2, 270)], width=0.5)
    p.rect(84, 140, 104, 156, (250, 200, 60), radius=4)  # tie-backs
    p.rect(236, 140, 256, 156, (250, 200, 60), radius=4)

    # clock
    p.circle(420, 88, 56, (200, 125, 65))
    p.circle(420, 88, 44, (252, 250, 240))
    for k in range(12):
        a = k * math.pi / 6
        inner = 32 if k % 3 else 28
        p.line(
            [(420 + inner * math.cos(a), 88 + inner * math.sin(a)), (420 + 39 * math.cos(a), 88 + 39 * math.sin(a))],
            width=0.5 if k % 3 else 0.8,
        )
    p.line([(420, 88), (420, 60)], width=0.9)
    p.line([(420, 88), (440, 100)], width=1.0)
    p.dot(420, 88, 5)

    # framed picture on a string
    p.line([(562, 62), (635, 30), (708, 62)], width=0.5)
    p.dot(635, 30, 4)
    p.rect(540, 60, 730, 200, (220, 170, 60))
    p.rect(558, 78, 712, 182, (185, 225, 250))
    p.polygon([(560, 180), (600, 128), (632, 158), (668, 112), (710, 180)], (110, 160, 110))
    p.circle(690, 100, 11, (255, 220, 60))

    # shelf with a jar and a plant
    p.polygon([(346, 206), (366, 206), (350, 226)], (150, 95, 55))
    p.polygon([(476, 206), (496, 206), (492, 226)], (150, 95, 55))
    p.rect(330, 194, 512, 208, (160, 100, 60))
    p.rect(344, 154, 386, 194, (190, 225, 235), radius=6)
    p.rect(340, 144, 390, 158, (220, 60, 60), radius=3)
    p.rect(352, 166, 378, 184, (240, 140, 60), radius=3)  # label
    for x0, y0, x1, y1 in ((462, 162, 452, 128), (472, 162, 478, 120), (482, 162, 504, 132)):
        p.polygon([(x0 - 5, y0), (x1, y1), (x0 + 5, y0)], (70, 160, 70))
    p.polygon([(450, 158), (500, 158), (492, 194), (458, 194)], (205, 105, 65))

    # table with a checked cloth and two legs
    p.rect(90, 392, 116, 572, (160, 100, 60))
    p.rect(684, 392, 710, 572, (160, 100, 60))
    p.rect(40, 324, 760, 398, (235, 70, 70))
    for k in range(18):
        x0 = 40 + k * 40
        if k % 2 == 0:
            p.rect(x0, 366, x0 + 40, 398, (252, 250, 245))
        else:
            p.rect(x0, 334, x0 + 40, 366, (252, 250, 245))

    # teapot
    p.ellipse(88, 258, 138, 312, (70, 160, 145))
    p.ellipse(100, 270, 126, 300, (250, 232, 185))  # the hole of the handle shows the wall
    p.polygon([(222, 296), (266, 252), (280, 256), (240, 314)], (70, 160, 145))
    p.ellipse(118, 236, 236, 328, (70, 160, 145))
    p.rect(120, 280, 234, 292, (250, 235, 120))  # band
    p.ellipse(148, 222, 206, 246, (70, 160, 145))
    p.circle(177, 216, 8, (250, 235, 120))

    # cup on a saucer
    p.ellipse(342, 276, 370, 306, (250, 200, 60))
    p.ellipse(348, 282, 362, 300, (250, 232, 185))
    p.ellipse(272, 312, 362, 330, (250, 250, 245))
    p.polygon([(284, 270), (350, 270), (340, 318), (294, 318)], (250, 200, 60))
    p.ellipse(284, 263, 350, 277, (110, 65, 40))
    for x in (304, 326):
        p.line([(x, 254), (x - 6, 240), (x + 2, 226), (x - 4, 212)], colour=(150, 150, 160), width=0.6)

    # plate with fruit
    p.ellipse(380, 304, 584, 336, (225, 232, 245))
    p.ellipse(404, 310, 560, 330, (252, 252, 252))
    p.blob([(488, 274, 540, 322), (498, 246, 530, 284)], (195, 210, 75))  # pear
    p.line([(514, 248), (518, 234)], colour=(110, 70, 40), width=1.0)
    p.circle(448, 292, 28, (220, 45, 50))  # apple
    p.line([(448, 266), (452, 252)], colour=(110, 70, 40), width=1.0)
    p.polygon([(452, 258), (470, 248), (476, 256), (460, 262)], (80, 170, 70))
    outer = [(490 + 80 * math.cos(a), 238 + 80 * math.sin(a)) for a in np.linspace(0.55, 2.6, 18)]
    inner = [(490 + 76 * math.cos(a), 226 + 76 * math.sin(a)) for a in np.linspace(2.45, 0.7, 16)]
    p.polygon(outer + inner, (250, 220, 70))  # banana
    p.dot(outer[0][0] - 2, outer[0][1] - 6, 4, (90, 60, 30))

    # vase with flowers
    for (fx, fy), colour in zip(
        ((612, 176), (646, 150), (684, 182)), ((240, 80, 120), (170, 100, 230), (250, 150, 50)), strict=True
    ):
        p.stroke([(640, 262), (fx, fy)], (60, 150, 60), width=1.2)
        _flower(p, fx, fy, 17, colour)
    p.polygon([(662, 226), (682, 212), (690, 222), (668, 234)], (80, 170, 70))
    p.polygon([(616, 250), (664, 250), (682, 288), (664, 324), (616, 324), (598, 288)], (90, 115, 205))
    p.rect(612, 244, 668, 256, (90, 115, 205), radius=4)

    # pet bowl, rug and a ball of wool
    p.pieslice(128, 500, 208, 560, 0, 180, (60, 170, 200))
    p.ellipse(128, 520, 208, 540, (60, 170, 200))
    p.ellipse(138, 523, 198, 536, (150, 90, 50))
    p.ellipse(210, 470, 580, 590, (130, 95, 175))
    p.ellipse(250, 486, 540, 574, (240, 200, 90))
    p.ellipse(290, 502, 500, 558, (130, 95, 175))
    p.line([(620, 538), (660, 560), (720, 552), (760, 575)], colour=(90, 90, 200), width=0.9)
    p.circle(620, 520, 30, (90, 90, 200))
    for k in range(3):
        p.line([(598 + k * 10, 500 + k * 3), (612 + k * 12, 548)], width=0.5)
    return p.result()


def park_scene(*, width: int = 800, height: int = 600) -> np.ndarray:
    """A park in a children's book: trees, a pond with a duck, a bench, a slide, a kite and more.

    Flat colours with thick black outlines, drawn by code (deterministic, no files). Objects: sun,
    a cloud, two birds, a kite with a bowed tail, hills, a round tree with a birdhouse, a pine
    tree, a small tree, a fence, a slide with a ladder, a pond with a duck, lily pads and reeds,
    a bench, a row of flowers, a beach ball, a rock and three butterflies.

    Parameters
    ----------
    width, height : int, keyword-only
        Size of the picture in pixels (the scene is laid out for 800 x 600 and stretched).

    Returns
    -------
    image : (height, width, 3) uint8 ndarray
        The RGB drawing.
    """
    p = _Page(width, height, (165, 215, 250))
    _sun(p, 725, 72, 34)
    _cloud(p, 130, 40, 160)
    for bx, by in ((330, 70), (365, 92)):
        p.line([(bx - 14, by - 6), (bx, by + 2), (bx + 14, by - 6)], width=0.7)

    # hills and grass
    p.ellipse(-120, 220, 460, 440, (140, 200, 100))
    p.ellipse(380, 232, 940, 452, (125, 190, 95))
    p.rect(-10, 318, 810, 610, (135, 205, 95))

    # kite with its string and tail
    p.line([(500, 112), (600, 150), (700, 178), (820, 196)], width=0.45)
    tail = [(500, 178), (486, 205), (504, 232), (488, 260)]
    p.line(tail, width=0.5)
    for (tx, ty), colour in zip(tail[1:], ((250, 200, 60), (80, 170, 230), (230, 70, 90)), strict=True):
        p.polygon([(tx, ty), (tx - 12, ty - 8), (tx - 12, ty + 8)], colour)
        p.polygon([(tx, ty), (tx + 12, ty - 8), (tx + 12, ty + 8)], colour)
    top, right, bottom, left, mid = (500, 58), (532, 110), (500, 178), (468, 110), (500, 110)
    p.polygon([top, right, mid], (235, 60, 70))
    p.polygon([right, bottom, mid], (250, 200, 60))
    p.polygon([bottom, left, mid], (235, 60, 70))
    p.polygon([left, top, mid], (250, 200, 60))

    # trees, birdhouse and fence
    p.rect(270, 290, 560, 300, (250, 250, 245))
    p.rect(270, 318, 560, 328, (250, 250, 245))
    for x in range(276, 560, 26):
        p.polygon([(x, 346), (x, 284), (x + 8, 274), (x + 16, 284), (x + 16, 346)], (250, 250, 245))
    _round_tree(p, 95, 80, 372, 190)
    p.rect(75, 268, 115, 306, (230, 90, 60))
    p.polygon([(68, 272), (95, 246), (122, 272)], (120, 80, 160))
    p.dot(95, 284, 7)
    p.line([(95, 296), (95, 304)], colour=(90, 60, 30), width=0.8)
    p.rect(230, 290, 246, 342, (140, 90, 50))
    for y_top, half in ((150, 34), (190, 44), (232, 54)):
        p.polygon([(238, y_top), (238 + half, y_top + 70), (238 - half, y_top + 70)], (50, 140, 80))
    _round_tree(p, 745, 205, 335, 80)

    # slide with ladder
    p.stroke([(588, 240), (570, 410)], (90, 110, 200), width=2.0)
    p.stroke([(620, 240), (604, 410)], (90, 110, 200), width=2.0)
    for k in range(6):
        y = 270 + k * 26
        p.line([(588 - (y - 240) * 0.106, y), (620 - (y - 240) * 0.094, y)], width=0.9)
    p.rect(580, 228, 650, 244, (90, 110, 200))
    p.polygon([(640, 228), (660, 228), (780, 392), (780, 410), (750, 410)], (250, 170, 50))
    p.rect(740, 404, 790, 414, (250, 170, 50))

    # pond with lily pads, reeds and a duck
    p.ellipse(290, 392, 600, 526, (80, 150, 225))
    p.ellipse(320, 404, 420, 424, (150, 200, 245))
    for cx, cy in ((345, 470), (545, 452), (520, 500)):
        p.pieslice(cx - 20, cy - 11, cx + 20, cy + 11, 30, 330, (70, 170, 80))
    for x, h in ((296, 72), (308, 86), (320, 64)):
        p.stroke([(x, 452), (x, 452 - h)], (60, 150, 60), width=1.0)
        p.ellipse(x - 5, 452 - h, x + 5, 452 - h + 26, (140, 90, 50))
    p.ellipse(410, 430, 492, 472, (250, 250, 245))  # duck body
    p.polygon([(414, 446), (396, 428), (420, 438)], (250, 250, 245))  # tail
    p.ellipse(430, 438, 470, 458, (225, 230, 235))  # wing
    p.circle(488, 418, 17, (250, 250, 245))
    p.polygon([(502, 414), (522, 420), (502, 426)], (250, 150, 40))
    p.dot(492, 412, 3.5)
    p.line([(404, 474), (500, 474)], colour=(150, 200, 245), width=0.8)

    # bench
    for x0 in (56, 196):
        p.rect(x0, 430, x0 + 12, 482, (80, 80, 90))
    p.rect(40, 372, 230, 388, (190, 120, 65), radius=3)
    p.rect(40, 394, 230, 410, (190, 120, 65), radius=3)
    p.rect(56, 384, 66, 420, (80, 80, 90))
    p.rect(204, 384, 214, 420, (80, 80, 90))
    p.rect(30, 418, 240, 436, (190, 120, 65), radius=3)

    # rock, beach ball, flowers and butterflies
    p.polygon([(620, 470), (640, 446), (680, 440), (706, 462), (700, 478), (628, 480)], (160, 160, 170))
    colours = ((230, 60, 70), (250, 250, 245), (60, 120, 220), (250, 250, 245), (250, 200, 60), (250, 250, 245))
    for k, colour in enumerate(colours):
        p.pieslice(640, 500, 700, 560, k * 60, (k + 1) * 60, colour)
    p.circle(670, 530, 6, (250, 250, 245))
    petals = ((240, 80, 120), (250, 240, 90), (170, 100, 230), (250, 150, 50), (240, 80, 120), (90, 150, 240))
    for k, colour in enumerate(petals):
        _flower(p, 60 + k * 62, 530 + (k % 2) * 12, 15, colour, stem_to=598)
    _butterfly(p, 262, 370, 20, (240, 130, 40))
    _butterfly(p, 590, 556, 18, (170, 100, 230))
    _butterfly(p, 405, 205, 18, (80, 170, 230))
    return p.result()


DRAWINGS: dict[str, Callable[..., np.ndarray]] = {
    "street": street_scene,
    "kitchen": kitchen_table,
    "park": park_scene,
}
