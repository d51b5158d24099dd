"""Hit-testing a click against the answers: inside hits, near misses within the tolerance count, far ones do not."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import ndimage

from spotdiff_core import generate_puzzle
from spotdiff_core.puzzle import Puzzle
from tests.helpers import make_puzzle
from tests.test_guarantees import picture

H, W = 160, 200
HYPOTHESIS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _shape(kind: str, cx: int, cy: int, size: int) -> np.ndarray:
    yy, xx = np.mgrid[:H, :W]
    if kind == "disc":
        return (xx - cx) ** 2 + (yy - cy) ** 2 <= size**2
    if kind == "ring":
        r2 = (xx - cx) ** 2 + (yy - cy) ** 2
        return (r2 <= size**2) & (r2 >= (size // 2) ** 2)
    if kind == "bar":
        return (abs(xx - cx) <= size) & (abs(yy - cy) <= max(1, size // 4))
    return (abs(xx - cx) <= size) & (abs(yy - cy) <= size)  # square


@st.composite
def puzzles(draw) -> Puzzle:
    """A synthetic puzzle with 1 to 4 disjoint regions of assorted shapes (a ring has a hole: a real 'miss' inside)."""
    n = draw(st.integers(1, 4))
    taken = np.zeros((H, W), bool)
    masks = []
    for _ in range(n):
        kind = draw(st.sampled_from(["disc", "ring", "bar", "square"]))
        mask = _shape(kind, draw(st.integers(0, W - 1)), draw(st.integers(0, H - 1)), draw(st.integers(1, 30)))
        mask &= ~taken
        if mask.any():
            masks.append(mask)
            taken |= mask
    if not masks:
        masks.append(_shape("disc", W // 2, H // 2, 10))
    return make_puzzle(masks)


def _distances(puzzle: Puzzle) -> dict[int, np.ndarray]:
    """Exact distance (pixel centres) from every pixel to each difference's region."""
    return {d.id: ndimage.distance_transform_edt(~d.mask) for d in puzzle.differences}


def _pixel(x: float, y: float) -> tuple[int, int]:
    return math.floor(y), math.floor(x)


coordinate = st.floats(0, 0.999)  # nearer 1 the sum with a pixel index can round up to the next pixel
tolerances = st.one_of(st.just(0.0), st.floats(0, 40), st.sampled_from([1.0, 4.0, 5.0, 10.0, 12.5]))


@HYPOTHESIS
@given(puzzle=puzzles(), data=st.data(), tolerance=st.one_of(st.none(), tolerances))
def test_a_point_inside_a_region_hits_that_region(puzzle, data, tolerance):
    d = data.draw(st.sampled_from(puzzle.differences))
    ys, xs = np.nonzero(d.mask)
    i = data.draw(st.integers(0, len(xs) - 1))
    x, y = xs[i] + data.draw(coordinate), ys[i] + data.draw(coordinate)
    hit = puzzle.hit_test(x, y, tolerance=tolerance)
    assert hit is not None and hit.id == d.id


@HYPOTHESIS
@given(puzzle=puzzles(), x=st.floats(0, W, exclude_max=True), y=st.floats(0, H, exclude_max=True), tolerance=tolerances)
def test_a_point_farther_than_the_tolerance_misses(puzzle, x, y, tolerance):
    row, col = _pixel(x, y)
    nearest = min(dist[row, col] for dist in _distances(puzzle).values())
    hit = puzzle.hit_test(x, y, tolerance=tolerance)
    if nearest > tolerance:
        assert hit is None, f"a click {nearest:.3f} px away counted with tolerance {tolerance}"
    else:
        assert hit is not None, f"a click {nearest:.3f} px away missed with tolerance {tolerance}"


@HYPOTHESIS
@given(puzzle=puzzles(), x=st.floats(0, W, exclude_max=True), y=st.floats(0, H, exclude_max=True), tolerance=tolerances)
def test_a_near_miss_counts_for_the_nearest_region(puzzle, x, y, tolerance):
    row, col = _pixel(x, y)
    distances = {did: float(dist[row, col]) for did, dist in _distances(puzzle).items()}
    nearest = min(distances.values())
    hit = puzzle.hit_test(x, y, tolerance=tolerance)
    if nearest <= tolerance:
        assert hit is not None
        assert distances[hit.id] == pytest.approx(nearest, abs=1e-9), f"hit #{hit.id}, distances {distances}"


@HYPOTHESIS
@given(puzzle=puzzles(), x=st.floats(0, W, exclude_max=True), y=st.floats(0, H, exclude_max=True))
def test_the_tolerance_is_exact_at_its_boundary(puzzle, x, y):
    row, col = _pixel(x, y)
    nearest = float(min(dist[row, col] for dist in _distances(puzzle).values()))
    assert puzzle.hit_test(x, y, tolerance=nearest) is not None  # exactly the tolerance away: counts
    if nearest > 0:
        assert puzzle.hit_test(x, y, tolerance=nearest * (1 - 1e-9)) is None  # a hair farther: misses


@HYPOTHESIS
@given(
    puzzle=puzzles(),
    x=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**12), 10**12)),
    y=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**12), 10**12)),
    tolerance=st.one_of(st.none(), tolerances),
)
def test_any_coordinates_give_a_difference_or_none(puzzle, x, y, tolerance):
    hit = puzzle.hit_test(x, y, tolerance=tolerance)
    inside = math.isfinite(x) and math.isfinite(y) and 0 <= x < W and 0 <= y < H
    if not inside:
        assert hit is None
    else:
        assert hit is None or hit in puzzle.differences


@pytest.mark.parametrize(
    ("x", "y"),
    [
        (math.nan, 5.0),
        (5.0, math.nan),
        (math.inf, 5.0),
        (5.0, -math.inf),
        (-0.5, 80.0),
        (-1e-9, 80.0),
        (W, 80.0),
        (100.0, H),
        (1e300, 1e300),
        (-(10**30), 3),
    ],
)
def test_out_of_range_and_not_finite_points_miss(x, y):
    # The region touches the left and top edges, so a tolerant test would otherwise reach it.
    mask = np.zeros((H, W), bool)
    mask[:, :60] = True
    mask[:40, :] = True
    puzzle = make_puzzle([mask])
    assert puzzle.hit_test(x, y, tolerance=50) is None


def test_the_default_tolerance_is_one_percent_of_the_diagonal_at_least_4_px():
    small = make_puzzle([_shape("square", 100, 80, 5)])
    assert small.default_tolerance() == 4.0
    assert small.hit_test(105 + 4, 80).id == 1  # 4 px right of the square's edge
    assert small.hit_test(105 + 5, 80) is None
    big_mask = np.zeros((900, 1200), bool)
    big_mask[400:420, 500:520] = True
    big = make_puzzle([big_mask])
    assert big.default_tolerance() == pytest.approx(15.0)
    assert big.hit_test(519 + 15, 410).id == 1
    assert big.hit_test(519 + 16, 410) is None


def test_zero_tolerance_counts_only_the_region_itself():
    puzzle = make_puzzle([_shape("square", 100, 80, 5)])
    assert puzzle.hit_test(105.99, 80, tolerance=0).id == 1
    assert puzzle.hit_test(106.0, 80, tolerance=0) is None
    assert puzzle.hit_test(94.999, 80, tolerance=0) is None


def test_the_hole_of_a_ring_is_a_miss_without_tolerance():
    puzzle = make_puzzle([_shape("ring", 100, 80, 30)])
    assert puzzle.hit_test(100.5, 80.5, tolerance=0) is None
    assert puzzle.hit_test(100.5, 80.5, tolerance=15).id == 1


def test_between_two_regions_the_nearer_one_counts():
    left, right = _shape("square", 50, 80, 10), _shape("square", 150, 80, 10)
    puzzle = make_puzzle([left, right])
    assert puzzle.hit_test(90, 80, tolerance=100).id == 1  # 30 px from left, 50 from right
    assert puzzle.hit_test(110, 80, tolerance=100).id == 2


def test_a_puzzle_without_differences_never_hits():
    empty = Puzzle(
        original=np.zeros((H, W, 3), np.uint8), modified=np.zeros((H, W, 3), np.uint8), differences=(), seed=0
    )
    assert empty.hit_test(10, 10, tolerance=1000) is None


# --- on a real puzzle ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_puzzle():
    # The coffee cup holds fewer than 6 natural differences (natural-only is the default): filled up.
    return generate_puzzle(picture("coffee"), n_differences=6, seed=31, max_side=512, fill_weak=True)


def test_every_answer_pixel_of_a_real_puzzle_hits_its_difference(real_puzzle):
    for d in real_puzzle.differences:
        ys, xs = np.nonzero(d.mask)
        for i in np.linspace(0, len(xs) - 1, 60).astype(int):
            assert real_puzzle.hit_test(xs[i] + 0.5, ys[i] + 0.5, tolerance=0).id == d.id
        assert real_puzzle.hit_test(*d.center).id == d.id


def test_a_grid_of_clicks_on_a_real_puzzle_agrees_with_exact_distances(real_puzzle):
    tolerance = real_puzzle.default_tolerance()
    distances = _distances(real_puzzle)
    nearest = np.min(np.stack(list(distances.values())), axis=0)
    hits = misses = 0
    for row in range(0, real_puzzle.height, 5):
        for col in range(0, real_puzzle.width, 5):
            hit = real_puzzle.hit_test(col + 0.5, row + 0.5)
            if nearest[row, col] <= tolerance:
                assert hit is not None and distances[hit.id][row, col] == nearest[row, col]
                hits += 1
            else:
                assert hit is None, f"({col}, {row}) is {nearest[row, col]:.2f} px away, tolerance {tolerance:.2f}"
                misses += 1
    assert hits > 100 and misses > 1000
