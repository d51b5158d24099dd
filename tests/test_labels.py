"""Answer numbers: placed next to their own circle, never on another circle's outline or on another number."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotdiff_core.errors import InvalidInputError
from spotdiff_core.labels import LabelBox, LabelCircle, place_labels


def clashes(circles, boxes) -> list[str]:
    found = []
    for i, box in enumerate(boxes):
        for j, other in enumerate(boxes):
            if j > i and box.overlaps(other):
                found.append(f"label {i} overlaps label {j}")
        for j, circle in enumerate(circles):
            if j != i and box.touches_outline(circle):
                found.append(f"label {i} covers the outline of circle {j}")
    return found


def inside(box: LabelBox, bounds) -> bool:
    x0, y0, x1, y1 = bounds
    eps = 1e-6
    return box.x >= x0 - eps and box.y >= y0 - eps and box.x + box.w <= x1 + eps and box.y + box.h <= y1 + eps


circle_st = st.builds(
    LabelCircle,
    cx=st.floats(300, 700),
    cy=st.floats(300, 700),
    r=st.floats(8, 90),
    stroke=st.floats(0, 6),
)


@settings(max_examples=150, deadline=None)
@given(circles=st.lists(circle_st, min_size=1, max_size=10), w=st.floats(8, 30), h=st.floats(8, 20))
def test_crowded_circles_with_room_around_get_clear_labels(circles, w, h):
    # Up to 10 circles piled on each other in the middle of a 1000 x 1000 picture: there is room around
    # them, so every number must be readable: no number on another number or on another circle's outline.
    bounds = (0.0, 0.0, 1000.0, 1000.0)
    boxes = place_labels(circles, [(w, h)] * len(circles), bounds=bounds, gap=1.0)
    assert len(boxes) == len(circles)
    assert all(inside(b, bounds) for b in boxes)
    assert clashes(circles, boxes) == []
    for box, circle in zip(boxes, circles, strict=True):
        assert not box.touches_outline(circle)  # not on its own circle's outline either


@settings(max_examples=100, deadline=None)
@given(
    columns=st.integers(1, 5),
    rows=st.integers(1, 5),
    r=st.floats(5, 40),
    w=st.floats(6, 24),
    h=st.floats(6, 16),
)
def test_well_separated_circles_keep_their_label_close_top_right(columns, rows, r, w, h):
    # Circles far apart: each label sits top right of its own circle, one gap from the outline.
    spacing = 2 * (r + w + h) + 10
    circles = [
        LabelCircle(cx=spacing * (i + 1), cy=spacing * (j + 1), r=r, stroke=2.0)
        for i in range(columns)
        for j in range(rows)
    ]
    bounds = (0.0, 0.0, spacing * (columns + 1), spacing * (rows + 1))
    boxes = place_labels(circles, [(w, h)] * len(circles), bounds=bounds, gap=1.5)
    assert clashes(circles, boxes) == []
    for box, circle in zip(boxes, circles, strict=True):
        cx, cy = box.center
        assert cx > circle.cx and cy < circle.cy  # top right
        near, _ = box.distances_to(circle.cx, circle.cy)
        outline = circle.r + circle.stroke / 2
        assert outline + 1.5 - 1e-6 <= near <= outline + 1.5 + abs(w - h) / 2 + 1e-6


def test_the_label_moves_away_from_a_neighbour_that_covers_its_usual_place():
    # Circle 1 sits exactly where circle 0's number would go (top right): the number goes elsewhere.
    circles = [LabelCircle(100, 100, 20, 2), LabelCircle(130, 70, 20, 2)]
    naive = place_labels(circles[:1], [(12, 10)], bounds=(0, 0, 300, 300))[0]
    assert naive.touches_outline(circles[1])  # the check can fail: the usual place is taken
    boxes = place_labels(circles, [(12, 10)] * 2, bounds=(0, 0, 300, 300))
    assert clashes(circles, boxes) == []
    near, _ = boxes[0].distances_to(100, 100)
    assert near < 20 + 1 + 12 * 2  # still next to its own circle


def test_labels_stay_inside_the_picture_near_its_edges():
    circles = [
        LabelCircle(5, 5, 4, 1),
        LabelCircle(295, 5, 4, 1),
        LabelCircle(295, 195, 4, 1),
        LabelCircle(5, 195, 4, 1),
    ]
    bounds = (0, 0, 300, 200)
    boxes = place_labels(circles, [(14, 10)] * 4, bounds=bounds)
    assert all(inside(b, bounds) for b in boxes)
    assert clashes(circles, boxes) == []


def test_a_picture_too_small_for_every_label_still_gets_one_box_per_circle_inside_it():
    circles = [LabelCircle(10 + 3 * i, 10, 8, 1) for i in range(6)]
    bounds = (0, 0, 20, 20)
    boxes = place_labels(circles, [(8, 8)] * 6, bounds=bounds)
    assert len(boxes) == 6 and all(inside(b, bounds) for b in boxes)


def test_one_size_per_circle():
    with pytest.raises(InvalidInputError, match="2 sizes for 1 circles"):
        place_labels([LabelCircle(1, 1, 1)], [(1, 1), (1, 1)], bounds=(0, 0, 10, 10))


def test_outline_test_is_exact_for_a_box_inside_outside_and_across():
    circle = LabelCircle(0, 0, 10, 2)
    assert not LabelBox(-2, -2, 4, 4).touches_outline(circle)  # well inside
    assert LabelBox(8, -1, 4, 2).touches_outline(circle)  # across the outline
    assert not LabelBox(11.5, -1, 4, 2).touches_outline(circle)  # beyond the stroke
    assert LabelBox(10.9, -1, 4, 2).touches_outline(circle)  # on the stroke's outer half
    assert math.isclose(LabelBox(20, 0, 1, 1).distances_to(0, 0)[0], 20)


def crowded_puzzle():
    """Five differences 40 px apart on a 320 x 200 picture: their answer circles overlap."""
    import numpy as np

    from tests.helpers import make_puzzle

    masks = []
    for i in range(5):
        mask = np.zeros((200, 320), bool)
        mask[90 + 6 * i : 110 + 6 * i, 80 + 40 * i : 110 + 40 * i] = True
        masks.append(mask)
    return make_puzzle(masks)


def test_app_answer_key_numbers_are_never_covered_by_another_circle():
    import numpy as np

    from spotdiff_app.drawing import REVEALED_COLOR, answer_key, line_thickness
    from spotdiff_core.puzzle import label_boxes, marker_circle

    puzzle = crowded_puzzle()
    thickness = line_thickness(puzzle.shape)
    circles = [marker_circle(d, shape=puzzle.shape) for d in puzzle.differences]
    label_circles = [LabelCircle(cx, cy, r, thickness + 2) for (cx, cy), r in circles]
    boxes = label_boxes(puzzle.shape, circles, [str(d.id) for d in puzzle.differences], thickness=thickness)
    as_boxes = [LabelBox(x, y, w, h) for x, y, w, h in boxes]
    assert clashes(label_circles, as_boxes) == []
    # On the drawn key, every number's box is still in its own colour (or the white digit) at its edges:
    # no circle was drawn over it.
    key = answer_key(puzzle)
    for x, y, w, h in boxes:
        edge = np.concatenate(
            [key[y, x : x + w], key[y + h - 1, x : x + w], key[y : y + h, x], key[y : y + h, x + w - 1]]
        )
        assert (edge == np.array(REVEALED_COLOR, np.uint8)).all(axis=1).mean() > 0.9
