"""A sample puzzle's share link (spotdiff_app.share): read back what it writes, refuse bad values in one sentence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotdiff_app.settings import MAX_SEED
from spotdiff_app.share import ShareLink, link_of, read_link
from spotdiff_core import limits
from spotdiff_core.samples import SAMPLES
from tests.test_game import bar_puzzle


@given(
    sample=st.sampled_from(sorted(SAMPLES)),
    seed=st.integers(0, MAX_SEED),
    n=st.integers(limits.MIN_DIFFERENCES, limits.MAX_DIFFERENCES),
    difficulty=st.sampled_from(limits.DIFFICULTIES),
    lightness=st.booleans(),
)
def test_a_link_reads_back_as_written(sample, seed, n, difficulty, lightness):
    link = ShareLink(sample, seed, n, difficulty, lightness)
    assert read_link(link.params()) == link
    assert ("lightness" in link.params()) is lightness


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"sample": "mars", "seed": "1"}, "sample 'mars'"),
        ({"sample": "drawing", "seed": "-1"}, "seed '-1'"),
        ({"sample": "drawing", "seed": "1e3"}, "seed '1e3'"),
        ({"sample": "drawing", "seed": str(MAX_SEED + 1)}, "seed"),
        ({"sample": "drawing", "seed": "1", "n": "99"}, "n '99'"),
        ({"sample": "drawing", "seed": "1", "n": "five"}, "n 'five'"),
        ({"sample": "drawing", "seed": "1", "difficulty": "brutal"}, "difficulty 'brutal'"),
        ({"sample": "drawing", "seed": "1", "lightness": "yes"}, "lightness 'yes'"),
    ],
)
def test_a_bad_link_names_the_bad_value(params, named):
    with pytest.raises(ValueError, match=named.replace("(", r"\(")):
        read_link(params)


def test_missing_n_and_difficulty_take_the_usual_settings():
    assert read_link({"sample": "drawing", "seed": "4"}) == ShareLink(
        "drawing", 4, limits.DEFAULT_DIFFERENCES, "normal"
    )


def test_only_a_sample_made_on_the_play_page_gets_a_link():
    puzzle = bar_puzzle()  # seed 3, no settings
    assert link_of(puzzle, {"origin": "sample", "sample": "drawing"}) == ShareLink("drawing", 3, 2, "normal")
    assert link_of(puzzle, {"origin": "bundle", "name": "x.zip"}) is None
    assert link_of(puzzle, {"origin": "create", "sample": "drawing"}) is None  # backends and size not carried
    assert link_of(puzzle, {"origin": "sample", "sample": "nope"}) is None
