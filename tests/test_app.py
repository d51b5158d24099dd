"""The Streamlit pages through streamlit.testing.v1.AppTest: load, generate, play by faked clicks, replace, bundles."""

from __future__ import annotations

import ast
import io
import re
import string
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from spotdiff_app.i18n import EN, JA, TEXTS, translate
from spotdiff_app.messages import error_text, plain
from spotdiff_core import Pipeline, Puzzle, limits, load_puzzle, puzzle_to_zip_bytes
from spotdiff_core.errors import (
    BackendUnavailableError,
    GenerationTimeoutError,
    ImageUnsuitableError,
    InvalidInputError,
    PuzzleFormatError,
)
from spotdiff_core.samples import SAMPLES
from tests.markdown_view import shown

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")
PAGES = ["pages/create.py", "pages/play.py"]
if (ROOT / "pages" / "worksheet.py").is_file():  # another issue's page; checked too once it exists
    PAGES.append("pages/worksheet.py")
TIMEOUT_S = 60
FAST = {"create_max_side": 384, "create_inpainter": "telea"}  # small and instant: page logic, not quality


def open_app(lang: str = "en", page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    if lang != "en":
        at.query_params["lang"] = lang
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def generate(at: AppTest, *, sample: str = "drawing", n: int = 5) -> Puzzle:
    """Make a puzzle on the Create page with the fast backend; returns the session's puzzle.

    The drawing, not the coffee cup used before: natural-only is the default, and the cup holds no natural
    difference at this size, the drawing 5 with any seed.
    """
    at.selectbox(key="create_sample").set_value(sample)
    at.slider(key="create_n").set_value(n)
    at.select_slider(key="create_max_side").set_value(FAST["create_max_side"])
    at.selectbox(key="create_inpainter").set_value(FAST["create_inpainter"])
    at.run()
    at.button(key="create_generate").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    puzzle = at.session_state["puzzle"]
    assert isinstance(puzzle, Puzzle) and len(puzzle) == n
    return puzzle


def status(at: AppTest) -> str:
    """The Play page's status line (counter, mistakes, hints, mode, clock)."""
    return next(m.value for m in at.markdown if m.value.startswith("**") and " · " in m.value)


def feedback(at: AppTest) -> list[str]:
    """The lines under the board that say what the last tap did (among the page's other captions)."""
    return [line for c in at.caption for line in c.value.split("  \n")]


def click(at: AppTest, side: str, x: float, y: float, *, unix_time: int, scale: float = 0.5) -> None:
    """Fake a tap on the Play page's board: the picture shown at ``scale``, the point in working pixels."""
    game = at.session_state["game"]
    puzzle = game.puzzle
    at.session_state[f"play_board_{game.number}"] = {
        "x": x * scale,
        "y": y * scale,
        "width": puzzle.width * scale,
        "height": puzzle.height * scale,
        "side": side,
        "pointer": "mouse",
        "viewport_width": 1440,
        "unix_time": unix_time,
    }
    at.run()
    assert not at.exception, at.exception


def background_point(puzzle: Puzzle) -> tuple[int, int]:
    ys, xs = np.nonzero(puzzle.labels == 0)
    distance = np.min([np.hypot(xs - d.center[0], ys - d.center[1]) for d in puzzle.differences], axis=0)
    best = int(np.argmax(distance))
    assert puzzle.hit_test(xs[best], ys[best]) is None
    return int(xs[best]), int(ys[best])


# --- first load -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_loads_without_exception(page, lang):
    at = open_app(lang, page)
    assert at.title, "the page shows a title"
    assert not at.error
    if page != "pages/worksheet.py":
        expected = translate(lang, "create_title" if page.endswith("create.py") else "play_title")
        assert at.title[0].value == expected


def test_lang_query_parameter_opens_in_japanese_and_is_remembered():
    at = open_app("ja")
    assert at.title[0].value == JA["create_title"]
    at.query_params.clear()
    at.switch_page("pages/play.py").run()
    assert at.title[0].value == JA["play_title"]
    at.selectbox(key="language_choice").set_value("en").run()
    assert at.title[0].value == EN["play_title"]


def test_settings_survive_a_language_change_and_a_page_switch():
    at = open_app()
    at.slider(key="create_n").set_value(7).run()
    at.selectbox(key="language_choice").set_value("ja").run()
    assert at.slider(key="create_n").value == 7
    assert at.slider(key="create_n").label == JA["n_differences_label"]
    at.switch_page("pages/play.py").run()
    at.switch_page("pages/create.py").run()
    assert at.slider(key="create_n").value == 7


# --- create -----------------------------------------------------------------------------


def test_defaults_are_five_normal_differences_of_every_kind():
    at = open_app()
    assert at.slider(key="create_n").value == limits.DEFAULT_DIFFERENCES == 5
    assert at.slider(key="create_n").min == limits.MIN_DIFFERENCES
    assert at.slider(key="create_n").max == limits.MAX_DIFFERENCES
    assert at.button_group(key="create_difficulty").value == "normal"
    assert at.button_group(key="create_kinds").value == list(limits.KINDS)
    assert at.select_slider(key="create_max_side").value == limits.DEFAULT_MAX_SIDE
    # A sample is chosen from the start, so the first visit can make a puzzle at once; its credit is shown.
    assert not at.button(key="create_generate").disabled
    assert any("Credit:" in c.value for c in at.caption)


def test_backends_show_what_is_available_and_why_not():
    at = open_app()
    captions = " ".join(c.value for c in at.caption)
    assert "felzenszwalb" in captions and "patchmatch" in captions and "telea" in captions
    assert at.selectbox(key="create_segmenter").options[0].startswith("auto → ")
    assert at.selectbox(key="create_inpainter").value == "auto"


def test_a_backend_without_weights_is_marked_and_choosing_it_is_one_error(monkeypatch, tmp_path):
    monkeypatch.setenv("SPOTDIFF_MODEL_DIR", str(tmp_path))  # an empty models directory
    monkeypatch.delenv("SPOTDIFF_FASTSAM_WEIGHTS", raising=False)
    at = open_app()
    assert "fastsam (not available)" in at.selectbox(key="create_segmenter").options
    assert any("❌ **fastsam**" in c.value for c in at.caption)
    at.selectbox(key="create_segmenter").set_value("fastsam")
    at.select_slider(key="create_max_side").set_value(384)
    at.run()
    at.button(key="create_generate").click().run()
    assert not at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith(f"**{EN['error_backend_unavailable']}**")
    assert "puzzle" not in at.session_state


def test_generate_with_the_fast_backend_shows_the_review():
    at = open_app()
    puzzle = generate(at)
    assert puzzle.backends["inpainter"] == "telea"
    assert max(puzzle.shape) == 384
    assert at.success and re.match(r"Made 5 differences in \d+\.\d s\.", at.success[0].value)
    assert len(at.get("progress")) == 0, "the progress bar is gone when the puzzle is done"
    assert [b.key for b in at.button if b.key.startswith("create_replace_")] == [
        f"create_replace_{i}" for i in range(1, 6)
    ]
    rows = [m.value for m in at.markdown if m.value.startswith("**#")]
    assert len(rows) == 5 and all("% of the picture" in row and "ΔE" in row for row in rows)
    assert {b.label for b in at.get("download_button")} == {
        EN["download_bundle"],
        EN["download_modified"],
        EN["download_answers"],
    }
    # The answers toggle swaps the changed picture for the outlined one (without a new puzzle).
    at.toggle(key="create_answers").set_value(True).run()
    assert at.session_state["puzzle"] is puzzle


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_picture_that_holds_fewer_offers_to_make_that_many(lang):
    # The drawing holds 8 of 10 differences at this size with seed 1 (without a seed the page chooses one,
    # and the offer keeps it, so asking for that many works either way).
    table = EN if lang == "en" else JA
    at = open_app(lang)
    at.selectbox(key="create_sample").set_value("drawing")
    at.slider(key="create_n").set_value(10)
    at.text_input(key="create_seed").set_value("1")
    at.select_slider(key="create_max_side").set_value(FAST["create_max_side"])
    at.selectbox(key="create_inpainter").set_value(FAST["create_inpainter"])
    at.run()
    at.button(key="create_generate").click().run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith(f"**{table['error_image_unsuitable']}**")
    held = int(re.search(r"can hold only (\d+)", at.error[0].value).group(1))
    assert at.button(key="create_fill_up").label == table["fill_up_button"].format(n=10)  # the other offer
    fewer = at.button(key="create_fewer")
    assert fewer.label == table["fewer_button"].format(n=held)
    fewer.click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    puzzle = at.session_state["puzzle"]
    assert len(puzzle) == held and at.slider(key="create_n").value == held
    assert puzzle.seed == 1
    assert "create_fewer_seed" not in at.session_state, "the offer's seed is used once, not for a later puzzle"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_photo_that_holds_fewer_offers_to_fill_up_with_weaker_changes(lang):
    # Natural-only is the default: the coffee cup holds fewer than 5 natural differences at this size. The error
    # offers that many (when there are any) and the number asked for with weaker changes; one click makes it.
    table = EN if lang == "en" else JA
    at = open_app(lang)
    at.selectbox(key="create_sample").set_value("coffee")
    at.slider(key="create_n").set_value(5)
    at.text_input(key="create_seed").set_value("1")
    at.select_slider(key="create_max_side").set_value(FAST["create_max_side"])
    at.selectbox(key="create_inpainter").set_value(FAST["create_inpainter"])
    assert at.toggle(key="create_fill_weak").value is False
    assert at.toggle(key="create_fill_weak").label == table["fill_weak_label"]
    at.run()
    at.button(key="create_generate").click().run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith(f"**{table['error_image_unsuitable']}**")
    assert "puzzle" not in at.session_state
    held = re.search(r"can hold only (\d+) of the 5", at.error[0].value)
    if held:
        assert at.button(key="create_fewer").label == table["fewer_button"].format(n=int(held.group(1)))
    else:  # none fits: nothing to make fewer of
        assert "No difference fits in this picture" in at.error[0].value
        assert "create_fewer" not in [b.key for b in at.button]
    fill_up = at.button(key="create_fill_up")
    assert fill_up.label == table["fill_up_button"].format(n=5)
    fill_up.click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    puzzle = at.session_state["puzzle"]
    assert len(puzzle) == 5 and puzzle.seed == 1
    assert puzzle.settings["fill_weak"] is True and at.toggle(key="create_fill_weak").value is True
    weak = puzzle.weak_differences
    assert weak, "the cup holds fewer than 5 natural differences: some are weak"
    ids = ", ".join(f"#{d.id}" for d in weak)
    expected = table["weak_warning"].format(natural=5 - len(weak), n=5, ids=ids)
    assert [w.value for w in at.warning] == [expected]
    assert "create_fewer_seed" not in at.session_state, "the offer's seed is used once, not for a later puzzle"


def test_generate_in_japanese():
    at = open_app("ja")
    assert at.selectbox(key="create_sample").options[0] == JA["sample_drawing"]
    assert at.button_group(key="create_kinds").options[0] == JA["kind_remove"]
    generate(at, sample="drawing", n=3)
    assert at.success and "3 個のまちがい" in at.success[0].value


def test_replace_keeps_the_other_differences():
    at = open_app()
    before = generate(at)
    at.button(key="create_replace_2").click().run()
    assert not at.exception and not at.error
    after = at.session_state["puzzle"]
    assert after is not before and len(after) == 5
    for d in before.differences:
        if d.id != 2:
            assert np.array_equal(after.difference(d.id).mask, d.mask)
            assert after.difference(d.id).kind == d.kind
    assert not np.array_equal(after.difference(2).mask, before.difference(2).mask)
    assert at.success and at.success[0].value.startswith("Replaced difference 2 in")


def test_regenerate_all_makes_a_new_puzzle_from_the_same_picture():
    at = open_app()
    before = generate(at)
    at.button(key="create_regenerate").click().run()
    after = at.session_state["puzzle"]
    assert after is not before and len(after) == len(before)
    assert np.array_equal(after.original, before.original)
    assert after.seed != before.seed


def test_seed_makes_the_same_puzzle_and_a_bad_seed_is_one_translated_error():
    at = open_app()
    at.text_input(key="create_seed").set_value("1234")
    first = generate(at)
    at.button(key="create_generate").click().run()
    second = at.session_state["puzzle"]
    assert first.seed == second.seed == 1234
    assert np.array_equal(first.modified, second.modified)

    at.selectbox(key="language_choice").set_value("ja").run()
    at.text_input(key="create_seed").set_value("abc").run()
    assert len(at.error) == 1
    assert at.error[0].value.startswith(f"**{JA['error_invalid_input']}**")
    assert at.button(key="create_generate").disabled


def test_no_kind_of_change_disables_generate():
    at = open_app()
    at.button_group(key="create_kinds").set_value([]).run()
    assert at.warning and at.warning[0].value == EN["kinds_empty"]
    assert at.button(key="create_generate").disabled


def test_an_uploaded_picture_is_used_and_a_bad_one_is_one_error():
    at = open_app()
    at.button_group(key="create_source").set_value("upload").run()
    assert at.button(key="create_generate").disabled
    from skimage import data

    buf = io.BytesIO()
    Image.fromarray(data.chelsea()).save(buf, format="JPEG", quality=90)
    at.file_uploader(key="create_upload").set_value(("cat.jpg", buf.getvalue(), "image/jpeg")).run()
    assert not at.exception and not at.error
    assert any("× " in c.value and "working size" in c.value for c in at.caption)
    assert not at.button(key="create_generate").disabled

    at.file_uploader(key="create_upload").set_value(("notes.png", b"not a picture at all", "image/png")).run()
    assert len(at.error) == 1
    assert at.error[0].value.startswith(f"**{EN['error_invalid_input']}**")


def test_a_camera_photo_is_used_and_survives_a_visit_to_another_page():
    at = open_app()
    at.button_group(key="create_source").set_value("camera").run()
    assert at.info and at.info[0].value == EN["picture_missing"]
    at.camera_input(key="create_camera").set_value(("photo.jpg", _coffee_jpeg(), "image/jpeg")).run()
    assert not at.exception and not at.error and not at.info
    assert not at.button(key="create_generate").disabled
    # The camera widget forgets its photo on a page switch; the page still has it.
    at.switch_page("pages/play.py").run()
    at.switch_page("pages/create.py").run()
    assert not at.info and not at.button(key="create_generate").disabled


def test_an_uploaded_picture_is_never_written_to_disk(monkeypatch):
    """Privacy: the upload is decoded and processed in memory; downloads are made from bytes."""
    import cv2

    def refuse(*args, **kwargs):
        raise AssertionError("the app tried to write a picture to disk")

    original_save = Image.Image.save

    def save_in_memory_only(self, fp, *args, **kwargs):
        if isinstance(fp, (str, Path)):
            refuse()
        return original_save(self, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", save_in_memory_only)
    monkeypatch.setattr(cv2, "imwrite", refuse)
    monkeypatch.setattr(np, "save", refuse)
    at = open_app()
    at.button_group(key="create_source").set_value("upload").run()
    at.file_uploader(key="create_upload").set_value(("mine.jpg", _coffee_jpeg(), "image/jpeg"))
    at.select_slider(key="create_max_side").set_value(384)
    at.selectbox(key="create_inpainter").set_value("telea")
    # The photo holds fewer natural differences than asked (natural-only is the default): filled up.
    at.toggle(key="create_fill_weak").set_value(True)
    at.run()
    at.button(key="create_generate").click().run()
    assert not at.exception and not at.error
    assert at.session_state["puzzle"].shape == (256, 384)


def _coffee_jpeg() -> bytes:
    from skimage import data

    buf = io.BytesIO()
    Image.fromarray(data.coffee()).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


# --- play -------------------------------------------------------------------------------


@pytest.fixture
def playing() -> tuple[AppTest, Puzzle]:
    at = open_app()
    puzzle = generate(at)
    at.switch_page("pages/play.py").run()
    assert not at.exception
    assert status(at).startswith("**Found 0 / 5 · Mistakes 0 · Hints 0 · Relaxed**")
    return at, puzzle


def test_clicks_hit_miss_repeat_and_rerun(playing):
    at, puzzle = playing
    first = puzzle.difference(1)
    click(at, "b", *first.center, unix_time=1000)
    assert "Found 1 / 5 · Mistakes 0" in status(at)
    assert EN["hit_message"].format(found=1, total=5) in feedback(at)
    assert not at.toast  # the answer is at the tap point and under the board, not in a corner toast

    at.run()  # the component delivers its last value again on every rerun: counted once
    assert "Found 1 / 5 · Mistakes 0" in status(at)

    click(at, "a", *background_point(puzzle), unix_time=2000)
    assert "Found 1 / 5 · Mistakes 1" in status(at)
    assert EN["miss_message"] in feedback(at)
    assert at.session_state["play_flash"][1]["outcome"] == "miss"  # drawn where the tap landed

    # Again on the difference already found (the other picture this time): neither a hit nor a mistake.
    click(at, "a", *first.center, unix_time=3000)
    assert "Found 1 / 5 · Mistakes 1" in status(at)
    assert EN["already_message"] in feedback(at)


def test_finding_all_shows_time_mistakes_and_hints(playing):
    at, puzzle = playing
    at.button(key="play_hint").click().run()
    assert "Hints 1" in status(at)
    assert EN["hint_message"] in feedback(at)
    for i, d in enumerate(puzzle.differences):
        click(at, "ab"[i % 2], *d.center, unix_time=10_000 + i)
    assert "Found 5 / 5" in status(at)
    assert len(at.success) == 1
    message = at.success[0].value
    assert message.startswith("You found all 5 differences in 0:0")
    assert "Mistakes: 0" in message and "Hints: 1" in message
    # One hint costs one star: the finish card shows it, and the status line too.
    assert "### ★★☆" in [m.value for m in at.markdown]
    assert status(at).startswith("**Found 5 / 5 · Mistakes 0 · Hints 1 · Relaxed · ★★☆**")
    assert EN["best_new"] in [c.value for c in at.caption]
    assert at.button(key="play_hint").disabled


def test_reveal_all_then_new_game(playing):
    at, puzzle = playing
    click(at, "a", *puzzle.difference(3).center, unix_time=5)
    # "Reveal all" only opens a question; the game ends when the player confirms.
    assert EN["reveal_confirm"] in [m.value for m in at.markdown]
    assert not at.session_state["game"].is_over
    at.button(key="play_reveal").click().run()
    assert at.info and at.info[0].value.startswith("All differences shown. You found 1 of 5")
    old_game = at.session_state["game"]
    at.button(key="play_again").click().run()
    game = at.session_state["game"]
    assert game is not old_game and game.puzzle is puzzle
    assert "Found 0 / 5 · Mistakes 0" in status(at)
    # The old game's last click does not carry over into the new one.
    assert not at.info


def test_play_without_a_puzzle_offers_create_and_a_sample():
    at = open_app(page="pages/play.py")
    assert at.info and at.info[0].value == EN["play_no_puzzle"]
    at.button(key="play_try_sample").click().run()
    assert not at.exception and not at.error
    assert f"Found 0 / {limits.DEFAULT_DIFFERENCES}" in status(at)


# --- bundles ----------------------------------------------------------------------------


def test_a_bundle_round_trips_through_download_and_open():
    at = open_app()
    made = generate(at)
    # The Create page's download button serves exactly these bytes.
    bundle = puzzle_to_zip_bytes(made)

    friend = open_app(page="pages/play.py")  # another session: nothing shared but the file
    friend.file_uploader(key="play_bundle").set_value(("puzzle.zip", bundle, "application/zip")).run()
    assert not friend.exception and not friend.error
    opened = friend.session_state["puzzle"]
    assert np.array_equal(opened.original, made.original)
    assert np.array_equal(opened.modified, made.modified)
    assert np.array_equal(opened.labels, made.labels)
    assert opened.seed == made.seed
    assert "Opened puzzle.zip: 5 differences." in [shown(line) for line in feedback(friend)]
    assert "Found 0 / 5" in status(friend)
    click(friend, "b", *opened.difference(4).center, unix_time=1)
    assert "Found 1 / 5" in status(friend)
    assert load_puzzle(bundle).seed == made.seed


def test_a_broken_bundle_is_one_error_in_the_chosen_language():
    at = open_app("ja", "pages/play.py")
    at.file_uploader(key="play_bundle").set_value(("broken.zip", b"PK\x03\x04 not really", "application/zip")).run()
    assert len(at.error) == 1
    assert at.error[0].value.startswith(f"**{JA['error_puzzle_format']}**")
    assert "not a readable .zip" in shown(at.error[0].value)
    assert "puzzle" not in at.session_state


# --- translations and messages ------------------------------------------------------------


def test_both_languages_have_the_same_keys_and_placeholders():
    assert set(EN) == set(JA)
    for key in EN:
        fields = {name for _, name, _, _ in string.Formatter().parse(EN[key]) if name}
        ja_fields = {name for _, name, _, _ in string.Formatter().parse(JA[key]) if name}
        assert fields == ja_fields, key


def _used_keys() -> set[str]:
    """Every literal t("...") key in the app's own files, plus the f-string families they build."""
    keys: set[str] = set()
    sources = [ROOT / "streamlit_app.py", ROOT / "pages" / "create.py", ROOT / "pages" / "play.py"]
    sources += sorted((ROOT / "spotdiff_app").glob("*.py"))
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("t", "t_or") and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    keys.add(arg.value)
    keys |= {f"kind_{k}" for k in limits.KINDS}
    keys |= {f"difficulty_{d}" for d in limits.DIFFICULTIES}
    keys |= {f"stage_{s}" for s in ("segmenting", "choosing", "editing", "checking")}
    keys |= {f"source_{s}" for s in ("upload", "sample", "camera")}
    keys |= {f"sample_{key}" for key in SAMPLES}
    return keys


def test_every_text_the_app_uses_is_translated():
    missing = {lang: sorted(_used_keys() - set(table)) for lang, table in TEXTS.items()}
    assert missing == {"en": [], "ja": []}


def test_progress_stages_of_the_pipeline_all_have_texts():
    from spotdiff_core.generator import STAGES

    assert all(f"stage_{stage}" in EN for stage in STAGES)


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (PuzzleFormatError("bad zip"), "error_puzzle_format"),
        (InvalidInputError("bad value"), "error_invalid_input"),
        (ImageUnsuitableError("too plain"), "error_image_unsuitable"),
        (BackendUnavailableError("no weights"), "error_backend_unavailable"),
        (GenerationTimeoutError("slow"), "error_timeout"),
    ],
)
def test_each_core_error_gets_its_lead_in_and_keeps_the_library_sentence(error, key):
    # The library's sentence may quote a shared file: shown as plain text.
    assert error_text(error) == f"**{EN[key]}** {plain(error)}"
    assert shown(error_text(error)) == f"{EN[key]} {error}"


def test_the_pipeline_is_built_once_per_process_and_shared(monkeypatch):
    from spotdiff_app import state

    built = []
    from_names = Pipeline.from_names.__func__

    def counting(cls, segmenter="auto", inpainter="auto"):
        built.append((segmenter, inpainter))
        return from_names(cls, segmenter, inpainter)

    monkeypatch.setattr(Pipeline, "from_names", classmethod(counting))
    state.cached_pipeline.clear()
    for at in (open_app(), open_app()):  # two sessions
        generate(at, sample="drawing", n=2)
    assert built == [("auto", "telea")]
