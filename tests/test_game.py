"""The game rules (spotdiff_app.game) on small hand-made puzzles: hits, mistakes, dedupe, hints, clock, tap
tolerance in displayed pixels, modes, stars and best results."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from spotdiff_app.game import (
    MISTAKE_PENALTY_S,
    MISTAKES_FOR_THREE_STARS,
    POINTER_TOLERANCE_PX,
    SECONDS_PER_DIFFERENCE,
    TOUCH_TOLERANCE_PX,
    Game,
    GameMode,
    Outcome,
    Result,
    is_touch,
    puzzle_key,
    record_best,
    star_rating,
    tap_tolerance,
    to_working,
)
from spotdiff_core.puzzle import Puzzle
from tests.helpers import make_puzzle as make_test_puzzle

HEIGHT, WIDTH = 240, 320
BOXES = {1: (20, 30, 40, 30), 2: (200, 150, 50, 40), 3: (150, 20, 30, 30)}  # id -> (x, y, w, h)


def box_mask(x: int, y: int, w: int, h: int, *, shape: tuple[int, int] = (HEIGHT, WIDTH)) -> np.ndarray:
    mask = np.zeros(shape, bool)
    mask[y : y + h, x : x + w] = True
    return mask


def make_puzzle() -> Puzzle:
    return make_test_puzzle([box_mask(*box) for box in BOXES.values()], seed=7)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def game(clock) -> Game:
    return Game(make_puzzle(), clock=clock)


def centre(did: int) -> tuple[int, int]:
    return make_puzzle().difference(did).center


def test_hit_counts_once_and_repeat_is_neither_hit_nor_mistake(game):
    x, y = centre(1)
    first = game.click(x, y, click_id=1)
    assert first.outcome is Outcome.HIT and first.difference_id == 1
    assert game.found == [1] and game.mistakes == 0
    again = game.click(x + 1, y, click_id=2)
    assert again.outcome is Outcome.ALREADY and again.difference_id == 1
    assert game.found == [1] and game.mistakes == 0


def test_miss_counts_a_mistake_and_reports_the_point(game):
    result = game.click(300, 230, click_id="a")
    assert result.outcome is Outcome.MISS
    assert (result.x, result.y) == (300, 230)
    assert game.mistakes == 1 and game.found == []


def test_the_same_click_delivered_twice_counts_once(game):
    value = {"x": 300, "y": 230, "width": WIDTH, "height": HEIGHT, "unix_time": 1_700_000_000_000}
    assert game.click_value(value).outcome is Outcome.MISS
    assert game.click_value(dict(value)).outcome is Outcome.DUPLICATE
    assert game.mistakes == 1
    hit = {**value, "x": centre(2)[0], "y": centre(2)[1], "unix_time": 1_700_000_000_500}
    assert game.click_value(hit).outcome is Outcome.HIT
    assert game.click_value(hit).outcome is Outcome.DUPLICATE
    assert game.found == [2] and game.mistakes == 1


def test_click_value_none_and_malformed(game):
    assert game.click_value(None) is None
    assert game.click_value({}) is None
    assert game.click_value({"x": "left", "y": 3, "width": 10, "height": 10}).outcome is Outcome.IGNORED
    assert game.click_value({"x": 3, "y": 3, "width": 0, "height": 10, "unix_time": 5}).outcome is Outcome.IGNORED
    assert game.mistakes == 0


def test_displayed_pixels_map_to_working_pixels(game):
    # The picture shown at 160 x 120 (half size): the centre of difference 2 halves too.
    x, y = centre(2)
    result = game.click(x / 2, y / 2, display_width=WIDTH / 2, display_height=HEIGHT / 2)
    assert result.outcome is Outcome.HIT and result.difference_id == 2
    assert (result.x, result.y) == (x, y)


@settings(max_examples=60, deadline=None)
@given(
    did=st.sampled_from(sorted(BOXES)),
    display_width=st.integers(min_value=80, max_value=2000),
    fx=st.floats(min_value=0.05, max_value=0.95),
    fy=st.floats(min_value=0.05, max_value=0.95),
)
def test_any_point_of_a_difference_hits_at_any_display_size(did, display_width, fx, fy):
    x0, y0, w, h = BOXES[did]
    display_height = display_width * HEIGHT / WIDTH
    scale = display_width / WIDTH
    game = Game(make_puzzle())
    result = game.click(
        (x0 + fx * w) * scale, (y0 + fy * h) * scale, display_width=display_width, display_height=display_height
    )
    assert result.outcome is Outcome.HIT and result.difference_id == did


def test_to_working_is_a_plain_rescale():
    assert to_working(50, 25, display_width=100, display_height=50, shape=(400, 200)) == (100, 200)


def test_finding_all_ends_the_game_and_stops_the_clock(game, clock):
    clock.now += 5
    assert game.elapsed() == pytest.approx(5)
    for step, did in enumerate((3, 1, 2)):
        clock.now += 10
        assert game.click(*centre(did), click_id=step).outcome is Outcome.HIT
    assert game.found == [3, 1, 2]
    assert game.is_over and game.is_won
    clock.now += 100
    assert game.elapsed() == pytest.approx(35)
    # After the end, clicks count for nothing.
    assert game.click(300, 230, click_id="late").outcome is Outcome.IGNORED
    assert game.mistakes == 0
    assert game.summary() == {
        "found": 3,
        "total": 3,
        "seconds": pytest.approx(35),
        "mistakes": 0,
        "hints": 0,
        "revealed": False,
        "timed_out": False,
    }


def test_reveal_all_ends_the_game_without_winning(game, clock):
    game.click(*centre(1))
    clock.now += 3
    game.reveal_all()
    assert game.is_over and game.revealed and not game.is_won
    assert game.found == [1]
    assert game.request_hint() is None
    clock.now += 50
    assert game.elapsed() == pytest.approx(3)


def _circle_contains_box(hint, box) -> bool:
    x, y, w, h = box
    corners = [(x, y), (x + w, y), (x, y + h), (x + w, y + h)]
    return all(math.hypot(cx - hint.center[0], cy - hint.center[1]) <= hint.radius for cx, cy in corners)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_a_hint_circle_holds_a_whole_unfound_difference(seed):
    game = Game(make_puzzle(), seed=seed)
    game.click(*centre(1))
    hint = game.request_hint()
    assert hint is not None and hint.difference_id in (2, 3)
    assert _circle_contains_box(hint, BOXES[hint.difference_id])
    # Not centred on the answer, or the hint would give it away.
    assert hint.center != game.puzzle.difference(hint.difference_id).center


def test_hints_count_move_on_and_clear_when_found(game):
    first = game.request_hint()
    second = game.request_hint()
    assert game.hints_used == 2
    assert second.difference_id != first.difference_id
    game.click(*centre(second.difference_id))
    assert game.hint is None
    assert game.hints_used == 2 and game.mistakes == 0


def test_games_are_numbered_apart():
    puzzle = make_puzzle()
    assert Game(puzzle).number != Game(puzzle).number


def test_the_game_rules_do_not_need_streamlit():
    import subprocess
    import sys

    code = "import sys, spotdiff_app.game; assert 'streamlit' not in sys.modules, 'streamlit imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent)


# --- forgiving taps: the tolerance is set in displayed pixels (issue 11) ---------------------------------


PHONE_WIDTH, DESKTOP_WIDTH = 366, 690  # CSS px a 640 px picture is shown at on a 390 px phone / 1440 px desktop


def bar_puzzle(width: int = 640, height: int = 480) -> Puzzle:
    """A landscape puzzle with one thin bar (60 x 8 px) and one square far from it."""
    boxes = [(300, 200, 60, 8), (40, 380, 40, 40)]
    return make_test_puzzle([box_mask(*box, shape=(height, width)) for box in boxes], seed=3)


@pytest.mark.parametrize(
    ("display_width", "touch", "css"), [(PHONE_WIDTH, True, TOUCH_TOLERANCE_PX), (DESKTOP_WIDTH, False, 10.0)]
)
def test_the_tolerance_is_so_many_css_pixels_whatever_the_picture_size(display_width, touch, css):
    assert css >= (20 if touch else 10)
    for width in (320, 640, 1024):
        tol = tap_tolerance(display_width=display_width, width=width, touch=touch)
        assert tol * display_width / width == pytest.approx(css)
    # Large targets forgive twice as far.
    assert tap_tolerance(display_width=display_width, width=640, touch=touch, large_targets=True) == pytest.approx(
        2 * tap_tolerance(display_width=display_width, width=640, touch=touch)
    )


@settings(max_examples=120, deadline=None)
@given(
    display=st.sampled_from([(PHONE_WIDTH, True), (DESKTOP_WIDTH, False), (1200, False), (320, True)]),
    off_css=st.floats(min_value=0.0, max_value=40.0),
    side=st.sampled_from(["above", "below", "left", "right"]),
    along=st.floats(min_value=0.1, max_value=0.9),
)
def test_a_tap_off_the_thin_bar_counts_exactly_when_within_the_displayed_tolerance(display, off_css, side, along):
    """At phone and desktop display sizes: a tap ``off_css`` CSS px off the thin bar's outline hits it iff that is
    within the tolerance for the pointer (20 px touch, 10 px mouse), measured in displayed pixels."""
    display_width, touch = display
    puzzle = bar_puzzle()
    scale = display_width / puzzle.width  # CSS px per working px
    off = off_css / scale  # working px
    x0, y0, w, h = 300, 200, 60, 8
    # Pixel centres: the outline's last row/column is at y0 + h - 0.5 etc.; a point ``off`` beyond it.
    x_in = x0 + 0.5 + along * (w - 1)
    y_in = y0 + 0.5 + along * (h - 1)
    x, y = {
        "above": (x_in, y0 + 0.5 - off),
        "below": (x_in, y0 + h - 0.5 + off),
        "left": (x0 + 0.5 - off, y_in),
        "right": (x0 + w - 0.5 + off, y_in),
    }[side]
    game = Game(puzzle)
    result = game.click(
        x * scale, y * scale, display_width=display_width, display_height=puzzle.height * scale, touch=touch
    )
    limit = TOUCH_TOLERANCE_PX if touch else POINTER_TOLERANCE_PX
    if off_css <= limit * (1 - 1e-6) - 0.75:  # a pixel's rounding aside (the point lands in a pixel)
        assert result.outcome is Outcome.HIT and result.difference_id == 1, (off_css, side)
    elif off_css > limit + 0.75:
        assert result.outcome is Outcome.MISS, (off_css, side)


def test_a_tap_between_two_differences_counts_for_the_nearer_outline():
    puzzle = bar_puzzle()
    # Between the bar's left end (x=300) and a point 30 px left of it; the square is far away.
    game = Game(puzzle)
    assert game.click(295, 204, touch=True).difference_id == 1
    # Equal tolerance reach, two candidates: the nearer outline wins (the plain rule of Puzzle.hit_test).
    two = make_puzzle()  # boxes 1 at (20..60, 30..60) and 3 at (150..180, 20..50)
    g = Game(two, mode=GameMode(large_targets=True))
    assert g.click(70, 40, display_width=WIDTH, display_height=HEIGHT).difference_id == 1  # 10 px from 1
    assert g.click(140, 40, display_width=WIDTH, display_height=HEIGHT, click_id=2).difference_id == 3


def test_a_click_value_from_a_narrow_window_or_a_finger_uses_the_touch_tolerance():
    puzzle = bar_puzzle()
    scale = PHONE_WIDTH / puzzle.width
    # 15 CSS px above the bar: a mouse on a desktop misses, a finger (or a narrow window) hits.
    x, y = 330 * scale, (200 - 15 / scale) * scale
    value = {"x": x, "y": y, "width": PHONE_WIDTH, "height": puzzle.height * scale}
    assert Game(puzzle).click_value({**value, "pointer": "mouse", "viewport_width": 1440}).outcome is Outcome.MISS
    assert Game(puzzle).click_value({**value, "pointer": "touch", "viewport_width": 1440}).outcome is Outcome.HIT
    assert Game(puzzle).click_value({**value, "pointer": "mouse", "viewport_width": 390}).outcome is Outcome.HIT
    assert is_touch({"viewport_width": "wide"}) is False


# --- modes, stars, best results (issue 11) ------------------------------------------------------------


def test_timed_mode_counts_down_by_difficulty_with_a_penalty_per_mistake(clock):
    game = Game(make_puzzle(), clock=clock, mode=GameMode(timed=True))
    assert game.time_limit == SECONDS_PER_DIFFERENCE["normal"] * 3
    clock.now += 10
    assert game.time_left() == pytest.approx(game.time_limit - 10)
    game.click(300, 230)  # a miss
    assert game.time_left() == pytest.approx(game.time_limit - 10 - MISTAKE_PENALTY_S)
    clock.now += game.time_limit  # far past the end
    assert game.click(*centre(1)).outcome is Outcome.IGNORED
    assert game.timed_out and game.is_over and not game.is_won
    assert game.elapsed() == pytest.approx(game.time_limit - MISTAKE_PENALTY_S)  # it ended when time ran out
    assert game.result() is None and game.request_hint() is None


def test_relaxed_mode_never_runs_out(clock):
    game = Game(make_puzzle(), clock=clock)
    clock.now += 10_000
    assert game.time_left() is None and not game.check_time()
    assert game.click(*centre(1)).outcome is Outcome.HIT


def test_hard_puzzles_get_less_time_per_difference():
    assert SECONDS_PER_DIFFERENCE["easy"] > SECONDS_PER_DIFFERENCE["normal"] > SECONDS_PER_DIFFERENCE["hard"]


def test_a_hint_limit_stops_hints_when_used_up(game):
    limited = Game(make_puzzle(), mode=GameMode(hint_limit=1))
    assert limited.hints_left == 1
    assert limited.request_hint() is not None
    assert limited.hints_left == 0
    assert limited.request_hint() is None and limited.hints_used == 1
    none = Game(make_puzzle(), mode=GameMode(hint_limit=0))
    assert none.request_hint() is None and none.hints_used == 0
    assert game.hints_left is None  # unlimited by default


@pytest.mark.parametrize(
    ("seconds", "mistakes", "hints", "stars"),
    [
        (10, 0, 0, 3),
        (10, MISTAKES_FOR_THREE_STARS, 0, 3),
        (10, MISTAKES_FOR_THREE_STARS + 1, 0, 2),
        (10, 0, 1, 2),
        (10_000, 0, 0, 2),
        (10_000, 9, 0, 1),
        (10_000, 9, 4, 1),  # never fewer than 1
    ],
)
def test_star_rating(seconds, mistakes, hints, stars):
    assert star_rating(seconds=seconds, mistakes=mistakes, hints=hints, total=3, difficulty="normal") == stars


@settings(max_examples=60, deadline=None)
@given(
    seconds=st.floats(0, 5000),
    mistakes=st.integers(0, 50),
    hints=st.integers(0, 10),
    total=st.integers(1, 10),
    difficulty=st.sampled_from(["easy", "normal", "hard", "unknown"]),
)
def test_stars_are_1_to_3_and_never_rise_with_more_time_mistakes_or_hints(seconds, mistakes, hints, total, difficulty):
    kw = {"total": total, "difficulty": difficulty}
    stars = star_rating(seconds=seconds, mistakes=mistakes, hints=hints, **kw)
    assert 1 <= stars <= 3
    assert star_rating(seconds=seconds + 100, mistakes=mistakes, hints=hints, **kw) <= stars
    assert star_rating(seconds=seconds, mistakes=mistakes + 1, hints=hints, **kw) <= stars
    assert star_rating(seconds=seconds, mistakes=mistakes, hints=hints + 1, **kw) <= stars


def test_a_won_game_has_a_result_and_a_revealed_one_none(game, clock):
    for did in (1, 2, 3):
        clock.now += 2
        game.click(*centre(did))
    result = game.result()
    assert result == Result(stars=3, seconds=pytest.approx(6), mistakes=0, hints=0)
    other = Game(make_puzzle(), clock=clock)
    other.reveal_all()
    assert other.result() is None


def test_the_best_result_per_puzzle_keeps_the_better_one():
    bests: dict = {}
    key = puzzle_key(make_puzzle())
    assert key == puzzle_key(make_puzzle()) and key != puzzle_key(bar_puzzle())
    first = Result(2, 50.0, 1, 1)
    assert record_best(bests, key, first) == (first, True)
    worse = Result(2, 60.0, 0, 0)
    assert record_best(bests, key, worse) == (first, False)  # same stars, slower
    better = Result(3, 80.0, 0, 0)
    assert record_best(bests, key, better) == (better, True)  # more stars beat time
    assert bests == {key: better}


# --- carrying a game over a reload (issue 11) -----------------------------------------------------------


def test_a_game_carries_over_through_its_progress(clock):
    game = Game(make_puzzle(), clock=clock, mode=GameMode(timed=True, hint_limit=3))
    clock.now += 20
    game.click(*centre(2))
    game.click(300, 230)
    game.request_hint()
    kept = game.progress()
    assert kept == {
        "found": [2],
        "mistakes": 1,
        "hints": 1,
        "seconds": 20.0,
        "timed": True,
        "hint_limit": 3,
        "large_targets": False,
    }
    again = Game(make_puzzle(), clock=clock)
    assert again.restore(kept)
    assert again.found == [2] and again.mistakes == 1 and again.hints_used == 1
    assert again.mode == GameMode(timed=True, hint_limit=3) and again.hints_left == 2
    assert again.elapsed() == pytest.approx(20)
    assert again.click(*centre(1)).outcome is Outcome.HIT


def test_a_restore_goes_only_into_an_untouched_game(clock):
    kept = {"found": [1], "mistakes": 0, "hints": 0, "seconds": 5, "timed": False, "hint_limit": None}
    game = Game(make_puzzle(), clock=clock)
    game.click(300, 230)
    assert not game.restore(kept)
    assert game.found == [] and game.mistakes == 1


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        {},
        {"found": [9], "mistakes": 0, "hints": 0, "seconds": 1},  # no such difference
        {"found": [1, 1], "mistakes": 0, "hints": 0, "seconds": 1},
        {"found": [1, 2, 3], "mistakes": 0, "hints": 0, "seconds": 1},  # a finished game is not carried over
        {"found": ["1"], "mistakes": 0, "hints": 0, "seconds": 1},
        {"found": [True], "mistakes": 0, "hints": 0, "seconds": 1},
        {"found": [], "mistakes": -1, "hints": 0, "seconds": 1},
        {"found": [], "mistakes": 0, "hints": 0.5, "seconds": 1},
        {"found": [], "mistakes": 0, "hints": 0, "seconds": float("nan")},
        {"found": [], "mistakes": 0, "hints": 0, "seconds": -3},
        {"found": [], "mistakes": 0, "hints": 0, "seconds": 1, "hint_limit": "many"},
    ],
)
def test_a_kept_game_that_does_not_fit_is_ignored(bad, clock):
    game = Game(make_puzzle(), clock=clock)
    assert not game.restore(bad)
    assert game.is_untouched and game.elapsed() == 0


def test_a_timed_game_kept_past_its_time_comes_back_over(clock):
    game = Game(make_puzzle(), clock=clock)
    limit = SECONDS_PER_DIFFERENCE["normal"] * 3
    assert game.restore({"found": [1], "mistakes": 0, "hints": 0, "seconds": limit + 1, "timed": True})
    assert game.timed_out and game.is_over and game.result() is None


@settings(max_examples=200, deadline=None)
@example(value={"x": 10, "y": 10, "width": 320, "height": 240, "viewport_width": 10**400})  # float() overflows
@given(
    value=st.dictionaries(
        st.sampled_from(["x", "y", "width", "height", "unix_time", "pointer", "viewport_width", "side"]),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(-(10**400), 10**400),
            st.floats(allow_nan=True, allow_infinity=True),
            st.text(max_size=8),
            st.lists(st.integers(), max_size=2),
            st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
        ),
    )
)
def test_any_value_the_board_could_send_is_played_or_ignored_never_raises(value):
    """The board's value comes from the browser: whatever arrives, the game answers with an outcome."""
    game = Game(make_puzzle())
    result = game.click_value(value)
    assert result is None or result.outcome in set(Outcome)
    assert game.mistakes + len(game.found) <= 1
