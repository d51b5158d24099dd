"""The game rules (spotdiff_app.game) on a small hand-made puzzle: hits, mistakes, dedupe, hints, clock."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotdiff_app.game import Game, Outcome, to_working
from spotdiff_core.puzzle import Difference, Puzzle, bbox_of, center_of

HEIGHT, WIDTH = 240, 320
BOXES = {1: (20, 30, 40, 30), 2: (200, 150, 50, 40), 3: (150, 20, 30, 30)}  # id -> (x, y, w, h)


def make_puzzle() -> Puzzle:
    original = np.full((HEIGHT, WIDTH, 3), 120, np.uint8)
    modified = original.copy()
    differences = []
    for did, (x, y, w, h) in BOXES.items():
        mask = np.zeros((HEIGHT, WIDTH), bool)
        mask[y : y + h, x : x + w] = True
        modified[mask] = (200, 40, 40)
        differences.append(
            Difference(
                id=did,
                kind="recolor",
                mask=mask,
                bbox=bbox_of(mask),
                center=center_of(mask),
                area_fraction=float(mask.mean()),
                contrast=40.0,
                lightness_contrast=10.0,
                saliency=1.0,
                conspicuity=0.5,
            )
        )
    return Puzzle(original=original, modified=modified, differences=tuple(differences), seed=7)


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
