"""Generic drawing for the app's pictures: found/revealed markers, hint circles, miss crosses, PNG bytes."""

from __future__ import annotations

import io
import math

import cv2
import numpy as np
from PIL import Image

from spotdiff_core.puzzle import Puzzle, draw_numbered_markers, marker_circle

from .game import Game

FOUND_COLOR = (0, 170, 80)
REVEALED_COLOR = (255, 0, 170)
HINT_COLOR = (255, 180, 0)
MISS_COLOR = (230, 30, 30)


def line_thickness(shape: tuple[int, int]) -> int:
    """A stroke width that reads well on a picture of this (H, W) at typical display sizes."""
    return max(2, round(min(shape) / 250))


def draw_dashed_circle(
    canvas: np.ndarray, center: tuple[int, int], radius: int, *, color: tuple[int, int, int], thickness: int
) -> None:
    """A dashed circle with a dark outline on ``canvas`` (H, W, 3) uint8, in place."""
    # Dashes about 14 px long whatever the radius, but never fewer than 9 of them.
    dash_degrees = max(6.0, min(20.0, 360.0 * 14 / (2 * math.pi * max(radius, 1))))
    angle = 0.0
    while angle < 360.0:
        end = min(angle + dash_degrees, 360.0)
        for c, t in (((40, 40, 40), thickness + 2), (color, thickness)):
            cv2.ellipse(canvas, center, (radius, radius), 0, angle, end, c, t, cv2.LINE_AA)
        angle += 2 * dash_degrees


def draw_cross(canvas: np.ndarray, x: float, y: float, *, color: tuple[int, int, int], thickness: int) -> None:
    """An X centred on ``(x, y)`` with a white outline on ``canvas`` (H, W, 3) uint8, in place."""
    arm = max(6, round(min(canvas.shape[:2]) / 40))
    cx, cy = round(x), round(y)
    for c, t in (((255, 255, 255), thickness + 3), (color, thickness + 1)):
        cv2.line(canvas, (cx - arm, cy - arm), (cx + arm, cy + arm), c, t, cv2.LINE_AA)
        cv2.line(canvas, (cx - arm, cy + arm), (cx + arm, cy - arm), c, t, cv2.LINE_AA)


PROTECTED_TINT = (150, 190, 255)  # a light blue wash: kept areas stay readable underneath
PROTECTED_EDGE = (30, 80, 200)


def guide_picture(puzzle: Puzzle, protected: np.ndarray) -> np.ndarray:
    """The original picture for pointing: ``protected`` (H, W) bool washed light blue with a blue edge, and
    every difference outlined and numbered, (H, W, 3) uint8."""
    canvas = np.array(puzzle.original, copy=True)
    if protected.any():
        tint = np.array(PROTECTED_TINT, np.float32)
        canvas[protected] = (0.55 * canvas[protected] + 0.45 * tint).astype(np.uint8)
        contours, _ = cv2.findContours(protected.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(canvas, contours, -1, PROTECTED_EDGE, line_thickness(puzzle.shape), cv2.LINE_AA)
    thickness = line_thickness(puzzle.shape)
    draw_numbered_markers(canvas, [(d, FOUND_COLOR, d.id) for d in puzzle.differences], thickness=thickness)
    return canvas


def board_pictures(game: Game, *, miss: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The two pictures of the Play page, (H, W, 3) uint8 each, with the game's marks drawn on both.

    Found differences get a green circle numbered in the order they were found; after "reveal all"
    the others get a magenta one inside a dashed ring (told apart without colour); an open hint is a dashed
    circle without a number; ``miss`` (working-size pixels) an X (the Play page draws its tap marks itself).
    """
    puzzle = game.puzzle
    thickness = line_thickness(puzzle.shape)
    pictures = []
    for base in (puzzle.original, puzzle.modified):
        canvas = np.array(base, copy=True)
        marks = [(puzzle.difference(did), FOUND_COLOR, number) for number, did in enumerate(game.found, start=1)]
        if game.revealed:
            start = len(game.found) + 1
            marks += [(puzzle.difference(did), REVEALED_COLOR, n) for n, did in enumerate(game.remaining, start=start)]
        if game.revealed:
            # Shape as well as colour (colour-blind players): a revealed answer has a dashed ring round its
            # circle, a found one a single solid ring. Drawn before the numbers, which go on top.
            for did in game.remaining:
                (cx, cy), radius = marker_circle(puzzle.difference(did), shape=puzzle.shape)
                outer = radius + 2 * thickness + 2
                draw_dashed_circle(canvas, (cx, cy), outer, color=REVEALED_COLOR, thickness=max(1, thickness - 1))
        draw_numbered_markers(canvas, marks, thickness=thickness)
        if game.hint is not None:
            draw_dashed_circle(canvas, game.hint.center, game.hint.radius, color=HINT_COLOR, thickness=thickness)
        if miss is not None:
            draw_cross(canvas, miss[0], miss[1], color=MISS_COLOR, thickness=thickness)
        pictures.append(canvas)
    return pictures[0], pictures[1]


def answer_key(puzzle: Puzzle) -> np.ndarray:
    """The changed picture with every difference outlined and numbered, (H, W, 3) uint8."""
    canvas = np.array(puzzle.modified, copy=True)
    marks = [(d, REVEALED_COLOR, d.id) for d in puzzle.differences]
    draw_numbered_markers(canvas, marks, thickness=line_thickness(puzzle.shape))
    return canvas


def png_bytes(image: np.ndarray) -> bytes:
    """A (H, W, 3) uint8 picture as PNG file bytes (in memory: nothing is written to disk)."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(buf, format="PNG", compress_level=6)
    return buf.getvalue()
