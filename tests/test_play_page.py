"""The Play page through AppTest (issue 11): game modes, stars, reveal confirmation, next puzzle, share link."""

from __future__ import annotations

import numpy as np
import pytest

from spotdiff_app import board as board_module
from spotdiff_app.game import MISTAKE_PENALTY_S, SECONDS_PER_DIFFERENCE
from spotdiff_app.i18n import EN, JA
from spotdiff_core import limits
from tests.markdown_view import shown
from tests.test_app import background_point, click, feedback, generate, open_app, status


@pytest.fixture
def playing():
    at = open_app()
    puzzle = generate(at)
    at.switch_page("pages/play.py").run()
    assert not at.exception
    return at, puzzle


def test_timed_mode_chosen_before_the_first_tap_counts_down_and_a_mistake_costs_time(playing):
    at, puzzle = playing
    first = at.session_state["game"]
    at.segmented_control(key="play_mode").set_value("timed").run()
    game = at.session_state["game"]
    # Chosen before any tap: the game starts again in the new mode, shown in the status line.
    assert game is not first and game.mode.timed
    limit = SECONDS_PER_DIFFERENCE["normal"] * 5
    assert "Timed" in status(at) and "left" in status(at)
    click(at, "a", *background_point(puzzle), unix_time=1)
    assert game.mistakes == 1
    assert game.time_left() <= limit - MISTAKE_PENALTY_S
    assert any(line.startswith(EN["miss_message"]) and "−5 s" in line for line in feedback(at))
    # Once a game is under way, a change of mode waits for the next game.
    at.segmented_control(key="play_mode").set_value("relaxed").run()
    assert at.session_state["game"] is game and game.mode.timed
    at.button(key="play_new").click().run()
    assert not at.session_state["game"].mode.timed and "Relaxed" in status(at)


def test_a_timed_game_that_runs_out_ends_with_a_time_up_card(playing):
    at, _ = playing
    at.segmented_control(key="play_mode").set_value("timed").run()
    game = at.session_state["game"]
    game.started_at -= game.time_limit + 1  # as if the countdown had run all the way down
    at.run()
    assert game.timed_out and game.is_over
    assert at.warning and at.warning[0].value.startswith("Time is up! You found 0 of 5")
    assert at.button(key="play_next") is not None


def test_a_hint_limit_is_shown_and_stops_the_hint_button(playing):
    at, _ = playing
    at.segmented_control(key="play_hint_limit").set_value("1").run()
    assert "Hints left 1" in status(at)
    assert at.button(key="play_hint").label == "Hint (1)"
    at.button(key="play_hint").click().run()
    assert "Hints left 0" in status(at)
    assert at.button(key="play_hint").disabled


def test_stars_and_the_best_result_of_the_session(playing):
    at, puzzle = playing
    for i, d in enumerate(puzzle.differences):
        click(at, "a", *d.center, unix_time=100 + i)
    assert "### ★★★" in [m.value for m in at.markdown]
    assert EN["best_new"] in feedback(at)
    # The same puzzle again, worse (three mistakes): the card keeps the best of the session.
    at.button(key="play_again").click().run()
    for i in range(3):
        click(at, "b", *background_point(puzzle), unix_time=200 + i)
    for i, d in enumerate(puzzle.differences):
        click(at, "b", *d.center, unix_time=300 + i)
    assert "### ★★☆" in [m.value for m in at.markdown]
    assert any(line.startswith("Best this session: ★★★ in 0:0") for line in feedback(at))


def test_next_puzzle_makes_a_new_puzzle_from_the_same_picture(playing):
    at, puzzle = playing
    at.button(key="play_reveal").click().run()
    at.button(key="play_next").click().run()
    assert not at.exception and not at.error
    new = at.session_state["puzzle"]
    assert new is not puzzle and len(new) == len(puzzle)
    assert np.array_equal(new.original, puzzle.original)
    assert new.seed != puzzle.seed
    assert not np.array_equal(new.labels, puzzle.labels)
    assert "Found 0 / 5" in status(at)


def test_a_sample_gets_a_share_link_that_makes_the_same_puzzle_for_anyone():
    at = open_app(page="pages/play.py")
    at.button(key="play_try_sample").click().run()
    puzzle = at.session_state["puzzle"]
    params = {key: at.query_params[key] for key in ("sample", "seed", "n", "difficulty")}
    assert params == {
        "sample": ["drawing"] if isinstance(at.query_params["sample"], list) else "drawing",
        "seed": params["seed"],
        "n": params["n"],
        "difficulty": params["difficulty"],
    }
    flat = {k: v[0] if isinstance(v, list) else v for k, v in params.items()}
    assert flat["n"] == str(limits.DEFAULT_DIFFERENCES) and flat["difficulty"] == "normal"
    assert int(flat["seed"]) == puzzle.seed

    # A friend (or a reload: a new session) opens the link: the same puzzle, byte for byte.
    friend = open_app()
    for key, value in flat.items():
        friend.query_params[key] = value
    friend.switch_page("pages/play.py").run()
    assert not friend.exception and not friend.error
    again = friend.session_state["puzzle"]
    assert np.array_equal(again.modified, puzzle.modified)
    assert np.array_equal(again.labels, puzzle.labels)
    assert "Found 0 / 5" in status(friend)
    assert EN["share_link_note"] in feedback(friend)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_bad_share_link_is_one_sentence_in_the_chosen_language(lang):
    at = open_app(lang)
    at.query_params.update({"sample": "drawing", "seed": "minus one", "n": "5", "difficulty": "normal"})
    at.switch_page("pages/play.py").run()
    assert not at.exception
    assert len(at.error) == 1
    lead = {"en": EN, "ja": JA}[lang]["share_link_invalid"].split("{reason}")[0]
    assert at.error[0].value.startswith(lead) and "seed" in at.error[0].value
    assert "puzzle" not in at.session_state


def test_a_miss_sends_the_same_encoded_pictures_without_encoding_again(playing):
    at, puzzle = playing
    before = board_module.encodings_made
    click(at, "a", *background_point(puzzle), unix_time=1)
    click(at, "b", *background_point(puzzle), unix_time=2)
    assert board_module.encodings_made == before  # the marks did not change: the cached JPEGs went out
    click(at, "a", *puzzle.difference(1).center, unix_time=3)
    assert board_module.encodings_made == before + 2  # a hit draws a circle on both pictures


def test_large_targets_count_a_tap_from_twice_as_far(playing):
    at, puzzle = playing
    d = puzzle.difference(1)
    ys, xs = np.nonzero(d.mask)
    # 15 CSS px left of the region's leftmost pixel at half size (mouse: 10 px tolerance; large: 20).
    row = int(np.median(ys[xs == xs.min()]))
    x = xs.min() - 30.0  # working px; the picture shown at half size makes it 15 CSS px
    if puzzle.hit_test(x, row, tolerance=45) is not d:
        pytest.skip("another difference lies next to difference 1 in this puzzle")
    click(at, "a", x, row + 0.5, unix_time=1)
    assert at.session_state["game"].mistakes == 1
    at.toggle(key="play_large_targets").set_value(True).run()
    at.button(key="play_new").click().run()
    assert at.session_state["game"].mode.large_targets
    click(at, "a", x, row + 0.5, unix_time=2)
    assert at.session_state["game"].found == [1]


def test_a_game_the_browser_kept_carries_on_after_a_reload(playing):
    """A reload is a new session: the board offers the game the browser kept, and the page takes it once."""
    at, puzzle = playing
    game = at.session_state["game"]
    at.session_state[f"play_board_{game.number}"] = {
        "restore": {"found": [2], "mistakes": 3, "hints": 0, "seconds": 42, "timed": False, "hint_limit": None},
        "unix_time": 77,
    }
    at.run()
    assert not at.exception
    assert status(at).startswith("**Found 1 / 5 · Mistakes 3 · Hints 0 · Relaxed** · :material/schedule: 0:4")
    assert EN["game_restored"] in feedback(at)
    # Delivered again by a rerun, or after the player moved on: taken once only.
    click(at, "a", *background_point(puzzle), unix_time=5)
    assert "Mistakes 4" in status(at)
    at.session_state[f"play_board_{game.number}"] = {"restore": {"found": [], "mistakes": 0}, "unix_time": 78}
    at.run()
    assert "Found 1 / 5 · Mistakes 4" in status(at)


def test_no_colour_only_differences_makes_the_next_puzzles_print_safe_and_the_link_says_so():
    at = open_app(page="pages/play.py")
    at.toggle(key="play_lightness").set_value(True).run()
    at.button(key="play_try_sample").click().run()
    assert not at.exception and not at.error
    puzzle = at.session_state["puzzle"]
    assert puzzle.settings["print_safe"] is True
    assert all(d.lightness_contrast >= limits.MIN_PRINT_SAFE_DELTA_L for d in puzzle.differences)
    assert at.query_params["lightness"] in ("1", ["1"])
    # The link makes it again, with the same lightness rule.
    friend = open_app()
    for key in ("sample", "seed", "n", "difficulty", "lightness"):
        value = at.query_params[key]
        friend.query_params[key] = value[0] if isinstance(value, list) else value
    friend.switch_page("pages/play.py").run()
    again = friend.session_state["puzzle"]
    assert again.settings["print_safe"] is True and np.array_equal(again.modified, puzzle.modified)


def test_a_puzzle_file_the_browser_kept_opens_again_after_a_reload():
    import base64

    from spotdiff_core import puzzle_to_zip_bytes

    made = generate(open_app())
    data = puzzle_to_zip_bytes(made)
    # The first visit shows the board and hands the browser the file to keep (once).
    at = open_app(page="pages/play.py")
    at.file_uploader(key="play_bundle").set_value(("mine.zip", data, "application/zip")).run()
    assert "Found 0 / 5" in status(at)
    assert len(at.session_state["play_kept_in_browser"]) == 1
    args = board_args(at)
    assert base64.b64decode(args["keep_bundle"]["data"]) == data and args["keep_bundle"]["name"] == "mine.zip"
    assert "bundle" not in at.session_state["puzzle_info"]  # sent to the browser, not kept in the session
    at.run()
    assert board_args(at)["keep_bundle"] is None  # once
    # A reload is a new session: the board is not there yet; the browser answers with the kept file.
    again = open_app(page="pages/play.py")
    assert "puzzle" not in again.session_state
    again.session_state["play_kept"] = {"bundle": base64.b64encode(data).decode(), "name": "mine.zip", "unix_time": 1}
    again.run()
    assert not again.exception and not again.error
    assert np.array_equal(again.session_state["puzzle"].modified, made.modified)
    assert "Opened mine.zip again from this browser: 5 differences." in [shown(line) for line in feedback(again)]
    assert "Found 0 / 5" in status(again)


@pytest.mark.parametrize(
    "kept",
    [
        {"bundle": "%%% not base64 %%%", "name": "x.zip", "unix_time": 1},
        {"bundle": "UEsDBCBub3QgcmVhbGx5", "name": "x.zip", "unix_time": 1},  # "PK.. not really"
        {"bundle": 12, "name": "x.zip"},
        "junk",
    ],
)
def test_a_kept_file_that_does_not_open_is_left_alone(kept):
    at = open_app(page="pages/play.py")
    at.session_state["play_kept"] = kept
    at.run()
    assert not at.exception and not at.error
    assert "puzzle" not in at.session_state
    assert at.info and at.info[0].value == EN["play_no_puzzle"]


def test_large_targets_before_a_sample_make_fewer_easier_differences():
    at = open_app(page="pages/play.py")
    at.toggle(key="play_large_targets").set_value(True).run()
    at.button(key="play_try_sample").click().run()
    assert not at.exception and not at.error
    puzzle = at.session_state["puzzle"]
    assert len(puzzle) == 3 and puzzle.settings["difficulty"] == "easy"
    assert at.session_state["game"].mode.large_targets
    assert "Found 0 / 3" in status(at)


@pytest.mark.parametrize(
    "value",
    ["junk", 7, [1, 2], {"x": "1e999", "y": 1, "width": 1, "height": 1, "unix_time": [1]}, {"restore": "junk"}],
)
def test_a_value_the_board_never_sends_changes_nothing(playing, value):
    at, _ = playing
    game = at.session_state["game"]
    at.session_state[f"play_board_{game.number}"] = value
    at.run()
    assert not at.exception and not at.error
    assert game.is_untouched and "Found 0 / 5 · Mistakes 0" in status(at)


def board_args(at) -> dict:
    import json

    return json.loads(at.get("component_instance")[0].proto.json_args)


def test_a_board_that_shows_the_pictures_already_is_not_sent_them_again(playing):
    at, puzzle = playing
    first = board_args(at)
    assert first["pictures"] and first["pictures_id"]
    game = at.session_state["game"]
    miss = {"x": 1.0, "y": 1.0, "width": puzzle.width, "height": puzzle.height, "unix_time": 1}
    x, y = background_point(puzzle)
    miss.update(x=x, y=y)
    # A miss from a board that says it shows these pictures: a small answer, no pictures.
    at.session_state[f"play_board_{game.number}"] = {**miss, "have": first["pictures_id"]}
    at.run()
    args = board_args(at)
    assert game.mistakes == 1 and args["pictures"] is None and args["pictures_id"] == first["pictures_id"]
    assert len(at.get("component_instance")[0].proto.json_args) < 2000
    # A hit changes the pictures (a circle on both): sent, with their new id.
    hit = {**miss, "unix_time": 2, "have": first["pictures_id"]}
    hit.update(x=puzzle.difference(1).center[0], y=puzzle.difference(1).center[1])
    at.session_state[f"play_board_{game.number}"] = hit
    at.run()
    args = board_args(at)
    assert game.found == [1] and args["pictures"] and args["pictures_id"] != first["pictures_id"]
    # A board that lost its pictures (remounted) asks for them and gets them, with nothing played.
    at.session_state[f"play_board_{game.number}"] = {"need_pictures": True, "have": None, "unix_time": 3}
    at.run()
    assert board_args(at)["pictures"] and game.found == [1] and game.mistakes == 1


def test_forget_in_this_browser_tells_the_board_to_drop_what_it_keeps():
    from spotdiff_core import puzzle_to_zip_bytes

    data = puzzle_to_zip_bytes(generate(open_app()))
    at = open_app(page="pages/play.py")
    at.file_uploader(key="play_bundle").set_value(("mine.zip", data, "application/zip")).run()
    assert board_args(at)["keep_bundle"] is not None and board_args(at)["forget"] is None
    at.button(key="play_forget").click().run()
    args = board_args(at)
    assert args["forget"] and args["keep_bundle"] is None
    assert EN["forget_done"] in feedback(at)


def test_next_puzzle_from_an_opened_file_gives_the_browser_the_new_puzzle_to_keep():
    import base64

    from spotdiff_core import load_puzzle, puzzle_to_zip_bytes

    data = puzzle_to_zip_bytes(generate(open_app()))
    at = open_app(page="pages/play.py")
    at.file_uploader(key="play_bundle").set_value(("mine.zip", data, "application/zip")).run()
    at.button(key="play_reveal").click().run()
    at.button(key="play_next").click().run()
    assert not at.exception and not at.error
    new = at.session_state["puzzle"]
    kept = board_args(at)["keep_bundle"]
    assert kept["name"] == "mine.zip"
    assert np.array_equal(load_puzzle(base64.b64decode(kept["data"])).labels, new.labels)
